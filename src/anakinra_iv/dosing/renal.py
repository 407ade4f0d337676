"""Renal function: creatinine clearance by Cockcroft-Gault and the renal rate adjustment.

References
----------
Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. Nephron 1976.
Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974 (ideal body weight).
Yang BB et al. Clin Pharmacol Ther 2003;74:85 (anakinra clearance in renal impairment).
"""

from __future__ import annotations

from dataclasses import dataclass

from anakinra_iv.dosing.formulas import get_formula_constants
from anakinra_iv.dosing.patient import Patient
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import Protocol, Value
from anakinra_iv.units import Q_, Quantity, format_quantity, magnitude_in

__all__ = [
    "CreatinineClearance",
    "RenalAdjustment",
    "calculate_creatinine_clearance",
    "calculate_dosing_weight",
    "calculate_renal_adjustment",
]


@dataclass(frozen=True)
class CreatinineClearance:
    """A creatinine clearance with the formula and inputs that produced it."""

    value: Quantity
    method: str
    weight_used: Quantity | None
    weight_kind: str | None
    formula: str
    source: str


@dataclass(frozen=True)
class RenalAdjustment:
    """The rate scaling that keeps plasma levels when clearance falls (a suggestion)."""

    ratio: Value
    category: str
    suggested_daily_dose: Quantity
    suggested_rate: Quantity
    applied: bool
    text: str


def calculate_dosing_weight(patient: Patient, kind: str, adjusted_factor: Value | None) -> Quantity:
    """Actual, ideal (Devine) or adjusted body weight in kg.

    Adjusted weight = IBW + factor x (actual - IBW), used only when actual exceeds IBW.

    >>> from anakinra_iv.dosing.patient import create_patient
    >>> p = create_patient(weight="100 kg", age=50, sex="male", height="180 cm")
    >>> round(calculate_dosing_weight(p, "ideal", None).magnitude, 1)
    75.0
    """
    if kind == "actual":
        return patient.weight
    if patient.height is None:
        raise InvalidInput(
            f"'height' is needed: the protocol computes CrCl with {kind} body weight",
            field="height",
        )
    c = get_formula_constants()["ideal_body_weight"]
    base = c["male_base" if patient.sex == "male" else "female_base"].quantity
    inches_over = max(
        magnitude_in(patient.height, "inch") - magnitude_in(c["height_base"].quantity, "inch"), 0
    )
    ideal: Quantity = base + c["per_inch_over"].quantity * inches_over
    if kind == "ideal":
        return ideal
    if patient.weight <= ideal:
        return patient.weight
    if adjusted_factor is None:
        raise InvalidInput("the protocol names adjusted weight but no factor", field="renal")
    factor = float(adjusted_factor.quantity.to("dimensionless").magnitude)
    adjusted: Quantity = ideal + factor * (patient.weight - ideal)
    return adjusted


def calculate_creatinine_clearance(
    patient: Patient, protocol: Protocol
) -> CreatinineClearance | None:
    """Creatinine clearance: the measured value if given, else Cockcroft-Gault.

    CrCl (mL/min) = (140 - age) x weight (kg) / (72 x creatinine mg/dL), x 0.85 for females,
    with the weight (actual, ideal, adjusted) that the protocol names.

    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.dosing.patient import create_patient
    >>> p = create_patient(weight="72 kg", age=40, sex="male", creatinine="1.0 mg/dL")
    >>> calculate_creatinine_clearance(p, get_protocol("adult-mas-civ")).value.magnitude
    100.0
    """
    if patient.measured_crcl is not None:
        return CreatinineClearance(
            value=patient.measured_crcl,
            method="measured",
            weight_used=None,
            weight_kind=None,
            formula=f"measured {format_quantity(patient.measured_crcl, 'mL/min', 1)}",
            source="site",
        )
    if patient.creatinine is None:
        return None
    c = get_formula_constants()["cockcroft_gault"]
    renal = protocol.renal
    weight = calculate_dosing_weight(patient, renal.crcl_weight, renal.adjusted_weight_factor)
    age_term = c["age_offset"].value - patient.age_years
    creatinine = magnitude_in(patient.creatinine, "mg/dL")
    kg = magnitude_in(weight, "kg")
    value = age_term * kg / (c["denominator"].value * creatinine)
    sex_text = ""
    if patient.sex == "female":
        value *= c["female_factor"].value
        sex_text = f" x {c['female_factor'].value:g} (female)"
    value = max(value, 0.0)
    formula = (
        f"Cockcroft-Gault: ({c['age_offset'].value:g} - {patient.age_years:g}) x "
        f"{kg:.1f} kg ({renal.crcl_weight} weight) / ({c['denominator'].value:g} x "
        f"{creatinine:.2f} mg/dL){sex_text} = {value:.1f} mL/min"
    )
    return CreatinineClearance(
        value=Q_(value, "mL/min"),
        method="cockcroft-gault",
        weight_used=weight,
        weight_kind=renal.crcl_weight,
        formula=formula,
        source=c["age_offset"].source,
    )


def calculate_renal_adjustment(
    protocol: Protocol,
    patient: Patient,
    crcl: CreatinineClearance | None,
    daily_dose: Quantity,
    *,
    apply: bool,
) -> RenalAdjustment | None:
    """The protocol's renal rule for this patient, or None when it does not apply.

    Below the threshold the rate is scaled by the clearance ratio (severe, or ESRD below
    ``esrd_below`` or on haemodialysis). On CRRT nothing is suggested. The adjustment is applied
    only when ``apply`` is true (the prescriber has confirmed it).
    """
    rule = protocol.renal
    if patient.renal_replacement == "crrt":
        return None
    if patient.renal_replacement == "haemodialysis":
        ratio, category = rule.esrd_ratio, "ESRD on haemodialysis"
    elif crcl is None or crcl.value >= rule.threshold.quantity:
        return None
    elif crcl.value < rule.esrd_below.quantity:
        ratio, category = rule.esrd_ratio, f"CrCl below {rule.esrd_below.value:g} mL/min"
    else:
        ratio, category = rule.severe_ratio, f"CrCl below {rule.threshold.value:g} mL/min"
    factor = ratio.quantity.to("dimensionless").magnitude
    suggested = daily_dose * factor
    rate = suggested.to("mg/h")
    text = (
        f"{category}: scale the rate by the clearance ratio {factor:g} to "
        f"{format_quantity(suggested, 'mg/day')} ({format_quantity(rate, 'mg/h', 1)})"
        + (" - applied on prescriber confirmation" if apply else " - needs prescriber confirmation")
    )
    return RenalAdjustment(
        ratio=ratio,
        category=category,
        suggested_daily_dose=suggested,
        suggested_rate=rate,
        applied=apply,
        text=text,
    )
