"""HLH-2004 diagnostic criteria (Henter 2007): a molecular diagnosis, or 5 of 8 criteria.

Thresholds live in ``data/scores.yaml`` with the inclusive signs of the Histiocyte Society table.
Soluble CD25 in pg/mL (a mass assay) cannot be converted to U/mL: it is judged against the
laboratory's own threshold (``soluble_cd25_threshold``, in the same unit) and the result says so.

Examples
--------
>>> from anakinra_iv.assessment.definitions import read_score_inputs
>>> items = read_score_inputs("hlh-2004", {
...     "molecular_diagnosis": False, "temperature": "39.1 Cel", "splenomegaly": True,
...     "hemoglobin": "85 g/L", "platelets": "60 10*9/L", "neutrophils": "1.5 10*9/L",
...     "triglycerides": "2.0 mmol/L", "fibrinogen": "1.2 g/L", "hemophagocytosis": False,
...     "nk_activity_low": False, "ferritin": "12000 ng/mL", "soluble_cd25": "1800 U/mL"})
>>> result = calculate_hlh_2004(items)
>>> result.met, result.conclusive, result.criteria[-1].value
(True, True, 5)
"""

from __future__ import annotations

from anakinra_iv.assessment.criteria import (
    Criterion,
    Inputs,
    ScoreResult,
    TestOutcome,
    evaluate_test,
    is_condition_met,
)
from anakinra_iv.assessment.definitions import ScoreDefinition, Test, Variable, get_score_definition
from anakinra_iv.assessment.observations import Measurement, get_value_in
from anakinra_iv.errors import UnitMismatch

__all__ = ["calculate_hlh_2004"]

NAME = "hlh-2004"
_LAB_THRESHOLD = "soluble_cd25_threshold"


def _is_infant(definition: ScoreDefinition, inputs: Inputs) -> bool:
    age = inputs.get("age_days")
    limit = definition.infant_below_age_days
    return isinstance(age, int | float) and limit is not None and float(age) < limit


def _judge_by_laboratory(test: Test, outcome: TestOutcome, inputs: Inputs) -> TestOutcome:
    """A value in another assay's unit, judged against the laboratory's own threshold."""
    value, threshold = inputs.get(test.item), inputs.get(_LAB_THRESHOLD)
    if not isinstance(value, Measurement):
        return outcome
    note = (
        f"{test.item} in {value.unit} is another assay than the published {test.unit}; "
        "it is judged against the laboratory's own threshold"
    )
    if not isinstance(threshold, Measurement):
        return TestOutcome(
            test.item,
            outcome.value,
            outcome.unit,
            None,
            False,
            note + f", and none was given ('{_LAB_THRESHOLD}')",
        )
    try:
        limit = get_value_in(threshold, value.unit)
    except UnitMismatch as e:
        return TestOutcome(test.item, outcome.value, outcome.unit, None, False, str(e))
    met = is_condition_met(value.magnitude, ((">=", limit),))
    return TestOutcome(
        test.item, value.magnitude, value.unit, met, False, note + f" ({limit:g} {value.unit})"
    )


def _criterion(
    variable: Variable, inputs: Inputs, infant: bool
) -> tuple[list[Criterion], bool | None]:
    parts: list[Criterion] = []
    met = unknown = 0
    for test in variable.count:
        bounds = test.infant_bounds if infant else test.bounds
        outcome = evaluate_test(test.item, test.unit, bounds, inputs)
        if outcome.met is None and not outcome.missing:
            outcome = _judge_by_laboratory(test, outcome, inputs)
        when = test.infant_when if infant and test.infant_when else test.when
        note = outcome.note or f"met when {when}" + (f" {test.unit}" if test.unit else "")
        if test.or_bounds is not None and outcome.met is False:
            alternative = evaluate_test(test.item, test.or_unit, test.or_bounds, inputs)
            if alternative.met is True:
                outcome = alternative
        if test.or_when is not None and not outcome.note:
            note = f"met when {test.when} {test.unit} or {test.or_when} {test.or_unit}"
        parts.append(
            Criterion(
                test.item,
                outcome.value,
                outcome.unit,
                outcome.met,
                outcome.missing,
                part_of=variable.name if len(variable.count) > 1 else None,
                note=note,
            )
        )
        met += outcome.met is True
        unknown += outcome.met is None
    need = int(variable.at_least or 1)
    state: bool | None = True if met >= need else (False if met + unknown < need else None)
    if len(variable.count) == 1:
        only = parts[0]
        return [
            Criterion(
                variable.name,
                only.value,
                only.unit,
                state,
                only.missing,
                note=only.note,
            )
        ], state
    whole = Criterion(variable.name, met, "count", state, missing=unknown > 0, note=f">= {need}")
    return [*parts, whole], state


def calculate_hlh_2004(inputs: Inputs) -> ScoreResult:
    """Apply the HLH-2004 diagnostic criteria to parsed items.

    Returns
    -------
    ScoreResult
        ``met`` is True when a molecular diagnosis is recorded or the data present meet at least
        5 of the 8 criteria; ``conclusive`` is False when missing items could change that.

    References
    ----------
    Henter JI et al. HLH-2004: Diagnostic and therapeutic guidelines for hemophagocytic
    lymphohistiocytosis. Pediatr Blood Cancer 2007;48:124 (``henter-2007``).
    """
    definition = get_score_definition(NAME)
    infant = _is_infant(definition, inputs)
    molecular = [evaluate_test(t.item, t.unit, t.bounds, inputs) for t in definition.sufficient]
    criteria: list[Criterion] = [
        Criterion(o.item, o.value, o.unit, o.met, o.missing, note="sufficient on its own")
        for o in molecular
    ]
    met_count = open_count = 0
    for variable in definition.criteria:
        if isinstance(variable, Variable):
            listed, state = _criterion(variable, inputs, infant)
            criteria.extend(listed)
            met_count += state is True
            open_count += state is None
    need = int(definition.at_least or 0)
    by_molecular = any(o.met is True for o in molecular)
    molecular_open = any(o.met is None for o in molecular)
    met = by_molecular or met_count >= need
    could_be = by_molecular or molecular_open or met_count + open_count >= need
    criteria.append(
        Criterion(
            f"at_least_{need}_of_8",
            met_count,
            "count",
            met_count >= need if met_count >= need or open_count == 0 else None,
            missing=open_count > 0,
        )
    )
    missing = [i for i, spec in definition.items.items() if i not in inputs and not spec.optional]
    if any("laboratory's own threshold, and none" in c.note for c in criteria):
        missing.append(_LAB_THRESHOLD)
    notes = list(definition.notes)
    if infant:
        notes.append("Infant under 4 weeks: haemoglobin threshold < 100 g/L.")
    return ScoreResult(
        name=NAME,
        title=definition.title,
        source=definition.source,
        status=definition.status,
        score=None,
        met=met,
        criteria=tuple(criteria),
        missing=tuple(missing),
        conclusive=met == could_be,
        notes=tuple(notes),
    )
