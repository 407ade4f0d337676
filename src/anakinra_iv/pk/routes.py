"""Route comparison at equal daily dose, and the effect of real-world infusion interruptions.

Both are built from ordinary regimen texts, shown with the results, so that every curve can be
reproduced with ``anakinra simulate --regimen``.

Examples
--------
>>> comparison = compare_routes("1200 mg", weight="70 kg", crcl="90 mL/min", days=2, step=0.25)
>>> [row.label for row in comparison.rows]
['Continuous IV', 'IV bolus q6h', 'SC q6h', 'SC q12h', 'SC q24h']
>>> round(comparison.rows[0].metrics.peak_trough_ratio, 1)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anakinra_iv.errors import InvalidInput, UnitMismatch
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.metrics import Metrics, calculate_metrics
from anakinra_iv.pk.parameters import PkModel
from anakinra_iv.pk.simulate import patient_covariates, resolve_model, simulate_regimen
from anakinra_iv.units import Quantity, parse_quantity

__all__ = [
    "RouteComparison",
    "ScenarioResult",
    "compare_interruptions",
    "compare_routes",
]


@dataclass(frozen=True)
class ScenarioResult:
    """One curve of a comparison: its label, regimen text, curve and metrics."""

    label: str
    regimen: str
    concentrations: FloatArray
    metrics: Metrics


@dataclass(frozen=True)
class RouteComparison:
    """Curves on a shared time grid (h, mg/L) and metrics over ``metrics_window_h``."""

    title: str
    model: str
    times: FloatArray
    rows: tuple[ScenarioResult, ...]
    metrics_window_h: tuple[float, float]
    css_mg_l: float


def _number(value: float) -> str:
    return f"{value:.6g}"


def _daily_mg(daily_dose: Quantity | str) -> float:
    """A daily dose in mg/day: ``"1200 mg"`` on this field is per day; ``"1200 mg/day"`` and
    ``"50 mg/h"`` are read as written."""
    for unit in ("mg/day", "mg"):
        try:
            return float(parse_quantity(daily_dose, field="daily_dose", unit=unit).magnitude)
        except UnitMismatch:
            continue
    return float(parse_quantity(daily_dose, field="daily_dose", unit="mg/day").magnitude)


def _css(
    model: PkModel, covariates: dict[str, float | None], daily_mg: float, renal: str | None
) -> float:
    """Steady-state average of the IV infusion (the IV renal option unless one is given)."""
    arrays = {
        k: np.asarray([v], dtype=float)
        for k, v in covariates.items()
        if k in model.covariates and v is not None
    }
    option = model.choose_renal_option(renal, iv_only=True)
    cl = float(model.individual_parameters(arrays, renal=option)["CL"][0])
    return daily_mg / 24.0 / cl


def _run(
    label: str,
    text: str,
    model: PkModel,
    weight: Quantity | str,
    crcl: Quantity | str | None,
    hours: float,
    step: float,
    window: tuple[float, float],
    css: float,
    threshold: float | None,
    renal: str | None,
    age: float | None = None,
) -> tuple[FloatArray, ScenarioResult]:
    sim = simulate_regimen(
        text, model=model, weight=weight, crcl=crcl, hours=hours, step=step, renal=renal, age=age
    )
    times, values = sim.curve()
    whole = calculate_metrics(times, values, css=css, threshold=threshold)
    window_metrics = calculate_metrics(
        times, values, start=window[0], end=window[1], css=css, threshold=threshold
    )
    metrics = Metrics(**{**window_metrics.__dict__, "t90_h": whole.t90_h})
    return sim.times, ScenarioResult(label, text, sim.concentration, metrics)


def compare_routes(
    daily_dose: Quantity | str,
    *,
    weight: Quantity | str,
    crcl: Quantity | str | None = None,
    model: PkModel | str = "anakinra-adult",
    days: int = 3,
    step: float = 0.05,
    threshold: float | None = None,
    renal: str | None = None,
    age: float | None = None,
) -> RouteComparison:
    """Continuous IV vs IV bolus q6h vs SC q6h/q12h/q24h at the same daily dose.

    Metrics (Cmax, Cmin, Cavg, peak-trough ratio ...) are taken over the last 24 h, when every
    regimen is close to steady state; the time to 90 % of the steady-state average
    (``F·dose/(CL·24 h)`` for IV) is taken from the start. Clearance is the patient's, whatever
    the route: without ``renal`` every regimen uses the model's IV-derived renal option (Yang
    2003 measured the IV clearance in end-stage renal disease). ``daily_dose`` is mg/day (plain
    mg on this field means per day).
    """
    pk_model = resolve_model(model)
    pk_model.check_applicability(age_years=age)
    renal = pk_model.choose_renal_option(renal, iv_only=True)
    daily = _daily_mg(daily_dose)
    if days < 1:
        raise InvalidInput("'days' must be at least 1", field="days", value=days)
    hours = 24.0 * days
    covariates = patient_covariates(pk_model, weight, crcl)
    css = _css(pk_model, covariates, daily, renal)
    window = (hours - 24.0, hours)
    scenarios = [
        ("Continuous IV", f"{_number(daily / 24)} mg/h civ for {_number(hours)} h"),
        ("IV bolus q6h", f"{_number(daily / 4)} mg iv bolus q6h"),
        ("SC q6h", f"{_number(daily / 4)} mg sc q6h"),
        ("SC q12h", f"{_number(daily / 2)} mg sc q12h"),
        ("SC q24h", f"{_number(daily)} mg sc q24h"),
    ]
    if "sc" not in pk_model.routes or "iv" not in pk_model.routes:
        raise InvalidInput(
            f"model '{pk_model.name}' cannot compare IV and SC routes", field="model"
        )
    times: FloatArray = np.zeros(0)
    rows = []
    for label, text in scenarios:
        times, row = _run(
            label, text, pk_model, weight, crcl, hours, step, window, css, threshold, renal, age
        )
        rows.append(row)
    return RouteComparison(
        title=f"Anakinra {_number(daily)} mg/day by route ({pk_model.name})",
        model=pk_model.name,
        times=times,
        rows=tuple(rows),
        metrics_window_h=window,
        css_mg_l=css,
    )


def compare_interruptions(
    rate: Quantity | str,
    *,
    weight: Quantity | str,
    crcl: Quantity | str | None = None,
    model: PkModel | str = "anakinra-adult",
    hours: float = 72.0,
    bag_hours: float = 12.0,
    gap_minutes: float = 15.0,
    pause_at_h: float = 30.0,
    pause_hours: float = 2.0,
    missed_bag_at_h: float = 36.0,
    step: float = 0.05,
    renal: str | None = None,
    age: float | None = None,
) -> RouteComparison:
    """A continuous infusion as prescribed, with gaps at bag changes, one pause, one missed bag.

    Metrics are over the run after the first 12 h (the rise to steady state is not an interruption);
    ``time_below_h`` counts the time under 50 % of Css (= R/CL) in that window.
    """
    pk_model = resolve_model(model)
    pk_model.check_applicability(age_years=age)
    rate_mg_h = float(parse_quantity(rate, field="rate", unit="mg/h").magnitude)
    covariates = patient_covariates(pk_model, weight, crcl)
    css = _css(pk_model, covariates, rate_mg_h * 24.0, renal)
    r = _number(rate_mg_h)
    bags = int(np.ceil(hours / bag_hours))
    run = _number(bag_hours - gap_minutes / 60.0)
    scenarios = [
        ("As prescribed", f"{r} mg/h civ for {_number(hours)} h"),
        (
            f"{_number(gap_minutes)} min gap at each bag change",
            f"{r} mg/h civ for {run} h q{_number(bag_hours)}h x {bags}",
        ),
        (
            f"Paused {_number(pause_hours)} h at {_number(pause_at_h)} h",
            f"{r} mg/h civ for {_number(pause_at_h)} h; {r} mg/h civ for "
            f"{_number(hours - pause_at_h - pause_hours)} h "
            f"at {_number(pause_at_h + pause_hours)} h",
        ),
        (
            f"Missed bag at {_number(missed_bag_at_h)} h",
            f"{r} mg/h civ for {_number(missed_bag_at_h)} h; {r} mg/h civ for "
            f"{_number(hours - missed_bag_at_h - bag_hours)} h "
            f"at {_number(missed_bag_at_h + bag_hours)} h",
        ),
    ]
    window = (min(12.0, hours / 2), hours)
    times: FloatArray = np.zeros(0)
    rows = []
    for label, text in scenarios:
        times, row = _run(
            label, text, pk_model, weight, crcl, hours, step, window, css, css * 0.5, renal, age
        )
        rows.append(row)
    return RouteComparison(
        title=f"Anakinra {r} mg/h continuous infusion: interruptions ({pk_model.name})",
        model=pk_model.name,
        times=times,
        rows=tuple(rows),
        metrics_window_h=window,
        css_mg_l=css,
    )
