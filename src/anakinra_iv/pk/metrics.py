"""Exposure metrics of a simulated concentration curve.

Computed on the simulated grid over any interval: AUC by the linear-up / log-down trapezoidal rule
(exact for exponential declines), crossing times by linear interpolation. Fields carry their
units in their names (mg/L, h, mg·h/L).

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 10, 101)
>>> m = calculate_metrics(t, 10 * np.exp(-0.2 * t), threshold=5.0)
>>> round(m.cmax_mg_l, 3), round(m.tmax_h, 3), round(m.time_above_h, 2)
(10.0, 0.0, 3.47)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.units import Q_, Quantity

__all__ = ["Metrics", "calculate_metrics"]


@dataclass(frozen=True)
class Metrics:
    """Exposure over ``[start_h, end_h]``.

    ``css_mg_l`` is the steady-state concentration given by the caller (for a continuous infusion
    ``R/CL``), else the average over the last ``tau_h`` hours of the interval, else the final value;
    ``t90_h`` is the first time the curve reaches 90 % of it (``None`` if it never does).
    ``time_above_h`` / ``time_below_h`` count the time above / below ``threshold_mg_l``.
    """

    start_h: float
    end_h: float
    cmax_mg_l: float
    tmax_h: float
    cmin_mg_l: float
    cavg_mg_l: float
    auc_mg_h_l: float
    css_mg_l: float
    t90_h: float | None
    threshold_mg_l: float | None
    time_above_h: float | None
    time_below_h: float | None
    peak_trough_ratio: float

    def as_quantities(self) -> dict[str, Quantity | float | None]:
        """The metrics as quantities of the package registry."""
        return {
            "Cmax": Q_(self.cmax_mg_l, "mg/L"),
            "Tmax": Q_(self.tmax_h, "h"),
            "Cmin": Q_(self.cmin_mg_l, "mg/L"),
            "Cavg": Q_(self.cavg_mg_l, "mg/L"),
            "AUC": Q_(self.auc_mg_h_l, "mg*h/L"),
            "Css": Q_(self.css_mg_l, "mg/L"),
            "T90": None if self.t90_h is None else Q_(self.t90_h, "h"),
            "time_above": None if self.time_above_h is None else Q_(self.time_above_h, "h"),
            "time_below": None if self.time_below_h is None else Q_(self.time_below_h, "h"),
            "peak_trough_ratio": self.peak_trough_ratio,
        }


def _window(
    times: FloatArray, values: FloatArray, start: float, end: float
) -> tuple[FloatArray, FloatArray]:
    """The curve on [start, end]; at a jump (a repeated time) the window starts after it and ends
    before it."""
    inside = (times > start) & (times < end)

    def at(x: float, after: bool) -> float:
        i = (
            int(np.searchsorted(times, x, side="right")) - 1
            if after
            else int(np.searchsorted(times, x, side="left"))
        )
        if 0 <= i < times.size and times[i] == x:
            return float(values[i])
        return float(np.interp(x, times, values))

    t = np.concatenate(([start], times[inside], [end]))
    c = np.concatenate(([at(start, True)], values[inside], [at(end, False)]))
    return t, c


def _auc(t: FloatArray, c: FloatArray) -> float:
    """Linear-up / log-down trapezoids."""
    dt = np.diff(t)
    lo, hi = c[:-1], c[1:]
    linear = (lo + hi) / 2 * dt
    falling = (hi < lo) & (hi > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log = np.where(falling, (lo - hi) / np.log(np.where(falling, lo / hi, 2.0)) * dt, 0.0)
    return float(np.where(falling, log, linear).sum())


def _time_above(t: FloatArray, c: FloatArray, threshold: float) -> float:
    dt = np.diff(t)
    lo, hi = c[:-1], c[1:]
    above_lo, above_hi = lo > threshold, hi > threshold
    both = above_lo & above_hi
    cross = above_lo ^ above_hi
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(
            cross, np.abs(np.where(above_hi, hi, lo) - threshold) / np.abs(hi - lo), 0.0
        )
    return float(dt[both].sum() + (dt * share)[cross].sum())


def calculate_metrics(
    times: FloatArray,
    concentrations: FloatArray,
    *,
    start: float | None = None,
    end: float | None = None,
    threshold: float | Quantity | None = None,
    css: float | Quantity | None = None,
    tau: float | None = None,
) -> Metrics:
    """Cmax, Tmax, Cmin, Cavg, AUC, Css, time to 90 % of Css, time above/below a threshold,
    peak-trough ratio, over ``[start, end]`` (hours; default the whole curve).

    Parameters
    ----------
    times, concentrations
        A curve (h, mg/L) of one subject, for example ``sim.times, sim.concentration``.
    threshold
        Concentration (mg/L or a quantity) for the time above / below.
    css
        Steady-state concentration (mg/L or a quantity); see :class:`Metrics` for the default.
    tau
        Dosing interval (h) over which the default Css is averaged.
    """
    t_all = np.asarray(times, dtype=float)
    c_all = np.asarray(concentrations, dtype=float)
    if t_all.ndim != 1 or c_all.shape != t_all.shape or t_all.size < 2:
        raise InvalidInput(
            "times and concentrations must be two curves of equal length >= 2", field="times"
        )
    first = float(t_all[0]) if start is None else float(start)
    last = float(t_all[-1]) if end is None else float(end)
    if not (t_all[0] <= first < last <= t_all[-1]):
        raise InvalidInput(
            f"the interval [{first:g}, {last:g}] h must lie within the curve "
            f"[{t_all[0]:g}, {t_all[-1]:g}] h",
            field="interval",
        )
    t, c = _window(t_all, c_all, first, last)
    auc = _auc(t, c)
    cavg = auc / (last - first)
    peak = int(np.argmax(c))
    cmin = float(c.min())
    thr = None if threshold is None else _mg_l(threshold, "threshold")
    if css is not None:
        steady = _mg_l(css, "css")
    elif tau is not None and 0 < tau <= last - first:
        tt, cc = _window(t_all, c_all, last - tau, last)
        steady = _auc(tt, cc) / tau
    else:
        steady = float(c[-1])
    reached = np.nonzero(c >= 0.9 * steady)[0] if steady > 0 else np.array([], dtype=int)
    t90: float | None = None
    if reached.size:
        i = int(reached[0])
        if i == 0:
            t90 = float(t[0])
        else:
            t90 = float(np.interp(0.9 * steady, [c[i - 1], c[i]], [t[i - 1], t[i]]))
    above = None if thr is None else _time_above(t, c, thr)
    return Metrics(
        start_h=first,
        end_h=last,
        cmax_mg_l=float(c[peak]),
        tmax_h=float(t[peak]),
        cmin_mg_l=cmin,
        cavg_mg_l=cavg,
        auc_mg_h_l=auc,
        css_mg_l=steady,
        t90_h=t90,
        threshold_mg_l=thr,
        time_above_h=above,
        time_below_h=None if above is None else (last - first) - above,
        peak_trough_ratio=float(c[peak] / cmin) if cmin > 0 else float("inf"),
    )


def _mg_l(value: float | Quantity, field: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value.to("mg/L").magnitude)
    except Exception as error:
        raise InvalidInput(f"'{field}' must be a concentration (mg/L)", field=field) from error
