"""Compounding and the second check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anakinra_iv.errors import InvalidInput, InvalidTransition, PermissionDenied
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import CheckBag, PrepareBag
from anakinra_iv.workflow.services import VerificationMismatch, check_bag, prepare_bag
from tests.workflow_support.fixtures import Ward, prescribe_step, verify


def _prepare(ward: Ward, order_id: int, who: str = "pharmacist", lots: tuple[str, ...] = ("L1",)):  # type: ignore[no-untyped-def]
    return prepare_bag(
        PrepareBag(ward.users[who], order_id, ward.clock(), lots),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )


def test_bag_recipe_and_beyond_use_come_from_the_protocol(ward: Ward) -> None:
    """A 12-h bag at 1200 mg/day holds 600 mg in 100 mL (6 mg/mL); kept cold until hung, BUD =
    prepared + 24 h (USP 797 Category 1 refrigerated)."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = _prepare(ward, order_id, lots=("LOT-1", "LOT-2"))
    assert (bag.drug_amount_mg, bag.final_volume_ml) == (600.0, 100.0)
    assert bag.concentration_mg_per_ml == pytest.approx(6.0)
    assert bag.beyond_use - bag.prepared_at == timedelta(hours=24)
    assert (bag.status, bag.syringe_lots) == ("prepared", ("LOT-1", "LOT-2"))


def test_no_bag_for_an_unverified_order(ward: Ward) -> None:
    """Compounding before verification is refused."""
    order_id = prescribe_step(ward)
    with pytest.raises(InvalidTransition, match="not verified"):
        _prepare(ward, order_id)


def test_syringe_lots_are_required(ward: Ward) -> None:
    """A bag without lot numbers is refused naming 'syringe_lots'."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    with pytest.raises(InvalidInput) as caught:
        _prepare(ward, order_id, lots=(" ",))
    assert caught.value.field == "syringe_lots"


def test_second_check_by_the_preparer_is_refused(ward: Ward) -> None:
    """The pharmacist who prepared a bag cannot check it; another pharmacist can."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = _prepare(ward, order_id)
    with pytest.raises(PermissionDenied, match="other than"):
        check_bag(CheckBag(ward.users["pharmacist"], bag.id), ward.uow(), ward.clock())
    checked = check_bag(CheckBag(ward.users["pharmacist2"], bag.id), ward.uow(), ward.clock())
    assert (checked.status, checked.checked_by) == ("checked", "ph_bo")
    with pytest.raises(InvalidTransition):
        check_bag(CheckBag(ward.users["pharmacist2"], bag.id), ward.uow(), ward.clock())


def test_check_with_wrong_concentration_is_refused_and_recorded(ward: Ward) -> None:
    """Reading 60 mg/mL off a 6 mg/mL bag is refused; the bag stays unchecked."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = _prepare(ward, order_id)
    with pytest.raises(VerificationMismatch):
        check_bag(
            CheckBag(ward.users["pharmacist2"], bag.id, Q_(60, "mg/mL")), ward.uow(), ward.clock()
        )
    with ward.uow() as uow:
        assert uow.bags.get(bag.id).status == "prepared"
        assert uow.audit.list_events(limit=1)[0].action == "bag.check_refused"


def test_a_bag_cannot_be_prepared_before_its_order_was_written(ward: Ward) -> None:
    """A preparation time before the order existed is refused naming 'prepared_at'."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    ward.clock.advance(hours=1)
    with pytest.raises(InvalidInput, match="'prepared_at'"):
        prepare_bag(
            PrepareBag(
                ward.users["pharmacist"], order_id, ward.clock() - timedelta(days=2), ("LOT-1",)
            ),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )
