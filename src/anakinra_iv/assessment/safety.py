"""Safety flags at a review: stale or missing labs, rising transaminases and creatinine, and
hold or stop rules about to fire.

The checks beyond the protocol's rules live in ``data/safety.yaml`` as conditions in the
protocol-file format, each with its status and source; stale and missing labs follow the
protocol's lab panel (``labs.analytes``, ``labs.stale_after``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from anakinra_iv.assessment.criteria import is_condition_met
from anakinra_iv.assessment.observation_file import Finding
from anakinra_iv.assessment.observations import Observation
from anakinra_iv.assessment.response import (
    ReviewContext,
    RuleResult,
    evaluate_condition,
    get_duration,
)
from anakinra_iv.assessment.trends import select_observations
from anakinra_iv.protocol.schema import Condition, Protocol
from anakinra_iv.yaml_text import read_yaml

__all__ = ["SafetyCheck", "SafetyFlag", "calculate_safety_flags", "get_safety_checks"]

Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True)
class SafetyFlag:
    """Something the prescriber should see, whatever the action."""

    code: str
    severity: Severity
    text: str
    status: str = ""
    source: str = ""
    observations: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of one flag."""
        return {
            "code": self.code,
            "severity": self.severity,
            "text": self.text,
            "status": self.status or None,
            "source": self.source or None,
            "observations": list(self.observations),
        }


class SafetyCheck(BaseModel):
    """A check of ``data/safety.yaml``: the flag is raised when any condition holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    severity: Severity
    text: str
    any: tuple[Condition, ...]


@cache
def get_safety_checks() -> tuple[SafetyCheck, ...]:
    """The packaged safety checks."""
    text = resources.files("anakinra_iv.assessment").joinpath("data/safety.yaml").read_text()
    return tuple(SafetyCheck.model_validate(c) for c in read_yaml(text)["checks"])


def _lab_flags(
    protocol: Protocol, observations: Sequence[Observation], at: datetime
) -> list[SafetyFlag]:
    if protocol.labs is None:
        return []
    flags: list[SafetyFlag] = []
    stale_after = get_duration(protocol.labs.stale_after)
    provenance = protocol.labs.provenance
    for analyte in protocol.labs.analytes:
        series = select_observations(observations, analyte, now=at)
        if not series:
            flags.append(
                SafetyFlag(
                    f"missing-{analyte}",
                    "warning",
                    f"No {analyte} value: the protocol's daily panel includes it",
                    provenance.status,
                    provenance.source,
                )
            )
        elif at - series[-1].collected_at > stale_after:
            hours = (at - series[-1].collected_at).total_seconds() / 3600
            flags.append(
                SafetyFlag(
                    f"stale-{analyte}",
                    "warning",
                    f"Latest {analyte} is {hours:.0f} h old (stale after "
                    f"{protocol.labs.stale_after.value:g} {protocol.labs.stale_after.unit})",
                    protocol.labs.stale_after.status,
                    protocol.labs.stale_after.source,
                    (f"{analyte} at {series[-1].collected_at.isoformat()}",),
                )
            )
    return flags


def _at_baseline(results: Sequence[RuleResult]) -> list[SafetyFlag]:
    """Hold and stop rules about a new change whose value was already there at baseline: the
    disease, reported as such (not as a reason to hold)."""
    flags: list[SafetyFlag] = []
    for result in results:
        rule = result.rule
        if rule.action not in ("hold", "stop"):
            continue
        for c in result.conditions:
            if c.at_baseline:
                flags.append(
                    SafetyFlag(
                        f"baseline-{rule.id}",
                        "info",
                        f"{c.analyte} {c.value:g} {c.unit} {c.op} {c.threshold:g} before the "
                        "first infusion: disease activity (HLH-2004 counts cytopenias as a "
                        f"criterion), not a reason to {rule.action}; '{rule.text}' applies to a "
                        "new change after the start",
                        rule.status,
                        rule.source,
                        c.used,
                    )
                )
    return flags


def _approaching(results: Sequence[RuleResult], fired: str | None) -> list[SafetyFlag]:
    """Hold and stop rules counting consecutive days whose latest day already meets them."""
    flags: list[SafetyFlag] = []
    for result in results:
        rule = result.rule
        if rule.action not in ("hold", "stop") or rule.id == fired:
            continue
        for c in result.conditions:
            if c.at_baseline:
                continue
            if c.measure == "consecutive_days" and c.met is not True and c.value is not None:
                condition = next(x for x in rule.all + rule.any if x.analyte == c.analyte)
                assert condition.threshold is not None
                if is_condition_met(c.value, ((c.op, condition.threshold.value),)):
                    flags.append(
                        SafetyFlag(
                            f"approaching-{rule.id}",
                            "warning",
                            f"{c.analyte} {c.value:g} {c.unit} {c.op} {c.threshold:g}: "
                            f"if it persists, '{rule.text}'",
                            rule.status,
                            rule.source,
                            c.used,
                        )
                    )
    return flags


def calculate_safety_flags(
    protocol: Protocol,
    observations: Sequence[Observation],
    findings: Sequence[Finding],
    context: ReviewContext,
    rule_results: Sequence[RuleResult] = (),
    fired: str | None = None,
) -> tuple[SafetyFlag, ...]:
    """Every safety flag at the review ``context.at``.

    ``rule_results`` are the protocol rules already evaluated (to warn of hold and stop rules
    about to fire); ``fired`` is the id of the rule that chose the action.
    """
    flags = _lab_flags(protocol, observations, context.at)
    for check in get_safety_checks():
        hits = [
            evaluate_condition(
                c, observations, findings, at=context.at, since=context.infusion_started_at
            )
            for c in check.any
        ]
        met = [h for h in hits if h.met is True]
        if met:
            first = check.any[0].threshold
            flags.append(
                SafetyFlag(
                    check.id,
                    check.severity,
                    check.text + " (" + "; ".join(h.describe() for h in met) + ")",
                    first.status if first else "",
                    first.source if first else "",
                    tuple(u for h in met for u in h.used),
                )
            )
    flags += _at_baseline(rule_results)
    flags += _approaching(rule_results, fired)
    return tuple(flags)
