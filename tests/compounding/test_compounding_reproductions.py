"""Pharmacy reproductions of issue 9, each named after its defect, with the source of its numbers.

Beyond-use time against hang time, the smallest measurable volume, small patients' volumes, the
fluid and sodium given with the drug, and the pump's per-infusion limits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anakinra_iv.compounding import (
    calculate_bag,
    check_pump_programme,
    create_label,
    get_pump_entry,
)
from anakinra_iv.dosing import calculate_dose_plan, create_patient
from anakinra_iv.protocol import get_protocol
from anakinra_iv.units import Q_

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CHILD = get_protocol("paediatric-mas-civ")


def test_a_bag_always_finishes_before_its_beyond_use_time() -> None:
    """Hang time equalled the beyond-use time (12 h each): any delay ran the bag past it. The
    bag is now kept cold until hung (USP 797 Category 1: 24 h refrigerated, 12 h at room
    temperature): start by 08:00 + 24 h - 12 h = 20:00, printed on the label."""
    adult = get_protocol("adult-mas-civ")
    patient = create_patient(weight="70 kg", age=54, sex="female")
    plan = calculate_dose_plan(adult, patient, step=3)
    bag = calculate_bag(adult, plan, prepared_at=AT)
    assert bag.start_by == AT + timedelta(hours=12)
    assert bag.start_by + timedelta(hours=12) == bag.beyond_use
    label = create_label(adult, plan, bag, patient_name="X", mrn="1").text
    assert "START BY: 2026-01-05 20:00 UTC" in label
    assert "Refrigerate (2-8 C) from preparation until hung" in label


def test_a_3_kg_infant_is_never_told_to_draw_0_02_ml() -> None:
    """3 kg at step 1: 2 mg/kg/day x 3 kg = 6 mg/day, 3 mg per 12 h = 0.02 mL of the 150 mg/mL
    product, below the smallest measurable 0.1 mL. One syringe (100 mg in 0.67 mL) is made up to
    10 mL (10 mg/mL, +9.33 mL diluent) and 3 / 10 = 0.3 mL drawn; the infant gets a 12 mL
    syringe at 1 mL/h (site-decision volume bands), not a 50 mL bag."""
    infant = create_patient(weight="3 kg", age=0.1, sex="female")
    plan = calculate_dose_plan(CHILD, infant, step=1)
    bag = calculate_bag(CHILD, plan, prepared_at=AT)
    assert bag.dilution is not None
    assert bag.dilution.concentration.to("mg/mL").magnitude == pytest.approx(10)
    assert bag.dilution.diluent_added.to("mL").magnitude == pytest.approx(10 - 0.67)
    assert bag.drug_volume.to("mL").magnitude == pytest.approx(0.3)
    assert bag.container == "syringe" and bag.final_volume.to("mL").magnitude == 12
    assert bag.rate_ml_per_h_display == "1 mL/h"
    assert any("10 mg/mL" in step and step.startswith("Dilute") for step in bag.steps)


def test_fluid_and_sodium_given_with_the_drug_are_counted() -> None:
    """3 kg: two 12 mL syringes a day = 24 mL/day = 8 mL/kg/day. Sodium chloride: diluent
    9 g/L x (12 - 0.02) mL = 107.82 mg plus product 5.48 mg / 0.67 mL x 0.02 mL = 0.16 mg per
    syringe = 107.98 mg / 58.44 g/mol = 1.848 mmol, x 2 = 3.695 mmol/day = 1.232 mmol/kg/day.
    With a sodium limit of 1 mmol/kg/day the plan and label warn."""
    infant = create_patient(weight="3 kg", age=0.1, sex="female")
    plan = calculate_dose_plan(CHILD, infant, step=1)
    bag = calculate_bag(CHILD, plan, prepared_at=AT)
    assert bag.loads is not None
    assert bag.loads.fluid_per_day.to("mL/day").magnitude == pytest.approx(24)
    expected = (9 * (12 - 0.02) + 5.48 / 0.67 * 0.02) / 58.44 * 2
    assert bag.loads.sodium_per_day.to("mmol/day").magnitude == pytest.approx(expected)
    assert not bag.warnings
    assert CHILD.loads is not None
    strict = CHILD.model_copy(
        update={
            "loads": CHILD.loads.model_copy(
                update={"sodium": CHILD.loads.sodium.model_copy(update={"value": 1.0})}
            )
        }
    )
    warned = calculate_bag(strict, plan, prepared_at=AT)
    assert warned.warnings and "sodium" in warned.warnings[0]
    label = create_label(strict, plan, warned, patient_name="X", mrn="1").text
    assert "WARNING: The sodium given with the drug" in label
    assert "Fluid with the drug: 24 mL/day (8 mL/kg/day)" in label


def test_intermittent_pump_limits_are_per_infusion() -> None:
    """Cavalli 70 kg: 350 mg over 1 h = 5 mg/kg/h. The limit was 10 mg/kg/day / 24 h =
    0.42 mg/kg/h, a hard stop for the protocol's own infusion; per infusion it is 10 mg/kg/day x
    12 h / 24 h over 1 h = 5 mg/kg/h (cavalli-2020), and the programme passes."""
    covid = get_protocol("covid-cavalli-ivb")
    patient = create_patient(weight="70 kg", age=50, sex="male")
    plan = calculate_dose_plan(covid, patient)
    bag = calculate_bag(covid, plan, prepared_at=AT)
    entry = get_pump_entry(covid, "ICU")
    assert entry.hard_max.to("mg/kg/h").magnitude == pytest.approx(5)
    check = check_pump_programme(
        entry,
        rate_mg_per_h=bag.rate_mg_per_h,
        rate_ml_per_h=bag.rate_ml_per_h,
        concentration=bag.concentration,
        weight=patient.weight,
    )
    assert check.status == "ok", check.findings


def test_per_kg_limit_stops_a_light_adult_at_the_pump() -> None:
    """A mg/h entry also knows the per-kg maximum: 100 mg/h for 25 kg is 4 mg/kg/h, above
    48 mg/kg/day = 2 mg/kg/h (fisher-1994-jama): a hard stop at the bedside."""
    entry = get_pump_entry(get_protocol("adult-mas-civ"), "ICU")
    check = check_pump_programme(
        entry,
        rate_mg_per_h=Q_(100, "mg/h"),
        rate_ml_per_h=Q_(100 / 12, "mL/h"),
        concentration=Q_(12, "mg/mL"),
        weight=Q_(25, "kg"),
    )
    assert check.status == "hard_stop"
    assert any("per kg" in f.message for f in check.findings)
