"""The patient-course report (PDF and HTML): dose timeline aligned with the laboratory course,
the predicted concentration band, recommendations and what was done, overrides with their
reasons, bags with lots and beyond-use times, and the scores over time
(:mod:`~anakinra_iv.reports.course_scores`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from anakinra_iv.pk import simulate_population
from anakinra_iv.reports.course_data import CourseReportData, PkBand, ReportSegment
from anakinra_iv.reports.course_scores import create_scores_section
from anakinra_iv.reports.document import Block, Cell, Document, Figure, Paragraph, Section, Table
from anakinra_iv.reports.plots import plot_course_timeline, plot_pk_band
from anakinra_iv.reports.protocol_documents import OFF_LABEL
from anakinra_iv.reports.render import render_html, write_pdf

__all__ = [
    "calculate_pk_band",
    "create_course_report",
    "get_regimen_text",
    "write_course_report",
]


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def get_regimen_text(segments: tuple[ReportSegment, ...], start: datetime, until: datetime) -> str:
    """The infused segments as regimen text for :func:`anakinra_iv.pk.parse_regimen`.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
    >>> seg = ReportSegment("1", "start", t0, t0 + timedelta(hours=6), 50, 8.3, "1", None)
    >>> get_regimen_text((seg,), t0, t0 + timedelta(hours=12))
    '50 mg/h civ for 6 h at 0 h'
    """
    parts = []
    for segment in segments:
        end = segment.ended_at or until
        hours = (end - segment.started_at).total_seconds() / 3600
        if segment.rate_mg_per_h <= 0 or hours <= 0:
            continue
        offset = (segment.started_at - start).total_seconds() / 3600
        parts.append(f"{segment.rate_mg_per_h:g} mg/h civ for {hours:g} h at {offset:g} h")
    return "; ".join(parts)


def calculate_pk_band(
    segments: tuple[ReportSegment, ...],
    *,
    weight: str,
    crcl: str,
    until: datetime,
    rng: np.random.Generator,
    n_subjects: int = 200,
    model: str = "anakinra-adult",
) -> PkBand | None:
    """The population-predicted concentration band for the infused segments (None if none)."""
    if not segments:
        return None
    start = segments[0].started_at
    text = get_regimen_text(segments, start, until)
    hours = (until - start).total_seconds() / 3600
    if not text or hours <= 0:
        return None
    result = simulate_population(
        text,
        n_subjects=n_subjects,
        rng=rng,
        model=model,
        weight=weight,
        crcl=crcl,
        hours=hours,
        step=max(hours / 200, 0.05),
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
    rows = tuple(
        (
            Cell(o.id),
            Cell(o.protocol),
            Cell(_when(o.created_at)),
            Cell(o.prescriber),
            Cell("-" if o.step is None else str(o.step)),
            Cell(f"{o.daily_dose_mg_per_day:,.0f} mg/day"),
            Cell(f"{o.rate_mg_per_h:g} mg/h"),
            Cell(o.status),
            Cell(o.limit_status),
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
                        Cell(_when(o.at)),
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
    return Section("Orders and overrides", tuple(blocks))


def _administration_section(data: CourseReportData) -> Section:
    segments = tuple(
        (
            Cell(s.order_id),
            Cell(s.event),
            Cell(_when(s.started_at)),
            Cell(_when(s.ended_at)),
            Cell(f"{s.rate_mg_per_h:g} mg/h"),
            Cell(f"{s.rate_ml_per_h:.1f} mL/h"),
            Cell(s.bag_id or "-"),
            Cell(s.reason or "-"),
        )
        for s in data.segments
    )
    bags = tuple(
        (
            Cell(b.id),
            Cell(b.order_id),
            Cell(b.status),
            Cell(", ".join(b.syringe_lots)),
            Cell(
                f"{b.drug_amount_mg:g} mg in {b.final_volume_ml:g} mL "
                f"({b.concentration_mg_per_ml:g} mg/mL)"
            ),
            Cell(f"{_when(b.prepared_at)} by {b.prepared_by}"),
            Cell(b.checked_by or "-"),
            Cell(_when(b.beyond_use)),
        )
        for b in data.bags
    )
    return Section(
        "Administration and bags",
        (
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
                    (Cell(_when(r.at)), Cell(r.kind), Cell(r.shown), Cell(r.done))
                    for r in data.recommendations
                ),
            ),
        ),
    )


def create_course_report(data: CourseReportData) -> Document:
    """The report of a patient's course as a document (figures drawn here)."""
    summary = Section(
        "Patient",
        (
            Paragraph(
                f"{data.patient_name}, MRN {data.mrn}, born {data.birth_date.isoformat()}, "
                f"{data.sex}. Report generated {_when(data.generated_at)}."
            ),
            Paragraph(OFF_LABEL, style="warning"),
        ),
    )
    figures: list[Block] = [
        Figure(
            plot_course_timeline(data),
            "Dose rate (mg/h; hatched: interruptions; dotted: bag changes) above ferritin, CRP, "
            "fibrinogen, platelets, AST and temperature, on one time axis.",
        )
    ]
    if data.pk is not None:
        figures.append(
            Figure(
                plot_pk_band(data.pk, data.segments),
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
        _recommendations_section(data),
        create_scores_section(data),
    )
    return Document(
        "course-report",
        "Patient-course report",
        f"{data.patient_name} ({data.mrn})",
        sections,
        (),
        OFF_LABEL,
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
