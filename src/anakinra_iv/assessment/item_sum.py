"""Scores that are the sum of their items: the ICE score (Lee 2019) and CAPD (Traube 2014).

Each item adds its own value (an ICE item, 0 up to its ``max``) or the points of the answer
given (a CAPD answer, ``never`` ... ``always``), all read from ``data/scores.yaml``. A missing
item adds nothing and is listed: ``score`` is the total only when every item is present (None
otherwise), ``points`` is the sum of the items present, ``score_range`` spans what the missing
items allow, and ``met`` (the cut-off: ICE <= 9, CAPD >= 9) is None while they could change it.

Examples
--------
>>> from anakinra_iv.assessment.definitions import read_score_inputs
>>> ice = read_score_inputs("ice", {"orientation": 3, "naming": 3, "following_commands": 1,
...                                 "writing": 0, "attention": 1})
>>> result = calculate_item_sum("ice", ice)
>>> result.score, result.met, result.conclusive
(8.0, True, True)
>>> partial = calculate_item_sum("ice", {"orientation": 4, "naming": 3})
>>> partial.score, partial.score_range, partial.met, partial.missing
(None, (7.0, 10.0), None, ('following_commands', 'writing', 'attention'))
"""

from __future__ import annotations

from anakinra_iv.assessment.criteria import (
    Criterion,
    Inputs,
    ScoreResult,
    is_condition_met,
    parse_condition,
)
from anakinra_iv.assessment.definitions import ItemSpec, get_score_definition

__all__ = ["calculate_capd", "calculate_ice", "calculate_item_sum"]


def _points(spec: ItemSpec, value: object) -> float:
    if spec.points:
        return spec.points[spec.options.index(str(value))]
    return float(value) if isinstance(value, int | float) else 0.0


def _criterion(name: str, spec: ItemSpec, inputs: Inputs) -> Criterion:
    if name not in inputs:
        return Criterion(name, None, None, None, True, note=f"0-{spec.highest_points:g} points")
    value = inputs[name]
    earned = _points(spec, value)
    shown = value if isinstance(value, str | int | float) else str(value)
    return Criterion(name, shown, None, None, points=earned)


def calculate_item_sum(name: str, inputs: Inputs) -> ScoreResult:
    """Sum the items of score ``name`` (a definition with ``sum_of_items``).

    Returns
    -------
    ScoreResult
        ``score`` (the total, None while an item is missing), ``points`` (the items present),
        ``met`` against the cut-off (None when the missing items could change it),
        ``score_range`` and ``conclusive``.
    """
    definition = get_score_definition(name)
    if not definition.sum_of_items:
        raise ValueError(f"score '{name}' is not a sum of items")
    criteria = tuple(_criterion(n, spec, inputs) for n, spec in definition.items.items())
    low = sum(c.points or 0.0 for c in criteria)
    high = low + sum(spec.highest_points for n, spec in definition.items.items() if n not in inputs)
    missing = tuple(n for n in definition.items if n not in inputs)
    cut = parse_condition(str(definition.cut_off))
    met_low, met_high = is_condition_met(low, cut), is_condition_met(high, cut)
    conclusive = met_low == met_high
    return ScoreResult(
        name=name,
        title=definition.title,
        source=definition.source,
        status=definition.status,
        score=None if missing else low,
        points=low,
        met=met_low if conclusive else None,
        criteria=criteria,
        missing=missing,
        conclusive=conclusive,
        score_range=(low, high),
        cut_off=definition.cut_off,
        notes=definition.notes,
    )


def calculate_ice(inputs: Inputs) -> ScoreResult:
    """The ICE score (0-10; 10 is normal, ``met`` at 9 or below).

    References
    ----------
    Lee DW et al. ASTCT consensus grading for cytokine release syndrome and neurologic
    toxicity. Biol Blood Marrow Transplant 2019;25:625 (``lee-2019``).
    """
    return calculate_item_sum("ice", inputs)


def calculate_capd(inputs: Inputs) -> ScoreResult:
    """The CAPD total (0-32; ``met``, a positive delirium screen, at 9 or more).

    References
    ----------
    Traube C et al. Cornell Assessment of Pediatric Delirium. Crit Care Med 2014;42:656
    (``traube-2014``).
    """
    return calculate_item_sum("capd", inputs)
