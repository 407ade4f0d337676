"""CAR-T toxicity over time: CRS and ICANS grades from a sequence of bedside assessments.

An assessment is one score's items recorded at one time (``crs-astct``, ``icans-astct``,
``ice`` or ``capd``). :func:`calculate_grades_over_time` scores each one, in time order;
:func:`create_grade_observations` turns the conclusive results into observations of the
catalogue analytes ``crs_grade``, ``icans_grade``, ``ice_score`` and ``capd_score`` (unit "1"),
which the protocol's rules read like any laboratory value. A result that the missing items
could change is **not** turned into an observation (a missing item is never scored as normal):
it is returned as skipped, with what was missing. :func:`get_grade_status` gives the current
grade of each and whether it rose at the latest assessment (for a ward board).

Examples
--------
>>> from datetime import datetime, timezone
>>> at = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
>>> items = {"age": 60, "ice_score": 5, "consciousness": "alert", "seizure": "none",
...          "motor_weakness": False, "raised_icp": "none", "attributable_to_other_cause": False}
>>> grades = calculate_grades_over_time([ToxicityAssessment("icans-astct", at, items)])
>>> observations, skipped = create_grade_observations(grades)
>>> [(o.analyte, o.magnitude) for o in observations], skipped
([('icans_grade', 2.0), ('ice_score', 5.0)], ())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from anakinra_iv.assessment.criteria import ScoreResult
from anakinra_iv.assessment.observation_file import read_timestamp
from anakinra_iv.assessment.observations import Observation, create_observation
from anakinra_iv.assessment.scores import calculate_score
from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList, list_problems

__all__ = [
    "GRADED_SCORES",
    "GradeAt",
    "GradeStatus",
    "ToxicityAssessment",
    "calculate_grades_over_time",
    "create_grade_observations",
    "get_grade_status",
    "read_assessments",
]

GRADED_SCORES: dict[str, str] = {
    "crs-astct": "crs_grade",
    "icans-astct": "icans_grade",
    "ice": "ice_score",
    "capd": "capd_score",
}
"""Each bedside score and the catalogue analyte its result is stored as."""

_SCORE_ITEMS = {"ice_score": "ice_score", "capd_score": "capd_score"}


@dataclass(frozen=True)
class ToxicityAssessment:
    """The items of one score (JSON values, as ``anakinra score`` reads them) at one time."""

    score: str
    at: datetime
    items: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class GradeAt:
    """One assessment and its result."""

    assessment: ToxicityAssessment
    result: ScoreResult

    def as_dict(self) -> dict[str, Any]:
        """One row of the grades over time: when, which score, its value, what was missing."""
        r = self.result
        return {
            "at": self.assessment.at.isoformat(),
            "score": self.assessment.score,
            "analyte": GRADED_SCORES[self.assessment.score],
            "value": self.value,
            "grade": r.grade,
            "total": r.score,
            "conclusive": r.conclusive,
            "range": list(r.score_range) if r.score_range else None,
            "missing": list(r.missing),
        }

    def describe_skip(self) -> str:
        """Why this result was not used: it is not conclusive."""
        r = self.result
        low, high = r.score_range or (None, None)
        return (
            f"{self.assessment.score} at {self.assessment.at.isoformat()} not used: not "
            f"conclusive (could be {low:g} to {high:g}; missing: {', '.join(r.missing)})"
        )

    @property
    def value(self) -> float | None:
        """The grade (CRS, ICANS) or the total (ICE, CAPD); None when not conclusive."""
        if not self.result.conclusive:
            return None
        if self.result.grade is not None:
            return float(self.result.grade)
        return self.result.score


@dataclass(frozen=True)
class GradeStatus:
    """The current value of a grade or score, the one before it, and whether it rose."""

    analyte: str
    value: float | None
    at: datetime | None
    previous: float | None
    rose: bool


def read_assessments(data: Any) -> tuple[ToxicityAssessment, ...]:
    """Read a JSON list of ``{"score": ..., "at": ISO 8601, "items": {...}}``.

    Raises
    ------
    ProblemList, InvalidInput
        Not a list, an unknown score, a time without a timezone, items that are not an object;
        each problem names its entry (``assessments[2].at``).
    """
    if not isinstance(data, list):
        raise InvalidInput("'assessments' must be a JSON list of assessments", field="assessments")
    out: list[ToxicityAssessment] = []
    problems: list[AnakinraError] = []
    for i, entry in enumerate(data):
        where = f"assessments[{i}]"
        if not isinstance(entry, dict):
            problems.append(InvalidInput(f"'{where}' must be an object", field=where))
            continue
        score, items = entry.get("score"), entry.get("items", {})
        if score not in GRADED_SCORES:
            problems.append(
                InvalidInput(
                    f"'{where}.score' must be one of {', '.join(GRADED_SCORES)} (got {score!r})",
                    field=f"{where}.score",
                    value=score,
                )
            )
            continue
        if not isinstance(items, dict):
            problems.append(InvalidInput(f"'{where}.items' must be an object", field=where))
            continue
        try:
            at = read_timestamp(str(entry.get("at", "")), field=f"{where}.at")
        except AnakinraError as e:
            problems.append(e)
            continue
        out.append(ToxicityAssessment(str(score), at, items, str(entry.get("source", ""))))
    ProblemList.raise_if_any(problems)
    return tuple(out)


def calculate_grades_over_time(
    assessments: Iterable[ToxicityAssessment],
) -> tuple[GradeAt, ...]:
    """Score every assessment, oldest first.

    Raises
    ------
    ProblemList, InvalidInput
        An assessment's items are invalid; each problem is prefixed with its time and score.
    """
    out: list[GradeAt] = []
    problems: list[AnakinraError] = []
    for a in sorted(assessments, key=lambda a: a.at):
        try:
            out.append(GradeAt(a, calculate_score(a.score, a.items)))
        except AnakinraError as e:
            for p in list_problems(e):
                where = f"{a.score} at {a.at.isoformat()}"
                problems.append(InvalidInput(f"{where}: {p.message}", field=p.field, value=where))
    ProblemList.raise_if_any(problems)
    return tuple(out)


def create_grade_observations(
    grades: Sequence[GradeAt],
) -> tuple[tuple[Observation, ...], tuple[GradeAt, ...]]:
    """The conclusive results as observations, and the results left out (not conclusive).

    An ICANS assessment also gives an observation of the ICE score or CAPD total it used.
    """
    observations: list[Observation] = []
    skipped: list[GradeAt] = []
    for g in grades:
        value = g.value
        if value is None:
            skipped.append(g)
            continue
        a = g.assessment
        analyte = GRADED_SCORES[a.score]
        observations.append(
            create_observation(analyte, f"{value:g}", collected_at=a.at, source=a.source)
        )
        for item, tool in _SCORE_ITEMS.items():
            if a.score == "icans-astct" and isinstance(a.items.get(item), int | float):
                observations.append(
                    create_observation(
                        tool, f"{a.items[item]:g}", collected_at=a.at, source=a.source
                    )
                )
    return tuple(observations), tuple(skipped)


def get_grade_status(
    observations: Iterable[Observation], analyte: str, *, now: datetime
) -> GradeStatus:
    """The latest value of ``analyte`` collected up to ``now`` and whether it rose.

    >>> from datetime import datetime, timezone
    >>> t = [datetime(2024, 3, 1, h, tzinfo=timezone.utc) for h in (6, 12)]
    >>> obs = [create_observation("icans_grade", g, collected_at=at) for g, at in zip("13", t)]
    >>> s = get_grade_status(obs, "icans_grade", now=t[1])
    >>> s.value, s.previous, s.rose
    (3.0, 1.0, True)
    """
    series = sorted(
        (o for o in observations if o.analyte == analyte and o.collected_at <= now),
        key=lambda o: o.collected_at,
    )
    if not series:
        return GradeStatus(analyte, None, None, None, False)
    latest = series[-1]
    previous = series[-2].magnitude if len(series) > 1 else None
    rose = previous is not None and latest.magnitude > previous
    return GradeStatus(analyte, latest.magnitude, latest.collected_at, previous, rose)
