"""HScore for reactive haemophagocytic syndrome (Fardet 2014), read from ``data/scores.yaml``.

Points are summed over nine variables; the best cut-off and the two published probability
anchors are shown, and no probability is invented between them. A missing item adds no points
and is listed; the result is conclusive when no value of the missing items could move the score
across the cut-off.

Examples
--------
>>> from anakinra_iv.assessment.definitions import read_score_inputs
>>> items = read_score_inputs("hscore", {
...     "immunosuppression": False, "temperature": "39.7 Cel", "hepatomegaly": True,
...     "splenomegaly": True, "hemoglobin": "8.9 g/dL", "leukocytes": "4.1 10*9/L",
...     "platelets": "95 10*9/L", "ferritin": "8500 ng/mL", "triglycerides": "3.2 mmol/L",
...     "fibrinogen": "2.1 g/L", "ast": "140 U/L", "hemophagocytosis_bone_marrow": False})
>>> result = calculate_hscore(items)
>>> result.points, result.met, result.conclusive
(264.0, True, True)
"""

from __future__ import annotations

from anakinra_iv.assessment.criteria import (
    Criterion,
    Inputs,
    ScoreResult,
    evaluate_test,
    is_condition_met,
    parse_condition,
)
from anakinra_iv.assessment.definitions import Variable, get_score_definition

__all__ = ["calculate_hscore"]

NAME = "hscore"


def _score_bands(variable: Variable, inputs: Inputs) -> tuple[Criterion, float, float]:
    """(criterion, lowest points, highest points) of a banded variable."""
    first = variable.bands[0]
    for band in variable.bands:
        outcome = evaluate_test(band.item, band.unit, band.bounds, inputs)
        if outcome.missing:
            points = [float(b.points or 0) for b in variable.bands]
            criterion = Criterion(variable.name, None, first.unit, None, True)
            return criterion, min(points), max(points)
        if outcome.met:
            earned = float(band.points or 0)
            criterion = Criterion(
                variable.name, outcome.value, outcome.unit, earned > 0, points=earned
            )
            return criterion, earned, earned
    raise AssertionError(f"no band of '{variable.name}' matched")  # bands are checked on load


def _score_count(variable: Variable, inputs: Inputs) -> tuple[list[Criterion], float, float]:
    """Criteria (each part, then the variable), lowest and highest points of a counted group."""
    parts: list[Criterion] = []
    met = unknown = 0
    for test in variable.count:
        outcome = evaluate_test(test.item, test.unit, test.bounds, inputs)
        parts.append(
            Criterion(
                test.item,
                outcome.value,
                outcome.unit,
                outcome.met,
                outcome.missing,
                part_of=variable.name,
                note=f"counts when {test.when}" + (f" {test.unit}" if test.unit else ""),
            )
        )
        met += outcome.met is True
        unknown += outcome.met is None
    table = variable.points_by_count
    low, high = table[met], max(table[met : met + unknown + 1])
    whole = Criterion(
        variable.name,
        met,
        "count",
        True if low > 0 else (None if high > low else False),
        missing=unknown > 0,
        points=low,
    )
    return [*parts, whole], low, high


def calculate_hscore(inputs: Inputs) -> ScoreResult:
    """Score the HScore from parsed items (see :func:`read_score_inputs`).

    Returns
    -------
    ScoreResult
        ``points`` and ``score`` are the points earned by the items present; ``met`` is True
        when they reach the cut-off; ``score_range`` spans what the missing items allow.

    References
    ----------
    Fardet L et al. Development and validation of the HScore. Arthritis Rheumatol
    2014;66:2613 (``fardet-2014``).
    """
    definition = get_score_definition(NAME)
    criteria: list[Criterion] = []
    low = high = 0.0
    for variable in definition.variables:
        if variable.bands:
            criterion, lo, hi = _score_bands(variable, inputs)
            criteria.append(criterion)
        else:
            parts, lo, hi = _score_count(variable, inputs)
            criteria.extend(parts)
        low, high = low + lo, high + hi
    cut = parse_condition(str(definition.cut_off))
    met = is_condition_met(low, cut)
    conclusive = met == is_condition_met(high, cut)
    missing = tuple(i for i in definition.items if i not in inputs)
    notes = [*definition.notes, f"Cut-off: {definition.cut_off} points."]
    for anchor in definition.anchors:
        bounds = parse_condition(anchor["when"])
        inside = is_condition_met(low, bounds) and is_condition_met(high, bounds)
        notes.append(
            f"Published anchor: score {anchor['when']} -> {anchor['text']}"
            + (" (this score is within it)." if inside else ".")
        )
    return ScoreResult(
        name=NAME,
        title=definition.title,
        source=definition.source,
        status=definition.status,
        score=low,
        points=low,
        met=met,
        criteria=tuple(criteria),
        missing=missing,
        conclusive=conclusive,
        score_range=(low, high),
        cut_off=definition.cut_off,
        notes=tuple(notes),
    )
