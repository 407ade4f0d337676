"""The patient-course report's data, read from the stored course.

One path turns the stored record into report values: the record becomes a
:class:`~anakinra_iv.interop.course.Course` (:mod:`anakinra_iv.workflow.course`), and the report
reads that course, the recommendations as shown, and the predicted concentration band.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.dosing import calculate_creatinine_clearance, create_patient
from anakinra_iv.errors import AnakinraError
from anakinra_iv.interop.course import Course
from anakinra_iv.protocol import get_protocol
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.reports.course_data import (
    CourseReportData,
    LabSeries,
    PkBand,
    ReportBag,
    ReportOrder,
    ReportRecommendation,
    ReportSegment,
)
from anakinra_iv.reports.course_report import calculate_pk_band
from anakinra_iv.workflow.course import read_course
from anakinra_iv.workflow.views import RecommendationView

__all__ = [
    "REPORT_ANALYTES",
    "REPORT_SEED",
    "calculate_course_pk_band",
    "create_report_data",
    "get_report_data",
]

REPORT_ANALYTES = ("ferritin", "crp", "fibrinogen", "platelets", "ast", "temperature")
"""The panels under the dose timeline, in order (issue 6: the response markers and fever)."""

REPORT_SEED = 20260105
"""Seed of the population simulation, so the same course always draws the same band."""

_WEIGHT, _CREATININE = "29463-7", "2160-0"


def _shown(r: RecommendationView) -> str:
    out = r.outputs
    plan = out.get("dose_plan") if isinstance(out.get("dose_plan"), dict) else out
    if r.kind == "review":
        action = out.get("action", "?")
        step = f" to step {out['target_step']}" if out.get("target_step") else ""
        return f"{action}{step}" + ("" if plan is None else f": {_shown_plan(plan)}")
    return _shown_plan(out) or "-"


def _shown_plan(out: dict[str, object]) -> str:
    step = f"step {out['step']}: " if out.get("step") else ""
    dose, rate = out.get("daily_dose_mg"), out.get("rate_mg_per_h")
    if not isinstance(dose, int | float) or not isinstance(rate, int | float):
        return ", ".join(f"{k}={v}" for k, v in list(out.items())[:4])
    return f"{step}{dose:,.0f} mg/day ({rate:g} mg/h), {out.get('limit_status', '')}".strip(", ")


def _done(r: RecommendationView, course: Course) -> str:
    order = next((o for o in course.orders if o.id == str(r.order_id)), None)
    if order is None:
        return "no order placed"
    reason = f"; override: {order.override_reason}" if order.override_reason else ""
    return (
        f"order {order.id}: {order.daily_dose_mg_per_day:,.0f} mg/day, now {order.status}{reason}"
    )


def create_report_data(
    course: Course, recommendations: tuple[RecommendationView, ...], now: datetime
) -> CourseReportData:
    """The report values of a course (without the predicted band)."""
    observations = sorted(course.observations, key=lambda o: o.collected_at)
    labs = []
    for name in REPORT_ANALYTES:
        analyte = get_analyte(name)
        points = tuple((o.collected_at, o.value) for o in observations if o.code == analyte.loinc)
        labs.append(LabSeries(name, analyte.display, analyte.unit, points))
    p = course.patient
    return CourseReportData(
        patient_name=p.name,
        mrn=p.mrn,
        birth_date=p.birth_date,
        sex=p.sex,
        generated_at=now,
        orders=tuple(
            ReportOrder(
                o.id,
                f"{o.protocol_id} v{o.protocol_version}",
                o.created_at,
                o.prescriber,
                o.step,
                o.daily_dose_mg_per_day,
                o.rate_mg_per_h,
                o.status,
                o.limit_status,
                o.override_reason,
            )
            for o in course.orders
        ),
        segments=tuple(
            ReportSegment(
                s.order_id,
                s.event,
                s.started_at,
                s.ended_at,
                s.rate_mg_per_h,
                s.rate_ml_per_h,
                s.bag_id,
                s.reason,
            )
            for s in course.segments
        ),
        bags=tuple(
            ReportBag(
                b.id,
                b.order_id,
                b.status,
                b.prepared_at,
                b.prepared_by,
                b.checked_by,
                b.syringe_lots,
                b.drug_amount_mg,
                b.final_volume_ml,
                b.concentration_mg_per_ml,
                b.beyond_use,
            )
            for b in course.bags
        ),
        labs=tuple(labs),
        recommendations=tuple(
            ReportRecommendation(r.created_at, r.kind, _shown(r), _done(r, course))
            for r in sorted(recommendations, key=lambda r: r.created_at)
        ),
    )


def calculate_course_pk_band(
    course: Course,
    segments: tuple[ReportSegment, ...],
    now: datetime,
    rng: np.random.Generator,
    *,
    n_subjects: int = 200,
) -> PkBand | None:
    """The population band for the infusion history, from the latest weight and creatinine.

    None without segments, orders, a weight or a creatinine, or when the core refuses them.
    """
    weights = [o for o in course.observations if o.code == _WEIGHT]
    creatinine = [o for o in course.observations if o.code == _CREATININE]
    if not segments or not weights or not creatinine or not course.orders:
        return None
    weight = max(weights, key=lambda o: o.collected_at).value
    scr = max(creatinine, key=lambda o: o.collected_at).value
    p = course.patient
    age = (now.date() - p.birth_date).days / 365.25
    try:
        patient = create_patient(
            weight=f"{weight} kg", age=age, sex=p.sex, creatinine=f"{scr} mg/dL"
        )
        crcl = calculate_creatinine_clearance(patient, get_protocol(course.orders[0].protocol_id))
        if crcl is None:
            return None
        return calculate_pk_band(
            segments,
            weight=f"{weight} kg",
            crcl=f"{crcl.value.to('mL/min').magnitude} mL/min",
            until=now,
            rng=rng,
            n_subjects=n_subjects,
        )
    except AnakinraError:
        return None


def get_report_data(
    uow: UnitOfWork,
    user_id: int,
    patient_id: int,
    now: datetime,
    rng: np.random.Generator | None,
    *,
    n_subjects: int = 200,
) -> CourseReportData:
    """Read the patient's course and predict the concentration band (``rng`` drawn here only;
    without ``rng`` no band is predicted)."""
    with uow:
        course, detail = read_course(uow, user_id, patient_id)
    data = create_report_data(course, detail.recommendations, now)
    if rng is None:
        return data
    band = calculate_course_pk_band(course, data.segments, now, rng, n_subjects=n_subjects)
    return data if band is None else replace(data, pk=band)
