"""Separation of duties applies to people, not roles (issue 13): a user holding several roles is
still one person. Who ordered or changed a dose never verifies it; who prepared a bag never
checks it; who verified or prepared does not also hang it or give the loading dose (a site
setting, on by default)."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import PermissionDenied
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import (
    AddUser,
    ChangeDose,
    PrepareBag,
    RecordAdministration,
    RecordLoadingDose,
    VerifyOrder,
)
from anakinra_iv.workflow.services import (
    add_user,
    change_dose,
    prepare_bag,
    record_administration,
    record_loading_dose,
    verify_order,
)
from tests.workflow_support.fixtures import (
    PASSWORD,
    Ward,
    prescribe_step,
    read_bag,
    scan_codes,
    verify,
)


def _user(ward: Ward, name: str, *roles: str) -> int:
    return add_user(
        AddUser(None, name, frozenset(roles), PASSWORD),
        ward.uow(),
        ward.services.hasher,
        ward.services.policy,
        ward.clock(),
    ).id


def _verify_as(ward: Ward, user_id: int, order_id: int, rate: float, conc: float) -> None:
    verify_order(
        VerifyOrder(user_id, order_id, Q_(rate, "mg/h"), Q_(conc, "mg/mL")),
        ward.uow(),
        ward.clock(),
    )


def test_who_changed_a_dose_never_verifies_it(ward: Ward) -> None:
    """A prescriber-pharmacist who changed another prescriber's dose (step 4: 1600/24 = 66.67
    mg/h, 800 mg in 100 mL = 8 mg/mL) may not verify the dose they changed; another pharmacist
    may."""
    both = _user(ward, "dr_ph", "prescriber", "pharmacist")
    order_id = prescribe_step(ward, 3)
    verify(ward, order_id)
    change_dose(
        ChangeDose(both, order_id, step=4, reason="rising ferritin"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with pytest.raises(PermissionDenied, match="changed its dose never verifies"):
        _verify_as(ward, both, order_id, 1600 / 24, 8)
    _verify_as(ward, ward.users["pharmacist2"], order_id, 1600 / 24, 8)


def _prepared_by(ward: Ward, user_id: int, order_id: int) -> int:
    return prepare_bag(
        PrepareBag(user_id, order_id, ward.clock(), ("LOT-Z",)),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    ).id


def _hang(ward: Ward, user_id: int, order_id: int, bag_id: int, *, separate: bool = True):  # type: ignore[no-untyped-def]
    return record_administration(
        RecordAdministration(
            user_id, order_id, "start", bag_id=bag_id, **scan_codes(ward, order_id, bag_id)
        ),
        ward.uow(),
        ward.clock(),
        ward.services.calculator,
        separate_hanging=separate,
    )


def test_a_pharmacist_nurse_does_not_hang_a_bag_they_verified_or_prepared(ward: Ward) -> None:
    """One person with pharmacist and nurse roles verifies and prepares; the bag is checked by
    another pharmacist; hanging it themselves is refused, another nurse may hang it."""
    dual = _user(ward, "ph_rn", "pharmacist", "nurse")
    order_id = prescribe_step(ward)
    _verify_as(ward, dual, order_id, 50, 6)
    bag_id = _prepared_by(ward, dual, order_id)
    read_bag(ward, bag_id, who="pharmacist2")
    with pytest.raises(PermissionDenied, match="verified the order or prepared the bag"):
        _hang(ward, dual, order_id, bag_id)
    assert _hang(ward, ward.users["nurse"], order_id, bag_id).status == "active"


def test_the_preparer_who_is_also_a_nurse_does_not_hang_it(ward: Ward) -> None:
    """Verified by one pharmacist, prepared by a pharmacist-nurse: that person may not hang."""
    dual = _user(ward, "ph_rn", "pharmacist", "nurse")
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = _prepared_by(ward, dual, order_id)
    read_bag(ward, bag_id, who="pharmacist2")
    with pytest.raises(PermissionDenied):
        _hang(ward, dual, order_id, bag_id)


def test_the_site_may_switch_separate_hanging_off(ward: Ward) -> None:
    """With ``separate_hanging`` off (a site setting) the verifier-nurse may hang the bag."""
    dual = _user(ward, "ph_rn", "pharmacist", "nurse")
    order_id = prescribe_step(ward)
    _verify_as(ward, dual, order_id, 50, 6)
    bag_id = _prepared_by(ward, ward.users["pharmacist"], order_id)
    read_bag(ward, bag_id, who="pharmacist2")
    assert _hang(ward, dual, order_id, bag_id, separate=False).status == "active"


def test_the_verifier_does_not_give_the_loading_dose(ward: Ward) -> None:
    """The pharmacist-nurse who verified an order may not give its loading dose (setting on)."""
    dual = _user(ward, "ph_rn", "pharmacist", "nurse")
    order_id = prescribe_step(ward)
    _verify_as(ward, dual, order_id, 50, 6)
    with pytest.raises(PermissionDenied, match="loading dose"):
        record_loading_dose(
            RecordLoadingDose(dual, order_id, Q_(100, "mg"), "LD-1"), ward.uow(), ward.clock()
        )


def test_the_setting_is_on_by_default() -> None:
    """``ANAKINRA_SEPARATE_HANGING`` defaults to on."""
    from anakinra_iv.config import Settings

    assert Settings().separate_hanging is True
