"""The patient-course report's data, read from the stored course.

One path turns the stored record into report values: the record becomes a
:class:`~anakinra_iv.interop.course.Course` (:mod:`anakinra_iv.workflow.course`), and the report
reads that course, the recommendations as shown, and the predicted concentration band.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.dosing import (
    calculate_absolute_clearance,
    calculate_creatinine_clearance,
    create_patient,
)
from anakinra_iv.errors import AnakinraError
from anakinra_iv.interop.course import Course, CourseObservation
from anakinra_iv.protocol import get_protocol
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork, UnitOfWork
from anakinra_iv.reports.course_data import (
    CourseReportData,
    LabSeries,
    PkBand,
    ReportBag,
    ReportGrade,
    ReportLoadingDose,
    ReportOrder,
    ReportOverride,
    ReportRecommendation,
    ReportScore,
    ReportSegment,
)
from anakinra_iv.reports.course_report import calculate_pk_band
from anakinra_iv.reports.display import show_quantity
from anakinra_iv.reports.time_to_drug import calculate_order_timings
from anakinra_iv.workflow.course import read_course
from anakinra_iv.workflow.lab_scores import calculate_scores_over_time
from anakinra_iv.workflow.queries import PatientDetail
from anakinra_iv.workflow.scan_compliance import read_report_scans
from anakinra_iv.workflow.services import REVIEW_KIND
from anakinra_iv.workflow.time_to_drug import read_order_records
from anakinra_iv.workflow.views import RecommendationView

__all__ = [
    "DOSE_PLAN_KIND",
    "REPORT_ANALYTES",
    "REPORT_SEED",
    "add_record_details",
    "calculate_course_pk_band",
    "create_report_data",
    "create_report_grades",
    "create_report_overrides",
    "create_report_scores",
    "get_boluses",
    "get_report_data",
]

REPORT_ANALYTES = ("ferritin", "crp", "fibrinogen", "platelets", "ast", "temperature")
"""The panels under the dose timeline, in order (issue 6: the response markers and fever)."""

REPORT_SEED = 20260105
"""Seed of the population simulation, so the same course always draws the same band."""

DOSE_PLAN_KIND = "dose_plan"
"""The kind of the recommendation stored with each order and dose change (its dose plan)."""

_WEIGHT, _CREATININE = (get_analyte(name).loinc for name in ("body_weight", "creatinine"))
_HALTS = {"stop": "stopped", "pause": "paused"}


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
    return (
        f"{step}{show_quantity(dose, 'mg/day')} ({show_quantity(rate, 'mg/h')}), "
        f"{out.get('limit_status', '')}"
    ).strip(", ")


def _dose_text(r: RecommendationView) -> str:
    dose = r.outputs.get("daily_dose_mg")
    return show_quantity(dose, "mg/day") if isinstance(dose, int | float) else "a new dose"


def _first_plans(recommendations: tuple[RecommendationView, ...]) -> set[int]:
    """Ids of the dose plans that created their order (the first plan stored for each)."""
    first: dict[int, RecommendationView] = {}
    for r in sorted(recommendations, key=lambda r: (r.created_at, r.id)):
        if r.kind == DOSE_PLAN_KIND and r.order_id is not None:
            first.setdefault(r.order_id, r)
    return {r.id for r in first.values()}


def _plan_done(r: RecommendationView, course: Course, first: set[int]) -> str:
    order = next((o for o in course.orders if o.id == str(r.order_id)), None)
    if order is None:
        return "no order placed"
    verb = "ordered" if r.id in first else "dose changed to"
    reason = r.inputs.get("override_reason") or (order.override_reason if r.id in first else None)
    override = f"; override: {reason}" if reason else ""
    return f"order {order.id}: {verb} {_dose_text(r)}{override}; order now {order.status}"


def _review_done(
    r: RecommendationView,
    course: Course,
    recommendations: tuple[RecommendationView, ...],
    first: set[int],
) -> str:
    """What followed a review: the next order or dose change, else the next stop or pause,
    up to the next review (or the report)."""
    later = [
        x.created_at
        for x in recommendations
        if x.kind == REVIEW_KIND and x.created_at > r.created_at
    ]
    until = min(later, default=None)

    def within(moment: datetime) -> bool:
        return moment >= r.created_at and (until is None or moment < until)

    plans = sorted(
        (x for x in recommendations if x.kind == DOSE_PLAN_KIND and within(x.created_at)),
        key=lambda x: (x.created_at, x.id),
    )
    if plans:
        plan = plans[0]
        return f"{_when(plan.created_at)}: {_plan_done(plan, course, first)}"
    events = sorted(
        (s for s in course.segments if s.event in _HALTS and within(s.started_at)),
        key=lambda s: s.started_at,
    )
    if events:
        s = events[0]
        reason = f" ({s.reason})" if s.reason else ""
        return f"{_when(s.started_at)}: infusion {_HALTS[s.event]}{reason} (order {s.order_id})"
    return "no order, dose change or stop " + (
        "before the next review" if until is not None else "up to this report"
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def create_report_overrides(
    course: Course, recommendations: tuple[RecommendationView, ...]
) -> tuple[ReportOverride, ...]:
    """Every dose ordered beyond a soft limit with its reason: each stored dose plan that carried
    an override reason, then any order whose reason no stored plan shows."""
    out: list[ReportOverride] = []
    for r in sorted(recommendations, key=lambda r: (r.created_at, r.id)):
        reason = r.inputs.get("override_reason")
        if r.kind != DOSE_PLAN_KIND or not reason:
            continue
        limit = str(r.outputs.get("limit_status", ""))
        out.append(
            ReportOverride(
                r.created_at, str(r.order_id), _shown_plan(r.outputs), limit, str(reason)
            )
        )
    seen = {(o.order_id, o.reason) for o in out}
    for order in course.orders:
        if order.override_reason and (order.id, order.override_reason) not in seen:
            dose = (
                f"{show_quantity(order.daily_dose_mg_per_day, 'mg/day')} "
                f"({show_quantity(order.rate_mg_per_h, 'mg/h')})"
            )
            out.append(
                ReportOverride(
                    order.updated_at, order.id, dose, order.limit_status, order.override_reason
                )
            )
    return tuple(out)


def _value_text(item: str, o: CourseObservation) -> str:
    return f"{item} {o.value:g} {o.unit} ({_when(o.collected_at)})"


def create_report_scores(course: Course, now: datetime) -> tuple[ReportScore, ...]:
    """The scores at each collection time of a value they read (see
    :mod:`anakinra_iv.workflow.lab_scores`), one row per score and moment."""
    return tuple(
        ReportScore(
            moment.at,
            outcome.name,
            outcome.title,
            outcome.result,
            tuple(
                _value_text(item, o)
                for item, o in zip(outcome.items_used, outcome.values, strict=True)
            ),
            outcome.problem,
        )
        for moment in calculate_scores_over_time(course.observations, until=now)
        for outcome in moment.outcomes
    )


def create_report_data(
    course: Course, recommendations: tuple[RecommendationView, ...], now: datetime
) -> CourseReportData:
    """The report values of a course (without the predicted band)."""
    first = _first_plans(recommendations)
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
            ReportRecommendation(
                r.created_at,
                r.kind,
                _shown(r),
                _review_done(r, course, recommendations, first)
                if r.kind == REVIEW_KIND
                else _plan_done(r, course, first),
            )
            for r in sorted(recommendations, key=lambda r: (r.created_at, r.id))
        ),
        overrides=create_report_overrides(course, recommendations),
        scores=create_report_scores(course, now),
        grades=create_report_grades(course, now),
    )


def create_report_grades(course: Course, now: datetime) -> tuple[ReportGrade, ...]:
    """The CRS and ICANS grades calculated from the bedside assessments up to ``now``, each
    with the ICE or CAPD total it used and the infusion rate running then."""
    kinds = {"crs_grade": "CRS", "icans_grade": "ICANS"}
    totals = {
        g.assessment_id: f"{g.analyte.removesuffix('_score').upper()} {g.value:g}"
        for g in course.grades
        if g.analyte not in kinds
    }
    out: list[ReportGrade] = []
    for g in sorted(course.grades, key=lambda g: g.collected_at):
        if g.analyte not in kinds or g.collected_at > now:
            continue
        started = [s for s in course.segments if s.started_at <= g.collected_at]
        rate = max(started, key=lambda s: s.started_at).rate_mg_per_h if started else None
        out.append(
            ReportGrade(
                g.collected_at,
                kinds[g.analyte],
                round(g.value),
                totals.get(g.assessment_id, ""),
                rate,
            )
        )
    return tuple(out)


def calculate_course_pk_band(
    course: Course,
    segments: tuple[ReportSegment, ...],
    now: datetime,
    rng: np.random.Generator,
    *,
    n_subjects: int = 200,
    boluses: tuple[tuple[datetime, float], ...] = (),
) -> PkBand | None:
    """The population band for the infusion history (and the loading doses, ``boluses``), from
    the latest weight and creatinine.

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
        absolute = calculate_absolute_clearance(crcl, patient)
        return calculate_pk_band(
            segments,
            weight=f"{weight} kg",
            crcl=f"{absolute.to('mL/min').magnitude} mL/min",
            until=now,
            rng=rng,
            n_subjects=n_subjects,
            boluses=boluses,
        )
    except AnakinraError:
        return None


def add_record_details(data: CourseReportData, detail: PatientDetail) -> CourseReportData:
    """The report with what the record adds to the course: why each closed order closed, the
    loading doses given, and how many orders this reader may not see yet."""
    shown = {str(o.id): o for o in detail.orders if not o.blinded}
    orders = tuple(
        replace(o, status_reason=shown[o.id].status_reason) if o.id in shown else o
        for o in data.orders
    )
    loading = tuple(
        ReportLoadingDose(
            str(o.id),
            o.loading_dose.given_at,
            o.loading_dose.dose_mg,
            o.loading_dose.syringe_lot,
            o.loading_dose.given_by,
        )
        for o in sorted(shown.values(), key=lambda o: o.id)
        if o.loading_dose is not None
    )
    return replace(data, orders=orders, loading_doses=loading, withheld=detail.withheld)


def get_report_data(
    uow: UnitOfWork,
    user_id: int,
    patient_id: int,
    now: datetime,
    rng: np.random.Generator | None,
    *,
    n_subjects: int = 200,
    zone: ZoneInfo | None = None,
) -> CourseReportData:
    """Read the patient's course and predict the concentration band (``rng`` drawn here only;
    without ``rng`` no band is predicted); times shown in ``zone`` (default UTC)."""
    with uow:
        course, detail = read_course(uow, user_id, patient_id)
        records = (
            read_order_records(uow, patient_id=patient_id)
            if isinstance(uow, SqlAlchemyUnitOfWork)
            else []
        )
        shown_ids = [o.id for o in detail.orders if not o.blinded]
        scan_wards, scan_events = read_report_scans(uow, patient_id, shown_ids)
    data = create_report_data(course, detail.recommendations, now)
    data = add_record_details(data, detail)
    shown = {o.id for o in data.orders}
    timings = tuple(t for t in calculate_order_timings(records, now) if str(t.order_id) in shown)
    data = replace(data, time_to_drug=timings, scan_wards=scan_wards, scan_events=scan_events)
    if zone is not None:
        data = replace(data, zone=zone.key)
    if rng is None:
        return data
    band = calculate_course_pk_band(
        course, data.segments, now, rng, n_subjects=n_subjects, boluses=get_boluses(detail)
    )
    return data if band is None else replace(data, pk=band)


def get_boluses(detail: PatientDetail) -> tuple[tuple[datetime, float], ...]:
    """The IV push doses of a record (the loading doses given), oldest first, as ``(time, mg)``."""
    given = [o.loading_dose for o in detail.orders if o.loading_dose is not None]
    return tuple(sorted((d.given_at, d.dose_mg) for d in given))
