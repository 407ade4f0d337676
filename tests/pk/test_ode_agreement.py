"""Exact state transition vs an independent scipy ODE solution: relative 1e-6 for every model and
route, including steady states, lag times, bioavailability and randomised regimens (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.pk import Dataset, Record, read_dataset_text, simulate_dataset, simulate_regimen

from .helpers import PARAMETERS, assert_relative

RTOL = 1e-6

ROUTES = {
    "bolus": "1,0,1,100,{central},0,0,0,0,.,.\n",
    "infusion": "1,0,1,100,{central},20,0,0,0,.,.\n",
    "repeated infusion with lag": "1,0.5,1,100,{central},50,8,3,0,0.8,1.25\n",
    "steady-state bolus": "1,0,1,100,{central},0,12,2,1,.,.\n",
    "steady-state infusion longer than II": "1,0,1,100,{central},8,6,3,1,.,.\n",
    "steady-state infusion with lag": "1,0,1,100,{central},40,12,1,1,.,2\n",
    "SS 2 on top of a bolus": "1,0,1,50,{central},0,0,0,0,.,.\n1,3,1,100,{central},0,12,1,2,.,.\n",
    "reset and dose": "1,0,1,100,{central},0,0,0,0,.,.\n1,5,4,70,{central},10,0,0,0,.,.\n",
}
ABSORPTION_ROUTES = {
    "depot bolus q12h": "1,0,1,100,1,0,12,3,0,.,.\n",
    "depot bolus with lag and F": "1,0,1,100,1,0,24,1,0,0.6,2.5\n",
    "steady-state depot bolus": "1,0,1,100,1,0,24,0,1,.,.\n",
    "depot infusion": "1,0,1,100,1,25,0,0,0,.,.\n",
}

HEADER = "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL,SS,F,ALAG\n"


def _observations(hours: float = 48.0, step: float = 0.75) -> str:
    return "".join(f"1,{t:g},0,0,.,0,0,0,0,.,.\n" for t in np.arange(0.0, hours, step))


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for model, params in PARAMETERS.items():
        central = 2 if "KA" in params else 1
        routes = dict(ROUTES)
        if "KA" in params:
            routes |= ABSORPTION_ROUTES
        for route, text in routes.items():
            cases.append((model, route, text.format(central=central)))
    return cases


def _merge(doses: str, observations: str) -> Dataset:
    rows = [line for line in (doses + observations).splitlines() if line]
    rows.sort(key=lambda line: float(line.split(",")[1]))
    return read_dataset_text(HEADER + "\n".join(rows) + "\n")


@pytest.mark.parametrize(("model", "route", "doses"), _cases(), ids=lambda v: str(v)[:40])
def test_exact_equals_ode(model: str, route: str, doses: str) -> None:
    """Closed-form state transition and LSODA (rtol 1e-11) agree to a relative 1e-6."""
    data = _merge(doses, _observations())
    exact = simulate_dataset(data, model, params=PARAMETERS[model])
    ode = simulate_dataset(data, model, params=PARAMETERS[model], method="ode")
    assert_relative(exact.concentrations, ode.concentrations, RTOL)


@pytest.mark.parametrize("name", ["anakinra-adult", "anakinra-adult-alt"])
@pytest.mark.parametrize(
    "regimen",
    ["100 mg sc q24h x 3", "100 mg iv bolus; 2 mg/kg/h civ for 30 h", "200 mg iv over 1 h q6h x 8"],
)
def test_anakinra_models_exact_equals_ode(name: str, regimen: str) -> None:
    """The anakinra models (depot → transit → central, KA = KTR: a defective matrix) agree with
    the ODE."""
    kwargs = {"model": name, "weight": "80 kg", "crcl": "60 mL/min", "hours": 60, "step": 0.5}
    exact = simulate_regimen(regimen, **kwargs)
    ode = simulate_regimen(regimen, method="ode", **kwargs)
    assert_relative(exact.concentration, ode.concentration, RTOL)


doses = st.tuples(
    st.floats(0, 30),  # time
    st.sampled_from(["central", "depot"]),
    st.floats(1, 500),  # amount
    st.sampled_from([0.0, 0.0, 5.0, 40.0, -2.0]),  # rate (0 bolus, -2 modelled duration)
    st.sampled_from([0.0, 6.0, 12.0]),  # ii
    st.integers(0, 3),  # addl
    st.sampled_from([None, 0.5, 1.0]),  # F
    st.sampled_from([None, 0.0, 1.5]),  # ALAG
)


@settings(max_examples=30, deadline=None)
@given(
    model=st.sampled_from(sorted(PARAMETERS)),
    scale=st.floats(0.3, 3.0),
    regimen=st.lists(doses, min_size=1, max_size=4),
)
def test_random_regimens_exact_equals_ode(model: str, scale: float, regimen: list[tuple]) -> None:
    """Random bolus/infusion/ADDL/F/ALAG regimens: exact and ODE agree to a relative 1e-6."""
    params = {k: v * scale if k in ("CL", "Q", "Q3") else v for k, v in PARAMETERS[model].items()}
    central = 2 if "KA" in params else 1
    records = []
    for i, (time, where, amount, rate, ii, addl, f, lag) in enumerate(
        sorted(regimen, key=lambda d: d[0])
    ):
        cmt = 1 if where == "depot" and "KA" in params else central
        records.append(
            Record(
                id="1",
                time=round(time, 3),
                evid=1,
                amt=amount,
                cmt=cmt,
                rate=rate,
                ii=ii if addl else 0.0,
                addl=addl if ii else 0,
                f=f,
                alag=lag,
                dur=3.0 if rate == -2 else None,
                row=i + 1,
            )
        )
    times = np.arange(0.0, 60.0, 1.3)
    observations = [Record(id="1", time=float(t), row=100 + j) for j, t in enumerate(times)]
    ordered = sorted(records + observations, key=lambda r: r.time)
    data = Dataset.from_records(ordered)
    exact = simulate_dataset(data, model, params=params)
    ode = simulate_dataset(data, model, params=params, method="ode")
    assert_relative(exact.concentrations, ode.concentrations, RTOL, floor=1e-7)
