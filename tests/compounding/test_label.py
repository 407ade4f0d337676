"""Bag label text: ISMP display rules."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from anakinra_iv.compounding import calculate_bag, create_label
from anakinra_iv.dosing import calculate_dose_plan, create_patient
from anakinra_iv.protocol import get_protocol

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _label(protocol_id: str, weight: str, step: int | None = None) -> str:
    protocol = get_protocol(protocol_id)
    patient = create_patient(weight=weight, age=54 if "adult" in protocol_id else 8, sex="female")
    plan = calculate_dose_plan(protocol, patient, step=step, override_reason="x")
    bag = calculate_bag(protocol, plan, prepared_at=AT)
    return create_label(
        protocol,
        plan,
        bag,
        patient_name="DOE, Jane",
        mrn="00123",
        birth_date=date(1971, 3, 2),
        prepared_by="AB",
    ).text


def test_adult_label_content() -> None:
    """Patient twice identified; lowercase generic; dose, volume, concentration, both rates, BUD
    (refrigerated until hung: preparation + 24 h, USP 797 Category 1) and START BY (BUD - 12 h
    hang = preparation + 12 h), handling from the Kineret label."""
    text = _label("adult-mas-civ", "70 kg", step=5)
    assert "PATIENT: DOE, Jane   MRN: 00123   DOB: 1971-03-02" in text
    assert "anakinra 1,000 mg in 0.9% sodium chloride - final volume 100 mL" in text
    assert "Concentration: 10 mg/mL" in text
    assert "DOSE RATE: 83.33 mg/h   PUMP RATE: 8.3 mL/h" in text
    assert "START BY: 2026-01-05 20:00 UTC   BEYOND USE: 2026-01-06 08:00 UTC" in text
    assert "Handling: Protect from light; do not shake; do not freeze" in text
    assert "Prepared by: AB" in text
    assert "Kineret" not in text and "Anakinra" not in text


def test_no_trailing_zero_and_a_leading_zero() -> None:
    """ISMP: never '4.0 mg', always '0.4 mg/mL'; 'mL' not 'ml' or 'cc'."""
    text = _label("paediatric-mas-civ", "20 kg", step=1)
    assert "0.4 mg/mL" in text
    assert not re.search(r"\d\.0\b", text)
    assert not re.search(r"(?<!\d)\.\d", text)
    assert " ml" not in text and " cc" not in text
