"""The "Time to drug" section of the patient-course report: each order's steps, dose changes,
bag changes and time with no drug running, from the stored times
(:mod:`anakinra_iv.reports.time_to_drug`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from anakinra_iv.reports.display import show_duration, show_time
from anakinra_iv.reports.document import Block, Cell, Paragraph, Section, Table
from anakinra_iv.reports.time_to_drug import STEP_LABELS, OrderTiming, StepTiming

__all__ = ["create_time_to_drug_section", "show_minutes"]


def show_minutes(minutes: float | None) -> str:
    """Minutes as people read them; under one minute is ``0 min``.

    >>> show_minutes(0.2), show_minutes(85), show_minutes(None)
    ('0 min', '1 h 25 min', '-')
    """
    if minutes is None:
        return "-"
    return "0 min" if minutes < 1 else show_duration(minutes / 60)


def _when(moment: datetime | None, zone: ZoneInfo, open_text: str = "open") -> str:
    return open_text if moment is None else show_time(moment, zone)


def _step_row(order_id: int, step: StepTiming, zone: ZoneInfo) -> tuple[Cell, ...]:
    took = (
        f"open, waiting {show_minutes(step.minutes)}" if step.open else show_minutes(step.minutes)
    )
    return (
        Cell(str(order_id)),
        Cell(STEP_LABELS[step.step]),
        Cell(_when(step.started_at, zone)),
        Cell(_when(step.ended_at, zone)),
        Cell(took),
    )


def _rows(timing: OrderTiming, zone: ZoneInfo) -> list[tuple[Cell, ...]]:
    oid = timing.order_id
    if timing.outcome in ("rejected", "cancelled"):
        return [
            (
                Cell(str(oid)),
                Cell(f"{timing.outcome} before it ran"),
                Cell(_when(timing.signed_at, zone)),
                Cell("-"),
                Cell("-"),
            )
        ]
    rows = [
        _step_row(oid, s, zone)
        for s in timing.steps
        if s.step != "reorder" or timing.rejected_orders
    ]
    if timing.total is not None:
        rows.append(_step_row(oid, timing.total, zone))
    if timing.loading is not None:
        rows.append(_step_row(oid, timing.loading, zone))
    for change in timing.dose_changes:
        took = (
            f"open, waiting {show_minutes(change.total_minutes)}"
            if change.open
            else f"{show_minutes(change.total_minutes)} (verify "
            f"{show_minutes(change.verify_minutes)}, run {show_minutes(change.run_minutes)})"
        )
        rows.append(
            (
                Cell(str(oid)),
                Cell(STEP_LABELS["dose_change"]),
                Cell(_when(change.signed_at, zone)),
                Cell(_when(change.running_at, zone)),
                Cell(took),
            )
        )
    for bag in timing.bag_changes:
        took = (
            f"overdue {show_minutes(bag.delay_minutes)}"
            if bag.open
            else "on time"
            if bag.delay_minutes < 1
            else f"{show_minutes(bag.delay_minutes)} late"
        )
        rows.append(
            (
                Cell(str(oid)),
                Cell(f"{STEP_LABELS['bag_change']} (bag {bag.bag_id})"),
                Cell(_when(bag.due_at, zone)),
                Cell(_when(bag.hung_at, zone)),
                Cell(took),
            )
        )
    for gap in timing.gaps:
        rows.append(
            (
                Cell(str(oid)),
                Cell(f"no drug running ({gap.why})"),
                Cell(_when(gap.started_at, zone)),
                Cell(_when(gap.ended_at, zone)),
                Cell(show_minutes(gap.minutes)),
            )
        )
    return rows


def create_time_to_drug_section(timings: Sequence[OrderTiming], zone: ZoneInfo) -> Section:
    """The section: one table of every order's intervals (open ones say so)."""
    blocks: list[Block] = [
        Paragraph(
            "From the stored times of the workflow (signature, verification, preparation, "
            "second check) and the bedside times documented by the nurse. A re-order counts from "
            "the signature of the rejected order before it. A step still waiting is open, never "
            "fast."
        )
    ]
    rows = [row for timing in timings for row in _rows(timing, zone)]
    if rows:
        blocks.append(
            Table(
                "Time to drug, per order", ("order", "interval", "from", "to", "took"), tuple(rows)
            )
        )
    else:
        blocks.append(Paragraph("No order was written for this patient."))
    return Section("Time to drug", tuple(blocks))
