"""2016 EULAR/ACR/PRINTO classification criteria for MAS in systemic JIA (Ravelli 2016).

A febrile patient with known or suspected sJIA is classified as having MAS when ferritin is
above the cut-off and at least two of four laboratory criteria are met. Cut-offs live in
``data/scores.yaml``. These are classification criteria, not a diagnosis.

Examples
--------
>>> from anakinra_iv.assessment.definitions import read_score_inputs
>>> items = read_score_inputs("mas-2016", {
...     "febrile": True, "sjia_known_or_suspected": True, "ferritin": "2400 ng/mL",
...     "platelets": "150 10*9/L", "ast": "80 U/L", "triglycerides": "1.2 mmol/L",
...     "fibrinogen": "3.2 g/L"})
>>> result = calculate_mas_2016(items)
>>> result.met, result.conclusive
(True, True)
"""

from __future__ import annotations

from anakinra_iv.assessment.criteria import Criterion, Inputs, ScoreResult, evaluate_test
from anakinra_iv.assessment.definitions import Test, get_score_definition

__all__ = ["calculate_mas_2016"]

NAME = "mas-2016"


def _criterion(test: Test, inputs: Inputs, role: str) -> Criterion:
    outcome = evaluate_test(test.item, test.unit, test.bounds, inputs)
    unit = f" {test.unit}" if test.unit else ""
    return Criterion(
        test.item,
        outcome.value,
        outcome.unit,
        outcome.met,
        outcome.missing,
        part_of=role,
        note=f"met when {test.when}{unit}",
    )


def calculate_mas_2016(inputs: Inputs) -> ScoreResult:
    """Apply the 2016 MAS classification criteria to parsed items.

    Returns
    -------
    ScoreResult
        ``score`` is None (a criteria set has no number); ``met`` is True when the data
        present establish the classification; ``conclusive`` is False when missing items could
        change it.

    References
    ----------
    Ravelli A et al. 2016 Classification criteria for macrophage activation syndrome
    complicating systemic juvenile idiopathic arthritis. Arthritis Rheumatol 2016;68:566
    (``ravelli-2016``).
    """
    definition = get_score_definition(NAME)
    entry = [_criterion(t, inputs, "entry") for t in definition.entry]
    required = [_criterion(t, inputs, "required") for t in definition.required]
    labs = [_criterion(t, inputs, "criteria") for t in definition.criteria if isinstance(t, Test)]
    need = int(definition.at_least or 0)
    met_labs = sum(c.met is True for c in labs)
    open_labs = sum(c.met is None for c in labs)
    gates = entry + required

    def classified(gates_true: bool, labs_met: int) -> bool:
        return gates_true and labs_met >= need

    certain = all(c.met is True for c in gates)
    possible = all(c.met is not False for c in gates)
    met = classified(certain, met_labs)
    could_be = classified(possible, met_labs + open_labs)
    missing = tuple(i for i in definition.items if i not in inputs)
    summary = Criterion(
        f"at_least_{need}_of_{len(labs)}",
        met_labs,
        "count",
        met_labs >= need if met_labs >= need or open_labs == 0 else None,
        missing=open_labs > 0,
    )
    return ScoreResult(
        name=NAME,
        title=definition.title,
        source=definition.source,
        status=definition.status,
        score=None,
        met=met,
        criteria=(*gates, *labs, summary),
        missing=missing,
        conclusive=met == could_be,
        notes=definition.notes,
    )
