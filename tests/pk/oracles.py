"""Independent constructions the event engine is checked against.

- :func:`dataset` writes NONMEM-style rows (sorted by time, file order kept at equal times).
- :func:`integrate_doses` is a small event loop of its own over scipy's ``solve_ivp``: it takes
  doses already expanded by hand (times after lag, amounts after F, infusion durations) and
  integrates a hand-written right-hand side between them, without the engine's event queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from anakinra_iv.pk import read_dataset_text, simulate_dataset

HEADER = "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL,SS,F,ALAG,DUR,MRATE"
COLUMNS = HEADER.split(",")[1:]


def row(time: float, **items: float | int | str) -> dict[str, float | int | str]:
    """One record; EVID 1 unless given, other items default to 0 or '.' (missing)."""
    values: dict[str, float | int | str] = {"TIME": time, "EVID": 1}
    values.update(items)
    return values


def observations(times: Sequence[float]) -> list[dict[str, float | int | str]]:
    """EVID 0 records at the given times."""
    return [{"TIME": float(t), "EVID": 0} for t in times]


def dataset(rows: Sequence[dict[str, float | int | str]], extra: Sequence[str] = ()) -> str:
    """CSV text of one subject; rows are sorted by time, keeping their order at equal times."""
    ordered = sorted(rows, key=lambda r: float(r["TIME"]))
    columns = [*COLUMNS, *extra]
    lines = [",".join([*HEADER.split(","), *extra])]
    for values in ordered:
        cells = ["1"]
        for name in columns:
            value = values.get(name)
            if value is None:
                value = "." if name in ("F", "ALAG", "DUR", "MRATE", "CMT", *extra) else 0
            cells.append(f"{value:.12g}" if isinstance(value, float) else str(value))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def simulate(
    rows: Sequence[dict[str, float | int | str]],
    model: str,
    params: dict[str, float],
    extra: Sequence[str] = (),
) -> np.ndarray:
    """Engine concentrations (mg/L) at the EVID 0 rows, in time order."""
    data = read_dataset_text(dataset(rows, extra))
    return simulate_dataset(data, model, params=params).concentrations


@dataclass(frozen=True)
class Input:
    """A dose already expanded: enters ``cmt`` (0-based) at ``time``; bolus if duration is 0."""

    time: float
    cmt: int
    amount: float
    duration: float = 0.0


def absorption_rhs(params: dict[str, float]) -> np.ndarray:
    """Rate matrix of the depot / central / (peripheral) model, written out by hand."""
    ka, cl = params["KA"], params["CL"]
    if "Q" not in params:
        v = params["V"]
        return np.array([[-ka, 0.0], [ka, -cl / v]])
    v1, q, v2 = params["V1"], params["Q"], params["V2"]
    return np.array(
        [
            [-ka, 0.0, 0.0],
            [ka, -(cl + q) / v1, q / v2],
            [0.0, q / v1, -q / v2],
        ]
    )


def integrate_doses(
    inputs: Sequence[Input],
    matrices: Sequence[tuple[float, np.ndarray]],
    volume: float,
    times: Sequence[float],
    central: int = 1,
    resets: Sequence[float] = (),
) -> np.ndarray:
    """Central concentrations at ``times`` from an event loop independent of the engine.

    ``matrices`` = [(from time, K), ...] gives the rate matrix in force from each time on. Bolus
    inputs at a time are added before an observation at that time; ``resets`` empty the system
    (and stop infusions started before them).
    """
    n = matrices[0][1].shape[0]
    breaks = {0.0, *times, *resets, *(t for t, _ in matrices)}
    for dose in inputs:
        breaks.add(dose.time)
        if dose.duration > 0:
            breaks.add(dose.time + dose.duration)
    grid = sorted(breaks)
    state = np.zeros(n)
    out: dict[float, float] = {}
    wanted = set(times)
    for start, stop in zip(grid, [*grid[1:], grid[-1]], strict=True):
        if start in resets:
            state = np.zeros(n)
        for dose in inputs:
            if dose.duration == 0 and dose.time == start:
                state[dose.cmt] += dose.amount
        if start in wanted:
            out[start] = state[central] / volume
        if stop <= start:
            continue
        k = [m for t, m in matrices if t <= start][-1]
        last_reset = max((r for r in resets if r <= start), default=-np.inf)
        rate = np.zeros(n)
        for dose in inputs:
            running = dose.duration > 0 and dose.time <= start < dose.time + dose.duration
            if running and dose.time >= last_reset:
                rate[dose.cmt] += dose.amount / dose.duration

        def fun(_t: float, y: np.ndarray, k: np.ndarray = k, rate: np.ndarray = rate) -> np.ndarray:
            result: np.ndarray = k @ y + rate
            return result

        solution = solve_ivp(
            fun,
            (start, stop),
            state,
            method="LSODA",
            rtol=1e-11,
            atol=1e-12,
            jac=lambda _t, _y, k=k: k,
        )
        state = solution.y[:, -1]
    return np.asarray([out[t] for t in times])
