"""The demonstration ward seeds a CAR-T patient whose screens are not empty."""

from __future__ import annotations

from anakinra_iv.bootstrap import Services
from anakinra_iv.workflow.board import list_board
from anakinra_iv.workflow.demo import seed_demo_ward
from anakinra_iv.workflow.services import list_toxicity_assessments
from tests.workflow_support.fixtures import FakeClock


def test_demo_cart_patient_has_grades_a_rise_and_advice(
    services: Services, clock: FakeClock
) -> None:
    """DEMO-008 runs adult-cart-crs-icans step 3; assessments give CRS 1, 2, 2 and ICANS 1,
    1, 2 (hand-graded in demo_cart.ASSESSMENTS); the board flags the ICANS rise, and the review
    asked for after it advises escalate (ICANS rose after 10 h >= 8 h at step 3)."""
    ids = seed_demo_ward(
        services.new_uow,
        services.hasher,
        services.policy,
        services.calculator,
        clock(),
        "demo-password-long-enough",
    )
    with services.new_uow() as uow:
        (patient_id,) = [p.id for p in uow.patients.list_all() if p.mrn == "DEMO-008"]
        recommendation = uow.recommendations.list_for_patient(patient_id)[0]
        assert recommendation.outputs["action"] == "escalate"
        assert recommendation.outputs["target_step"] == 4
    graded = list_toxicity_assessments(services.new_uow(), ids["nurse"], patient_id)
    crs = [g.grade for g in graded if g.score == "crs-astct"]
    icans = [g.grade for g in graded if g.score == "icans-astct"]
    assert (crs, icans) == ([1, 2, 2], [1, 1, 2])
    (row,) = [
        r
        for r in list_board(services.new_uow(), ids["nurse"], clock())
        if r.patient.id == patient_id
    ]
    assert row.order.protocol_id == "adult-cart-crs-icans"
    assert "ICANS grade rose from 1 to 2" in row.alerts
    assert not any("beyond-use" in a for a in row.alerts)
