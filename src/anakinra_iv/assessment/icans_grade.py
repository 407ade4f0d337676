"""ASTCT consensus grading of ICANS (Lee 2019), read from ``data/scores.yaml``.

The grade (0 = no ICANS) is that of the most severe domain: encephalopathy (the ICE score from
12 years, CAPD below, at the age cut-off of the data file), level of consciousness, seizure,
motor weakness and raised intracranial pressure / cerebral oedema. Findings attributed to
another cause (``attributable_to_other_cause``) are not ICANS: grade 0.

``grade`` is the grade of the findings present (the grading presumes no other cause, so an
unanswered attribution does not lower it); every domain not given is listed in ``missing`` and
``score_range`` spans every grade the missing items allow, an unanswered attribution
included, so ``conclusive`` is True only when nothing missing could change the grade.

Examples
--------
>>> from anakinra_iv.assessment.definitions import read_score_inputs
>>> items = read_score_inputs("icans-astct", {
...     "age": 54, "ice_score": 3, "consciousness": "alert", "seizure": "rapidly_resolving",
...     "motor_weakness": False, "raised_icp": "none", "attributable_to_other_cause": False})
>>> result = calculate_icans_grade(items)
>>> result.grade, result.conclusive
(3, True)
>>> calculate_icans_grade({**items, "seizure": "none"}).grade
2
"""

from __future__ import annotations

from anakinra_iv.assessment.criteria import Criterion, Inputs, ScoreResult, evaluate_test
from anakinra_iv.assessment.definitions import (
    IcansTables,
    ScoreDefinition,
    get_score_definition,
)
from anakinra_iv.errors import InvalidInput

__all__ = ["calculate_icans_grade"]

NAME = "icans-astct"
_TOOLS = ("ice_score", "capd_score")


def _tool(tables: IcansTables, inputs: Inputs) -> tuple[str | None, list[str]]:
    """The encephalopathy tool for this patient (None: age and score both unknown), with notes.

    Raises
    ------
    InvalidInput
        Both tools given, an ICE score below the age cut-off, or a score together with
        ``unable_to_perform_assessment``.
    """
    cut = tables.capd_below_age
    given = [t for t in _TOOLS if t in inputs]
    if len(given) == 2:
        raise InvalidInput(
            "'ice_score' and 'capd_score' were both given; give the one tool used",
            field="capd_score",
        )
    if given and inputs.get("unable_to_perform_assessment") is True:
        raise InvalidInput(
            f"'{given[0]}' was given although 'unable_to_perform_assessment' is true",
            field="unable_to_perform_assessment",
        )
    age = inputs.get("age")
    notes: list[str] = []
    if not isinstance(age, int | float):
        return (given[0] if given else None), notes
    child = float(age) < cut.below
    if child and given == ["ice_score"]:
        raise InvalidInput(
            f"'ice_score': below {cut.below:g} years ICANS is graded with CAPD "
            f"('capd_score'; {cut.status}, {cut.source})",
            field="ice_score",
            value=inputs["ice_score"],
            limit=f"age >= {cut.below:g} years",
        )
    if not child and given == ["capd_score"]:
        notes.append(
            f"CAPD from {cut.below:g} years is for baseline developmental delay "
            f"({cut.source}); otherwise use the ICE score."
        )
    if given:
        return given[0], notes
    return ("capd_score" if child else "ice_score"), notes


def _encephalopathy(tables: IcansTables, tool: str | None, inputs: Inputs) -> set[int]:
    """The grades the encephalopathy domain can take given what is known."""
    tools = [tool] if tool else list(_TOOLS)
    unable = inputs.get("unable_to_perform_assessment")
    if unable is True:
        return {tables.unable_to_perform[t] for t in tools}
    if tool is not None and tool in inputs:
        variable = tables.encephalopathy[tool]
        for band in variable.bands:
            if evaluate_test(band.item, band.unit, band.bounds, inputs).met:
                return {int(band.points or 0)}
    possible = {int(b.points or 0) for t in tools for b in tables.encephalopathy[t].bands}
    if unable is None:
        possible |= {tables.unable_to_perform[t] for t in tools}
    return possible


def _domain(grades: dict[str, int], value: object) -> set[int]:
    if value is None:
        return set(grades.values())
    key = str(value).lower() if isinstance(value, bool) else str(value)
    return {grades[key]}


def _criteria(
    d: ScoreDefinition, tool: str | None, inputs: Inputs, ranges: dict[str, set[int]]
) -> list[Criterion]:
    out: list[Criterion] = []
    enceph = ranges["encephalopathy"]
    item = tool or "ice_score"
    value = inputs.get(item, inputs.get("unable_to_perform_assessment"))
    known = len(enceph) == 1
    out.append(
        Criterion(
            "encephalopathy",
            value if isinstance(value, int | bool) else None,
            None,
            (min(enceph) > 0) if known else None,
            not known,
            points=float(min(enceph)),
            note=f"grade from {item.replace('_score', '').upper()}",
        )
    )
    for name in d.icans.domains if d.icans else {}:
        grades = ranges[name]
        raw = inputs.get(name)
        out.append(
            Criterion(
                name,
                raw if isinstance(raw, str | bool) else None,
                None,
                (min(grades) > 0) if len(grades) == 1 else None,
                name not in inputs,
                points=float(min(grades)),
                note=f"grade from {name.replace('_', ' ')}",
            )
        )
    other = inputs.get("attributable_to_other_cause")
    out.append(
        Criterion(
            "attributable_to_other_cause",
            other if isinstance(other, bool) else None,
            None,
            other if isinstance(other, bool) else None,
            "attributable_to_other_cause" not in inputs,
            note="findings attributed to another cause are not ICANS",
        )
    )
    return out


def calculate_icans_grade(inputs: Inputs) -> ScoreResult:
    """Grade ICANS from parsed items (see :func:`read_score_inputs`).

    Returns
    -------
    ScoreResult
        ``grade`` (0-4), ``met`` (grade >= 1; None while undetermined), ``missing``,
        ``score_range`` and ``conclusive``.

    Raises
    ------
    InvalidInput
        Both ICE and CAPD given; ICE for a child below the age cut-off; a score together with
        ``unable_to_perform_assessment``.

    References
    ----------
    Lee DW et al. ASTCT consensus grading for cytokine release syndrome and neurologic
    toxicity associated with immune effector cells. Biol Blood Marrow Transplant 2019;25:625
    (``lee-2019``); CAPD below 12 years: Santomasso BD et al., ASCO guideline 2021
    (``santomasso-2021``).
    """
    d = get_score_definition(NAME)
    tables = d.icans
    assert tables is not None
    tool, notes = _tool(tables, inputs)
    ranges = {"encephalopathy": _encephalopathy(tables, tool, inputs)}
    for name, grades in tables.domains.items():
        ranges[name] = _domain(grades, inputs.get(name))
    low_findings = max(min(r) for r in ranges.values())
    high = max(max(r) for r in ranges.values())
    other = inputs.get("attributable_to_other_cause")
    grade = 0 if other is True else low_findings
    low = 0 if other is not False else low_findings
    if other is True:
        high = 0
        if low_findings:
            notes.append("Findings attributed to another cause are not graded as ICANS.")
    missing: list[str] = []
    if "age" not in inputs:
        missing.append("age")
        notes.append("Age not given: the choice of ICE or CAPD could not be checked.")
    if len(ranges["encephalopathy"]) > 1:
        missing += [tool] if tool else list(_TOOLS)
    missing += [n for n in tables.domains if n not in inputs]
    if other is None:
        missing.append("attributable_to_other_cause")
    return ScoreResult(
        name=NAME,
        title=d.title,
        source=d.source,
        status=d.status,
        score=None,
        grade=grade,
        met=True if low >= 1 else (False if high == 0 else None),
        criteria=tuple(_criteria(d, tool, inputs, ranges)),
        missing=tuple(missing),
        conclusive=low == high,
        score_range=(float(low), float(high)),
        notes=(*d.notes, *notes),
    )
