"""Protocol files: reading, validating and finding the packaged ones.

A protocol file is YAML. Reading one checks, and reports all at once:

- the schema (every clinical number is a value with a status and a source);
- that every source key resolves to an entry of the evidence registry;
- that the numbers agree with each other (ladder ascending and inside the hard limits, soft
  limits inside hard ones, units of the right dimension, a bag that hangs no longer than its
  beyond-use time).

Packaged protocols live in ``protocol/data/<id>.v<version>.yaml``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pint
import yaml
from pydantic import ValidationError

from anakinra_iv.errors import ProblemList, ProtocolError, UnknownItem
from anakinra_iv.evidence import has_entry
from anakinra_iv.protocol.schema import ContinuousRegimen, Protocol
from anakinra_iv.protocol.values import Value

__all__ = ["get_protocol", "list_protocols", "read_protocol_file", "read_protocol_text"]

_DATA = "anakinra_iv.protocol.data"


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("ContinuousRegimen", "IntermittentRegimen", "continuous", "intermittent"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def _schema_problems(error: ValidationError, name: str) -> list[ProtocolError]:
    problems: list[ProtocolError] = []
    for item in error.errors():
        where = _location(tuple(item["loc"]))
        got = item.get("input")
        if (
            isinstance(got, int | float)
            and not isinstance(got, bool)
            and (item["type"] in ("model_type", "dict_type", "model_attributes_type"))
        ):
            message = (
                f"{name}: '{where}' is a bare number ({got}); every clinical number needs "
                "value, unit, status and source"
            )
        elif item["type"] == "missing" and where.split(".")[-1] in ("status", "source"):
            message = (
                f"{name}: '{where}' is missing; every clinical number needs a status and a source"
            )
        else:
            message = f"{name}: '{where}': {item['msg']} (got {got!r})"
        problems.append(ProtocolError(message, field=where, value=got))
    return problems


def _source_problems(raw: Any, name: str, path: str = "") -> list[ProtocolError]:
    """Every ``source`` key in the raw file that the evidence registry does not know."""
    problems: list[ProtocolError] = []
    if isinstance(raw, dict):
        source = raw.get("source")
        if isinstance(source, str) and not has_entry(source):
            field = f"{path}.source" if path else "source"
            problems.append(
                ProtocolError(
                    f"{name}: '{field}' cites '{source}', which is not in the evidence registry",
                    field=field,
                    value=source,
                )
            )
        for key, child in raw.items():
            problems += _source_problems(child, name, f"{path}.{key}" if path else str(key))
    elif isinstance(raw, list):
        for i, child in enumerate(raw):
            problems += _source_problems(child, name, f"{path}[{i}]")
    return problems


def _same_dimension(value: Value, unit: str) -> bool:
    try:
        value.quantity.to(unit)
    except pint.errors.DimensionalityError:
        return False
    return True


def _consistency_problems(protocol: Protocol, name: str) -> list[ProtocolError]:
    problems: list[ProtocolError] = []

    def problem(field: str, message: str, value: object = None) -> None:
        problems.append(ProtocolError(f"{name}: '{field}' {message}", field=field, value=value))

    basis = "mg/kg/day" if protocol.is_weight_based else "mg/day"
    limits = protocol.limits
    for field in ("soft_min", "soft_max", "hard_min", "hard_max"):
        limit = getattr(limits, field)
        if limit is not None and not _same_dimension(limit, basis):
            problem(f"limits.{field}", f"must be in {basis} (got {limit.unit})", limit.unit)
    if not _same_dimension(limits.absolute_hard_max, "mg/day"):
        problem("limits.absolute_hard_max", "must be in mg/day", limits.absolute_hard_max.unit)
    if problems:
        return problems

    hard_min, hard_max = limits.hard_min.quantity, limits.hard_max.quantity
    if hard_min >= hard_max:
        problem("limits.hard_min", f"must be below hard_max ({limits.hard_max.value})")
    for field in ("soft_min", "soft_max"):
        limit = getattr(limits, field)
        if limit is not None and not hard_min <= limit.quantity <= hard_max:
            problem(f"limits.{field}", "must lie within the hard limits", limit.value)

    if isinstance(protocol.regimen, ContinuousRegimen):
        previous = None
        for i, step in enumerate(protocol.regimen.ladder):
            field = f"regimen.ladder[{i}]"
            if not _same_dimension(step, protocol.regimen.dose_unit):
                problem(field, f"must be in {protocol.regimen.dose_unit} (got {step.unit})")
                continue
            if not hard_min <= step.quantity <= hard_max:
                problem(field, f"({step.value} {step.unit}) lies outside the hard limits")
            if previous is not None and step.quantity <= previous:
                problem(field, "must be above the step before it (the ladder ascends)")
            previous = step.quantity
        if protocol.regimen.default_step > len(protocol.regimen.ladder):
            problem("regimen.default_step", "is beyond the last step of the ladder")
    else:
        regimen = protocol.regimen
        daily = regimen.dose.quantity / regimen.interval.quantity
        if not _same_dimension(regimen.dose, "mg/kg") and not _same_dimension(regimen.dose, "mg"):
            problem("regimen.dose", "must be in mg or mg/kg", regimen.dose.unit)
        elif _same_dimension(regimen.dose, basis.removesuffix("/day")) and (
            daily.to(basis) > hard_max
        ):
            problem("regimen.dose", "gives a daily dose above the hard maximum", regimen.dose.value)
        if regimen.infusion_duration.quantity > regimen.interval.quantity:
            problem("regimen.infusion_duration", "must not exceed the dosing interval")

    if protocol.bag.hang_time.quantity > protocol.beyond_use.quantity:
        problem(
            "bag.hang_time",
            f"({protocol.bag.hang_time.value} h) exceeds the beyond-use time "
            f"({protocol.beyond_use.value} h)",
        )
    for field in ("hang_time",):
        value = getattr(protocol.bag, field)
        if not _same_dimension(value, "h"):
            problem(f"bag.{field}", "must be a time", value.unit)
    if not _same_dimension(protocol.bag.product_concentration, "mg/mL"):
        problem("bag.product_concentration", "must be in mg/mL")
    return problems


def read_protocol_text(text: str, *, name: str = "protocol") -> Protocol:
    """Read and check a protocol from YAML text; raise every problem at once.

    Raises
    ------
    ProblemList
        Each problem as a :class:`ProtocolError` whose ``field`` is the path in the file.
    """
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ProtocolError(f"{name}: not valid YAML ({e})", field="(file)") from e
    if not isinstance(raw, dict):
        raise ProtocolError(f"{name}: a protocol file must be a mapping", field="(file)")
    problems = _source_problems(raw, name)
    try:
        protocol = Protocol.model_validate(raw)
    except ValidationError as e:
        ProblemList.raise_if_any(_schema_problems(e, name) + problems)
        raise  # pragma: no cover - raise_if_any always raises here
    ProblemList.raise_if_any(problems + _consistency_problems(protocol, name))
    return protocol


def read_protocol_file(path: str | Path) -> Protocol:
    """Read and check a protocol file (a site's own edited copy, for example)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ProtocolError(f"cannot read '{path}': {e.strerror}", field="file") from e
    return read_protocol_text(text, name=path.name)


@cache
def _packaged() -> dict[tuple[str, str], Protocol]:
    found: dict[tuple[str, str], Protocol] = {}
    for entry in sorted(resources.files(_DATA).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            protocol = read_protocol_text(entry.read_text(encoding="utf-8"), name=entry.name)
            found[(protocol.id, protocol.version)] = protocol
    return found


def list_protocols() -> list[Protocol]:
    """Every packaged protocol, current ones first, then historical comparators."""
    return sorted(_packaged().values(), key=lambda p: (p.historical, p.id, p.version))


def get_protocol(protocol_id: str, version: str | None = None) -> Protocol:
    """The packaged protocol ``protocol_id`` (its latest version unless ``version`` is given).

    Raises
    ------
    UnknownItem
        No such protocol (the message lists the known ids).
    """
    matches = [p for (pid, _), p in _packaged().items() if pid == protocol_id]
    if version is not None:
        matches = [p for p in matches if p.version == version]
    if not matches:
        known = ", ".join(sorted({pid for pid, _ in _packaged()}))
        raise UnknownItem(
            f"'protocol': unknown protocol '{protocol_id}'"
            + (f" version '{version}'" if version else "")
            + f" (known: {known})",
            field="protocol",
            value=protocol_id,
        )
    return max(matches, key=lambda p: _version_key(p.version))


def _version_key(version: str) -> tuple[int | str, ...]:
    return tuple(
        int(part) if part.isascii() and part.isdigit() else part for part in version.split(".")
    )
