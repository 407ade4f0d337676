"""A clinical number with its provenance.

Every clinical number in a protocol file is a :class:`Value`: the number, its unit, its status
(how we know it) and its source (an evidence-registry key). A bare number where a value belongs
does not load.

Examples
--------
>>> v = Value(value=2400, unit="mg/day", status="published", source="monteagudo-2020")
>>> v.quantity.to("mg/h").magnitude
100.0
>>> v.is_site_decision
False
>>> Value(value=1.0, unit="1e9/L", status="precedent", source="precise-trips-2023").quantity
<Quantity(1e+09, '1 / liter')>
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from anakinra_iv.units import Q_, Quantity, create_quantity, ureg

__all__ = ["STATUSES", "Provenance", "Status", "Value", "iter_provenance"]

Status = Literal["published", "precedent", "regulatory", "derived", "site-decision"]
STATUSES: tuple[str, ...] = ("published", "precedent", "regulatory", "derived", "site-decision")


class Provenance(BaseModel):
    """Where a value or a rule comes from: its status and an evidence-registry key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    source: str = Field(min_length=1)
    note: str = ""

    @property
    def is_site_decision(self) -> bool:
        """True when no published value exists and the institution must decide."""
        return self.status == "site-decision"


class Value(Provenance):
    """A number with a unit, a status and a source."""

    value: float
    unit: str = Field(min_length=1)

    @field_validator("unit")
    @classmethod
    def _unit_is_known(cls, unit: str) -> str:
        try:
            ureg.parse_expression(unit)
        except Exception as e:
            raise ValueError(f"unknown unit '{unit}'") from e
        return unit

    @property
    def quantity(self) -> Quantity:
        """The value as a quantity of the package's registry."""
        if self.unit in ("1", "dimensionless"):
            return Q_(self.value, "dimensionless")
        return create_quantity(self.value, self.unit)


def iter_provenance(model: BaseModel, path: str = "") -> Iterator[tuple[str, Provenance]]:
    """Walk a model and yield ``(path, provenance)`` for every value and rule inside it.

    Paths read like ``regimen.ladder[2]`` or ``rules[0].all[1].threshold``.
    """
    if isinstance(model, Provenance) and path:
        yield path, model
    for name in type(model).model_fields:
        child = getattr(model, name)
        child_path = f"{path}.{name}" if path else name
        if isinstance(child, BaseModel):
            yield from iter_provenance(child, child_path)
        elif isinstance(child, tuple | list):
            for i, item in enumerate(child):
                if isinstance(item, BaseModel):
                    yield from iter_provenance(item, f"{child_path}[{i}]")
