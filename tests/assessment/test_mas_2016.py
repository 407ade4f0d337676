"""2016 MAS classification criteria (Ravelli 2016): boundaries, entry gates, missing items."""

from __future__ import annotations

from typing import Any

import pytest

from anakinra_iv.assessment.criteria import ScoreResult
from anakinra_iv.assessment.scores import calculate_score

# Febrile sJIA, ferritin above 684 and none of the four laboratory criteria met.
NONE_MET: dict[str, Any] = {
    "febrile": True,
    "sjia_known_or_suspected": True,
    "ferritin": "2000 ng/mL",
    "platelets": "300 10*9/L",
    "ast": "20 U/L",
    "triglycerides": "100 mg/dL",
    "fibrinogen": "450 mg/dL",
}


def met_of(result: ScoreResult, name: str) -> bool | None:
    return next(c.met for c in result.criteria if c.name == name)


class TestBoundaries:
    @pytest.mark.parametrize(
        ("item", "text", "met"),
        [
            ("ferritin", "683.99 ng/mL", False),
            ("ferritin", "684 ng/mL", False),
            ("ferritin", "684.01 ng/mL", True),
            ("platelets", "180.99 10*9/L", True),
            ("platelets", "181 10*9/L", True),
            ("platelets", "181.01 10*9/L", False),
            ("ast", "47.99 U/L", False),
            ("ast", "48 U/L", False),
            ("ast", "48.01 U/L", True),
            ("triglycerides", "155.99 mg/dL", False),
            ("triglycerides", "156 mg/dL", False),
            ("triglycerides", "156.01 mg/dL", True),
            ("fibrinogen", "359.99 mg/dL", True),
            ("fibrinogen", "360 mg/dL", True),
            ("fibrinogen", "360.01 mg/dL", False),
            ("fibrinogen", "3.6 g/L", True),
        ],
    )
    def test_each_cut_off(self, item: str, text: str, met: bool) -> None:
        """Ferritin > 684; platelets <= 181; AST > 48; TG > 156; fibrinogen <= 360 (scores.md)."""
        result = calculate_score("mas-2016", {**NONE_MET, item: text})
        assert met_of(result, item) is met

    @pytest.mark.parametrize(("count", "met"), [(1, False), (2, True), (3, True)])
    def test_two_of_four_needed(self, count: int, met: bool) -> None:
        """Classified with ferritin > 684 and any two of the four criteria."""
        abnormal = {"platelets": "100 10*9/L", "ast": "90 U/L", "triglycerides": "200 mg/dL"}
        items = {**NONE_MET, **dict(list(abnormal.items())[:count])}
        result = calculate_score("mas-2016", items)
        assert result.met is met and result.conclusive


class TestGates:
    def test_ferritin_is_required(self) -> None:
        """Four criteria met but ferritin 684 (not > 684): not classified."""
        items = {
            **NONE_MET,
            "ferritin": "684 ng/mL",
            "platelets": "100 10*9/L",
            "ast": "90 U/L",
            "triglycerides": "200 mg/dL",
            "fibrinogen": "150 mg/dL",
        }
        result = calculate_score("mas-2016", items)
        assert result.met is False and result.conclusive

    def test_afebrile_patient_is_not_classified(self) -> None:
        """The criteria apply to a febrile patient only."""
        items = {**NONE_MET, "febrile": False, "platelets": "100 10*9/L", "ast": "90 U/L"}
        assert calculate_score("mas-2016", items).met is False

    def test_reminder_and_classification_note(self) -> None:
        """The result reminds that other explanations must be excluded; research criteria."""
        notes = " ".join(calculate_score("mas-2016", NONE_MET).notes)
        assert "leishmaniasis" in notes and "not a diagnosis" in notes


class TestMissing:
    def test_missing_lab_that_could_complete_two_of_four(self) -> None:
        """One criterion met, AST missing: could reach two, so not conclusive."""
        items = {k: v for k, v in NONE_MET.items() if k != "ast"} | {"platelets": "100 10*9/L"}
        result = calculate_score("mas-2016", items)
        assert result.missing == ("ast",)
        assert result.met is False and result.conclusive is False

    def test_missing_lab_that_cannot_change_it(self) -> None:
        """Two criteria met already: a missing third changes nothing."""
        items = {k: v for k, v in NONE_MET.items() if k != "ast"} | {
            "platelets": "100 10*9/L",
            "fibrinogen": "200 mg/dL",
        }
        result = calculate_score("mas-2016", items)
        assert result.met is True and result.conclusive is True
