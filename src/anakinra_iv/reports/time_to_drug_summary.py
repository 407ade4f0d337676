"""Time to drug per period and ward: median, 90th percentile and worst of each interval.

Pure functions over :class:`~anakinra_iv.reports.time_to_drug.OrderTiming` values. Days and
periods are calendar days of the site's time zone. An order belongs to the period in which it
was first signed (a re-order: its rejected order's signature); a dose change to the period it was
signed in; a bag change to the period it came due in. Open intervals are counted apart
(``open``), never among the finished ones. The 90th percentile interpolates linearly between
order statistics (Python's ``statistics.quantiles(..., method="inclusive")``, numpy's default);
with one value it is that value.

The step that holds the team up most is the step of :data:`ORDER_STEPS` with the most minutes
summed over the period's orders (open waiting included: a step that is still waiting holds the
team up too). The ``reorder`` interval's statistics count only the orders that re-order a
rejected one. Interruptions are the minutes with no drug running per patient-day on an infusion,
both clipped to the period.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from anakinra_iv.reports.time_to_drug import ORDER_STEPS, OrderTiming

__all__ = [
    "ALL_WARDS",
    "INTERVALS",
    "PERIODS",
    "IntervalStats",
    "PeriodSummary",
    "calculate_interval_stats",
    "calculate_summaries",
    "get_periods",
]

INTERVALS: tuple[str, ...] = (*ORDER_STEPS, "total", "loading", "dose_change", "bag_change")
"""Every interval a summary reports, in the order it is shown."""

PERIODS = ("day", "week", "range")
"""How the range is cut: calendar days, ISO weeks (Monday first) or the whole range."""

ALL_WARDS = "all wards"


@dataclass(frozen=True)
class IntervalStats:
    """Finished intervals of one kind (minutes) and how many are still open."""

    interval: str
    count: int
    open: int
    median_minutes: float | None
    p90_minutes: float | None
    worst_minutes: float | None


@dataclass(frozen=True)
class PeriodSummary:
    """One period of one ward."""

    period_start: date
    period_end: date
    ward: str
    orders: int
    open_orders: int
    rejected: int
    cancelled: int
    intervals: tuple[IntervalStats, ...]
    slowest_step: str | None
    gap_minutes: float
    patient_days: float

    @property
    def interruption_minutes_per_patient_day(self) -> float | None:
        """Minutes with no drug running per patient-day on an infusion (None without any)."""
        return None if self.patient_days <= 0 else self.gap_minutes / self.patient_days

    def get(self, interval: str) -> IntervalStats:
        """The statistics of one interval."""
        return next(s for s in self.intervals if s.interval == interval)


def calculate_interval_stats(
    interval: str, minutes: Sequence[float], open_count: int = 0
) -> IntervalStats:
    """Median, 90th percentile and worst of finished intervals.

    >>> s = calculate_interval_stats("verify", [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    >>> s.median_minutes, round(s.p90_minutes, 6), s.worst_minutes
    (55.0, 91.0, 100)
    """
    if not minutes:
        return IntervalStats(interval, 0, open_count, None, None, None)
    ordered = sorted(minutes)
    p90 = (
        ordered[0]
        if len(ordered) == 1
        else statistics.quantiles(ordered, n=10, method="inclusive")[8]
    )
    return IntervalStats(
        interval, len(ordered), open_count, statistics.median(ordered), p90, ordered[-1]
    )


def get_periods(first: date, last: date, period: str) -> list[tuple[date, date]]:
    """The periods (first and last day, inclusive) that cover ``first`` to ``last``.

    >>> [f"{a:%d}-{b:%d}" for a, b in get_periods(date(2026, 1, 1), date(2026, 1, 12), "week")]
    ['01-04', '05-11', '12-12']
    """
    if period not in PERIODS:
        raise ValueError(f"'period' must be one of {', '.join(PERIODS)} (got {period!r})")
    if period == "range":
        return [(first, last)]
    result = []
    day = first
    while day <= last:
        end = day if period == "day" else day + timedelta(days=6 - day.weekday())
        end = min(end, last)
        result.append((day, end))
        day = end + timedelta(days=1)
    return result


def _window(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time(0), zone),
        datetime.combine(last + timedelta(days=1), time(0), zone),
    )


def _inside(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    return window[0] <= moment < window[1]


def _overlap(start: datetime, end: datetime, window: tuple[datetime, datetime]) -> float:
    low, high = max(start, window[0]), min(end, window[1])
    return max(0.0, (high - low).total_seconds() / 60)


def _summarise(
    timings: Sequence[OrderTiming],
    window: tuple[datetime, datetime],
    ward: str,
    span: tuple[date, date],
) -> PeriodSummary:
    signed = [t for t in timings if _inside(t.first_signed_at, window)]
    counted = [t for t in signed if t.outcome in ("running", "open")]
    finished: dict[str, list[float]] = {name: [] for name in INTERVALS}
    opened: dict[str, int] = dict.fromkeys(INTERVALS, 0)
    waited: dict[str, float] = dict.fromkeys(ORDER_STEPS, 0.0)
    for timing in counted:
        for step in timing.steps:
            waited[step.step] += step.minutes
            if step.step == "reorder" and not timing.rejected_orders:
                continue
            if step.open:
                opened[step.step] += 1
            else:
                finished[step.step].append(step.minutes)
        total = timing.total
        if total is not None:
            if total.open:
                opened["total"] += 1
            else:
                finished["total"].append(total.minutes)
        if timing.loading is not None:
            finished["loading"].append(timing.loading.minutes)
    gap_minutes = 0.0
    infused_minutes = 0.0
    for timing in timings:
        for change in timing.dose_changes:
            if _inside(change.signed_at, window):
                if change.open:
                    opened["dose_change"] += 1
                else:
                    finished["dose_change"].append(change.total_minutes)
        for bag in timing.bag_changes:
            if _inside(bag.due_at, window):
                if bag.open:
                    opened["bag_change"] += 1
                else:
                    finished["bag_change"].append(bag.delay_minutes)
        if timing.started_at is not None and timing.running_until is not None:
            infused_minutes += _overlap(timing.started_at, timing.running_until, window)
            gap_minutes += sum(_overlap(g.started_at, g.ended_at, window) for g in timing.gaps)
    slowest = max(ORDER_STEPS, key=lambda s: waited[s]) if any(waited.values()) else None
    return PeriodSummary(
        span[0],
        span[1],
        ward,
        len(counted),
        sum(1 for t in counted if t.outcome == "open"),
        sum(1 for t in signed if t.outcome == "rejected"),
        sum(1 for t in signed if t.outcome == "cancelled"),
        tuple(calculate_interval_stats(n, finished[n], opened[n]) for n in INTERVALS),
        slowest,
        gap_minutes,
        infused_minutes / (24 * 60),
    )


def calculate_summaries(
    timings: Iterable[OrderTiming],
    first: date,
    last: date,
    zone: ZoneInfo,
    period: str = "range",
) -> list[PeriodSummary]:
    """One summary per period and ward (and for all wards together when there are several).

    ``first`` and ``last`` are calendar days of ``zone``, both included.
    """
    if last < first:
        raise ValueError(f"'to' {last.isoformat()} is before 'from' {first.isoformat()}")
    every = list(timings)
    wards = sorted({t.ward for t in every})
    groups = [(w, [t for t in every if t.ward == w]) for w in wards]
    if len(wards) != 1:
        groups.append((ALL_WARDS, every))
    summaries = []
    for span in get_periods(first, last, period):
        window = _window(span[0], span[1], zone)
        for ward, members in groups:
            summaries.append(_summarise(members, window, ward, span))
    return summaries
