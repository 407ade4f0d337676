"""The barcode-check section of the patient-course report: bags hung for the patient on each
ward with both codes scanned or with an override reason, the scans refused, and each override
and refusal with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from anakinra_iv.reports.display import show_number, show_time
from anakinra_iv.reports.document import Cell, Paragraph, Section, Table

__all__ = ["ReportScanEvent", "ReportScanWard", "create_scan_section"]


@dataclass(frozen=True)
class ReportScanWard:
    """Counts of one ward."""

    ward: str
    scanned: int
    overridden: int
    not_scanned: int
    refused: int


@dataclass(frozen=True)
class ReportScanEvent:
    """One override or refused scan."""

    order_id: str
    event: str
    outcome: str
    at: datetime
    by: str
    scanned_patient: str | None
    scanned_bag: str | None
    reason: str


def _percent(ward: ReportScanWard) -> str:
    hung = ward.scanned + ward.overridden + ward.not_scanned
    return "-" if hung == 0 else f"{show_number(100 * ward.scanned / hung, 1)} %"


def create_scan_section(
    wards: tuple[ReportScanWard, ...], events: tuple[ReportScanEvent, ...], zone: ZoneInfo
) -> Section:
    """The section; a patient without any barcode check recorded gets one sentence."""
    if not wards:
        return Section(
            "Barcode checks", (Paragraph("No barcode check was recorded for this patient."),)
        )
    rows = tuple(
        (
            Cell(w.ward),
            Cell(str(w.scanned + w.overridden + w.not_scanned)),
            Cell(str(w.scanned)),
            Cell(str(w.overridden)),
            Cell(str(w.not_scanned)),
            Cell(_percent(w)),
            Cell(str(w.refused)),
        )
        for w in wards
    )
    table = Table(
        "Scan compliance by ward (starts and bag changes)",
        ("ward", "bags hung", "scanned", "overridden", "not scanned", "scanned %", "refused"),
        rows,
    )
    detail = tuple(
        (
            Cell(e.order_id),
            Cell(e.event.replace("_", " ")),
            Cell(e.outcome),
            Cell(show_time(e.at, zone)),
            Cell(e.by),
            Cell(e.scanned_patient or "-"),
            Cell(e.scanned_bag or "-"),
            Cell(e.reason),
        )
        for e in events
    )
    blocks: tuple[Table | Paragraph, ...] = (table,)
    if detail:
        blocks += (
            Table(
                "Overrides and refused scans",
                ("order", "event", "outcome", "at", "by", "wristband", "bag", "reason"),
                detail,
            ),
        )
    return Section("Barcode checks", blocks)
