"""Separation of duties by person at the loading dose: whoever verified the order or prepared
its bag does not also give the loading dose, whatever roles they hold."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import PermissionDenied
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import AddUser, PrepareBag, RecordLoadingDose
from anakinra_iv.workflow.services import add_user, prepare_bag, record_loading_dose
from tests.workflow_support.fixtures import PASSWORD, Ward, prescribe_step, read_bag, verify


def _dual(ward: Ward) -> int:
    """A pharmacist who also works as a nurse."""
    view = add_user(
        AddUser(None, "ph_rn_dee", frozenset({"pharmacist", "nurse"}), PASSWORD),
        ward.uow(),
        ward.services.hasher,
        ward.services.policy,
        ward.clock(),
    )
    return view.id


def _loading_dose(ward: Ward, who: int, order_id: int) -> None:
    with ward.uow() as uow:
        ordered = uow.orders.get(order_id).loading_dose_mg
    assert ordered is not None
    record_loading_dose(
        RecordLoadingDose(who, order_id, Q_(ordered, "mg"), "LOT-L1"), ward.uow(), ward.clock()
    )


def test_whoever_prepared_the_bag_does_not_give_the_loading_dose(ward: Ward) -> None:
    """The pharmacist-nurse prepares the bag (another pharmacist checks it): their loading dose
    is refused (before: 201); the ward's nurse then gives it."""
    dual = _dual(ward)
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = prepare_bag(
        PrepareBag(dual, order_id, ward.clock(), ("LOT-A1", "LOT-A2")),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    read_bag(ward, bag.id)
    with pytest.raises(PermissionDenied, match="whoever prepared its bag"):
        _loading_dose(ward, dual, order_id)
    with ward.uow() as uow:
        assert uow.loading_doses.find_for_order(order_id) is None
    _loading_dose(ward, ward.users["nurse"], order_id)


def test_a_pharmacist_nurse_who_did_neither_gives_the_loading_dose(ward: Ward) -> None:
    """The control: the same person, who neither verified nor prepared, may give it."""
    dual = _dual(ward)
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("LOT-A1", "LOT-A2")),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    read_bag(ward, bag.id)
    _loading_dose(ward, dual, order_id)
    with ward.uow() as uow:
        dose = uow.loading_doses.find_for_order(order_id)
        assert dose is not None and dose.given_by_id == dual
