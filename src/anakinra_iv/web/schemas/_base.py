"""The bases of every API schema and the readers of quantities and times they share.

Quantities arrive as text with units (``"70 kg"``) and are read once, here; every problem names
its field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict

from anakinra_iv.errors import AnakinraError, InvalidInput, UnitMismatch
from anakinra_iv.units import Q_, Quantity, parse_quantity

__all__ = ["In", "Out", "collect", "read_aware", "read_daily_dose", "read_quantity"]

T = TypeVar("T")


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
        float(text)
    except ValueError:
        return False
    return True


def read_quantity(value: str | float | None, *, field: str, unit: str, **kw: Any) -> Quantity:
    """Read a quantity. A bare number is accepted only where the field name states the unit
    (``rate_mg_per_h``); elsewhere (``weight``) the unit must be written."""
    if value is None:
        raise InvalidInput(f"'{field}' is missing", field=field)
    unit_in_name = "_per_" in field
    if isinstance(value, int | float) or (unit_in_name and _is_number(value.strip())):
        value = f"{value} {unit}"
    return parse_quantity(value, field=field, unit=unit, **kw)


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
