"""Glue: the stored course of a patient as the data of the patient-course report."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import numpy as np

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.bootstrap import Services
from anakinra_iv.dosing import calculate_creatinine_clearance, create_patient
from anakinra_iv.errors import AnakinraError
from anakinra_iv.interop.course import CourseObservation
from anakinra_iv.protocol import get_protocol
from anakinra_iv.reports.course_data import (
    CourseReportData,
    LabSeries,
    ReportBag,
    ReportOrder,
    ReportRecommendation,
    ReportSegment,
)
from anakinra_iv.reports.course_report import calculate_pk_band
from anakinra_iv.web.course_data import to_course_observation
from anakinra_iv.workflow import queries
from anakinra_iv.workflow.views import OrderView, RecommendationView

__all__ = ["REPORT_ANALYTES", "load_report_data"]

REPORT_ANALYTES = ("ferritin", "crp", "fibrinogen", "platelets", "ast", "temperature")
"""The panels under the dose timeline, in order (issue 6: the response markers and fever)."""


def _shown(r: RecommendationView) -> str:
    out = r.outputs
    step = f"step {out['step']}: " if out.get("step") else ""
    dose = out.get("daily_dose_mg")
    rate = out.get("rate_mg_per_h")
    if dose is None or rate is None:
        return ", ".join(f"{k}={v}" for k, v in list(out.items())[:4]) or "-"
    return f"{step}{dose:,.0f} mg/day ({rate:g} mg/h), {out.get('limit_status', '')}".strip(", ")


def _done(r: RecommendationView, orders: dict[int, OrderView]) -> str:
    order = orders.get(r.order_id) if r.order_id is not None else None
    if order is None:
        return "no order placed"
    reason = f"; override: {order.override_reason}" if order.override_reason else ""
    return f"order {order.id}: {order.daily_dose_mg:,.0f} mg/day, now {order.status}{reason}"


def load_report_data(
    services: Services, user_id: int, patient_id: int, now: datetime, rng: np.random.Generator
) -> CourseReportData:
    """Read the patient's course and predict the concentration band (``rng`` drawn here only)."""
    detail = queries.get_patient(services.new_uow(), user_id, patient_id)
    patient = detail.patient
    observations = [to_course_observation(o) for o in patient.observations]
    labs = []
    for name in REPORT_ANALYTES:
        analyte = get_analyte(name)
        points = tuple(
            (o.collected_at, o.value)
            for o in sorted(observations, key=lambda o: o.collected_at)
            if o.code == analyte.loinc
        )
        labs.append(LabSeries(name, analyte.display, analyte.unit, points))
    orders = sorted(detail.orders, key=lambda o: o.id)
    segments = tuple(
        ReportSegment(
            str(o.id),
            s.event,
            s.started_at,
            s.ended_at,
            s.rate_mg_per_h,
            s.rate_ml_per_h,
            None if s.bag_id is None else str(s.bag_id),
            s.reason,
        )
        for o in orders
        for s in o.segments
    )
    by_id = {o.id: o for o in orders}
    data = CourseReportData(
        patient_name=patient.name,
        mrn=patient.mrn,
        birth_date=patient.birth_date,
        sex=patient.sex,
        generated_at=now,
        orders=tuple(
            ReportOrder(
                str(o.id),
                f"{o.protocol_id} v{o.protocol_version}",
                o.created_at,
                o.prescriber,
                o.step,
                o.daily_dose_mg,
                o.rate_mg_per_h,
                o.status,
                o.limit_status,
                o.override_reason,
            )
            for o in orders
        ),
        segments=segments,
        bags=tuple(
            ReportBag(
                str(b.id),
                str(b.order_id),
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
            for o in orders
            for b in o.bags
        ),
        labs=tuple(labs),
        recommendations=tuple(
            ReportRecommendation(r.created_at, r.kind, _shown(r), _done(r, by_id))
            for r in sorted(detail.recommendations, key=lambda r: r.created_at)
        ),
    )
    return _with_pk(data, observations, orders, now, rng)


def _with_pk(
    data: CourseReportData,
    observations: list[CourseObservation],
    orders: list[OrderView],
    now: datetime,
    rng: np.random.Generator,
) -> CourseReportData:
    weights = [o for o in observations if o.code == "29463-7"]
    creatinine = [o for o in observations if o.code == "2160-0"]
    if not data.segments or not weights or not creatinine or not orders:
        return data
    weight = max(weights, key=lambda o: o.collected_at).value
    scr = max(creatinine, key=lambda o: o.collected_at).value
    age = (now.date() - data.birth_date).days / 365.25
    try:
        patient = create_patient(
            weight=f"{weight} kg", age=age, sex=data.sex, creatinine=f"{scr} mg/dL"
        )
        crcl = calculate_creatinine_clearance(patient, get_protocol(orders[0].protocol_id))
        if crcl is None:
            return data
        band = calculate_pk_band(
            data.segments,
            weight=f"{weight} kg",
            crcl=f"{crcl.value.to('mL/min').magnitude} mL/min",
            until=now,
            rng=rng,
        )
    except AnakinraError:
        return data
    return replace(data, pk=band)
