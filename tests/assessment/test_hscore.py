"""HScore (Fardet 2014): every boundary of scores.md, worked cases and missing items."""

from __future__ import annotations

from typing import Any

import pytest

from anakinra_iv.assessment.criteria import ScoreResult
from anakinra_iv.assessment.scores import calculate_score

FULL: dict[str, Any] = {
    "immunosuppression": False,
    "temperature": "39.7 Cel",
    "hepatomegaly": True,
    "splenomegaly": True,
    "hemoglobin": "8.9 g/dL",
    "leukocytes": "4.1 10*9/L",
    "platelets": "95 10*9/L",
    "ferritin": "8500 ng/mL",
    "triglycerides": "3.2 mmol/L",
    "fibrinogen": "2.1 g/L",
    "ast": "140 U/L",
    "hemophagocytosis_bone_marrow": False,
}


def points_of(result: ScoreResult, name: str) -> float | None:
    return next(c.points for c in result.criteria if c.name == name)


# (item, text, expected points of its variable) on, just below and just above each boundary.
BANDS = [
    ("temperature", "38.39 Cel", 0),
    ("temperature", "38.4 Cel", 33),
    ("temperature", "38.41 Cel", 33),
    ("temperature", "39.39 Cel", 33),
    ("temperature", "39.4 Cel", 33),
    ("temperature", "39.41 Cel", 49),
    ("ferritin", "1999 ng/mL", 0),
    ("ferritin", "2000 ng/mL", 35),
    ("ferritin", "2001 ng/mL", 35),
    ("ferritin", "5999 ng/mL", 35),
    ("ferritin", "6000 ng/mL", 35),
    ("ferritin", "6001 ng/mL", 50),
    ("triglycerides", "1.49 mmol/L", 0),
    ("triglycerides", "1.5 mmol/L", 44),
    ("triglycerides", "1.51 mmol/L", 44),
    ("triglycerides", "3.99 mmol/L", 44),
    ("triglycerides", "4 mmol/L", 44),
    ("triglycerides", "4.01 mmol/L", 64),
    ("triglycerides", "132.75 mg/dL", 44),  # 1.5 mmol/L x 88.5
    ("fibrinogen", "2.49 g/L", 30),
    ("fibrinogen", "2.5 g/L", 30),
    ("fibrinogen", "2.51 g/L", 0),
    ("fibrinogen", "250 mg/dL", 30),
    ("ast", "29 U/L", 0),
    ("ast", "30 U/L", 19),
    ("ast", "31 U/L", 19),
]


class TestBoundaries:
    @pytest.mark.parametrize(("item", "text", "expected"), BANDS)
    def test_band_edges(self, item: str, text: str, expected: float) -> None:
        """Points from the scores.md table; 'a-b' ranges include both ends."""
        result = calculate_score("hscore", {item: text})
        assert points_of(result, item) == expected

    @pytest.mark.parametrize(
        ("item", "below", "on", "above"),
        [
            ("hemoglobin", "9.19 g/dL", "9.2 g/dL", "9.21 g/dL"),
            ("leukocytes", "4.99 10*9/L", "5 10*9/L", "5.01 10*9/L"),
            ("platelets", "109 10*9/L", "110 10*9/L", "111 10*9/L"),
        ],
    )
    def test_cytopenia_thresholds_are_inclusive(
        self, item: str, below: str, on: str, above: str
    ) -> None:
        """Hb <= 9.2 g/dL, WBC <= 5, platelets <= 110 x 10^9/L count as a cytopenia."""
        met = {
            t: next(c.met for c in calculate_score("hscore", {item: t}).criteria if c.name == item)
            for t in (below, on, above)
        }
        assert met == {below: True, on: True, above: False}

    @pytest.mark.parametrize(
        ("lineages", "expected"),
        [(0, 0), (1, 0), (2, 24), (3, 34)],
    )
    def test_cytopenia_points_by_lineage_count(self, lineages: int, expected: float) -> None:
        """0 or 1 lineage: 0; 2: 24; 3: 34 (scores.md)."""
        low = ["8 g/dL", "2 10*9/L", "50 10*9/L"]
        high = ["14 g/dL", "8 10*9/L", "250 10*9/L"]
        values = [low[i] if i < lineages else high[i] for i in range(3)]
        items = dict(zip(["hemoglobin", "leukocytes", "platelets"], values, strict=True))
        assert points_of(calculate_score("hscore", items), "cytopenias") == expected

    @pytest.mark.parametrize(
        ("hepato", "spleno", "expected"),
        [(False, False, 0), (True, False, 23), (False, True, 23), (True, True, 38)],
    )
    def test_organomegaly(self, hepato: bool, spleno: bool, expected: float) -> None:
        """None 0; liver or spleen 23; both 38."""
        result = calculate_score("hscore", {"hepatomegaly": hepato, "splenomegaly": spleno})
        assert points_of(result, "organomegaly") == expected

    @pytest.mark.parametrize(
        ("changes", "total", "met"),
        [
            # 18 + 23 + 35 + 44 + 30 + 19 = 169 (on the cut-off)
            (
                {
                    "immunosuppression": True,
                    "hepatomegaly": True,
                    "ferritin": "3000 ng/mL",
                    "triglycerides": "2 mmol/L",
                },
                169,
                True,
            ),
            # 49 + 35 + 30 + 19 + 35 = 168 (just below)
            (
                {
                    "temperature": "39.8 Cel",
                    "ferritin": "3000 ng/mL",
                    "hemophagocytosis_bone_marrow": True,
                },
                168,
                False,
            ),
            # 18 + 33 + 35 + 35 + 30 + 19 = 170 (just above)
            (
                {
                    "immunosuppression": True,
                    "temperature": "38.6 Cel",
                    "ferritin": "3000 ng/mL",
                    "hemophagocytosis_bone_marrow": True,
                },
                170,
                True,
            ),
        ],
    )
    def test_cut_off_169(self, changes: dict[str, Any], total: int, met: bool) -> None:
        """Cut-off >= 169 (Fardet 2014); totals summed by hand from the table."""
        base = {
            "immunosuppression": False,
            "temperature": "37 Cel",
            "hepatomegaly": False,
            "splenomegaly": False,
            "hemoglobin": "12 g/dL",
            "leukocytes": "7 10*9/L",
            "platelets": "200 10*9/L",
            "ferritin": "500 ng/mL",
            "triglycerides": "1 mmol/L",
            "fibrinogen": "2 g/L",
            "ast": "40 U/L",
            "hemophagocytosis_bone_marrow": False,
        }
        result = calculate_score("hscore", {**base, **changes})
        assert (result.points, result.met, result.conclusive) == (total, met, True)


class TestWorkedCases:
    def test_full_case(self) -> None:
        """49 + 38 + 34 + 50 + 44 + 30 + 19 = 264 by hand; above the >99% anchor (>= 250)."""
        result = calculate_score("hscore", FULL)
        assert result.points == 264
        assert result.met and result.conclusive and result.missing == ()
        assert any("this score is within it" in n and ">= 250" in n for n in result.notes)

    def test_no_probability_is_invented(self) -> None:
        """Only the cut-off and the published anchors appear; no percentage is computed."""
        notes = " ".join(calculate_score("hscore", FULL).notes)
        assert "< 1%" in notes and "> 99%" in notes
        assert "ICU" in notes or "intensive care" in notes


class TestMissing:
    def test_missing_items_are_listed_and_score_nothing(self) -> None:
        """Without AST and marrow, 264 - 19 = 245; up to 245 + 19 + 35 = 299: still >= 169."""
        items = {k: v for k, v in FULL.items() if k not in ("ast", "hemophagocytosis_bone_marrow")}
        result = calculate_score("hscore", items)
        assert result.points == 245
        assert result.missing == ("ast", "hemophagocytosis_bone_marrow")
        assert result.score_range == (245, 299)
        assert result.met and result.conclusive

    def test_inconclusive_when_missing_items_could_cross_the_cut_off(self) -> None:
        """Ferritin 50 + temperature 49 = 99 known; missing items could add up to 337 - 99."""
        result = calculate_score("hscore", {"ferritin": "9000 ng/mL", "temperature": "40 Cel"})
        assert result.points == 99
        assert result.met is False
        assert result.conclusive is False
        assert result.score_range == (99, 337)

    def test_partly_missing_cytopenias(self) -> None:
        """Two low lineages known (24); the third missing could make 34."""
        result = calculate_score("hscore", {"hemoglobin": "8 g/dL", "leukocytes": "3 10*9/L"})
        cyto = next(c for c in result.criteria if c.name == "cytopenias")
        assert (cyto.points, cyto.missing, cyto.met) == (24, True, True)
