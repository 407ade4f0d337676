"""Review timing, lab status, scores from stored labs, the board, and the patient review."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from anakinra_iv.protocol import get_protocol
from anakinra_iv.workflow.board import list_board
from anakinra_iv.workflow.commands import RecordObservation
from anakinra_iv.workflow.queries import get_patient
from anakinra_iv.workflow.review import (
    calculate_lab_scores,
    calculate_review_due,
    get_lab_status,
    get_patient_review,
)
from anakinra_iv.workflow.services import record_observation
from tests.workflow_support.fixtures import START, Ward, prescribe_step, start_running

PROTOCOL = get_protocol("adult-mas-civ")


def _lab(ward: Ward, value: str, code: str, hours_ago: float = 0) -> None:
    record_observation(
        RecordObservation(
            ward.users["nurse"],
            ward.patient_id,
            value,
            ward.clock() - timedelta(hours=hours_ago),
            code=code,
        ),
        ward.uow(),
        ward.clock(),
    )


def _observations(ward: Ward):  # type: ignore[no-untyped-def]
    return get_patient(ward.uow(), ward.users["viewer"], ward.patient_id).patient.observations


def test_review_is_due_one_interval_after_the_change() -> None:
    """adult-mas-civ reviews every 24 h (site decision): a change at 08:00 is due 08:00 next day."""
    assert calculate_review_due(PROTOCOL, START) == START + timedelta(hours=24)


def test_labs_due_after_interval_and_stale_after_limit(ward: Ward) -> None:
    """Ferritin at 08:00: due 24 h later; stale only past 36 h (labs.interval, labs.stale_after)."""
    _lab(ward, "2400 ng/mL", "2276-4")
    status = get_lab_status(PROTOCOL, _observations(ward), START + timedelta(hours=36))
    assert status is not None
    assert (status.last_at, status.due_at, status.stale) == (
        START,
        START + timedelta(hours=24),
        False,
    )
    later = get_lab_status(PROTOCOL, _observations(ward), START + timedelta(hours=36, minutes=1))
    assert later is not None and later.stale


def test_creatinine_at_registration_counts_as_a_lab(ward: Ward) -> None:
    """Creatinine is on the protocol panel; the body weight is not."""
    status = get_lab_status(PROTOCOL, _observations(ward), START)
    assert status is not None and status.last_at == START


def test_hscore_from_ferritin_alone_lists_the_rest_as_missing(ward: Ward) -> None:
    """Fardet 2014: ferritin 2,000-6,000 ng/mL scores 35 (of 50 at most); every other item is
    missing, so the range runs from 35 to the maximum 337 less the 15 ferritin cannot reach."""
    _lab(ward, "2400 ng/mL", "2276-4")
    scores = {s.name: s for s in calculate_lab_scores(_observations(ward))}
    hscore = scores["hscore"].result
    assert hscore is not None and hscore.points == 35
    assert hscore.score_range == (35, 322)
    assert {"immunosuppression", "hepatomegaly", "platelets"} <= set(hscore.missing)
    assert "ferritin" not in hscore.missing
    assert scores["hscore"].items_used == ("ferritin",)


def test_score_without_any_recorded_item_has_no_result(ward: Ward) -> None:
    """Weight and creatinine feed no score: every score says none of its items is recorded."""
    outcomes = calculate_lab_scores(_observations(ward))
    assert all(o.result is None and "no item" in o.problem for o in outcomes)


def test_board_shows_review_and_lab_due_and_alerts(ward: Ward) -> None:
    """Ordered at 08:00: review due next day 08:00; 25 h later the review is overdue and the
    registration creatinine is due; at 37 h the labs are stale."""
    order_id = prescribe_step(ward)
    (row,) = list_board(ward.uow(), ward.users["nurse"], ward.clock())
    assert row.order.id == order_id and row.review_due_at == START + timedelta(hours=24)
    assert row.labs is not None and row.labs.due_at == START + timedelta(hours=24)
    assert "review overdue" not in row.alerts
    (row,) = list_board(ward.uow(), ward.users["nurse"], ward.clock.advance(hours=25))
    assert "review overdue" in row.alerts and "labs due" in row.alerts
    (row,) = list_board(ward.uow(), ward.users["nurse"], ward.clock.advance(hours=12))
    assert "labs stale (older than 36 h)" in row.alerts


def test_patient_review_predicts_a_band_for_the_running_infusion(ward: Ward) -> None:
    """50 mg/h for 6 h: a band is predicted with p5 <= p50 <= p95 at every time, positive now."""
    start_running(ward)
    ward.clock.advance(hours=6)
    review = get_patient_review(
        ward.uow(), ward.users["viewer"], ward.patient_id, ward.clock(), np.random.default_rng(1)
    )
    assert review.pk is not None and review.pk.subjects == 100
    assert all(
        a <= b <= c for a, b, c in zip(review.pk.p5, review.pk.p50, review.pk.p95, strict=True)
    )
    assert review.pk.p50[-1] > 0
    assert review.review_due_at == START + timedelta(hours=24)
