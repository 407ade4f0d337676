"""The dose plan: loading dose, the current step's dose and rate, limits, renal rule, next steps.

Every number in a plan carries a :class:`Reason` naming its rule, status and source. A hard-limit
breach is refused (:class:`~anakinra_iv.errors.DoseLimitExceeded`); a soft-limit breach needs an
override reason (:class:`~anakinra_iv.errors.OverrideRequired`). No path returns a daily dose above
the protocol's hard maximum or its absolute cap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from anakinra_iv.dosing.patient import Patient
from anakinra_iv.dosing.renal import (
    CreatinineClearance,
    RenalAdjustment,
    calculate_creatinine_clearance,
    calculate_renal_adjustment,
)
from anakinra_iv.errors import (
    DoseLimitExceeded,
    InvalidInput,
    OverrideRequired,
)
from anakinra_iv.protocol import ContinuousRegimen, IntermittentRegimen, Protocol, Value
from anakinra_iv.units import Q_, Quantity, format_quantity, magnitude_in

__all__ = ["DosePlan", "IntermittentDose", "LimitStatus", "Reason", "calculate_dose_plan"]

LimitStatus = Literal["within", "above_soft", "refused"]


@dataclass(frozen=True)
class Reason:
    """Why a number is what it is: the rule, its status and its source."""

    text: str
    status: str
    source: str


@dataclass(frozen=True)
class IntermittentDose:
    """One administration of an intermittent regimen."""

    dose: Quantity
    interval: Quantity
    infusion_duration: Quantity
    infusion_rate: Quantity


@dataclass(frozen=True)
class DosePlan:
    """A complete, explained dose plan for one patient on one protocol."""

    protocol_id: str
    protocol_version: str
    regimen_kind: str
    weight: Quantity
    step: int | None
    step_count: int
    crcl: CreatinineClearance | None
    loading_dose: Quantity | None
    daily_dose: Quantity
    rate: Quantity
    dose_per_kg_per_day: Quantity
    rate_per_kg: Quantity
    limit_status: LimitStatus
    next_step_up: Quantity | None
    next_step_down: Quantity | None
    transition: str | None
    renal_adjustment: RenalAdjustment | None
    intermittent: IntermittentDose | None
    override_reason: str | None
    reasons: tuple[Reason, ...]
    warnings: tuple[str, ...]


def _reason(text: str, value: Value) -> Reason:
    return Reason(text=text, status=value.status, source=value.source)


def _daily_from_step(protocol: Protocol, step_value: Value, weight: Quantity) -> Quantity:
    dose = step_value.quantity
    if protocol.is_weight_based:
        dose = dose * weight
    return dose.to("mg/day")


def _cap(protocol: Protocol, weight: Quantity) -> Quantity:
    """The highest daily dose this patient may receive: hard max (per kg x weight) and cap."""
    hard = protocol.limits.hard_max.quantity
    if protocol.is_weight_based:
        hard = hard * weight
    return min(hard.to("mg/day"), protocol.limits.absolute_hard_max.quantity.to("mg/day"))


def _check_population(protocol: Protocol, patient: Patient) -> None:
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


_TOLERANCE = 1e-9  # relative: float arithmetic must not turn "at the limit" into "above it"


def _above(value: Quantity, limit: Quantity) -> bool:
    return bool(value > limit * (1 + _TOLERANCE))


def _below(value: Quantity, limit: Quantity) -> bool:
    return bool(value < limit * (1 - _TOLERANCE))


def _check_limits(
    protocol: Protocol, daily: Quantity, weight: Quantity, override_reason: str | None
) -> tuple[LimitStatus, list[Reason]]:
    limits = protocol.limits
    per_kg = protocol.is_weight_based
    basis = "mg/kg/day" if per_kg else "mg/day"
    shown = (daily / weight).to(basis) if per_kg else daily.to(basis)

    def text(q: Quantity) -> str:
        return format_quantity(q, basis, 2)

    cap = limits.absolute_hard_max.quantity.to("mg/day")
    if _above(shown, limits.hard_max.quantity) or _above(daily, cap):
        over = limits.hard_max
        if not _above(shown, limits.hard_max.quantity):
            over = limits.absolute_hard_max
        raise DoseLimitExceeded(
            f"'daily_dose' {format_quantity(daily, 'mg/day')} is above the hard maximum of "
            f"{format_quantity(over.quantity, over.unit)} ({over.status}, {over.source}): refused",
            field="daily_dose",
            value=f"{daily:~P}",
            limit=f"{over.value:g} {over.unit}",
        )
    if _below(shown, limits.hard_min.quantity):
        raise DoseLimitExceeded(
            f"'daily_dose' {text(shown)} is below the hard minimum of "
            f"{text(limits.hard_min.quantity)}: refused",
            field="daily_dose",
            value=f"{daily:~P}",
            limit=f"{limits.hard_min.value:g} {limits.hard_min.unit}",
        )
    reasons = [
        _reason(
            f"Hard limits {text(limits.hard_min.quantity)} to {text(limits.hard_max.quantity)}",
            limits.hard_max,
        )
    ]
    breached = None
    if limits.soft_max is not None and _above(shown, limits.soft_max.quantity):
        breached = ("above the soft maximum", limits.soft_max)
    elif limits.soft_min is not None and _below(shown, limits.soft_min.quantity):
        breached = ("below the soft minimum", limits.soft_min)
    if breached is None:
        return "within", reasons
    words, limit = breached
    if not override_reason or not override_reason.strip():
        raise OverrideRequired(
            f"'override_reason' is required: {text(shown)} is {words} of "
            f"{text(limit.quantity)} ({limit.status})",
            field="override_reason",
            value=f"{daily:~P}",
            limit=f"{limit.value:g} {limit.unit}",
        )
    reasons.append(
        _reason(
            f"{text(shown)} is {words} of {text(limit.quantity)}; override reason: "
            f"{override_reason.strip()}",
            limit,
        )
    )
    return "above_soft", reasons


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
        doses = [_daily_from_step(protocol, v, patient.weight) for v in regimen.ladder]
        at_or_above = [i for i, d in enumerate(doses, start=1) if d >= sc]
        chosen = at_or_above[0] if at_or_above else count
        text += f" (current SC dose {format_quantity(sc, 'mg/day')})"
    return chosen, [Reason(f"First step: {text}", regimen.first_step.status, "site")]


def calculate_dose_plan(
    protocol: Protocol,
    patient: Patient,
    *,
    step: int | None = None,
    daily_dose: Quantity | None = None,
    override_reason: str | None = None,
    apply_renal_adjustment: bool = False,
) -> DosePlan:
    """The dose plan for ``patient`` on ``protocol`` at ``step`` (1-based) or ``daily_dose``.

    With neither, the protocol's first-step rule chooses the step.

    Raises
    ------
    InvalidInput
        Age or weight outside the protocol's population; a step out of range.
    DoseLimitExceeded
        A daily dose above the hard maximum (or the absolute cap), or below the hard minimum.
    OverrideRequired
        A soft limit is breached and ``override_reason`` is empty.

    Examples
    --------
    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.dosing.patient import create_patient
    >>> patient = create_patient(weight="70 kg", age=54, sex="female", creatinine="1.0 mg/dL")
    >>> plan = calculate_dose_plan(get_protocol("adult-mas-civ"), patient, step=3)
    >>> plan.daily_dose.magnitude, plan.rate.magnitude, plan.limit_status
    (1200.0, 50.0, 'within')
    """
    if step is not None and daily_dose is not None:
        raise InvalidInput("give either 'step' or 'daily_dose', not both", field="step")
    _check_population(protocol, patient)
    weight = patient.weight.to("kg")
    reasons: list[Reason] = []
    warnings: list[str] = []
    crcl = calculate_creatinine_clearance(patient, protocol)
    if crcl is not None:
        reasons.append(
            Reason(
                f"Creatinine clearance: {crcl.formula}",
                "published" if crcl.method == "cockcroft-gault" else "site-decision",
                crcl.source,
            )
        )
    else:
        warnings.append("No creatinine or measured CrCl: the renal rule could not be checked")

    regimen = protocol.regimen
    chosen_step: int | None = None
    intermittent: IntermittentDose | None = None
    if isinstance(regimen, ContinuousRegimen):
        step_count = len(regimen.ladder)
        if daily_dose is None:
            chosen_step, step_reasons = _choose_step(protocol, regimen, patient, step)
            reasons += step_reasons
            step_value = regimen.ladder[chosen_step - 1]
            daily = _daily_from_step(protocol, step_value, weight)
            per_kg_text = (
                f"{format_quantity(step_value.quantity, step_value.unit)} x "
                f"{format_quantity(weight, 'kg', 1)} = "
                if protocol.is_weight_based
                else ""
            )
            reasons.append(
                _reason(
                    f"Step {chosen_step} of {step_count}: {per_kg_text}"
                    f"{format_quantity(daily, 'mg/day')}",
                    step_value,
                )
            )
            cap = _cap(protocol, weight)
            if daily > cap:
                daily = cap
                reasons.append(
                    _reason(
                        f"Capped at the absolute maximum of {format_quantity(cap, 'mg/day')}",
                        protocol.limits.absolute_hard_max,
                    )
                )
        else:
            daily = _daily_dose_from_input(daily_dose, weight)
            reasons.append(
                Reason(
                    f"Daily dose ordered: {format_quantity(daily, 'mg/day')}",
                    "site-decision",
                    "site",
                )
            )
        rate = daily.to("mg/h")
        reasons.append(
            Reason(
                f"Rate = {format_quantity(daily, 'mg/day')} / 24 h = "
                f"{format_quantity(rate, 'mg/h', 2)}",
                "derived",
                reasons[-1].source,
            )
        )
    else:
        step_count = 0
        intermittent, daily, rate, dose_reasons = _intermittent(protocol, regimen, weight)
        reasons += dose_reasons

    limit_status, limit_reasons = _check_limits(protocol, daily, weight, override_reason)
    reasons += limit_reasons

    renal = calculate_renal_adjustment(protocol, patient, crcl, daily, apply=apply_renal_adjustment)
    if renal is not None:
        reasons.append(Reason(renal.text, renal.ratio.status, renal.ratio.source))
        if renal.applied:
            daily, rate = renal.suggested_daily_dose.to("mg/day"), renal.suggested_rate
            _check_limits(protocol, daily, weight, override_reason or "renal adjustment")
        else:
            warnings.append(renal.text)
    if patient.renal_replacement == "crrt" and protocol.renal.crrt_note is not None:
        note = protocol.renal.crrt_note
        reasons.append(Reason(note.text, note.status, note.source))

    loading = _loading_dose(protocol, weight, reasons)
    next_up, next_down, transition = _neighbours(protocol, chosen_step, weight)
    if transition is not None and protocol.transition is not None:
        reasons.append(
            Reason(
                f"Below this step: {protocol.transition.text}",
                protocol.transition.status,
                protocol.transition.source,
            )
        )
    if protocol.historical:
        warnings.append(f"{protocol.id} is a historical comparator regimen, not a MAS protocol")
    warnings.append(
        f"{protocol.count_site_decisions()} values of this protocol are site decisions "
        "that the institution must review and approve"
    )
    warnings.append("IV anakinra is off-label; decision support for qualified clinicians only")
    return DosePlan(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        regimen_kind=protocol.regimen_kind,
        weight=weight,
        step=chosen_step,
        step_count=step_count,
        crcl=crcl,
        loading_dose=loading,
        daily_dose=daily,
        rate=rate.to("mg/h"),
        dose_per_kg_per_day=(daily / weight).to("mg/kg/day"),
        rate_per_kg=(rate / weight).to("mg/kg/h"),
        limit_status=limit_status,
        next_step_up=next_up,
        next_step_down=next_down,
        transition=transition,
        renal_adjustment=renal,
        intermittent=intermittent,
        override_reason=override_reason.strip() if override_reason else None,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
    )


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


def _intermittent(
    protocol: Protocol, regimen: IntermittentRegimen, weight: Quantity
) -> tuple[IntermittentDose, Quantity, Quantity, list[Reason]]:
    reasons: list[Reason] = []
    dose = regimen.dose.quantity
    if protocol.is_weight_based:
        dose = (dose * weight).to("mg")
        reasons.append(
            _reason(
                f"Dose {format_quantity(regimen.dose.quantity, regimen.dose.unit)} x "
                f"{format_quantity(weight, 'kg', 1)} = {format_quantity(dose, 'mg')}",
                regimen.dose,
            )
        )
    else:
        dose = dose.to("mg")
        reasons.append(_reason(f"Dose {format_quantity(dose, 'mg')}", regimen.dose))
    if regimen.max_per_dose is not None and dose > regimen.max_per_dose.quantity:
        dose = regimen.max_per_dose.quantity.to("mg")
        reasons.append(
            _reason(f"Capped at {format_quantity(dose, 'mg')} per dose", regimen.max_per_dose)
        )
    interval = regimen.interval.quantity.to("h")
    per_day = Q_(24, "h") / interval
    daily = (dose * per_day.to("dimensionless").magnitude / Q_(1, "day")).to("mg/day")
    cap = _cap(protocol, weight)
    if daily > cap:
        dose = (cap * interval).to("mg")
        daily = cap
        reasons.append(
            _reason(
                f"Capped at the absolute maximum of {format_quantity(cap, 'mg/day')}",
                protocol.limits.absolute_hard_max,
            )
        )
    duration = regimen.infusion_duration.quantity.to("h")
    rate = (dose / duration).to("mg/h")
    reasons.append(
        _reason(
            f"Every {format_quantity(interval, 'h')} = {format_quantity(daily, 'mg/day')}; each "
            f"dose over {format_quantity(duration, 'h')} at {format_quantity(rate, 'mg/h', 1)}",
            regimen.interval,
        )
    )
    return IntermittentDose(dose, interval, duration, rate), daily, rate, reasons


def _loading_dose(protocol: Protocol, weight: Quantity, reasons: list[Reason]) -> Quantity | None:
    value = protocol.loading_dose
    if value is None:
        return None
    dose = value.quantity
    dose = dose.to("mg") if dose.check("[mass]") else (dose * weight).to("mg")
    note = f" ({value.note})" if value.note else ""
    reasons.append(_reason(f"Loading dose {format_quantity(dose, 'mg')} IV{note}", value))
    if protocol.loading_dose_max is not None and dose > protocol.loading_dose_max.quantity:
        dose = protocol.loading_dose_max.quantity.to("mg")
        reasons.append(
            _reason(
                f"Loading dose capped at {format_quantity(dose, 'mg')}", protocol.loading_dose_max
            )
        )
    return dose


def _neighbours(
    protocol: Protocol, step: int | None, weight: Quantity
) -> tuple[Quantity | None, Quantity | None, str | None]:
    regimen = protocol.regimen
    if not isinstance(regimen, ContinuousRegimen) or step is None:
        return None, None, None
    cap = _cap(protocol, weight)
    up = down = None
    if step < len(regimen.ladder):
        up = min(_daily_from_step(protocol, regimen.ladder[step], weight), cap)
    if step > 1:
        down = min(_daily_from_step(protocol, regimen.ladder[step - 2], weight), cap)
    transition = protocol.transition.text if step == 1 and protocol.transition else None
    return up, down, transition
