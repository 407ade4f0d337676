"""Bag recipes, worked by hand, and the invariants every bag keeps (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests import strategies

from anakinra_iv.compounding import calculate_bag, round_to_precision
from anakinra_iv.dosing import calculate_dose_plan, create_patient
from anakinra_iv.errors import DoseLimitExceeded, InvalidInput
from anakinra_iv.protocol import Protocol, get_protocol
from anakinra_iv.units import Q_

ADULT = get_protocol("adult-mas-civ")
AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PATIENT = create_patient(weight="70 kg", age=54, sex="female", creatinine="1.0 mg/dL")


def _bag_for(daily_mg: float, protocol: Protocol = ADULT) -> Any:
    plan = calculate_dose_plan(
        protocol, PATIENT, daily_dose=Q_(daily_mg, "mg/day"), override_reason="test"
    )
    return calculate_bag(protocol, plan, prepared_at=AT)


def _with_bag(**changes: object) -> Protocol:
    return ADULT.model_copy(update={"bag": ADULT.bag.model_copy(update=changes)})


class TestWorkedBags:
    def test_1200_mg_per_day(self) -> None:
        """12 h of 50 mg/h = 600 mg = 6 syringes = 4.00 mL; 600 mg / 100 mL = 6 mg/mL;
        100 mL / 12 h = 8.33 mL/h (shown 8.3); kept cold until hung, BUD = preparation + 24 h
        (USP 797 Category 1 refrigerated) and start by BUD - 12 h hang = preparation + 12 h."""
        bag = _bag_for(1200)
        assert bag.dose.magnitude == pytest.approx(600)
        assert bag.syringes == 6
        assert bag.drug_volume.magnitude == 4.0
        assert bag.waste.magnitude == pytest.approx(0)
        assert bag.volume_to_remove.magnitude == pytest.approx(4.0)
        assert bag.final_volume.magnitude == 100
        assert bag.concentration.magnitude == pytest.approx(6)
        assert bag.rate_ml_per_h.magnitude == pytest.approx(100 / 12)
        assert bag.rate_ml_per_h_display == "8.3 mL/h"
        assert bag.bags_per_24h == 2
        assert bag.beyond_use == AT + timedelta(hours=24)
        assert bag.start_by == AT + timedelta(hours=12)

    def test_500_mg_per_day_wastes_part_of_a_syringe(self) -> None:
        """250 mg: 3 syringes (300 mg), waste 50 mg; 250 / 150 = 1.667 -> 1.67 mL."""
        bag = _bag_for(500)
        assert bag.syringes == 3
        assert bag.waste.magnitude == pytest.approx(50)
        assert bag.drug_volume.magnitude == 1.67
        assert bag.drug_volume_exact.magnitude == pytest.approx(250 / 150)
        assert bag.concentration.magnitude == pytest.approx(2.5)

    def test_paediatric_bag(self) -> None:
        """20 kg x 2 mg/kg/day = 40 mg/day: 20 mg per 12 h in 50 mL = 0.4 mg/mL at 4.17 mL/h."""
        protocol = get_protocol("paediatric-mas-civ")
        child = create_patient(weight="20 kg", age=8, sex="male")
        plan = calculate_dose_plan(protocol, child, step=1)
        bag = calculate_bag(protocol, plan, prepared_at=AT)
        assert bag.syringes == 1
        assert bag.drug_volume.magnitude == 0.13
        assert bag.waste.magnitude == pytest.approx(80)
        assert bag.concentration.magnitude == pytest.approx(0.4)
        assert bag.rate_ml_per_h_display == "4.2 mL/h"

    def test_intermittent_bag(self) -> None:
        """Cavalli 70 kg: 350 mg in 100 mL (3.5 mg/mL) over 1 h = 100 mL/h; 2 bags a day."""
        protocol = get_protocol("covid-cavalli-ivb")
        plan = calculate_dose_plan(protocol, PATIENT)
        bag = calculate_bag(protocol, plan, prepared_at=AT)
        assert bag.syringes == 4
        assert bag.drug_volume.magnitude == 2.33
        assert bag.concentration.magnitude == pytest.approx(3.5)
        assert bag.rate_ml_per_h.magnitude == pytest.approx(100)
        assert bag.hang_time.magnitude == 1
        assert bag.bags_per_24h == 2

    def test_overfill_is_withdrawn_too(self) -> None:
        """With 5 mL overfill, 600 mg: withdraw 5 + 4 = 9 mL so the final volume is 100 mL."""
        protocol = _with_bag(overfill=ADULT.bag.overfill.model_copy(update={"value": 5}))
        plan = calculate_dose_plan(protocol, PATIENT, step=3)
        bag = calculate_bag(protocol, plan, prepared_at=AT)
        assert bag.volume_to_remove.magnitude == pytest.approx(9)
        assert bag.final_volume.magnitude == 100

    def test_drug_volume_added_on_top(self) -> None:
        """When the drug volume does not count, 600 mg makes 104 mL at 5.769 mg/mL."""
        protocol = _with_bag(drug_volume_counts_in_final_volume=False)
        plan = calculate_dose_plan(protocol, PATIENT, step=3)
        bag = calculate_bag(protocol, plan, prepared_at=AT)
        assert bag.final_volume.magnitude == pytest.approx(104)
        assert bag.concentration.magnitude == pytest.approx(600 / 104)

    def test_preparation_time_needs_a_time_zone(self) -> None:
        """A naive time is refused: BUD across a clock change would be wrong."""
        plan = calculate_dose_plan(ADULT, PATIENT, step=3)
        with pytest.raises(InvalidInput, match="'prepared_at'"):
            calculate_bag(ADULT, plan, prepared_at=datetime(2026, 1, 5, 8))

    def test_a_plan_above_the_hard_maximum_is_never_compounded(self) -> None:
        """Even a plan built by hand above 2400 mg/day is refused by the bag."""
        plan = calculate_dose_plan(ADULT, PATIENT, step=3)
        forged = type(plan)(**{**plan.__dict__, "daily_dose": Q_(2500, "mg/day")})
        with pytest.raises(DoseLimitExceeded):
            calculate_bag(ADULT, forged, prepared_at=AT)


class TestRounding:
    @pytest.mark.parametrize(
        ("value", "precision", "expected"),
        [(1.335, 0.01, 1.34), (1.3349, 0.01, 1.33), (8.35, 0.1, 8.4), (8.333, 0.1, 8.3)],
    )
    def test_half_up(self, value: float, precision: float, expected: float) -> None:
        """Half-up rounding in decimal, so 1.335 becomes 1.34 (binary floats would give 1.33)."""
        assert round_to_precision(value, precision) == expected


@given(
    weight=strategies.adult_weights_kg,
    daily=st.floats(min_value=100, max_value=2400),
)
def test_bag_invariants(weight: float, daily: float) -> None:
    """mg/h = mL/h x mg/mL; syringes x 100 mg >= dose > (syringes - 1) x 100 mg; the bag's
    contents add up to its label; volumes balance; rate never above 100 mg/h."""
    patient = create_patient(weight=f"{weight} kg", age=50, sex="male")
    daily = min(daily, 48 * weight)  # the per-kg hard maximum of light adults
    plan = calculate_dose_plan(ADULT, patient, daily_dose=Q_(daily, "mg/day"), override_reason="t")
    bag = calculate_bag(ADULT, plan, prepared_at=AT)
    mg_h = bag.rate_mg_per_h.to("mg/h").magnitude
    assert mg_h == pytest.approx((bag.rate_ml_per_h * bag.concentration).to("mg/h").magnitude)
    dose = bag.dose.to("mg").magnitude
    assert bag.syringes * 100 >= dose - 1e-9
    assert (bag.syringes - 1) * 100 < dose
    assert (bag.concentration * bag.final_volume).to("mg").magnitude == pytest.approx(dose)
    balance = bag.base_bag_volume - bag.volume_to_remove + bag.drug_volume
    assert balance.to("mL").magnitude == pytest.approx(bag.final_volume.to("mL").magnitude)
    assert abs(bag.drug_volume.magnitude - dose / 150) <= 0.005 + 1e-12
    assert mg_h <= 100 + 1e-9
