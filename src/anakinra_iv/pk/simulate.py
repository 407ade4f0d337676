"""Simulate a dataset or a regimen with a model: the package's main entry points.

Examples
--------
>>> sim = simulate_regimen("100 mg iv bolus", model="anakinra-adult", weight="70 kg",
...                        crcl="100 mL/min", hours=4, step=1)
>>> [round(float(c), 2) for c in sim.concentration]
[20.0, 2.81, 0.63, 0.31, 0.24]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from anakinra_iv.errors import DatasetError, InvalidInput, ProblemList
from anakinra_iv.pk._types import FloatArray, IntArray
from anakinra_iv.pk.batches import simulate_table
from anakinra_iv.pk.catalog import get_model
from anakinra_iv.pk.csv_format import format_table_csv
from anakinra_iv.pk.dataset import Dataset, Record
from anakinra_iv.pk.engine import (
    EventEngine,
    GridSink,
    KernelFactory,
    TimelineDivergesError,
    analytic_kernel,
)
from anakinra_iv.pk.ode import ode_kernel
from anakinra_iv.pk.parameters import PkModel
from anakinra_iv.pk.regimen import Regimen, parse_regimen
from anakinra_iv.units import Quantity, parse_quantity

__all__ = [
    "DatasetSimulation",
    "Simulation",
    "resolve_model",
    "simulate_dataset",
    "simulate_records",
    "simulate_regimen",
]


@dataclass(frozen=True)
class Simulation:
    """Concentrations on a regular time grid.

    Attributes
    ----------
    times
        Hours from the start, shape (T,).
    concentrations
        Central concentrations in mg/L, shape (subjects, T).
    parameters
        Individual parameters at time 0, arrays of shape (subjects,).
    """

    model: str
    times: FloatArray
    concentrations: FloatArray
    parameters: Mapping[str, FloatArray] = field(default_factory=dict)
    left_limits: Mapping[int, FloatArray] = field(default_factory=dict)

    def curve(self, subject: int = 0) -> tuple[FloatArray, FloatArray]:
        """Times and concentrations with both sides of every jump (an IV bolus on a grid time).

        At a grid time where a bolus lands, the point just before it is inserted, so that AUC,
        Cmin and trough read from the curve are exact.
        """
        times: list[float] = []
        values: list[float] = []
        jumps = {
            i: float(v[subject])
            for i, v in self.left_limits.items()
            if abs(float(v[subject]) - float(self.concentrations[subject, i]))
            > 1e-12 * max(1.0, abs(float(v[subject])))
        }
        if not jumps:
            return self.times, self.concentrations[subject]
        for i in sorted(jumps):
            times.append(float(self.times[i]))
            values.append(jumps[i])
        t = np.concatenate((self.times, np.asarray(times)))
        c = np.concatenate((self.concentrations[subject], np.asarray(values)))
        is_left = np.concatenate((np.ones(self.times.size), np.zeros(len(times))))
        order = np.lexsort((is_left, t))
        return t[order], c[order]

    @property
    def concentration(self) -> FloatArray:
        """The first (or only) subject's concentrations (mg/L)."""
        result: FloatArray = self.concentrations[0]
        return result

    def rows(self) -> list[dict[str, float | str]]:
        """One row per subject and time: ``ID``, ``TIME`` (h), ``CP`` (mg/L)."""
        return [
            {"ID": str(s + 1), "TIME": float(t), "CP": float(c)}
            for s in range(self.concentrations.shape[0])
            for t, c in zip(self.times, self.concentrations[s], strict=True)
        ]


@dataclass(frozen=True, eq=False)
class DatasetSimulation:
    """One output per observation record (EVID 0), in input order.

    ``subject`` indexes ``subject_ids`` for each output; ``data_rows`` holds each output's 1-based
    data row.
    """

    model: str
    times: FloatArray
    concentrations: FloatArray
    subject_ids: tuple[str, ...]
    subject: IntArray
    data_rows: IntArray

    @cached_property
    def ids(self) -> tuple[str, ...]:
        """The subject ID of each output."""
        found: list[str] = np.asarray(self.subject_ids, dtype=object)[self.subject].tolist()
        return tuple(found)

    @cached_property
    def rows_in_file(self) -> tuple[int, ...]:
        """The data row of each output."""
        return tuple(self.data_rows.tolist())

    def rows(self) -> list[dict[str, float | str]]:
        """``ID``, ``TIME`` (h), ``CP`` (central amount / central volume; mg/L for mg and L)."""
        return [
            {"ID": i, "TIME": float(t), "CP": float(c)}
            for i, t, c in zip(self.ids, self.times, self.concentrations, strict=True)
        ]

    def to_csv(self) -> str:
        """``ID,TIME,CP`` lines with a header, numbers to 10 significant digits (``.10g``)."""
        return format_table_csv(self.subject_ids, self.subject, self.times, self.concentrations)


def resolve_model(model: PkModel | str, params: Mapping[str, float] | None = None) -> PkModel:
    """The model by name (or as given), with typical values from ``params`` applied."""
    pk_model = get_model(model) if isinstance(model, str) else model
    if params:
        pk_model = pk_model.with_parameters(params)
    return pk_model


def _kernel_factory(method: str) -> KernelFactory:
    if method == "exact":
        return analytic_kernel
    if method == "ode":
        return ode_kernel
    raise InvalidInput(f"'method' must be 'exact' or 'ode' (got '{method}')", field="method")


def simulate_dataset(
    dataset: Dataset,
    model: PkModel | str,
    *,
    params: Mapping[str, float] | None = None,
    covariates: Mapping[str, float] | None = None,
    renal: str | None = None,
    method: str = "exact",
) -> DatasetSimulation:
    """Simulate NONMEM-style records; one output per EVID 0 record, in input order.

    Parameters
    ----------
    dataset
        Records (see :func:`anakinra_iv.pk.dataset.read_dataset`).
    model
        Model or its name; structural models need ``params``.
    params
        Typical values by name (``{"CL": 1.1, "V": 20, "KA": 1.5}``).
    covariates
        Values for covariates absent from the dataset (``{"WT": 70, "CRCL": 90}``).
    renal
        Renal option for models with a CRCL covariate (R1, R2, R2-IV).
    method
        ``"exact"`` (state transition) or ``"ode"`` (scipy reference solver).

    Raises
    ------
    DatasetError
        A column the model does not know, a compartment it does not have, a missing covariate.
    """
    pk_model = resolve_model(model, params)
    allowed = set(pk_model.covariates) | set(pk_model.structure.parameter_names)
    unknown = [c for c in dataset.covariate_columns if c not in allowed]
    if unknown:
        ProblemList.raise_if_any(
            DatasetError(
                f"column {c}: unknown column for model '{pk_model.name}' "
                f"(covariates and parameters it reads: {', '.join(sorted(allowed))})",
                row=0,
                column=c,
            )
            for c in unknown
        )
    factory = _kernel_factory(method)
    defaults = {k.upper(): float(v) for k, v in (covariates or {}).items()}
    table = dataset.table
    values = simulate_table(table, pk_model, defaults, renal, factory)
    observed = np.flatnonzero(table.evid == 0)
    return DatasetSimulation(
        model=pk_model.name,
        times=table.time[observed],
        concentrations=values[observed],
        subject_ids=table.subject_ids,
        subject=table.subject[observed],
        data_rows=table.row[observed],
    )


class _ArraySink:
    def __init__(self, out: FloatArray) -> None:
        self.out = out
        self.left_limits: dict[int, FloatArray] = {}

    def left_limit(self, index: int, values: FloatArray) -> None:
        self.left_limits[index] = values.copy()

    def buffer(self, start: int, stop: int) -> FloatArray:
        result: FloatArray = self.out[:, start:stop]
        return result

    def commit(self, start: int, stop: int) -> None:
        return None


def simulate_records(
    model: PkModel,
    records: Sequence[Record],
    parameters: Mapping[str, FloatArray],
    *,
    step_h: float,
    count: int,
    sink: GridSink | None = None,
    method: str = "exact",
) -> FloatArray | None:
    """Low-level grid simulation of shared records for a batch of subjects.

    ``parameters`` holds arrays of shape (subjects,). Outputs at 0, step, ..., (count-1)·step go to
    ``sink``, or into a returned array (subjects, count) when no sink is given.
    """
    subjects = int(np.asarray(next(iter(parameters.values()))).shape[0])
    params = {
        k: np.broadcast_to(np.asarray(v, dtype=float), (subjects,)) for k, v in parameters.items()
    }
    model.structure.check_parameters(params)
    factory = _kernel_factory(method)
    out = np.empty((subjects, count)) if sink is None else None
    target: GridSink = _ArraySink(out) if out is not None else sink  # type: ignore[assignment]
    engine = EventEngine(model.structure, records, [params], [0] * len(records), subjects, factory)
    model.check_routes(engine.dose_cmt(r) + 1 for r in records if r.is_dose)
    try:
        engine.run(grid=(step_h, count), sink=target)
    except TimelineDivergesError:
        full = out if out is not None else np.empty((subjects, count))
        for s in range(subjects):
            single = {k: v[s : s + 1] for k, v in params.items()}
            one = EventEngine(model.structure, records, [single], [0] * len(records), 1, factory)
            one.run(grid=(step_h, count), sink=_ArraySink(full[s : s + 1]))
        if out is None:
            for start in range(0, count, 128):
                stop = min(count, start + 128)
                target.buffer(start, stop)[...] = full[:, start:stop]
                target.commit(start, stop)
    return out


def _grid(hours: float | Quantity, step: float | Quantity) -> tuple[float, int]:
    total = (
        float(parse_quantity(hours, field="hours", unit="h").magnitude)
        if not isinstance(hours, (int, float))
        else float(hours)
    )
    dt = (
        float(parse_quantity(step, field="step", unit="h").magnitude)
        if not isinstance(step, (int, float))
        else float(step)
    )
    if not (dt > 0 and total >= 0 and np.isfinite(total) and np.isfinite(dt)):
        raise InvalidInput("'hours' must be >= 0 and 'step' > 0", field="step", value=step)
    steps = total / dt
    if abs(steps - round(steps)) > 1e-6 * max(1.0, steps):
        raise InvalidInput(
            f"'hours' ({total:g}) must be a whole number of steps of {dt:g} h",
            field="step",
            value=dt,
        )
    if steps > 5_000_000:
        raise InvalidInput("too many output times (hours / step > 5,000,000)", field="step")
    return dt, round(steps) + 1


def patient_covariates(
    model: PkModel,
    weight: Quantity | str | None,
    crcl: Quantity | str | None,
    extra: Mapping[str, float] | None = None,
) -> dict[str, float | None]:
    """Covariate values (WT kg, CRCL mL/min) from quantities, for records and parameters."""
    values: dict[str, float | None] = {k.upper(): float(v) for k, v in (extra or {}).items()}
    if weight is not None:
        values["WT"] = float(parse_quantity(weight, field="weight", unit="kg").magnitude)
        model.check_applicability(weight_kg=values["WT"])
    if crcl is not None:
        values["CRCL"] = float(
            parse_quantity(crcl, field="crcl", unit="mL/min", positive=False).magnitude
        )
    for name, covariate in model.covariates.items():
        if values.get(name) is None:
            flag = {"WT": "--weight", "CRCL": "--crcl"}.get(name, f"--covariate {name}=")
            raise InvalidInput(
                f"model '{model.name}' needs {covariate.description} ({flag}, {covariate.unit})",
                field=name.lower(),
            )
    return values


def simulate_regimen(
    regimen: Regimen | str,
    *,
    model: PkModel | str = "anakinra-adult",
    weight: Quantity | str | None = None,
    crcl: Quantity | str | None = None,
    hours: float | Quantity = 96.0,
    step: float | Quantity = 0.25,
    params: Mapping[str, float] | None = None,
    covariates: Mapping[str, float] | None = None,
    renal: str | None = None,
    method: str = "exact",
    age: float | None = None,
) -> Simulation:
    """Simulate a regimen for one patient on a regular grid from 0 to ``hours``.

    Parameters
    ----------
    regimen
        Regimen text (``"100 mg iv bolus; 100 mg/h civ for 72 h"``) or a parsed regimen.
    model
        Model or name (default ``anakinra-adult``).
    weight, crcl
        Body weight and creatinine clearance (``"70 kg"``, ``"90 mL/min"``) for models with these
        covariates; the weight also converts per-kg doses.
    hours, step
        Horizon and output step, in hours (numbers) or as quantities.
    params
        Typical values to set (required for structural models).
    renal
        Renal option (R1, R2, R2-IV); by default the model's IV option for a regimen given
        only IV, else its default.
    method
        ``"exact"`` or ``"ode"``.
    age
        Age in years, checked against the model's range when given.

    Raises
    ------
    InvalidInput
        A weight or age outside the model's range, an unreadable regimen, a missing covariate.
    """
    pk_model = resolve_model(model, params)
    pk_model.check_applicability(age_years=age)
    dose_weight: Quantity | str | None = weight
    if dose_weight is None and covariates and "WT" in {k.upper() for k in covariates}:
        dose_weight = f"{next(v for k, v in covariates.items() if k.upper() == 'WT')} kg"
    parsed = regimen if isinstance(regimen, Regimen) else parse_regimen(regimen, weight=dose_weight)
    renal = pk_model.choose_renal_option(renal, iv_only=parsed.is_iv_only)
    step_h, count = _grid(hours, step)
    values = patient_covariates(pk_model, weight, crcl, covariates)
    records = parsed.to_records(
        pk_model.structure, horizon_h=(count - 1) * step_h, covariates=values
    )
    arrays = {
        k: np.asarray([v], dtype=float) for k, v in values.items() if k in pk_model.covariates
    }
    parameters = pk_model.individual_parameters(arrays, renal=renal)
    times: FloatArray = np.arange(count, dtype=float) * step_h
    if not records:
        return Simulation(pk_model.name, times, np.zeros((1, count)), parameters)
    out = np.empty((1, count))
    sink = _ArraySink(out)
    simulate_records(
        pk_model, records, parameters, step_h=step_h, count=count, sink=sink, method=method
    )
    return Simulation(pk_model.name, times, out, parameters, sink.left_limits)
