"""What a review of a patient reads: scores from the stored labs, when labs and the next review
are due, and whether the labs are stale.

Intervals come from the order's protocol (``review_interval``, ``labs.interval``,
``labs.stale_after``); scores come from :mod:`anakinra_iv.workflow.lab_scores`, fed with the
latest stored value of each laboratory item. Items that no stored observation gives (clinical
findings such as organomegaly, or labs not drawn) are passed as missing, never as normal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np

from anakinra_iv.assessment import get_analyte
from anakinra_iv.errors import AnakinraError
from anakinra_iv.protocol import Protocol, Value, get_protocol
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.reports.course_data import PkBand, ReportSegment
from anakinra_iv.units import Q_
from anakinra_iv.workflow.course import create_course_observation, read_course
from anakinra_iv.workflow.lab_scores import SCORE_NAMES, ScoreOutcome, calculate_lab_scores
from anakinra_iv.workflow.lifecycle import is_closed
from anakinra_iv.workflow.queries import PatientDetail
from anakinra_iv.workflow.report import (
    calculate_course_pk_band,
    create_report_data,
    get_boluses,
)
from anakinra_iv.workflow.services import REVIEW_KIND, read_graded_assessments
from anakinra_iv.workflow.toxicity import GradedAssessment, ToxicityStatus, get_toxicity_status
from anakinra_iv.workflow.views import ObservationView, RecommendationView

__all__ = [
    "PAGE_SUBJECTS",
    "SCORE_NAMES",
    "GradeRow",
    "LabStatus",
    "PatientReview",
    "ScoreOutcome",
    "calculate_lab_scores",
    "calculate_review_due",
    "get_lab_status",
    "get_order_protocol",
    "get_patient_review",
    "get_rate_at",
]

PAGE_SUBJECTS = 100
"""Simulated patients behind the band the patient page shows (the report draws more)."""


@dataclass(frozen=True)
class LabStatus:
    """The protocol's laboratory panel for one patient at ``now``."""

    last_at: datetime | None
    due_at: datetime | None
    stale: bool
    interval_h: float
    stale_after_h: float


def _hours(value: Value) -> float:
    return _in_hours(value.value, value.unit)


@lru_cache(maxsize=256)
def _in_hours(number: float, unit: str) -> float:
    """A protocol's duration in hours (remembered: the board asks for each row's protocol)."""
    return float(Q_(number, unit).to("h").magnitude)


def get_order_protocol(protocol_id: str, version: str | None = None) -> Protocol | None:
    """The protocol version of an order, or None when it is not shipped here."""
    try:
        return get_protocol(protocol_id, version)
    except (AnakinraError, KeyError):
        return None


def calculate_review_due(protocol: Protocol, last_change_at: datetime) -> datetime | None:
    """The next review: ``review_interval`` after the last recommendation or dose change.

    >>> from datetime import UTC
    >>> calculate_review_due(get_protocol("adult-mas-civ"), datetime(2026, 1, 5, 8, tzinfo=UTC))
    datetime.datetime(2026, 1, 6, 8, 0, tzinfo=datetime.timezone.utc)
    """
    if protocol.review_interval is None:
        return None
    return last_change_at + timedelta(hours=_hours(protocol.review_interval))


def get_lab_status(
    protocol: Protocol, observations: Sequence[ObservationView], now: datetime
) -> LabStatus | None:
    """When the protocol's labs were last drawn, when they are due, and whether they are stale.

    A lab is any observation of an analyte the protocol's panel lists; with none, the labs are
    due now and stale. None when the protocol has no laboratory panel.
    """
    labs = protocol.labs
    if labs is None:
        return None
    interval, stale_after = _hours(labs.interval), _hours(labs.stale_after)
    codes = {get_analyte(name).loinc for name in labs.analytes}
    times = [
        o.collected_at
        for o in (create_course_observation(v) for v in observations)
        if o.code in codes
    ]
    if not times:
        return LabStatus(None, now, True, interval, stale_after)
    last = max(times)
    due = last + timedelta(hours=interval)
    return LabStatus(last, due, now - last > timedelta(hours=stale_after), interval, stale_after)


@dataclass(frozen=True)
class GradeRow:
    """A bedside assessment graded from its stored items, beside the dose running then."""

    assessment: GradedAssessment
    rate_mg_per_h: float | None
    order_id: int | None


def get_rate_at(detail: PatientDetail, at: datetime) -> tuple[float | None, int | None]:
    """The infusion rate (mg/h) running at ``at`` and its order, from the recorded segments
    (None before the first; 0 while paused or after a stop)."""
    latest: tuple[datetime, float | None, int] | None = None
    for order in detail.orders:
        for segment in order.segments:
            if segment.started_at <= at and (latest is None or segment.started_at > latest[0]):
                latest = (segment.started_at, segment.rate_mg_per_h, order.id)
    return (None, None) if latest is None else (latest[1], latest[2])


@dataclass(frozen=True)
class PatientReview:
    """What the patient page shows besides the record: the latest recommendation asked for at a
    review, the scores from stored labs, the protocol's lab and review timing, and the band of
    concentrations the population model predicts for the infusion history."""

    detail: PatientDetail
    recommendation: RecommendationView | None
    scores: tuple[ScoreOutcome, ...]
    labs: LabStatus | None
    review_due_at: datetime | None
    pk: PkBand | None
    segments: tuple[ReportSegment, ...] = ()
    grades: tuple[GradeRow, ...] = ()
    toxicity: ToxicityStatus | None = None


def get_patient_review(
    uow: UnitOfWork,
    user_id: int,
    patient_id: int,
    now: datetime,
    rng: np.random.Generator,
    *,
    n_subjects: int = PAGE_SUBJECTS,
) -> PatientReview:
    """Read the patient and calculate what a review looks at (``rng`` drawn here only)."""
    with uow:
        course, detail = read_course(uow, user_id, patient_id)
        graded = read_graded_assessments(uow, patient_id)
    observations = detail.patient.observations
    recommendation = next((r for r in detail.recommendations if r.kind == REVIEW_KIND), None)
    open_orders = [o for o in detail.orders if not is_closed(o.status)]
    protocol = (
        None
        if not open_orders
        else get_order_protocol(open_orders[0].protocol_id, open_orders[0].protocol_version)
    )
    labs = review_due = None
    if protocol is not None:
        labs = get_lab_status(protocol, observations, now)
        changes = [open_orders[0].created_at] + [r.created_at for r in detail.recommendations[:1]]
        review_due = calculate_review_due(protocol, max(changes))
    segments = create_report_data(course, (), now).segments
    band = calculate_course_pk_band(
        course, segments, now, rng, n_subjects=n_subjects, boluses=get_boluses(detail)
    )
    return PatientReview(
        detail,
        recommendation,
        calculate_lab_scores(observations),
        labs,
        review_due,
        band,
        segments,
        tuple(GradeRow(g, *get_rate_at(detail, g.at)) for g in graded),
        get_toxicity_status(graded, now) if graded else None,
    )
