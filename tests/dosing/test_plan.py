"""The dose plan: steps, first-step rule, limits, intermittent regimens, reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from tests import strategies

from anakinra_iv.dosing import calculate_dose_plan, create_patient, parse_daily_dose
from anakinra_iv.errors import DoseLimitExceeded, InvalidInput, OverrideRequired, ProblemList
from anakinra_iv.evidence import has_entry
from anakinra_iv.protocol import STATUSES, get_protocol
from anakinra_iv.units import Q_

ADULT = get_protocol("adult-mas-civ")
CHILD = get_protocol("paediatric-mas-civ")


def adult(**changes: object) -> object:
    values: dict[str, object] = {
        "weight": "70 kg",
        "age": 54,
        "sex": "female",
        "creatinine": "1.0 mg/dL",
    }
    values.update(changes)
    return create_patient(**values)  # type: ignore[arg-type]


class TestContinuousPlan:
    def test_step_three_worked_case(self) -> None:
        """Step 3 = 1200 mg/day; 1200 / 24 = 50 mg/h; 1200 / 70 = 17.14 mg/kg/day."""
        plan = calculate_dose_plan(ADULT, adult(), step=3)  # type: ignore[arg-type]
        assert plan.daily_dose.to("mg/day").magnitude == 1200
        assert plan.rate.to("mg/h").magnitude == pytest.approx(50)
        assert plan.dose_per_kg_per_day.magnitude == pytest.approx(1200 / 70)
        assert plan.rate_per_kg.to("mg/kg/h").magnitude == pytest.approx(50 / 70)
        assert plan.loading_dose is not None and plan.loading_dose.magnitude == 100
        assert plan.next_step_up is not None and plan.next_step_up.magnitude == 1600
        assert plan.next_step_down is not None and plan.next_step_down.magnitude == 800
        assert plan.limit_status == "within"

    @pytest.mark.parametrize(
        ("sc_dose", "step"),
        [(None, 1), ("400 mg/day", 1), ("600 mg/day", 2), ("800 mg/day", 2), ("3000 mg/day", 6)],
    )
    def test_first_step_at_or_above_the_sc_dose(self, sc_dose: str | None, step: int) -> None:
        """First step: 400 mg/day, or the first step at or above the current SC daily dose."""
        plan = calculate_dose_plan(
            ADULT, adult(current_sc_daily_dose=sc_dose), override_reason="SC refractory"
        )  # type: ignore[arg-type]
        assert plan.step == step

    def test_lowest_step_offers_the_transition(self) -> None:
        """At step 1 there is no step down: the plan names the SC transition instead."""
        plan = calculate_dose_plan(ADULT, adult(), step=1)  # type: ignore[arg-type]
        assert plan.next_step_down is None
        assert plan.transition is not None and "SC" in plan.transition

    def test_every_reason_has_a_known_status_and_source(self) -> None:
        """Every number says why: each reason's source resolves in the registry."""
        plan = calculate_dose_plan(ADULT, adult(), step=4)  # type: ignore[arg-type]
        assert len(plan.reasons) >= 4
        for reason in plan.reasons:
            assert reason.status in STATUSES
            assert has_entry(reason.source), reason.source


class TestLimits:
    def test_soft_breach_needs_a_reason(self) -> None:
        """2000 mg/day is above the 1600 mg/day soft limit: refused without a reason."""
        with pytest.raises(OverrideRequired, match="'override_reason'"):
            calculate_dose_plan(ADULT, adult(), daily_dose=Q_(2000, "mg/day"))  # type: ignore[arg-type]

    def test_soft_breach_with_a_reason(self) -> None:
        """With a reason the plan is marked above_soft and the reason is kept."""
        plan = calculate_dose_plan(
            ADULT,
            adult(),  # type: ignore[arg-type]
            daily_dose=Q_(2000, "mg/day"),
            override_reason="ferritin still rising",
        )
        assert plan.limit_status == "above_soft"
        assert any("ferritin still rising" in r.text for r in plan.reasons)

    @pytest.mark.parametrize("dose", [2400.001, 2500, 10_000])
    def test_above_the_hard_maximum_is_refused(self, dose: float) -> None:
        """Above 2400 mg/day (Monteagudo 2020) is refused even with a reason."""
        with pytest.raises(DoseLimitExceeded, match="hard maximum"):
            calculate_dose_plan(ADULT, adult(), daily_dose=Q_(dose, "mg/day"), override_reason="x")  # type: ignore[arg-type]

    def test_exactly_the_hard_maximum_is_allowed_with_a_reason(self) -> None:
        """2400 mg/day is the maximum itself: allowed (above soft) with a reason."""
        plan = calculate_dose_plan(
            ADULT, adult(), daily_dose=Q_(2400, "mg/day"), override_reason="refractory"
        )  # type: ignore[arg-type]
        assert plan.rate.to("mg/h").magnitude == pytest.approx(100)

    def test_below_the_hard_minimum_is_refused(self) -> None:
        """Below 100 mg/day (hard minimum) is refused."""
        with pytest.raises(DoseLimitExceeded, match="hard minimum"):
            calculate_dose_plan(ADULT, adult(), daily_dose=Q_(50, "mg/day"), override_reason="x")  # type: ignore[arg-type]

    @given(
        strategies.adult_weights_kg,
        strategies.adult_ages,
        strategies.creatinine_mg_dl,
        strategies.sexes,
        strategies.daily_doses_mg,
    )
    def test_no_input_yields_a_rate_above_the_hard_maximum(
        self, weight: float, age: float, creatinine: float, sex: str, dose: float
    ) -> None:
        """Whatever the patient and dose asked for, the plan's rate is at most 100 mg/h and
        the daily dose at most 48 mg/kg/day (the per-kg maximum, 2 mg/kg/h of the sepsis
        trials)."""
        patient = create_patient(
            weight=f"{weight} kg", age=age, sex=sex, creatinine=f"{creatinine} mg/dL"
        )
        try:
            plan = calculate_dose_plan(
                ADULT, patient, daily_dose=Q_(dose, "mg/day"), override_reason="test"
            )
        except DoseLimitExceeded:
            assert dose > min(2400, 48 * weight) or dose < 100
            return
        assert plan.rate.to("mg/h").magnitude <= 100 + 1e-9
        assert plan.dose_per_kg_per_day.to("mg/kg/day").magnitude <= 48 * (1 + 1e-9)


class TestWeightBased:
    def test_paediatric_step(self) -> None:
        """20 kg x 8 mg/kg/day (step 3) = 160 mg/day = 6.67 mg/h."""
        child = create_patient(weight="20 kg", age=8, sex="male", creatinine="0.4 mg/dL")
        plan = calculate_dose_plan(CHILD, child, step=3)
        assert plan.daily_dose.magnitude == pytest.approx(160)
        assert plan.rate.to("mg/h").magnitude == pytest.approx(160 / 24)

    def test_absolute_cap(self) -> None:
        """80 kg x 48 mg/kg/day = 3840 mg/day is capped at the adult maximum of 2400."""
        teen = create_patient(weight="80 kg", age=16, sex="male", creatinine="0.8 mg/dL")
        plan = calculate_dose_plan(CHILD, teen, step=7, override_reason="refractory")
        assert plan.daily_dose.magnitude == pytest.approx(2400)
        assert any("absolute maximum" in r.text for r in plan.reasons)

    def test_paediatric_loading_dose_is_capped(self) -> None:
        """2 mg/kg loading, max 100 mg: 20 kg -> 40 mg; 70 kg -> 100 mg (not 140)."""
        small = create_patient(weight="20 kg", age=8, sex="male")
        big = create_patient(weight="70 kg", age=16, sex="male")
        assert calculate_dose_plan(CHILD, small, step=1).loading_dose.magnitude == 40  # type: ignore[union-attr]
        assert calculate_dose_plan(CHILD, big, step=1).loading_dose.magnitude == 100  # type: ignore[union-attr]

    @given(strategies.child_weights_kg, strategies.child_ages)
    def test_paediatric_dose_never_exceeds_either_maximum(self, weight: float, age: float) -> None:
        """Daily dose <= min(48 mg/kg/day x weight, 2400 mg/day) at every step."""
        child = create_patient(weight=f"{weight} kg", age=age, sex="female")
        for step in range(1, 8):
            plan = calculate_dose_plan(CHILD, child, step=step, override_reason="test")
            assert plan.daily_dose.magnitude <= min(48 * weight, 2400) * (1 + 1e-12)


class TestIntermittent:
    def test_cavalli_regimen(self) -> None:
        """5 mg/kg x 70 kg = 350 mg q12h = 700 mg/day, each over 1 h at 350 mg/h."""
        plan = calculate_dose_plan(get_protocol("covid-cavalli-ivb"), adult())  # type: ignore[arg-type]
        assert plan.intermittent is not None
        assert plan.intermittent.dose.magnitude == pytest.approx(350)
        assert plan.daily_dose.magnitude == pytest.approx(700)
        assert plan.intermittent.infusion_rate.magnitude == pytest.approx(350)

    @pytest.mark.parametrize(("weight", "dose"), [(20, 40), (50, 100), (60, 100)])
    def test_cart_max_100_mg_per_dose(self, weight: float, dose: float) -> None:
        """2 mg/kg q6h, max 100 mg per dose (Blood Adv 2022)."""
        child = create_patient(weight=f"{weight} kg", age=10, sex="female")
        plan = calculate_dose_plan(get_protocol("cart-paediatric-ivb"), child)
        assert plan.intermittent is not None
        assert plan.intermittent.dose.magnitude == pytest.approx(dose)
        assert plan.daily_dose.magnitude == pytest.approx(4 * dose)


class TestInputErrors:
    @pytest.mark.parametrize("weight", ["0 kg", "-5 kg", "70", "70 mL", None])
    def test_bad_weight_names_the_field(self, weight: str | None) -> None:
        """A zero, negative, unitless, wrong-dimension or missing weight names 'weight'."""
        with pytest.raises(InvalidInput, match="'weight'"):
            create_patient(weight=weight, age=54, sex="female")

    def test_all_problems_at_once(self) -> None:
        """Weight, sex and creatinine problems are reported together."""
        with pytest.raises(ProblemList) as caught:
            create_patient(weight="0 kg", age=54, sex="x", creatinine="1 furlong/dL")
        assert [p.field for p in caught.value.problems] == ["weight", "sex", "creatinine"]

    def test_age_below_the_population(self) -> None:
        """A 17-year-old is outside the adult protocol's population."""
        with pytest.raises(InvalidInput, match="'age'.*below"):
            calculate_dose_plan(ADULT, adult(age=17), step=1)  # type: ignore[arg-type]

    @pytest.mark.parametrize("step", [0, 7])
    def test_step_out_of_range(self, step: int) -> None:
        """The adult ladder has 6 steps."""
        with pytest.raises(InvalidInput, match="'step' must be between 1 and 6"):
            calculate_dose_plan(ADULT, adult(), step=step)  # type: ignore[arg-type]

    def test_daily_dose_reading(self) -> None:
        """'1200 mg' in the daily-dose field means 1200 mg/day; '50 mg/h' is 1200 mg/day."""
        assert parse_daily_dose("1200 mg").to("mg/day").magnitude == 1200
        assert parse_daily_dose("50 mg/h").to("mg/day").magnitude == pytest.approx(1200)
        with pytest.raises(InvalidInput, match="'daily_dose'"):
            parse_daily_dose("1200 mL")
