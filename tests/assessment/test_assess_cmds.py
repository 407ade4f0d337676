"""``anakinra score`` and ``anakinra assess``: JSON contract and the exit-2 error contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from tests.assessment.test_hscore import FULL

runner = CliRunner()

HSCORE = FULL  # the HScore worked case of test_hscore.py


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def score_json(tmp_path: Path, name: str, items: dict[str, Any]) -> dict[str, Any]:
    path = write(tmp_path, "in.json", items)
    result = runner.invoke(app, ["score", name, "--input", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


class TestScore:
    def test_hscore_json_keys(self, tmp_path: Path) -> None:
        """Keys of the contract; 264 points by hand (see test_hscore)."""
        data = score_json(tmp_path, "hscore", HSCORE)
        assert {"score", "points", "met", "criteria", "missing", "conclusive"} <= set(data)
        assert data["points"] == 264 and data["met"] is True and data["missing"] == []
        assert all({"name", "value", "met", "unit", "missing"} <= set(c) for c in data["criteria"])

    def test_crs_grade_key(self, tmp_path: Path) -> None:
        """CRS reports 'grade' (one vasopressor: 3) and a null score."""
        data = score_json(
            tmp_path,
            "crs-astct",
            {
                "temperature": "39.2 Cel",
                "fever_masked_by_treatment": False,
                "vasopressors": 1,
                "vasopressin_only": False,
                "oxygen": "none",
                "oxygen_flow_l_per_min": 0,
            },
        )
        assert data["grade"] == 3 and data["score"] is None and data["met"] is True

    def test_crs_no_fever_is_grade_zero(self, tmp_path: Path) -> None:
        """No CRS: grade 0 (not null)."""
        data = score_json(
            tmp_path,
            "crs-astct",
            {
                "temperature": "37 Cel",
                "fever_masked_by_treatment": False,
                "hypotension": False,
                "vasopressors": 0,
                "vasopressin_only": False,
                "oxygen": "none",
            },
        )
        assert data["grade"] == 0 and data["conclusive"] is True

    @pytest.mark.parametrize("name", ["ms-score", "mas-2016", "hlh-2004"])
    def test_empty_input_lists_everything_missing(self, tmp_path: Path, name: str) -> None:
        """No items: nothing is scored as normal; every item is missing; not conclusive."""
        data = score_json(tmp_path, name, {})
        assert data["missing"] and data["conclusive"] is False and data["met"] is False

    def test_text_output(self, tmp_path: Path) -> None:
        """The text form shows the points, the cut-off and the source."""
        path = write(tmp_path, "in.json", HSCORE)
        result = runner.invoke(app, ["score", "hscore", "--input", str(path)])
        assert result.exit_code == 0
        assert "points: 264 (cut-off >= 169)" in result.stdout and "fardet-2014" in result.stdout

    @pytest.mark.parametrize(
        ("args", "content", "expected"),
        [
            (["hscore"], {"ferritin": "2400"}, "'ferritin' needs a unit"),
            (["hscore"], {"ferritin": "-1 ng/mL", "fever": True}, "'fever' is not an item"),
            (["hlh-2004"], {"soluble_cd25": "3 kg"}, "'soluble_cd25'"),
            (["sofa"], {}, "unknown score 'sofa'"),
            (["hscore"], "[1, 2]", "must hold a JSON object"),
            (["hscore"], "{oops", "is not valid JSON"),
        ],
    )
    def test_bad_input_exits_2_with_nothing_on_stdout(
        self, tmp_path: Path, args: list[str], content: Any, expected: str
    ) -> None:
        """Exit 2, one line per problem naming the item, empty standard output."""
        path = write(tmp_path, "in.json", content)
        result = runner.invoke(app, ["score", *args, "--input", str(path), "--format", "json"])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert expected in result.stderr


CSV = """analyte,value,collected_at,source
ferritin,10000 ng/mL,2024-03-01T06:00Z,lab
crp,200 mg/L,2024-03-01T06:00Z,lab
anc,4 10*9/L,2024-03-01T06:00Z,lab
creatinine,0.9 mg/dL,2024-03-01T06:00Z,lab
ferritin,12000 ng/mL,2024-03-02T06:00Z,lab
crp,220 mg/L,2024-03-02T06:00Z,lab
anc,3.5 10*9/L,2024-03-02T06:00Z,lab
creatinine,{creatinine},2024-03-02T06:00Z,lab
"""
PATIENT = {
    "weight": "70 kg",
    "age": 60,
    "sex": "male",
    "infusion_history": [{"step": 1, "started_at": "2024-03-01T08:00Z"}],
}


def assess(
    tmp_path: Path,
    *extra: str,
    creatinine: str = "1.0 mg/dL",
    patient: dict[str, Any] | None = None,
) -> Any:
    obs = write(tmp_path, "obs.csv", CSV.format(creatinine=creatinine))
    pat = write(tmp_path, "patient.json", patient or PATIENT)
    return runner.invoke(
        app,
        [
            "assess",
            "--protocol",
            "adult-mas-civ",
            "--patient",
            str(pat),
            "--observations",
            str(obs),
            "--step",
            "1",
            "--at",
            "2024-03-02T08:00Z",
            *extra,
        ],
    )


class TestAssess:
    def test_json_contract(self, tmp_path: Path) -> None:
        """Ferritin and CRP rising after 24 h at step 1: escalate to 800 mg/day (33.3 mg/h)."""
        result = assess(tmp_path, "--format", "json")
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert {"action", "dose_plan", "reasons", "safety_flags", "next_review_at"} <= set(data)
        assert data["action"] == "escalate" and data["target_step"] == 2
        assert data["dose_plan"]["daily_dose_mg"] == 800
        assert data["dose_plan"]["rate_mg_per_h"] == round(800 / 24, 3)  # JSON shows 3 decimals
        assert data["next_review_at"] == "2024-03-03T08:00:00+00:00"
        assert data["reasons"][0]["rule"] == "escalate-no-response"

    def test_renal_decline_suggests_the_clearance_scaled_rate(self, tmp_path: Path) -> None:
        """Creatinine 3.0 mg/dL: CrCl (140-60) x 70 / (72 x 3.0) = 25.9 mL/min < 30: the
        protocol's renal rule suggests a scaled rate, shown as a flag (not applied)."""
        result = assess(tmp_path, "--format", "json", creatinine="3.0 mg/dL")
        data = json.loads(result.stdout)
        assert data["dose_plan"]["crcl_ml_per_min"] == round(5600 / 216, 1)  # shown to 0.1
        codes = [f["code"] for f in data["safety_flags"]]
        assert "creatinine-rising" in codes
        assert any(c.startswith("renal-") for c in codes)
        assert data["dose_plan"]["renal_adjustment"]["applied"] is False

    def test_text_output(self, tmp_path: Path) -> None:
        """The text form names the action, the dose and the prescriber's decision."""
        result = assess(tmp_path)
        assert result.exit_code == 0, result.stderr
        assert "action: ESCALATE -> step 2 of 6" in result.stdout
        assert "prescriber" in result.stdout

    def test_bad_inputs_exit_2(self, tmp_path: Path) -> None:
        """Unknown patient key and a naive review time: exit 2, named, nothing on stdout."""
        result = assess(tmp_path, patient={**PATIENT, "wieght": "70 kg"})
        assert result.exit_code == 2 and result.stdout == ""
        assert "'patient.wieght'" in result.stderr
        obs = write(tmp_path, "obs.csv", CSV.format(creatinine="1 mg/dL"))
        pat = write(tmp_path, "patient.json", PATIENT)
        result = runner.invoke(
            app,
            [
                "assess",
                "--protocol",
                "adult-mas-civ",
                "--patient",
                str(pat),
                "--observations",
                str(obs),
                "--step",
                "9",
                "--at",
                "2024-03-02T08:00",
            ],
        )
        assert result.exit_code == 2 and result.stdout == ""
        assert "'at' must carry a timezone" in result.stderr
