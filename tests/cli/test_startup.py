"""The command line imports what a command uses when the command runs.

Each check starts a new interpreter, as a user's shell does, runs the command line in it and lists
the modules it imported (``sys.modules``): help must not load the database, web, FHIR, plotting or
PDF libraries, and a dose plan must not load them either, nor scipy or polars.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY_FOR_HELP = ("matplotlib", "reportlab", "sqlalchemy", "fastapi", "fhir")
# pint imports the top of scipy itself (as the pint baseline of bench/cli_startup.py does); the
# solvers and special functions are what cost
HEAVY_FOR_PLAN = (
    *HEAVY_FOR_HELP,
    "scipy.integrate",
    "scipy.optimize",
    "scipy.special",
    "polars",
    "starlette",
    "uvicorn",
    "alembic",
    "rich",
)

_PROBE = """
import json, sys
sys.argv = ["anakinra", *json.loads(sys.argv[1])]
from anakinra_iv.cli.main import app
try:
    app()
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stdout.flush()
print("\\n@@MODULES@@" + json.dumps([code, sorted(sys.modules)]))
"""


def _heavy(modules: set[str], heavy: tuple[str, ...]) -> list[str]:
    """The heavy packages (or subpackages) among ``modules``."""
    return sorted({h for h in heavy for m in modules if m == h or m.startswith(h + ".")})


def _imported(args: list[str]) -> tuple[int, set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output, _, tail = done.stdout.rpartition("\n@@MODULES@@")
    code, modules = json.loads(tail)
    return code, set(modules), output


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["serve", "--help"]])
def test_help_does_not_import_heavy_libraries(args: list[str]) -> None:
    code, modules, output = _imported(args)
    assert code == 0
    assert "Usage:" in output
    assert _heavy(modules, HEAVY_FOR_HELP) == []
    assert "pint" not in modules  # no unit registry is built to print help


def test_plan_imports_only_what_a_plan_needs() -> None:
    code, modules, output = _imported(
        [
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
            "--step",
            "3",
            "--format",
            "json",
        ]
    )
    assert code == 0
    # 1200 mg/day at step 3 of adult-mas-civ; 1200 / 24 = 50 mg/h (hand calculation)
    assert json.loads(output)["rate_mg_per_h"] == 50.0
    assert _heavy(modules, HEAVY_FOR_PLAN) == []


def test_a_command_still_finds_its_libraries_when_it_runs() -> None:
    """The regimen simulation imports the PK engine on demand and answers."""
    code, modules, output = _imported(
        [
            "simulate",
            "--regimen",
            "100 mg iv bolus",
            "--weight",
            "70 kg",
            "--crcl",
            "90",
            "--hours",
            "1",
            "--step",
            "0.5",
            "--format",
            "csv",
        ]
    )
    assert code == 0
    assert output.splitlines()[0] == "ID,TIME,CP"
    assert "numpy" in modules
    assert _heavy(modules, HEAVY_FOR_HELP) == []
