"""Small figures of time to drug: one per step, each order a point (minutes against the day the
order was signed), with the median and 90th percentile as lines. Black and grey, told apart by
marker and line style; an order still waiting is a hollow triangle at the minutes waited so far.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from anakinra_iv.reports.time_to_drug import STEP_LABELS, OrderTiming, StepTiming
from anakinra_iv.reports.time_to_drug_summary import calculate_interval_stats

__all__ = ["CHART_STEPS", "plot_step_chart"]

CHART_STEPS: tuple[str, ...] = ("verify", "prepare", "check", "start", "total")
"""The steps that have a chart on the page."""


def _step_of(timing: OrderTiming, step: str) -> StepTiming | None:
    if step == "total":
        return timing.total
    return next((s for s in timing.steps if s.step == step), None)


def _day_number(day: date) -> float:
    return float(date2num(datetime.combine(day, time(0))))  # type: ignore[no-untyped-call]


def plot_step_chart(
    timings: Sequence[OrderTiming], step: str, zone: ZoneInfo, first: date, last: date
) -> bytes:
    """A PNG of one step's minutes per order (site days ``first`` to ``last`` on the x axis),
    with its median and 90th percentile."""
    if step not in STEP_LABELS:
        raise ValueError(f"'step' must be one of {', '.join(STEP_LABELS)} (got {step!r})")
    done: list[tuple[float, float]] = []
    waiting: list[tuple[float, float]] = []
    for timing in timings:
        found = _step_of(timing, step)
        if found is None:
            continue
        x = float(date2num(timing.first_signed_at.astimezone(zone).replace(tzinfo=None)))  # type: ignore[no-untyped-call]
        (waiting if found.open else done).append((x, found.minutes))
    figure = Figure(figsize=(4.2, 2.4), layout="constrained")
    axes = figure.add_subplot()
    if done:
        axes.plot(
            [p[0] for p in done], [p[1] for p in done], "o", color="black", ms=4, label="finished"
        )
        stats = calculate_interval_stats(step, [p[1] for p in done])
        if stats.median_minutes is not None:
            axes.axhline(stats.median_minutes, color="black", ls="-", lw=1, label="median")
        if stats.p90_minutes is not None:
            axes.axhline(stats.p90_minutes, color="grey", ls="--", lw=1, label="90th percentile")
    if waiting:
        axes.plot(
            [p[0] for p in waiting],
            [p[1] for p in waiting],
            "^",
            mfc="none",
            color="black",
            ms=6,
            label="still waiting",
        )
    if not done and not waiting:
        axes.text(
            0.5, 0.5, "no orders in this range", ha="center", va="center", transform=axes.transAxes
        )
    else:
        axes.set_xlim(_day_number(first), _day_number(last + timedelta(days=1)))
        locator = AutoDateLocator(minticks=2, maxticks=8)  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        axes.legend(fontsize=6, loc="best", framealpha=0.8)
    axes.set_ylim(bottom=0)
    axes.set_title(STEP_LABELS[step], fontsize=9)
    axes.set_ylabel("minutes", fontsize=8)
    axes.set_xlabel(f"day the order was signed ({zone.key})", fontsize=7)
    axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
