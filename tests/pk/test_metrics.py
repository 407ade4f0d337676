"""Exposure metrics against hand calculations."""

from __future__ import annotations

import numpy as np
import pytest

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk import calculate_metrics, simulate_regimen
from anakinra_iv.units import Q_


def test_exponential_decline() -> None:
    """C = 10·e^(−0.2t): AUC(0–10) = 50(1 − e^(−2)) exactly (log-down), time above 5 = ln2/0.2."""
    t = np.linspace(0, 10, 41)
    m = calculate_metrics(t, 10 * np.exp(-0.2 * t), threshold=5.0)
    assert m.auc_mg_h_l == pytest.approx(50 * (1 - np.exp(-2)), rel=1e-12)
    assert m.cavg_mg_l == pytest.approx(5 * (1 - np.exp(-2)), rel=1e-12)
    assert (m.cmax_mg_l, m.tmax_h) == (10.0, 0.0)
    assert m.cmin_mg_l == pytest.approx(10 * np.exp(-2))
    assert m.time_above_h == pytest.approx(np.log(2) / 0.2, rel=1e-3)
    assert m.time_above_h + m.time_below_h == pytest.approx(10)
    assert m.peak_trough_ratio == pytest.approx(np.exp(2))


def test_interval_and_time_to_90_percent() -> None:
    """Rise 1 − e^(−t): T90 = ln 10 with css = 1; interval metrics use interpolated edges."""
    t = np.linspace(0, 10, 2001)
    c = 1 - np.exp(-t)
    m = calculate_metrics(t, c, css=Q_(1.0, "mg/L"), start=1.0, end=3.0)
    assert m.t90_h is None or m.t90_h == pytest.approx(np.log(10), rel=1e-3)
    whole = calculate_metrics(t, c, css=1.0)
    assert whole.t90_h == pytest.approx(np.log(10), rel=1e-4)
    assert m.auc_mg_h_l == pytest.approx(2 - (np.exp(-1) - np.exp(-3)), rel=1e-6)


def test_bolus_jumps_are_handled_exactly() -> None:
    """IV bolus q6h at steady state: Cavg over 24 h equals D/(CL·τ) using the curve with both
    sides of each jump."""
    sim = simulate_regimen(
        "300 mg iv bolus q6h",
        model="anakinra-adult",
        weight="70 kg",
        crcl="100 mL/min",
        hours=96,
        step=0.1,
    )
    times, values = sim.curve()
    m = calculate_metrics(times, values, start=72, end=96)
    assert m.cavg_mg_l == pytest.approx(300 / (8.2 * 6), rel=1e-3)
    assert m.cmin_mg_l < sim.concentration[(sim.times > 72) & (sim.times < 96)].min()


def test_interval_outside_the_curve_is_refused() -> None:
    """An interval beyond the simulated times names the interval."""
    with pytest.raises(InvalidInput, match="interval"):
        calculate_metrics(np.arange(5.0), np.ones(5), end=9)
