"""Observations: a catalogued analyte, a value with its unit, when it was collected, where from.

Text such as ``"2400 ng/mL"``, ``"95 10*9/L"`` or ``"103 [degF]"`` is read once, here, through
:mod:`anakinra_iv.units` (pint with the UCUM bridge) and kept in the analyte's canonical unit.
Implausible values (negative, physiologically impossible, wrong dimension) are refused with an
error naming the observation. Assays that measure the same marker in units that do not convert
(soluble CD25 in U/mL and pg/mL; D-dimer in FEU and DDU) are never converted into each other.

Examples
--------
>>> from datetime import datetime, timezone
>>> at = datetime(2024, 3, 1, 6, 0, tzinfo=timezone.utc)
>>> obs = create_observation("fibrinogen", "2.1 g/L", collected_at=at)
>>> obs.magnitude, obs.unit
(210.0, 'mg/dL')
>>> round(get_value_in(obs, "umol/L"), 2)
6.18
>>> create_observation("platelets", "95000 /mm3", collected_at=at).magnitude
95.0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pint

from anakinra_iv.assessment.catalogue import (
    Analyte,
    get_analyte,
    get_marker_group,
    split_annotation,
)
from anakinra_iv.errors import InvalidInput, UnitMismatch
from anakinra_iv.units import (
    Q_,
    Quantity,
    magnitude_in,
    parse_quantity,
    read_number,
    ucum_to_pint,
    ureg,
)

__all__ = [
    "Measurement",
    "Observation",
    "create_observation",
    "get_value_in",
    "is_stale",
    "read_measurement",
    "round_measure",
]


def round_measure(number: float) -> float:
    """Drop floating-point noise from a unit conversion (12 significant digits).

    ``110000 /mm3`` becomes exactly ``110`` x 10^9/L, so a value typed on a threshold is judged
    on it.

    >>> round_measure(95.00000000000001)
    95.0
    """
    return float(f"{number:.12g}")


@dataclass(frozen=True)
class Measurement:
    """A catalogued analyte and its quantity, in the analyte's canonical unit.

    ``as_written`` keeps the text it was read from, for display and audit.
    """

    analyte: str
    quantity: Quantity
    as_written: str = ""

    @property
    def unit(self) -> str:
        """The analyte's canonical UCUM unit."""
        return get_analyte(self.analyte).unit

    @property
    def magnitude(self) -> float:
        """The number in the canonical unit (``95.0`` for 95 x 10^9/L)."""
        analyte = get_analyte(self.analyte)
        return round_measure(magnitude_in(self.quantity, analyte.pint_unit))


@dataclass(frozen=True, kw_only=True)
class Observation(Measurement):
    """A measurement with the time its sample was collected and where it came from."""

    collected_at: datetime
    source: str = ""


def _assay_mismatch(analyte: Analyte, unit_text: str, field: str) -> UnitMismatch:
    marker = analyte.group.replace("_", " ")
    return UnitMismatch(
        f"'{field}': {marker} in {analyte.unit} and in {unit_text} come from different assays "
        "and cannot be converted into each other; keep the laboratory's own unit and judge the "
        "value against that laboratory's reference range",
        field=field,
        value=unit_text,
        limit=analyte.unit,
    )


def _choose_analyte(key: str, unit_text: str, field: str) -> Analyte:
    """The analyte of ``key``'s marker group that a value written in ``unit_text`` belongs to."""
    group = get_marker_group(key)
    if len(group) == 1:
        return group[0]
    bare, annotation = split_annotation(unit_text)
    annotated = [a for a in group if a.annotation is not None]
    if annotated:
        for analyte in annotated:
            if annotation is not None and annotation.upper() == analyte.annotation:
                return analyte
        names = " or ".join(f"{{{a.annotation}}}" for a in annotated)
        raise UnitMismatch(
            f"'{field}' must say which assay it is, with {names} after the unit "
            f"(got '{unit_text}')",
            field=field,
            value=unit_text,
        )
    for analyte in group:
        if _is_convertible(bare, analyte):
            return analyte
    return get_analyte(key)


def _is_convertible(unit_text: str, analyte: Analyte) -> bool:
    try:
        source = ureg.parse_expression(ucum_to_pint(unit_text))
        target = ureg.parse_expression(analyte.pint_unit)
    except Exception:
        return False
    return bool(source.dimensionality == target.dimensionality) or (analyte.molar_mass is not None)


def _split_number_and_unit(text: str) -> tuple[str, str]:
    """Split ``"95 10*9/L"`` into number and unit.

    A UCUM power of ten (``10*9``, also written ``10^9``) is read as a power, never as a
    product: ``10*9/uL`` is 10^9 per microlitre, not 90 per microlitre.
    """
    parts = text.strip().split(maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text.strip(), "")


def read_measurement(
    analyte: str, value: str | Quantity, *, field: str | None = None
) -> Measurement:
    """Read a value of a catalogued analyte and check it is plausible.

    Parameters
    ----------
    analyte
        Short name, alias or LOINC code from the catalogue.
    value
        Text with a number and a UCUM unit (``"2400 ng/mL"``), or a quantity.
    field
        The name used in error messages (default: the analyte's name).

    Raises
    ------
    UnknownItem
        The analyte is not in the catalogue.
    InvalidInput
        No unit, an unknown unit, a unit of the wrong dimension or of another assay, or a value
        outside the catalogue's plausible range; the message names the observation.
    """
    entry = get_analyte(analyte)
    name = field or entry.name
    if isinstance(value, pint.Quantity):
        unit_text, text = f"{value.units}", f"{value:~P}"
        parsed_from: str | Quantity = value
    else:
        text = str(value).strip()
        number, unit_text = _split_number_and_unit(text)
        if entry.unit == "1" and unit_text in ("", "1"):  # a score or grade: its unit is "1"
            unit_text = "1"
            parsed_from = Q_(read_number(number, field=name), "dimensionless")
        else:
            parsed_from = f"{number} {split_annotation(unit_text)[0]}".strip()
    entry = _choose_analyte(entry.name, unit_text, name)
    molar = entry.molar_mass.quantity if entry.molar_mass else None
    try:
        quantity = parse_quantity(
            parsed_from, field=name, unit=entry.pint_unit, molar_mass=molar, positive=False
        )
    except UnitMismatch as e:
        if not split_annotation(unit_text)[0]:
            raise
        others = [a for a in get_marker_group(entry.name) if a.name != entry.name]
        if any(_is_convertible(split_annotation(unit_text)[0], a) for a in others):
            raise _assay_mismatch(entry, unit_text, name) from e
        raise UnitMismatch(
            f"'{name}' must be in a unit such as {', '.join(entry.accepted_units)} (got '{text}')",
            field=name,
            value=text,
            limit=entry.unit,
        ) from e
    _check_plausible(entry, quantity, name, text)
    return Measurement(entry.name, quantity, text)


def create_observation(
    analyte: str,
    value: str | Quantity,
    *,
    collected_at: datetime,
    source: str = "",
    field: str | None = None,
) -> Observation:
    """Read one observation (see :func:`read_measurement`) collected at ``collected_at``.

    Raises
    ------
    InvalidInput
        As :func:`read_measurement`, or ``collected_at`` has no timezone.
    """
    name = field or get_analyte(analyte).name
    if collected_at.tzinfo is None:
        raise InvalidInput(
            f"'{name}' collection time must carry a timezone (got '{collected_at.isoformat()}')",
            field=name,
            value=collected_at,
        )
    m = read_measurement(analyte, value, field=field)
    return Observation(
        m.analyte, m.quantity, m.as_written, collected_at=collected_at, source=source
    )


def _check_plausible(entry: Analyte, quantity: Quantity, name: str, text: str) -> None:
    limits = entry.plausible
    number = round_measure(magnitude_in(quantity, ucum_to_pint(limits.unit)))
    if number < 0:
        raise InvalidInput(
            f"'{name}' cannot be negative (got '{text}')", field=name, value=text, limit=0
        )
    if entry.whole_numbers and number != int(number):
        raise InvalidInput(
            f"'{name}' must be a whole number (got '{text}')", field=name, value=text
        )
    too_low = number < limits.low or (limits.positive and number <= 0)
    if too_low or number > limits.high:
        raise InvalidInput(
            f"'{name}' = {text} is outside the plausible range {limits.low:g}-{limits.high:g} "
            f"{limits.unit} ({limits.status}, {limits.source}); check the value and its unit",
            field=name,
            value=text,
            limit=f"{limits.low:g}-{limits.high:g} {limits.unit}",
        )


def get_value_in(observation: Measurement, unit: str) -> float:
    """The observation's number in ``unit`` (UCUM), converting through the molar mass if needed.

    Raises
    ------
    UnitMismatch
        ``unit`` belongs to another assay of the same marker (soluble CD25 in pg/mL asked in
        U/mL), or is of another dimension.
    """
    entry = get_analyte(observation.analyte)
    bare, annotation = split_annotation(unit)
    for other in get_marker_group(entry.name):
        if other.name == entry.name:
            continue
        other_assay = annotation is not None and annotation.upper() == other.annotation
        other_dimension = (
            other.annotation is None
            and _same_dimension(bare, other)
            and not _same_dimension(bare, entry)
        )
        if other_assay or other_dimension:
            raise _assay_mismatch(entry, unit, entry.name)
    target = ucum_to_pint(bare)
    try:
        if entry.molar_mass is not None:
            with ureg.context("chemistry", mw=entry.molar_mass.quantity):
                return round_measure(magnitude_in(observation.quantity, target))
        return round_measure(magnitude_in(observation.quantity, target))
    except (pint.errors.DimensionalityError, ZeroDivisionError) as e:
        raise UnitMismatch(
            f"'{entry.name}' cannot be expressed in {unit} (it is in {entry.unit})",
            field=entry.name,
            value=unit,
            limit=entry.unit,
        ) from e


def _same_dimension(unit_text: str, analyte: Analyte) -> bool:
    try:
        a = Q_(1, ureg.parse_expression(ucum_to_pint(unit_text)).units)
        b = Q_(1, ureg.parse_expression(analyte.pint_unit).units)
    except Exception:
        return False
    return bool(a.dimensionality == b.dimensionality)


def is_stale(observation: Observation, *, now: datetime, max_age: timedelta) -> bool:
    """True when the observation is older than ``max_age`` at ``now``.

    >>> from datetime import timezone
    >>> at = datetime(2024, 3, 1, tzinfo=timezone.utc)
    >>> obs = create_observation("crp", "120 mg/L", collected_at=at)
    >>> is_stale(obs, now=at + timedelta(hours=25), max_age=timedelta(hours=24))
    True
    """
    return now - observation.collected_at > max_age
