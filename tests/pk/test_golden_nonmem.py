"""NONMEM 7 outputs of the mrgsolve ``nmtests`` dosing benchmark, reproduced to a relative 1e-4.

Oracle: ``golden/nonmem/`` beside this file (ADVAN2 TRANS2, CL 1.1 L/h, V 20 L, KA 1.5 /h;
CP = A(2) / V × 1000), a verbatim copy of the shared reference folder with its provenance note
(``README.md``, ``NOTICE.md``). Nothing here skips: a missing or altered file is a failure.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from anakinra_iv.pk import read_dataset, read_dataset_text, simulate_dataset

GOLDEN = Path(__file__).resolve().parent / "golden" / "nonmem"
PARAMS = {"CL": 1.1, "V": 20.0, "KA": 1.5}
MODEL = "one-compartment-absorption"
SHA256 = {
    "README.md": "e281ea8c666bd5e82792d35db312248c2cfd2d8d34aa814035f85b7746a86f71",
    "dataset.csv": "79803d8b81032d17c43f080e1060374ff2c0af0eea118de4827995a479da1a1d",
    "expected.csv": "3e8ca7a387265c79524e8fb8d2d68aa6ca793da717aa874d9e5603a2bc3428bd",
    "scenarios.csv": "3e1c00c19bafb39ce297333990f75f3cb3d3573b2a24dfa680879f657771f67b",
}
"""SHA-256 of the shared reference files (``reference/nonmem-golden/``) as copied."""


def _expected() -> list[dict[str, str]]:
    with (GOLDEN / "expected.csv").open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _scenarios() -> list[str]:
    """Scenario IDs; a missing file gives one ID that then fails, never an empty (skipped) list."""
    if not (GOLDEN / "scenarios.csv").is_file():
        return ["scenarios.csv missing"]
    with (GOLDEN / "scenarios.csv").open(encoding="utf-8") as stream:
        return [row["ID"] for row in csv.DictReader(stream)]


def _relative_error(simulated: np.ndarray, expected: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(expected), 1e-9)
    return np.where(expected == 0, np.abs(simulated), np.abs(simulated - expected) / scale)


@pytest.mark.parametrize("name", sorted(SHA256))
def test_golden_file_is_shipped_unaltered(name: str) -> None:
    """Each golden file is in the repository, byte for byte the shared reference copy."""
    path = GOLDEN / name
    assert path.is_file(), f"NONMEM golden file missing: {path}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256[name]


def test_every_scenario_has_expected_rows() -> None:
    """The scenario list is not empty and each scenario has at least one NONMEM output row."""
    scenarios = _scenarios()
    ids = {row["ID"] for row in _expected()}
    assert len(scenarios) >= 20 and set(scenarios) <= ids


@pytest.fixture(scope="module")
def simulated() -> dict[str, np.ndarray]:
    dataset = read_dataset(GOLDEN / "dataset.csv")
    result = simulate_dataset(dataset, MODEL, params=PARAMS)
    return {
        "ids": np.asarray(result.ids),
        "times": result.times,
        "cp": result.concentrations * 1000.0,
    }


@pytest.mark.parametrize("scenario", _scenarios())
def test_each_scenario_matches_nonmem(scenario: str, simulated: dict[str, np.ndarray]) -> None:
    """Every observation of the scenario equals NONMEM's CP to a relative 1e-4 (nmtests 1001)."""
    expected = [row for row in _expected() if row["ID"] == scenario]
    mine = simulated["ids"] == scenario
    assert mine.sum() == len(expected) > 0
    np.testing.assert_allclose(simulated["times"][mine], [float(r["TIME"]) for r in expected])
    error = _relative_error(simulated["cp"][mine], np.asarray([float(r["CP"]) for r in expected]))
    worst = int(np.argmax(error))
    assert error[worst] <= 1e-4, (
        f"ID {scenario} at t={expected[worst]['TIME']}: rel error {error[worst]:.2e}"
    )


def test_rows_come_out_in_input_order(simulated: dict[str, np.ndarray]) -> None:
    """One output per EVID 0 record, in file order (NONMEM's table order)."""
    expected = _expected()
    assert [r["ID"] for r in expected] == simulated["ids"].tolist()


def test_command_line_reproduces_nonmem(tmp_path: Path) -> None:
    """`anakinra simulate --data` writes ID, TIME, CP rows matching NONMEM (CP in mg/L here)."""
    out = tmp_path / "cp.csv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "anakinra_iv.cli.main",
            "simulate",
            "--data",
            str(GOLDEN / "dataset.csv"),
            "--model",
            MODEL,
            "--param",
            "CL=1.1",
            "--param",
            "V=20",
            "--param",
            "KA=1.5",
            "--output",
            str(out),
            "--format",
            "csv",
        ],
        check=True,
    )
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    expected = _expected()
    assert list(rows[0]) == ["ID", "TIME", "CP"]
    cp = np.asarray([float(r["CP"]) for r in rows]) * 1000
    error = _relative_error(cp, np.asarray([float(r["CP"]) for r in expected]))
    assert error.max() <= 1e-4


def test_steady_state_constant_infusion_is_switched_off() -> None:
    """AMT 0, RATE 100, SS 1, II 0 into the depot: CP(0) = R/CL·1000 = 90909, then 88547 at 1 h and
    25209 at 24 h (pharmacokinetics.md §5.1, NONMEM turns the infusion off at the record)."""
    data = read_dataset_text(
        "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL,SS\n"
        "1,0,1,0,1,100,0,0,1\n1,0,0,0,2,0,0,0,0\n1,1,0,0,2,0,0,0,0\n1,24,0,0,2,0,0,0,0\n"
    )
    cp = simulate_dataset(data, MODEL, params=PARAMS).concentrations * 1000
    np.testing.assert_allclose(cp, [90909.09, 88547, 25209], rtol=1e-4)


def test_re_derived_oracles_of_section_5_1() -> None:
    """IDs 1 and 4 of §5.1: bolus q24h ×4 into the depot, and 480 mg at 10 mg/h with F 0.5
    (infusion shortened to 24 h), re-derived from the closed forms to all printed digits."""
    data = read_dataset_text(
        "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL,SS,F\n"
        "1,0,1,100,1,0,24,3,0,1\n1,1,0,0,2,0,0,0,0,.\n1,2,0,0,2,0,0,0,0,.\n1,3,0,0,2,0,0,0,0,.\n"
        "1,24,0,0,2,0,0,0,0,.\n"
        "4,0,1,480,2,10,0,0,0,0.5\n4,1,0,0,2,0,0,0,0,.\n4,24,0,0,2,0,0,0,0,.\n4,25,0,0,2,0,0,0,0,.\n"
        "4,48,0,0,2,0,0,0,0,.\n"
    )
    cp = simulate_dataset(data, MODEL, params=PARAMS).concentrations * 1000
    expected = [3754.4, 4391.2, 4343.2, 1386.5, 486.5, 6662.4, 6305.9, 1779.8]
    np.testing.assert_allclose(cp, expected, rtol=1e-4)
