"""Plausibility limits of the inputs of a dose plan, read from ``dosing/data/plausibility.yaml``.

A creatinine, an age, a measured creatinine clearance or a current SC dose outside its limits is
refused, naming the field: it is far more likely an entry error (a decimal slip, umol/L typed as
mg/dL, an age in months) than a patient. A weight outside the wide band of its age is reported as
a warning on the plan, naming both fields. Every limit has a status and a source.

Examples
--------
>>> from anakinra_iv.units import Q_
>>> [p.field for p in check_plausible_inputs(age_years=54, creatinine=Q_(12, "mg/dL"))]
[]
>>> [p.field for p in check_plausible_inputs(age_years=130, creatinine=Q_(0.05, "mg/dL"))]
['age', 'creatinine']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from anakinra_iv.errors import AnakinraError, InvalidInput
from anakinra_iv.protocol import Value
from anakinra_iv.units import Quantity, format_quantity, magnitude_in
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "Plausibility",
    "WeightBand",
    "check_plausible_inputs",
    "describe_weight_for_age",
    "get_plausibility",
]


@dataclass(frozen=True)
class WeightBand:
    """Below ``below_age``, a weight between ``low`` and ``high`` is plausible."""

    below_age: Value
    low: Value
    high: Value


@dataclass(frozen=True)
class Plausibility:
    """The packaged limits."""

    creatinine_low: Value
    creatinine_high: Value
    age_high: Value
    measured_crcl_high: Value
    sc_daily_dose_high: Value
    weight_for_age: tuple[WeightBand, ...]


@cache
def get_plausibility() -> Plausibility:
    """The packaged plausibility limits, read once."""
    text = (
        resources.files("anakinra_iv.dosing.data").joinpath("plausibility.yaml").read_text("utf-8")
    )
    raw = read_yaml(text)

    def value(item: object) -> Value:
        return Value.model_validate(item)

    return Plausibility(
        creatinine_low=value(raw["creatinine"]["low"]),
        creatinine_high=value(raw["creatinine"]["high"]),
        age_high=value(raw["age"]["high"]),
        measured_crcl_high=value(raw["measured_crcl"]["high"]),
        sc_daily_dose_high=value(raw["sc_daily_dose"]["high"]),
        weight_for_age=tuple(
            WeightBand(value(b["below_age"]), value(b["low"]), value(b["high"]))
            for b in raw["weight_for_age"]
        ),
    )


def _outside(field: str, shown: str, limit: Value, words: str) -> InvalidInput:
    return InvalidInput(
        f"'{field}' {shown} is {words} the plausible limit of {limit.value:g} {limit.unit} "
        f"({limit.status}, {limit.source}): check the value and its unit",
        field=field,
        value=shown,
        limit=f"{limit.value:g} {limit.unit}",
    )


def check_plausible_inputs(
    *,
    age_years: float | None = None,
    creatinine: Quantity | None = None,
    measured_crcl: Quantity | None = None,
    sc_daily_dose: Quantity | None = None,
    weight: Quantity | None = None,
    creatinine_field: str = "creatinine",
) -> list[AnakinraError]:
    """Every input outside its plausibility limit, as errors naming the field (none: plausible).

    The SC daily dose is judged per kilogram, so it needs ``weight``.
    """
    limits = get_plausibility()
    problems: list[AnakinraError] = []
    if age_years is not None and age_years > magnitude_in(limits.age_high.quantity, "year"):
        problems.append(_outside("age", f"{age_years:g} years", limits.age_high, "above"))
    if creatinine is not None:
        shown = format_quantity(creatinine, "mg/dL", 3)
        if creatinine < limits.creatinine_low.quantity:
            problems.append(_outside(creatinine_field, shown, limits.creatinine_low, "below"))
        elif creatinine > limits.creatinine_high.quantity:
            problems.append(_outside(creatinine_field, shown, limits.creatinine_high, "above"))
    if measured_crcl is not None and measured_crcl > limits.measured_crcl_high.quantity:
        shown = format_quantity(measured_crcl, "mL/min", 1)
        problems.append(_outside("crcl", shown, limits.measured_crcl_high, "above"))
    if sc_daily_dose is not None and weight is not None:
        per_kg = (sc_daily_dose / weight).to("mg/kg/day")
        if per_kg > limits.sc_daily_dose_high.quantity:
            shown = (
                f"{format_quantity(sc_daily_dose, 'mg/day')} "
                f"({format_quantity(per_kg, 'mg/kg/day', 1)})"
            )
            problems.append(
                _outside("current_sc_daily_dose", shown, limits.sc_daily_dose_high, "above")
            )
    return problems


def describe_weight_for_age(weight: Quantity, age_years: float) -> str | None:
    """A warning when ``weight`` lies outside the wide band of ``age_years``, else None.

    >>> from anakinra_iv.units import Q_
    >>> describe_weight_for_age(Q_(75, "kg"), 1.0)[:60]
    "'weight' 75 kg is implausible for 'age' 1 year (4-50 kg for "
    >>> describe_weight_for_age(Q_(10, "kg"), 1.0) is None
    True
    """
    previous = 0.0
    for band in get_plausibility().weight_for_age:
        below = magnitude_in(band.below_age.quantity, "year")
        if age_years < below:
            low, high = band.low.quantity, band.high.quantity
            if low <= weight <= high:
                return None
            return (
                f"'weight' {format_quantity(weight, 'kg', 1)} is implausible for 'age' "
                f"{age_years:g} year{'s' if age_years != 1 else ''} ({band.low.value:g}-"
                f"{band.high.value:g} kg for ages {previous:g} to below {below:g} years; "
                f"{band.low.status}, {band.low.source}): check the weight, its unit and the age"
            )
        previous = below
    return None
