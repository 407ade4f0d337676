"""The command line as a new user meets it (issue 10 sections 3 and 4): no tracebacks, no empty
database files left behind, no "serving on" before a failure, every option of ``plan``
documented and the required ones marked, one dose grammar for ``plan`` and ``compare-routes``,
the help's own example working, output files whose extension matches the format, and exports
and reports recorded in the audit trail; importing one FHIR file twice adds nothing."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from tests.cli.test_workflow_cmds import db_env
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from anakinra_iv.cli.pk_cmds import SIMULATE_EXAMPLE

__all__ = ["db_env"]

runner = CliRunner()


def test_audit_verify_in_an_empty_folder_creates_no_database(db_env: Path) -> None:
    """Exit 2 naming the setting and the missing file; no file appears."""
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 2 and "there is no database at" in result.stderr
    assert not (db_env / "ward.sqlite3").exists()


def test_backup_to_a_missing_folder_is_one_clear_line(db_env: Path) -> None:
    """No traceback: exit 2 and the folder named."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["backup", str(db_env / "nowhere" / "b.json")])
    assert result.exit_code == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_serve_on_a_busy_port_fails_before_saying_it_serves(
    db_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the port taken, exit 2 naming '--port'; 'serving on' is never printed."""
    monkeypatch.setenv("ANAKINRA_SECRET_KEY", "a-test-secret-that-is-long-enough")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--demo", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 2 and "'--port'" in result.stderr
    assert "serving on" not in result.output


def test_plan_help_documents_every_option_and_marks_the_required() -> None:
    """Every option of `plan` has a help text; protocol, weight, age and sex say [required]."""
    import typer.main

    from anakinra_iv.cli.protocol_cmds import plan_command

    command = typer.main.get_command_from_info(
        typer.models.CommandInfo(callback=plan_command),
        pretty_exceptions_short=True,
        rich_markup_mode=None,
    )
    undocumented = [p.name for p in command.params if not getattr(p, "help", None)]
    assert undocumented == []
    required = {p.name for p in command.params if "[required]" in (getattr(p, "help", "") or "")}
    assert required == {"protocol", "weight", "age", "sex"}


@pytest.mark.parametrize("dose", ["1200 mg/day", "1200 mg", "17.142857 mg/kg/day"])
def test_compare_routes_reads_the_dose_like_plan(tmp_path: Path, dose: str) -> None:
    """'1200 mg/day' (what plan is given), plain '1200 mg' and 17.142857 mg/kg/day for 70 kg
    (1,200 mg/day) all give the same continuous IV table row."""
    result = runner.invoke(
        app,
        [
            "compare-routes",
            "--daily-dose",
            dose,
            "--weight",
            "70 kg",
            "--crcl",
            "90",
            "--days",
            "2",
            "--out",
            str(tmp_path / "r.png"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list | dict)
    plan = runner.invoke(
        app,
        [
            "plan",
            "--protocol",
            "adult-mas-civ",
            "--weight",
            "70 kg",
            "--age",
            "54",
            "--sex",
            "female",
            "--creatinine",
            "1 mg/dL",
            "--daily-dose",
            "1200 mg/day",
            "--format",
            "json",
        ],
    )
    assert plan.exit_code == 0 and json.loads(plan.stdout)["daily_dose_mg"] == 1200


def test_the_example_in_simulate_help_runs() -> None:
    """The example printed by `simulate --help` is the one this test runs, and it succeeds:
    a CSV with ID, TIME, CP over 96 h at 0.25 h steps (385 rows)."""
    shown = " ".join(runner.invoke(app, ["simulate", "--help"]).stdout.split())
    assert '--regimen "100 mg iv bolus; 100 mg/h civ for 72 h" --weight "70 kg" --crcl 90' in shown
    result = runner.invoke(app, SIMULATE_EXAMPLE)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "ID,TIME,CP" and len(lines) == 1 + 96 * 4 + 1


@pytest.mark.parametrize(
    ("args", "suffix"),
    [
        (["simulate", *SIMULATE_EXAMPLE[1:], "--output"], "out.json"),
        (["compare-routes", "--daily-dose", "1200 mg", "--weight", "70 kg", "--out"], "f.pdf"),
    ],
)
def test_an_output_file_must_end_in_its_format(
    tmp_path: Path, args: list[str], suffix: str
) -> None:
    """CSV asked into .json, a figure into .pdf: refused with exit 2, nothing written."""
    target = tmp_path / suffix
    result = runner.invoke(app, [*args, str(target)])
    assert result.exit_code == 2 and not target.exists()


def _ward(db_env: Path) -> None:
    """A migrated database with a nurse and a patient (through the services)."""
    from tests.workflow_support.fixtures import FakeClock, staff_ward

    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.config import get_settings

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    services = create_services(get_settings())
    staff_ward(services, FakeClock())
    services.engine.dispose()


def _audit_actions(db_env: Path) -> list[str]:
    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.config import get_settings

    services = create_services(get_settings())
    with services.new_uow() as uow:
        actions = [e.action for e in uow.audit.list_events(limit=5)]
    services.engine.dispose()
    return actions


def test_report_and_fhir_export_are_audited_and_checked_for_extension(db_env: Path) -> None:
    """`report --out x.txt` and `fhir export --out x.xml` are refused; a PDF report and a JSON
    export each add one audit event naming the user and patient."""
    _ward(db_env)
    refused = runner.invoke(
        app, ["report", "--patient", "1", "--user", "rn_cy", "--out", str(db_env / "x.txt")]
    )
    assert refused.exit_code == 2 and ".pdf or .html" in refused.stderr
    assert not (db_env / "x.txt").exists()
    refused = runner.invoke(
        app, ["fhir", "export", "--patient", "1", "--user", "rn_cy", "--out", str(db_env / "x.xml")]
    )
    assert refused.exit_code == 2
    report = runner.invoke(
        app, ["report", "--patient", "1", "--user", "rn_cy", "--out", str(db_env / "r.pdf")]
    )
    assert report.exit_code == 0, report.stderr
    assert _audit_actions(db_env)[0] == "report.export"
    export = runner.invoke(
        app,
        ["fhir", "export", "--patient", "1", "--user", "viewer", "--out", str(db_env / "b.json")],
    )
    assert export.exit_code == 0, export.stderr
    assert _audit_actions(db_env)[0] == "fhir.export"


def test_importing_one_fhir_file_twice_adds_nothing_the_second_time(db_env: Path) -> None:
    """The exported bundle imported back (its patient matched by MRN) twice: nothing is stored
    again, and the duplicates are counted."""
    _ward(db_env)
    from tests.workflow_support.fixtures import START

    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.config import get_settings
    from anakinra_iv.workflow.commands import RecordObservation
    from anakinra_iv.workflow.services import record_observation

    services = create_services(get_settings())
    record_observation(
        RecordObservation(4, 1, "2400 ng/mL", START, name="ferritin"),
        services.new_uow(),
        START,
    )
    services.engine.dispose()
    bundle = db_env / "b.json"
    assert (
        runner.invoke(
            app, ["fhir", "export", "--patient", "1", "--user", "rn_cy", "--out", str(bundle)]
        ).exit_code
        == 0
    )
    first = runner.invoke(app, ["fhir", "import", str(bundle), "--user", "rn_cy"])
    second = runner.invoke(app, ["fhir", "import", str(bundle), "--user", "rn_cy"])
    assert first.exit_code == 0 and second.exit_code == 0, (first.stderr, second.stderr)
    again = json.loads(second.stdout)
    assert again["observations"] == 0 and again["duplicates"] >= 1
    assert re.search(r'"duplicates": \d+', second.stdout)
