"""Superposition: with constant parameters the system is linear, so any regimen of non-resetting
records (bolus or infusion, depot or central, F, ALAG, ADDL, RATE -1/-2) equals the sum of the
responses to each record alone (pharmacokinetics.md §4.1, "multiple doses: superposition")."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import PARAMETERS, assert_relative
from .oracles import observations, row, simulate

TIMES = [float(t) for t in np.arange(0.0, 96.0, 1.75)] + [6.0, 12.0, 24.0]

_amount = st.floats(1.0, 500.0)
_kind = st.sampled_from(["bolus", "rate", "mrate", "dur"])


@st.composite
def _dose(draw: st.DrawFn) -> dict[str, float | int | str]:
    kind = draw(_kind)
    items: dict[str, float | int | str] = {
        "AMT": round(draw(_amount), 3),
        "CMT": draw(st.sampled_from([1, 2])),
    }
    if kind == "rate":
        items["RATE"] = round(draw(st.floats(2.0, 200.0)), 3)
    elif kind == "mrate":
        items |= {"RATE": -1, "MRATE": round(draw(st.floats(2.0, 200.0)), 3)}
    elif kind == "dur":
        items |= {"RATE": -2, "DUR": round(draw(st.floats(0.25, 30.0)), 3)}
    if draw(st.booleans()):
        items["F"] = round(draw(st.floats(0.05, 1.5)), 3)
    if draw(st.booleans()):
        items["ALAG"] = round(draw(st.floats(0.0, 10.0)), 3)
    if draw(st.booleans()):
        items |= {
            "II": draw(st.sampled_from([6.0, 8.0, 12.0, 24.0])),
            "ADDL": draw(st.integers(1, 4)),
        }
    return row(round(draw(st.floats(0.0, 48.0)), 2), **items)


@settings(max_examples=30, deadline=None)
@given(
    doses=st.lists(_dose(), min_size=2, max_size=4),
    model=st.sampled_from(["one-compartment-absorption", "two-compartment-absorption"]),
)
def test_regimen_equals_the_sum_of_its_doses(
    doses: list[dict[str, float | int | str]], model: str
) -> None:
    """C(all records) = Σ C(each record alone), to a relative 1e-6, for random regimens."""
    params = PARAMETERS[model]
    obs = observations(TIMES)
    together = simulate([*doses, *obs], model, params)
    apart = sum(simulate([dose, *obs], model, params) for dose in doses)
    assert together.max() > 0
    assert_relative(together, np.asarray(apart), 1e-6, floor=1e-9)


def test_ss2_records_superpose() -> None:
    """Two SS 2 regimens (10 mg at 8 h and 20 mg at 20 h, each q24h) equal the sum of each given
    alone with SS 1 (the nmusers BID example of different morning and evening doses)."""
    params = PARAMETERS["one-compartment-absorption"]
    model = "one-compartment-absorption"
    obs = observations([20.0 + t for t in np.arange(0.0, 48.0, 1.5)])
    morning = row(8.0, AMT=10, CMT=1, II=24.0, SS=1, ADDL=3)
    evening = row(20.0, AMT=20, CMT=1, II=24.0, SS=2, ADDL=3)
    both = simulate([morning, evening, *obs], model, params)
    alone_evening = simulate([{**evening, "SS": 1}, *obs], model, params)
    alone_morning = simulate([morning, *obs], model, params)
    assert_relative(both, alone_morning + alone_evening, 1e-9)
