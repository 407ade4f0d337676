"""The bases of every API schema and the readers of quantities and times they share.

Quantities arrive as text with units (``"70 kg"``) and are read once, here; every problem names
its field. Keys are whole numbers the database can hold, text fits its column and carries no
control characters, and values of catalogued analytes (weight, creatinine, ferritin, ...) must lie
in the catalogue's plausible range, so that a malformed body is refused before anything is
stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.errors import AnakinraError, InvalidInput, UnitMismatch, UnknownItem
from anakinra_iv.units import Q_, Quantity, parse_quantity, read_number

__all__ = [
    "MAX_RECORD_ID",
    "MAX_TEXT",
    "PRINTABLE",
    "In",
    "LongText",
    "Out",
    "QuantityText",
    "RecordId",
    "Text16",
    "Text32",
    "Text64",
    "Text100",
    "Text200",
    "check_plausible",
    "collect",
    "read_aware",
    "read_daily_dose",
    "read_quantity",
]

T = TypeVar("T")

MAX_RECORD_ID = 2**31 - 1
"""The largest key or version number the database holds (a PostgreSQL ``integer``)."""
MAX_TEXT = 2000
"""The longest free text (reasons) accepted."""

PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
"""A pattern of one line of text without control characters (query and form fields)."""

RecordId = Annotated[int, Field(strict=True, ge=1, le=MAX_RECORD_ID)]
"""A key or version number: a JSON whole number from 1 to :data:`MAX_RECORD_ID`."""


def _refuse_control_characters(text: str) -> str:
    """``text`` unchanged; a control character other than tab and line breaks is refused.

    >>> _refuse_control_characters("Doe, Jane")
    'Doe, Jane'
    """
    for char in text:
        if (ord(char) < 32 and char not in "\t\n\r") or 127 <= ord(char) < 160:
            raise ValueError(f"must not contain control characters (got {char!r})")
    return text


_PRINTABLE = AfterValidator(_refuse_control_characters)
Text16 = Annotated[str, Field(max_length=16), _PRINTABLE]
Text32 = Annotated[str, Field(max_length=32), _PRINTABLE]
Text64 = Annotated[str, Field(max_length=64), _PRINTABLE]
Text100 = Annotated[str, Field(max_length=100), _PRINTABLE]
Text200 = Annotated[str, Field(max_length=200), _PRINTABLE]
LongText = Annotated[str, Field(max_length=MAX_TEXT), _PRINTABLE]
"""Text fields: at most so many characters (the database column's size), no control
characters."""


def _read_quantity_text(value: object) -> str | float:
    """Text of at most 100 printable characters, or a number (never a boolean).

    >>> _read_quantity_text("50 mg/h"), _read_quantity_text(50)
    ('50 mg/h', 50.0)
    """
    if isinstance(value, str):
        if len(value) > 100:
            raise ValueError("must have at most 100 characters")
        return _refuse_control_characters(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError("must be text with a unit such as '50 mg/h', or a number")


QuantityText = Annotated[
    str | float,
    PlainValidator(
        _read_quantity_text, json_schema_input_type=Annotated[str, Field(max_length=100)] | float
    ),
]
"""A quantity: text with a unit, or a JSON number where the field's name states the unit."""


class In(BaseModel):
    """What the API accepts: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Out(BaseModel):
    """What the API returns, read from a workflow view's attributes of the same names."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    @classmethod
    def from_view(cls, view: object) -> Self:
        """From a workflow view (fields the schema does not declare are left out)."""
        return cls.model_validate(view)


def collect(problems: list[AnakinraError], read: Callable[[], T]) -> T | None:
    """``read()``, or None with its error appended to ``problems``."""
    try:
        return read()
    except AnakinraError as error:
        problems.append(error)
        return None


def _is_number(text: str) -> bool:
    try:
        read_number(text, field="value")
    except InvalidInput:
        return False
    return True


def read_quantity(value: str | float | None, *, field: str, unit: str, **kw: Any) -> Quantity:
    """Read a quantity. A bare number is accepted only where the field name states the unit
    (``rate_mg_per_h``, ``dose_mg``, ``final_volume_ml``); elsewhere (``weight``) the unit
    must be written."""
    if value is None:
        raise InvalidInput(f"'{field}' is missing", field=field)
    unit_in_name = "_per_" in field or field.endswith(("_mg", "_ml"))
    if isinstance(value, int | float) or (unit_in_name and _is_number(value.strip())):
        value = f"{value} {unit}"
    try:
        return parse_quantity(value, field=field, unit=unit, **kw)
    except ZeroDivisionError as error:
        # a molar-mass conversion of a unit of another dimension ("5 kg" as creatinine)
        raise _wrong_dimension(value, field=field, unit=unit) from error


def _wrong_dimension(value: str, *, field: str, unit: str) -> UnitMismatch:
    return UnitMismatch(
        f"'{field}' must be in a unit convertible to {unit} (got '{value.strip()}')",
        field=field,
        value=value,
        limit=unit,
    )


def check_plausible(analyte: str | None, value: str | None, *, field: str) -> None:
    """Refuse a value of a catalogued analyte outside the catalogue's plausible range.

    An analyte the catalogue does not know, and a unit it does not list, are left to the reader
    that stores the value.
    """
    if not analyte or not value:
        return
    try:
        read_measurement(analyte, value, field=field)
    except (UnknownItem, UnitMismatch):
        return
    except ZeroDivisionError as error:
        raise _wrong_dimension(value, field=field, unit=get_analyte(analyte).unit) from error


def read_aware(moment: datetime | None, field: str) -> datetime | None:
    """A time with its zone, in UTC; a time without one is refused."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"'{field}' needs a time zone, e.g. '2026-01-05T08:00:00Z' (got '{moment}')",
            field=field,
        )
    return moment.astimezone(UTC)


def read_daily_dose(text: str | None) -> Quantity | None:
    """A daily dose; plain mg on a daily-dose field means mg per day."""
    if text is None or not text.strip():
        return None
    for unit in ("mg/day", "mg/kg/day"):
        try:
            return parse_quantity(text, field="daily_dose", unit=unit)
        except UnitMismatch:
            continue
    per_day: Quantity = parse_quantity(text, field="daily_dose", unit="mg") / Q_(1, "day")
    return per_day
