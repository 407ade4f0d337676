"""Route comparison at equal daily dose and real-world interruptions of a continuous infusion."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk import (
    compare_interruptions,
    compare_routes,
    read_dataset_text,
    simulate_dataset,
)


def test_equal_daily_dose_gives_equal_average_exposure() -> None:
    """At steady state every IV regimen averages F·D/(CL·24 h); SC ones 0.95 of it; continuous IV
    is flat (peak/trough 1) while q24h SC swings most among SC regimens."""
    comparison = compare_routes("1200 mg", weight="70 kg", crcl="90 mL/min", days=3, step=0.05)
    rows = {row.label: row.metrics for row in comparison.rows}
    css = comparison.css_mg_l
    assert rows["Continuous IV"].cavg_mg_l == pytest.approx(css, rel=2e-3)
    assert rows["IV bolus q6h"].cavg_mg_l == pytest.approx(css, rel=2e-3)
    for label in ("SC q6h", "SC q12h", "SC q24h"):
        assert rows[label].cavg_mg_l == pytest.approx(0.95 * css, rel=5e-3)
    assert rows["Continuous IV"].peak_trough_ratio == pytest.approx(1.0, abs=0.01)
    ratios = [rows[label].peak_trough_ratio for label in ("SC q6h", "SC q12h", "SC q24h")]
    assert ratios == sorted(ratios)
    assert rows["IV bolus q6h"].peak_trough_ratio > 10


def test_interruptions_lower_the_trough_in_order_of_their_length() -> None:
    """A 15-min gap at bag changes dips less than a 2-h pause, which dips less than a missed 12-h
    bag; time under 50 % of Css grows in the same order."""
    result = compare_interruptions("140 mg/h", weight="70 kg", crcl="90 mL/min", hours=72)
    rows = [row.metrics for row in result.rows]
    prescribed, gaps, pause, missed = rows
    assert prescribed.cmin_mg_l == pytest.approx(result.css_mg_l, rel=0.05)
    assert prescribed.cmin_mg_l > gaps.cmin_mg_l > pause.cmin_mg_l > missed.cmin_mg_l
    assert prescribed.time_below_h == 0
    assert (pause.time_below_h or 0) < (missed.time_below_h or 0)


def test_sc_only_model_cannot_compare_routes() -> None:
    """anakinra-urien-2013 has no IV route: the comparison is refused."""
    with pytest.raises(InvalidInput):
        compare_routes("100 mg", weight="20 kg", model="anakinra-urien-2013")


def test_modelled_rate_equals_the_same_fixed_rate() -> None:
    """RATE −1 with MRATE 20 is the infusion RATE 20; RATE −2 with DUR 5 is RATE 100/5."""
    header = "ID,TIME,EVID,AMT,CMT,RATE,MRATE,DUR\n"
    obs = "".join(f"1,{t},0,0,1,0,.,.\n" for t in range(1, 12))
    fixed = read_dataset_text(header + "1,0,1,100,1,20,.,.\n" + obs)
    modelled = read_dataset_text(header + "1,0,1,100,1,-1,20,.\n" + obs)
    duration = read_dataset_text(header + "1,0,1,100,1,-2,.,5\n" + obs)
    params = {"CL": 2.0, "V": 15.0}
    a = simulate_dataset(fixed, "one-compartment", params=params).concentrations
    b = simulate_dataset(modelled, "one-compartment", params=params).concentrations
    c = simulate_dataset(duration, "one-compartment", params=params).concentrations
    assert list(a) == pytest.approx(list(b), rel=1e-14)
    assert list(a) == pytest.approx(list(c), rel=1e-14)
