"""Intermittent regimens: the amount of each dose, its interval and infusion time.

An intermittent protocol fixes its dose (mg or mg/kg) and interval; its per-dose maximum and the
protocol's absolute cap bound the amount. Renal adjustment changes the amount of each dose or the
interval (:mod:`anakinra_iv.dosing.renal`); whichever is chosen, the plan, the bag (one dose), the
label (dose and interval) and the pump (amount over the infusion time) show the same regimen.
"""

from __future__ import annotations

from dataclasses import dataclass

from anakinra_iv.dosing.limits import (
    Reason,
    calculate_dose_cap,
    create_reason,
    describe_limit,
    get_dose_cap_limit,
)
from anakinra_iv.dosing.renal import IntermittentSchedule
from anakinra_iv.protocol import IntermittentRegimen, Protocol
from anakinra_iv.units import Quantity, format_quantity

__all__ = ["IntermittentDose", "calculate_intermittent_schedule", "create_intermittent_dose"]


@dataclass(frozen=True)
class IntermittentDose:
    """One administration of an intermittent regimen."""

    dose: Quantity
    interval: Quantity
    infusion_duration: Quantity
    infusion_rate: Quantity


def calculate_intermittent_schedule(
    protocol: Protocol, regimen: IntermittentRegimen, weight: Quantity
) -> tuple[IntermittentSchedule, list[Reason]]:
    """The protocol's dose for a patient of ``weight``, capped per dose and per day.

    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.units import Q_
    >>> protocol = get_protocol("covid-cavalli-ivb")
    >>> schedule, _ = calculate_intermittent_schedule(protocol, protocol.regimen, Q_(70, "kg"))
    >>> schedule.dose.magnitude, schedule.interval.magnitude
    (350.0, 12.0)
    """
    reasons: list[Reason] = []
    dose = regimen.dose.quantity
    if protocol.is_weight_based:
        dose = (dose * weight).to("mg")
        reasons.append(
            create_reason(
                f"Dose {format_quantity(regimen.dose.quantity, regimen.dose.unit)} x "
                f"{format_quantity(weight, 'kg', 1)} = {format_quantity(dose, 'mg')}",
                regimen.dose,
            )
        )
    else:
        dose = dose.to("mg")
        reasons.append(create_reason(f"Dose {format_quantity(dose, 'mg')}", regimen.dose))
    if regimen.max_per_dose is not None and dose > regimen.max_per_dose.quantity:
        dose = regimen.max_per_dose.quantity.to("mg")
        reasons.append(
            create_reason(f"Capped at {format_quantity(dose, 'mg')} per dose", regimen.max_per_dose)
        )
    interval = regimen.interval.quantity.to("h")
    cap = calculate_dose_cap(protocol, weight)
    if (dose / interval).to("mg/day") > cap:
        dose = (cap * interval).to("mg")
        limit = get_dose_cap_limit(protocol, weight)
        reasons.append(
            create_reason(
                f"Capped at the {describe_limit(protocol, limit)} of "
                f"{format_quantity(cap, 'mg/day')}",
                limit,
            )
        )
    duration = regimen.infusion_duration.quantity.to("h")
    return IntermittentSchedule(dose, interval, duration), reasons


def create_intermittent_dose(schedule: IntermittentSchedule) -> IntermittentDose:
    """The administration of ``schedule``: the dose over its infusion time."""
    rate = (schedule.dose / schedule.infusion_duration).to("mg/h")
    return IntermittentDose(
        schedule.dose.to("mg"), schedule.interval.to("h"), schedule.infusion_duration, rate
    )
