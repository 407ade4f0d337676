"""Start-up of the ``anakinra`` command line, as ratios against bare Python baselines.

Each command runs as a new process, the way a pharmacist or a script runs it, and is timed in CPU
seconds (user + system of the child, from ``wait4``: the 2 cores of the development machine are
shared, so wall time is reported but not judged). The commands and their baselines run
interleaved, round after round, so that a change of machine load touches all of them alike; the
figure of each is the median of its rounds (5 unless ``--repeat``). One unmeasured round first
compiles the bytecode and fills pint's cache of its parsed definitions, as the first run on a
machine does once.

Targets (exit status 1 when one is missed; ``--smoke`` runs one round and checks none):

* ``anakinra --help`` <= 3x ``python -c "import typer"``;
* ``anakinra plan ...`` (the README example) <= 2x ``python -c "import pint; pint.UnitRegistry()"``;
* ``anakinra simulate --regimen "100 mg sc" ...`` <= 2.5x the same pint baseline.

Where the time went before (``python -X importtime``, cProfile of ``plan``): the command modules
imported the whole package at start (SQLAlchemy, FastAPI, FHIR models, matplotlib, reportlab,
scipy, polars: ~2.1 s CPU for ``--help``); typer's rich help formatter (~0.06 s); pint's parsing of
its definition file (~0.15 s per process); the packaged protocols read with PyYAML's pure-Python
loader (~0.25 s); scipy.integrate imported by the PK package for its reference ODE solver only
(~0.2 s). Now the commands import what they use when they run, help is plain, pint's registry comes
from its disk cache (``ANAKINRA_UNIT_CACHE``), YAML is read by libyaml, and scipy is imported by the
ODE solver when it is used.

    .venv/bin/python bench/cli_startup.py [--repeat 5] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

PYTHON = sys.executable
CLI = [PYTHON, "-c", "from anakinra_iv.cli.main import main; main()"]
PLAN = [
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
SIMULATE = [
    "simulate",
    "--regimen",
    "100 mg sc",
    "--weight",
    "70 kg",
    "--crcl",
    "90",
    "--hours",
    "96",
    "--format",
    "csv",
]


@dataclass(frozen=True)
class Case:
    """One process to time."""

    label: str
    argv: list[str]


BASE_TYPER = Case('python -c "import typer"', [PYTHON, "-c", "import typer"])
BASE_PINT = Case(
    'python -c "import pint; pint.UnitRegistry()"',
    [PYTHON, "-c", "import pint; pint.UnitRegistry()"],
)
HELP = Case("anakinra --help", [*CLI, "--help"])
PLAN_CASE = Case("anakinra plan (README example)", [*CLI, *PLAN])
SIMULATE_CASE = Case('anakinra simulate --regimen "100 mg sc"', [*CLI, *SIMULATE])
CASES = (BASE_TYPER, BASE_PINT, HELP, PLAN_CASE, SIMULATE_CASE)
TARGETS = ((HELP, BASE_TYPER, 3.0), (PLAN_CASE, BASE_PINT, 2.0), (SIMULATE_CASE, BASE_PINT, 2.5))


def run_once(case: Case) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one run; a failing run is an error."""
    started = time.perf_counter()
    process = subprocess.Popen(
        case.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy()
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"{case.label} exited with {process.returncode}: {error[-1000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def measure(rounds: int) -> dict[str, tuple[float, float]]:
    """Median CPU and wall seconds of each case over ``rounds`` interleaved rounds."""
    for case in CASES:  # unmeasured: bytecode and pint's cache, as after the first run
        run_once(case)
    cpu: dict[str, list[float]] = {c.label: [] for c in CASES}
    wall: dict[str, list[float]] = {c.label: [] for c in CASES}
    for _ in range(rounds):
        for case in CASES:
            c, w = run_once(case)
            cpu[case.label].append(c)
            wall[case.label].append(w)
    return {k: (statistics.median(cpu[k]), statistics.median(wall[k])) for k in cpu}


def main() -> int:
    """Print the figures and ratios; return 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (median)")
    parser.add_argument("--smoke", action="store_true", help="one round, targets not checked")
    args = parser.parse_args()
    rounds = 1 if args.smoke else max(1, args.repeat)
    before = os.getloadavg()
    figures = measure(rounds)
    after = os.getloadavg()
    print(
        f"load average (1 min) before {before[0]:.2f}, after {after[0]:.2f}; cores {os.cpu_count()}"
    )
    print(f"median of {rounds} round(s), CPU seconds (user + system) and wall seconds")
    for case in CASES:
        c, w = figures[case.label]
        print(f"  {case.label:<48} CPU {c:6.3f} s   wall {w:6.3f} s")
    missed = []
    for case, base, limit in TARGETS:
        ratio = figures[case.label][0] / figures[base.label][0]
        ok = ratio <= limit
        verdict = "met" if ok else "MISSED"
        print(f"ratio {case.label} / {base.label}: {ratio:.2f}x (<= {limit:g}x) {verdict}")
        if not ok:
            missed.append(case.label)
    if args.smoke:
        print("smoke run: targets not checked")
        return 0
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
