"""Compounding and the second check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anakinra_iv.errors import InvalidInput, InvalidTransition, PermissionDenied
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import CheckBag, PrepareBag
from anakinra_iv.workflow.services import VerificationMismatch, check_bag, prepare_bag
from tests.workflow_support.fixtures import Ward, prescribe_step, read_bag, verify


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
    """The pharmacist who prepared a bag cannot check it; another pharmacist can, once."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = _prepare(ward, order_id)
    with pytest.raises(PermissionDenied, match="whoever prepared a bag never checks it"):
        read_bag(ward, bag.id, who="pharmacist")
    read_bag(ward, bag.id, who="pharmacist2")
    with ward.uow() as uow:
        stored = uow.bags.get(bag.id)
        assert (stored.status, stored.checked_by_id) == ("checked", ward.users["pharmacist2"])
    with pytest.raises(InvalidTransition):
        read_bag(ward, bag.id, who="pharmacist2")


def test_check_with_a_wrong_reading_is_refused_and_recorded(ward: Ward) -> None:
    """Reading 6000 mg off a 600 mg bag (a tenfold slip) is refused; the bag stays unchecked,
    the attempt is stored and audited, and the message names neither the value nor which
    reading was wrong."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = _prepare(ward, order_id)
    with pytest.raises(VerificationMismatch) as caught:
        check_bag(
            CheckBag(ward.users["pharmacist2"], bag.id, Q_(6000, "mg"), Q_(100, "mL"), ("L1",)),
            ward.uow(),
            ward.clock(),
        )
    assert caught.value.field == "check" and "600" not in caught.value.message
    with ward.uow() as uow:
        assert uow.bags.get(bag.id).status == "prepared"
        (attempt,) = uow.bag_checks.list_for_bag(bag.id)
        assert (attempt.outcome, attempt.entered_drug_amount_mg) == ("mismatch", 6000.0)
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
