"""Prescribing, dose changes and blind verification, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import (
    ConflictError,
    InvalidTransition,
    OverrideRequired,
    PermissionDenied,
    UnknownItem,
)
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import ChangeDose, Discontinue, Prescribe, VerifyOrder
from anakinra_iv.workflow.services import (
    VerificationMismatch,
    change_dose,
    discontinue_order,
    prescribe,
    verify_order,
)
from tests.workflow_support.fixtures import (
    Ward,
    administer,
    compound_and_check,
    prescribe_step,
    verify,
)


def test_prescribe_stores_the_plan_from_the_core(ward: Ward) -> None:
    """Step 3 of adult-mas-civ is 1200 mg/day (protocol ladder): 1200/24 = 50 mg/h, and its
    12-h bag holds 600 mg in 100 mL = 6 mg/mL, run at 50/6 = 8.33 mL/h."""
    order_id = prescribe_step(ward, 3)
    with ward.uow() as uow:
        order = uow.orders.get(order_id)
        assert order.status == "pending_verification" and order.needs_verification
        assert (order.daily_dose_mg, order.rate_mg_per_h) == (1200.0, 50.0)
        assert order.planned_concentration_mg_per_ml == pytest.approx(6.0)
        assert order.planned_rate_ml_per_h == pytest.approx(50 / 6)
        assert order.loading_dose_mg == 100.0  # protocol loading dose
        (recommendation,) = uow.recommendations.list_for_patient(ward.patient_id)
        assert recommendation.inputs["weight"].startswith("70.0 kg")
        assert recommendation.outputs["rate_mg_per_h"] == 50.0
        actions = [e.action for e in uow.audit.list_events()]
    assert actions[0] == "order.create"


def test_prescribe_needs_an_approved_protocol(ward: Ward) -> None:
    """paediatric-mas-civ was never approved here, so ordering on it is refused."""
    with pytest.raises((InvalidTransition, Exception)) as caught:
        prescribe(
            Prescribe(ward.users["prescriber"], ward.patient_id, "sepsis-trial-civ", step=1),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )
    assert "sepsis-trial-civ" in str(caught.value)
    with ward.uow() as uow:
        assert uow.orders.count() == 0


@pytest.mark.parametrize("who", ["pharmacist", "nurse", "admin", "viewer"])
def test_only_a_prescriber_orders(ward: Ward, who: str) -> None:
    """Every other role is refused and nothing is stored."""
    with pytest.raises(PermissionDenied):
        prescribe(
            Prescribe(ward.users[who], ward.patient_id, "adult-mas-civ", step=3),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )
    with ward.uow() as uow:
        assert uow.orders.count() == 0


def test_soft_limit_needs_a_reason_and_stores_nothing_without_one(ward: Ward) -> None:
    """2000 mg/day is above the 1600 mg/day soft maximum: refused without a reason, accepted
    with one (the reason is kept on the order)."""
    with pytest.raises(OverrideRequired):
        prescribe_step(ward, 5)
    with ward.uow() as uow:
        assert uow.orders.count() == 0
    order_id = prescribe_step(ward, 5, override_reason="ferritin still rising at 1600 mg/day")
    with ward.uow() as uow:
        order = uow.orders.get(order_id)
        assert (order.limit_status, order.override_reason) == (
            "above_soft",
            "ferritin still rising at 1600 mg/day",
        )


def test_unknown_patient_is_reported(ward: Ward) -> None:
    """Patient 999 does not exist."""
    with pytest.raises(UnknownItem, match="patient 999"):
        prescribe(
            Prescribe(ward.users["prescriber"], 999, "adult-mas-civ", step=3),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )


def test_blind_verification_accepts_matching_entries(ward: Ward) -> None:
    """50 mg/h and 6 mg/mL entered independently match; the order becomes verified."""
    order_id = prescribe_step(ward)
    verify(ward, order_id, "50 mg/h", "6 mg/mL")
    with ward.uow() as uow:
        order = uow.orders.get(order_id)
        assert (order.status, order.verified_rate_mg_per_h) == ("verified", 50.0)
        assert order.verified_by_id == ward.users["pharmacist"]


def test_verification_accepts_other_units_of_the_same_quantity(ward: Ward) -> None:
    """1200 mg/day is 50 mg/h and 0.6 g/dL is 6 mg/mL (unit conversion, by hand)."""
    order_id = prescribe_step(ward)
    verify(ward, order_id, "1200 mg/day", "0.6 g/dL")
    with ward.uow() as uow:
        assert uow.orders.get(order_id).status == "verified"


def test_mismatch_is_refused_and_recorded(ward: Ward) -> None:
    """A tenfold rate (500 mg/h) is refused; the attempt is stored and audited, the order
    stays unverified, and the message says only "do not match": neither the order's rate nor
    which of the two values was wrong (the field is the verification as a whole)."""
    order_id = prescribe_step(ward)
    with pytest.raises(VerificationMismatch) as caught:
        verify(ward, order_id, "500 mg/h", "6 mg/mL")
    assert caught.value.field == "verification"
    assert "do not match" in caught.value.message
    for leak in ("50 mg/h", "500", "rate_mg_per_h", "concentration_mg_per_ml", "6 mg/mL"):
        assert leak not in caught.value.message
    with ward.uow() as uow:
        order = uow.orders.get(order_id)
        (attempt,) = uow.verifications.list_for_order(order_id)
        assert order.status == "pending_verification"
        assert (attempt.outcome, attempt.entered_rate_mg_per_h) == ("mismatch", 500.0)
        assert uow.audit.list_events(limit=1)[0].action == "order.verify_refused"
        assert uow.audit.verify_chain().ok


def test_prescriber_cannot_verify_own_order(ward: Ward) -> None:
    """A user who is both prescriber and pharmacist may not verify the order they wrote."""
    from anakinra_iv.workflow.commands import AddUser
    from anakinra_iv.workflow.services import add_user
    from tests.workflow_support.fixtures import PASSWORD

    both = add_user(
        AddUser(None, "dr_both", frozenset({"prescriber", "pharmacist"}), PASSWORD),
        ward.uow(),
        ward.services.hasher,
        ward.services.policy,
        ward.clock(),
    )
    order = prescribe(
        Prescribe(both.id, ward.patient_id, "adult-mas-civ", step=3),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with pytest.raises(PermissionDenied, match="ordered it or changed its dose never verifies"):
        verify_order(
            VerifyOrder(both.id, order.id, Q_(50, "mg/h"), Q_(6, "mg/mL")),
            ward.uow(),
            ward.clock(),
        )


def test_second_verification_is_a_conflict_naming_the_order(ward: Ward) -> None:
    """After one pharmacist verified, the next attempt is refused and names the order."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    with pytest.raises(InvalidTransition, match=f"order {order_id}"):
        verify(ward, order_id)


def test_stale_expected_version_is_a_conflict(ward: Ward) -> None:
    """A client that saw version 0 of an order at version 1 gets ConflictError naming it."""
    order_id = prescribe_step(ward)
    with ward.uow() as uow:
        version = uow.orders.get(order_id).version
    with pytest.raises(ConflictError, match=f"order {order_id}"):
        verify_order(
            VerifyOrder(
                ward.users["pharmacist"], order_id, Q_(50, "mg/h"), Q_(6, "mg/mL"), version + 1
            ),
            ward.uow(),
            ward.clock(),
        )


def test_dose_change_needs_fresh_verification(ward: Ward) -> None:
    """Step 4 is 1600 mg/day = 66.67 mg/h in 800 mg/100 mL = 8 mg/mL; the verified rate stays
    50 mg/h until a pharmacist verifies the new values."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=4, reason="no response"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with ward.uow() as uow:
        order = uow.orders.get(order_id)
        assert (order.status, order.needs_verification) == ("pending_verification", True)
        assert order.rate_mg_per_h == pytest.approx(1600 / 24)
        assert order.verified_rate_mg_per_h == 50.0
    verify(ward, order_id, "66.67 mg/h", "8 mg/mL")
    with ward.uow() as uow:
        assert uow.orders.get(order_id).verified_rate_mg_per_h == pytest.approx(1600 / 24)


def test_escalating_a_running_infusion_gives_no_second_loading_dose(ward: Ward) -> None:
    """The 100 mg loading bolus (fisher-1994-jama) belongs to the start: a dose change before
    the start keeps it, a dose change of a running infusion drops it (issue 9)."""
    order_id = prescribe_step(ward)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=2, reason="lower start"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with ward.uow() as uow:
        assert uow.orders.get(order_id).loading_dose_mg == 100
    # step 2 = 800 mg/day (protocol ladder): 800/24 = 33.3 mg/h; a 12 h bag of 400 mg in 100 mL
    verify(ward, order_id, rate="33.33 mg/h", conc="4 mg/mL")
    administer(ward, order_id, "start", bag_id=compound_and_check(ward, order_id))
    running = order_id
    change_dose(
        ChangeDose(ward.users["prescriber"], running, step=4, reason="no response"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with ward.uow() as uow:
        order = uow.orders.get(running)
        assert order.loading_dose_mg is None
        assert order.plan_inputs.get("infusion_running") is True


def test_discontinue_is_for_a_running_order_and_cancel_for_one_that_never_ran(
    ward: Ward,
) -> None:
    """An unstarted order cannot be discontinued (it is cancelled instead); once cancelled with a
    reason, nothing can verify it."""
    from anakinra_iv.workflow.commands import CancelOrder
    from anakinra_iv.workflow.services import cancel_order

    order_id = prescribe_step(ward)
    with pytest.raises(InvalidTransition, match="'discontinue' is not allowed"):
        discontinue_order(
            Discontinue(ward.users["prescriber"], order_id, "entered for the wrong patient"),
            ward.uow(),
            ward.clock(),
        )
    view = cancel_order(
        CancelOrder(ward.users["prescriber"], order_id, "entered for the wrong patient"),
        ward.uow(),
        ward.clock(),
    )
    assert (view.status, view.status_reason) == ("cancelled", "entered for the wrong patient")
    with pytest.raises(InvalidTransition):
        verify(ward, order_id)
