"""Pump programme: the drug-library entry per protocol and care area, and the check of a
programme a nurse proposes.

The check catches the classic wrong-field error (the dose rate typed into the mL/h field), a
volume rate and dose rate that disagree, a non-standard concentration, and any rate outside the
entry's soft or hard limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import ContinuousRegimen, IntermittentRegimen, Protocol, Value
from anakinra_iv.units import Quantity, format_quantity, magnitude_in

__all__ = [
    "PumpCheck",
    "PumpEntry",
    "PumpFinding",
    "check_pump_programme",
    "get_pump_entry",
]

Severity = Literal["hard", "soft"]
_AGREEMENT = 0.01  # relative tolerance for mg/h = mL/h x mg/mL (display rounding to 0.1 mL/h)


@dataclass(frozen=True)
class PumpEntry:
    """A drug-library entry: dosing unit, standard concentrations and limits (per care area)."""

    drug: str
    protocol_id: str
    protocol_version: str
    care_area: str
    dosing_unit: str
    concentrations: tuple[Quantity, ...]
    soft_min: Quantity | None
    soft_max: Quantity | None
    hard_min: Quantity
    hard_max: Quantity
    absolute_hard_max: Quantity
    max_rate_ml_per_h: Quantity
    advisory: str
    per_kg_hard_max: Quantity | None = None


@dataclass(frozen=True)
class PumpFinding:
    """One problem with a proposed programme."""

    severity: Severity
    field: str
    message: str


@dataclass(frozen=True)
class PumpCheck:
    """The verdict on a proposed programme: ``ok``, ``soft_alert`` (overridable) or
    ``hard_stop`` (reprogram)."""

    status: Literal["ok", "soft_alert", "hard_stop"]
    findings: tuple[PumpFinding, ...]


def _per_hour(value: Value | None, factor: Quantity | None = None) -> Quantity | None:
    """A daily limit as a rate: per hour of a continuous infusion, or, with ``factor`` (the
    dosing interval over the infusion time), per hour of one intermittent infusion."""
    if value is None:
        return None
    unit = "mg/kg/h" if value.quantity.check("1/[time]") else "mg/h"
    if factor is None:
        return value.quantity.to(unit)
    rate: Quantity = (value.quantity * factor).to(unit)
    return rate


def get_pump_entry(protocol: Protocol, care_area: str) -> PumpEntry:
    """The drug-library entry of ``protocol`` for ``care_area``.

    Dose limits of a continuous infusion are the protocol's daily limits per hour (derived). An
    intermittent entry's limits are per infusion: the daily limit x the dosing interval / 24 h
    is one dose, given over the infusion time (and a per-dose maximum caps the absolute rate).
    Standard concentrations are the bag concentrations of the ladder's steps where they do not
    depend on weight.

    >>> from anakinra_iv.protocol import get_protocol
    >>> entry = get_pump_entry(get_protocol("adult-mas-civ"), "ICU")
    >>> entry.hard_max.magnitude, [c.magnitude for c in entry.concentrations][:3]
    (100.0, [2.0, 4.0, 6.0])
    >>> covid = get_pump_entry(get_protocol("covid-cavalli-ivb"), "ICU")
    >>> covid.hard_max.magnitude, covid.absolute_hard_max.magnitude
    (5.0, 750.0)
    """
    if care_area not in protocol.pump.care_areas:
        raise InvalidInput(
            f"'care_area' must be one of {', '.join(protocol.pump.care_areas)} (got '{care_area}')",
            field="care_area",
            value=care_area,
        )
    limits = protocol.limits
    concentrations: list[Quantity] = []
    bag = protocol.bag
    regimen = protocol.regimen
    if (
        isinstance(regimen, ContinuousRegimen)
        and not protocol.is_weight_based
        and bag.strategy == "fixed_final_volume"
        and bag.final_volume is not None
        and bag.drug_volume_counts_in_final_volume
    ):
        hang = bag.hang_time.quantity
        for step in regimen.ladder:
            concentrations.append((step.quantity * hang / bag.final_volume.quantity).to("mg/mL"))
    elif bag.strategy == "standard_concentration":
        concentrations = [c.quantity.to("mg/mL") for c in bag.standard_concentrations]
    factor: Quantity | None = None
    absolute = limits.absolute_hard_max.quantity.to("mg/h")
    if isinstance(regimen, IntermittentRegimen):
        factor = (regimen.interval.quantity / regimen.infusion_duration.quantity).to("")
        absolute = (limits.absolute_hard_max.quantity * factor).to("mg/h")
        if regimen.max_per_dose is not None:
            per_dose = (regimen.max_per_dose.quantity / regimen.infusion_duration.quantity).to(
                "mg/h"
            )
            absolute = min(absolute, per_dose)
    hard_min = _per_hour(limits.hard_min, factor)
    hard_max = _per_hour(limits.hard_max, factor)
    assert hard_min is not None and hard_max is not None
    return PumpEntry(
        drug="anakinra",
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        care_area=care_area,
        dosing_unit="mg/kg/h" if protocol.is_weight_based else "mg/h",
        concentrations=tuple(concentrations),
        soft_min=_per_hour(limits.soft_min, factor),
        soft_max=_per_hour(limits.soft_max, factor),
        hard_min=hard_min,
        hard_max=hard_max,
        absolute_hard_max=absolute,
        max_rate_ml_per_h=protocol.pump.max_rate_ml_per_h.quantity.to("mL/h"),
        advisory=protocol.pump.advisory,
        per_kg_hard_max=None
        if protocol.is_weight_based
        else _per_hour(limits.per_kg_hard_max, factor),
    )


def _exceeds(value: Quantity, limit: Quantity) -> bool:
    """``value > limit`` beyond float noise: a rate derived at a limit is at the limit."""
    return bool(value > limit * (1 + 1e-9))


def _close(a: float, b: float, rel: float = _AGREEMENT) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


def check_pump_programme(
    entry: PumpEntry,
    *,
    rate_mg_per_h: Quantity,
    rate_ml_per_h: Quantity,
    concentration: Quantity,
    weight: Quantity | None = None,
) -> PumpCheck:
    """Check a proposed programme against the entry; report every finding.

    Examples
    --------
    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.units import Q_
    >>> entry = get_pump_entry(get_protocol("adult-mas-civ"), "ICU")
    >>> check = check_pump_programme(entry, rate_mg_per_h=Q_(50, "mg/h"),
    ...     rate_ml_per_h=Q_(50, "mL/h"), concentration=Q_(6, "mg/mL"))
    >>> check.status, check.findings[0].field
    ('hard_stop', 'rate_ml_per_h')
    """
    findings: list[PumpFinding] = []
    mg_h = magnitude_in(rate_mg_per_h, "mg/h")
    ml_h = magnitude_in(rate_ml_per_h, "mL/h")
    conc = magnitude_in(concentration, "mg/mL")
    expected_ml_h = mg_h / conc if conc > 0 else math.inf
    if _close(ml_h, mg_h) and not _close(conc, 1.0):
        findings.append(
            PumpFinding(
                "hard",
                "rate_ml_per_h",
                f"'rate_ml_per_h' {ml_h:g} mL/h equals the dose rate {mg_h:g} mg/h: the dose rate "
                f"was typed into the volume field; at {conc:g} mg/mL it should be "
                f"{expected_ml_h:.1f} mL/h",
            )
        )
    elif not _close(ml_h * conc, mg_h):
        findings.append(
            PumpFinding(
                "hard",
                "rate_ml_per_h",
                f"'rate_ml_per_h' {ml_h:g} mL/h x {conc:g} mg/mL = {ml_h * conc:.2f} mg/h does not "
                f"match the dose rate {mg_h:g} mg/h (expected {expected_ml_h:.1f} mL/h)",
            )
        )
    if entry.concentrations and not any(
        _close(conc, magnitude_in(c, "mg/mL"), 1e-6) for c in entry.concentrations
    ):
        shown = ", ".join(format_quantity(c, "mg/mL", 3) for c in entry.concentrations)
        findings.append(
            PumpFinding(
                "soft",
                "concentration",
                f"'concentration' {conc:g} mg/mL is not a standard concentration ({shown})",
            )
        )
    findings += _limit_findings(entry, rate_mg_per_h, weight)
    if ml_h > magnitude_in(entry.max_rate_ml_per_h, "mL/h"):
        findings.append(
            PumpFinding(
                "hard",
                "rate_ml_per_h",
                f"'rate_ml_per_h' {ml_h:g} mL/h is above the pump maximum of "
                f"{format_quantity(entry.max_rate_ml_per_h, 'mL/h')}",
            )
        )
    status: Literal["ok", "soft_alert", "hard_stop"] = "ok"
    if any(f.severity == "hard" for f in findings):
        status = "hard_stop"
    elif findings:
        status = "soft_alert"
    return PumpCheck(status=status, findings=tuple(findings))


def _limit_findings(
    entry: PumpEntry, rate_mg_per_h: Quantity, weight: Quantity | None
) -> list[PumpFinding]:
    findings: list[PumpFinding] = []
    rate = rate_mg_per_h.to("mg/h")
    if entry.dosing_unit == "mg/kg/h":
        if weight is None:
            raise InvalidInput("'weight' is needed for a weight-based pump entry", field="weight")
        rate = (rate / weight).to("mg/kg/h")
    unit = entry.dosing_unit

    def shown(q: Quantity) -> str:
        return format_quantity(q, unit, 3)

    if entry.per_kg_hard_max is not None and weight is not None:
        per_kg = (rate_mg_per_h / weight).to("mg/kg/h")
        if per_kg > entry.per_kg_hard_max * (1 + 1e-9):
            findings.append(
                PumpFinding(
                    "hard",
                    "rate_mg_per_h",
                    f"'rate_mg_per_h' {format_quantity(per_kg, 'mg/kg/h', 3)} is above the hard "
                    f"maximum per kg of {format_quantity(entry.per_kg_hard_max, 'mg/kg/h', 3)}",
                )
            )
    if _exceeds(rate_mg_per_h.to("mg/h"), entry.absolute_hard_max):
        findings.append(
            PumpFinding(
                "hard",
                "rate_mg_per_h",
                f"'rate_mg_per_h' is above the absolute maximum of "
                f"{format_quantity(entry.absolute_hard_max, 'mg/h', 2)}",
            )
        )
    if _exceeds(rate, entry.hard_max):
        findings.append(
            PumpFinding(
                "hard",
                "rate_mg_per_h",
                f"'rate_mg_per_h' {shown(rate)} is above the hard "
                f"maximum of {shown(entry.hard_max)}",
            )
        )
    elif _exceeds(entry.hard_min, rate):
        findings.append(
            PumpFinding(
                "hard",
                "rate_mg_per_h",
                f"'rate_mg_per_h' {shown(rate)} is below the hard "
                f"minimum of {shown(entry.hard_min)}",
            )
        )
    elif entry.soft_max is not None and _exceeds(rate, entry.soft_max):
        findings.append(
            PumpFinding(
                "soft",
                "rate_mg_per_h",
                f"'rate_mg_per_h' {shown(rate)} is above the soft "
                f"maximum of {shown(entry.soft_max)}",
            )
        )
    elif entry.soft_min is not None and _exceeds(entry.soft_min, rate):
        findings.append(
            PumpFinding(
                "soft",
                "rate_mg_per_h",
                f"'rate_mg_per_h' {shown(rate)} is below the soft "
                f"minimum of {shown(entry.soft_min)}",
            )
        )
    return findings
