"""The patient-course report (PDF and HTML): dose timeline aligned with the laboratory course,
the predicted concentration band, recommendations and what was done, overrides with their
reasons, bags with lots and beyond-use times, and the scores over time
(:mod:`~anakinra_iv.reports.course_scores`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from anakinra_iv.pk import simulate_population
from anakinra_iv.reports.course_data import CourseReportData, PkBand, ReportSegment
from anakinra_iv.reports.course_scores import create_scores_section
from anakinra_iv.reports.display import show_date, show_quantity, show_time
from anakinra_iv.reports.document import Block, Cell, Document, Figure, Paragraph, Section, Table
from anakinra_iv.reports.plots import plot_course_timeline, plot_pk_band
from anakinra_iv.reports.protocol_documents import OFF_LABEL
from anakinra_iv.reports.render import render_html, write_pdf
from anakinra_iv.reports.scan_report import create_scan_section
from anakinra_iv.reports.time_to_drug_section import create_time_to_drug_section

__all__ = [
    "calculate_pk_band",
    "create_course_report",
    "get_regimen_text",
    "write_course_report",
]


_STEP_H = 0.05
"""Finest time step of the predicted band (h)."""
_POINTS = 200
"""Most time steps of the predicted band."""


def _when(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    return "-" if moment is None else show_time(moment, zone or ZoneInfo("UTC"))


def get_regimen_text(
    segments: tuple[ReportSegment, ...],
    start: datetime,
    until: datetime,
    boluses: tuple[tuple[datetime, float], ...] = (),
) -> str:
    """The infused segments (and IV push doses: ``(time, mg)``) as regimen text for
    :func:`anakinra_iv.pk.parse_regimen`.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
    >>> seg = ReportSegment("1", "start", t0, t0 + timedelta(hours=6), 50, 8.3, "1", None)
    >>> get_regimen_text((seg,), t0, t0 + timedelta(hours=12))
    '50 mg/h civ for 6 h at 0 h'
    >>> short = ReportSegment("1", "start", t0, None, 50, 8.3, "1", None)
    >>> get_regimen_text((short,), t0, t0 + timedelta(seconds=1))
    '50 mg/h civ for 0.000277777778 h at 0 h'
    """
    parts = [
        f"{_plain(mg)} mg iv bolus at {_plain((at - start).total_seconds() / 3600)} h"
        for at, mg in boluses
        if start <= at <= until
    ]
    for segment in segments:
        end = segment.ended_at or until
        hours = (end - segment.started_at).total_seconds() / 3600
        if segment.rate_mg_per_h <= 0 or hours <= 0:
            continue
        offset = (segment.started_at - start).total_seconds() / 3600
        parts.append(
            f"{_plain(segment.rate_mg_per_h)} mg/h civ for {_plain(hours)} h at {_plain(offset)} h"
        )
    return "; ".join(parts)


def _plain(number: float) -> str:
    """A number the regimen grammar reads: positional, never in exponent notation.

    >>> _plain(8.669e-06), _plain(50.0), _plain(12.5)
    ('0.000008669', '50', '12.5')
    """
    text = f"{number:.12f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def calculate_pk_band(
    segments: tuple[ReportSegment, ...],
    *,
    weight: str,
    crcl: str,
    until: datetime,
    rng: np.random.Generator,
    n_subjects: int = 200,
    model: str = "anakinra-adult",
    boluses: tuple[tuple[datetime, float], ...] = (),
) -> PkBand | None:
    """The population-predicted concentration band for the infused segments and the IV push
    doses given (``(time, mg)``, e.g. the loading dose); None without an infusion."""
    if not segments:
        return None
    start = min([segments[0].started_at, *(at for at, _ in boluses)])
    text = get_regimen_text(segments, start, until, boluses)
    hours = (until - start).total_seconds() / 3600
    if not text or hours <= 0:
        return None
    # a whole number of steps, no finer than _STEP_H and no more than _POINTS of them
    steps = min(_POINTS, max(1, math.ceil(hours / _STEP_H)))
    result = simulate_population(
        text,
        n_subjects=n_subjects,
        rng=rng,
        model=model,
        weight=weight,
        crcl=crcl,
        hours=hours,
        step=hours / steps,
    )
    times = tuple(start + timedelta(hours=float(t)) for t in result.times)
    return PkBand(
        times,
        tuple(float(v) for v in result.band(5.0)),
        tuple(float(v) for v in result.band(50.0)),
        tuple(float(v) for v in result.band(95.0)),
        result.model,
        n_subjects,
    )


def _orders_section(data: CourseReportData) -> Section:
    z = data.tz
    rows = tuple(
        (
            Cell(o.id),
            Cell(o.protocol),
            Cell(_when(o.created_at, z)),
            Cell(o.prescriber),
            Cell("-" if o.step is None else str(o.step)),
            Cell(show_quantity(o.daily_dose_mg_per_day, "mg/day")),
            Cell(show_quantity(o.rate_mg_per_h, "mg/h")),
            Cell(o.status.replace("_", " ") + (f": {o.status_reason}" if o.status_reason else "")),
            Cell(o.limit_status.replace("_", " ")),
        )
        for o in data.orders
    )
    blocks: list[Block] = [
        Table(
            "Orders",
            (
                "order",
                "protocol",
                "ordered",
                "prescriber",
                "step",
                "daily dose",
                "rate",
                "status",
                "limits",
            ),
            rows,
        )
    ]
    if data.overrides:
        blocks.append(
            Table(
                "Overrides (dose beyond a soft limit, with the stated reason)",
                ("when", "order", "dose ordered", "limits", "reason"),
                tuple(
                    (
                        Cell(_when(o.at, z)),
                        Cell(o.order_id),
                        Cell(o.dose),
                        Cell(o.limit_status),
                        Cell(o.reason),
                    )
                    for o in data.overrides
                ),
            )
        )
    else:
        blocks.append(Paragraph("No soft-limit override was recorded."))
    if data.withheld:
        blocks.append(
            Paragraph(
                f"{data.withheld} order(s) awaiting your blind verification are not shown in "
                "this copy.",
                style="warning",
            )
        )
    return Section("Orders and overrides", tuple(blocks))


def _administration_section(data: CourseReportData) -> Section:
    z = data.tz
    segments = tuple(
        (
            Cell(s.order_id),
            Cell(s.event.replace("_", " ")),
            Cell(_when(s.started_at, z)),
            Cell(_when(s.ended_at, z)),
            Cell(show_quantity(s.rate_mg_per_h, "mg/h")),
            Cell(show_quantity(s.rate_ml_per_h, "mL/h")),
            Cell(s.bag_id or "-"),
            Cell(s.reason or "-"),
        )
        for s in data.segments
    )
    loading = tuple(
        (
            Cell(d.order_id),
            Cell(_when(d.given_at, z)),
            Cell(show_quantity(d.dose_mg, "mg")),
            Cell(d.syringe_lot),
            Cell(d.given_by),
        )
        for d in data.loading_doses
    )
    bags = tuple(
        (
            Cell(b.id),
            Cell(b.order_id),
            Cell(b.status),
            Cell(", ".join(b.syringe_lots)),
            Cell(
                f"{show_quantity(b.drug_amount_mg, 'mg')} in "
                f"{show_quantity(b.final_volume_ml, 'mL')} "
                f"({show_quantity(b.concentration_mg_per_ml, 'mg/mL')})"
            ),
            Cell(f"{_when(b.prepared_at, z)} by {b.prepared_by}"),
            Cell(b.checked_by or "not checked"),
            Cell(_when(b.beyond_use, z)),
        )
        for b in data.bags
    )
    return Section(
        "Administration and bags",
        (
            Table(
                "Loading dose (IV push)",
                ("order", "given", "dose", "syringe lot", "given by"),
                loading,
            )
            if loading
            else Paragraph("No loading dose was recorded."),
            Table(
                "Constant-rate segments (every start, rate change, pause, bag change and stop)",
                ("order", "event", "from", "to", "dose rate", "pump rate", "bag", "reason"),
                segments,
            ),
            Table(
                "Bags",
                (
                    "bag",
                    "order",
                    "status",
                    "syringe lots",
                    "contents",
                    "prepared",
                    "checked by",
                    "beyond use",
                ),
                bags,
            ),
        ),
    )


def _recommendations_section(data: CourseReportData) -> Section:
    if not data.recommendations:
        return Section(
            "Recommendations and what was done",
            (Paragraph("No recommendation was shown for this patient."),),
        )
    return Section(
        "Recommendations and what was done",
        (
            Table(
                "Recommendations shown and what was done next (dose plans: the order they led "
                "to; reviews: the next order, dose change, stop or pause before the next review)",
                ("when", "kind", "recommended", "done"),
                tuple(
                    (Cell(_when(r.at, data.tz)), Cell(r.kind), Cell(r.shown), Cell(r.done))
                    for r in data.recommendations
                ),
            ),
        ),
    )


def _grades_section(data: CourseReportData) -> Section:
    """The CRS and ICANS grades over time, calculated from the bedside assessments, beside the
    dose running at each."""
    rows = tuple(
        (
            Cell(_when(g.at, data.tz)),
            Cell(g.kind),
            Cell(g.tool or "-"),
            Cell(f"grade {g.grade}"),
            Cell(
                "no infusion" if g.rate_mg_per_h is None else show_quantity(g.rate_mg_per_h, "mg/h")
            ),
        )
        for g in data.grades
    )
    return Section(
        "CAR-T toxicity grades",
        (
            Paragraph(
                "ASTCT consensus grades (Lee 2019) calculated from the items recorded at each "
                "bedside assessment (the ICE score, or CAPD below 12 years, with the other ICANS "
                "domains; temperature, vasopressors and oxygen for CRS); an assessment with a "
                "missing item is never stored, so no grade here rests on a guessed item."
            ),
            Table(
                "CRS and ICANS grades over time, with the dose running then",
                ("when", "assessment", "ICE / CAPD", "grade", "dose rate then"),
                rows,
            ),
        ),
    )


def create_course_report(data: CourseReportData) -> Document:
    """The report of a patient's course as a document (figures drawn here)."""
    summary = Section(
        "Patient",
        (
            Paragraph(
                f"{data.patient_name}, MRN {data.mrn}, born {show_date(data.birth_date)}, "
                f"{data.sex}. Report generated {_when(data.generated_at, data.tz)}; times in "
                f"{data.zone}."
            ),
            Paragraph(OFF_LABEL, style="warning"),
        ),
    )
    figures: list[Block] = [
        Figure(
            plot_course_timeline(data, zone=data.tz),
            "Dose rate (mg/h; hatched: interruptions; dotted: bag changes) above ferritin, CRP, "
            "fibrinogen, platelets, AST and temperature, on one time axis.",
        )
    ]
    if data.pk is not None:
        figures.append(
            Figure(
                plot_pk_band(data.pk, data.segments, zone=data.tz),
                "Predicted plasma concentration for the infused doses: population median and "
                "5th-95th percentile band.",
            )
        )
    elif not data.segments:
        figures.append(Paragraph("No infusion was recorded: no concentration is predicted."))
    else:
        figures.append(
            Paragraph(
                "No concentration is predicted in this copy (the band needs a recorded body "
                "weight and serum creatinine)."
            )
        )
    sections = (
        summary,
        Section("Course", tuple(figures)),
        _orders_section(data),
        _administration_section(data),
        create_time_to_drug_section(data.time_to_drug, data.tz),
        _recommendations_section(data),
        *((_grades_section(data),) if data.grades else ()),
        create_scores_section(data),
        create_scan_section(data.scan_wards, data.scan_events, data.tz),
    )
    return Document(
        "course-report",
        "Patient-course report",
        f"{data.patient_name} ({data.mrn})",
        sections,
        (),
        OFF_LABEL,
        running_header=(
            f"{data.patient_name} - MRN {data.mrn} - born {show_date(data.birth_date)}"
        ),
    )


def write_course_report(data: CourseReportData, path: Path | str) -> Path:
    """Write the report as PDF (``.pdf``) or HTML (``.html``) and return the path."""
    target = Path(path)
    document = create_course_report(data)
    if target.suffix.lower() in (".html", ".htm"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_html(document), encoding="utf-8")
        return target
    return write_pdf(document, target)
