"""Renal function for dosing: Cockcroft-Gault for adults, the bedside Schwartz eGFR for children.

Cockcroft-Gault is an adult formula. Below the protocol's paediatric age
(``renal.paediatric.below_age``) renal function is the bedside Schwartz eGFR, in mL/min per
1.73 m2 of body surface, which needs the height; a child without a height gets no estimate and
the plan says why. Above ``renal.obesity_threshold`` x ideal body weight Cockcroft-Gault uses the
adjusted body weight. Every constant lives in ``dosing/data/formulas.yaml`` with its source.

References
----------
Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. Nephron 1976.
Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974 (ideal body weight).
Schwartz GJ et al. New equations to estimate GFR in children with CKD. JASN 2009;20:629.
KDIGO Clinical Practice Guideline for Acute Kidney Injury. Kidney Int Suppl 2012;2:1.
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
    "calculate_absolute_clearance",
    "calculate_creatinine_clearance",
    "calculate_dosing_weight",
    "calculate_ideal_body_weight",
    "describe_missing_renal_input",
    "describe_unsteady_creatinine",
    "is_paediatric_renal",
]


@dataclass(frozen=True)
class CreatinineClearance:
    """A creatinine clearance with the formula and inputs that produced it.

    ``normalised`` is True for an eGFR per 1.73 m2 of body surface (bedside Schwartz); the
    value's unit is then mL/min per 1.73 m2, compared with the protocol's paediatric thresholds.
    """

    value: Quantity
    method: str
    weight_used: Quantity | None
    weight_kind: str | None
    formula: str
    source: str
    normalised: bool = False


def calculate_ideal_body_weight(patient: Patient) -> Quantity:
    """Ideal body weight (Devine) from sex and height.

    >>> from anakinra_iv.dosing.patient import create_patient
    >>> p = create_patient(weight="100 kg", age=50, sex="male", height="180 cm")
    >>> round(calculate_ideal_body_weight(p).magnitude, 1)
    75.0
    """
    if patient.height is None:
        raise InvalidInput("'height' is needed for the ideal body weight", field="height")
    c = get_formula_constants()["ideal_body_weight"]
    base = c["male_base" if patient.sex == "male" else "female_base"].quantity
    inches_over = max(
        magnitude_in(patient.height, "inch") - magnitude_in(c["height_base"].quantity, "inch"), 0
    )
    ideal: Quantity = base + c["per_inch_over"].quantity * inches_over
    return ideal


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
    ideal = calculate_ideal_body_weight(patient)
    if kind == "ideal":
        return ideal
    if patient.weight <= ideal:
        return patient.weight
    if adjusted_factor is None:
        raise InvalidInput("the protocol names adjusted weight but no factor", field="renal")
    factor = float(adjusted_factor.quantity.to("dimensionless").magnitude)
    adjusted: Quantity = ideal + factor * (patient.weight - ideal)
    return adjusted


def is_paediatric_renal(patient: Patient, protocol: Protocol) -> bool:
    """True when the protocol estimates this patient's renal function as a child's."""
    block = protocol.renal.paediatric
    return block is not None and patient.age_years < magnitude_in(block.below_age.quantity, "year")


def _cockcroft_weight(patient: Patient, protocol: Protocol) -> tuple[Quantity, str]:
    """The weight Cockcroft-Gault uses, and its name: the protocol's, or adjusted in obesity."""
    renal = protocol.renal
    kind = renal.crcl_weight
    if kind == "actual" and renal.obesity_threshold is not None and patient.height is None:
        weight = calculate_dosing_weight(patient, kind, renal.adjusted_weight_factor)
        return weight, (
            "actual weight; no height, so ideal and adjusted weight could not be computed and an "
            "obese patient's clearance is overestimated"
        )
    if kind == "actual" and renal.obesity_threshold is not None and patient.height is not None:
        ideal = calculate_ideal_body_weight(patient)
        ratio = float(renal.obesity_threshold.quantity.to("dimensionless").magnitude)
        if patient.weight > ideal * ratio:
            weight = calculate_dosing_weight(patient, "adjusted", renal.adjusted_weight_factor)
            return weight, (
                f"adjusted weight: actual above {ratio:g} x ideal "
                f"{magnitude_in(ideal, 'kg'):.1f} kg"
            )
    return calculate_dosing_weight(patient, kind, renal.adjusted_weight_factor), f"{kind} weight"


def _schwartz(patient: Patient, creatinine: float) -> CreatinineClearance | None:
    if patient.height is None:
        return None
    c = get_formula_constants()["bedside_schwartz"]
    k = c["coefficient"].value
    cm = magnitude_in(patient.height, "cm")
    value = k * cm / creatinine
    return CreatinineClearance(
        value=Q_(value, "mL/min"),
        method="bedside-schwartz",
        weight_used=None,
        weight_kind=None,
        formula=(
            f"bedside Schwartz eGFR: {k:g} x {cm:.1f} cm / {creatinine:.2f} mg/dL = "
            f"{value:.1f} mL/min/1.73 m2"
        ),
        source=c["coefficient"].source,
        normalised=True,
    )


def calculate_creatinine_clearance(
    patient: Patient, protocol: Protocol
) -> CreatinineClearance | None:
    """Creatinine clearance: the measured value if given, else the protocol's formula; None on
    renal replacement (haemodialysis, CRRT), where creatinine does not measure the kidneys.

    Adults: Cockcroft-Gault, CrCl (mL/min) = (140 - age) x weight (kg) / (72 x creatinine
    mg/dL), x 0.85 for females, with the weight the protocol names (adjusted above the obesity
    threshold). Children (below ``renal.paediatric.below_age``): the bedside Schwartz eGFR,
    0.413 x height (cm) / creatinine (mg/dL) in mL/min/1.73 m2; None without a height.

    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.dosing.patient import create_patient
    >>> p = create_patient(weight="72 kg", age=40, sex="male", creatinine="1.0 mg/dL")
    >>> calculate_creatinine_clearance(p, get_protocol("adult-mas-civ")).value.magnitude
    100.0
    >>> infant = create_patient(weight="3.5 kg", age=0, sex="male", creatinine="0.4 mg/dL",
    ...                         height="52 cm")
    >>> round(calculate_creatinine_clearance(infant, get_protocol("paediatric-mas-civ")).value
    ...       .magnitude, 2)
    53.69
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
    if patient.creatinine is None or patient.renal_replacement != "none":
        # on dialysis or CRRT creatinine is cleared by the circuit, not the kidneys: a formula
        # would report renal function the patient does not have
        return None
    creatinine = magnitude_in(patient.creatinine, "mg/dL")
    if is_paediatric_renal(patient, protocol):
        return _schwartz(patient, creatinine)
    c = get_formula_constants()["cockcroft_gault"]
    weight, kind = _cockcroft_weight(patient, protocol)
    age_term = c["age_offset"].value - patient.age_years
    kg = magnitude_in(weight, "kg")
    value = age_term * kg / (c["denominator"].value * creatinine)
    sex_text = ""
    if patient.sex == "female":
        value *= c["female_factor"].value
        sex_text = f" x {c['female_factor'].value:g} (female)"
    value = max(value, 0.0)
    formula = (
        f"Cockcroft-Gault: ({c['age_offset'].value:g} - {patient.age_years:g}) x "
        f"{kg:.1f} kg ({kind}) / ({c['denominator'].value:g} x "
        f"{creatinine:.2f} mg/dL){sex_text} = {value:.1f} mL/min"
    )
    return CreatinineClearance(
        value=Q_(value, "mL/min"),
        method="cockcroft-gault",
        weight_used=weight,
        weight_kind=kind.split(" weight")[0],
        formula=formula,
        source=c["age_offset"].source,
    )


def calculate_absolute_clearance(crcl: CreatinineClearance, patient: Patient) -> Quantity:
    """A clearance in mL/min for this patient: an eGFR per 1.73 m2 scaled by the patient's body
    surface area (Mosteller: sqrt(height x weight / 3600)), as a pharmacokinetic covariate needs.
    Hand check: 0.413 x 115 / 0.5 = 94.99; BSA sqrt(115 x 20 / 3600) = 0.799 m2; 94.99 x 0.799 /
    1.73 = 43.9 mL/min.

    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.dosing.patient import create_patient
    >>> child = create_patient(weight="20 kg", age=6, sex="male", creatinine="0.5 mg/dL",
    ...                        height="115 cm")
    >>> egfr = calculate_creatinine_clearance(child, get_protocol("paediatric-mas-civ"))
    >>> round(calculate_absolute_clearance(egfr, child).magnitude, 1)
    43.9
    """
    if not crcl.normalised:
        return crcl.value
    if patient.height is None:
        raise InvalidInput("'height' is needed for the body surface area", field="height")
    c = get_formula_constants()["body_surface_area"]
    product = magnitude_in(patient.height, "cm") * magnitude_in(patient.weight, "kg")
    bsa = (product / c["divisor"].value) ** 0.5
    absolute: Quantity = crcl.value * bsa / magnitude_in(c["normal"].quantity, "m**2")
    return absolute


def describe_missing_renal_input(patient: Patient, protocol: Protocol) -> str | None:
    """Why renal function could not be estimated (a child without a height, no creatinine), or
    None when it could, or when renal replacement decides the renal rule."""
    if patient.renal_replacement != "none" or patient.measured_crcl is not None:
        return None
    if patient.creatinine is None:
        return "No creatinine or measured CrCl: the renal rule could not be checked"
    if is_paediatric_renal(patient, protocol) and patient.height is None:
        block = protocol.renal.paediatric
        assert block is not None
        return (
            f"'height' is needed: below {block.below_age.value:g} years renal function is the "
            "bedside Schwartz eGFR (0.413 x height / creatinine; schwartz-2009), not "
            "Cockcroft-Gault, which is valid only for adults; the renal rule could not be checked"
        )
    return None


def describe_unsteady_creatinine(patient: Patient) -> str | None:
    """A warning when creatinine is not at steady state (acute kidney injury, KDIGO 2012): a
    rise of 0.3 mg/dL within 48 h or to 1.5 times baseline. Creatinine-based clearance then
    overestimates renal function.

    >>> from anakinra_iv.dosing.patient import create_patient
    >>> p = create_patient(weight="70 kg", age=60, sex="male", creatinine="1.4 mg/dL",
    ...                    creatinine_48h_ago="1.0 mg/dL")
    >>> describe_unsteady_creatinine(p)[:45]
    'Creatinine is not at steady state (rise 0.4 m'
    """
    if patient.creatinine is None:
        return None
    c = get_formula_constants()["acute_kidney_injury"]
    found: list[str] = []
    if patient.creatinine_48h_ago is not None:
        rise = patient.creatinine - patient.creatinine_48h_ago
        if rise >= c["rise_within_48h"].quantity * (1 - 1e-9):
            found.append(f"rise {format_quantity(rise, 'mg/dL', 2)} within 48 h")
    if patient.baseline_creatinine is not None:
        ratio = float((patient.creatinine / patient.baseline_creatinine).to("").magnitude)
        if ratio >= c["ratio_to_baseline"].value * (1 - 1e-9):
            found.append(f"{ratio:.2g} x baseline")
    if not found:
        return None
    return (
        f"Creatinine is not at steady state ({'; '.join(found)}: acute kidney injury by KDIGO "
        f"2012, {c['rise_within_48h'].source}): Cockcroft-Gault and Schwartz assume a steady "
        "state and overestimate renal function now; review the renal rule with each new value"
    )
