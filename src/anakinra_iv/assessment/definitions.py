"""Score definitions (``data/scores.yaml``): loaded once, validated, and the inputs they read.

Thresholds, points and coefficients come from the cited papers and live in the data file with
their source key. Loading checks that every test names a declared item, that every unit reads,
that bands cover the line with no gap or overlap at their boundaries, and that
``points_by_count`` has one entry per possible count.

Examples
--------
>>> get_score_definition("hscore").source
'fardet-2014'
>>> sorted(list_score_names())
['capd', 'crs-astct', 'hlh-2004', 'hscore', 'icans-astct', 'ice', 'mas-2016', 'ms-score']
>>> read_score_inputs("mas-2016", {"febrile": True, "ferritin": "2400 ng/mL"})["ferritin"].magnitude
2400.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from anakinra_iv.assessment.catalogue import Status, get_analyte
from anakinra_iv.assessment.criteria import Bound, ItemValue, is_condition_met, parse_condition
from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList, ProtocolError, UnknownItem
from anakinra_iv.units import ucum_to_pint, ureg
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "AgeCutOff",
    "IcansTables",
    "ItemSpec",
    "ScoreDefinition",
    "Test",
    "Variable",
    "get_score_definition",
    "list_score_names",
    "read_score_definitions",
    "read_score_inputs",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemSpec(_Frozen):
    """One input item of a score: its kind and, for quantities, the catalogued analyte.

    ``max`` is the highest value a count or number may take (an ICE item, an age);
    ``points`` gives the points of each of ``options`` in order (a CAPD answer). A ``list``
    item is a JSON list of ``options`` (the vasopressors running).
    """

    kind: Literal["quantity", "boolean", "count", "number", "category", "list"]
    analyte: str | None = None
    unit: str | None = None
    options: tuple[str, ...] = ()
    points: tuple[float, ...] = ()
    max: float | None = None
    optional: bool = False

    @model_validator(mode="after")
    def _complete(self) -> ItemSpec:
        if self.kind == "quantity":
            if self.analyte is None:
                raise ValueError("a quantity item needs an analyte")
            get_analyte(self.analyte)
        if self.kind in ("category", "list") and not self.options:
            raise ValueError(f"a {self.kind} item needs options")
        if self.points and len(self.points) != len(self.options):
            raise ValueError("an item's points need one entry per option")
        return self

    @property
    def highest_points(self) -> float:
        """The most points the item can add to a summed score."""
        return max(self.points) if self.points else float(self.max or 0)


class Test(_Frozen):
    """One item compared with a condition (``when``), in ``unit`` for numeric items.

    ``or_when`` in ``or_unit`` is an alternative the source states beside the first (HLH-2004
    writes hypertriglyceridaemia as >= 3.0 mmol/L and >= 265 mg/dL, which are not the same
    number): the test is met when either is.
    """

    item: str
    when: str
    unit: str | None = None
    points: float | None = None
    infant_when: str | None = None
    or_when: str | None = None
    or_unit: str | None = None

    @model_validator(mode="after")
    def _readable(self) -> Test:
        parse_condition(self.when)
        if self.infant_when is not None:
            parse_condition(self.infant_when)
        for unit in (self.unit, self.or_unit):
            if unit is not None:
                ureg.parse_expression(ucum_to_pint(unit))
        if (self.or_when is None) != (self.or_unit is None):
            raise ValueError(f"test on '{self.item}': or_when and or_unit go together")
        if self.or_when is not None:
            parse_condition(self.or_when)
        return self

    @property
    def or_bounds(self) -> tuple[Bound, ...] | None:
        """The parsed alternative condition, or None."""
        return parse_condition(self.or_when) if self.or_when else None

    @property
    def bounds(self) -> tuple[Bound, ...]:
        """The parsed condition."""
        return parse_condition(self.when)

    @property
    def infant_bounds(self) -> tuple[Bound, ...]:
        """The parsed infant condition (the adult one when there is none)."""
        return parse_condition(self.infant_when) if self.infant_when else self.bounds


class Variable(_Frozen):
    """A points variable (bands of one item), or a counted group of tests (criteria)."""

    name: str
    bands: tuple[Test, ...] = ()
    count: tuple[Test, ...] = ()
    points_by_count: tuple[float, ...] = ()
    at_least: int | None = None

    @model_validator(mode="after")
    def _shape(self) -> Variable:
        if bool(self.bands) == bool(self.count):
            raise ValueError(f"variable '{self.name}' needs either bands or count")
        if self.bands:
            _check_partition(self.name, self.bands)
        if self.points_by_count and len(self.points_by_count) != len(self.count) + 1:
            raise ValueError(
                f"variable '{self.name}': points_by_count needs {len(self.count) + 1} entries"
            )
        return self

    @property
    def items(self) -> tuple[str, ...]:
        """The input items this variable reads."""
        return tuple(dict.fromkeys(t.item for t in (self.bands or self.count)))


def _check_partition(name: str, bands: tuple[Test, ...]) -> None:
    """Each value (on, just above, just below each boundary) falls in exactly one band."""
    probes: list[float | bool] = []
    for band in bands:
        for _, limit in band.bounds:
            if isinstance(limit, bool):
                probes.append(limit)
            else:
                step = max(abs(limit), 1.0) * 1e-9
                probes += [limit - step, limit, limit + step]
    for probe in probes:
        hits = sum(1 for b in bands if is_condition_met(probe, b.bounds))
        if hits != 1:
            raise ValueError(f"variable '{name}': {probe} falls in {hits} bands (need exactly 1)")


class AgeCutOff(_Frozen):
    """An age below which another tool applies, with its own status and source."""

    below: float = Field(gt=0)
    unit: Literal["year"] = "year"
    status: Status
    source: str = Field(min_length=1)
    note: str = ""


class IcansTables(_Frozen):
    """The ASTCT ICANS domains: the grade each finding gives (Lee 2019).

    ``encephalopathy`` maps the score item (``ice_score``, ``capd_score``) to its grade bands;
    ``unable_to_perform`` the grade when that tool cannot be done; ``domains`` maps each other
    item to the grade of each answer (``"true"``/``"false"`` for booleans).
    """

    capd_below_age: AgeCutOff
    encephalopathy: dict[str, Variable]
    unable_to_perform: dict[str, int]
    domains: dict[str, dict[str, int]]

    @model_validator(mode="after")
    def _consistent(self) -> IcansTables:
        if set(self.encephalopathy) != set(self.unable_to_perform):
            raise ValueError("every encephalopathy tool needs an 'unable_to_perform' grade")
        return self


class ScoreDefinition(_Frozen):
    """A score or criteria set as published, with its source."""

    name: str
    title: str
    status: Literal["published"]
    source: str = Field(min_length=1)
    items: dict[str, ItemSpec]
    notes: tuple[str, ...] = ()
    cut_off: str | None = None
    anchors: tuple[dict[str, str], ...] = ()
    variables: tuple[Variable, ...] = ()
    terms: tuple[dict[str, Any], ...] = ()
    entry: tuple[Test, ...] = ()
    required: tuple[Test, ...] = ()
    sufficient: tuple[Test, ...] = ()
    criteria: tuple[Test | Variable, ...] = ()
    at_least: int | None = None
    infant_below_age_days: float | None = None
    fever: Test | None = None
    fever_grade: int | None = None
    hypotension_grades: dict[str, int] = {}
    oxygen_grades: dict[str, int] = {}
    nasal_cannula: tuple[str, ...] = ()
    low_flow_max_l_per_min: float | None = None
    not_counted_as_second_vasopressor: tuple[str, ...] = ()
    sum_of_items: bool = False
    icans: IcansTables | None = None

    @model_validator(mode="after")
    def _items_declared(self) -> ScoreDefinition:
        used: list[str] = []
        for group in (self.entry, self.required, self.sufficient):
            used += [t.item for t in group]
        for c in (*self.variables, *self.criteria):
            used += list(c.items) if isinstance(c, Variable) else [c.item]
        used += [str(t["item"]) for t in self.terms]
        if self.fever is not None:
            used.append(self.fever.item)
        unknown = sorted(set(used) - set(self.items))
        if unknown:
            raise ValueError(f"score '{self.name}' tests undeclared items {unknown}")
        if self.cut_off is not None:
            parse_condition(self.cut_off)
        if self.icans is not None:
            _check_icans(self.icans, self.items)
        return self


def _check_icans(tables: IcansTables, items: Mapping[str, ItemSpec]) -> None:
    """Every ICANS domain names a declared item and grades each of its answers."""
    for item, variable in tables.encephalopathy.items():
        if item not in items or set(variable.items) != {item}:
            raise ValueError(f"encephalopathy tool '{item}' must be a declared item graded alone")
    for item, grades in tables.domains.items():
        spec = items.get(item)
        if spec is None:
            raise ValueError(f"ICANS domain '{item}' is not a declared item")
        answers = spec.options if spec.kind == "category" else ("true", "false")
        if set(grades) != set(answers):
            raise ValueError(f"ICANS domain '{item}' must grade exactly {sorted(answers)}")


def read_score_definitions(data: Mapping[str, Any]) -> dict[str, ScoreDefinition]:
    """Validate every score of a ``scores.yaml`` document.

    Raises
    ------
    ProtocolError
        A definition breaks the schema; the message names the score.
    """
    out: dict[str, ScoreDefinition] = {}
    for name, body in data.items():
        try:
            out[name] = ScoreDefinition.model_validate({"name": name, **body})
        except (ValidationError, ValueError, TypeError, AnakinraError) as e:
            raise ProtocolError(f"score '{name}' is malformed: {e}", field=name) from e
    return out


@cache
def _packaged() -> dict[str, ScoreDefinition]:
    text = resources.files("anakinra_iv.assessment").joinpath("data/scores.yaml").read_text()
    return read_score_definitions(read_yaml(text))


def list_score_names() -> tuple[str, ...]:
    """The names ``anakinra score`` accepts."""
    return tuple(_packaged())


def get_score_definition(name: str) -> ScoreDefinition:
    """The packaged definition of score ``name``.

    Raises
    ------
    UnknownItem
        No score has that name.
    """
    try:
        return _packaged()[name]
    except KeyError:
        raise UnknownItem(
            f"'{name}' is not a score (known: {', '.join(_packaged())})", field="score", value=name
        ) from None


def read_score_inputs(name: str, raw: Mapping[str, Any]) -> dict[str, ItemValue]:
    """Parse the JSON items of score ``name``: quantities with units, booleans, categories.

    A null item counts as absent (missing). Every problem is collected, each naming its item.

    Raises
    ------
    UnknownItem
        No score has that name.
    ProblemList
        Unknown items, values of the wrong kind, unreadable or implausible quantities.
    """
    definition = get_score_definition(name)
    problems: list[AnakinraError] = []
    parsed: dict[str, ItemValue] = {}
    for key, value in raw.items():
        spec = definition.items.get(key)
        if spec is None:
            problems.append(
                InvalidInput(
                    f"'{key}' is not an item of {name} (items: {', '.join(definition.items)})",
                    field=key,
                    value=value,
                )
            )
            continue
        if value is None:
            continue
        try:
            parsed[key] = _read_item(key, spec, value)
        except AnakinraError as e:
            problems.append(e)
    ProblemList.raise_if_any(problems)
    return parsed


def _read_item(key: str, spec: ItemSpec, value: Any) -> ItemValue:
    if spec.kind == "quantity":
        if not isinstance(value, str):
            raise InvalidInput(
                f"'{key}' must be text with a number and a unit, such as "
                f"'{_example(spec)}' (got {value!r})",
                field=key,
                value=value,
            )
        return read_measurement(str(spec.analyte), value, field=key)
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidInput(f"'{key}' must be true or false (got {value!r})", field=key)
        return value
    if spec.kind == "list":
        return _read_list(key, spec, value)
    if spec.kind == "category":
        if value not in spec.options:
            raise InvalidInput(
                f"'{key}' must be one of {', '.join(spec.options)} (got {value!r})",
                field=key,
                value=value,
            )
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"'{key}' must be a number (got {value!r})", field=key, value=value)
    if value < 0:
        raise InvalidInput(
            f"'{key}' cannot be negative (got {value!r})", field=key, value=value, limit=0
        )
    if spec.max is not None and value > spec.max:
        raise InvalidInput(
            f"'{key}' must be between 0 and {spec.max:g} (got {value!r})",
            field=key,
            value=value,
            limit=spec.max,
        )
    if spec.kind == "count":
        if int(value) != value:
            raise InvalidInput(f"'{key}' must be a whole number (got {value!r})", field=key)
        return int(value)
    return float(value)


def _read_list(key: str, spec: ItemSpec, value: Any) -> tuple[str, ...]:
    """A JSON list of options, each named once (a repeated agent counts once)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(
            f"'{key}' must be a list such as [] or [\"{spec.options[0]}\"] (got {value!r})",
            field=key,
            value=value,
        )
    unknown = [v for v in value if v not in spec.options]
    if unknown:
        raise InvalidInput(
            f"'{key}': {', '.join(map(repr, unknown))} not among {', '.join(spec.options)}",
            field=key,
            value=value,
        )
    return tuple(dict.fromkeys(value))


def _example(spec: ItemSpec) -> str:
    return f"1 {get_analyte(str(spec.analyte)).unit}"
