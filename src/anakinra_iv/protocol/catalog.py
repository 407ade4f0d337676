"""Protocol files: reading, validating and finding the packaged ones.

A protocol file is YAML. Reading one checks, and reports all at once:

- the schema (every clinical number is a value with a status and a source);
- that every source key resolves to an entry of the evidence registry;
- that the numbers agree with each other (ladder ascending and inside the hard limits, soft
  limits inside hard ones, units of the right dimension, a bag that can be hung and finish before
  its beyond-use time, an SC transition that starts no higher than the lowest step, volume bands
  in ascending weight).

Packaged protocols live in ``protocol/data/<id>.v<version>.yaml``.
"""

from __future__ import annotations

import re
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
from anakinra_iv.units import Q_, Quantity
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "get_protocol",
    "list_protocols",
    "read_protocol_file",
    "read_protocol_text",
    "read_sc_schedule_entry",
]

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

    for i, option in enumerate(protocol.alternatives):
        field = f"alternatives[{i}].dose"
        daily = option.dose.quantity / option.interval.quantity
        if _same_dimension(option.dose, "mg/kg"):
            if daily.to("mg/kg/day") > limits.hard_max.quantity.to("mg/kg/day"):
                problem(field, "gives a daily dose above the hard maximum", option.dose.value)
        elif not _same_dimension(option.dose, "mg"):
            problem(field, "must be in mg or mg/kg", option.dose.unit)
        elif daily.to("mg/day") > limits.absolute_hard_max.quantity:
            problem(field, "gives a daily dose above the absolute maximum", option.dose.value)
        if option.infusion_duration.quantity > option.interval.quantity:
            problem(f"alternatives[{i}].infusion_duration", "must not exceed the dosing interval")

    per_kg = limits.per_kg_hard_max
    if per_kg is not None and not _same_dimension(per_kg, "mg/kg/day"):
        problem("limits.per_kg_hard_max", "must be in mg/kg/day", per_kg.unit)
    problems += _bag_problems(protocol, name)
    problems += _transition_problems(protocol, name)
    problems += _renal_problems(protocol, name)
    return problems


def _bag_problems(protocol: Protocol, name: str) -> list[ProtocolError]:
    """The bag hangs no longer than the room-temperature beyond-use time and can start after it
    is made; volume bands ascend."""
    problems: list[ProtocolError] = []

    def problem(field: str, message: str, value: object = None) -> None:
        problems.append(ProtocolError(f"{name}: '{field}' {message}", field=field, value=value))

    bag = protocol.bag
    if not _same_dimension(bag.hang_time, "h"):
        problem("bag.hang_time", "must be a time", bag.hang_time.unit)
        return problems
    hang = bag.hang_time.quantity
    refrigerated = bag.until_hung == "refrigerated"
    if refrigerated and protocol.beyond_use_refrigerated is None:
        problem(
            "bag.until_hung", "is 'refrigerated' but the protocol has no beyond_use_refrigerated"
        )
    bud = (
        protocol.beyond_use_refrigerated.quantity
        if refrigerated and protocol.beyond_use_refrigerated is not None
        else protocol.beyond_use.quantity
    )
    if hang > protocol.beyond_use.quantity:
        problem(
            "bag.hang_time",
            f"({bag.hang_time.value} h) exceeds the beyond-use time "
            f"({protocol.beyond_use.value} h)",
        )
    elif hang >= bud:
        problem(
            "bag.hang_time",
            f"({bag.hang_time.value} h) leaves no time between making the bag and hanging it "
            "before its beyond-use time: shorten the hang, or store the bag refrigerated until "
            "it is hung (beyond_use_refrigerated)",
        )
    if not _same_dimension(bag.product_concentration, "mg/mL"):
        problem("bag.product_concentration", "must be in mg/mL")
    previous: Quantity | None = None
    for i, band in enumerate(bag.volume_by_weight):
        field = f"bag.volume_by_weight[{i}]"
        if not _same_dimension(band.below_weight, "kg") or not _same_dimension(
            band.final_volume, "mL"
        ):
            problem(field, "needs below_weight in kg and final_volume in mL")
            continue
        if previous is not None and band.below_weight.quantity <= previous:
            problem(field, "must be above the band before it (bands ascend by weight)")
        previous = band.below_weight.quantity
    return problems


_SC_ENTRY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mg/kg|mg)\s+SC\s+q(\d+)h\b", re.IGNORECASE)


def read_sc_schedule_entry(text: str) -> tuple[Quantity, Quantity] | None:
    """The dose (mg or mg/kg) and the interval of an SC schedule entry, or None if unreadable.

    >>> dose, interval = read_sc_schedule_entry("1 mg/kg SC q12h (max 100 mg per dose)")
    >>> dose, interval
    (<Quantity(1.0, 'milligram / kilogram')>, <Quantity(12, 'hour')>)
    """
    match = _SC_ENTRY.match(text)
    if match is None:
        return None
    number, unit, hours = match.groups()
    return Q_(float(number), unit.lower()), Q_(int(hours), "h")


def _transition_problems(protocol: Protocol, name: str) -> list[ProtocolError]:
    """The SC schedule starts at or below the lowest step and respects the per-dose maximum."""
    problems: list[ProtocolError] = []
    transition = protocol.transition
    if transition is None or not isinstance(protocol.regimen, ContinuousRegimen):
        return problems
    lowest = protocol.regimen.ladder[0].quantity
    cap = transition.sc_max_per_dose
    for i, text in enumerate(transition.sc_schedule):
        field = f"transition.sc_schedule[{i}]"
        entry = read_sc_schedule_entry(text)
        if entry is None:
            problems.append(
                ProtocolError(
                    f"{name}: '{field}' must read '<dose> mg SC q<N>h' or '<dose> mg/kg SC "
                    f"q<N>h' (got '{text}')",
                    field=field,
                    value=text,
                )
            )
            continue
        dose, interval = entry
        daily = (dose / interval).to(f"{dose.units:~}/day")
        if i == 0 and daily.dimensionality == lowest.dimensionality and daily > lowest * 1.000001:
            problems.append(
                ProtocolError(
                    f"{name}: '{field}' ({text}) gives {daily.magnitude:g} {daily.units:~} , more "
                    f"than the lowest step it follows ({protocol.regimen.ladder[0].value:g} "
                    f"{protocol.regimen.ladder[0].unit})",
                    field=field,
                    value=text,
                )
            )
        if cap is not None and dose.check("[mass]") and dose > cap.quantity:
            problems.append(
                ProtocolError(
                    f"{name}: '{field}' ({text}) is above the SC maximum per dose "
                    f"({cap.value:g} {cap.unit})",
                    field=field,
                    value=text,
                )
            )
    return problems


def _renal_problems(protocol: Protocol, name: str) -> list[ProtocolError]:
    problems: list[ProtocolError] = []
    renal = protocol.renal
    checks: list[tuple[str, Value | None, str]] = [
        ("renal.threshold", renal.threshold, "mL/min"),
        ("renal.esrd_below", renal.esrd_below, "mL/min"),
        ("renal.obesity_threshold", renal.obesity_threshold, "dimensionless"),
        ("renal.interval_factor", renal.interval_factor, "dimensionless"),
    ]
    if renal.paediatric is not None:
        checks += [
            ("renal.paediatric.below_age", renal.paediatric.below_age, "year"),
            ("renal.paediatric.threshold", renal.paediatric.threshold, "mL/min"),
            ("renal.paediatric.esrd_below", renal.paediatric.esrd_below, "mL/min"),
        ]
    for field, value, unit in checks:
        if value is not None and value.quantity.dimensionality != Q_(1, unit).dimensionality:
            problems.append(
                ProtocolError(f"{name}: '{field}' must be in {unit}", field=field, value=value.unit)
            )
    factor = renal.interval_factor
    if factor is not None and factor.value < 1:
        problems.append(
            ProtocolError(
                f"{name}: 'renal.interval_factor' must be at least 1 (got {factor.value:g})",
                field="renal.interval_factor",
                value=factor.value,
            )
        )
    return problems


def read_protocol_text(text: str, *, name: str = "protocol") -> Protocol:
    """Read and check a protocol from YAML text; raise every problem at once.

    Raises
    ------
    ProblemList
        Each problem as a :class:`ProtocolError` whose ``field`` is the path in the file.
    """
    try:
        raw: Any = read_yaml(text)
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
