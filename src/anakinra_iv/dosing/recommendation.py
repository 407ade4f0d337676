"""The recommendation at a review: the assessment's advice plus the dose plan it implies.

:mod:`anakinra_iv.assessment` evaluates the protocol's rules against the observations and
proposes an action and a target step; this module turns that step into a dose plan (with the
renal rule applied to the latest creatinine) and adds the flags dosing raises. The result is
advice with its basis shown: the decision stays with the prescriber.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anakinra_iv.assessment.observation_file import Finding
from anakinra_iv.assessment.observations import Observation
from anakinra_iv.assessment.recommendation import Advice, InfusionPeriod, create_advice
from anakinra_iv.assessment.response import get_duration
from anakinra_iv.assessment.safety import SafetyFlag
from anakinra_iv.assessment.trends import select_observations
from anakinra_iv.dosing.formulas import get_formula_constants
from anakinra_iv.dosing.patient import Patient
from anakinra_iv.dosing.plan import DosePlan, calculate_dose_plan
from anakinra_iv.dosing.summary import summarise_dose_plan
from anakinra_iv.errors import DoseLimitExceeded, OverrideRequired
from anakinra_iv.protocol import Protocol
from anakinra_iv.units import Quantity

__all__ = ["Recommendation", "create_recommendation", "summarise_recommendation"]

_PLANNED_ACTIONS = ("start", "escalate", "maintain", "wean")


@dataclass(frozen=True)
class Recommendation:
    """The advice, the dose plan of its target step (None for hold, stop, transition) and the
    flags raised by dosing."""

    advice: Advice
    plan: DosePlan | None
    patient: Patient
    flags: tuple[SafetyFlag, ...]


def _lowest_within(
    series: Sequence[Observation], end: datetime, window: timedelta
) -> Quantity | None:
    inside = [o.quantity for o in series if end - window <= o.collected_at < end]
    return min(inside) if inside else None


def _with_latest_creatinine(
    patient: Patient, observations: Sequence[Observation], at: datetime
) -> Patient:
    """The patient with the latest creatinine, and the lowest values before it within 48 h and
    within the baseline window (KDIGO 2012), so that the plan can tell acute kidney injury."""
    creatinine = select_observations(tuple(observations), "creatinine", now=at)
    if not creatinine:
        return patient
    latest = creatinine[-1]
    aki = get_formula_constants()["acute_kidney_injury"]
    earlier = creatinine[:-1]
    return dataclasses.replace(
        patient,
        creatinine=latest.quantity,
        measured_crcl=None,
        creatinine_48h_ago=_lowest_within(earlier, latest.collected_at, get_duration(aki["window"]))
        or patient.creatinine_48h_ago,
        baseline_creatinine=_lowest_within(
            earlier, latest.collected_at, get_duration(aki["baseline_window"])
        )
        or patient.baseline_creatinine,
    )


def create_recommendation(
    protocol: Protocol,
    patient: Patient,
    observations: Sequence[Observation],
    findings: Sequence[Finding] = (),
    *,
    step: int | None,
    at: datetime,
    history: Sequence[InfusionPeriod] = (),
    override_reason: str | None = None,
) -> Recommendation:
    """Advise the next action at ``at`` and compute the dose plan it implies.

    The latest creatinine observed up to ``at`` replaces the patient's, so a falling creatinine
    clearance shows in the plan and its renal rule. A target step above a soft limit without a
    reason, or above a hard limit, gives no plan and a critical flag instead: the advice never
    produces a dose beyond the protocol's limits.
    """
    current = _with_latest_creatinine(patient, observations, at)
    advice = create_advice(
        protocol, tuple(observations), tuple(findings), step=step, at=at, history=tuple(history)
    )
    if advice.action not in _PLANNED_ACTIONS:
        return Recommendation(advice, None, current, ())
    try:
        plan = calculate_dose_plan(
            protocol,
            current,
            step=advice.target_step,
            override_reason=override_reason,
            starting=advice.action == "start",
        )
    except (OverrideRequired, DoseLimitExceeded) as e:
        code = "soft-limit" if isinstance(e, OverrideRequired) else "hard-limit"
        flag = SafetyFlag(code, "critical", f"{e.message} (an override reason is needed)")
        return Recommendation(advice, None, current, (flag,))
    flags = [SafetyFlag("dosing", "info", w) for w in plan.warnings]
    renal = plan.renal_adjustment
    if renal is not None:
        flags.append(
            SafetyFlag(
                f"renal-{renal.category}",
                "warning",
                f"{renal.text}; suggested {renal.suggested_rate:.3g~P} "
                f"({renal.suggested_daily_dose:.4g~P})",
                renal.ratio.status,
                renal.ratio.source,
            )
        )
    return Recommendation(advice, plan, current, tuple(flags))


def summarise_recommendation(recommendation: Recommendation, protocol: Protocol) -> dict[str, Any]:
    """The JSON of ``anakinra assess``: ``action``, ``dose_plan``, ``reasons``,
    ``safety_flags``, ``next_review_at`` and the steps."""
    advice = recommendation.advice
    out = advice.as_dict()
    out["safety_flags"] += [f.as_dict() for f in recommendation.flags]
    plan = recommendation.plan
    dose_plan = None if plan is None else summarise_dose_plan(plan)
    if advice.action == "start" and plan is not None:
        out["target_step"] = plan.step  # the protocol's first-step rule, applied by dosing
    return {
        "protocol_id": protocol.id,
        "protocol_version": protocol.version,
        "action": out.pop("action"),
        "dose_plan": dose_plan,
        **out,
    }
