"""Grades over time from bedside assessments, the observations they become, and the rise flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anakinra_iv.assessment.catalogue import get_analyte, get_catalogue
from anakinra_iv.assessment.observations import create_observation
from anakinra_iv.assessment.response import evaluate_condition
from anakinra_iv.assessment.toxicity import (
    ToxicityAssessment,
    calculate_grades_over_time,
    create_grade_observations,
    get_grade_status,
    read_assessments,
)
from anakinra_iv.errors import InvalidInput, ProblemList
from anakinra_iv.protocol.schema import Condition

T0 = datetime(2024, 3, 1, tzinfo=UTC)
ICANS: dict[str, Any] = {
    "age": 40,
    "ice_score": 7,
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": False,
    "raised_icp": "none",
    "attributable_to_other_cause": False,
}


class TestGradesOverTime:
    def test_sorted_and_graded(self) -> None:
        """Assessments given out of order come back oldest first: ICE 7 -> 1, ICE 2 -> 3."""
        later = ToxicityAssessment(
            "icans-astct", T0 + timedelta(hours=8), {**ICANS, "ice_score": 2}
        )
        first = ToxicityAssessment("icans-astct", T0, ICANS)
        grades = calculate_grades_over_time([later, first])
        assert [g.value for g in grades] == [1.0, 3.0]

    def test_inconclusive_assessment_is_skipped_not_stored(self) -> None:
        """Seizure not recorded: the grade could be 1-4, so no observation is made of it."""
        items = {k: v for k, v in ICANS.items() if k != "seizure"}
        grades = calculate_grades_over_time([ToxicityAssessment("icans-astct", T0, items)])
        observations, skipped = create_grade_observations(grades)
        assert [o.analyte for o in observations] == [] and len(skipped) == 1
        assert "seizure" in skipped[0].describe_skip()

    def test_ice_and_capd_become_their_own_observations(self) -> None:
        """A stand-alone ICE (total 10) is stored as ice_score 10."""
        ice = {"orientation": 4, "naming": 3, "following_commands": 1, "writing": 1, "attention": 1}
        grades = calculate_grades_over_time([ToxicityAssessment("ice", T0, ice)])
        observations, _ = create_grade_observations(grades)
        assert [(o.analyte, o.magnitude) for o in observations] == [("ice_score", 10.0)]

    def test_bad_items_name_the_assessment(self) -> None:
        """An item out of range is reported with the assessment's score and time."""
        bad = ToxicityAssessment("icans-astct", T0, {**ICANS, "ice_score": 11})
        with pytest.raises(InvalidInput, match="icans-astct at 2024-03-01T00:00:00"):
            calculate_grades_over_time([bad])


class TestReadAssessments:
    def test_reads_a_list(self) -> None:
        """Score, time with timezone and items."""
        read = read_assessments([{"score": "ice", "at": "2024-03-01T08:00Z", "items": {}}])
        assert read[0].score == "ice" and read[0].at.tzinfo is not None

    def test_every_problem_names_its_entry(self) -> None:
        """An unknown score and a time without a timezone, each with its index."""
        with pytest.raises(ProblemList) as caught:
            read_assessments(
                [
                    {"score": "gcs", "at": "2024-03-01T08:00Z"},
                    {"score": "ice", "at": "2024-03-01T08:00", "items": {}},
                ]
            )
        fields = [p.field for p in caught.value.problems]
        assert fields == ["assessments[0].score", "assessments[1].at"]

    def test_not_a_list(self) -> None:
        """A JSON object is not a list of assessments."""
        with pytest.raises(InvalidInput, match="'assessments' must be a JSON list"):
            read_assessments({"score": "ice"})


class TestGradeStatus:
    def test_rise_is_flagged(self) -> None:
        """ICANS 1 then 3: current 3, previous 1, rose."""
        obs = [
            create_observation("icans_grade", "1", collected_at=T0),
            create_observation("icans_grade", "3", collected_at=T0 + timedelta(hours=4)),
        ]
        status = get_grade_status(obs, "icans_grade", now=T0 + timedelta(hours=5))
        assert (status.value, status.previous, status.rose) == (3.0, 1.0, True)

    def test_fall_and_no_data(self) -> None:
        """A fall is not a rise; no assessment gives no value."""
        obs = [
            create_observation("crs_grade", "3", collected_at=T0),
            create_observation("crs_grade", "2", collected_at=T0 + timedelta(hours=4)),
        ]
        assert get_grade_status(obs, "crs_grade", now=T0 + timedelta(hours=4)).rose is False
        assert get_grade_status(obs, "icans_grade", now=T0).value is None


class TestGradeObservations:
    @pytest.mark.parametrize("text", ["5", "-1", "2.5", "2 mg"])
    def test_implausible_grade_is_refused(self, text: str) -> None:
        """A grade is a whole number from 0 to 4, without a unit of measure."""
        with pytest.raises(InvalidInput, match="'icans_grade'"):
            create_observation("icans_grade", text, collected_at=T0)

    def test_no_loinc_is_invented(self) -> None:
        """Scores and grades carry a local code of a named local code system, no LOINC code."""
        for name in ("ice_score", "capd_score", "crs_grade", "icans_grade"):
            analyte = get_analyte(name)
            assert analyte.loinc is None and analyte.local_code
        assert get_catalogue().local_code_system == "urn:anakinra-iv:observation"


class TestChangeOverWindow:
    def condition(self) -> Condition:
        return Condition.model_validate(
            {
                "analyte": "icans_grade",
                "measure": "change_over_window",
                "op": ">=",
                "threshold": {"value": 0, "unit": "1", "status": "site-decision", "source": "site"},
                "window": {"value": 24, "unit": "h", "status": "site-decision", "source": "site"},
            }
        )

    @pytest.mark.parametrize(
        ("grades", "expected"),
        [(("3", "3", "3"), 0.0), (("3", "2", "2"), -1.0), (("2", "2", "3"), 1.0)],
    )
    def test_latest_minus_the_value_at_the_window_start(
        self, grades: tuple[str, ...], expected: float
    ) -> None:
        """Values at 0, 12 and 24 h; window 24 h at 24 h: latest - the value at 0 h."""
        obs = [
            create_observation("icans_grade", g, collected_at=T0 + timedelta(hours=12 * i))
            for i, g in enumerate(grades)
        ]
        result = evaluate_condition(self.condition(), obs, (), at=T0 + timedelta(hours=24))
        assert result.value == expected and result.met is (expected >= 0)

    def test_one_value_is_undecided(self) -> None:
        """A single grade cannot show a change: undecided, not 'not improving'."""
        obs = [create_observation("icans_grade", "3", collected_at=T0)]
        assert evaluate_condition(self.condition(), obs, (), at=T0).met is None
