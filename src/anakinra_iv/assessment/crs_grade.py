"""ASTCT consensus grading of cytokine release syndrome (Lee 2019).

Grade 0 means no CRS. With fever (or fever masked by antipyretic or anti-cytokine treatment),
the grade is that of the more severe of hypotension and hypoxia, and at least 1 while fever is
present. The grades of each vasopressor and oxygen level live in ``data/scores.yaml``.

The vasopressors are given as a list of agents (``vasopressor_agents``, ``[]`` for none):
one agent, with or without vasopressin, is grade 3; two or more agents other than vasopressin
are grade 4 ("multiple vasopressors excluding vasopressin"). The older pair ``vasopressors``
(a count) and ``vasopressin_only`` is still read when no list is given.

Missing items are listed, and ``score_range`` gives the lowest and highest grade they allow
(every completion is tried). Hypotension needing fluids only (grade 2) cannot be read from the
vasopressors: give ``hypotension`` when none runs, or it is listed as missing whenever it could
raise the grade.

Examples
--------
>>> from anakinra_iv.assessment.definitions import read_score_inputs
>>> items = read_score_inputs("crs-astct", {
...     "temperature": "39.2 Cel", "fever_masked_by_treatment": False,
...     "vasopressor_agents": ["norepinephrine", "vasopressin"],
...     "oxygen": "low_flow", "oxygen_flow_l_per_min": 4})
>>> result = calculate_crs_grade(items)
>>> result.grade, result.conclusive
(3, True)
>>> calculate_crs_grade({**items, "vasopressor_agents": ("norepinephrine", "epinephrine")}).grade
4
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

from anakinra_iv.assessment.criteria import Criterion, Inputs, ItemValue, ScoreResult
from anakinra_iv.assessment.criteria import evaluate_test as _evaluate
from anakinra_iv.assessment.definitions import ScoreDefinition, get_score_definition
from anakinra_iv.errors import InvalidInput

__all__ = ["calculate_crs_grade"]

NAME = "crs-astct"


def _fever(d: ScoreDefinition, inputs: Inputs) -> bool:
    assert d.fever is not None
    outcome = _evaluate(d.fever.item, d.fever.unit, d.fever.bounds, inputs)
    return outcome.met is True or inputs.get("fever_masked_by_treatment") is True


def _agents(inputs: Inputs) -> tuple[str, ...] | None:
    value = inputs.get("vasopressor_agents")
    return value if isinstance(value, tuple) else None


def _count(inputs: Inputs) -> int | None:
    """How many vasopressors run (from the list of agents, or the older count)."""
    agents = _agents(inputs)
    if agents is not None:
        return len(agents)
    value = inputs.get("vasopressors")
    return int(value) if isinstance(value, int | float) else None


def _counted(d: ScoreDefinition, inputs: Inputs) -> int:
    """Vasopressors that count towards "multiple" (vasopressin excluded)."""
    agents = _agents(inputs)
    if agents is not None:
        return len([a for a in agents if a not in d.not_counted_as_second_vasopressor])
    count = _count(inputs) or 0
    return 1 if count >= 2 and inputs.get("vasopressin_only") is True else count


def _hypotension_grade(d: ScoreDefinition, inputs: Inputs) -> int:
    grades = d.hypotension_grades
    count = _count(inputs) or 0
    if count >= 2 and _counted(d, inputs) >= 2:
        return grades["several_vasopressors"]
    if count >= 1:
        return grades["one_vasopressor"]
    return grades["fluids_only"] if inputs.get("hypotension") is True else 0


def _check_vasopressors(inputs: Inputs) -> None:
    """The list of agents and the older count must not contradict each other."""
    agents, count = _agents(inputs), inputs.get("vasopressors")
    if agents is not None and isinstance(count, int) and count != len(agents):
        raise InvalidInput(
            f"'vasopressors' ({count}) contradicts 'vasopressor_agents' ({len(agents)} agents: "
            f"{', '.join(agents) or 'none'}); give the list of agents only",
            field="vasopressors",
            value=count,
        )


def _hypoxia_grade(d: ScoreDefinition, inputs: Inputs) -> int:
    support = str(inputs.get("oxygen", "none"))
    flow = inputs.get("oxygen_flow_l_per_min")
    if support in d.nasal_cannula and isinstance(flow, int | float):
        limit = float(d.low_flow_max_l_per_min or 0)
        support = "low_flow" if float(flow) <= limit else "high_flow"
    return d.oxygen_grades[support]


def _grade(d: ScoreDefinition, inputs: Inputs) -> int:
    if not _fever(d, inputs):
        return 0
    return max(int(d.fever_grade or 1), _hypotension_grade(d, inputs), _hypoxia_grade(d, inputs))


def _needed(d: ScoreDefinition, inputs: Inputs) -> list[str]:
    """Absent items that the grade depends on, given the items present."""
    needed: list[str] = []
    masked = inputs.get("fever_masked_by_treatment")
    if "temperature" not in inputs and masked is not True:
        needed.append("temperature")
    if masked is None and not _fever(d, inputs):
        needed.append("fever_masked_by_treatment")
    count = _count(inputs)
    if count is None:
        needed.append("vasopressor_agents")
    elif _agents(inputs) is None and count >= 2 and "vasopressin_only" not in inputs:
        needed.append("vasopressin_only")
    if (count is None or count == 0) and "hypotension" not in inputs:
        needed.append("hypotension")
    if "oxygen" not in inputs:
        needed.append("oxygen")
    elif inputs["oxygen"] == "nasal_cannula" and "oxygen_flow_l_per_min" not in inputs:
        needed.append("oxygen_flow_l_per_min")
    return needed


def _completions(d: ScoreDefinition, inputs: Inputs, absent: list[str]) -> Iterator[Inputs]:
    """Every way the absent items could be filled in."""
    choices: dict[str, tuple[ItemValue, ...]] = {
        "temperature": (),
        "fever_masked_by_treatment": (False, True),
        "vasopressor_agents": ((), ("norepinephrine",), ("norepinephrine", "epinephrine")),
        "vasopressin_only": (False, True),
        "oxygen_flow_l_per_min": (0.0, float(d.low_flow_max_l_per_min or 0) + 1),
        "hypotension": (False, True),
        "oxygen": tuple(d.oxygen_grades),
    }
    names = [n for n in absent if n != "temperature"]
    for combo in itertools.product(*(choices[n] for n in names)):
        filled: dict[str, ItemValue] = {**inputs, **dict(zip(names, combo, strict=True))}
        if "temperature" in absent:  # febrile or not: masked fever stands in for fever
            yield {**filled, "fever_masked_by_treatment": True}
            yield {**filled, "fever_masked_by_treatment": False}
        else:
            yield filled


def _criteria(d: ScoreDefinition, inputs: Mapping[str, ItemValue]) -> list[Criterion]:
    assert d.fever is not None
    fever = _evaluate(d.fever.item, d.fever.unit, d.fever.bounds, inputs)
    masked = inputs.get("fever_masked_by_treatment")
    present = _count(inputs) is not None or "hypotension" in inputs
    agents = _agents(inputs)
    oxygen = inputs.get("oxygen")
    return [
        Criterion("fever", fever.value, fever.unit, fever.met, fever.missing, note=">= 38.0 Cel"),
        Criterion(
            "fever_masked_by_treatment",
            masked if isinstance(masked, bool) else None,
            None,
            masked if isinstance(masked, bool) else None,
            "fever_masked_by_treatment" not in inputs,
        ),
        Criterion(
            "hypotension",
            (", ".join(agents) or "none") if agents is not None else _count(inputs),
            None if agents is not None else "vasopressors",
            _hypotension_grade(d, inputs) > 0 if present else None,
            not present,
            points=float(_hypotension_grade(d, inputs)),
            note="grade from hypotension",
        ),
        Criterion(
            "hypoxia",
            oxygen if isinstance(oxygen, str) else None,
            None,
            _hypoxia_grade(d, inputs) > 0 if oxygen is not None else None,
            oxygen is None,
            points=float(_hypoxia_grade(d, inputs)),
            note="grade from oxygen support",
        ),
    ]


def calculate_crs_grade(inputs: Inputs) -> ScoreResult:
    """Grade cytokine release syndrome from parsed items (see :func:`read_score_inputs`).

    Returns
    -------
    ScoreResult
        ``grade`` (0 when there is no CRS) from the items present, ``met`` (grade >= 1),
        ``score_range`` (lowest and highest grade the missing items allow) and ``conclusive``.

    References
    ----------
    Lee DW et al. ASTCT consensus grading for cytokine release syndrome and neurologic
    toxicity. Biol Blood Marrow Transplant 2019;25:625 (``lee-2019``).
    """
    d = get_score_definition(NAME)
    _check_vasopressors(inputs)
    grade = _grade(d, inputs)
    absent = _needed(d, inputs)
    grades = {_grade(d, c) for c in _completions(d, inputs, absent)} if absent else {grade}
    notes = list(d.notes)
    flow = inputs.get("oxygen_flow_l_per_min")
    if inputs.get("oxygen") in d.nasal_cannula and isinstance(flow, int | float):
        notes.append(
            f"Nasal cannula at {flow:g} L/min graded by flow "
            f"(low flow <= {d.low_flow_max_l_per_min:g} L/min)."
        )
    if not _fever(d, inputs) and (_hypotension_grade(d, inputs) or _hypoxia_grade(d, inputs)):
        notes.append("Hypotension or hypoxia without fever is not graded as CRS.")
    if _count(inputs) and _counted(d, inputs) < 2 <= (_count(inputs) or 0):
        notes.append("Vasopressin does not count towards multiple vasopressors (grade 3).")
    return ScoreResult(
        name=NAME,
        title=d.title,
        source=d.source,
        status=d.status,
        score=None,
        grade=grade,
        met=grade >= 1,
        criteria=tuple(_criteria(d, inputs)),
        missing=tuple(absent),
        conclusive=len(grades) == 1,
        score_range=(float(min(grades | {grade})), float(max(grades | {grade}))),
        notes=tuple(notes),
    )
