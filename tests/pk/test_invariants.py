"""Invariants that hold whatever the parameters (pharmacokinetics.md §5.1; mrgsolve
test-infusion.R)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.pk import calculate_metrics, read_dataset_text, simulate_dataset, simulate_regimen

from .helpers import PARAMETERS, assert_relative

TWO = PARAMETERS["two-compartment"]


def _sim(
    regimen: str,
    model: str = "two-compartment",
    hours: float = 72,
    step: float = 0.25,
    params: dict[str, float] | None = None,
) -> np.ndarray:
    return simulate_regimen(
        regimen, model=model, params=params or PARAMETERS[model], hours=hours, step=step
    ).concentration


class TestInfusions:
    def test_consecutive_infusions_equal_one_long_one(self) -> None:
        """Three back-to-back 12 h bags at 100 mg/h equal one 36 h infusion."""
        split = _sim(
            "100 mg/h civ for 12 h; 100 mg/h civ for 12 h at 12 h; 100 mg/h civ for 12 h at 24 h"
        )
        whole = _sim("100 mg/h civ for 36 h")
        assert_relative(split, whole, 1e-12)

    @pytest.mark.parametrize("css", [2.0, 17.1])
    def test_loading_dose_plus_matching_infusion_is_flat(self, css: float) -> None:
        """One compartment: a bolus of Css·V plus an infusion at CL·Css holds C = Css from t = 0."""
        cl, v = PARAMETERS["one-compartment"]["CL"], PARAMETERS["one-compartment"]["V"]
        curve = _sim(
            f"{css * v} mg iv bolus; {css * cl} mg/h civ for 48 h",
            model="one-compartment",
            hours=48,
        )
        assert_relative(curve, np.full_like(curve, css), 1e-12)

    def test_peak_of_an_infusion_falls_at_its_end(self) -> None:
        """A 1-h infusion peaks at 1 h, when it stops (mrgsolve test-infusion.R)."""
        sim = simulate_regimen(
            "200 mg iv over 1 h", model="two-compartment", params=TWO, hours=12, step=0.05
        )
        assert sim.times[np.argmax(sim.concentration)] == pytest.approx(1.0)

    def test_continuous_infusion_reaches_r_over_cl(self) -> None:
        """Css = R/CL, whatever the distribution."""
        curve = _sim("100 mg/h civ for 2000 h", hours=2000, step=10, model="three-compartment")
        assert curve[-1] == pytest.approx(100 / PARAMETERS["three-compartment"]["CL"], rel=1e-3)


class TestSuperposition:
    @settings(max_examples=25, deadline=None)
    @given(
        first=st.tuples(st.floats(1, 500), st.floats(0, 24)),
        second=st.tuples(st.floats(1, 500), st.floats(0, 24), st.floats(0.5, 6)),
    )
    def test_doses_superpose(
        self, first: tuple[float, float], second: tuple[float, float, float]
    ) -> None:
        """C(bolus + infusion) = C(bolus) + C(infusion) for a linear model."""
        (a, ta), (b, tb, d) = first, second
        bolus = f"{a:.4f} mg iv bolus at {ta:.3f} h"
        infusion = f"{b:.4f} mg iv over {d:.3f} h at {tb:.3f} h"
        both = _sim(f"{bolus}; {infusion}", hours=48)
        assert_relative(both, _sim(bolus, hours=48) + _sim(infusion, hours=48), 1e-10, floor=1e-12)

    def test_addl_equals_explicit_records(self) -> None:
        """A dose with ADDL 3 / II 12 equals four separate records (split vs merged)."""
        observations = [(t, f"1,{t},0,0,2,0,0\n") for t in range(0, 60, 2)]
        doses = [(t, f"1,{t},1,100,1,0,0\n") for t in (0, 12, 24, 36)]
        header = "ID,TIME,EVID,AMT,CMT,II,ADDL\n"
        merged = read_dataset_text(
            header + "1,0,1,100,1,12,3\n" + "".join(r for _, r in observations)
        )
        split = read_dataset_text(header + "".join(r for _, r in sorted(doses + observations)))
        model, params = "two-compartment-absorption", PARAMETERS["two-compartment-absorption"]
        a = simulate_dataset(merged, model, params=params).concentrations
        b = simulate_dataset(split, model, params=params).concentrations
        assert_relative(a, b, 1e-12)


class TestExposure:
    @pytest.mark.parametrize(
        ("model", "regimen", "f"),
        [
            ("one-compartment", "100 mg iv bolus", 1.0),
            ("two-compartment", "300 mg iv over 2 h", 1.0),
            ("three-compartment", "100 mg iv bolus", 1.0),
            ("one-compartment-absorption", "100 mg sc", 0.7),
            ("two-compartment-absorption", "100 mg sc", 0.7),
        ],
    )
    def test_auc_zero_to_infinity_is_f_dose_over_cl(
        self, model: str, regimen: str, f: float
    ) -> None:
        """AUC(0–∞) = F·D/CL for every route (tail extrapolated from the terminal slope)."""
        params = dict(PARAMETERS[model])
        if "KA" in params:
            params["F1"] = f
        sim = simulate_regimen(regimen, model=model, params=params, hours=400, step=0.02)
        times, values = sim.curve()
        auc = calculate_metrics(times, values).auc_mg_h_l
        slope = np.log(values[-2] / values[-1]) / (times[-1] - times[-2])
        auc += values[-1] / slope
        dose = 300.0 if "300" in regimen else 100.0
        assert auc == pytest.approx(f * dose / params["CL"], rel=1e-4)

    def test_steady_state_equals_the_limit_of_repeated_doses(self) -> None:
        """An SS=1 dose equals the same dose given 40 times before (trough and profile)."""
        text = "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL,SS\n"
        steady = read_dataset_text(
            text
            + "1,480,1,100,2,25,12,1,1\n"
            + "".join(f"1,{480 + t},0,0,2,0,0,0,0\n" for t in range(24))
        )
        repeated = read_dataset_text(
            text
            + "1,0,1,100,2,25,12,41,0\n"
            + "".join(f"1,{480 + t},0,0,2,0,0,0,0\n" for t in range(24))
        )
        model, params = "two-compartment-absorption", PARAMETERS["two-compartment-absorption"]
        a = simulate_dataset(steady, model, params=params).concentrations
        b = simulate_dataset(repeated, model, params=params).concentrations
        assert_relative(a, b, 1e-9)


class TestCovariates:
    def test_falling_creatinine_clearance_changes_clearance_from_its_record(self) -> None:
        """LOCF: CRCL drops from 100 to 30 mL/min at 24 h; before 24 h the curve is the normal one,
        afterwards concentrations rise towards R/CL(30)."""
        header = "ID,TIME,EVID,AMT,CMT,RATE,CRCL,WT\n"
        dose = "1,0,1,14400,2,100,100,70\n"
        obs = "".join(f"1,{t},0,0,2,0,.,.\n" for t in range(0, 24))
        change = "1,24,2,0,2,0,30,.\n"
        later = "".join(f"1,{t},0,0,2,0,.,.\n" for t in range(24, 144))
        varying = read_dataset_text(header + dose + obs + change + later)
        constant = read_dataset_text(header + dose + obs + later)
        a = simulate_dataset(varying, "anakinra-adult").concentrations
        b = simulate_dataset(constant, "anakinra-adult").concentrations
        assert_relative(a[:25], b[:25], 1e-12)
        assert a[30] > b[30] * 1.2
        cl_30 = 8.2 * 10 ** (0.0062 * (30 - 100))
        assert a[-1] == pytest.approx(100 / cl_30, rel=0.01)
