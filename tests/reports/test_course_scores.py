"""The scores-over-time section: cut-offs from the definitions, result texts, tables and plot."""

from __future__ import annotations

from dataclasses import replace

from anakinra_iv.assessment import get_score_definition
from anakinra_iv.reports.course_data import CourseReportData
from anakinra_iv.reports.course_scores import (
    create_scores_section,
    get_cut_off,
    show_conclusion,
    show_result,
)
from anakinra_iv.reports.document import Figure, Paragraph, Table
from anakinra_iv.reports.plots import create_score_figure


def _tables(data: CourseReportData) -> dict[str, Table]:
    section = create_scores_section(data)
    return {b.caption.split(" (")[0]: b for b in section.blocks if isinstance(b, Table)}


def _column(table: Table, name: str) -> list[str]:
    index = table.header.index(name)
    return [row[index].text for row in table.rows]


def test_cut_offs_are_read_from_the_score_definitions() -> None:
    """Fardet 2014: HScore >= 169; Minoia 2019: MS >= -2.1; the 2016 criteria have no number."""
    assert get_cut_off("hscore") == 169
    assert get_cut_off("ms-score") == -2.1
    assert get_cut_off("mas-2016") is None
    assert get_score_definition("hscore").cut_off == ">= 169"


def test_hscore_table_gives_points_range_and_open_conclusion(report_data: CourseReportData) -> None:
    """Fardet 2014 by hand, day 1: 39.8 Cel -> 49, ferritin 12,000 -> 50, fibrinogen 1.2 g/L
    -> 30, AST 400 -> 19 (platelets 45: one cytopenia of three known -> 0) = 148; day 2: 38.4
    Cel -> 33 (band includes 38.4), ferritin 8,000 -> 50, 30, 19 = 132; day 3: 37.1 -> 0,
    ferritin 5,000 -> 35, fibrinogen 2.1 g/L -> 30, 19 = 84. The missing items add at most
    38 + 34 + 64 + 18 + 35 = 189, so none of these is conclusive."""
    table = _tables(report_data)["HScore"]
    assert _column(table, "result") == [
        "148 points (148 to 337 possible)",
        "132 points (132 to 321 possible)",
        "84 points (84 to 273 possible)",
    ]
    assert _column(table, "criterion") == ["not established"] * 3
    assert _column(table, "conclusive") == ["no"] * 3
    assert all(
        "hepatomegaly" in m and "triglycerides" in m for m in _column(table, "missing (not scored)")
    )
    assert "cut-off >= 169" in table.caption and "fardet-2014" in table.caption


def test_hlh_2004_counts_fall_as_the_patient_improves(report_data: CourseReportData) -> None:
    """Henter 2007: day 1 fever 39.8, ferritin, fibrinogen 1.2 <= 1.5 g/L: 3 of 8; day 2 38.4
    < 38.5 is no fever, fibrinogen 1.5 still counts: 2; day 3 ferritin alone: 1."""
    table = _tables(report_data)["HLH-2004 diagnostic criteria"]
    assert _column(table, "result") == [
        f"{n} of 8 criteria met (at least 5 needed)" for n in (3, 2, 1)
    ]
    assert all("soluble_cd25" in m for m in _column(table, "missing (not scored)"))


def test_a_score_without_result_prints_its_problem(report_data: CourseReportData) -> None:
    """A row with no result shows '-' and the reason instead of a number."""
    row = replace(report_data.scores[0], result=None, problem="no item of it is recorded")
    table = _tables(replace(report_data, scores=(row,)))["HScore"]
    assert [c.text for c in table.rows[0][:5]] == [
        "5 Jan 2026 08:00 UTC",
        "-",
        "-",
        "-",
        "no item of it is recorded",
    ]


def test_conclusion_words() -> None:
    """met -> 'met'; not met and conclusive -> 'not met'; otherwise 'not established'."""
    from anakinra_iv.assessment import calculate_score

    full = {
        "immunosuppression": False, "temperature": "37 Cel", "hepatomegaly": False,
        "splenomegaly": False, "hemoglobin": "12 g/dL", "leukocytes": "7 10*9/L",
        "platelets": "250 10*9/L", "ferritin": "300 ng/mL", "triglycerides": "1 mmol/L",
        "fibrinogen": "3 g/L", "ast": "20 U/L", "hemophagocytosis_bone_marrow": False,
    }  # fmt: skip
    assert show_conclusion(calculate_score("hscore", full)) == "not met"
    assert (
        show_conclusion(calculate_score("hscore", {"ferritin": "300 ng/mL"})) == "not established"
    )
    high = full | {"temperature": "39.7 Cel", "ferritin": "8500 ng/mL", "hepatomegaly": True,
                   "splenomegaly": True, "triglycerides": "3.2 mmol/L"}  # fmt: skip
    # 49 + 38 + 50 + 44 = 181 >= 169 (Fardet 2014)
    result = calculate_score("hscore", high)
    assert result.points == 181 and show_conclusion(result) == "met"
    assert show_result(result) == "181 points"


def test_section_has_method_plot_and_four_tables(report_data: CourseReportData) -> None:
    """Method paragraph, the HScore figure, then HScore, MS score, 2016 MAS and HLH-2004."""
    section = create_scores_section(report_data)
    assert isinstance(section.blocks[0], Paragraph) and "never scored" in section.blocks[0].text
    assert isinstance(section.blocks[1], Figure)
    assert len([b for b in section.blocks if isinstance(b, Table)]) == 4


def test_without_scores_the_section_says_so(report_data: CourseReportData) -> None:
    """No stored value a score reads: no figure, no table, a sentence."""
    section = create_scores_section(replace(report_data, scores=()))
    texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert "No stored value that a score reads: no score is calculated." in texts
    assert not any(isinstance(b, Figure | Table) for b in section.blocks)


def test_score_figure_draws_the_cut_off_and_units(report_data: CourseReportData) -> None:
    """The dashed line sits at the definition's 169; each point's bar reaches its highest
    possible score; both axes name their unit."""
    hscores = [s for s in report_data.scores if s.name == "hscore"]
    figure = create_score_figure(hscores, get_cut_off("hscore") or 0, "cut-off")
    (axes,) = figure.axes
    dashed = [line for line in axes.get_lines() if line.get_linestyle() == "--"]
    assert [list(line.get_ydata()) for line in dashed] == [[169, 169]]  # type: ignore[arg-type]
    tops = sorted(
        float(segment[1][1])
        for collection in axes.collections
        for segment in collection.get_segments()  # type: ignore[attr-defined]
    )
    assert tops == [273, 321, 337]
    assert axes.get_ylabel() == "HScore (points)"
    assert "UTC" in axes.get_xlabel()
    assert axes.get_ylim()[1] > 337
