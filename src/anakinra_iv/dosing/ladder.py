"""The ladder of a continuous protocol: who it is for, the step chosen, its daily dose (capped for
this patient), an ordered daily dose, and the steps above and below."""

from __future__ import annotations

import math

from anakinra_iv.dosing.limits import (
    Reason,
    calculate_dose_cap,
    create_reason,
    describe_limit,
    get_dose_cap_limit,
)
from anakinra_iv.dosing.patient import Patient
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import ContinuousRegimen, Protocol, Value
from anakinra_iv.units import Quantity, format_quantity, magnitude_in

__all__ = [
    "calculate_continuous_dose",
    "calculate_neighbours",
    "calculate_step_dose",
    "check_population",
]


def calculate_step_dose(protocol: Protocol, step_value: Value, weight: Quantity) -> Quantity:
    dose = step_value.quantity
    if protocol.is_weight_based:
        dose = dose * weight
    return dose.to("mg/day")


def check_population(protocol: Protocol, patient: Patient) -> None:
    population = protocol.population
    min_age = magnitude_in(population.min_age.quantity, "year")
    if patient.age_years < min_age:
        raise InvalidInput(
            f"'age' {patient.age_years:g} years is below the population of {protocol.id} "
            f"(at least {min_age:g} years)",
            field="age",
            value=patient.age_years,
            limit=min_age,
        )
    if population.max_age is not None:
        max_age = magnitude_in(population.max_age.quantity, "year")
        if patient.age_years >= max_age:
            raise InvalidInput(
                f"'age' {patient.age_years:g} years is above the population of {protocol.id} "
                f"(below {max_age:g} years)",
                field="age",
                value=patient.age_years,
                limit=max_age,
            )
    for bound, field, above in (
        (population.min_weight, "minimum", False),
        (population.max_weight, "maximum", True),
    ):
        if bound is None:
            continue
        limit = bound.quantity.to("kg")
        if (patient.weight > limit) if above else (patient.weight < limit):
            raise InvalidInput(
                f"'weight' {format_quantity(patient.weight, 'kg', 1)} is outside the protocol's "
                f"{field} of {format_quantity(limit, 'kg', 1)}",
                field="weight",
                value=f"{patient.weight:~P}",
                limit=f"{limit:~P}",
            )


def _choose_step(
    protocol: Protocol, regimen: ContinuousRegimen, patient: Patient, step: int | None
) -> tuple[int, list[Reason]]:
    count = len(regimen.ladder)
    if step is not None:
        if not 1 <= step <= count:
            raise InvalidInput(
                f"'step' must be between 1 and {count} for {protocol.id} (got {step})",
                field="step",
                value=step,
                limit=count,
            )
        return step, []
    chosen = regimen.default_step
    text = regimen.first_step.text
    if regimen.start_at_or_above_sc_dose and patient.current_sc_daily_dose is not None:
        sc = patient.current_sc_daily_dose.to("mg/day")
        doses = [calculate_step_dose(protocol, v, patient.weight) for v in regimen.ladder]
        at_or_above = [i for i, d in enumerate(doses, start=1) if d >= sc]
        chosen = at_or_above[0] if at_or_above else count
        text += f" (current SC dose {format_quantity(sc, 'mg/day')})"
    first = regimen.first_step
    return chosen, [Reason(f"First step: {text}", first.status, first.source)]


def calculate_continuous_dose(
    protocol: Protocol,
    regimen: ContinuousRegimen,
    patient: Patient,
    step: int | None,
    daily_dose: Quantity | None,
    reasons: list[Reason],
) -> tuple[int | None, Quantity]:
    weight = patient.weight.to("kg")
    if daily_dose is not None:
        daily = _daily_dose_from_input(daily_dose, weight)
        reasons.append(
            Reason(
                f"Daily dose ordered: {format_quantity(daily, 'mg/day')}", "site-decision", "site"
            )
        )
        return None, daily
    chosen, step_reasons = _choose_step(protocol, regimen, patient, step)
    reasons += step_reasons
    step_value = regimen.ladder[chosen - 1]
    daily = calculate_step_dose(protocol, step_value, weight)
    per_kg_text = (
        f"{format_quantity(step_value.quantity, step_value.unit)} x "
        f"{format_quantity(weight, 'kg', 1)} = "
        if protocol.is_weight_based
        else ""
    )
    reasons.append(
        create_reason(
            f"Step {chosen} of {len(regimen.ladder)}: {per_kg_text}"
            f"{format_quantity(daily, 'mg/day')}",
            step_value,
        )
    )
    cap = calculate_dose_cap(protocol, weight)
    if daily > cap:
        daily = cap
        limit = get_dose_cap_limit(protocol, weight)
        reasons.append(
            create_reason(
                f"Capped at the {describe_limit(protocol, limit)} of "
                f"{format_quantity(cap, 'mg/day')} for {format_quantity(weight, 'kg', 1)} "
                f"({format_quantity(limit.quantity, limit.unit)})",
                limit,
            )
        )
    return chosen, daily


def _daily_dose_from_input(daily_dose: Quantity, weight: Quantity) -> Quantity:
    if daily_dose.check("[mass]/[time]"):
        daily = daily_dose.to("mg/day")
    elif daily_dose.check("1/[time]"):
        daily = (daily_dose * weight).to("mg/day")
    elif daily_dose.check("[mass]"):
        raise InvalidInput(
            f"'daily_dose' must be a dose per time such as '1200 mg/day' (got '{daily_dose:~P}')",
            field="daily_dose",
        )
    else:
        raise InvalidInput(
            f"'daily_dose' must be in mg/day or mg/kg/day (got '{daily_dose:~P}')",
            field="daily_dose",
        )
    if not math.isfinite(daily.magnitude) or daily.magnitude <= 0:
        raise InvalidInput("'daily_dose' must be greater than 0", field="daily_dose")
    return daily


def calculate_neighbours(
    protocol: Protocol, step: int | None, weight: Quantity
) -> tuple[Quantity | None, Quantity | None, str | None]:
    regimen = protocol.regimen
    if not isinstance(regimen, ContinuousRegimen) or step is None:
        return None, None, None
    cap = calculate_dose_cap(protocol, weight)
    up = down = None
    if step < len(regimen.ladder):
        up = min(calculate_step_dose(protocol, regimen.ladder[step], weight), cap)
    if step > 1:
        down = min(calculate_step_dose(protocol, regimen.ladder[step - 2], weight), cap)
    transition = protocol.transition.text if step == 1 and protocol.transition else None
    return up, down, transition
