"""Steady-state records against brute force: an SS 1 dose equals the same dose repeated every II
from zero for as many intervals as it takes to converge, then given once more; SS 2 equals that
plus whatever the earlier records left (superposition; NONMEM help, SS data item and SS dose event
record)."""

from __future__ import annotations

import numpy as np
import pytest

from .helpers import PARAMETERS, assert_relative
from .oracles import observations, row, simulate

ONE = PARAMETERS["one-compartment-absorption"]  # terminal rate 0.055 /h
TWO = PARAMETERS["two-compartment-absorption"]  # terminal rate ≈ 0.15 /h
II = 12.0
CYCLES = 80  # e^(-0.055·12·80) ≈ 1e-23: the repeated regimen has converged to double precision
T = CYCLES * II
OFFSETS = [0.0, 0.5, 1.0, 2.0, 3.3, 5.0, 7.7, 11.9, 12.0, 13.0, 24.0, 30.0, 47.0, 60.0, 100.0]
EARLIER = [row(T - 30, AMT=70, CMT=1), row(T - 9, AMT=50, CMT=2, RATE=4), row(T - 3, AMT=40, CMT=2)]

CASES: dict[str, dict[str, float | int | str]] = {
    "bolus into central": {"AMT": 100, "CMT": 2},
    "bolus into depot": {"AMT": 100, "CMT": 1},
    "depot bolus with F": {"AMT": 100, "CMT": 1, "F": 0.6},
    "infusion shorter than II": {"AMT": 100, "CMT": 2, "RATE": 25},
    "infusion equal to II": {"AMT": 120, "CMT": 2, "RATE": 10},
    "infusion longer than II": {"AMT": 100, "CMT": 2, "RATE": 5},
    "infusion over four II": {"AMT": 100, "CMT": 2, "RATE": 2},
    "depot infusion over four II": {"AMT": 100, "CMT": 1, "RATE": 2},
    "F shortens a fixed-rate infusion below II": {"AMT": 100, "CMT": 2, "RATE": 5, "F": 0.5},
    "F makes a fixed-rate infusion exactly II": {"AMT": 120, "CMT": 2, "RATE": 5, "F": 0.5},
    "RATE -1 (MRATE) overlapping": {"AMT": 100, "CMT": 2, "RATE": -1, "MRATE": 5},
    "RATE -1 with F": {"AMT": 100, "CMT": 2, "RATE": -1, "MRATE": 5, "F": 0.7},
    "RATE -2 (DUR) shorter than II": {"AMT": 100, "CMT": 2, "RATE": -2, "DUR": 5},
    "RATE -2 over 2.5 II": {"AMT": 100, "CMT": 2, "RATE": -2, "DUR": 30},
    "RATE -2 with F keeps DUR": {"AMT": 100, "CMT": 2, "RATE": -2, "DUR": 30, "F": 0.4},
    "RATE -2 equal to II with F": {"AMT": 100, "CMT": 2, "RATE": -2, "DUR": 12, "F": 0.4},
    "bolus with lag": {"AMT": 100, "CMT": 2, "ALAG": 3},
    "depot bolus with lag and F": {"AMT": 100, "CMT": 1, "ALAG": 5, "F": 0.3},
    "infusion with lag": {"AMT": 100, "CMT": 2, "RATE": 25, "ALAG": 3},
    "overlapping infusion with lag": {"AMT": 100, "CMT": 2, "RATE": 5, "ALAG": 3},
    "infusion ending at the lag phase": {"AMT": 100, "CMT": 2, "RATE": 10, "ALAG": 2},
    "infusion over four II with lag": {"AMT": 100, "CMT": 2, "RATE": 2, "ALAG": 7.5},
    "RATE -2 with lag and F": {"AMT": 100, "CMT": 2, "RATE": -2, "DUR": 30, "ALAG": 4, "F": 0.4},
    "bolus then ADDL": {"AMT": 100, "CMT": 2, "ADDL": 3},
    "overlapping infusion then ADDL": {"AMT": 100, "CMT": 2, "RATE": 5, "ADDL": 3},
    "lagged overlapping infusion then ADDL": {
        "AMT": 100,
        "CMT": 2,
        "RATE": 5,
        "ALAG": 4,
        "ADDL": 3,
    },
}


def _by_repetition(
    dose: dict[str, float | int | str], earlier: list[dict[str, float | int | str]]
) -> list[dict[str, float | int | str]]:
    """The dose at 0, II, ..., T (non-steady-state), its own ADDL doses after T, observations."""
    plain = {k: v for k, v in dose.items() if k != "ADDL"}
    addl = int(dose.get("ADDL", 0))
    rows = [*earlier, row(0.0, **plain, II=II, ADDL=CYCLES + addl)]
    return rows + observations([T + o for o in OFFSETS])


def _steady(
    dose: dict[str, float | int | str], ss: int, earlier: list[dict[str, float | int | str]]
) -> list[dict[str, float | int | str]]:
    return [*earlier, row(T, **dose, II=II, SS=ss), *observations([T + o for o in OFFSETS])]


@pytest.mark.parametrize("model", ["one-compartment-absorption", "two-compartment-absorption"])
@pytest.mark.parametrize("case", list(CASES))
def test_ss1_equals_the_dose_repeated_until_steady(case: str, model: str) -> None:
    """SS 1 at T = 80·II equals 81 identical doses every II from time 0 (brute force)."""
    params = ONE if model == "one-compartment-absorption" else TWO
    dose = CASES[case]
    steady = simulate(_steady(dose, 1, []), model, params)
    repeated = simulate(_by_repetition(dose, []), model, params)
    assert steady.max() > 0
    assert_relative(steady, repeated, 1e-9, floor=1e-9)


@pytest.mark.parametrize("case", list(CASES))
def test_ss2_adds_the_steady_state_to_what_earlier_records_left(case: str) -> None:
    """SS 2 after a depot bolus, a running infusion and a bolus equals those records plus the
    repeated dose (superposition; NONMEM help: SS 2 sums the steady state and the current state)."""
    dose = CASES[case]
    steady = simulate(_steady(dose, 2, EARLIER), "one-compartment-absorption", ONE)
    repeated = simulate(_by_repetition(dose, EARLIER), "one-compartment-absorption", ONE)
    assert_relative(steady, repeated, 1e-9, floor=1e-9)


@pytest.mark.parametrize("case", ["bolus then ADDL", "overlapping infusion with lag"])
def test_ss1_cancels_earlier_doses_infusions_and_pending_doses(case: str) -> None:
    """SS 1 'zeroes out' prior amounts and cancels infusions in progress and pending additional
    doses (NONMEM help, SS data item): with earlier records it equals SS 1 alone."""
    earlier = [
        row(T - 30, AMT=70, CMT=1, II=II, ADDL=5),  # ADDL doses due at T-18 ... T+30
        row(T - 2, AMT=50, CMT=2, RATE=4),  # running through T
        row(T - 1, AMT=40, CMT=2, ALAG=6),  # enters at T+5, after the SS record
    ]
    dose = CASES[case]
    alone = simulate(_steady(dose, 1, []), "one-compartment-absorption", ONE)
    after = simulate(_steady(dose, 1, earlier), "one-compartment-absorption", ONE)
    assert_relative(after, alone, 1e-12, floor=1e-12)


class TestConstantInfusion:
    """AMT 0, RATE > 0, II 0 with SS: the steady state of a constant rate, switched off at the
    record ("the infusion terminates at the event time of the SS dose record", NONMEM help)."""

    def _long_infusion(self, rate: float, into: int) -> np.ndarray:
        # an infusion running from 0 to exactly T, then off: its state at T has converged
        rows = [row(0.0, AMT=rate * T, CMT=into, RATE=rate)]
        return simulate(
            rows + observations([T + o for o in OFFSETS]), "one-compartment-absorption", ONE
        )

    @pytest.mark.parametrize("into", [1, 2])
    def test_equals_an_infusion_run_to_steady_state_then_stopped(self, into: int) -> None:
        """SS 1 at T equals an infusion from 0 that stops at T; CP(T) = R/CL (§5.1 oracle)."""
        steady = simulate(
            [row(T, AMT=0, CMT=into, RATE=100, SS=1), *observations([T + o for o in OFFSETS])],
            "one-compartment-absorption",
            ONE,
        )
        assert steady[0] == pytest.approx(100 / ONE["CL"], rel=1e-12)
        assert_relative(steady, self._long_infusion(100, into), 1e-9)

    def test_rate_minus_one_reads_mrate(self) -> None:
        """RATE -1 with MRATE 100 (allowed for SS infusions by the NONMEM help) equals RATE 100."""
        text = [row(T, AMT=0, CMT=1, RATE=-1, MRATE=100, SS=1)]
        modelled = simulate(
            text + observations([T + o for o in OFFSETS]), "one-compartment-absorption", ONE
        )
        assert_relative(modelled, self._long_infusion(100, 1), 1e-9)

    def test_bioavailability_does_not_apply(self) -> None:
        """F is not applied to a steady-state constant infusion (PREDPP guide): CP(T) = R/CL."""
        steady = simulate(
            [row(T, AMT=0, CMT=2, RATE=100, SS=1, F=0.5), *observations([T])],
            "one-compartment-absorption",
            ONE,
        )
        assert steady[0] == pytest.approx(100 / ONE["CL"], rel=1e-12)

    def test_ss2_adds_to_the_current_state(self) -> None:
        """SS 2 constant infusion = earlier bolus response + the stopped long infusion."""
        bolus = [row(T - 3, AMT=40, CMT=2)]
        steady = simulate(
            [*bolus, row(T, AMT=0, CMT=2, RATE=100, SS=2), *observations([T + o for o in OFFSETS])],
            "one-compartment-absorption",
            ONE,
        )
        alone = simulate(
            [*bolus, *observations([T + o for o in OFFSETS])], "one-compartment-absorption", ONE
        )
        assert_relative(steady, alone + self._long_infusion(100, 2), 1e-9)
