"""CAR-T toxicity in the ward: the items of a bedside assessment checked for storage, and the
grades calculated from the stored items (never typed, never stored).

Two kinds of assessment are recorded (``score``):

- ``icans-astct``: the ICE items (``orientation``, ``naming``, ``following_commands``,
  ``writing``, ``attention``) or, for a child below the age cut-off of the ICANS definition,
  the CAPD items (``eye_contact`` ... ``slow_to_respond``), or ``unable_to_perform_assessment``;
  and the other ICANS domains (``consciousness``, ``seizure``, ``motor_weakness``,
  ``raised_icp``) with ``attributable_to_other_cause``. The ICE (or CAPD) total is calculated
  from its items and the ICANS grade from the total and the domains
  (:mod:`anakinra_iv.assessment.icans_grade`); the patient's age at the assessment comes from
  the registered birth date.
- ``crs-astct``: ``temperature`` (stored in Cel), ``fever_masked_by_treatment``,
  ``hypotension``, ``vasopressor_agents`` (the full list; ``[]`` for none), ``oxygen`` and
  ``oxygen_flow_l_per_min`` (nasal cannula) (:mod:`anakinra_iv.assessment.crs_grade`).

An assessment is stored only when its grade is conclusive: a missing item is refused, naming
it, never scored as normal. The grades over time feed the protocol's rules as the catalogue
analytes ``crs_grade``, ``icans_grade``, ``ice_score`` and ``capd_score``
(:func:`create_grade_observations`), as ferritin and CRP feed the MAS rules.

Examples
--------
>>> from datetime import UTC
>>> at = datetime(2026, 1, 5, 8, tzinfo=UTC)
>>> items = check_assessment_items("icans-astct", {
...     "orientation": 3, "naming": 2, "following_commands": 1, "writing": 0, "attention": 0,
...     "consciousness": "alert", "seizure": "none", "motor_weakness": False,
...     "raised_icp": "none", "attributable_to_other_cause": False}, age_years=60)
>>> graded = grade_assessment(1, "icans-astct", items, at, age_years=60)
>>> graded.tool, graded.tool_total, graded.grade
('ice', 6.0, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from anakinra_iv.assessment import ScoreResult, calculate_score, get_score_definition
from anakinra_iv.assessment.observations import Observation, read_measurement
from anakinra_iv.assessment.toxicity import (
    GradeAt,
    GradeStatus,
    ToxicityAssessment,
    create_grade_observations,
    get_grade_status,
)
from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList, list_problems
from anakinra_iv.units import read_number

__all__ = [
    "CRS_ITEMS",
    "ICANS_DOMAINS",
    "RECORDED_SCORES",
    "GradedAssessment",
    "ToxicityStatus",
    "calculate_age_years",
    "check_assessment_items",
    "create_ward_grade_observations",
    "get_neuro_tool",
    "get_toxicity_status",
    "grade_assessment",
    "list_tool_items",
]

RECORDED_SCORES = ("icans-astct", "crs-astct")
"""The assessments a nurse records."""

ICANS_DOMAINS = (
    "consciousness",
    "seizure",
    "motor_weakness",
    "raised_icp",
    "attributable_to_other_cause",
)
"""The ICANS items besides the encephalopathy tool."""

CRS_ITEMS = (
    "temperature",
    "fever_masked_by_treatment",
    "hypotension",
    "vasopressor_agents",
    "oxygen",
    "oxygen_flow_l_per_min",
)
"""The CRS vital-sign inputs."""

_BOOLEANS = frozenset(
    {
        "motor_weakness",
        "attributable_to_other_cause",
        "unable_to_perform_assessment",
        "fever_masked_by_treatment",
        "hypotension",
    }
)
_DERIVED = frozenset({"age", "ice_score", "capd_score"})


def list_tool_items(tool: str) -> tuple[str, ...]:
    """The items of the encephalopathy tool ``ice`` or ``capd``, in the order of its form.

    >>> list_tool_items("ice")
    ('orientation', 'naming', 'following_commands', 'writing', 'attention')
    """
    return tuple(get_score_definition(tool).items)


def calculate_age_years(birth_date: date, at: datetime) -> int:
    """Completed years of age at ``at``.

    >>> from datetime import UTC
    >>> calculate_age_years(date(2014, 3, 2), datetime(2026, 3, 1, tzinfo=UTC))
    11
    """
    day = at.date()
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def get_neuro_tool(age_years: float) -> str:
    """``capd`` below the age cut-off of the ICANS definition, else ``ice``.

    >>> get_neuro_tool(11), get_neuro_tool(12)
    ('capd', 'ice')
    """
    tables = get_score_definition("icans-astct").icans
    assert tables is not None
    return "capd" if age_years < tables.capd_below_age.below else "ice"


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true"):
        return True
    if text in ("no", "false"):
        return False
    raise InvalidInput(f"'{key}' must be yes or no (got '{value}')", field=key, value=str(value))


def _canonical(key: str, value: Any) -> Any:
    """One item as stored: booleans as booleans, temperature in Cel, the flow as a number."""
    if key in _BOOLEANS:
        return _boolean(key, value)
    if key == "temperature":
        measured = read_measurement("temperature", str(value), field="temperature")
        return f"{measured.magnitude:g} Cel"
    if key == "oxygen_flow_l_per_min":
        number = value if isinstance(value, int | float) else read_number(str(value), field=key)
        if isinstance(number, bool) or number < 0:
            raise InvalidInput(f"'{key}' must be 0 or more L/min (got '{value}')", field=key)
        return float(number)
    if key == "vasopressor_agents":
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise InvalidInput(
                f"'{key}' must be a list of agents ([] for none)", field=key, value=str(value)
            )
        agents = [str(a).strip().lower() for a in value]
        if len(set(agents)) != len(agents):
            raise InvalidInput(f"'{key}' names an agent twice", field=key, value=str(value))
        return agents
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return read_number(text, field=key)
        return text.lower()
    return value


def _allowed(score: str, tool: str | None) -> tuple[str, ...]:
    if score == "crs-astct":
        return CRS_ITEMS
    tools = list_tool_items(tool) if tool else ()
    return (*tools, "unable_to_perform_assessment", *ICANS_DOMAINS)


def _split_icans(
    items: Mapping[str, Any], tool: str, age_years: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the tool's items, the ICANS items without the tool's total)."""
    tool_items = {k: v for k, v in items.items() if k in list_tool_items(tool)}
    icans = {k: v for k, v in items.items() if k not in tool_items and k != "tool"}
    return tool_items, {**icans, "age": age_years}


def _missing(result: ScoreResult, skip: Iterable[str] = ()) -> list[AnakinraError]:
    ignored = set(skip)
    return [
        InvalidInput(f"'{item}' is missing: every item of the assessment is needed", field=item)
        for item in result.missing
        if item not in ignored
    ]


def check_assessment_items(
    score: str, raw: Mapping[str, Any], *, age_years: float
) -> dict[str, Any]:
    """The items of one assessment, checked and in the form they are stored.

    Unknown items, unreadable values, a temperature in a wrong unit or outside the plausible
    range, ICE items for a child (or CAPD items for an adult), and every missing item are
    refused, each problem naming its item; nothing is ever filled in as normal.

    Raises
    ------
    InvalidInput, ProblemList
        One problem per item.
    """
    if score not in RECORDED_SCORES:
        raise InvalidInput(
            f"'score' must be one of {', '.join(RECORDED_SCORES)} (got '{score}')",
            field="score",
            value=score,
        )
    tool = None if score == "crs-astct" else get_neuro_tool(age_years)
    problems: list[AnakinraError] = []
    items: dict[str, Any] = {}
    allowed = _allowed(score, tool)
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key not in allowed:
            other = "capd" if tool == "ice" else "ice"
            hint = ""
            if tool is not None and key in list_tool_items(other):
                hint = (
                    f": at {age_years:g} years the encephalopathy is assessed with {tool.upper()}"
                )
            problems.append(
                InvalidInput(
                    f"'{key}' is not an item of the {score} assessment{hint}",
                    field=key,
                    value=str(value),
                )
            )
            continue
        try:
            items[key] = _canonical(key, value)
        except AnakinraError as error:
            problems.extend(list_problems(error))
    ProblemList.raise_if_any(problems)
    if tool is not None:
        tool_given = any(k in items for k in list_tool_items(tool))
        if items.get("unable_to_perform_assessment") is True and tool_given:
            raise InvalidInput(
                f"'unable_to_perform_assessment': the {tool.upper()} items were given although "
                "the patient was unable to perform the assessment",
                field="unable_to_perform_assessment",
            )
        if "unable_to_perform_assessment" not in items:
            items["unable_to_perform_assessment"] = False
        items["tool"] = tool
    graded = _grade(score, items, age_years)
    problems = []
    if graded.tool_result is not None and items.get("unable_to_perform_assessment") is False:
        problems += _missing(graded.tool_result)
    problems += _missing(graded.result, skip=_DERIVED)
    ProblemList.raise_if_any(problems)
    return items


@dataclass(frozen=True)
class _Graded:
    tool: str | None
    tool_result: ScoreResult | None
    result: ScoreResult


def _grade(score: str, items: Mapping[str, Any], age_years: float) -> _Graded:
    if score == "crs-astct":
        return _Graded(None, None, calculate_score(score, dict(items)))
    tool = str(items.get("tool") or get_neuro_tool(age_years))
    tool_items, icans = _split_icans(items, tool, age_years)
    tool_result = None
    if icans.get("unable_to_perform_assessment") is not True:
        tool_result = calculate_score(tool, tool_items)
        if tool_result.conclusive and tool_result.score is not None:
            icans[f"{tool}_score"] = int(tool_result.score)
    return _Graded(tool, tool_result, calculate_score(score, icans))


@dataclass(frozen=True)
class GradedAssessment:
    """A stored assessment with the grade calculated from its items (``problem`` when the
    stored items can no longer be graded)."""

    id: int
    score: str
    at: datetime
    items: Mapping[str, Any]
    recorded_by: str = ""
    tool: str | None = None
    tool_result: ScoreResult | None = None
    result: ScoreResult | None = None
    problem: str = ""
    icans_items: Mapping[str, Any] = field(default_factory=dict)

    @property
    def grade(self) -> int | None:
        """The CRS or ICANS grade, None when not conclusive."""
        r = self.result
        return r.grade if r is not None and r.conclusive else None

    @property
    def tool_total(self) -> float | None:
        """The ICE or CAPD total, None when not calculated."""
        r = self.tool_result
        return r.score if r is not None and r.conclusive else None

    @property
    def analyte(self) -> str:
        """The catalogue analyte of the grade."""
        return "crs_grade" if self.score == "crs-astct" else "icans_grade"


def grade_assessment(
    assessment_id: int,
    score: str,
    items: Mapping[str, Any],
    at: datetime,
    *,
    age_years: float,
    recorded_by: str = "",
) -> GradedAssessment:
    """The grade of one stored assessment (a stored row that no longer grades gives a
    ``problem`` instead of an exception, so one bad row does not hide the others)."""
    try:
        graded = _grade(score, items, age_years)
    except AnakinraError as error:
        return GradedAssessment(assessment_id, score, at, items, recorded_by, problem=error.message)
    icans: dict[str, Any] = {}
    if graded.tool is not None:
        icans = _split_icans(items, graded.tool, age_years)[1]
        if graded.tool_result is not None and graded.tool_result.score is not None:
            icans[f"{graded.tool}_score"] = int(graded.tool_result.score)
    return GradedAssessment(
        assessment_id,
        score,
        at,
        items,
        recorded_by,
        graded.tool,
        graded.tool_result,
        graded.result,
        icans_items=icans,
    )


def create_ward_grade_observations(
    graded: Iterable[GradedAssessment],
) -> tuple[Observation, ...]:
    """The conclusive grades (and the ICE or CAPD totals) as catalogue observations, which the
    protocol's rules read (:func:`anakinra_iv.assessment.toxicity.create_grade_observations`)."""
    grades: list[GradeAt] = []
    for g in graded:
        if g.result is None:
            continue
        items = g.icans_items if g.score == "icans-astct" else g.items
        grades.append(
            GradeAt(ToxicityAssessment(g.score, g.at, items, f"assessment {g.id}"), g.result)
        )
    return create_grade_observations(grades)[0]


@dataclass(frozen=True)
class ToxicityStatus:
    """The current CRS and ICANS grades of a patient and whether each rose."""

    crs: GradeStatus
    icans: GradeStatus

    @property
    def assessed(self) -> bool:
        """True when any grade is known."""
        return self.crs.value is not None or self.icans.value is not None

    @property
    def rises(self) -> tuple[str, ...]:
        """A line for each grade that rose at its latest assessment (for a board alert)."""
        out: list[str] = []
        for name, status in (("CRS", self.crs), ("ICANS", self.icans)):
            if status.rose and status.previous is not None and status.value is not None:
                out.append(f"{name} grade rose from {status.previous:g} to {status.value:g}")
        return tuple(out)


def get_toxicity_status(graded: Iterable[GradedAssessment], now: datetime) -> ToxicityStatus:
    """The latest CRS and ICANS grade up to ``now``, each compared with the assessment before."""
    observations = create_ward_grade_observations(graded)
    return ToxicityStatus(
        get_grade_status(observations, "crs_grade", now=now),
        get_grade_status(observations, "icans_grade", now=now),
    )
