"""An observation's value in its catalogue unit, or a refusal naming the field.

Every observation a user records names a catalogued analyte (by LOINC code, short name or
alias); its value is read through the analyte's catalogue entry: converted to the canonical unit
(through the molar mass where the catalogue gives one), checked against the plausible range, and
refused when the unit cannot be converted (a ferritin in kg, a platelet count in mg/h) or the
analyte is unknown. Weight and creatinine keep the short names dosing reads them by.

>>> read_observation_value("2276-4", None, "2.4 ug/mL").magnitude
2400.0
>>> read_observation_value(None, "crp", "5 kg")
Traceback (most recent call last):
...
anakinra_iv.errors.UnitMismatch: 'value' (crp) must be in a unit such as mg/L, mg/dL (got '5 kg')
"""

from __future__ import annotations

from dataclasses import dataclass

from anakinra_iv.assessment.catalogue import Analyte, get_analyte, get_catalogue
from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.errors import AnakinraError, InvalidInput, UnknownItem

__all__ = ["CatalogueValue", "find_analyte", "read_observation_value"]

_DOSING_NAMES = {"body_weight": "weight", "creatinine": "creatinine"}
"""Catalogue names stored under the names dosing reads."""


@dataclass(frozen=True)
class CatalogueValue:
    """An observation value as stored: code, name, number in ``unit``, and its text."""

    code: str | None
    name: str
    magnitude: float
    unit: str
    text: str


def find_analyte(code: str | None, name: str | None) -> Analyte:
    """The catalogued analyte a code (first) or a name stands for; UnknownItem naming the field.

    A code and a name that name different analytes are refused.
    """
    found: list[Analyte] = []
    for field, key in (("code", code), ("name", name)):
        if key:
            try:
                found.append(get_analyte(key))
            except UnknownItem:
                if field == "code" or code is None:
                    known = ", ".join(a.name for a in get_catalogue().analytes)
                    raise UnknownItem(
                        f"'{field}' {key!r} is not an observation in the catalogue (known: "
                        f"{known})",
                        field=field,
                        value=key,
                    ) from None
    if not found:
        raise InvalidInput("give the observation's 'code' (LOINC) or 'name'", field="code")
    if len(found) == 2 and found[0].group != found[1].group:
        raise InvalidInput(
            f"'code' {code!r} is {found[0].name} but 'name' {name!r} is {found[1].name}",
            field="code",
            value=code,
        )
    return found[0]


def read_observation_value(code: str | None, name: str | None, value: str) -> CatalogueValue:
    """Read ``value`` for the analyte of ``code`` or ``name`` (see the module docstring)."""
    analyte = find_analyte(code, name)
    try:
        measured = read_measurement(analyte.name, value, field=analyte.name)
    except AnakinraError as error:
        message = error.message.replace(f"'{analyte.name}'", f"'value' ({analyte.name})", 1)
        raise type(error)(message, field="value", value=value, limit=error.limit) from error
    entry = get_analyte(measured.analyte)
    magnitude = measured.magnitude
    return CatalogueValue(
        code=entry.loinc,
        name=_DOSING_NAMES.get(entry.name, entry.name),
        magnitude=magnitude,
        unit=entry.unit,
        text=f"{magnitude:g} {entry.unit}",
    )
