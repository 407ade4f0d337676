"""Trends per analyte: baseline, peak, nadir, latest, changes, slope per day, age of the latest.

Only observations collected at or before ``now`` are used (a review never sees later results),
and, when ``since`` is given (the infusion start), baseline, peak and nadir are taken from
``since`` on.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> from anakinra_iv.assessment.observations import create_observation
>>> t0 = datetime(2024, 3, 1, 6, tzinfo=UTC)
>>> series = [create_observation("ferritin", f"{v} ng/mL", collected_at=t0 + timedelta(days=i))
...           for i, v in enumerate([8000, 12000, 9000, 6000])]
>>> trend = calculate_trend(series, now=t0 + timedelta(days=3, hours=2))
>>> trend.peak.magnitude, trend.change_from_peak, trend.change_from_peak_percent
(12000.0, -6000.0, -50.0)
>>> trend.slope_per_day, trend.time_since_latest
(-900.0, datetime.timedelta(seconds=7200))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anakinra_iv.assessment.observations import Observation, round_measure
from anakinra_iv.errors import InvalidInput

__all__ = [
    "Trend",
    "calculate_slope_per_day",
    "calculate_trend",
    "calculate_trends",
    "select_observations",
]

_DAY_SECONDS = 86400.0


def select_observations(
    observations: Iterable[Observation],
    analyte: str,
    *,
    now: datetime,
    since: datetime | None = None,
) -> list[Observation]:
    """The observations of ``analyte`` collected in ``[since, now]``, oldest first."""
    chosen = [
        o
        for o in observations
        if o.analyte == analyte
        and o.collected_at <= now
        and (since is None or o.collected_at >= since)
    ]
    return sorted(chosen, key=lambda o: o.collected_at)


def calculate_slope_per_day(series: Sequence[Observation]) -> float | None:
    """Least-squares slope of the values (canonical unit) per day; None with fewer than two
    distinct times."""
    if len(series) < 2:
        return None
    t0 = series[0].collected_at
    xs = [(o.collected_at - t0).total_seconds() / _DAY_SECONDS for o in series]
    ys = [o.magnitude for o in series]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return round_measure(sxy / sxx)


def _percent(change: float, reference: float) -> float | None:
    return None if reference == 0 else round_measure(100.0 * change / reference)


@dataclass(frozen=True)
class Trend:
    """The course of one analyte up to a review time (numbers in the canonical ``unit``)."""

    analyte: str
    unit: str
    count: int
    baseline: Observation
    peak: Observation
    nadir: Observation
    latest: Observation
    previous: Observation | None
    change_from_peak: float
    change_from_peak_percent: float | None
    change_from_baseline: float
    change_from_baseline_percent: float | None
    change_from_previous: float | None
    slope_per_day: float | None
    time_since_latest: timedelta

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready numbers, times as ISO 8601 and the age of the latest value in hours."""

        def point(o: Observation) -> dict[str, Any]:
            return {"value": o.magnitude, "at": o.collected_at.isoformat()}

        return {
            "analyte": self.analyte,
            "unit": self.unit,
            "count": self.count,
            "baseline": point(self.baseline),
            "peak": point(self.peak),
            "nadir": point(self.nadir),
            "latest": point(self.latest),
            "change_from_peak": self.change_from_peak,
            "change_from_peak_percent": self.change_from_peak_percent,
            "change_from_baseline": self.change_from_baseline,
            "change_from_baseline_percent": self.change_from_baseline_percent,
            "change_from_previous": self.change_from_previous,
            "slope_per_day": self.slope_per_day,
            "hours_since_latest": round_measure(self.time_since_latest.total_seconds() / 3600),
        }


def calculate_trend(
    observations: Iterable[Observation], *, now: datetime, since: datetime | None = None
) -> Trend:
    """The trend of one analyte's observations at ``now``.

    Raises
    ------
    InvalidInput
        No observation at or before ``now``, or observations of several analytes.
    """
    given = list(observations)
    names = {o.analyte for o in given}
    if len(names) != 1:
        raise InvalidInput(
            f"a trend needs observations of one analyte (got {sorted(names) or 'none'})",
            field="observations",
        )
    name = names.pop()
    series = select_observations(given, name, now=now, since=since)
    if not series:
        raise InvalidInput(f"'{name}' has no value at or before {now.isoformat()}", field=name)
    baseline, latest = series[0], series[-1]
    peak = max(series, key=lambda o: o.magnitude)
    nadir = min(series, key=lambda o: o.magnitude)
    previous = series[-2] if len(series) > 1 else None
    from_peak = round_measure(latest.magnitude - peak.magnitude)
    from_baseline = round_measure(latest.magnitude - baseline.magnitude)
    return Trend(
        analyte=name,
        unit=latest.unit,
        count=len(series),
        baseline=baseline,
        peak=peak,
        nadir=nadir,
        latest=latest,
        previous=previous,
        change_from_peak=from_peak,
        change_from_peak_percent=_percent(from_peak, peak.magnitude),
        change_from_baseline=from_baseline,
        change_from_baseline_percent=_percent(from_baseline, baseline.magnitude),
        change_from_previous=(
            round_measure(latest.magnitude - previous.magnitude) if previous else None
        ),
        slope_per_day=calculate_slope_per_day(series),
        time_since_latest=now - latest.collected_at,
    )


def calculate_trends(
    observations: Iterable[Observation], *, now: datetime, since: datetime | None = None
) -> dict[str, Trend]:
    """The trend of every analyte that has a value in ``[since, now]``, by analyte name."""
    given = list(observations)
    out: dict[str, Trend] = {}
    for name in dict.fromkeys(o.analyte for o in given):
        series = select_observations(given, name, now=now, since=since)
        if series:
            out[name] = calculate_trend(series, now=now)
    return out
