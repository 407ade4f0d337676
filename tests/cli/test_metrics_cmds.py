"""`anakinra metrics`: time to drug from a database, as CSV and JSON, for an allowed user."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from tests.cli.test_workflow_cmds import db_env
from tests.workflow_support.fixtures import (
    FakeClock,
    compound_and_check,
    prescribe_step,
    staff_ward,
    verify,
)
from typer.testing import CliRunner

from anakinra_iv.cli.main import app

__all__ = ["db_env"]

runner = CliRunner()
RANGE = ["--from", "2026-01-05", "--to", "2026-01-05"]


def _ward_with_a_verified_order(db_env: Path) -> None:
    """Signed 08:00, verified 08:25 (fake clock), the bag prepared and checked at 09:00."""
    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.config import get_settings

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    clock = FakeClock()
    services = create_services(get_settings(), clock=clock)
    ward = staff_ward(services, clock)
    order_id = prescribe_step(ward)
    clock.advance(minutes=25)
    verify(ward, order_id)
    clock.advance(minutes=35)
    compound_and_check(ward, order_id)
    services.engine.dispose()


def test_csv_and_json_give_the_same_figures(db_env: Path) -> None:
    """Verify took 25 min (hand: 08:00 -> 08:25) and prepare 35 min in both formats; the
    order is still open (not started), so no finished total."""
    _ward_with_a_verified_order(db_env)
    as_csv = runner.invoke(app, ["metrics", *RANGE, "--format", "csv", "--user", "ph_ada"])
    assert as_csv.exit_code == 0, as_csv.stderr
    rows = {r["interval"]: r for r in csv.DictReader(io.StringIO(as_csv.stdout))}
    assert rows["verify"]["median_minutes"] == "25.0" and rows["prepare"]["worst_minutes"] == "35.0"
    assert (rows["total"]["count"], rows["total"]["open"]) == ("0", "1")
    assert rows["verify"]["open_orders"] == "1"
    as_json = runner.invoke(app, ["metrics", *RANGE, "--format", "json", "--user", "admin"])
    assert as_json.exit_code == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    (order,) = body["orders"]
    assert order["outcome"] == "open" and order["open_step"] == "start"
    assert order["steps"]["verify"]["minutes"] == 25
    assert body["summaries"][0]["intervals"]["verify"]["median_minutes"] == 25


def test_the_command_as_documented_runs_as_the_operator(db_env: Path) -> None:
    """`anakinra metrics --from DATE --to DATE --format json` with no --user (the operator at
    the server's command line) gives the same figures as an allowed user: verify 25 min."""
    _ward_with_a_verified_order(db_env)
    operator = runner.invoke(app, ["metrics", *RANGE, "--format", "json"])
    assert operator.exit_code == 0, operator.stderr
    admin = runner.invoke(app, ["metrics", *RANGE, "--format", "json", "--user", "admin"])
    body, expected = json.loads(operator.stdout), json.loads(admin.stdout)
    verify = body["summaries"][0]["intervals"]["verify"]
    assert verify == expected["summaries"][0]["intervals"]["verify"]
    assert verify["median_minutes"] == 25
    assert body["orders"][0]["steps"]["verify"] == expected["orders"][0]["steps"]["verify"]


def test_out_file_nurse_and_bad_date(db_env: Path) -> None:
    """--out writes the file; a nurse is refused; a date typed 05/01/2026 is refused naming
    'from'; each refusal exits 2 with nothing on standard output."""
    _ward_with_a_verified_order(db_env)
    out = db_env / "ttd.json"
    wrote = runner.invoke(
        app, ["metrics", *RANGE, "--format", "json", "--user", "ph_ada", "--out", str(out)]
    )
    assert wrote.exit_code == 0 and json.loads(out.read_text())["orders"]
    nurse = runner.invoke(app, ["metrics", *RANGE, "--user", "rn_cy"])
    assert nurse.exit_code == 2 and nurse.stdout == "" and "may not" in nurse.stderr
    bad = runner.invoke(
        app, ["metrics", "--from", "05/01/2026", "--to", "2026-01-05", "--user", "admin"]
    )
    assert bad.exit_code == 2 and "'from'" in bad.stderr
    wrong = runner.invoke(
        app,
        ["metrics", *RANGE, "--format", "csv", "--user", "admin", "--out", str(db_env / "x.json")],
    )
    assert wrong.exit_code == 2 and ".csv" in wrong.stderr


def test_metrics_module_imports_no_heavy_library() -> None:
    """The command's module loads without sqlalchemy, fastapi or matplotlib (imported lazily)."""
    import subprocess

    code = (
        "import sys, anakinra_iv.cli.metrics_cmds; "
        "print(sorted(m for m in ('sqlalchemy', 'fastapi', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
