"""The batched dataset path equals the record-by-record path, subject by subject, to 1e-12.

``simulate_dataset`` groups subjects that share an event pattern and advances each group as one
batch. The reference here is the path it replaced: every subject alone, record by record
(:func:`anakinra_iv.pk.batches.simulate_subject`, the loop ``simulate_dataset`` ran before). The
generated datasets cover EVID 0-4, RATE > 0, -1 (MRATE) and -2 (DUR), II/ADDL, SS 1 and 2 (with
and without lag), steady-state constant infusions, ALAG, F, time-varying parameter columns and
covariates, and subjects that share a pattern with different amounts, rates and covariates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.errors import AnakinraError
from anakinra_iv.pk import batches as batches_module
from anakinra_iv.pk import read_dataset, read_dataset_text, simulate_dataset
from anakinra_iv.pk.batches import _Batches, simulate_subject
from anakinra_iv.pk.dataset import Dataset
from anakinra_iv.pk.engine import EventEngine, analytic_kernel
from anakinra_iv.pk.simulate import resolve_model

from .helpers import PARAMETERS, assert_relative

Row = dict[str, float | int | str]
COLUMNS = ("TIME", "EVID", "AMT", "CMT", "RATE", "II", "ADDL", "SS", "F", "ALAG", "DUR", "MRATE")
ABSORPTION = "one-compartment-absorption"
GOLDEN = Path(__file__).resolve().parent / "golden" / "nonmem"


def _reference(dataset: Dataset, model: str, params: Mapping[str, float] | None) -> np.ndarray:
    """The record-by-record path: each subject alone, in file order (the former loop)."""
    pk_model = resolve_model(model, params)
    found: dict[int, float] = {}
    for _, records in dataset.subjects():
        by_position = simulate_subject(pk_model, records, {}, None, analytic_kernel)
        for position, value in by_position.items():
            found[records[position].row] = value
    return np.asarray([found[r.row] for r in dataset.observations])


def _first_error(dataset: Dataset, model: str, params: Mapping[str, float] | None) -> str:
    """The message of the first subject (file order) the record-by-record path refuses."""
    pk_model = resolve_model(model, params)
    for _, records in dataset.subjects():
        try:
            simulate_subject(pk_model, records, {}, None, analytic_kernel)
        except AnakinraError as error:
            return error.message
    return ""


def _csv(subjects: Sequence[Sequence[Row]], extra: Sequence[str]) -> str:
    """CSV of several subjects (IDs 1, 2, ...), each subject's rows sorted by time (stable)."""
    lines = [",".join(("ID", *COLUMNS, *extra))]
    for number, rows in enumerate(subjects, start=1):
        for values in sorted(rows, key=lambda r: float(r["TIME"])):
            cells = [str(number)]
            for name in (*COLUMNS, *extra):
                value = values.get(name, "." if name in ("F", "ALAG", "DUR", "MRATE") else 0)
                cells.append(repr(value) if isinstance(value, float) else str(value))
            lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


@st.composite
def _dose(draw: st.DrawFn) -> Row:
    """A dose record: bolus or infusion (RATE > 0, -1, -2), with F, ALAG, II/ADDL, SS."""
    items: Row = {
        "TIME": float(draw(st.integers(0, 40))),
        "EVID": draw(st.sampled_from([1, 1, 4])),
        "AMT": float(draw(st.integers(10, 400))),
        "CMT": draw(st.sampled_from([1, 2])),
    }
    kind = draw(st.sampled_from(["bolus", "rate", "mrate", "dur", "constant"]))
    if kind == "rate":
        items["RATE"] = float(draw(st.sampled_from([10, 40, 100])))
    elif kind == "mrate":
        items |= {"RATE": -1, "MRATE": float(draw(st.sampled_from([20, 50])))}
    elif kind == "dur":
        items |= {"RATE": -2, "DUR": float(draw(st.sampled_from([2.0, 6.0, 30.0])))}
    elif kind == "constant":  # steady-state constant infusion: AMT 0, RATE > 0, SS, II 0
        return items | {"AMT": 0, "RATE": 25.0, "SS": draw(st.sampled_from([1, 2]))}
    f = draw(st.sampled_from([None, 1.0, 0.5]))
    if f is not None:
        items["F"] = f
    lag = draw(st.sampled_from([None, 0.0, 1.5]))
    if lag is not None:
        items["ALAG"] = lag
    ii, addl = draw(st.sampled_from([(0.0, 0), (12.0, 2), (8.0, 3)]))
    ss = draw(st.sampled_from([0, 0, 1, 2]))
    if ss:
        items |= {"SS": ss, "II": ii or 12.0}
    if addl:
        items |= {"II": ii, "ADDL": addl}
    return items


@st.composite
def _schedule(draw: st.DrawFn, changes: str) -> list[Row]:
    """One subject's records: doses, maybe a reset and a parameter change, observations."""
    rows: list[Row] = list(draw(st.lists(_dose(), min_size=1, max_size=3)))
    if draw(st.booleans()):
        rows.append({"TIME": float(draw(st.integers(5, 45))), "EVID": 3})
    if draw(st.booleans()):
        rows.append({"TIME": float(draw(st.integers(1, 50))), "EVID": 2, changes: 0.5})
    quarters = draw(st.lists(st.integers(0, 96 * 4), min_size=1, max_size=12))
    rows += [{"TIME": q / 4, "EVID": 0} for q in quarters]
    return rows


def _vary(rows: Sequence[Row], scale: float, values: Mapping[str, float]) -> list[Row]:
    """The same schedule with amounts and rates scaled (durations kept: a power of two scales
    exactly) and other per-subject values for the extra columns (kept where a row sets one)."""
    varied: list[Row] = []
    for values_in in rows:
        new = dict(values_in)
        for name in ("AMT", "RATE", "MRATE"):
            value = new.get(name)
            if isinstance(value, float) and value > 0:
                new[name] = value * scale
        for name, value in values.items():
            new[name] = new[name] * value if name in new else value  # type: ignore[operator]
        varied.append(new)
    return varied


@st.composite
def _population(
    draw: st.DrawFn, changes: str, extra: Sequence[str], ranges: Mapping[str, Sequence[float]]
) -> list[list[Row]]:
    """Subjects: one to three schedules, each given to one to four subjects."""
    subjects: list[list[Row]] = []
    for _ in range(draw(st.integers(1, 3))):
        schedule = draw(_schedule(changes))
        for _ in range(draw(st.integers(1, 4))):
            scale = draw(st.sampled_from([0.5, 1.0, 2.0, 4.0]))
            values = {name: draw(st.sampled_from(list(ranges[name]))) for name in extra}
            subjects.append(_vary(schedule, scale, values))
    order = draw(st.permutations(range(len(subjects))))
    return [subjects[i] for i in order]


ABSORPTION_RANGES = {"CL": (0.8, 1.1, 2.0), "V": (15.0, 20.0), "ALAG1": (0.0, 0.0, 0.5)}


@settings(max_examples=30, deadline=None)
@given(subjects=_population("CL", ("CL", "V", "ALAG1"), ABSORPTION_RANGES))
def test_batches_equal_the_record_by_record_path(subjects: list[list[Row]]) -> None:
    """Structural absorption model with per-subject CL, V and ALAG1 columns (CL halved at an
    EVID 2 record): batched = each subject alone, to a relative 1e-12."""
    dataset = read_dataset_text(_csv(subjects, ("CL", "V", "ALAG1")))
    params = PARAMETERS[ABSORPTION]
    expected = _reference(dataset, ABSORPTION, params)
    result = simulate_dataset(dataset, ABSORPTION, params=params)
    assert result.ids == tuple(r.id for r in dataset.observations)
    np.testing.assert_array_equal(result.times, [r.time for r in dataset.observations])
    assert_relative(result.concentrations, expected, 1e-12)


@settings(max_examples=15, deadline=None)
@given(subjects=_population("CRCL", ("WT", "CRCL"), {"WT": (50.0, 70.0), "CRCL": (30.0, 90.0)}))
def test_covariate_batches_equal_the_record_by_record_path(subjects: list[list[Row]]) -> None:
    """anakinra-adult (depot, transit, two compartments) with per-subject WT and CRCL, CRCL
    falling at an EVID 2 record: batched = each subject alone, to a relative 1e-12."""
    dataset = read_dataset_text(_csv(subjects, ("WT", "CRCL")))
    expected = _reference(dataset, "anakinra-adult", None)
    result = simulate_dataset(dataset, "anakinra-adult")
    assert_relative(result.concentrations, expected, 1e-12)


def test_subjects_sharing_a_schedule_form_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four subjects with one schedule, amounts scaled by powers of two and their own CL and V,
    form one batch, simulated as one (the batch is not split); a fifth with other dose times
    forms its own."""
    rows: list[Row] = [
        {"TIME": 0.0, "EVID": 1, "AMT": 100.0, "CMT": 1, "II": 12.0, "ADDL": 3},
        {"TIME": 2.0, "EVID": 1, "AMT": 48.0, "CMT": 2, "RATE": 12.0},
        *({"TIME": t, "EVID": 0} for t in (1.0, 3.0, 10.0, 30.0)),
    ]
    same = [_vary(rows, 2.0**k, {"CL": 1.0 + k / 4, "V": 20.0 - k}) for k in range(4)]
    other = _vary([{**r, "TIME": float(r["TIME"]) + 1} for r in rows], 1.0, {"CL": 1.0, "V": 20})
    dataset = read_dataset_text(_csv([*same, other], ("CL", "V")))
    model = resolve_model(ABSORPTION, PARAMETERS[ABSORPTION])
    batches = _Batches(dataset.table, model, {}, None, analytic_kernel).patterns()
    assert [g.tolist() for g in batches] == [[0, 1, 2, 3], [4]]
    expected = _reference(dataset, ABSORPTION, PARAMETERS[ABSORPTION])
    sizes: list[int] = []

    def engine(*args: Any, **kwargs: Any) -> EventEngine:
        sizes.append(args[4])  # the batch size
        return EventEngine(*args, **kwargs)

    monkeypatch.setattr(batches_module, "EventEngine", engine)
    result = simulate_dataset(dataset, ABSORPTION, params=PARAMETERS[ABSORPTION])
    assert sizes == [4, 1]
    assert_relative(result.concentrations, expected, 1e-12)


def test_golden_scenarios_equal_the_record_by_record_path() -> None:
    """The twenty NONMEM scenarios: batched = record by record, to a relative 1e-12."""
    dataset = read_dataset(GOLDEN / "dataset.csv")
    params = {"CL": 1.1, "V": 20.0, "KA": 1.5}
    expected = _reference(dataset, ABSORPTION, params)
    result = simulate_dataset(dataset, ABSORPTION, params=params)
    assert_relative(result.concentrations, expected, 1e-12)


@settings(max_examples=20, deadline=None)
@given(
    subjects=_population("CL", ("CL", "V", "ALAG1"), ABSORPTION_RANGES),
    fault=st.sampled_from(["CL", "CMT", "ALAG"]),
    where=st.floats(0, 1, exclude_max=True),
)
def test_the_first_faulty_subject_is_reported_as_before(
    subjects: list[list[Row]], fault: str, where: float
) -> None:
    """A subject with a zero clearance, a compartment the model lacks, or a steady-state lag
    not shorter than II: the error is the one the record-by-record path raises first, even when
    the faulty subject shares a batch with healthy ones."""
    bad = int(where * len(subjects))
    rows = [dict(r) for r in subjects[bad]]
    dose = next(r for r in rows if r.get("EVID") in (1, 4))
    if fault == "CL":
        rows[-1]["CL"] = 0.0
    elif fault == "CMT":
        dose["CMT"] = 3
    else:
        dose |= {"SS": 1, "II": 2.0, "ALAG": 2.0, "ADDL": 0}
    subjects = [*subjects[:bad], rows, *subjects[bad + 1 :]]
    dataset = read_dataset_text(_csv(subjects, ("CL", "V", "ALAG1")))
    params = PARAMETERS[ABSORPTION]
    message = _first_error(dataset, ABSORPTION, params)
    assert message
    with pytest.raises(AnakinraError) as caught:
        simulate_dataset(dataset, ABSORPTION, params=params)
    assert caught.value.message == message
