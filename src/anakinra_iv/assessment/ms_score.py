"""MS score for macrophage activation syndrome in systemic JIA (Minoia 2019).

A linear score whose coefficients live in ``data/scores.yaml``. With every item present the
score is a number; with an item missing there is no number, only the range the missing item
allows (clinical items 0 or 1, laboratory items across the catalogue's plausible range), and the
conclusion is given only when that whole range falls on one side of the cut-off.

Examples
--------
>>> from anakinra_iv.assessment.definitions import read_score_inputs
>>> items = read_score_inputs("ms-score", {
...     "cns_involvement": False, "hemorrhage": False, "active_arthritis": False,
...     "platelets": "150 10*9/L", "ldh": "600 U/L", "fibrinogen": "200 mg/dL",
...     "ferritin": "5000 ng/mL"})
>>> result = calculate_ms_score(items)
>>> round(result.score, 4), result.met
(-0.15, True)
"""

from __future__ import annotations

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.assessment.criteria import (
    Criterion,
    Inputs,
    ScoreResult,
    evaluate_test,
    is_condition_met,
    parse_condition,
)
from anakinra_iv.assessment.definitions import get_score_definition
from anakinra_iv.assessment.observations import get_value_in, read_measurement, round_measure

__all__ = ["calculate_ms_score"]

NAME = "ms-score"


def _plausible_span(analyte: str, unit: str) -> tuple[float, float]:
    """The catalogue's plausible range of ``analyte``, expressed in ``unit``."""
    limits = get_analyte(analyte).plausible
    ends = [
        get_value_in(read_measurement(analyte, f"{x} {limits.unit}"), unit)
        for x in (limits.low, limits.high)
    ]
    return min(ends), max(ends)


def calculate_ms_score(inputs: Inputs) -> ScoreResult:
    """Calculate the MS score from parsed items (see :func:`read_score_inputs`).

    Returns
    -------
    ScoreResult
        ``score`` (None if an item is missing), ``met`` (score >= the cut-off, established by
        the data present), ``score_range`` and ``conclusive``.

    References
    ----------
    Minoia F et al. Development and initial validation of the MS score. Ann Rheum Dis
    2019;78:1357 (``minoia-2019``).
    """
    definition = get_score_definition(NAME)
    criteria: list[Criterion] = []
    low = high = 0.0
    for term in definition.terms:
        item, coefficient = str(term["item"]), float(term["coefficient"])
        unit = term.get("unit")
        spec = definition.items[item]
        outcome = evaluate_test(item, unit, (), inputs)
        if outcome.missing:
            if spec.kind == "boolean":
                span = (0.0, 1.0)
            else:
                span = _plausible_span(str(spec.analyte), str(unit))
            ends = (coefficient * span[0], coefficient * span[1])
            low, high = low + min(ends), high + max(ends)
            criteria.append(Criterion(item, None, unit, None, True, note=f"x {coefficient}"))
            continue
        value = outcome.value
        number = float(value) if isinstance(value, int | float) else 0.0
        contribution = coefficient * number
        low, high = low + contribution, high + contribution
        criteria.append(
            Criterion(
                item,
                value,
                unit,
                bool(value) if isinstance(value, bool) else None,
                points=round_measure(contribution),
                note=f"x {coefficient}",
            )
        )
    low, high = round_measure(low), round_measure(high)
    missing = tuple(i for i in definition.items if i not in inputs)
    cut = parse_condition(str(definition.cut_off))
    met = is_condition_met(low, cut)
    return ScoreResult(
        name=NAME,
        title=definition.title,
        source=definition.source,
        status=definition.status,
        score=None if missing else low,
        met=met,
        criteria=tuple(criteria),
        missing=missing,
        conclusive=met == is_condition_met(high, cut),
        score_range=(low, high),
        cut_off=definition.cut_off,
        notes=(*definition.notes, f"Consider MAS when MS {definition.cut_off}."),
    )
