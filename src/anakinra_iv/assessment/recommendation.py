"""The advice at a review: start, escalate, maintain, wean, transition, hold or stop.

The protocol's rules are evaluated in file order and the first whose gates and conditions hold
chooses the action (so holds and stops, listed first, win). Every threshold, window, duration
and the review interval come from the protocol file. The advice names the rule, its status and
source, and the observations that fired it; it never goes above the top of the ladder (whose
last step is the hard maximum) and it is advice: the decision stays with the prescriber.

The dose plan that a target step implies is calculated by :mod:`anakinra_iv.dosing`, a higher
layer, from ``Advice.target_step``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anakinra_iv.assessment.observation_file import Finding
from anakinra_iv.assessment.observations import Observation
from anakinra_iv.assessment.response import (
    ReviewContext,
    RuleResult,
    evaluate_rule,
    get_duration,
    is_state_sustained,
)
from anakinra_iv.assessment.safety import SafetyFlag, calculate_safety_flags
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol.schema import ContinuousRegimen, Protocol, Rule

__all__ = ["Advice", "AdviceReason", "InfusionPeriod", "create_advice", "create_review_context"]

NOT_INDICATED = "not-indicated"
"""The advice before the start when the protocol states an indication and none of it holds."""

DECISION_NOTE = (
    "Advice with its basis shown; the decision is the prescriber's. IV anakinra is off-label."
)


@dataclass(frozen=True)
class InfusionPeriod:
    """From ``started_at`` the infusion ran at ladder ``step`` (1-based)."""

    step: int
    started_at: datetime


@dataclass(frozen=True)
class AdviceReason:
    """Why: the rule (or protocol element), its status and source, and the data behind it."""

    rule: str
    text: str
    status: str
    source: str
    observations: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of one reason."""
        return {
            "rule": self.rule,
            "text": self.text,
            "status": self.status,
            "source": self.source,
            "conditions": list(self.conditions),
            "observations": list(self.observations),
        }


@dataclass(frozen=True)
class Advice:
    """The action, the step it leads to, the reasons, the safety flags and the next review."""

    action: str
    current_step: int | None
    target_step: int | None
    step_count: int
    reasons: tuple[AdviceReason, ...]
    safety_flags: tuple[SafetyFlag, ...]
    next_review_at: datetime | None
    at: datetime
    rules: tuple[RuleResult, ...] = ()
    note: str = DECISION_NOTE

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (without the dose plan, which the dosing layer adds)."""
        return {
            "action": self.action,
            "at": self.at.isoformat(),
            "current_step": self.current_step,
            "target_step": self.target_step,
            "step_count": self.step_count,
            "reasons": [r.as_dict() for r in self.reasons],
            "safety_flags": [f.as_dict() for f in self.safety_flags],
            "next_review_at": self.next_review_at.isoformat() if self.next_review_at else None,
            "note": self.note,
        }


def create_review_context(
    protocol: Protocol,
    *,
    step: int | None,
    at: datetime,
    history: Sequence[InfusionPeriod] = (),
) -> ReviewContext:
    """Where the patient stands at ``at``, from the current step and the infusion history.

    Raises
    ------
    InvalidInput
        ``step`` outside the ladder, a naive time, or a history entry after ``at``.
    """
    count = len(protocol.regimen.ladder) if isinstance(protocol.regimen, ContinuousRegimen) else 0
    if at.tzinfo is None:
        raise InvalidInput(f"'at' must carry a timezone (got '{at.isoformat()}')", field="at")
    if step is not None and not 1 <= step <= max(count, 1):
        raise InvalidInput(
            f"'step' must be between 1 and {count} for {protocol.id} (got {step})",
            field="step",
            value=step,
            limit=count,
        )
    periods = sorted(history, key=lambda p: p.started_at)
    if any(p.started_at > at for p in periods):
        raise InvalidInput("'history' has a period starting after the review time", field="history")
    step_started = periods[-1].started_at if periods and periods[-1].step == step else None
    weaning = len(periods) >= 2 and periods[-1].step < periods[-2].step
    interval = protocol.review_interval or (protocol.labs.interval if protocol.labs else None)
    return ReviewContext(
        at=at,
        step=step,
        step_count=count,
        review_interval=get_duration(interval) if interval else timedelta(0),
        step_started_at=step_started,
        infusion_started_at=periods[0].started_at if periods else None,
        weaning=weaning,
    )


def _applies(rule: Rule, step: int | None) -> bool:
    """Holds and stops apply always, ``start`` rules before the start, the others after it."""
    if rule.action in ("hold", "stop"):
        return True
    if rule.action == "start":
        return step is None
    return rule.action is not None and step is not None


def _gate(
    rule: Rule,
    protocol: Protocol,
    observations: Sequence[Observation],
    findings: Sequence[Finding],
    ctx: ReviewContext,
) -> tuple[bool | None, list[str]]:
    """Whether the rule's context gates pass (None: cannot tell), with what was checked."""
    checked: list[str] = []
    if rule.only_when_weaning and not ctx.weaning:
        return False, checked
    if rule.at_lowest_step is not None and (ctx.step == 1) != rule.at_lowest_step:
        return False, checked
    state: bool | None = True
    if rule.min_time_at_step is not None:
        need = get_duration(rule.min_time_at_step)
        if ctx.step_started_at is None:
            state = None
            checked.append("time at the current step unknown (no infusion history)")
        elif ctx.at - ctx.step_started_at < need:
            return False, checked
        else:
            hours = (ctx.at - ctx.step_started_at).total_seconds() / 3600
            checked.append(f"{hours:g} h at step {ctx.step} (at least {need})")
    if rule.requires_state is not None:
        duration = get_duration(rule.sustained_for) if rule.sustained_for else timedelta(0)
        held = is_state_sustained(
            protocol, rule.requires_state, observations, findings, ctx, duration
        )
        if held is False:
            return False, checked
        if held is None:
            state = None
        checked.append(f"{rule.requires_state} sustained for {duration}")
    return state, checked


def _state_results(rule: Rule, results: Sequence[RuleResult]) -> tuple[RuleResult, ...]:
    """The results (at this review) of the rules establishing the state ``rule`` requires."""
    if rule.requires_state is None:
        return ()
    return tuple(r for r in results if r.rule.state == rule.requires_state)


def _reason(
    result: RuleResult, checked: list[str], states: tuple[RuleResult, ...] = ()
) -> AdviceReason:
    rule = result.rule
    conditions = [c for r in (result, *states) for c in r.conditions]
    return AdviceReason(
        rule.id,
        rule.text,
        rule.status,
        rule.source,
        tuple(dict.fromkeys(u for c in conditions for u in c.used)),
        tuple(c.describe() for c in conditions if c.met) + tuple(checked),
    )


def _step_reason(protocol: Protocol, step: int) -> AdviceReason:
    assert isinstance(protocol.regimen, ContinuousRegimen)
    value = protocol.regimen.ladder[step - 1]
    return AdviceReason(
        "ladder",
        f"Step {step} of {len(protocol.regimen.ladder)}: {value.value:g} {value.unit}",
        value.status,
        value.source,
    )


def create_advice(
    protocol: Protocol,
    observations: Sequence[Observation],
    findings: Sequence[Finding] = (),
    *,
    step: int | None,
    at: datetime,
    history: Sequence[InfusionPeriod] = (),
) -> Advice:
    """The advice at the review ``at`` for a patient at ``step`` (None: not started).

    Raises
    ------
    InvalidInput
        As :func:`create_review_context`.
    """
    ctx = create_review_context(protocol, step=step, at=at, history=history)
    results: list[RuleResult] = []
    reasons: list[AdviceReason] = []
    flags: list[SafetyFlag] = []
    chosen: Rule | None = None
    for rule in protocol.rules:
        result = evaluate_rule(
            rule,
            observations,
            findings,
            at=at,
            since=ctx.infusion_started_at,
            started=step is not None,
        )
        results.append(result)
        if not _applies(rule, step):
            continue
        gate, checked = _gate(rule, protocol, observations, findings, ctx)
        if gate is False or result.held is False:
            continue
        if gate is None or result.held is None:
            why = result.note or "; ".join(checked)
            flags.append(
                SafetyFlag(f"undecided-{rule.id}", "info", f"'{rule.text}' not evaluated: {why}")
            )
            continue
        chosen = rule
        reasons.append(_reason(result, checked, _state_results(rule, results)))
        break
    action, target = _apply(protocol, chosen, ctx, reasons, flags)
    flags = (
        list(
            calculate_safety_flags(
                protocol, observations, findings, ctx, results, chosen.id if chosen else None
            )
        )
        + flags
    )
    if chosen is not None and chosen.action in ("hold", "stop"):
        flags.insert(
            0,
            SafetyFlag(
                chosen.id,
                "critical",
                chosen.text,
                chosen.status,
                chosen.source,
                reasons[0].observations,
            ),
        )
    return Advice(
        action=action,
        current_step=step,
        target_step=target,
        step_count=ctx.step_count,
        reasons=tuple(reasons),
        safety_flags=tuple(flags),
        next_review_at=at + ctx.review_interval if ctx.review_interval else None,
        at=at,
        rules=tuple(results),
    )


def _apply(
    protocol: Protocol,
    chosen: Rule | None,
    ctx: ReviewContext,
    reasons: list[AdviceReason],
    flags: list[SafetyFlag],
) -> tuple[str, int | None]:
    """The action and target step of the chosen rule, kept within the ladder."""
    step, top = ctx.step, ctx.step_count
    if chosen is None:
        starts = [r for r in protocol.rules if r.action == "start"]
        if step is None and starts:
            for rule in starts:
                reasons.append(
                    AdviceReason(rule.id, f"Not met: {rule.text}", rule.status, rule.source)
                )
            return NOT_INDICATED, None
        if step is None:
            first = (
                protocol.regimen.first_step
                if isinstance(protocol.regimen, ContinuousRegimen)
                else None
            )
            if first is not None:
                reasons.append(AdviceReason("first-step", first.text, first.status, first.source))
            return "start", None
        return "maintain", step
    action = str(chosen.action)
    if action == "escalate" and step is not None:
        if step >= top:
            flags.append(
                SafetyFlag(
                    "at-maximum",
                    "critical",
                    f"Escalation indicated but step {step} is the top of the ladder (the hard "
                    "maximum): no higher dose; consider other treatment",
                    protocol.limits.hard_max.status,
                    protocol.limits.hard_max.source,
                )
            )
            return "maintain", step
        reasons.append(_step_reason(protocol, step + 1))
        return action, step + 1
    if action == "wean" and step is not None:
        if step <= 1:
            return "transition", None
        reasons.append(_step_reason(protocol, step - 1))
        return action, step - 1
    if action == "transition":
        if protocol.transition is not None:
            t = protocol.transition
            reasons.append(AdviceReason("transition", t.text, t.status, t.source))
        return action, None
    if action == "stop":
        return action, None
    if action == "start":
        first = (
            protocol.regimen.first_step if isinstance(protocol.regimen, ContinuousRegimen) else None
        )
        if first is not None:
            reasons.append(AdviceReason("first-step", first.text, first.status, first.source))
        return action, None
    return action, step
