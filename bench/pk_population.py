"""Population PK benchmark: 10,000 subjects × 14 days of continuous IV anakinra, 5-min output.

Scenario: anakinra-adult with between-subject variability (CL, V1, KA), a bag change every 12 h
with a 5-minute gap, and one rate change a day (at 06:00, mid-bag); output every 5 minutes
(4,033 times × 10,000 subjects = 40.3 million concentrations).

Printed, all measured in this one run on this machine:

1. The exact engine producing the full concentration matrix: wall time, concentrations per second.
2. The same population reduced to 5/50/95 % bands block by block: wall time and peak memory
   (tracemalloc, in a separate pass so that tracing does not distort the timing).
3. Baseline: scipy ``solve_ivp`` (LSODA, rtol 1e-8), integrated piecewise between the events for
   each subject, as a careful Python user would write it; timed on a sample of subjects and
   scaled to 10,000. Its agreement with the engine is printed too.
4. Floor: numpy computing one ``exp`` per output value for the same array size.

Targets (issue 3): >= 100x faster than the baseline, within 5x of the floor, < 5 s on 2 cores.

5. Memory that grows with work (issue 11, section 3): 1,000 SC doses of 100 mg at irregular times
   (intervals drawn from 4-20 h, about 500 days), anakinra-adult with between-subject
   variability, hourly output reduced to 5/50/95 % bands, for 1,000 and for 10,000 subjects, each
   in a fresh process (CPU seconds, peak RSS). Every dose needs propagators for new step lengths:
   before the byte budget on the propagator cache (``ANAKINRA_PK_CACHE_MIB``, default 256 MiB) the
   10,000-subject run peaked at 4.6-5.2 GiB and took 12.8-14.8x the 1,000-subject time.
   Targets: peak RSS <= 1 GiB and CPU time <= 11x the 1,000-subject run; exit status 1 if missed.

Run: ``.venv/bin/python bench/pk_population.py [--part grid|sc|all] [--subjects N] [--sample K]``
(``--smoke``: tiny sizes, targets not checked).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np
from scipy.integrate import solve_ivp

from anakinra_iv.pk import get_model
from anakinra_iv.pk.cache import CACHE_SETTING, DEFAULT_CACHE_MIB
from anakinra_iv.pk.dataset import Record
from anakinra_iv.pk.population import _PercentileSink, sample_random_effects
from anakinra_iv.pk.simulate import _ArraySink, simulate_records

DAYS = 14
STEP_H = 5 / 60
BAG_H = 12.0
GAP_H = 5 / 60
CHANGE_AT_H = 6.0


def daily_rates(days: int) -> list[float]:
    """The rate (mg/h) after each day's change; titrated between 100 and 160 mg/h."""
    return [100.0 + 20.0 * (d % 4) for d in range(days)]


def schedule(days: int) -> list[tuple[float, float, float]]:
    """(start h, duration h, rate mg/h) of every infusion piece."""
    rates = daily_rates(days)
    pieces = []
    for d in range(days):
        day = 24.0 * d
        before = rates[d - 1] if d else rates[0]
        pieces.append((day, CHANGE_AT_H, before))  # first bag until the rate change
        pieces.append((day + CHANGE_AT_H, BAG_H - GAP_H - CHANGE_AT_H, rates[d]))  # rest of bag 1
        pieces.append((day + BAG_H, BAG_H - GAP_H, rates[d]))  # bag 2, then a 5-min gap
    return pieces


def records(days: int) -> list[Record]:
    """The schedule as NONMEM-style infusion records into the central compartment (CMT 2)."""
    return [
        Record(id="1", time=start, evid=1, amt=rate * duration, cmt=2, rate=rate, row=i + 1)
        for i, (start, duration, rate) in enumerate(schedule(days))
    ]


def parameters(n: int, seed: int) -> dict[str, np.ndarray]:
    """Individual parameters of n subjects (70 kg, CrCl 90 mL/min, IIV from the model's Ω)."""
    model = get_model("anakinra-adult")
    etas = sample_random_effects(model, n, np.random.default_rng(seed))
    covariates = {"WT": np.full(n, 70.0), "CRCL": np.full(n, 90.0)}
    return model.individual_parameters(covariates, etas=etas, subjects=n)


def baseline_subject(
    params: dict[str, np.ndarray], s: int, times: np.ndarray, days: int
) -> np.ndarray:
    """solve_ivp (LSODA, rtol 1e-8) for one subject, piecewise between events, on the grid."""
    cl, v1, q, v2 = (float(params[k][s]) for k in ("CL", "V1", "Q", "V2"))
    pieces = schedule(days)
    edges = sorted({0.0, float(times[-1])} | {t for st, du, _ in pieces for t in (st, st + du)})
    out = np.empty(times.size)
    y = np.zeros(2)
    for a, b in itertools.pairwise(edges):
        rate = sum(r for st, du, r in pieces if st <= a < st + du)

        def rhs(_t: float, y: np.ndarray, rate: float = rate) -> np.ndarray:
            c, p = y
            return np.array([rate - (cl + q) / v1 * c + q / v2 * p, q / v1 * c - q / v2 * p])

        last = b >= times[-1]
        inside = (times >= a) & ((times <= b) if last else (times < b))
        t_eval = np.append(times[inside], b) if not last else times[inside]
        solution = solve_ivp(rhs, (a, b), y, method="LSODA", rtol=1e-8, atol=1e-10, t_eval=t_eval)
        out[inside] = solution.y[0, : inside.sum()] / v1
        y = solution.y[:, -1]
    return out


def sc_run(subjects: int, doses: int, seed: int = 7) -> dict[str, float]:
    """Irregular SC doses for ``subjects``, bands streamed; CPU seconds and peak RSS (MiB)."""
    model = get_model("anakinra-adult")
    rng = np.random.default_rng(seed)
    times = np.round(np.cumsum(rng.uniform(4.0, 20.0, doses)) - 4.0, 3)
    recs = [
        Record(id="1", time=float(t), evid=1, amt=100.0, cmt=1, row=i + 1)
        for i, t in enumerate(times)
    ]
    etas = sample_random_effects(model, subjects, np.random.default_rng(1))
    covariates = {"WT": np.full(subjects, 70.0), "CRCL": np.full(subjects, 90.0)}
    params = model.individual_parameters(covariates, etas=etas, subjects=subjects)
    count = int(times[-1] + 24) + 1
    sink = _PercentileSink(subjects, count, (5.0, 50.0, 95.0), None, np.random.default_rng(0))
    start = time.process_time()
    simulate_records(model, recs, params, step_h=1.0, count=count, sink=sink)
    return {
        "cpu_s": time.process_time() - start,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "outputs": float(count),
        "median_last_mg_l": float(sink.bands[1, -1]),
    }


def sc_part(sizes: tuple[int, int], doses: int, check: bool) -> list[str]:
    """Part 5: the irregular SC case at two sizes, each in a fresh process."""
    runs = {}
    for subjects in sizes:
        child = subprocess.run(
            [sys.executable, __file__, "--sc-run", str(subjects), "--doses", str(doses)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs[subjects] = json.loads(child.stdout.strip().splitlines()[-1])
    small, large = (runs[n] for n in sizes)
    ratio = large["cpu_s"] / small["cpu_s"]
    limit_mib = float(os.environ.get(CACHE_SETTING) or DEFAULT_CACHE_MIB)
    print(
        f"5. {doses:,} SC doses at irregular times, {int(small['outputs']):,} hourly outputs, "
        f"propagator cache budget {limit_mib:g} MiB:\n"
        f"   {sizes[0]:,} subjects {small['cpu_s']:.2f} s CPU, "
        f"peak RSS {small['rss_mib']:.0f} MiB\n"
        f"   {sizes[1]:,} subjects {large['cpu_s']:.2f} s CPU, peak RSS {large['rss_mib']:.0f} MiB"
        f"\n   time ratio {ratio:.2f}x for {sizes[1] / sizes[0]:g}x the subjects (target <= 11x),"
        f" peak RSS {large['rss_mib'] / 1024:.2f} GiB (target <= 1 GiB)"
    )
    if not check:
        return []
    missed = []
    if ratio > 11:
        missed.append(f"5: {ratio:.2f}x the 1,000-subject time > 11x")
    if large["rss_mib"] > 1024:
        missed.append(f"5: peak RSS {large['rss_mib']:.0f} MiB > 1 GiB")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("grid", "sc", "all"), default="all")
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=20, help="subjects timed for the baseline")
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--doses", type=int, default=1_000, help="part 5: irregular SC doses")
    parser.add_argument("--sc-run", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, targets not checked")
    args = parser.parse_args()
    if args.sc_run:
        print(json.dumps(sc_run(args.sc_run, args.doses)))
        return 0
    if args.smoke:
        args.subjects, args.sample, args.days, args.doses = 40, 2, 2, 20
    print(
        f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} CPUs"
    )
    if args.part in ("grid", "all"):
        grid_part(args)
    missed: list[str] = []
    if args.part in ("sc", "all"):
        sizes = (20, 200) if args.smoke else (1_000, 10_000)
        missed = sc_part(sizes, args.doses, check=not args.smoke)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} after the run")
    for line in missed:
        print(f"TARGET MISSED: {line}")
    if args.smoke:
        print("smoke run: targets not checked")
    return 1 if missed else 0


def grid_part(args: argparse.Namespace) -> None:
    """Parts 1-4: the 14-day continuous-infusion population on a 5-minute grid."""
    n, days = args.subjects, args.days
    model = get_model("anakinra-adult")
    count = round(24 * days / STEP_H) + 1
    times = np.arange(count) * STEP_H
    recs = records(days)
    params = parameters(n, seed=2024)
    values = n * count
    print(
        f"scenario: {n:,} subjects x {days} days, {len(recs)} infusion records "
        f"(bag change every 12 h with a 5-min gap, one rate change a day), output every 5 min "
        f"({count:,} times, {values / 1e6:.1f} M concentrations)"
    )

    # warm-up on a few subjects (imports, first allocations)
    small = {k: v[:8] for k, v in params.items()}
    simulate_records(model, recs, small, step_h=STEP_H, count=count)

    start = time.perf_counter()
    full = simulate_records(model, recs, params, step_h=STEP_H, count=count)
    engine_s = time.perf_counter() - start
    assert full is not None
    start = time.perf_counter()
    simulate_records(model, recs, params, step_h=STEP_H, count=count, sink=_ArraySink(full))
    engine_pre_s = time.perf_counter() - start
    print(
        f"\n1. exact engine, full matrix: {engine_s:.3f} s wall including allocating the "
        f"{full.nbytes / 2**20:.0f} MiB result, {values / engine_s / 1e6:.1f} M concentrations/s; "
        f"{engine_pre_s:.3f} s ({values / engine_pre_s / 1e6:.1f} M/s) into a preallocated array"
    )

    start = time.perf_counter()
    sink = _PercentileSink(n, count, (5.0, 50.0, 95.0), None, np.random.default_rng(0))
    simulate_records(model, recs, params, step_h=STEP_H, count=count, sink=sink)
    bands_s = time.perf_counter() - start
    matrix_bytes = full.nbytes
    del full
    tracemalloc.start()
    sink = _PercentileSink(n, count, (5.0, 50.0, 95.0), None, np.random.default_rng(0))
    simulate_records(model, recs, params, step_h=STEP_H, count=count, sink=sink)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"2. population 5/50/95 % bands, streamed in blocks: {bands_s:.3f} s wall, "
        f"peak traced memory {peak / 2**20:.0f} MiB (the full matrix alone would be "
        f"{matrix_bytes / 2**20:.0f} MiB); process max RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    print(
        f"   median at 14 days {sink.bands[1, -1]:.2f} mg/L, 90 % band "
        f"{sink.bands[0, -1]:.2f}-{sink.bands[2, -1]:.2f} mg/L"
    )

    sample = min(args.sample, n)
    start = time.perf_counter()
    reference = np.stack([baseline_subject(params, s, times, days) for s in range(sample)])
    baseline_sample_s = time.perf_counter() - start
    baseline_s = baseline_sample_s / sample * n
    mine = simulate_records(
        model, recs, {k: v[:sample] for k, v in params.items()}, step_h=STEP_H, count=count
    )
    assert mine is not None
    agreement = float(np.max(np.abs(mine - reference) / np.maximum(np.abs(reference), 1e-3)))
    print(
        f"3. baseline solve_ivp (LSODA, rtol 1e-8), {sample} subjects in {baseline_sample_s:.2f} s "
        f"-> {baseline_s:.0f} s for {n:,}; max relative difference to the engine {agreement:.1e}"
    )

    x = -np.random.default_rng(1).random((n, count))
    out = np.empty_like(x)
    start = time.perf_counter()
    np.exp(x, out=out)
    floor_s = time.perf_counter() - start
    start = time.perf_counter()
    np.exp(x)
    floor_alloc_s = time.perf_counter() - start
    print(
        f"4. floor: numpy exp of {values / 1e6:.1f} M values {floor_s:.3f} s into a preallocated "
        f"array ({floor_alloc_s:.3f} s allocating the result)"
    )

    print("\nratios")
    print(f"  engine vs solve_ivp baseline: {baseline_s / engine_s:,.0f}x faster (target >= 100x)")
    print(
        f"  engine vs numpy exp floor: {engine_pre_s / floor_s:.2f}x (both writing into a "
        f"preallocated array; target <= 5x); {engine_s / floor_alloc_s:.2f}x (both allocating)"
    )
    print(
        f"  10,000 x 14-day run: {engine_s:.2f} s (target < 5 s); "
        f"with percentile bands {bands_s:.2f} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
