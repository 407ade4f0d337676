"""Shared pieces of every score: conditions, one item's test, and the result types.

A result lists every criterion with the value used, its unit, whether it was met and whether it
was missing. A missing input is never scored as normal: it is listed in ``missing``, and
``conclusive`` says whether the missing items could change the conclusion.

Examples
--------
>>> parse_condition(">= 38.4, <= 39.4")
(('>=', 38.4), ('<=', 39.4))
>>> is_condition_met(39.4, parse_condition(">= 38.4, <= 39.4"))
True
>>> is_condition_met(True, parse_condition("== true"))
True
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from anakinra_iv.assessment.observations import Measurement, get_value_in, round_measure
from anakinra_iv.errors import UnitMismatch

__all__ = [
    "Bound",
    "Criterion",
    "Inputs",
    "ItemValue",
    "ScoreResult",
    "TestOutcome",
    "evaluate_test",
    "is_condition_met",
    "parse_condition",
]

ItemValue = Measurement | bool | int | float | str | tuple[str, ...]
"""A parsed input item: a measurement, a boolean, a count, a number, a category or a list."""

Inputs = Mapping[str, ItemValue]

Bound = tuple[str, float | bool]
"""One comparison: an operator and the number (or boolean) it compares with."""

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
_PART = re.compile(r"^\s*(<=|>=|<|>|==)\s*(\S+)\s*$")


def parse_condition(text: str) -> tuple[Bound, ...]:
    """Read ``"OP NUMBER"`` parts joined by ``,`` (all must hold); ``== true`` for booleans.

    Raises
    ------
    ValueError
        A part is not ``OP NUMBER`` or ``== true|false``.
    """
    bounds: list[Bound] = []
    for part in text.split(","):
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"condition '{text}' must read like '>= 38.4' or '== true'")
        op, number = match.groups()
        if number.lower() in ("true", "false"):
            if op != "==":
                raise ValueError(f"condition '{text}': booleans are compared with '=='")
            bounds.append((op, number.lower() == "true"))
        else:
            bounds.append((op, float(number)))
    return tuple(bounds)


def is_condition_met(value: float | bool, bounds: tuple[Bound, ...]) -> bool:
    """True when ``value`` satisfies every bound (boundary values compared exactly)."""
    return all(_OPS[op](value, limit) for op, limit in bounds)


@dataclass(frozen=True)
class Criterion:
    """One criterion (or score variable) of a result.

    ``value`` is the value used, in ``unit``; ``met`` is None when it could not be judged;
    ``points`` is the contribution to a points score; ``part_of`` names the composite
    criterion a lineage or organ belongs to.
    """

    name: str
    value: float | bool | int | str | None
    unit: str | None
    met: bool | None
    missing: bool = False
    points: float | None = None
    part_of: str | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: ``name``, ``value``, ``unit``, ``met``, ``missing`` (+ extras)."""
        out: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "met": self.met,
            "missing": self.missing,
        }
        if self.points is not None:
            out["points"] = self.points
        if self.part_of is not None:
            out["part_of"] = self.part_of
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class ScoreResult:
    """The result of a score or criteria set, with everything it was based on.

    ``score`` is the number (None where the score has no number or an input is missing);
    ``points`` is set for points scores; ``met`` is True only when the data present establish
    it; ``grade`` is set for grading systems; ``score_range`` is the lowest and highest value
    the missing items allow.
    """

    name: str
    title: str
    source: str
    status: str
    score: float | None
    met: bool | None
    criteria: tuple[Criterion, ...]
    missing: tuple[str, ...]
    conclusive: bool
    points: float | None = None
    grade: int | None = None
    score_range: tuple[float, float] | None = None
    cut_off: str | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``anakinra score`` (keys in a fixed order)."""
        out: dict[str, Any] = {"name": self.name, "title": self.title, "score": self.score}
        if self.points is not None or self.name == "hscore":
            out["points"] = self.points
        if self.grade is not None or self.name in ("crs-astct", "icans-astct"):
            out["grade"] = self.grade
        out["met"] = self.met
        out["conclusive"] = self.conclusive
        out["missing"] = list(self.missing)
        out["criteria"] = [c.as_dict() for c in self.criteria]
        if self.score_range is not None:
            out["score_range"] = list(self.score_range)
        if self.cut_off is not None:
            out["cut_off"] = self.cut_off
        out["notes"] = list(self.notes)
        out["source"] = self.source
        out["status"] = self.status
        return out


@dataclass(frozen=True)
class TestOutcome:
    """How one item fared against one condition."""

    item: str
    value: float | bool | int | str | None
    unit: str | None
    met: bool | None
    missing: bool
    note: str = ""


def evaluate_test(
    item: str, unit: str | None, bounds: tuple[Bound, ...], inputs: Inputs
) -> TestOutcome:
    """Judge ``inputs[item]`` (converted to ``unit``) against ``bounds``.

    An absent item is missing (``met`` None). A measurement that cannot be expressed in
    ``unit`` (another assay) is not missing but cannot be judged (``met`` None, with a note).
    """
    if item not in inputs:
        return TestOutcome(item, None, unit, None, True)
    raw = inputs[item]
    if isinstance(raw, Measurement):
        if unit is None:
            raise ValueError(f"test on '{item}' needs a unit")
        try:
            number = get_value_in(raw, unit)
        except UnitMismatch as e:
            return TestOutcome(item, raw.magnitude, raw.unit, None, False, str(e))
        return TestOutcome(item, number, unit, is_condition_met(number, bounds), False)
    if isinstance(raw, bool):
        return TestOutcome(item, raw, None, is_condition_met(raw, bounds), False)
    if isinstance(raw, int | float):
        number = round_measure(float(raw))
        return TestOutcome(item, number, unit, is_condition_met(number, bounds), False)
    shown = ", ".join(raw) if isinstance(raw, tuple) else raw
    return TestOutcome(item, shown, None, None, False, f"'{item}' is a category, not a number")
