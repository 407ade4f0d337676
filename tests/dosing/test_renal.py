"""Creatinine clearance (Cockcroft-Gault 1976), ideal body weight (Devine 1974), renal rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.dosing import (
    calculate_creatinine_clearance,
    calculate_dose_plan,
    calculate_dosing_weight,
    calculate_renal_adjustment,
    create_patient,
)
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import get_protocol
from anakinra_iv.units import Q_

ADULT = get_protocol("adult-mas-civ")


class TestCockcroftGault:
    def test_male_worked_case(self) -> None:
        """(140 - 40) x 72 / (72 x 1.0) = 100 mL/min (hand calculation)."""
        p = create_patient(weight="72 kg", age=40, sex="male", creatinine="1.0 mg/dL")
        crcl = calculate_creatinine_clearance(p, ADULT)
        assert crcl is not None
        assert crcl.value.to("mL/min").magnitude == pytest.approx(100.0)
        assert crcl.method == "cockcroft-gault"

    def test_female_factor(self) -> None:
        """(140 - 54) x 70 / (72 x 1.0) x 0.85 = 6020 / 72 x 0.85 = 71.069 mL/min."""
        p = create_patient(weight="70 kg", age=54, sex="female", creatinine="1.0 mg/dL")
        crcl = calculate_creatinine_clearance(p, ADULT)
        assert crcl is not None
        assert crcl.value.magnitude == pytest.approx(6020 / 72 * 0.85)
        assert "0.85" in crcl.formula and "70.0 kg" in crcl.formula

    def test_creatinine_in_umol_per_l(self) -> None:
        """176.8 umol/L = 2.0 mg/dL (x 113.12 g/mol): (140-60) x 80 / (72 x 2) = 44.44 mL/min."""
        p = create_patient(weight="80 kg", age=60, sex="male", creatinine="176.8 umol/L")
        crcl = calculate_creatinine_clearance(p, ADULT)
        assert crcl is not None
        assert crcl.value.magnitude == pytest.approx(80 * 80 / 144, rel=1e-3)

    def test_measured_clearance_wins(self) -> None:
        """A measured CrCl is used as given, not recomputed."""
        p = create_patient(
            weight="70 kg", age=54, sex="male", creatinine="1 mg/dL", measured_crcl="35 mL/min"
        )
        crcl = calculate_creatinine_clearance(p, ADULT)
        assert crcl is not None and crcl.method == "measured"
        assert crcl.value.magnitude == 35

    def test_no_creatinine_gives_none(self) -> None:
        """Without creatinine or a measured value there is no clearance to report."""
        p = create_patient(weight="70 kg", age=54, sex="male")
        assert calculate_creatinine_clearance(p, ADULT) is None


class TestDosingWeight:
    def test_devine_ideal_weight_male(self) -> None:
        """180 cm = 70.866 in: 50 + 2.3 x 10.866 = 74.99 kg (Devine 1974)."""
        p = create_patient(weight="100 kg", age=50, sex="male", height="180 cm")
        assert calculate_dosing_weight(p, "ideal", None).magnitude == pytest.approx(
            50 + 2.3 * (180 / 2.54 - 60)
        )

    def test_adjusted_weight(self) -> None:
        """Female 165 cm: IBW 45.5 + 2.3 x 4.961 = 56.91; adjusted = IBW + 0.4 x (90 - IBW)."""
        p = create_patient(weight="90 kg", age=50, sex="female", height="165 cm")
        ibw = 45.5 + 2.3 * (165 / 2.54 - 60)
        factor = ADULT.renal.adjusted_weight_factor
        assert factor is not None and factor.value == 0.4
        assert calculate_dosing_weight(p, "adjusted", factor).magnitude == pytest.approx(
            ibw + 0.4 * (90 - ibw)
        )

    def test_adjusted_weight_of_a_lean_patient_is_the_actual_weight(self) -> None:
        """Below ideal weight, adjusting would add weight: the actual weight is used."""
        p = create_patient(weight="50 kg", age=50, sex="male", height="180 cm")
        factor = ADULT.renal.adjusted_weight_factor
        assert calculate_dosing_weight(p, "adjusted", factor).magnitude == 50

    def test_ideal_weight_needs_height(self) -> None:
        """The error names 'height' when the protocol asks for ideal weight."""
        p = create_patient(weight="70 kg", age=50, sex="male")
        with pytest.raises(InvalidInput, match="'height'"):
            calculate_dosing_weight(p, "ideal", None)


class TestRenalAdjustment:
    @pytest.mark.parametrize(
        ("crcl", "ratio"),
        [("29.9 mL/min", 0.30), ("20 mL/min", 0.30), ("14 mL/min", 0.15)],
    )
    def test_ratio_below_threshold(self, crcl: str, ratio: float) -> None:
        """Below 30 mL/min the rate scales by 0.30 (severe) or 0.15 (ESRD, Yang 2003)."""
        p = create_patient(weight="70 kg", age=60, sex="male", measured_crcl=crcl)
        plan = calculate_dose_plan(ADULT, p, step=3)
        assert plan.renal_adjustment is not None
        assert plan.renal_adjustment.suggested_daily_dose.magnitude == pytest.approx(1200 * ratio)
        assert plan.renal_adjustment.suggested_rate.magnitude == pytest.approx(50 * ratio)
        assert not plan.renal_adjustment.applied
        assert plan.daily_dose.magnitude == 1200, "not applied without confirmation"

    def test_at_threshold_no_adjustment(self) -> None:
        """The rule is CrCl below 30: exactly 30 mL/min needs no adjustment."""
        p = create_patient(weight="70 kg", age=60, sex="male", measured_crcl="30 mL/min")
        assert calculate_dose_plan(ADULT, p, step=3).renal_adjustment is None

    def test_confirmed_adjustment_is_applied(self) -> None:
        """Confirmed: 1200 mg/day x 0.30 = 360 mg/day = 15 mg/h."""
        p = create_patient(weight="70 kg", age=60, sex="male", measured_crcl="20 mL/min")
        plan = calculate_dose_plan(ADULT, p, step=3, apply_renal_adjustment=True)
        assert plan.daily_dose.magnitude == pytest.approx(360)
        assert plan.rate.to("mg/h").magnitude == pytest.approx(15)

    def test_haemodialysis_uses_the_esrd_ratio(self) -> None:
        """On haemodialysis the IV ESRD ratio 0.15 applies whatever the creatinine."""
        p = create_patient(
            weight="70 kg", age=60, sex="male", creatinine="1 mg/dL", renal_replacement="HD"
        )
        adj = calculate_renal_adjustment(ADULT, p, None, Q_(1200, "mg/day"), apply=False)
        assert adj is not None and adj.ratio.value == 0.15

    def test_crrt_suggests_no_reduction(self) -> None:
        """CRRT may not reduce the need (SCCM 2022): no adjustment, a cited reason instead."""
        p = create_patient(
            weight="70 kg", age=60, sex="male", measured_crcl="10 mL/min", renal_replacement="crrt"
        )
        plan = calculate_dose_plan(ADULT, p, step=3)
        assert plan.renal_adjustment is None
        assert any(r.source == "sccm-2022-cvvhdf" for r in plan.reasons)

    @given(st.floats(min_value=0.5, max_value=29.99))
    def test_adjusted_dose_never_exceeds_the_unadjusted(self, crcl: float) -> None:
        """A renal adjustment only ever lowers the dose."""
        p = create_patient(weight="70 kg", age=60, sex="male", measured_crcl=f"{crcl} mL/min")
        plan = calculate_dose_plan(ADULT, p, step=6, override_reason="refractory MAS")
        assert plan.renal_adjustment is not None
        assert plan.renal_adjustment.suggested_daily_dose < plan.daily_dose
