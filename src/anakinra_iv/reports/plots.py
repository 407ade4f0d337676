"""Figures of a patient's course (matplotlib, no display needed), readable in black and white.

Every series is black or grey and told apart by marker and line style, never by colour alone;
every axis names its unit. The dose timeline (mg/h, with bag changes and interruptions) shares
its time axis with the laboratory panels so that a dose change lines up with what followed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from anakinra_iv.reports.course_data import (
    CourseReportData,
    LabSeries,
    PkBand,
    ReportScore,
    ReportSegment,
)

__all__ = [
    "IMAGE_FORMATS",
    "create_score_figure",
    "get_time_span",
    "plot_course_timeline",
    "plot_pk_band",
    "plot_score_over_time",
]

_MARKERS = ("o", "s", "^", "D", "v", "x", "P")
_STYLES = ("-", "--", "-.", ":")


IMAGE_FORMATS = ("png", "svg")
"""The image formats a figure is written in."""


def _png(figure: Figure, image_format: str = "png") -> bytes:
    if image_format not in IMAGE_FORMATS:
        raise ValueError(
            f"'format' must be one of {', '.join(IMAGE_FORMATS)} (got {image_format!r})"
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=130)
    return buffer.getvalue()


def _num(moment: datetime) -> float:
    """A moment as matplotlib's date number (days)."""
    return float(date2num(moment))  # type: ignore[no-untyped-call]


def _segment_end(segment: ReportSegment, until: datetime) -> float:
    return _num(segment.ended_at or until)


_MIN_SPAN = timedelta(hours=6)
"""The narrowest time axis drawn: one point (or a few close together) sits in the middle of
at least this span, never on an axis of years."""


def get_time_span(moments: Iterable[datetime], fallback: datetime) -> tuple[datetime, datetime]:
    """An axis span that holds every moment with a margin (5% each side, and at least
    :data:`_MIN_SPAN` in all); around ``fallback`` when there is none.

    >>> from datetime import UTC
    >>> t = datetime(2026, 1, 5, 8, tzinfo=UTC)
    >>> low, high = get_time_span([t], t)
    >>> (high - low) == _MIN_SPAN and low < t < high
    True
    """
    times = sorted(moments) or [fallback]
    start, end = times[0], times[-1]
    margin = max((end - start) * 0.05, (_MIN_SPAN - (end - start)) / 2, timedelta(0))
    return start - margin, end + margin


def _date_axis(axes: Axes, span: tuple[datetime, datetime], zone: ZoneInfo) -> None:
    locator = AutoDateLocator(tz=zone)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formatter = ConciseDateFormatter(locator, tz=zone)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(formatter)
    axes.set_xlim(_num(span[0]), _num(span[1]))
    axes.set_xlabel(f"date and time ({zone.key})")


def _dose_panel(axes: Axes, segments: tuple[ReportSegment, ...], until: datetime) -> None:
    times: list[float] = []
    rates: list[float] = []
    for segment in segments:
        times += [_num(segment.started_at), _segment_end(segment, until)]
        rates += [segment.rate_mg_per_h, segment.rate_mg_per_h]
        if segment.rate_mg_per_h == 0 and segment.event == "pause":
            axes.axvspan(
                _num(segment.started_at),
                _segment_end(segment, until),
                facecolor="none",
                edgecolor="0.4",
                hatch="///",
                linewidth=0,
                label="interruption" if "interruption" not in _labels(axes) else None,
            )
        if segment.event == "bag_change":
            axes.axvline(
                _num(segment.started_at),
                color="black",
                linestyle=":",
                linewidth=1,
                label="bag change" if "bag change" not in _labels(axes) else None,
            )
    axes.plot(times, rates, color="black", linewidth=1.8, label="dose rate")
    axes.set_ylabel("anakinra (mg/h)")
    axes.set_ylim(bottom=0, top=max([*rates, 1.0]) * 1.2)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize=7)


def _labels(axes: Axes) -> list[str]:
    return [str(h.get_label()) for h in axes.get_legend_handles_labels()[0]]


def _lab_panel(axes: Axes, series: LabSeries, index: int) -> None:
    times = [_num(t) for t, _ in series.points]
    values = [v for _, v in series.points]
    axes.plot(
        times,
        values,
        color="black",
        marker=_MARKERS[index % len(_MARKERS)],
        linestyle=_STYLES[index % len(_STYLES)],
        markersize=4,
        linewidth=1,
    )
    axes.set_ylabel(f"{series.display}\n({series.unit})", fontsize=8)
    axes.grid(alpha=0.3)


def plot_course_timeline(
    data: CourseReportData, image_format: str = "png", *, zone: ZoneInfo | None = None
) -> bytes:
    """The dose timeline over the laboratory panels, one shared time axis spanning the data, in
    the report's (or ``zone``'s) time zone; PNG (or SVG) bytes."""
    zone = zone or data.tz
    panels = [s for s in data.labs if s.points]
    moments = [t for s in panels for t, _ in s.points]
    moments += [s.started_at for s in data.segments]
    if data.segments:
        moments.append(data.segments[-1].ended_at or data.generated_at)
    span = get_time_span(moments, data.generated_at)
    figure = Figure(figsize=(8.5, 2.0 + 1.3 * (len(panels) + 1)), layout="constrained")
    axes = figure.subplots(len(panels) + 1, 1, sharex=True, squeeze=False)[:, 0]
    _dose_panel(axes[0], data.segments, data.generated_at)
    axes[0].set_title(f"{data.patient_name} ({data.mrn}): dose and laboratory course", fontsize=10)
    for index, series in enumerate(panels):
        _lab_panel(axes[index + 1], series, index)
    _date_axis(axes[-1], span, zone)
    return _png(figure, image_format)


def plot_pk_band(
    band: PkBand,
    segments: tuple[ReportSegment, ...],
    image_format: str = "png",
    *,
    zone: ZoneInfo | None = None,
) -> bytes:
    """The predicted concentration: 5th-95th percentile band (grey) and median (black); PNG
    (or SVG)."""
    zone = zone or ZoneInfo("UTC")
    figure = Figure(figsize=(8.5, 3.2), layout="constrained")
    axes = figure.subplots()
    times = [_num(t) for t in band.times]
    axes.fill_between(times, band.p5, band.p95, color="0.8", label="5th-95th percentile")
    axes.plot(times, band.p50, color="black", linewidth=1.5, label="median")
    for segment in segments:
        axes.axvline(_num(segment.started_at), color="0.3", linestyle=":", linewidth=0.8)
    axes.set_ylabel("predicted plasma anakinra (mg/L)")
    axes.set_ylim(bottom=0)
    axes.set_title(
        f"Population prediction ({band.model}, {band.subjects} simulated patients); dotted: "
        "rate changes",
        fontsize=9,
    )
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize=7)
    _date_axis(axes, get_time_span(band.times, band.times[0]), zone)
    return _png(figure, image_format)


def plot_score_over_time(
    scores: list[ReportScore],
    cut_off: float,
    cut_off_label: str,
    image_format: str = "png",
    *,
    zone: ZoneInfo | None = None,
) -> bytes:
    """:func:`create_score_figure` as PNG (or SVG) bytes."""
    return _png(create_score_figure(scores, cut_off, cut_off_label, zone=zone), image_format)


def create_score_figure(
    scores: list[ReportScore],
    cut_off: float,
    cut_off_label: str,
    *,
    zone: ZoneInfo | None = None,
) -> Figure:
    """A points score over time: points earned (filled marker when conclusive, open when missing
    items could cross the cut-off), a bar up to the most the missing items allow, and the
    cut-off as a dashed line."""
    rows = [s for s in scores if s.result is not None and s.result.points is not None]
    figure = Figure(figsize=(8.0, 3.0), layout="constrained")
    axes = figure.subplots()
    highest = cut_off
    for kind, filled in (("conclusive", True), ("not conclusive", False)):
        chosen = [s for s in rows if s.result is not None and s.result.conclusive is filled]
        times = [_num(s.at) for s in chosen]
        points = [float(s.result.points or 0) for s in chosen if s.result is not None]
        axes.plot(
            times,
            points,
            linestyle="none",
            marker="o",
            markersize=6,
            markeredgecolor="black",
            markerfacecolor="black" if filled else "white",
            label=f"points ({kind})",
        )
    for s in rows:
        if s.result is None or s.result.score_range is None:
            continue
        low, high = s.result.score_range
        highest = max(highest, high)
        if high > low:
            axes.vlines(_num(s.at), low, high, color="0.45", linewidth=1)
    axes.plot(
        [_num(s.at) for s in rows],
        [float(s.result.points or 0) for s in rows if s.result is not None],
        color="black",
        linewidth=0.8,
        zorder=0,
    )
    axes.axhline(cut_off, color="black", linestyle="--", linewidth=1.2, label=cut_off_label)
    axes.set_ylim(bottom=0, top=highest * 1.08)
    axes.set_ylabel(f"{rows[0].title.split(' (')[0] if rows else 'score'} (points)")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize=7)
    moments = [s.at for s in rows]
    fallback = scores[0].at if scores else datetime.fromtimestamp(0, ZoneInfo("UTC"))
    _date_axis(axes, get_time_span(moments, fallback), zone or ZoneInfo("UTC"))
    return figure
