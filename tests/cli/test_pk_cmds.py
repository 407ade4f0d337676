"""``anakinra simulate``, ``models`` and ``compare-routes`` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from anakinra_iv.evidence import has_entry
from anakinra_iv.protocol.values import STATUSES

runner = CliRunner()

DATASET = (
    "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL,SS\n"
    "1,0,1,100,1,0,0,0,0\n1,0,0,0,2,0,0,0,0\n1,2,0,0,2,0,0,0,0\n"
)
PARAMS = ["--param", "CL=1.1", "--param", "V=20", "--param", "KA=1.5"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


class TestSimulate:
    def test_dataset_to_csv(self, tmp_path: Path) -> None:
        """One row per EVID 0 record, columns ID, TIME, CP (mg/L)."""
        result = runner.invoke(
            app,
            [
                "simulate",
                "--data",
                str(_write(tmp_path, DATASET)),
                "--model",
                "one-compartment-absorption",
                *PARAMS,
                "--format",
                "csv",
            ],
        )
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [list(r) for r in rows[:1]] == [["ID", "TIME", "CP"]]
        assert [r["TIME"] for r in rows] == ["0", "2"]
        assert float(rows[1]["CP"]) == pytest.approx(4.3912478, rel=1e-6)

    def test_dataset_to_json_file(self, tmp_path: Path) -> None:
        """--output FILE --format json writes a list of {ID, TIME, CP}."""
        out = tmp_path / "out.json"
        result = runner.invoke(
            app,
            [
                "simulate",
                "--data",
                str(_write(tmp_path, DATASET)),
                "--model",
                "one-compartment-absorption",
                *PARAMS,
                "--output",
                str(out),
                "--format",
                "json",
            ],
        )
        assert result.exit_code == 0, result.output
        rows = json.loads(out.read_text())
        assert (
            rows[1]["ID"] == "1" and rows[1]["TIME"] == 2.0 and set(rows[1]) == {"ID", "TIME", "CP"}
        )

    def test_regimen(self) -> None:
        """--regimen with weight and CrCl: one row per step from 0 to --hours."""
        result = runner.invoke(
            app,
            [
                "simulate",
                "--regimen",
                "100 mg iv bolus; 100 mg/h civ for 72 h",
                "--model",
                "anakinra-adult",
                "--weight",
                "70 kg",
                "--crcl",
                "90",
                "--hours",
                "96",
                "--step",
                "0.25",
                "--format",
                "csv",
            ],
        )
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert len(rows) == 385 and rows[-1]["TIME"] == "96"
        assert float(rows[0]["CP"]) == pytest.approx(20.0)

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            ("ID,TIME,EVID,AMT,FOO\n1,0,1,100,3\n", "column FOO"),
            ("ID,TIME,EVID,AMT\n1,-2,1,100\n", "row 1, column TIME"),
            ("ID,TIME,EVID,AMT,RATE\n1,0,1,0,0\n", "row 1, column AMT"),
            ("ID,TIME,EVID,AMT\n1,5,1,100\n1,1,0,0\n", "row 2, column TIME"),
        ],
    )
    def test_malformed_dataset_exits_2_and_writes_nothing(
        self, tmp_path: Path, text: str, where: str
    ) -> None:
        """Exit status 2, the row and column named on stderr, no output file."""
        out = tmp_path / "out.csv"
        result = runner.invoke(
            app,
            [
                "simulate",
                "--data",
                str(_write(tmp_path, text)),
                "--model",
                "one-compartment",
                "--param",
                "CL=1",
                "--param",
                "V=10",
                "--output",
                str(out),
                "--format",
                "csv",
            ],
        )
        assert result.exit_code == 2
        assert where in result.stderr
        assert not out.exists()

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--model", "nope"], "unknown model"),
            (
                [
                    "--model",
                    "one-compartment",
                    "--param",
                    "CL=1",
                    "--param",
                    "V=2",
                    "--param",
                    "ZZ=1",
                ],
                "no parameter 'ZZ'",
            ),
        ],
    )
    def test_unknown_model_or_parameter(
        self, tmp_path: Path, args: list[str], message: str
    ) -> None:
        """Unknown model or parameter: exit 2, no output file."""
        out = tmp_path / "out.csv"
        result = runner.invoke(
            app, ["simulate", "--data", str(_write(tmp_path, DATASET)), *args, "--output", str(out)]
        )
        assert result.exit_code == 2 and message in result.stderr and not out.exists()

    def test_regimen_not_understood(self) -> None:
        """The token where reading stopped is named."""
        result = runner.invoke(
            app,
            ["simulate", "--regimen", "100 mg sc daily-ish", "--weight", "70 kg", "--crcl", "90"],
        )
        assert result.exit_code == 2 and "stopped at 'daily'" in result.stderr

    def test_urien_refuses_iv(self) -> None:
        """anakinra-urien-2013 explains why it cannot simulate IV doses."""
        result = runner.invoke(
            app,
            [
                "simulate",
                "--regimen",
                "100 mg iv bolus",
                "--model",
                "anakinra-urien-2013",
                "--weight",
                "20 kg",
            ],
        )
        assert result.exit_code == 2 and "SC-only" in result.stderr and "flip-flop" in result.stderr


class TestModels:
    def test_lists_statuses_sources_and_notes(self) -> None:
        """Every anakinra value is shown with [status] and its evidence key, its note below."""
        result = runner.invoke(app, ["models"])
        assert result.exit_code == 0
        lines = [line.split() for line in result.stdout.splitlines()]
        cl = next(w for w in lines if w[:3] == ["CL", "8.2", "L/h"])
        assert cl[-2:] == ["[published]", "yang-2003"]
        assert "[derived] pk-calibration" in result.stdout
        assert "[site-decision] site" in result.stdout and "(weight exponent)" in result.stdout
        assert "Calibrated (about the plasma volume)" in result.stdout
        assert "[confirmed]" not in result.stdout and "[inferred]" not in result.stdout

    def test_shows_renal_numbers_with_provenance(self) -> None:
        """The adult model shows the renal numbers; the 15 mL/min ESRD bound is a site decision."""
        result = runner.invoke(app, ["models", "anakinra-adult"])
        assert result.exit_code == 0
        lines = [line.split() for line in result.stdout.splitlines()]
        assert ["group_ratios.mild", "0.84", "[published]", "yang-2003"] in lines
        assert ["group_bounds.esrd_below", "15", "mL/min", "[site-decision]", "site"] in lines

    def test_json(self) -> None:
        """JSON lists each value with value, unit, status, source key and note."""
        result = runner.invoke(app, ["models", "anakinra-urien-2013", "--format", "json"])
        (model,) = json.loads(result.stdout)
        assert model["routes"] == ["sc"] and model["iv_refusal"] and model["renal"] is None
        cl = {p["name"]: p for p in model["parameters"]}["CL"]
        assert (cl["value"], cl["unit"], cl["status"], cl["source"]) == (
            6.24,
            "L/h",
            "published",
            "urien-2013",
        )
        assert cl["note"] and cl["weight_exponent"]["value"] == 0.47
        assert model["variability"]["variances"][0]["name"] == "CL"
        assert model["residual"]["additive"]["value"] == 0.072
        assert model["covariates"]["WT"]["reference"]["source"] == "urien-2013"

    def test_json_statuses_and_sources_resolve(self) -> None:
        """Every status shown is one of the five; every source key is in the evidence registry."""
        result = runner.invoke(app, ["models", "--format", "json"])
        assert result.exit_code == 0

        def values(node: object) -> list[dict[str, object]]:
            if isinstance(node, dict):
                own = [node] if "status" in node else []
                return own + [v for child in node.values() for v in values(child)]
            if isinstance(node, list):
                return [v for child in node for v in values(child)]
            return []

        shown = values(json.loads(result.stdout))
        assert len(shown) > 50
        for value in shown:
            assert value["status"] in STATUSES and has_entry(str(value["source"])), value

    def test_unknown_model_exits_2(self) -> None:
        """An unknown name: exit 2, the known names on stderr, nothing on stdout."""
        result = runner.invoke(app, ["models", "anakinra-child"])
        assert result.exit_code == 2 and "unknown model" in result.stderr and not result.stdout


def test_compare_routes_writes_png_and_svg(tmp_path: Path) -> None:
    """The figure in both formats and the metrics table on stdout."""
    out = tmp_path / "routes.png"
    result = runner.invoke(
        app,
        [
            "compare-routes",
            "--daily-dose",
            "1200 mg",
            "--weight",
            "70 kg",
            "--crcl",
            "90",
            "--out",
            str(out),
            "--days",
            "2",
            "--interruption-rate",
            "100 mg/h",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert out.with_suffix(".svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "routes-interruptions.png").is_file()
    assert (
        "Continuous IV" in result.stdout
        and "SC q24h" in result.stdout
        and "Missed bag" in result.stdout
    )
