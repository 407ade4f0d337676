"""The patient as the dosing module sees them, read from text with units at the edge.

Every number is read by :func:`anakinra_iv.units.parse_quantity` (a decimal comma is refused,
naming the field) and checked against the plausibility limits of
:mod:`anakinra_iv.dosing.plausibility`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from anakinra_iv.dosing.plausibility import check_plausible_inputs
from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList
from anakinra_iv.units import (
    CREATININE_MOLAR_MASS,
    Q_,
    Quantity,
    parse_quantity,
    read_number,
    ureg,
)

__all__ = ["Patient", "RenalReplacement", "Sex", "create_patient", "parse_daily_dose"]

Sex = Literal["female", "male"]
RenalReplacement = Literal["none", "haemodialysis", "crrt"]

_SEXES: dict[str, Sex] = {"female": "female", "f": "female", "male": "male", "m": "male"}
_RRT: dict[str, RenalReplacement] = {
    "none": "none",
    "haemodialysis": "haemodialysis",
    "hemodialysis": "haemodialysis",
    "hd": "haemodialysis",
    "dialysis": "haemodialysis",
    "crrt": "crrt",
    "cvvhdf": "crrt",
    "cvvh": "crrt",
}


@dataclass(frozen=True)
class Patient:
    """Inputs that dosing needs. Quantities are in canonical units (kg, mg/dL, cm, mL/min)."""

    weight: Quantity
    age_years: float
    sex: Sex
    height: Quantity | None = None
    creatinine: Quantity | None = None
    measured_crcl: Quantity | None = None
    renal_replacement: RenalReplacement = "none"
    current_sc_daily_dose: Quantity | None = None
    baseline_creatinine: Quantity | None = None
    creatinine_48h_ago: Quantity | None = None


def _collect(problems: list[AnakinraError], parse: Callable[[], Quantity]) -> Quantity | None:
    try:
        return parse()
    except AnakinraError as e:
        problems.append(e)
        return None


def create_patient(
    *,
    weight: str | Quantity | None,
    age: float | str | None,
    sex: str | None,
    creatinine: str | Quantity | None = None,
    measured_crcl: str | Quantity | None = None,
    height: str | Quantity | None = None,
    renal_replacement: str = "none",
    current_sc_daily_dose: str | Quantity | None = None,
    baseline_creatinine: str | Quantity | None = None,
    creatinine_48h_ago: str | Quantity | None = None,
) -> Patient:
    """Read a patient from text with units; report every problem at once.

    ``current_sc_daily_dose`` may be per kilogram (``"4 mg/kg/day"``); it is kept in mg/day.
    ``baseline_creatinine`` and ``creatinine_48h_ago`` let the plan tell whether creatinine is
    at steady state (Cockcroft-Gault assumes it is).

    Examples
    --------
    >>> p = create_patient(weight="154 lb", age=54, sex="female", creatinine="88.4 umol/L")
    >>> round(p.weight.magnitude, 1), round(p.creatinine.magnitude, 2)
    (69.9, 1.0)

    Raises
    ------
    ProblemList or InvalidInput
        Each problem names its field: a missing, zero or negative weight, a weight without a
        unit, a creatinine in an unknown unit, an unknown sex...
    """
    problems: list[AnakinraError] = []
    parsed_weight = _collect(
        problems,
        lambda: parse_quantity(_required(weight, "weight"), field="weight", unit="kg"),
    )
    age_years = math.nan
    try:
        age_years = _read_age(age)
    except AnakinraError as e:
        problems.append(e)
    chosen_sex: Sex | None = _SEXES.get(str(sex).strip().lower()) if sex is not None else None
    if chosen_sex is None:
        problems.append(
            InvalidInput(
                f"'sex' must be female or male (got '{sex}')" if sex else "'sex' is missing",
                field="sex",
                value=sex,
            )
        )
    parsed_creatinine = _read_creatinine(problems, creatinine, "creatinine")
    parsed_baseline = _read_creatinine(problems, baseline_creatinine, "baseline_creatinine")
    parsed_earlier = _read_creatinine(problems, creatinine_48h_ago, "creatinine_48h_ago")
    parsed_crcl = (
        _collect(
            problems,
            lambda: parse_quantity(measured_crcl, field="crcl", unit="mL/min"),
        )
        if measured_crcl is not None
        else None
    )
    parsed_height = (
        _collect(problems, lambda: parse_quantity(height, field="height", unit="cm"))
        if height is not None
        else None
    )
    parsed_sc = (
        _collect(problems, lambda: _read_sc_dose(current_sc_daily_dose, parsed_weight))
        if current_sc_daily_dose is not None
        else None
    )
    rrt = _RRT.get(renal_replacement.strip().lower())
    if rrt is None:
        problems.append(
            InvalidInput(
                f"'renal_replacement' must be none, haemodialysis or crrt (got "
                f"'{renal_replacement}')",
                field="renal_replacement",
                value=renal_replacement,
            )
        )
    problems += check_plausible_inputs(
        age_years=None if math.isnan(age_years) else age_years,
        creatinine=parsed_creatinine,
        measured_crcl=parsed_crcl,
        sc_daily_dose=parsed_sc,
        weight=parsed_weight,
    )
    for name, value in (
        ("baseline_creatinine", parsed_baseline),
        ("creatinine_48h_ago", parsed_earlier),
    ):
        problems += check_plausible_inputs(creatinine=value, creatinine_field=name)
    ProblemList.raise_if_any(problems)
    assert parsed_weight is not None and chosen_sex is not None and rrt is not None
    return Patient(
        weight=parsed_weight,
        age_years=age_years,
        sex=chosen_sex,
        height=parsed_height,
        creatinine=parsed_creatinine,
        measured_crcl=parsed_crcl,
        renal_replacement=rrt,
        current_sc_daily_dose=parsed_sc,
        baseline_creatinine=parsed_baseline,
        creatinine_48h_ago=parsed_earlier,
    )


def _read_creatinine(
    problems: list[AnakinraError], value: str | Quantity | None, field: str
) -> Quantity | None:
    if value is None:
        return None
    return _collect(
        problems,
        lambda: parse_quantity(value, field=field, unit="mg/dL", molar_mass=CREATININE_MOLAR_MASS),
    )


def _read_sc_dose(value: str | Quantity, weight: Quantity | None) -> Quantity:
    """The current SC daily dose in mg/day; a dose per kilogram needs the weight."""
    field = "current_sc_daily_dose"
    dose = parse_daily_dose(value, field=field)
    if dose.check("[mass]/[time]"):
        in_mg: Quantity = dose.to("mg/day")
        return in_mg
    if dose.check("1/[time]"):
        if weight is None:
            raise InvalidInput(f"'{field}' per kilogram needs the 'weight'", field=field)
        per_patient: Quantity = (dose * weight).to("mg/day")
        return per_patient
    raise InvalidInput(
        f"'{field}' must be in mg/day or mg/kg/day (got '{dose:~P}')", field=field, value=value
    )


def _required(value: str | Quantity | None, field: str) -> str | Quantity:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"'{field}' is missing", field=field)
    return value


def _read_age(age: float | str | None) -> float:
    if age is None or (isinstance(age, str) and not age.strip()):
        raise InvalidInput("'age' is missing", field="age")
    if isinstance(age, str):
        text = age.strip()
        try:
            value = read_number(text, field="age")
        except InvalidInput:
            value = parse_quantity(text, field="age", unit="year", positive=False).magnitude
    else:
        value = float(age)
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(
            f"'age' must be 0 years or more (got '{age}')", field="age", value=age, limit=0
        )
    return float(value)


def parse_daily_dose(value: str | Quantity, *, field: str = "daily_dose") -> Quantity:
    """Read a daily dose: ``"1200 mg"`` (a dose per day, as the field names it),
    ``"1200 mg/day"``, ``"50 mg/h"`` or ``"20 mg/kg/day"``.

    >>> parse_daily_dose("1200 mg").to("mg/day").magnitude
    1200.0
    >>> parse_daily_dose("20 mg/kg/day").to("mg/kg/day").magnitude
    20.0
    """
    if isinstance(value, str):
        text = value.strip()
        for unit in ("mg", "mg/day", "mg/kg/day"):
            try:
                quantity = parse_quantity(text, field=field, unit=unit)
            except AnakinraError:
                continue
            if unit == "mg":
                per_day: Quantity = (quantity / Q_(1, "day")).to("mg/day")
                return per_day
            return quantity
        quantity = parse_quantity(text, field=field, unit="mg/day")  # raises the clear error
        return quantity
    if value.check("[mass]"):
        converted: Quantity = (value / ureg.day).to("mg/day")
        return converted
    return value
