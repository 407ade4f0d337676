"""Plausibility of a patient's registration and the normal form of a medical record number.

Limits are data (``data/patient_limits.yaml``, site-decision values). A medical record number
is compared and stored in one normal form, so that look-alikes are one patient: Unicode NFKC
(full-width digits become ASCII), invisible and space characters removed (a zero-width space,
a soft hyphen, a no-break space), every dash and hyphen written as ``-``, and the site's case
rule applied.

>>> normalise_mrn("mrn\\u200b-0001", case="upper"), normalise_mrn("MRN\\u20110001", case="upper")
('MRN-0001', 'MRN-0001')
>>> normalise_mrn("ＭＲＮ－０００１", case="upper")
'MRN-0001'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Literal, get_args

import yaml

from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.dosing.patient import RenalReplacement
from anakinra_iv.errors import AnakinraError, InvalidInput
from anakinra_iv.units import magnitude_in
from anakinra_iv.workflow.commands import CreatePatient

__all__ = [
    "MAX_MRN_LENGTH",
    "PatientLimits",
    "check_patient_fields",
    "get_patient_limits",
    "normalise_mrn",
]

MAX_MRN_LENGTH = 64
"""The longest medical record number (the column's size)."""
_MAX_NAME_LENGTH = 200
_DASHES = {"\u2212", "\ufe63", "\uff0d"}  # minus sign and small or full-width hyphen-minus

CaseRule = Literal["upper", "lower", "preserve"]


@dataclass(frozen=True)
class PatientLimits:
    """Height range (cm), the oldest age (years), the MRN case rule, and their source."""

    height_low_cm: float
    height_high_cm: float
    max_age_years: int
    mrn_case: CaseRule
    source: str


@cache
def get_patient_limits() -> PatientLimits:
    """The packaged limits."""
    raw = yaml.safe_load(
        (files("anakinra_iv.workflow") / "data" / "patient_limits.yaml").read_text()
    )
    for key, entry in raw.items():
        if not {"status", "source"} <= set(entry):
            raise ValueError(f"patient_limits.yaml: '{key}' needs a status and a source")
    case = raw["mrn_case"]["value"]
    if case not in ("upper", "lower", "preserve"):
        raise ValueError(f"patient_limits.yaml: mrn_case must be upper, lower or preserve ({case})")
    return PatientLimits(
        height_low_cm=float(raw["height"]["low"]),
        height_high_cm=float(raw["height"]["high"]),
        max_age_years=int(raw["age"]["high"]),
        mrn_case=case,
        source="anakinra_iv/workflow/data/patient_limits.yaml",
    )


def normalise_mrn(text: str, *, case: CaseRule | None = None) -> str:
    """The normal form of a medical record number (see the module docstring)."""
    rule = get_patient_limits().mrn_case if case is None else case
    kept: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category in ("Cf", "Cc", "Zs", "Zl", "Zp") or char.isspace():
            continue
        kept.append("-" if category == "Pd" or char in _DASHES else char)
    normal = "".join(kept)
    if rule == "upper":
        return normal.upper()
    return normal.lower() if rule == "lower" else normal


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_patient_fields(cmd: CreatePatient, now: datetime) -> list[AnakinraError]:
    """Every implausible field of a registration, each naming its field."""
    limits = get_patient_limits()
    problems: list[AnakinraError] = []
    mrn = normalise_mrn(cmd.mrn, case=limits.mrn_case)
    if cmd.mrn.strip() and not mrn:
        problems.append(
            InvalidInput(f"'mrn' holds no visible character (got {cmd.mrn!r})", field="mrn")
        )
    if len(mrn) > MAX_MRN_LENGTH or not mrn.isprintable():
        problems.append(
            InvalidInput(
                f"'mrn' must be 1 to {MAX_MRN_LENGTH} printable characters (got {cmd.mrn!r})",
                field="mrn",
                value=cmd.mrn,
                limit=MAX_MRN_LENGTH,
            )
        )
    if len(cmd.name.strip()) > _MAX_NAME_LENGTH or not cmd.name.isprintable():
        problems.append(
            InvalidInput(
                f"'name' must be at most {_MAX_NAME_LENGTH} printable characters",
                field="name",
                limit=_MAX_NAME_LENGTH,
            )
        )
    oldest = _years_before(now.date(), limits.max_age_years)
    if cmd.birth_date < oldest:
        problems.append(
            InvalidInput(
                f"'birth_date' {cmd.birth_date.isoformat()} is more than {limits.max_age_years} "
                f"years ago (site-decision, {limits.source}); check the year",
                field="birth_date",
                value=cmd.birth_date.isoformat(),
                limit=oldest.isoformat(),
            )
        )
    if cmd.height is not None:
        try:
            height = magnitude_in(cmd.height, "cm")
        except Exception:  # a wrong dimension is reported by the height's own reader
            height = None
        if height is not None and not limits.height_low_cm <= height <= limits.height_high_cm:
            problems.append(
                InvalidInput(
                    f"'height' {height:g} cm is outside the plausible range "
                    f"{limits.height_low_cm:g}-{limits.height_high_cm:g} cm (site-decision, "
                    f"{limits.source}); check the value and its unit",
                    field="height",
                    value=f"{height:g} cm",
                    limit=f"{limits.height_low_cm:g}-{limits.height_high_cm:g} cm",
                )
            )
    modes = get_args(RenalReplacement)
    if cmd.renal_replacement not in modes:
        problems.append(
            InvalidInput(
                f"'renal_replacement' must be one of {', '.join(modes)} "
                f"(got {cmd.renal_replacement!r})",
                field="renal_replacement",
                value=cmd.renal_replacement,
            )
        )
    for field_name, analyte, quantity in (
        ("weight", "body_weight", cmd.weight),
        ("creatinine", "creatinine", cmd.creatinine),
    ):
        if quantity is not None:
            try:
                read_measurement(analyte, quantity, field=field_name)
            except AnakinraError as error:
                problems.append(error)
    return problems
