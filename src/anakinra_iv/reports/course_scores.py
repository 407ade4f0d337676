"""The "scores over time" part of the patient-course report: a table per score and the HScore
plot, from the rows the workflow calculated (:class:`~anakinra_iv.reports.course_data.ReportScore`).

A missing item is printed as missing, never as normal, and every row says whether its
conclusion is ``conclusive`` (no value of the missing items could change it). Cut-offs are read
from the score definitions (``assessment/data/scores.yaml``), never written here.

Examples
--------
>>> get_cut_off("hscore")
169.0
>>> from anakinra_iv.assessment import calculate_score
>>> show_result(calculate_score("hscore", {"ferritin": "2400 ng/mL"}))
'35 points (35 to 322 possible)'
>>> show_result(calculate_score("hlh-2004", {"ferritin": "2400 ng/mL"}))
'1 of 8 criteria met (at least 5 needed)'
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from anakinra_iv.assessment import ScoreResult, get_score_definition
from anakinra_iv.assessment.criteria import parse_condition
from anakinra_iv.reports.course_data import CourseReportData, ReportScore
from anakinra_iv.reports.display import show_time
from anakinra_iv.reports.document import Block, Cell, Figure, Paragraph, Section, Table
from anakinra_iv.reports.plots import plot_score_over_time

__all__ = [
    "METHOD",
    "create_scores_section",
    "get_cut_off",
    "show_conclusion",
    "show_result",
]

METHOD = (
    "Each score is calculated at every collection time of a stored value it reads, from the "
    "latest value of each item collected up to that moment (a value stays in use until a later "
    "one replaces it; its collection time is printed with it). Clinical findings (fever as judged "
    "at the bedside, organomegaly, haemophagocytosis, a known systemic JIA, immunosuppression) "
    "are not stored in the record, so they are always missing. A missing item is never scored "
    "as normal: 'conclusive' says whether the missing items could change the conclusion, and a "
    "points score gives the range they allow."
)
"""How the scores over time are calculated, as printed at the head of the section."""

_PLOTTED = "hscore"


def get_cut_off(name: str) -> float | None:
    """The number in score ``name``'s published cut-off (None when it has none)."""
    cut_off = get_score_definition(name).cut_off
    if cut_off is None:
        return None
    numbers = [v for _, v in parse_condition(cut_off) if not isinstance(v, bool)]
    return float(numbers[0]) if numbers else None


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


def show_result(result: ScoreResult) -> str:
    """The score's value as printed: points (with the range missing items allow), the score,
    or the count of criteria met against the rule."""
    low, high = result.score_range or (None, None)
    if result.points is not None:
        text = f"{_number(result.points)} points"
        if low is not None and high is not None and low != high:
            text += f" ({_number(low)} to {_number(high)} possible)"
        return text
    if result.score is not None:
        return _number(result.score)
    if low is not None and high is not None:
        return f"between {_number(low)} and {_number(high)} (items missing)"
    rule = next((c for c in reversed(result.criteria) if c.name.startswith("at_least_")), None)
    if rule is not None and isinstance(rule.value, int):
        need, _, total = rule.name.removeprefix("at_least_").partition("_of_")
        return f"{rule.value} of {total} criteria met (at least {need} needed)"
    return "-"


def show_conclusion(result: ScoreResult) -> str:
    """Whether the score's criterion is met: ``met``, ``not met``, or ``not established`` when
    missing items leave it open."""
    if result.met:
        return "met"
    return "not met" if result.conclusive else "not established"


def _when(moment: datetime, zone: ZoneInfo | None = None) -> str:
    return show_time(moment, zone or ZoneInfo("UTC"))


def _row(score: ReportScore, zone: ZoneInfo) -> tuple[Cell, ...]:
    used = Cell("; ".join(score.values_used) or "-")
    if score.result is None:
        return (
            Cell(_when(score.at, zone)),
            Cell("-"),
            Cell("-"),
            Cell("-"),
            Cell(score.problem),
            used,
        )
    r = score.result
    return (
        Cell(_when(score.at, zone)),
        Cell(show_result(r)),
        Cell(show_conclusion(r)),
        Cell("yes" if r.conclusive else "no"),
        Cell(", ".join(r.missing) or "none"),
        used,
    )


def _table(name: str, rows: list[ReportScore], zone: ZoneInfo) -> Table:
    definition = get_score_definition(name)
    cut_off = f"; cut-off {definition.cut_off}" if definition.cut_off else ""
    return Table(
        f"{definition.title} (source {definition.source}{cut_off})",
        ("when", "result", "criterion", "conclusive", "missing (not scored)", "values used"),
        tuple(_row(s, zone) for s in rows),
    )


def create_scores_section(data: CourseReportData) -> Section:
    """The scores over time: method, the HScore plot and one table per score."""
    blocks: list[Block] = [Paragraph(METHOD)]
    if not data.scores:
        blocks.append(Paragraph("No stored value that a score reads: no score is calculated."))
        return Section("Scores over time", tuple(blocks))
    names = list(dict.fromkeys(s.name for s in data.scores))
    plotted = [s for s in data.scores if s.name == _PLOTTED and s.result is not None]
    cut_off = get_cut_off(_PLOTTED)
    if plotted and cut_off is not None:
        definition = get_score_definition(_PLOTTED)
        blocks.append(
            Figure(
                plot_score_over_time(
                    plotted,
                    cut_off,
                    f"cut-off {definition.cut_off} ({definition.source})",
                    zone=data.tz,
                ),
                f"{definition.title}: points from the stored values (filled: conclusive; open: "
                "missing items could cross the cut-off), bar up to the most the missing items "
                f"allow; dashed line: the published cut-off {definition.cut_off} points.",
                width_cm=15.0,
            )
        )
    for name in names:
        blocks.append(_table(name, [s for s in data.scores if s.name == name], data.tz))
    return Section("Scores over time", tuple(blocks), new_page=True)
