"""Scores from stored values: now (the patient page) and over the course (the report).

Each score (:mod:`anakinra_iv.assessment`) is fed with the latest stored value of every
laboratory item (and vital sign) it reads. Items that no stored observation gives (clinical
findings such as organomegaly or a known systemic JIA, which the record does not store, and
labs never drawn) are passed as missing, never as normal; the score's result lists them and
says whether they could change its conclusion (``conclusive``).

Over the course, the scores are calculated at each **collection time** of a stored value that
some score reads, from the values collected up to and including that moment. A score changes
only when one of its inputs changes, so these moments give its whole course with no repeated
row; a day-by-day table would miss a value drawn and superseded on the same day. Values stay in
use until a later one replaces them, whatever their age: the report prints each value with its
collection time so that an old one can be seen as old.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from anakinra_iv.assessment import ScoreResult, calculate_score, get_analyte, get_score_definition
from anakinra_iv.errors import AnakinraError
from anakinra_iv.interop.course import CourseObservation
from anakinra_iv.workflow.course import create_course_observation
from anakinra_iv.workflow.views import ObservationView

__all__ = [
    "SCORE_NAMES",
    "ScoreOutcome",
    "ScoresAt",
    "calculate_lab_scores",
    "calculate_scores_over_time",
    "get_scored_analytes",
]

SCORE_NAMES = ("hscore", "ms-score", "mas-2016", "hlh-2004")
"""The scores calculated from stored values (patient page and course report)."""


@dataclass(frozen=True)
class ScoreOutcome:
    """A score from the stored values: the result, or why it could not be calculated.

    ``items_used`` names the score's items that a stored value gave, and ``values`` holds those
    stored observations in the same order (value in the catalogue unit, collection time).
    """

    name: str
    title: str
    result: ScoreResult | None
    items_used: tuple[str, ...]
    problem: str = ""
    values: tuple[CourseObservation, ...] = ()


@dataclass(frozen=True)
class ScoresAt:
    """Every score at one moment of the course, from the values collected up to then."""

    at: datetime
    outcomes: tuple[ScoreOutcome, ...]


def get_scored_analytes(names: Sequence[str] = SCORE_NAMES) -> frozenset[str]:
    """The catalogue names of the analytes that the scores ``names`` read.

    >>> sorted(get_scored_analytes(("mas-2016",)))
    ['ast', 'ferritin', 'fibrinogen', 'platelets', 'triglycerides']
    """
    return frozenset(
        get_analyte(spec.analyte).name
        for name in names
        for spec in get_score_definition(name).items.values()
        if spec.kind == "quantity" and spec.analyte is not None
    )


def _latest(observations: Iterable[CourseObservation]) -> dict[str, CourseObservation]:
    """The latest observation of each analyte (by collection time; ties: the later stored)."""
    latest: dict[str, CourseObservation] = {}
    for o in sorted(observations, key=lambda o: o.collected_at):
        latest[o.name] = o
    return latest


def _score(name: str, latest: Mapping[str, CourseObservation]) -> ScoreOutcome:
    definition = get_score_definition(name)
    items: dict[str, str] = {}
    used: list[CourseObservation] = []
    filled: set[str] = set()
    for item, spec in definition.items.items():
        if spec.kind != "quantity" or spec.analyte is None or spec.analyte in filled:
            continue
        observed = latest.get(get_analyte(spec.analyte).name)
        if observed is not None:
            items[item] = f"{observed.value:g} {observed.unit}"
            used.append(observed)
            filled.add(spec.analyte)
    if not items:
        return ScoreOutcome(name, definition.title, None, (), "no item of it is recorded")
    try:
        result = calculate_score(name, items)
    except AnakinraError as error:
        return ScoreOutcome(name, definition.title, None, tuple(items), error.message, tuple(used))
    return ScoreOutcome(name, definition.title, result, tuple(items), values=tuple(used))


def calculate_lab_scores(
    observations: Sequence[ObservationView], names: Sequence[str] = SCORE_NAMES
) -> tuple[ScoreOutcome, ...]:
    """Each score from the latest stored value of every laboratory item it reads.

    Non-laboratory items (and labs never drawn) are missing in the result; a score none of whose
    items was ever stored is listed without a result.
    """
    latest = _latest(create_course_observation(v) for v in observations)
    return tuple(_score(name, latest) for name in names)


def calculate_scores_over_time(
    observations: Sequence[CourseObservation],
    names: Sequence[str] = SCORE_NAMES,
    *,
    until: datetime | None = None,
) -> tuple[ScoresAt, ...]:
    """The scores at each collection time of a value they read, in time order.

    At each moment every score reads the latest value of each of its items collected at or
    before it; values collected after ``until`` are left out.

    Parameters
    ----------
    observations
        The stored observations, in catalogue units (:func:`create_course_observation`).
    names
        The scores to calculate.
    until
        The last moment to include (the report's time); None includes every value.

    Returns
    -------
    tuple of ScoresAt
        One entry per distinct collection time; none when no value any score reads is stored.
    """
    scored = get_scored_analytes(names)
    kept = sorted(
        (
            o
            for o in observations
            if o.name in scored and (until is None or o.collected_at <= until)
        ),
        key=lambda o: o.collected_at,
    )
    out: list[ScoresAt] = []
    for moment in sorted({o.collected_at for o in kept}):
        latest = _latest(o for o in kept if o.collected_at <= moment)
        out.append(ScoresAt(moment, tuple(_score(name, latest) for name in names)))
    return tuple(out)
