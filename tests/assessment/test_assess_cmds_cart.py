"""``anakinra score ice|capd|icans-astct`` and ``anakinra assess --assessments`` (CAR-T)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from tests.assessment.test_assess_cmds import score_json, write

runner = CliRunner()
CONTRACT = {"score", "met", "criteria", "missing", "conclusive"}


class TestScoreCommands:
    def test_ice(self, tmp_path: Path) -> None:
        """ICE 3 + 3 + 1 + 1 + 0 = 8: score and points 8, met (<= 9)."""
        data = score_json(
            tmp_path,
            "ice",
            {"orientation": 3, "naming": 3, "following_commands": 1, "writing": 1, "attention": 0},
        )
        assert CONTRACT | {"points"} <= set(data)
        assert data["score"] == 8 and data["points"] == 8 and data["met"] is True
        assert data["conclusive"] is True and data["missing"] == []

    def test_capd(self, tmp_path: Path) -> None:
        """CAPD: eye contact 'never' 4 + restless 'always' 4 + inconsolable 'sometimes' 2 = 10."""
        items = {
            "eye_contact": "never",
            "purposeful_actions": "always",
            "aware_of_surroundings": "always",
            "communicates_needs": "always",
            "restless": "always",
            "inconsolable": "sometimes",
            "underactive": "never",
            "slow_to_respond": "never",
        }
        data = score_json(tmp_path, "capd", items)
        assert data["score"] == 10 and data["met"] is True

    def test_icans(self, tmp_path: Path) -> None:
        """ICE 3 (grade 2) with a rapidly resolving seizure: grade 3, score null."""
        items = {
            "age": 45,
            "ice_score": 3,
            "unable_to_perform_assessment": False,
            "consciousness": "awakens_to_voice",
            "seizure": "rapidly_resolving",
            "motor_weakness": False,
            "raised_icp": "none",
            "attributable_to_other_cause": False,
        }
        data = score_json(tmp_path, "icans-astct", items)
        assert CONTRACT | {"grade"} <= set(data)
        assert data["grade"] == 3 and data["score"] is None and data["met"] is True

    def test_bad_item_exits_2_naming_it(self, tmp_path: Path) -> None:
        """An ICE of 11 is refused with exit status 2 and the item named on stderr."""
        path = write(tmp_path, "in.json", {"age": 40, "ice_score": 11})
        result = runner.invoke(app, ["score", "icans-astct", "--input", str(path)])
        assert result.exit_code == 2 and "'ice_score'" in result.stderr and not result.stdout


def _assessment(at: str, ice: int) -> dict[str, Any]:
    return {
        "score": "icans-astct",
        "at": at,
        "items": {
            "age": 61,
            "ice_score": ice,
            "consciousness": "alert",
            "seizure": "none",
            "motor_weakness": False,
            "raised_icp": "none",
            "attributable_to_other_cause": False,
        },
    }


class TestAssessWithAssessments:
    def run(self, tmp_path: Path, assessments: Any, at: str) -> Any:
        patient = write(
            tmp_path,
            "p.json",
            {"weight": "80 kg", "age": 61, "sex": "male", "creatinine": "1 mg/dL"},
        )
        obs = write(
            tmp_path,
            "o.csv",
            "analyte,value,collected_at\ncorticosteroids_given,true,2024-03-01T00:00Z\n",
        )
        tox = write(tmp_path, "a.json", assessments)
        return runner.invoke(
            app,
            [
                "assess",
                "--protocol",
                "adult-cart-crs-icans",
                "--patient",
                str(patient),
                "--observations",
                str(obs),
                "--assessments",
                str(tox),
                "--at",
                at,
                "--format",
                "json",
            ],
        )

    def test_refractory_icans_starts_at_eight_mg_per_kg(self, tmp_path: Path) -> None:
        """ICANS 2 at 00:00 and 08:00 on steroids: start, 80 kg x 8 = 640 mg/day."""
        result = self.run(
            tmp_path,
            [_assessment("2024-03-01T00:00Z", 5), _assessment("2024-03-01T08:00Z", 6)],
            "2024-03-01T08:00Z",
        )
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["action"] == "start" and data["dose_plan"]["daily_dose_mg"] == 640
        assert [g["value"] for g in data["grades"]] == [2.0, 2.0]

    def test_inconclusive_assessment_is_flagged_and_not_used(self, tmp_path: Path) -> None:
        """The second assessment lacks the seizure item: not used, a warning says why."""
        second = _assessment("2024-03-01T08:00Z", 6)
        del second["items"]["seizure"]
        result = self.run(
            tmp_path, [_assessment("2024-03-01T00:00Z", 5), second], "2024-03-01T08:00Z"
        )
        data = json.loads(result.stdout)
        assert data["action"] == "not-indicated" and data["dose_plan"] is None
        warnings = [f for f in data["safety_flags"] if f["code"] == "inconclusive-assessment"]
        assert len(warnings) == 1 and "seizure" in warnings[0]["text"]

    @pytest.mark.parametrize("content", ["{}", '[{"score": "ice"}]', "not json"])
    def test_bad_file_exits_2(self, tmp_path: Path, content: str) -> None:
        """Not a list, a missing time, not JSON: exit 2 naming 'assessments'."""
        result = self.run(tmp_path, content, "2024-03-01T08:00Z")
        assert result.exit_code == 2 and "assessments" in result.stderr and not result.stdout
