"""The renal rule: how a dose is adjusted when clearance falls (a suggestion until confirmed).

Below the protocol's threshold (the adult one for Cockcroft-Gault, the paediatric one per
1.73 m2 for the bedside Schwartz eGFR) the drug's clearance falls (Yang 2003), and the protocol
offers:

- ``dose``: the dose scaled by the clearance ratio (severe, or ESRD below ``esrd_below`` or on
  haemodialysis): for a continuous infusion the rate, for an intermittent regimen the amount of
  each dose at the same interval;
- ``interval``: the same dose at an interval lengthened by ``interval_factor`` (the label's
  every-other-day dosing). For an intermittent regimen it is a regimen of its own; beside a
  continuous infusion it is shown as the label's alternative (its average daily dose).

A suggestion is never below the protocol's hard minimum: it is raised to it and says so. On CRRT
nothing is suggested (adolescents on high-flow CVVHDF needed full doses). The creatinine
clearance itself is calculated in :mod:`anakinra_iv.dosing.clearance`.

References
----------
Yang BB et al. Clin Pharmacol Ther 2003;74:85 (anakinra clearance in renal impairment).
Kineret (anakinra) US prescribing information: CrCl < 30 mL/min, the usual dose every other day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from anakinra_iv.dosing.clearance import (
    CreatinineClearance,
    calculate_creatinine_clearance,
    calculate_dosing_weight,
)
from anakinra_iv.dosing.limits import calculate_hard_minimum
from anakinra_iv.dosing.patient import Patient
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import ContinuousRegimen, Protocol, Value
from anakinra_iv.units import Quantity, format_quantity

__all__ = [
    "CreatinineClearance",
    "IntermittentSchedule",
    "RenalAdjustment",
    "RenalOption",
    "RenalOptionKind",
    "calculate_creatinine_clearance",
    "calculate_daily_from_schedule",
    "calculate_dosing_weight",
    "calculate_renal_adjustment",
]

RenalOptionKind = Literal["dose", "interval"]


@dataclass(frozen=True)
class IntermittentSchedule:
    """One dose of an intermittent regimen: amount, interval and infusion time."""

    dose: Quantity
    interval: Quantity
    infusion_duration: Quantity


@dataclass(frozen=True)
class RenalOption:
    """One way to adjust the dose: the daily dose, the rate and (intermittent) dose and interval.

    ``basis`` is the clearance ratio or interval factor it rests on, with its provenance;
    ``raised_to_minimum`` says the protocol's hard minimum replaced a lower result.
    """

    kind: RenalOptionKind
    daily_dose: Quantity
    rate: Quantity
    dose: Quantity | None
    interval: Quantity | None
    basis: Value
    raised_to_minimum: bool
    text: str


@dataclass(frozen=True)
class RenalAdjustment:
    """The renal rule for one patient: the chosen option (suggested daily dose and rate) and
    every option offered."""

    ratio: Value
    category: str
    suggested_daily_dose: Quantity
    suggested_rate: Quantity
    applied: bool
    text: str
    option: RenalOptionKind = "dose"
    options: tuple[RenalOption, ...] = ()

    @property
    def chosen(self) -> RenalOption | None:
        """The option the suggestion is (None for an adjustment made without options)."""
        return next((o for o in self.options if o.kind == self.option), None)


def _category(
    protocol: Protocol, patient: Patient, crcl: CreatinineClearance | None
) -> tuple[Value, str] | None:
    rule = protocol.renal
    if patient.renal_replacement == "haemodialysis":
        return rule.esrd_ratio, "ESRD on haemodialysis"
    if crcl is None:
        return None
    threshold, esrd_below, unit = rule.threshold, rule.esrd_below, "mL/min"
    if crcl.normalised and rule.paediatric is not None:
        threshold, esrd_below = rule.paediatric.threshold, rule.paediatric.esrd_below
        unit = "mL/min/1.73 m2"
    if crcl.value >= threshold.quantity:
        return None
    if crcl.value < esrd_below.quantity:
        return rule.esrd_ratio, f"CrCl below {esrd_below.value:g} {unit}"
    return rule.severe_ratio, f"CrCl below {threshold.value:g} {unit}"


def _dose_option(
    daily: Quantity,
    ratio: Value,
    minimum: Quantity,
    schedule: IntermittentSchedule | None,
) -> RenalOption:
    factor = float(ratio.quantity.to("dimensionless").magnitude)
    suggested = (daily * factor).to("mg/day")
    raised = bool(suggested < minimum * (1 - 1e-9))
    if raised:
        suggested = minimum
    floor = f", raised to the hard minimum {format_quantity(minimum, 'mg/day')}" if raised else ""
    if schedule is None:
        rate = suggested.to("mg/h")
        text = (
            f"scale the rate by the clearance ratio {factor:g} to "
            f"{format_quantity(suggested, 'mg/day')} ({format_quantity(rate, 'mg/h', 2)}){floor}"
        )
        return RenalOption("dose", suggested, rate, None, None, ratio, raised, text)
    dose = (suggested * schedule.interval).to("mg")
    rate = (dose / schedule.infusion_duration).to("mg/h")
    text = (
        f"each dose scaled by the clearance ratio {factor:g}: {format_quantity(dose, 'mg')} every "
        f"{format_quantity(schedule.interval, 'h')} ({format_quantity(suggested, 'mg/day')})"
        f"{floor}"
    )
    return RenalOption("dose", suggested, rate, dose, schedule.interval, ratio, raised, text)


def _interval_option(
    daily: Quantity,
    factor_value: Value,
    minimum: Quantity,
    schedule: IntermittentSchedule | None,
) -> RenalOption:
    factor = float(factor_value.quantity.to("dimensionless").magnitude)
    if schedule is None:
        average = (daily / factor).to("mg/day")
        text = (
            f"label alternative (for SC or intermittent dosing): the usual dose every other day "
            f"(interval x {factor:g}); as a continuous infusion the same average is "
            f"{format_quantity(average, 'mg/day')}"
        )
        return RenalOption(
            "interval", average, average.to("mg/h"), None, None, factor_value, False, text
        )
    interval = (schedule.interval * factor).to("h")
    dose = schedule.dose.to("mg")
    suggested = (dose / interval).to("mg/day")
    raised = bool(suggested < minimum * (1 - 1e-9))
    if raised:
        suggested = minimum
        dose = (minimum * interval).to("mg")
    rate = (dose / schedule.infusion_duration).to("mg/h")
    floor = f", raised to the hard minimum {format_quantity(minimum, 'mg/day')}" if raised else ""
    text = (
        f"the same dose {format_quantity(dose, 'mg')} every {format_quantity(interval, 'h')} "
        f"instead of every {format_quantity(schedule.interval, 'h')} (interval x {factor:g}, the "
        f"label's every-other-day rule; {format_quantity(suggested, 'mg/day')}){floor}"
    )
    return RenalOption("interval", suggested, rate, dose, interval, factor_value, raised, text)


def _chosen_option(protocol: Protocol, option: str | None, intermittent: bool) -> RenalOptionKind:
    rule = protocol.renal
    if option is None:
        if intermittent and rule.intermittent_option is not None:
            return "interval" if rule.intermittent_option.text == "interval" else "dose"
        return "dose"
    if option not in ("dose", "interval"):
        raise InvalidInput(
            f"'renal_option' must be dose or interval (got '{option}')",
            field="renal_option",
            value=option,
        )
    if option == "interval" and not intermittent:
        raise InvalidInput(
            f"'renal_option' interval applies to intermittent regimens; {protocol.id} is a "
            "continuous infusion, whose renal rule scales the rate (the label's every-other-day "
            "dosing is shown as an alternative)",
            field="renal_option",
            value=option,
        )
    if option == "interval" and rule.interval_factor is None:
        raise InvalidInput(
            f"'renal_option' interval: {protocol.id} has no interval_factor",
            field="renal_option",
            value=option,
        )
    return "interval" if option == "interval" else "dose"


def calculate_renal_adjustment(
    protocol: Protocol,
    patient: Patient,
    crcl: CreatinineClearance | None,
    daily_dose: Quantity,
    *,
    apply: bool,
    option: str | None = None,
    schedule: IntermittentSchedule | None = None,
) -> RenalAdjustment | None:
    """The protocol's renal rule for this patient, or None when it does not apply.

    ``schedule`` is the dose, interval and infusion time of an intermittent regimen (None for a
    continuous infusion). ``option`` chooses ``dose`` or ``interval`` (default: the protocol's
    ``intermittent_option`` for intermittent regimens, ``dose`` otherwise); every option is
    offered in ``options``. The adjustment is applied only when ``apply`` is true (the prescriber
    has confirmed it).

    Raises
    ------
    InvalidInput
        An unknown option, or ``interval`` for a continuous infusion.

    Examples
    --------
    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.dosing.patient import create_patient
    >>> from anakinra_iv.units import Q_
    >>> p = create_patient(weight="70 kg", age=60, sex="male", renal_replacement="HD")
    >>> adj = calculate_renal_adjustment(get_protocol("adult-mas-civ"), p, None,
    ...                                  Q_(400, "mg/day"), apply=False)
    >>> adj.suggested_daily_dose.magnitude, adj.chosen.raised_to_minimum
    (100.0, True)
    """
    intermittent = schedule is not None
    chosen = _chosen_option(protocol, option, intermittent)
    if patient.renal_replacement == "crrt":
        return None
    found = _category(protocol, patient, crcl)
    if found is None:
        return None
    ratio, category = found
    daily = daily_dose.to("mg/day")
    minimum = calculate_hard_minimum(protocol, patient.weight)
    options = [_dose_option(daily, ratio, minimum, schedule)]
    factor = protocol.renal.interval_factor
    if factor is not None:
        options.append(_interval_option(daily, factor, minimum, schedule))
    picked = next(o for o in options if o.kind == chosen)
    if not intermittent and isinstance(protocol.regimen, ContinuousRegimen):
        picked = options[0]
    confirmation = (
        " - applied on prescriber confirmation" if apply else " - needs prescriber confirmation"
    )
    others = [o.text for o in options if o is not picked]
    text = f"{category}: {picked.text}{confirmation}" + (
        f"; or {'; or '.join(others)}" if others else ""
    )
    return RenalAdjustment(
        ratio=ratio,
        category=category,
        suggested_daily_dose=picked.daily_dose,
        suggested_rate=picked.rate,
        applied=apply,
        text=text,
        option=picked.kind,
        options=tuple(options),
    )


def calculate_daily_from_schedule(schedule: IntermittentSchedule) -> Quantity:
    """The daily dose of an intermittent schedule: dose x 24 h / interval.

    >>> from anakinra_iv.units import Q_
    >>> s = IntermittentSchedule(Q_(350, "mg"), Q_(12, "h"), Q_(1, "h"))
    >>> calculate_daily_from_schedule(s).magnitude
    700.0
    """
    daily: Quantity = (schedule.dose / schedule.interval).to("mg/day")
    return daily
