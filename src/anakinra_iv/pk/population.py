"""Population simulation: between-subject variability, residual error, percentile bands.

Individual parameters are ``P_i = P_typical(covariates) × exp(η_i)`` with ``η ~ N(0, Ω)`` (the
model's full Ω matrix); observed concentrations, when asked for, are ``C·(1 + ε₁) + ε₂``. Every
random number comes from the generator passed in. All subjects are propagated together, and the
outputs are reduced to percentiles block by block as the simulation moves through time, so memory
stays bounded by (subjects × one block), whatever the horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.analytic import GRID_BLOCK
from anakinra_iv.pk.parameters import PkModel
from anakinra_iv.pk.regimen import Regimen, parse_regimen
from anakinra_iv.pk.simulate import _grid, resolve_model, simulate_records
from anakinra_iv.units import Quantity, parse_quantity

__all__ = ["PopulationResult", "sample_random_effects", "simulate_population"]


@dataclass(frozen=True)
class PopulationResult:
    """Percentile bands (mg/L) of a simulated population, shape (len(percentiles), T)."""

    model: str
    times: FloatArray
    percentiles: tuple[float, ...]
    bands: FloatArray
    mean: FloatArray
    n_subjects: int
    residual_error: bool

    def band(self, percentile: float) -> FloatArray:
        """The curve of one percentile."""
        result: FloatArray = self.bands[self.percentiles.index(percentile)]
        return result


def sample_random_effects(
    model: PkModel, n_subjects: int, rng: np.random.Generator
) -> FloatArray | None:
    """η (subjects, k) drawn from N(0, Ω) of the model, or ``None`` without variability."""
    if model.variability is None:
        return None
    omega = model.variability.matrix
    values, vectors = np.linalg.eigh(omega)
    if np.any(values < -1e-12):
        raise InvalidInput(f"model '{model.name}': Ω is not positive semi-definite", field="omega")
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    result: FloatArray = rng.standard_normal((n_subjects, omega.shape[0])) @ root.T
    return result


def _values(value: Quantity | str | None, field: str, unit: str) -> FloatArray | None:
    """One value or an array (a quantity with an array magnitude), in ``unit``."""
    if value is None:
        return None
    if not isinstance(value, str) and np.ndim(value.magnitude) > 0:
        try:
            array = np.asarray(value.to(unit).magnitude, dtype=float)
        except Exception as error:
            raise InvalidInput(f"'{field}' must be in {unit}", field=field) from error
        if np.any(~np.isfinite(array)) or np.any(array < 0):
            raise InvalidInput(f"'{field}' values must be finite and >= 0", field=field)
        return array
    single = parse_quantity(value, field=field, unit=unit, positive=field != "crcl")
    return np.atleast_1d(np.asarray(single.magnitude, dtype=float))


class _PercentileSink:
    def __init__(
        self,
        subjects: int,
        count: int,
        percentiles: Sequence[float],
        residual: tuple[float, float] | None,
        rng: np.random.Generator,
    ) -> None:
        self.block = np.empty((subjects, GRID_BLOCK))
        self.percentiles = list(percentiles)
        self.bands = np.empty((len(percentiles), count))
        self.mean = np.empty(count)
        self.residual = residual
        self.rng = rng

    def buffer(self, start: int, stop: int) -> FloatArray:
        result: FloatArray = self.block[:, : stop - start]
        return result

    def commit(self, start: int, stop: int) -> None:
        values = self.block[:, : stop - start]
        if self.residual is not None:
            proportional, additive = self.residual
            shape = values.shape
            values = values * (1.0 + proportional * self.rng.standard_normal(shape))
            values += additive * self.rng.standard_normal(shape)
        self.bands[:, start:stop] = np.percentile(values, self.percentiles, axis=0)
        self.mean[start:stop] = values.mean(axis=0)


def simulate_population(
    regimen: Regimen | str,
    *,
    n_subjects: int,
    rng: np.random.Generator,
    model: PkModel | str = "anakinra-adult",
    weight: Quantity | str | None = None,
    crcl: Quantity | str | None = None,
    hours: float | Quantity = 96.0,
    step: float | Quantity = 0.25,
    percentiles: Sequence[float] = (5.0, 50.0, 95.0),
    residual_error: bool = False,
    renal: str | None = None,
    age: float | None = None,
) -> PopulationResult:
    """Simulate ``n_subjects`` with between-subject variability and return percentile bands.

    Parameters
    ----------
    regimen
        Regimen text or parsed regimen (per-kg doses use ``weight``).
    n_subjects
        Number of virtual subjects.
    rng
        The random generator (``numpy.random.default_rng(seed)``); nothing else draws numbers.
    weight, crcl
        Covariates, a single value or an array quantity with one value per subject.
    residual_error
        Add the model's residual error to the concentrations before taking percentiles.
    renal
        Renal option; by default the model's IV option for a regimen given only IV.
    age
        Age in years, checked against the model's range when given.
    """
    pk_model = resolve_model(model)
    pk_model.check_applicability(age_years=age)
    if n_subjects < 1:
        raise InvalidInput("'n_subjects' must be at least 1", field="n_subjects", value=n_subjects)
    weights = _values(weight, "weight", "kg")
    crcls = _values(crcl, "crcl", "mL/min")
    if isinstance(regimen, Regimen):
        parsed = regimen
    else:
        scalar = None if weights is None or weights.size != 1 else f"{weights[0]} kg"
        parsed = parse_regimen(regimen, weight=scalar)
    if weights is not None:
        pk_model.check_applicability(weight_kg=weights)
    renal = pk_model.choose_renal_option(renal, iv_only=parsed.is_iv_only)
    step_h, count = _grid(hours, step)
    covariates: dict[str, FloatArray] = {}
    for name, values in (("WT", weights), ("CRCL", crcls)):
        if name in pk_model.covariates:
            if values is None:
                raise InvalidInput(
                    f"model '{pk_model.name}' needs covariate {name}", field=name.lower()
                )
            if values.size not in (1, n_subjects):
                raise InvalidInput(f"'{name}' needs 1 or {n_subjects} values", field=name.lower())
            covariates[name] = np.broadcast_to(values, (n_subjects,))
    etas = sample_random_effects(pk_model, n_subjects, rng)
    params = pk_model.individual_parameters(covariates, etas=etas, renal=renal, subjects=n_subjects)
    records = parsed.to_records(pk_model.structure, horizon_h=(count - 1) * step_h)
    residual = None
    if residual_error and pk_model.residual is not None:
        residual = (pk_model.residual.proportional, pk_model.residual.additive_mg_l)
    sink = _PercentileSink(n_subjects, count, percentiles, residual, rng)
    simulate_records(pk_model, records, params, step_h=step_h, count=count, sink=sink)
    return PopulationResult(
        model=pk_model.name,
        times=np.asarray(np.arange(count) * step_h, dtype=np.float64),
        percentiles=tuple(float(p) for p in percentiles),
        bands=sink.bands,
        mean=sink.mean,
        n_subjects=n_subjects,
        residual_error=residual is not None,
    )
