"""The renal rule is a decision, not a bullet: when it fires the order is not signed until the
prescriber applies the suggested dose or keeps the dose with a reason; either choice is stored
and audited.

Hand calculation (Cockcroft-Gault, the protocol's formula): the ward's patient is a 54-year-old
woman of 70 kg (55 on the clock's date); creatinine 7.8 mg/dL gives
(140 - 55) x 70 / (72 x 7.8) x 0.85 = 9.0 mL/min, below the ESRD limit of 15 mL/min, so the
adult-mas-civ rule scales the rate by 0.15: step 3's 1,200 mg/day becomes 180 mg/day = 7.5 mg/h.
"""

from __future__ import annotations

import pytest

from anakinra_iv.errors import InvalidInput
from anakinra_iv.workflow.commands import CancelOrder, Prescribe, RecordObservation
from anakinra_iv.workflow.services import (
    RenalDecisionRequired,
    cancel_order,
    prescribe,
    record_observation,
)
from tests.workflow_support.fixtures import Ward


@pytest.fixture
def renal_ward(ward: Ward) -> Ward:
    """The ward with the patient's creatinine now 7.8 mg/dL (CrCl 9 mL/min)."""
    ward.clock.advance(minutes=30)
    record_observation(
        RecordObservation(
            ward.users["nurse"], ward.patient_id, "7.8 mg/dL", ward.clock(), code="2160-0"
        ),
        ward.uow(),
        ward.clock(),
    )
    return ward


def _order(ward: Ward, **kw: object):  # type: ignore[no-untyped-def]
    return prescribe(
        Prescribe(ward.users["prescriber"], ward.patient_id, "adult-mas-civ", step=3, **kw),  # type: ignore[arg-type]
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )


def _counts(ward: Ward) -> tuple[int, int]:
    with ward.uow() as uow:
        return uow.orders.count(), len(uow.audit.list_events(limit=100_000))


def test_signing_without_a_decision_is_refused_and_nothing_is_stored(renal_ward: Ward) -> None:
    """The refusal names 'renal_decision' and states the suggestion (180 mg/day)."""
    before = _counts(renal_ward)
    with pytest.raises(RenalDecisionRequired) as caught:
        _order(renal_ward)
    assert caught.value.field == "renal_decision"
    assert "180 mg/day" in caught.value.message and "CrCl below 15" in caught.value.message
    assert _counts(renal_ward) == before


def test_apply_stores_the_adjusted_dose_and_the_decision(renal_ward: Ward) -> None:
    """Applied: 180 mg/day = 7.5 mg/h in 90 mg / 100 mL = 0.9 mg/mL bags; the decision is on
    the order and in its audit event."""
    view = _order(renal_ward, renal_decision="apply")
    assert (view.daily_dose_mg, view.rate_mg_per_h) == pytest.approx((180.0, 7.5))
    assert view.planned_concentration_mg_per_ml == pytest.approx(0.9)
    assert (view.renal_decision, view.renal_reason) == ("apply", None)
    with renal_ward.uow() as uow:
        event = uow.audit.list_events(limit=1)[0]
        assert event.action == "order.create" and '"renal_decision":"apply"' in event.new_value


def test_keep_needs_a_reason_and_stores_it(renal_ward: Ward) -> None:
    """Keep without a reason is refused naming 'renal_reason'; with one, 1,200 mg/day is stored
    with the reason, audited."""
    with pytest.raises(InvalidInput) as caught:
        _order(renal_ward, renal_decision="keep", renal_reason=" ")
    assert caught.value.field == "renal_reason"
    view = _order(renal_ward, renal_decision="keep", renal_reason="haemodialysis tonight")
    assert view.daily_dose_mg == 1200.0
    assert (view.renal_decision, view.renal_reason) == ("keep", "haemodialysis tonight")
    with renal_ward.uow() as uow:
        assert "haemodialysis tonight" in uow.audit.list_events(limit=1)[0].new_value


def test_no_decision_is_stored_when_the_rule_does_not_fire(ward: Ward) -> None:
    """At creatinine 1.0 mg/dL (CrCl 70 mL/min) the rule is silent: an order signs without a
    decision, and a decision sent anyway is not stored."""
    first = _order(ward)
    assert first.renal_decision is None
    cancel_order(
        CancelOrder(ward.users["prescriber"], first.id, "ordered twice"), ward.uow(), ward.clock()
    )
    assert _order(ward, renal_decision="apply").renal_decision is None


def test_an_unknown_decision_is_refused(renal_ward: Ward) -> None:
    """Only 'apply' and 'keep' are decisions."""
    with pytest.raises(InvalidInput) as caught:
        _order(renal_ward, renal_decision="maybe")
    assert caught.value.field == "renal_decision"
