"""The dose plan: loading dose, the current step's dose and rate, limits, renal rule, next steps.

Every number in a plan carries a :class:`Reason` naming its rule, status and source. A hard-limit
breach is refused (:class:`~anakinra_iv.errors.DoseLimitExceeded`); a soft-limit breach needs an
override reason (:class:`~anakinra_iv.errors.OverrideRequired`). No path returns a daily dose above
the protocol's hard maximum, its per-kg maximum or its absolute cap. A confirmed renal adjustment
changes the dose the plan gives (and its limit status is that of the adjusted dose); an
intermittent regimen's fixed dose cannot be replaced by a step or a daily dose.
"""

from __future__ import annotations

from dataclasses import dataclass

from anakinra_iv.dosing.clearance import (
    describe_missing_renal_input,
    describe_unsteady_creatinine,
)
from anakinra_iv.dosing.formulas import get_formula_constants
from anakinra_iv.dosing.intermittent import (
    IntermittentDose,
    calculate_intermittent_schedule,
    create_intermittent_dose,
)
from anakinra_iv.dosing.ladder import (
    calculate_continuous_dose,
    calculate_neighbours,
    calculate_step_dose,
    check_population,
)
from anakinra_iv.dosing.limits import (
    LimitStatus,
    Reason,
    calculate_dose_cap,
    check_dose_limits,
    create_reason,
)
from anakinra_iv.dosing.patient import Patient
from anakinra_iv.dosing.plausibility import describe_weight_for_age
from anakinra_iv.dosing.renal import (
    CreatinineClearance,
    IntermittentSchedule,
    RenalAdjustment,
    calculate_creatinine_clearance,
    calculate_renal_adjustment,
)
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import ContinuousRegimen, Protocol
from anakinra_iv.units import Quantity, format_quantity

__all__ = ["DosePlan", "IntermittentDose", "LimitStatus", "Reason", "calculate_dose_plan"]


@dataclass(frozen=True)
class DosePlan:
    """A complete, explained dose plan for one patient on one protocol.

    ``loading_dose`` is given only when the infusion starts; for an intermittent regimen
    ``intermittent`` is the regimen given (after a confirmed renal adjustment) and ``rate`` the
    rate of each infusion.
    """

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


def _refuse_fixed_regimen(protocol: Protocol, step: int | None, daily: Quantity | None) -> None:
    """An intermittent protocol's dose is fixed: a step or a daily dose is refused, named."""
    for field, given in (("step", step), ("daily_dose", daily)):
        if given is not None:
            raise InvalidInput(
                f"'{field}' does not apply to {protocol.id}: it is an intermittent regimen with "
                "a fixed dose and interval (no ladder, no daily dose to choose)",
                field=field,
                value=given if field == "step" else f"{daily:~P}",
            )


def _sc_warning(protocol: Protocol, patient: Patient, highest: Quantity) -> str | None:
    """A switch from SC at a dose the protocol cannot match lowers the dose: say so."""
    sc = patient.current_sc_daily_dose
    if sc is None or sc.to("mg/day") <= highest * (1 + 1e-9):
        return None
    return (
        f"The current SC dose {format_quantity(sc, 'mg/day')} is above the highest dose of "
        f"{protocol.id} for this patient ({format_quantity(highest, 'mg/day')}): the switch "
        "LOWERS the dose; confirm this is intended"
    )


def _refuse_renal_adjustment(patient: Patient, protocol: Protocol) -> None:
    """A renal adjustment was asked for but renal function could not be estimated: refuse,
    naming the missing input (never plan an unadjusted dose as if it had been adjusted)."""
    missing = describe_missing_renal_input(patient, protocol)
    if missing is None:
        return  # renal replacement or a measured clearance decides the renal rule
    field = "height" if missing.startswith("'height'") else "creatinine"
    raise InvalidInput(
        f"cannot apply a renal adjustment: {missing}. Give '{field}', or plan without the "
        "renal adjustment",
        field=field,
    )


_RRT_NAMES = {"crrt": "CRRT", "haemodialysis": "haemodialysis"}


def _renal_reasons(
    protocol: Protocol, patient: Patient, crcl: CreatinineClearance | None
) -> tuple[list[Reason], list[str]]:
    reasons: list[Reason] = []
    warnings: list[str] = []
    if crcl is not None:
        status = "site-decision" if crcl.method == "measured" else "published"
        reasons.append(Reason(f"Renal function: {crcl.formula}", status, crcl.source))
        if crcl.method == "bedside-schwartz":
            limit = get_formula_constants()["bedside_schwartz"]["validated_from_age"]
            if patient.age_years < limit.value:
                warnings.append(
                    f"The bedside Schwartz eGFR was derived in children from {limit.value:g} "
                    f"year ({limit.source}); under that age it is an approximation"
                )
    missing = describe_missing_renal_input(patient, protocol)
    if missing is not None:
        warnings.append(missing)
    if patient.renal_replacement != "none" and (crcl is None or crcl.method != "measured"):
        mode = _RRT_NAMES.get(patient.renal_replacement, patient.renal_replacement)
        warnings.append(
            f"On {mode}: creatinine is cleared by the circuit, not the kidneys, so no creatinine "
            "clearance is estimated (Cockcroft-Gault or Schwartz would report renal function "
            "the patient does not have); the protocol's renal replacement rule decides the dose"
        )
    unsteady = describe_unsteady_creatinine(patient)
    if unsteady is not None:
        warnings.append(unsteady)
    return reasons, warnings


def calculate_dose_plan(
    protocol: Protocol,
    patient: Patient,
    *,
    step: int | None = None,
    daily_dose: Quantity | None = None,
    override_reason: str | None = None,
    apply_renal_adjustment: bool = False,
    renal_option: str | None = None,
    starting: bool = True,
) -> DosePlan:
    """The dose plan for ``patient`` on ``protocol`` at ``step`` (1-based) or ``daily_dose``.

    With neither, the protocol's first-step rule chooses the step. ``renal_option`` chooses how
    a confirmed renal adjustment changes an intermittent regimen (``dose`` or ``interval``).
    ``starting`` is False for a plan of an infusion already running (no loading dose).

    Raises
    ------
    InvalidInput
        Age or weight outside the protocol's population; a step out of range; a step or a daily
        dose for an intermittent regimen; an unknown renal option.
    DoseLimitExceeded
        A daily dose above the hard maximum (or the per-kg maximum, or the absolute cap), or
        below the hard minimum.
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
    regimen = protocol.regimen
    if not isinstance(regimen, ContinuousRegimen):
        _refuse_fixed_regimen(protocol, step, daily_dose)
    check_population(protocol, patient)
    weight = patient.weight.to("kg")
    warnings: list[str] = []
    implausible = describe_weight_for_age(weight, patient.age_years)
    if implausible is not None:
        warnings.append(implausible)
    crcl = calculate_creatinine_clearance(patient, protocol)
    if apply_renal_adjustment and crcl is None:
        _refuse_renal_adjustment(patient, protocol)
    reasons, renal_warnings = _renal_reasons(protocol, patient, crcl)
    warnings += renal_warnings

    chosen_step: int | None = None
    schedule: IntermittentSchedule | None = None
    interval_source = dose_source = "site"
    cap = calculate_dose_cap(protocol, weight)
    if isinstance(regimen, ContinuousRegimen):
        step_count = len(regimen.ladder)
        chosen_step, daily = calculate_continuous_dose(
            protocol, regimen, patient, step, daily_dose, reasons
        )
        if chosen_step is not None:
            dose_source = regimen.ladder[chosen_step - 1].source
        highest = min(calculate_step_dose(protocol, regimen.ladder[-1], weight), cap)
    else:
        step_count = 0
        interval_source = regimen.interval.source
        schedule, dose_reasons = calculate_intermittent_schedule(protocol, regimen, weight)
        reasons += dose_reasons
        daily = (schedule.dose / schedule.interval).to("mg/day")
        highest = daily
    sc_warning = _sc_warning(protocol, patient, highest)
    if sc_warning is not None:
        warnings.append(sc_warning)

    renal = calculate_renal_adjustment(
        protocol,
        patient,
        crcl,
        daily,
        apply=apply_renal_adjustment,
        option=renal_option,
        schedule=schedule,
    )
    applied = renal is not None and renal.applied
    limit_status, limit_reasons = check_dose_limits(
        protocol, daily, weight, override_reason, soft=not applied
    )
    if renal is not None:
        chosen = renal.chosen
        basis = renal.ratio if chosen is None else chosen.basis
        reasons.append(Reason(renal.text, basis.status, basis.source))
        if renal.applied and chosen is not None:
            daily = chosen.daily_dose.to("mg/day")
            if schedule is not None and chosen.dose is not None and chosen.interval is not None:
                schedule = IntermittentSchedule(
                    chosen.dose, chosen.interval, schedule.infusion_duration
                )
                daily = (schedule.dose / schedule.interval).to("mg/day")
            limit_status, limit_reasons = check_dose_limits(
                protocol, daily, weight, override_reason, renal_derived=True
            )
        else:
            warnings.append(renal.text)
    reasons += limit_reasons
    if patient.renal_replacement == "crrt" and protocol.renal.crrt_note is not None:
        note = protocol.renal.crrt_note
        reasons.append(Reason(note.text, note.status, note.source))

    intermittent = None if schedule is None else create_intermittent_dose(schedule)
    if intermittent is None:
        rate = daily.to("mg/h")
        reasons.append(
            Reason(
                f"Rate = {format_quantity(daily, 'mg/day')} / 24 h = "
                f"{format_quantity(rate, 'mg/h', 2)}",
                "derived",
                dose_source,
            )
        )
    else:
        rate = intermittent.infusion_rate
        reasons.append(
            Reason(
                f"{format_quantity(intermittent.dose, 'mg')} every "
                f"{format_quantity(intermittent.interval, 'h')} = "
                f"{format_quantity(daily, 'mg/day')}; each dose over "
                f"{format_quantity(intermittent.infusion_duration, 'h')} at "
                f"{format_quantity(rate, 'mg/h', 1)}",
                "derived",
                interval_source,
            )
        )

    loading = _loading_dose(protocol, patient, reasons) if starting else None
    next_up, next_down, transition = calculate_neighbours(protocol, chosen_step, weight)
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


def _loading_dose(protocol: Protocol, patient: Patient, reasons: list[Reason]) -> Quantity | None:
    value = protocol.loading_dose
    if value is None:
        return None
    dose = value.quantity
    dose = dose.to("mg") if dose.check("[mass]") else (dose * patient.weight).to("mg")
    note = f" ({value.note})" if value.note else ""
    reasons.append(create_reason(f"Loading dose {format_quantity(dose, 'mg')} IV{note}", value))
    if protocol.loading_dose_max is not None and dose > protocol.loading_dose_max.quantity:
        dose = protocol.loading_dose_max.quantity.to("mg")
        reasons.append(
            create_reason(
                f"Loading dose capped at {format_quantity(dose, 'mg')}", protocol.loading_dose_max
            )
        )
    on_sc = protocol.loading_dose_on_sc
    if patient.current_sc_daily_dose is not None and on_sc is not None:
        reasons.append(Reason(on_sc.text, on_sc.status, on_sc.source))
    return dose
