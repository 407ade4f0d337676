"""Evaluating a protocol's review rules (response, non-response, relapse, hold, stop) as data.

Each :class:`~anakinra_iv.protocol.schema.Condition` reads one measure of one analyte (or one
clinical flag) up to the review time and compares it with its threshold, in the threshold's
unit. A condition whose data are missing is neither met nor failed (``met`` None); a rule whose
conditions are undecided does not fire, and the result says what was missing. Nothing here
holds a clinical number: thresholds, windows and durations all come from the protocol file.

Measures (see :mod:`anakinra_iv.protocol.schema`): ``latest``, ``ratio_to_peak``,
``ratio_to_nadir``, ``ratio_to_baseline`` (peak, nadir and baseline since the infusion started,
counting the last value before the start as the pre-treatment baseline),
``change_from_previous``, ``slope_per_day``, ``max_over_window``, ``min_over_window``,
``change_over_window`` (latest minus the value in force at ``at - window``, or the first one
after it; a CRS or ICANS grade that has not fallen over the window gives 0 or more; the other
window measures read values in ``(at - window, at]``), ``consecutive_days`` (the
latest value in each of the last ``days`` 24-hour periods ending at the review meets the
comparison) and ``flag`` (the latest record of a
clinical finding; a finding never recorded counts as absent, and the result says so).

A condition marked ``new_since_start`` holds only for a change since the infusion started: when
the baseline (the last value before the first infusion; without an infusion history, the first
value known) already meets the comparison, the condition does not hold and the result says the
value was present at baseline (disease activity, not a reaction to treatment). Before the
infusion starts it never holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from anakinra_iv.assessment.criteria import is_condition_met
from anakinra_iv.assessment.observation_file import Finding
from anakinra_iv.assessment.observations import Observation, get_value_in, round_measure
from anakinra_iv.assessment.trends import select_observations
from anakinra_iv.protocol.schema import Condition, Protocol, Rule
from anakinra_iv.protocol.values import Value
from anakinra_iv.units import magnitude_in

__all__ = [
    "ConditionResult",
    "ReviewContext",
    "RuleResult",
    "evaluate_condition",
    "evaluate_rule",
    "get_duration",
    "is_state_sustained",
]

_RATIOS = ("ratio_to_peak", "ratio_to_nadir", "ratio_to_baseline")


def get_duration(value: Value) -> timedelta:
    """A protocol duration (``{value: 48, unit: h}``) as a timedelta."""
    return timedelta(hours=magnitude_in(value.quantity, "h"))


@dataclass(frozen=True)
class ReviewContext:
    """Where the patient is when a review happens.

    ``step`` is the current 1-based ladder step (None before the infusion starts);
    ``step_started_at`` and ``infusion_started_at`` come from the infusion history (None when
    unknown); ``weaning`` is True when the last step change was a step down.
    """

    at: datetime
    step: int | None
    step_count: int
    review_interval: timedelta
    step_started_at: datetime | None = None
    infusion_started_at: datetime | None = None
    weaning: bool = False


@dataclass(frozen=True)
class ConditionResult:
    """One condition at one review: the value found, the threshold, and the data used."""

    analyte: str
    measure: str
    op: str
    threshold: float | None
    unit: str | None
    value: float | bool | None
    met: bool | None
    used: tuple[str, ...] = ()
    note: str = ""
    at_baseline: bool = False
    baseline: str = ""

    def describe(self) -> str:
        """``ferritin ratio_to_peak 0.6 <= 0.75``, for a reason line."""
        shown = "unknown" if self.value is None else f"{self.value:g}"
        if self.measure == "flag":
            return f"{self.analyte} {'recorded' if self.value else 'not recorded'}"
        unit = "" if self.unit in (None, "1") else f" {self.unit}"
        return f"{self.analyte} {self.measure} {shown}{unit} {self.op} {self.threshold:g}{unit}"


@dataclass(frozen=True)
class RuleResult:
    """One rule at one review: whether its conditions held (None: undecided) and why."""

    rule: Rule
    held: bool | None
    conditions: tuple[ConditionResult, ...]
    note: str = ""


def _series(
    observations: Sequence[Observation], analyte: str, at: datetime, since: datetime | None
) -> list[Observation]:
    """Values in ``[since, at]`` plus the last one before ``since`` (the pre-treatment value)."""
    every = select_observations(observations, analyte, now=at)
    if since is None:
        return every
    before = [o for o in every if o.collected_at < since]
    return before[-1:] + [o for o in every if o.collected_at >= since]


def _label(o: Observation) -> str:
    return f"{o.analyte} {o.as_written or o.magnitude} at {o.collected_at.isoformat()}"


def _in(o: Observation, unit: str) -> float:
    return get_value_in(o, unit) if unit != "1" else o.magnitude


def _flag(condition: Condition, findings: Sequence[Finding], at: datetime) -> ConditionResult:
    recorded = sorted(
        (f for f in findings if f.name == condition.analyte and f.recorded_at <= at),
        key=lambda f: f.recorded_at,
    )
    present = recorded[-1].present if recorded else False
    note = "" if recorded else "never recorded; counted as absent"
    used = (
        (f"{condition.analyte} {present} at {recorded[-1].recorded_at.isoformat()}",)
        if (recorded)
        else ()
    )
    return ConditionResult(
        condition.analyte, "flag", "==", None, None, present, present, used, note
    )


def _consecutive(
    condition: Condition, series: list[Observation], at: datetime, unit: str, threshold: float
) -> tuple[bool | None, float | None, tuple[str, ...]]:
    """Whether the comparison held on each of the last ``days`` 24-hour periods."""
    assert condition.days is not None
    days = round(magnitude_in(condition.days.quantity, "day"))
    day = timedelta(days=1)
    outcomes: list[bool | None] = []
    used: list[str] = []
    latest_value: float | None = None
    for k in range(days):
        start, end = at - (k + 1) * day, at - k * day
        inside = [o for o in series if start < o.collected_at <= end]
        if not inside:
            outcomes.append(None)
            continue
        value = _in(inside[-1], unit)
        latest_value = value if latest_value is None else latest_value
        used.append(_label(inside[-1]))
        outcomes.append(is_condition_met(value, ((condition.op, threshold),)))
    if any(o is False for o in outcomes):
        return False, latest_value, tuple(used)
    if any(o is None for o in outcomes):
        return None, latest_value, tuple(used)
    return True, latest_value, tuple(used)


def _baseline(
    series: list[Observation], since: datetime | None
) -> tuple[Observation | None, list[Observation]]:
    """The baseline value and the values after it: the last value before ``since``, or without
    an infusion start the first value known."""
    if since is None:
        return (series[0], series[1:]) if series else (None, [])
    before = [o for o in series if o.collected_at < since]
    after = [o for o in series if o.collected_at >= since]
    return (before[-1] if before else None), after


def _not_new(
    condition: Condition, baseline: Observation, unit: str, threshold: float
) -> ConditionResult:
    value = _in(baseline, unit)
    return ConditionResult(
        condition.analyte,
        condition.measure,
        condition.op,
        threshold,
        unit,
        value,
        False,
        (_label(baseline),),
        f"{condition.analyte} {value:g} {unit} {condition.op} {threshold:g} already at "
        "baseline (before the first infusion): disease activity, not a new change",
        at_baseline=True,
        baseline=_label(baseline),
    )


def evaluate_condition(
    condition: Condition,
    observations: Sequence[Observation],
    findings: Sequence[Finding],
    *,
    at: datetime,
    since: datetime | None = None,
    started: bool | None = None,
) -> ConditionResult:
    """Evaluate one condition with the data available at ``at``.

    ``since`` (the infusion start) bounds the peak, nadir and baseline. ``started`` False says
    the infusion has not started (a ``new_since_start`` condition then cannot hold); None means
    unknown.
    """
    if condition.measure == "flag":
        return _flag(condition, findings, at)
    assert condition.threshold is not None
    unit, threshold = condition.threshold.unit, condition.threshold.value
    series = _series(observations, condition.analyte, at, since)
    value: float | None = None
    used: tuple[str, ...] = ()
    met: bool | None = None
    if condition.new_since_start:
        baseline, after = _baseline(series, since)
        if baseline is not None and is_condition_met(
            _in(baseline, unit), ((condition.op, threshold),)
        ):
            return _not_new(condition, baseline, unit, threshold)
        if started is False:
            return ConditionResult(
                condition.analyte,
                condition.measure,
                condition.op,
                threshold,
                unit,
                None,
                False,
                (),
                "the infusion has not started: every value is baseline",
            )
        series = after
    if condition.measure == "consecutive_days":
        met, value, used = _consecutive(condition, series, at, unit, threshold)
    elif series:
        value, used = _measure(condition, series, at, unit)
        if value is not None:
            met = is_condition_met(value, ((condition.op, threshold),))
    note = "" if value is not None else f"not enough {condition.analyte} values for this measure"
    return ConditionResult(
        condition.analyte, condition.measure, condition.op, threshold, unit, value, met, used, note
    )


def _measure(
    condition: Condition, series: list[Observation], at: datetime, unit: str
) -> tuple[float | None, tuple[str, ...]]:
    latest = series[-1]
    measure = condition.measure
    if measure == "latest":
        return _in(latest, unit), (_label(latest),)
    if measure in _RATIOS:
        pick = {
            "ratio_to_peak": max(series, key=lambda o: o.magnitude),
            "ratio_to_nadir": min(series, key=lambda o: o.magnitude),
            "ratio_to_baseline": series[0],
        }[measure]
        if pick.magnitude == 0:
            return None, ()
        return round_measure(latest.magnitude / pick.magnitude), (_label(latest), _label(pick))
    if measure == "change_from_previous":
        if len(series) < 2:
            return None, (_label(latest),)
        before = series[-2]
        change = round_measure(_in(latest, unit) - _in(before, unit))
        return change, (_label(before), _label(latest))
    assert condition.window is not None
    start = at - get_duration(condition.window)
    if measure == "change_over_window":
        return _change_over_window(series, start, unit)
    inside = [o for o in series if o.collected_at > start]
    if not inside:
        return None, ()
    values = [_in(o, unit) for o in inside]
    labels = tuple(_label(o) for o in inside)
    if measure == "max_over_window":
        return max(values), labels
    if measure == "min_over_window":
        return min(values), labels
    return _slope(inside, values), labels


def _change_over_window(
    series: list[Observation], start: datetime, unit: str
) -> tuple[float | None, tuple[str, ...]]:
    """Latest minus the value in force at ``start`` (else the first one after it)."""
    before = [o for o in series if o.collected_at <= start]
    after = [o for o in series if o.collected_at > start]
    reference = before[-1] if before else (after[0] if after else None)
    latest = series[-1]
    if reference is None or reference is latest:
        return None, ()
    change = round_measure(_in(latest, unit) - _in(reference, unit))
    return change, (_label(reference), _label(latest))


def _slope(inside: list[Observation], values: list[float]) -> float | None:
    if len(inside) < 2:
        return None
    t0 = inside[0].collected_at
    xs = [(o.collected_at - t0).total_seconds() / 86400.0 for o in inside]
    mx, my = sum(xs) / len(xs), sum(values) / len(values)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    return round_measure(sum((x - mx) * (y - my) for x, y in zip(xs, values, strict=True)) / sxx)


def evaluate_rule(
    rule: Rule,
    observations: Sequence[Observation],
    findings: Sequence[Finding],
    *,
    at: datetime,
    since: datetime | None = None,
    started: bool | None = None,
) -> RuleResult:
    """Whether the rule's ``all`` and ``any`` conditions hold at ``at`` (None: undecided).

    A rule without conditions holds. Context gates (state, time at step, weaning, lowest step)
    are applied by the recommendation, not here.
    """
    alls = tuple(
        evaluate_condition(c, observations, findings, at=at, since=since, started=started)
        for c in rule.all
    )
    anys = tuple(
        evaluate_condition(c, observations, findings, at=at, since=since, started=started)
        for c in rule.any
    )
    all_state: bool | None = True
    if any(r.met is False for r in alls):
        all_state = False
    elif any(r.met is None for r in alls):
        all_state = None
    any_state: bool | None = True
    if anys:
        if any(r.met is True for r in anys):
            any_state = True
        elif all(r.met is False for r in anys):
            any_state = False
        else:
            any_state = None
    held: bool | None
    if all_state is False or any_state is False:
        held = False
    elif all_state is None or any_state is None:
        held = None
    else:
        held = True
    missing = [r.analyte for r in (*alls, *anys) if r.met is None]
    note = f"undecided: no data for {', '.join(dict.fromkeys(missing))}" if held is None else ""
    return RuleResult(rule, held, alls + anys, note)


def is_state_sustained(
    protocol: Protocol,
    state: str,
    observations: Sequence[Observation],
    findings: Sequence[Finding],
    context: ReviewContext,
    duration: timedelta,
) -> bool | None:
    """Whether the rules establishing ``state`` held at every review across ``duration``.

    Reviews are taken at ``at``, ``at - interval``, ... back to ``at - duration``. False as
    soon as one review fails; None when one is undecided.
    """
    rules = [r for r in protocol.rules if r.state == state]
    if not rules:
        return None
    steps = int(duration / context.review_interval) if context.review_interval else 0
    outcome: bool | None = True
    for k in range(steps + 1):
        moment = context.at - k * context.review_interval
        if context.infusion_started_at is not None and moment < context.infusion_started_at:
            return False
        for rule in rules:
            held = evaluate_rule(
                rule, observations, findings, at=moment, since=context.infusion_started_at
            ).held
            if held is False:
                return False
            if held is None:
                outcome = None
    return outcome
