"""Scan compliance: how the bags hung on each ward were checked (both codes scanned, or an
override reason), and the refused scans, for the admin page and the patient-course report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from anakinra_iv.records.tables import AdministrationScan
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.reports.scan_report import ReportScanEvent, ReportScanWard
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor, lookup_names

__all__ = [
    "ScanCompliance",
    "ScanRecordView",
    "WardCompliance",
    "count_compliance",
    "get_hang_overrides",
    "get_scan_compliance",
    "read_hang_overrides",
    "read_patient_compliance",
    "read_report_scans",
]


@dataclass(frozen=True)
class WardCompliance:
    """Bags hung on one ward: scanned, overridden, hung without a scan where the site does not
    require one, and scans refused."""

    ward: str
    scanned: int
    overridden: int
    not_scanned: int
    refused: int

    @property
    def hung(self) -> int:
        """Starts and bag changes recorded."""
        return self.scanned + self.overridden + self.not_scanned

    @property
    def scanned_percent(self) -> float | None:
        """Share of the bags hung with both codes scanned (None when nothing was hung)."""
        return None if self.hung == 0 else 100.0 * self.scanned / self.hung


@dataclass(frozen=True)
class ScanRecordView:
    """One override or refusal, as the admin page lists it."""

    order_id: int
    event: str
    outcome: str
    ward: str | None
    scanned_patient: str | None
    scanned_bag: str | None
    override_reason: str | None
    problems: tuple[str, ...]
    by: str
    at: datetime


@dataclass(frozen=True)
class ScanCompliance:
    """Compliance by ward (and in total) and the latest overrides and refusals."""

    wards: tuple[WardCompliance, ...]
    total: WardCompliance
    records: tuple[ScanRecordView, ...] = ()


_NO_WARD = "(no ward)"


def count_compliance(counts: Iterable[tuple[str | None, str, int]]) -> ScanCompliance:
    """Compliance from (ward, outcome, count) rows.

    >>> c = count_compliance([("ICU", "scanned", 3), ("ICU", "override", 1), (None, "refused", 2)])
    >>> [(w.ward, w.scanned, w.overridden, w.refused, w.scanned_percent) for w in c.wards]
    [('(no ward)', 0, 0, 2, None), ('ICU', 3, 1, 0, 75.0)]
    """
    table: dict[str, dict[str, int]] = {}
    for ward, outcome, count in counts:
        row = table.setdefault(ward or _NO_WARD, {})
        row[outcome] = row.get(outcome, 0) + count

    def make(name: str, row: dict[str, int]) -> WardCompliance:
        return WardCompliance(
            name,
            row.get("scanned", 0),
            row.get("override", 0),
            row.get("not_scanned", 0),
            row.get("refused", 0),
        )

    wards = tuple(make(name, table[name]) for name in sorted(table))
    total: dict[str, int] = {}
    for row in table.values():
        for outcome, count in row.items():
            total[outcome] = total.get(outcome, 0) + count
    return ScanCompliance(wards, make("all wards", total))


def _views(uow: UnitOfWork, rows: Sequence[AdministrationScan]) -> tuple[ScanRecordView, ...]:
    names = lookup_names(uow, (r.user_id for r in rows))
    return tuple(
        ScanRecordView(
            r.order_id,
            r.event,
            r.outcome,
            r.ward,
            r.scanned_patient,
            r.scanned_bag,
            r.override_reason,
            tuple(str(p) for p in r.problems),
            names.get(r.user_id, str(r.user_id)),
            r.occurred_at,
        )
        for r in rows
    )


def get_scan_compliance(uow: UnitOfWork, user_id: int) -> ScanCompliance:
    """Compliance by ward over every start and bag change, with the latest overrides and
    refusals (admin)."""
    with uow:
        load_actor(uow, user_id, Action.READ_AUDIT)
        compliance = count_compliance(uow.scans.count_by_ward())
        records = _views(uow, uow.scans.list_overrides())
    return ScanCompliance(compliance.wards, compliance.total, records)


def read_patient_compliance(uow: UnitOfWork, patient_id: int) -> ScanCompliance:
    """Compliance by ward over one patient's orders, inside an open unit of work (the caller
    checked the user)."""
    return count_compliance(uow.scans.count_by_ward(patient_id))


def read_hang_overrides(uow: UnitOfWork, order_ids: Iterable[int]) -> dict[int, str]:
    """Order id -> the override reason of its latest start or bag change, for the orders whose
    bag now hanging was not scanned (inside an open unit of work)."""
    latest: dict[int, AdministrationScan] = {}
    for row in uow.scans.list_for_orders(order_ids):
        if row.outcome != "refused":
            latest[row.order_id] = row
    return {
        order_id: row.override_reason or ""
        for order_id, row in latest.items()
        if row.outcome == "override"
    }


def get_hang_overrides(uow: UnitOfWork, user_id: int, order_ids: Iterable[int]) -> dict[int, str]:
    """:func:`read_hang_overrides` for the board, as the user may see it."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        return read_hang_overrides(uow, order_ids)


def read_report_scans(
    uow: UnitOfWork, patient_id: int, order_ids: Iterable[int]
) -> tuple[tuple[ReportScanWard, ...], tuple[ReportScanEvent, ...]]:
    """The patient-course report's barcode checks: compliance by ward over the patient's
    orders, and each override and refused scan of ``order_ids`` (the orders the reader sees),
    inside an open unit of work."""
    compliance = read_patient_compliance(uow, patient_id)
    wards = tuple(
        ReportScanWard(w.ward, w.scanned, w.overridden, w.not_scanned, w.refused)
        for w in compliance.wards
    )
    records = [
        r for r in uow.scans.list_for_orders(order_ids) if r.outcome in ("override", "refused")
    ]
    events = tuple(
        ReportScanEvent(
            str(v.order_id),
            v.event,
            v.outcome,
            v.at,
            v.by,
            v.scanned_patient,
            v.scanned_bag,
            v.override_reason or "; ".join(v.problems),
        )
        for v in _views(uow, records)
    )
    return wards, events
