"""Plausibility of a patient's registration and the normal form of a medical record number.

Limits are data (``data/patient_limits.yaml``, site-decision values). A medical record number
is compared and stored in one normal form, so that look-alikes are one patient: full-width
forms become ASCII, invisible characters (every Default_Ignorable_Code_Point: a zero-width
space, a soft hyphen, a variation selector, a filler) and spaces are removed, every dash and
hyphen is written as ``-``, and the site's case rule is applied. What would make a look-alike of
another number is refused, never folded: a digit of another script, a combining mark, a
superscript (NFKC would turn ``1¹`` into ``11``), a letter outside ASCII (Cyrillic ``М``).

>>> normalise_mrn("mrn\\u200b-0001", case="upper"), normalise_mrn("MRN\\u20110001", case="upper")
('MRN-0001', 'MRN-0001')
>>> normalise_mrn("ＭＲＮ－０００１", case="upper")
'MRN-0001'
>>> normalise_mrn("MRN-0001\\ufe0f", case="upper")
'MRN-0001'
>>> normalise_mrn("MRN-000\\u00b9", case="upper")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
anakinra_iv.errors.InvalidInput: 'mrn' holds SUPERSCRIPT ONE (U+00B9), a compatibility ...
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
    "is_default_ignorable",
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


DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
"""Every Default_Ignorable_Code_Point (Unicode 15.1 DerivedCoreProperties.txt): characters
that render as nothing (zero-width and bidi controls, variation selectors, fillers, tags)."""

_FOLDED_FORMS = ("<wide>", "<narrow>")
"""Compatibility forms that only change a character's width: folded to the ASCII character."""


def is_default_ignorable(char: str) -> bool:
    """True for a Default_Ignorable_Code_Point.

    >>> is_default_ignorable("\ufe0f"), is_default_ignorable("\u034f"), is_default_ignorable("a")
    (True, True, False)
    """
    point = ord(char)
    return any(low <= point <= high for low, high in DEFAULT_IGNORABLE)


def _refuse(text: str, char: str, why: str) -> InvalidInput:
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    return InvalidInput(
        f"'mrn' holds {name} (U+{ord(char):04X}), {why}; type the number in ASCII letters, "
        f"digits and punctuation (got {text!r})",
        field="mrn",
        value=text,
    )


def _fold(text: str, char: str) -> str:
    """``char`` as it is compared: removed, a hyphen, its ASCII width form, or refused."""
    if is_default_ignorable(char) or char.isspace():
        return ""
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Zs", "Zl", "Zp"):
        return ""
    if category == "Pd" or char in _DASHES:
        return "-"
    if char.isascii():
        return char
    decomposition = unicodedata.decomposition(char)
    if decomposition.startswith(_FOLDED_FORMS):
        folded = unicodedata.normalize("NFKC", char)
        if folded.isascii() and folded.isprintable():
            return folded
    if category == "Nd":
        raise _refuse(text, char, "a digit of another script that reads as another number")
    if category.startswith("M"):
        raise _refuse(text, char, "a combining mark that changes the character before it")
    if decomposition.startswith("<"):
        raise _refuse(text, char, "a compatibility character that would be read as another")
    raise _refuse(text, char, "a character outside ASCII (it may look like an ASCII one)")


def normalise_mrn(text: str, *, case: CaseRule | None = None) -> str:
    """The normal form of a medical record number (see the module docstring).

    Raises
    ------
    InvalidInput
        The number holds a character that could make a look-alike of another number: a digit
        of another script, a combining mark, a superscript or other compatibility character,
        a letter outside ASCII (a Cyrillic or Greek look-alike). These are refused, never
        folded, so that no typed number is silently read as a different one.
    """
    rule = get_patient_limits().mrn_case if case is None else case
    normal = "".join(_fold(text, char) for char in text)
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
    try:
        mrn = normalise_mrn(cmd.mrn, case=limits.mrn_case)
    except InvalidInput as refused:
        problems.append(refused)
        mrn = "-"
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
