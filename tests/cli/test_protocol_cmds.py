"""The command-line contract of ``plan``, ``protocols``, ``protocol show|validate`` and ``demo``."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anakinra_iv.cli.main import app

runner = CliRunner()

BASE = [
    "plan",
    "--protocol",
    "adult-mas-civ",
    "--weight",
    "70 kg",
    "--creatinine",
    "1.0 mg/dL",
    "--age",
    "54",
    "--sex",
    "female",
]
PLAN_KEYS = {
    "protocol_id",
    "protocol_version",
    "crcl_ml_per_min",
    "loading_dose_mg",
    "daily_dose_mg",
    "rate_mg_per_h",
    "dose_mg_per_kg_per_day",
    "limit_status",
    "bag",
    "reasons",
    "warnings",
}
BAG_KEYS = {
    "syringes",
    "drug_volume_ml",
    "final_volume_ml",
    "concentration_mg_per_ml",
    "rate_ml_per_h",
    "hang_time_h",
    "waste_mg",
    "beyond_use",
}


def _with(args: list[str], option: str, value: str | None) -> list[str]:
    out = list(args)
    i = out.index(option)
    if value is None:
        del out[i : i + 2]
    else:
        out[i + 1] = value
    return out


class TestPlanJson:
    def test_contract_keys_and_values(self) -> None:
        """Step 3: 1200 mg/day, 50 mg/h, 600 mg bag in 100 mL; kept cold until hung, BUD 24 h
        after preparation (USP 797 Category 1 refrigerated), start by BUD - 12 h hang. JSON numbers
        carry their display precision (CrCl 0.1 mL/min, mL/h three decimals)."""
        result = runner.invoke(
            app,
            [
                *BASE,
                "--step",
                "3",
                "--prepared-at",
                "2026-01-05T08:00:00+00:00",
                "--format",
                "json",
            ],
        )
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data.keys() >= PLAN_KEYS
        assert data["bag"].keys() >= BAG_KEYS
        assert data["protocol_id"] == "adult-mas-civ" and data["protocol_version"] == "1"
        assert data["crcl_ml_per_min"] == round(6020 / 72 * 0.85, 1)
        assert data["loading_dose_mg"] == 100
        assert data["daily_dose_mg"] == 1200 and data["rate_mg_per_h"] == pytest.approx(50)
        assert data["dose_mg_per_kg_per_day"] == round(1200 / 70, 3)
        assert data["limit_status"] == "within"
        bag = data["bag"]
        assert bag["syringes"] == 6 and bag["drug_volume_ml"] == 4.0
        assert bag["final_volume_ml"] == 100 and bag["concentration_mg_per_ml"] == pytest.approx(6)
        assert bag["rate_ml_per_h"] == round(100 / 12, 3) and bag["hang_time_h"] == 12
        assert bag["waste_mg"] == 0
        assert bag["beyond_use"] == "2026-01-06T08:00:00+00:00"
        assert bag["start_by"] == "2026-01-05T20:00:00+00:00"
        assert all({"text", "status", "source"} == r.keys() for r in data["reasons"])

    def test_pump_programme_and_label(self) -> None:
        """Ward programme: 6 mg/mL, 50 mg/h = 8.3 mL/h; limits 100 mg/h hard (2400 / 24)."""
        args = [*BASE, "--step", "3", "--care-area", "ward", "--mrn", "A1", "--patient-name", "X"]
        data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
        pump = data["pump"]
        assert pump["care_area"] == "ward" and pump["dosing_unit"] == "mg/h"
        assert pump["concentration_mg_per_ml"] == pytest.approx(6)
        assert pump["rate_ml_per_h_display"] == "8.3 mL/h"
        assert pump["hard_max"] == pytest.approx(100)
        assert data["label"][0] == "PATIENT: X   MRN: A1"

    def test_unknown_care_area_exits_2(self) -> None:
        """The care area must be one the protocol's pump entry names."""
        result = runner.invoke(app, [*BASE, "--care-area", "theatre", "--format", "json"])
        assert result.exit_code == 2 and "'care_area'" in result.stderr and result.stdout == ""

    def test_daily_dose_above_soft_with_reason(self) -> None:
        """--daily-dose '2000 mg' with a reason: above_soft, 83.33 mg/h."""
        args = [*BASE, "--daily-dose", "2000 mg", "--override-reason", "rising ferritin"]
        result = runner.invoke(app, [*args, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["limit_status"] == "above_soft"
        assert data["rate_mg_per_h"] == round(2000 / 24, 3)

    def test_text_output_states_the_intended_use(self) -> None:
        """The text plan carries the disclaimer and the bag recipe."""
        result = runner.invoke(app, [*BASE, "--step", "2"])
        assert result.exit_code == 0
        assert "off-label" in result.stdout and "Bag recipe" in result.stdout


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("--weight", "0 kg"), "'weight'"),
        (("--weight", "-70 kg"), "'weight'"),
        (("--weight", None), "'weight'"),
        (("--weight", "70"), "'weight'"),
        (("--creatinine", "1.0 mg/furlong"), "'creatinine'"),
        (("--protocol", "no-such"), "'protocol'"),
        (("--age", "17"), "'age'"),
    ],
)
def test_bad_input_exits_2_naming_the_field(change: tuple[str, str | None], field: str) -> None:
    """Exit 2, one line per problem naming the field, nothing on standard output."""
    result = runner.invoke(app, [*_with(BASE, *change), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["--daily-dose", "3000 mg"], "'daily_dose'"),
        (["--daily-dose", "2000 mg"], "'override_reason'"),
        (["--step", "7"], "'step'"),
        (["--step", "0"], "'step'"),
        (["--prepared-at", "yesterday"], "'prepared_at'"),
    ],
)
def test_refusals_exit_2(extra: list[str], field: str) -> None:
    """A dose above the hard maximum, a soft breach without reason, a step out of range."""
    result = runner.invoke(app, [*BASE, *extra, "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert field in result.stderr


def test_several_problems_one_line_each() -> None:
    """Weight 0 and an unknown sex: two lines, each naming its field."""
    args = _with(_with(BASE, "--weight", "0 kg"), "--sex", "unknown")
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "'weight'" in lines[0] and "'sex'" in lines[1]


class TestProtocolCommands:
    def test_protocols_lists_the_six(self) -> None:
        """JSON list with each id and its site-decision count."""
        result = runner.invoke(app, ["protocols", "--format", "json"])
        assert result.exit_code == 0
        ids = {p["id"] for p in json.loads(result.stdout)}
        assert "adult-mas-civ" in ids and "adult-cart-crs-icans" in ids and len(ids) == 6

    def test_show_gives_status_source_and_count(self) -> None:
        """Every value has status and source; the count equals the site-decision rows."""
        result = runner.invoke(app, ["protocol", "show", "adult-mas-civ", "--format", "json"])
        assert result.exit_code == 0
        data = json.loads(result.stdout)
        rows = data["values"]
        assert all(r["status"] and r["source"] for r in rows)
        count = sum(r["status"] == "site-decision" for r in rows)
        assert data["site_decision_count"] == count > 0

    def test_show_text(self) -> None:
        """The text view prints the count of values to approve."""
        result = runner.invoke(app, ["protocol", "show", "adult-mas-civ"])
        assert result.exit_code == 0 and "site-decision values need" in result.stdout

    def test_validate_accepts_a_good_file(self, tmp_path: Path) -> None:
        """A copy of the shipped file is valid."""
        source = resources.files("anakinra_iv.protocol.data").joinpath("adult-mas-civ.v1.yaml")
        path = tmp_path / "site.yaml"
        path.write_text(source.read_text("utf-8"))
        result = runner.invoke(app, ["protocol", "validate", str(path)])
        assert result.exit_code == 0 and "valid" in result.stdout

    def test_validate_reports_every_problem(self, tmp_path: Path) -> None:
        """Two numbers lacking status or source: two lines, exit 2."""
        source = resources.files("anakinra_iv.protocol.data").joinpath("adult-mas-civ.v1.yaml")
        text = (
            source.read_text("utf-8")
            .replace(
                "beyond_use: {value: 12, unit: h, status: regulatory,",
                "beyond_use: {value: 12, unit: h,",
            )
            .replace(
                "source: site, note: every 24 h during escalation}",
                "note: every 24 h during escalation}",
            )
        )
        path = tmp_path / "site.yaml"
        path.write_text(text)
        result = runner.invoke(app, ["protocol", "validate", str(path)])
        assert result.exit_code == 2 and result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 2
        assert "beyond_use.status" in result.stderr and "review_interval.source" in result.stderr


def test_demo_prints_a_plan_and_bag() -> None:
    """The demo shows the demo patient's plan, bag recipe and label."""
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0
    assert "1,200 mg/day" in result.stdout and "8.3 mL/h" in result.stdout
