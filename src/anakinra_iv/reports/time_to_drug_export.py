"""Time to drug as data files: JSON (summaries and every order) and CSV (one row per period,
ward and interval, the period's counts repeated on each row so that a spreadsheet can filter).

Minutes are rounded to 0.1; times are ISO 8601 in UTC; periods are site days.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from anakinra_iv.reports.time_to_drug import STEP_LABELS, OrderTiming, StepTiming
from anakinra_iv.reports.time_to_drug_summary import PeriodSummary

__all__ = [
    "CSV_COLUMNS",
    "create_time_to_drug_json",
    "write_time_to_drug_csv",
]

CSV_COLUMNS = (
    "period_start",
    "period_end",
    "ward",
    "interval",
    "measures",
    "count",
    "open",
    "median_minutes",
    "p90_minutes",
    "worst_minutes",
    "orders",
    "open_orders",
    "rejected_orders",
    "cancelled_orders",
    "slowest_step",
    "no_drug_minutes",
    "patient_days",
    "no_drug_minutes_per_patient_day",
)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _step(step: StepTiming | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "from": _iso(step.started_at),
        "to": _iso(step.ended_at),
        "minutes": _round(step.minutes),
        "open": step.open,
    }


def _summary(summary: PeriodSummary) -> dict[str, Any]:
    return {
        "period_start": summary.period_start.isoformat(),
        "period_end": summary.period_end.isoformat(),
        "ward": summary.ward,
        "orders": summary.orders,
        "open_orders": summary.open_orders,
        "rejected_orders": summary.rejected,
        "cancelled_orders": summary.cancelled,
        "slowest_step": summary.slowest_step,
        "no_drug_minutes": _round(summary.gap_minutes),
        "patient_days": round(summary.patient_days, 3),
        "no_drug_minutes_per_patient_day": _round(summary.interruption_minutes_per_patient_day),
        "intervals": {
            s.interval: {
                "measures": STEP_LABELS[s.interval],
                "count": s.count,
                "open": s.open,
                "median_minutes": _round(s.median_minutes),
                "p90_minutes": _round(s.p90_minutes),
                "worst_minutes": _round(s.worst_minutes),
            }
            for s in summary.intervals
        },
    }


def _order(timing: OrderTiming) -> dict[str, Any]:
    return {
        "order_id": timing.order_id,
        "patient_id": timing.patient_id,
        "ward": timing.ward,
        "status": timing.status,
        "outcome": timing.outcome,
        "first_signed_at": _iso(timing.first_signed_at),
        "signed_at": _iso(timing.signed_at),
        "started_at": _iso(timing.started_at),
        "open_step": timing.open_step,
        "re_orders_rejected": list(timing.rejected_orders),
        "times_read_as_the_previous_step": timing.clamped,
        "steps": {s.step: _step(s) for s in timing.steps},
        "total": _step(timing.total),
        "loading": _step(timing.loading),
        "dose_changes": [
            {
                "signed_at": _iso(c.signed_at),
                "verified_at": _iso(c.verified_at),
                "running_at": _iso(c.running_at),
                "verify_minutes": _round(c.verify_minutes),
                "run_minutes": _round(c.run_minutes),
                "total_minutes": _round(c.total_minutes),
                "open": c.open,
            }
            for c in timing.dose_changes
        ],
        "bag_changes": [
            {
                "bag_id": b.bag_id,
                "due_at": _iso(b.due_at),
                "hung_at": _iso(b.hung_at),
                "delay_minutes": _round(b.delay_minutes),
                "open": b.open,
            }
            for b in timing.bag_changes
        ],
        "no_drug": [
            {
                "from": _iso(g.started_at),
                "to": _iso(g.ended_at),
                "minutes": _round(g.minutes),
                "why": g.why,
            }
            for g in timing.gaps
        ],
    }


def create_time_to_drug_json(
    first: date,
    last: date,
    period: str,
    zone: str,
    computed_at: datetime,
    summaries: Sequence[PeriodSummary],
    orders: Sequence[OrderTiming],
) -> dict[str, Any]:
    """Everything as one JSON-ready mapping."""
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "period": period,
        "site_time_zone": zone,
        "computed_at": computed_at.isoformat(),
        "summaries": [_summary(s) for s in summaries],
        "orders": [_order(t) for t in orders],
    }


def write_time_to_drug_csv(summaries: Sequence[PeriodSummary]) -> str:
    """One CSV row per period, ward and interval (columns :data:`CSV_COLUMNS`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for summary in summaries:
        per_day = summary.interruption_minutes_per_patient_day
        for stats in summary.intervals:
            writer.writerow(
                [
                    summary.period_start.isoformat(),
                    summary.period_end.isoformat(),
                    summary.ward,
                    stats.interval,
                    STEP_LABELS[stats.interval],
                    stats.count,
                    stats.open,
                    _text(stats.median_minutes),
                    _text(stats.p90_minutes),
                    _text(stats.worst_minutes),
                    summary.orders,
                    summary.open_orders,
                    summary.rejected,
                    summary.cancelled,
                    summary.slowest_step or "",
                    _text(summary.gap_minutes),
                    f"{summary.patient_days:.3f}",
                    _text(per_day),
                ]
            )
    return buffer.getvalue()


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
