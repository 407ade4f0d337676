"""Dosing reproductions of issue 9, each named after its defect, with the source of its numbers.

Children's renal function, the per-kg hard limit, the renal rule's edges, plausibility limits,
the loading dose, the SC transition. Hand calculations are written out in each docstring.
"""

from __future__ import annotations

import pytest

from anakinra_iv.dosing import (
    calculate_creatinine_clearance,
    calculate_dose_plan,
    create_patient,
)
from anakinra_iv.errors import DoseLimitExceeded, InvalidInput
from anakinra_iv.protocol import get_protocol
from anakinra_iv.units import Q_

ADULT = get_protocol("adult-mas-civ")
CHILD = get_protocol("paediatric-mas-civ")


class TestChildrenGetTheirOwnRenalFormula:
    def test_children_get_the_bedside_schwartz_egfr_not_cockcroft_gault(self) -> None:
        """Neonate 3.5 kg, creatinine 0.4 mg/dL, 52 cm: Cockcroft-Gault gave 17 mL/min and
        'scale by 0.3'. Bedside Schwartz (schwartz-2009): 0.413 x 52 / 0.4 = 53.7 mL/min/1.73 m2,
        above the paediatric threshold of 30 (precise-trips-2023): no adjustment."""
        neonate = create_patient(
            weight="3.5 kg", age=0, sex="male", creatinine="0.4 mg/dL", height="52 cm"
        )
        crcl = calculate_creatinine_clearance(neonate, CHILD)
        assert crcl is not None and crcl.method == "bedside-schwartz" and crcl.normalised
        assert crcl.value.magnitude == pytest.approx(0.413 * 52 / 0.4)
        plan = calculate_dose_plan(CHILD, neonate, step=1)
        assert plan.renal_adjustment is None
        assert any("derived in children from 1 year" in w for w in plan.warnings)

    def test_a_child_without_height_is_asked_for_it(self) -> None:
        """Without a height Schwartz cannot be computed: no estimate, and the plan says 'height'
        is needed (not a silent adult formula)."""
        child = create_patient(weight="20 kg", age=8, sex="female", creatinine="0.5 mg/dL")
        assert calculate_creatinine_clearance(child, CHILD) is None
        plan = calculate_dose_plan(CHILD, child, step=1)
        assert any("'height' is needed" in w and "Schwartz" in w for w in plan.warnings)

    def test_paediatric_threshold_applies_per_1_73_m2(self) -> None:
        """10 years, 140 cm, creatinine 2.0 mg/dL: 0.413 x 140 / 2 = 28.9 < 30 mL/min/1.73 m2:
        the severe ratio 0.30 (yang-2003) applies."""
        child = create_patient(
            weight="32 kg", age=10, sex="male", creatinine="2.0 mg/dL", height="140 cm"
        )
        plan = calculate_dose_plan(CHILD, child, step=3)
        assert plan.renal_adjustment is not None
        assert plan.renal_adjustment.ratio.value == 0.30
        assert "mL/min/1.73 m2" in plan.renal_adjustment.category


class TestPerKgHardLimit:
    def test_a_30_kg_adult_cannot_get_80_mg_per_kg_per_day(self) -> None:
        """2400 mg/day at 30 kg is 80 mg/kg/day: above the per-kg maximum of 48 mg/kg/day
        (2 mg/kg/h, the highest studied IV exposure, fisher-1994-jama; status precedent) it is
        refused even with a reason; 48 x 30 = 1440 mg/day is allowed."""
        light = create_patient(weight="30 kg", age=40, sex="female")
        with pytest.raises(DoseLimitExceeded, match="48 mg/kg/day"):
            calculate_dose_plan(ADULT, light, daily_dose=Q_(2400, "mg/day"), override_reason="x")
        plan = calculate_dose_plan(ADULT, light, daily_dose=Q_(1440, "mg/day"), override_reason="x")
        assert plan.dose_per_kg_per_day.magnitude == pytest.approx(48)
        assert ADULT.limits.per_kg_hard_max is not None
        assert ADULT.limits.per_kg_hard_max.status == "precedent"

    def test_an_adult_under_30_kg_is_no_longer_refused_by_both_protocols(self) -> None:
        """A 25 kg adult: the adult protocol (from 20 kg, site-decision) gives step 1 = 400 mg/day
        (16 mg/kg/day); the paediatric protocol still ends below 18 years."""
        adult = create_patient(weight="25 kg", age=30, sex="female")
        assert calculate_dose_plan(ADULT, adult, step=1).daily_dose.magnitude == 400
        with pytest.raises(InvalidInput, match="'age'"):
            calculate_dose_plan(CHILD, adult, step=1)


class TestRenalRuleEdges:
    def test_renal_dose_is_never_below_the_hard_minimum(self) -> None:
        """Haemodialysis at step 1: 400 x 0.15 (IV ESRD ratio, yang-2003) = 60 mg/day, below the
        hard minimum of 100 mg/day: the suggestion is 100, and confirming it works."""
        patient = create_patient(weight="70 kg", age=60, sex="male", renal_replacement="HD")
        plan = calculate_dose_plan(ADULT, patient, step=1)
        assert plan.renal_adjustment is not None
        assert plan.renal_adjustment.suggested_daily_dose.magnitude == pytest.approx(100)
        applied = calculate_dose_plan(ADULT, patient, step=1, apply_renal_adjustment=True)
        assert applied.daily_dose.magnitude == pytest.approx(100)
        assert applied.limit_status == "within"

    def test_limit_status_is_recomputed_after_the_adjustment(self) -> None:
        """Step 5 = 2000 mg/day is above the 1600 soft maximum; x 0.30 (CrCl 20) = 600 mg/day is
        within: the applied plan says 'within', not 'above_soft'."""
        patient = create_patient(weight="70 kg", age=60, sex="male", measured_crcl="20 mL/min")
        plan = calculate_dose_plan(
            ADULT, patient, step=5, apply_renal_adjustment=True, override_reason="refractory"
        )
        assert plan.daily_dose.magnitude == pytest.approx(600)
        assert plan.limit_status == "within"

    def test_renal_dose_below_the_soft_minimum_needs_no_override(self) -> None:
        """Step 1 x 0.30 = 120 mg/day is below the 400 soft minimum, but the protocol's own renal
        rule derived it: no override reason is asked for."""
        patient = create_patient(weight="70 kg", age=60, sex="male", measured_crcl="20 mL/min")
        plan = calculate_dose_plan(ADULT, patient, step=1, apply_renal_adjustment=True)
        assert plan.daily_dose.magnitude == pytest.approx(120)
        assert plan.limit_status == "within"
        assert any("renal rule: no override needed" in r.text for r in plan.reasons)

    def test_obese_adult_uses_adjusted_body_weight(self) -> None:
        """120 kg, 170 cm, male, 50 y, creatinine 2: IBW = 50 + 2.3 x (170/2.54 - 60) = 65.94
        (devine-1974); 120 > 1.2 x IBW, so adjusted = 65.94 + 0.4 x (120 - 65.94) = 87.57 kg;
        CrCl = (140 - 50) x 87.57 / (72 x 2) = 54.7 mL/min (actual weight would give 75)."""
        patient = create_patient(
            weight="120 kg", age=50, sex="male", creatinine="2 mg/dL", height="170 cm"
        )
        crcl = calculate_creatinine_clearance(patient, ADULT)
        ibw = 50 + 2.3 * (170 / 2.54 - 60)
        adjusted = ibw + 0.4 * (120 - ibw)
        assert crcl is not None and crcl.value.magnitude == pytest.approx(90 * adjusted / 144)
        assert crcl.weight_kind == "adjusted"

    def test_every_other_day_alternative_is_offered_beside_the_scaling(self) -> None:
        """Continuous step 3 (1200 mg/day), CrCl 20: the Yang-derived scaling 1200 x 0.30 = 360
        and the Kineret label's every-other-day dosing (interval x 2: 600 mg/day on average)."""
        patient = create_patient(weight="70 kg", age=60, sex="male", measured_crcl="20 mL/min")
        renal = calculate_dose_plan(ADULT, patient, step=3).renal_adjustment
        assert renal is not None
        options = {o.kind: o for o in renal.options}
        assert options["dose"].daily_dose.magnitude == pytest.approx(360)
        assert options["interval"].daily_dose.magnitude == pytest.approx(600)
        assert options["interval"].basis.source == "kineret-label"
        assert "every other day" in renal.text

    def test_cockcroft_gault_is_flagged_when_creatinine_is_not_at_steady_state(self) -> None:
        """A rise of 0.4 mg/dL in 48 h (>= 0.3) or 1.4 / 0.9 = 1.56 x baseline (>= 1.5) is acute
        kidney injury (kdigo-2012): the plan warns that CrCl overestimates renal function."""
        for history in ({"creatinine_48h_ago": "1.0 mg/dL"}, {"baseline_creatinine": "0.9 mg/dL"}):
            patient = create_patient(
                weight="70 kg", age=60, sex="male", creatinine="1.4 mg/dL", **history
            )
            plan = calculate_dose_plan(ADULT, patient, step=2)
            assert any("not at steady state" in w for w in plan.warnings)
        steady = create_patient(
            weight="70 kg",
            age=60,
            sex="male",
            creatinine="1.2 mg/dL",
            baseline_creatinine="1 mg/dL",
        )
        assert not any("steady state" in w for w in calculate_dose_plan(ADULT, steady).warnings)

    def test_haemodialysis_without_creatinine_gives_one_message(self) -> None:
        """On haemodialysis the ESRD rule applies; 'no creatinine: could not be checked' no
        longer contradicts it."""
        patient = create_patient(weight="70 kg", age=60, sex="male", renal_replacement="HD")
        plan = calculate_dose_plan(ADULT, patient, step=3)
        assert not any("could not be checked" in w for w in plan.warnings)
        assert any("haemodialysis" in w for w in plan.warnings)


class TestPlausibility:
    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"creatinine": "0.05 mg/dL"}, "creatinine"),
            ({"creatinine": "25 mg/dL"}, "creatinine"),
            ({"age": 130}, "age"),
            ({"measured_crcl": "300 mL/min"}, "crcl"),
            ({"current_sc_daily_dose": "3500 mg/day"}, "current_sc_daily_dose"),
        ],
    )
    def test_implausible_dosing_inputs_are_refused(
        self, values: dict[str, object], field: str
    ) -> None:
        """Creatinine outside 0.1-20 mg/dL, age above 120, measured CrCl above 250 mL/min, an SC
        dose above 48 mg/kg/day (3500 / 70 = 50): refused naming the field (plausibility.yaml,
        site-decision limits)."""
        base: dict[str, object] = {"weight": "70 kg", "age": 50, "sex": "male"} | values
        with pytest.raises(InvalidInput) as caught:
            create_patient(**base)  # type: ignore[arg-type]
        assert caught.value.field == field and "plausible" in caught.value.message

    def test_weight_implausible_for_age_is_warned(self) -> None:
        """75 kg at 1 year is outside 4-50 kg (site-decision band): the plan warns, naming weight
        and age."""
        toddler = create_patient(weight="75 kg", age=1, sex="male")
        plan = calculate_dose_plan(CHILD, toddler, step=1)
        assert any("'weight' 75 kg is implausible for 'age' 1 year" in w for w in plan.warnings)


class TestLoadingDoseAndTransition:
    def test_loading_dose_only_when_the_infusion_starts(self) -> None:
        """An escalation plan of a running infusion gives no second 100 mg bolus."""
        patient = create_patient(weight="70 kg", age=54, sex="female")
        assert calculate_dose_plan(ADULT, patient, step=3).loading_dose is not None
        assert calculate_dose_plan(ADULT, patient, step=3, starting=False).loading_dose is None

    def test_loading_dose_advice_for_a_patient_on_sc(self) -> None:
        """A patient already on SC gets the protocol's timing advice with the loading dose."""
        patient = create_patient(
            weight="70 kg", age=54, sex="female", current_sc_daily_dose="400 mg/day"
        )
        plan = calculate_dose_plan(ADULT, patient)
        assert any(r.text.startswith("Already on SC anakinra") for r in plan.reasons)

    def test_sc_dose_per_kg_is_accepted(self) -> None:
        """'4 mg/kg/day' at 20 kg is 80 mg/day; the first step at or above it is 4 mg/kg/day."""
        child = create_patient(
            weight="20 kg", age=8, sex="male", current_sc_daily_dose="4 mg/kg/day"
        )
        assert child.current_sc_daily_dose is not None
        assert child.current_sc_daily_dose.to("mg/day").magnitude == pytest.approx(80)
        assert calculate_dose_plan(CHILD, child).step == 2

    def test_switch_from_sc_above_the_top_step_warns(self) -> None:
        """3000 mg/day SC is above the top step (2400 mg/day): the plan gives less than the
        patient receives now and says so."""
        patient = create_patient(
            weight="70 kg", age=54, sex="female", current_sc_daily_dose="3000 mg/day"
        )
        plan = calculate_dose_plan(ADULT, patient, override_reason="refractory")
        assert plan.daily_dose.magnitude == 2400
        assert any("LOWERS the dose" in w for w in plan.warnings)

    def test_paediatric_transition_starts_no_higher_than_the_lowest_step(self) -> None:
        """The SC schedule after 2 mg/kg/day CIV starts at 1 mg/kg q12h = 2 mg/kg/day (it was
        2 mg/kg q12h = 4 mg/kg/day), at most 100 mg per dose (cart-paediatric-2022)."""
        transition = CHILD.transition
        assert transition is not None
        assert transition.sc_schedule[0].startswith("1 mg/kg SC q12h")
        assert transition.sc_max_per_dose is not None and transition.sc_max_per_dose.value == 100
