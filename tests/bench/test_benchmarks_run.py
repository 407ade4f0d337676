"""Every speed benchmark runs end to end at a tiny size (``--smoke``).

The benchmarks are not part of the test run (they take minutes and measure the machine); this
only proves that each one still works and prints its figures, so that it can be run for real.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("pk_dataset.py", ["A. 5 subjects", "B. 5 subjects", "C. as A", "vs deSolve", "ratio"]),
        ("pk_population.py", ["1. exact engine", "5. 20 SC doses", "time ratio", "peak RSS"]),
        ("cli_startup.py", ["anakinra --help", "anakinra plan", "ratio anakinra simulate"]),
        ("api_load.py", ['"floor"', '"x_floor"', '"closed_loop"', '"audit_chain"']),
    ],
)
def test_benchmark_runs_at_a_tiny_size(script: str, expected: list[str]) -> None:
    """Exit status 0 and the figures printed, targets unchecked at this size."""
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for text in (*expected, "smoke run: targets not checked", "load average"):
        assert text in done.stdout, done.stdout[-2000:]
