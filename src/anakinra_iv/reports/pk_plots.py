"""Figures of pharmacokinetic comparisons (matplotlib, no display needed).

The core computes the curves and metrics (:mod:`anakinra_iv.pk.routes`); this module only draws
them: concentration-time curves on top, the metrics table underneath, written as PNG and SVG.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from anakinra_iv.pk.routes import RouteComparison

__all__ = ["plot_comparison"]

_COLOURS = ("#1b6ca8", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#566573")


def _format(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    if value == float("inf"):
        return "inf"
    return f"{value:.{digits}g}"


def plot_comparison(comparison: RouteComparison, path: Path | str) -> list[Path]:
    """Draw ``comparison`` and write it as PNG and SVG (``path`` names one; the other is beside it).

    Returns the paths written.
    """
    target = Path(path)
    figure = Figure(figsize=(10, 7.5), layout="constrained")
    grid = figure.add_gridspec(2, 1, height_ratios=(3, 1.3))
    axes = figure.add_subplot(grid[0])
    for colour, row in zip(_COLOURS, comparison.rows, strict=False):
        axes.plot(
            comparison.times, row.concentrations, label=row.label, color=colour, linewidth=1.4
        )
    axes.axhline(
        comparison.css_mg_l,
        color="black",
        linestyle="--",
        linewidth=0.8,
        label=f"steady-state average {comparison.css_mg_l:.3g} mg/L",
    )
    start, end = comparison.metrics_window_h
    axes.axvspan(start, end, color="0.92", zorder=0, label="metrics window")
    axes.set_xlabel("time (h)")
    axes.set_ylabel("plasma anakinra (mg/L)")
    axes.set_xlim(comparison.times[0], comparison.times[-1])
    axes.set_ylim(bottom=0)
    axes.set_title(comparison.title)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    table_axes = figure.add_subplot(grid[1])
    table_axes.axis("off")
    header = ["", "Cmax", "Cmin", "Cavg", "peak/trough", "T90 % Css (h)", "regimen"]
    cells = [
        [
            row.label,
            _format(row.metrics.cmax_mg_l),
            _format(row.metrics.cmin_mg_l),
            _format(row.metrics.cavg_mg_l),
            _format(row.metrics.peak_trough_ratio),
            _format(row.metrics.t90_h),
            row.regimen,
        ]
        for row in comparison.rows
    ]
    table = table_axes.table(cellText=cells, colLabels=header, loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.auto_set_column_width(list(range(len(header))))
    table_axes.set_title(f"concentrations in mg/L, metrics over {start:g}-{end:g} h", fontsize=9)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".png", ".svg"):
        out = target.with_suffix(suffix)
        figure.savefig(out, dpi=150 if suffix == ".png" else None)
        written.append(out)
    return written
