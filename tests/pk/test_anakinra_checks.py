"""Anakinra checks of pharmacokinetics.md §5.2 (publication-based, ±30 % unless exact) and the
derived values of §3.1 / §3.2 (computed with the unified model, checked to their printed digits)."""

from __future__ import annotations

import numpy as np
import pytest

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk import calculate_metrics, calculate_typical_clearance, simulate_regimen

ADULT = {"model": "anakinra-adult", "weight": "70 kg", "crcl": "100 mL/min"}


def _terminal_half_life(times: np.ndarray, values: np.ndarray, start: float, end: float) -> float:
    i, j = np.searchsorted(times, [start, end])
    slope = np.polyfit(times[i:j], np.log(values[i:j]), 1)[0]
    return float(np.log(2) / -slope)


def _auc_infinity(regimen: str, hours: float = 240, **kwargs: object) -> float:
    sim = simulate_regimen(regimen, hours=hours, step=0.01, **kwargs)  # type: ignore[arg-type]
    times, values = sim.curve()
    return calculate_metrics(times, values).auc_mg_h_l


class TestPublishedChecks:
    def test_t1_label_sc_tmax_and_half_life(self) -> None:
        """T1, Kineret label: 100 mg SC single dose, tmax 3–7 h and terminal t½ 4–6 h."""
        sim = simulate_regimen("100 mg sc", hours=48, step=0.01, **ADULT)
        tmax = sim.times[np.argmax(sim.concentration)]
        assert 3 <= tmax <= 7
        assert 4 <= _terminal_half_life(sim.times, sim.concentration, 12, 24) <= 6

    def test_t2_chinese_ra_one_mg_per_kg(self) -> None:
        """T2, Chinese RA study (doi 10.1016/j.phrs.2004.02.002): 1 mg/kg SC (~60 kg), Cmax 0.69
        mg/L ±30 %, tmax 2–6 h, t½ 3.8 h ±30 %."""
        sim = simulate_regimen(
            "1 mg/kg sc",
            model="anakinra-adult",
            weight="60 kg",
            crcl="100 mL/min",
            hours=48,
            step=0.01,
        )
        assert sim.concentration.max() == pytest.approx(0.69, rel=0.30)
        assert 2 <= sim.times[np.argmax(sim.concentration)] <= 6
        assert _terminal_half_life(sim.times, sim.concentration, 12, 24) == pytest.approx(
            3.8, rel=0.30
        )

    def test_t3_sc_auc_normal_renal(self) -> None:
        """T3, Yang 2003: 100 mg SC, CL/F 170 mL/min → AUC∞ 9.8 mg·h/L (±30 %); model 11.6."""
        auc = _auc_infinity("100 mg sc", **ADULT)
        assert auc == pytest.approx(9.8, rel=0.30)
        assert auc == pytest.approx(0.95 * 100 / 8.2, rel=2e-3)

    @pytest.mark.parametrize(
        ("crcl", "ratio_r2", "ratio_r1"), [(20, 1 / 0.30, 3.1), (5, 1 / 0.25, 3.9)]
    )
    def test_t4_renal_impairment_auc_ratios(
        self, crcl: float, ratio_r2: float, ratio_r1: float
    ) -> None:
        """T4, Yang 2003: CL/F −70 % (severe) / −75 % (ESRD) → AUC ×3.3 / ×4; R2 exact, R1 ×3.1 /
        ×3.9."""
        normal = _auc_infinity("100 mg sc", hours=400, **ADULT)
        for renal, expected, tolerance in (("R2", ratio_r2, 2e-3), ("R1", ratio_r1, 0.05)):
            impaired = _auc_infinity(
                "100 mg sc",
                hours=400,
                model="anakinra-adult",
                weight="70 kg",
                crcl=f"{crcl} mL/min",
                renal=renal,
            )
            assert impaired / normal == pytest.approx(expected, rel=tolerance)
            assert impaired / normal == pytest.approx(3.3 if crcl == 20 else 4.0, rel=0.30)

    def test_t5_iv_healthy_auc(self) -> None:
        """T5, Yang 2003: 1 mg/kg IV, CL 137 mL/min → AUC 8.5 mg·h/L at 70 kg (exact by design)."""
        auc = _auc_infinity("1 mg/kg iv bolus", **ADULT)
        assert auc == pytest.approx(70 / (137 * 60 / 1000), rel=0.01)

    def test_t6_iv_esrd_auc(self) -> None:
        """T6, Yang 2003: 1 mg/kg IV in ESRD, CL ≈ 20 mL/min → AUC ≈ 58 mg·h/L (R2-IV, 0.15)."""
        auc = _auc_infinity(
            "1 mg/kg iv bolus",
            hours=600,
            model="anakinra-adult",
            weight="70 kg",
            crcl="10 mL/min",
            renal="R2-IV",
        )
        assert auc == pytest.approx(58, rel=0.30)

    def test_t7_loading_bolus_and_infusion_sah(self) -> None:
        """T7, Clark 2008 (SAH): 100 mg + 2 mg/kg/h, Css 22 ± 4 mg/L by 15 min (±30 %); model Css
        17.1 and within −15 %…+3 % of Css from 15 min on."""
        sim = simulate_regimen(
            "100 mg iv bolus; 2 mg/kg/h civ for 72 h", hours=72, step=0.05, **ADULT
        )
        css = 140 / 8.2
        later = sim.concentration[sim.times >= 0.25]
        assert css == pytest.approx(22, rel=0.30)
        assert later.min() >= 0.85 * css and later.max() <= 1.03 * css
        assert sim.concentration[-1] == pytest.approx(css, rel=0.01)

    def test_t7_sc_only_model_cannot_reach_iv_steady_state_quickly(self) -> None:
        """T7: a 1-compartment V = 65 L model (Urien's SC volume used as if IV) needs > 24 h to
        reach 90 % of Css and is far below Css at 15 min: why anakinra-urien-2013 refuses IV
        routes."""
        params = {"CL": 6.24, "V": 65.2}
        sim = simulate_regimen(
            "140 mg/h civ for 72 h", model="one-compartment", params=params, hours=72, step=0.05
        )
        metrics = calculate_metrics(sim.times, sim.concentration, css=140 / 6.24)
        assert metrics.t90_h is not None and metrics.t90_h > 24
        loaded = simulate_regimen(
            "100 mg iv bolus; 140 mg/h civ for 72 h",
            model="one-compartment",
            params=params,
            hours=1,
            step=0.25,
        )
        assert loaded.concentration[1] < 0.15 * 140 / 6.24
        with pytest.raises(InvalidInput, match="SC-only"):
            simulate_regimen("100 mg iv bolus", model="anakinra-urien-2013", weight="70 kg")

    def test_t8_dose_proportional_steady_state(self) -> None:
        """T8, linearity: 72 h infusions at 1 and 2 mg/kg/h give Css 8.5 and 17.1 mg/L."""
        low = simulate_regimen("1 mg/kg/h civ for 72 h", hours=72, step=1, **ADULT).concentration[
            -1
        ]
        high = simulate_regimen("2 mg/kg/h civ for 72 h", hours=72, step=1, **ADULT).concentration[
            -1
        ]
        assert high / low == pytest.approx(2.0, rel=1e-12)
        assert (low, high) == (pytest.approx(8.5, abs=0.05), pytest.approx(17.1, abs=0.05))

    def test_t9_dialysis_adds_no_clearance(self) -> None:
        """T9, Yang 2003: < 2.5 % of a dose removed by haemodialysis; the model has no dialysis
        term, so clearance depends on creatinine clearance only."""
        clearance = calculate_typical_clearance("anakinra-adult", "70 kg", "10 mL/min", renal="R2")
        assert clearance.to("L/h").magnitude == pytest.approx(8.2 * 0.25)

    def test_t10_urien_child_average_concentration(self) -> None:
        """T10, Urien 2013: child 20 kg, 2 mg/kg/day SC: Cavg = 40/24/(6.24·(20/70)^0.47) ≈ 0.48
        mg/L (exact, formula)."""
        sim = simulate_regimen(
            "40 mg sc q24h", model="anakinra-urien-2013", weight="20 kg", hours=24 * 20, step=0.05
        )
        metrics = calculate_metrics(sim.times, sim.concentration, start=24 * 19, end=24 * 20)
        expected = 40 / 24 / (6.24 * (20 / 70) ** 0.47)
        assert expected == pytest.approx(0.48, abs=0.005)
        assert metrics.cavg_mg_l == pytest.approx(expected, rel=2e-3)

    def test_t11_no_accumulation_with_daily_sc(self) -> None:
        """T11, label: 100 mg SC daily for up to 24 weeks shows no unexpected accumulation
        (model accumulation ratio ≈ 1.03)."""
        sim = simulate_regimen("100 mg sc q24h x 168", hours=24 * 168, step=0.1, **ADULT)
        first = sim.concentration[sim.times <= 24].max()
        last = sim.concentration[(sim.times >= 24 * 167) & (sim.times <= 24 * 168)].max()
        assert last / first == pytest.approx(1.03, abs=0.02)

    def test_t12_heavier_patients_have_lower_exposure(self) -> None:
        """T12, body-weight study (PMC6662383): AUC 24 % (IV) and 33 % (SC) lower in ≥ 100 kg than
        in ≤ 90 kg (±30 % of the reduction); groups represented by 115 and 75 kg [inferred]."""
        for route, reduction in (("100 mg iv bolus", 0.24), ("100 mg sc", 0.33)):
            light = _auc_infinity(route, model="anakinra-adult", weight="75 kg", crcl="100 mL/min")
            heavy = _auc_infinity(route, model="anakinra-adult", weight="115 kg", crcl="100 mL/min")
            assert 1 - heavy / light == pytest.approx(reduction, rel=0.30)


class TestDerivedValues:
    def test_iv_bolus_profile(self) -> None:
        """§3.1: 100 mg IV bolus: C0 20, 2.8 mg/L at 1 h, 0.24 mg/L at 4 h."""
        c = simulate_regimen("100 mg iv bolus", hours=4, step=1, **ADULT).concentration
        assert (c[0], c[1], c[4]) == (
            pytest.approx(20),
            pytest.approx(2.8, abs=0.05),
            pytest.approx(0.24, abs=0.005),
        )

    def test_loading_plus_infusion_profile(self) -> None:
        """§3.1: 100 mg + 140 mg/h: 17.5, 14.9, 14.6, 16.1, 17.0 mg/L at 0.25, 1, 2, 8, 24 h."""
        sim = simulate_regimen(
            "100 mg iv bolus; 140 mg/h civ for 72 h", hours=24, step=0.25, **ADULT
        )
        values = [sim.concentration[int(t / 0.25)] for t in (0.25, 1, 2, 8, 24)]
        assert values == pytest.approx([17.5, 14.9, 14.6, 16.1, 17.0], abs=0.05)

    def test_sc_single_dose(self) -> None:
        """§3.1: 100 mg SC: Cmax 0.99 mg/L at 4.7 h, C24 0.07 mg/L, apparent t½ 4.3 h (12–24 h)."""
        sim = simulate_regimen("100 mg sc", hours=48, step=0.01, **ADULT)
        c = sim.concentration
        assert c.max() == pytest.approx(0.99, abs=0.005)
        assert sim.times[np.argmax(c)] == pytest.approx(4.7, abs=0.05)
        assert c[2400] == pytest.approx(0.07, abs=0.005)
        assert _terminal_half_life(sim.times, c, 12, 24) == pytest.approx(4.3, abs=0.05)

    @pytest.mark.parametrize(
        ("crcl", "cl", "cmax", "tmax", "ss_cmax", "ss_cmin", "ss_cavg"),
        [
            (100, 8.2, 0.99, 4.7, 1.02, 0.070, 0.48),
            (65, 5.0, 1.47, 5.2, 1.55, 0.16, 0.80),
            (40, 3.5, 1.90, 5.6, 2.05, 0.31, 1.14),
            (20, 2.6, 2.28, 6.1, 2.55, 0.51, 1.51),
            (5, 2.1, 2.59, 6.5, 3.00, 0.73, 1.87),
        ],
    )
    def test_renal_table_r1(
        self,
        crcl: float,
        cl: float,
        cmax: float,
        tmax: float,
        ss_cmax: float,
        ss_cmin: float,
        ss_cavg: float,
    ) -> None:
        """§3.2 table (R1, 100 mg SC): CL, single-dose Cmax and tmax, QD steady-state metrics."""
        kwargs = {"model": "anakinra-adult", "weight": "70 kg", "crcl": f"{crcl} mL/min"}
        assert calculate_typical_clearance(
            "anakinra-adult", "70 kg", f"{crcl} mL/min"
        ).magnitude == (pytest.approx(cl, abs=0.05))
        single = simulate_regimen("100 mg sc", hours=48, step=0.01, **kwargs)
        assert single.concentration.max() == pytest.approx(cmax, abs=0.01)
        assert single.times[np.argmax(single.concentration)] == pytest.approx(tmax, abs=0.05)
        daily = simulate_regimen("100 mg sc q24h", hours=24 * 15, step=0.01, **kwargs)
        m = calculate_metrics(daily.times, daily.concentration, start=24 * 14, end=24 * 15)
        assert (m.cmax_mg_l, m.cmin_mg_l, m.cavg_mg_l) == (
            pytest.approx(ss_cmax, abs=0.01),
            pytest.approx(ss_cmin, abs=0.01),
            pytest.approx(ss_cavg, abs=0.01),
        )
