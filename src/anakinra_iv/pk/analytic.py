"""Exact state transition for linear compartment models, vectorised over subjects.

Between two events the amounts obey ``dA/dt = K·A + r`` with ``K`` and ``r`` constant, whose exact
solution is ``A(t+Δ) = E(Δ)·A(t) + G(Δ)·r`` with ``E(Δ) = e^{KΔ}`` and ``G(Δ) = ∫₀^Δ e^{Ks} ds``
(``pharmacokinetics.md`` §4.3). Both come from one matrix exponential of the augmented matrix
``[[K, I], [0, 0]]·Δ``, evaluated here for a whole batch of subjects at once by Padé(13)
scaling-and-squaring (Higham 2005), which is exact to double precision. Unlike eigenvalue formulas
it stays exact when rate constants coincide (``KA = KTR``, ``KA = CL/V``), as the anakinra SC
model's depot and transit compartments do.

Propagators are computed once per distinct step and parameter set, and dense outputs on a regular
grid use powers of the one-step propagator, applied with batched matrix products. No ODE solver and
no Python loop per output point run on this path.

The classic closed forms of §4 (:func:`one_compartment_bolus` ...) are kept as independent
reference formulas for the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.cache import PropagatorCache

__all__ = [
    "AnalyticKernel",
    "expm_batched",
    "one_compartment_absorption",
    "one_compartment_bolus",
    "one_compartment_infusion",
    "two_compartment_bolus",
    "two_compartment_infusion",
]

_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152
GRID_BLOCK = 128
"""Number of grid steps whose propagator rows are tabulated at once (a power of two)."""
_EXPM_CHUNK = 1024
"""Matrices per slice of a batched matrix exponential."""
_EINSUM_FROM = 32
"""Batch size from which one einsum beats stacked matrix products for small matrices (2-3x at
thousands of subjects, measured; matmul is faster for a single subject)."""


def expm_batched(a: FloatArray) -> FloatArray:
    """Matrix exponential of every matrix in a stack of shape (..., n, n).

    Padé(13) approximant with scaling and squaring, the method of ``scipy.linalg.expm``, written
    with batched numpy products so that thousands of small matrices cost a few array operations.

    >>> import numpy as np
    >>> float(expm_batched(np.array([[[-1.0]]]))[0, 0, 0])  # doctest: +ELLIPSIS
    0.36787944117144...
    """
    a = np.asarray(a, dtype=float)
    if a.ndim == 3 and a.shape[0] > _EXPM_CHUNK:
        # slices of a few hundred kilobytes stay in the processor's cache: at 10,000 subjects
        # this halves the time (measured), and each matrix's result is the same either way
        out = np.empty_like(a)
        for start in range(0, a.shape[0], _EXPM_CHUNK):
            out[start : start + _EXPM_CHUNK] = expm_batched(a[start : start + _EXPM_CHUNK])
        return out
    n = a.shape[-1]
    eye = np.broadcast_to(np.eye(n), a.shape)
    norms = np.abs(a).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore"):
        squarings = np.maximum(0, np.ceil(np.log2(np.maximum(norms, 1e-300) / _THETA13)))
    squarings = squarings.astype(np.int64)
    scaled = a / (2.0**squarings)[..., None, None]
    b = _PADE13
    a2 = scaled @ scaled
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = scaled @ (
        a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye
    )
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    result: FloatArray = np.linalg.solve(v - u, v + u)
    most = int(squarings.max()) if squarings.size else 0
    for k in range(most):
        square = result @ result
        result = np.where((squarings > k)[..., None, None], square, result)
    return result


class AnalyticKernel:
    """Exact propagation of a batch of subjects that share one structure.

    Parameters
    ----------
    rate_matrix
        ``K`` of shape (subjects, n, n), 1/h.
    central
        Index (0-based) of the central compartment among the n states.
    central_volume_l
        Central volume per subject (L); concentrations are amounts / volume (mg/L).
    """

    def __init__(self, rate_matrix: FloatArray, central: int, central_volume_l: FloatArray) -> None:
        self.k = np.asarray(rate_matrix, dtype=float)
        self.subjects, self.n, _ = self.k.shape
        self.central = central
        self.volume = np.broadcast_to(np.asarray(central_volume_l, dtype=float), (self.subjects,))
        self._propagators = PropagatorCache()
        self._last_input: tuple[float, FloatArray, FloatArray] | None = None
        self._grid_tables: dict[float, tuple[FloatArray, FloatArray]] = {}
        self._step_propagators: dict[float, FloatArray] = {}

    # -- propagators ------------------------------------------------------------------------
    def _augmented(self, dt: float) -> FloatArray:
        n = self.n
        aug = np.zeros((self.subjects, 2 * n, 2 * n))
        aug[:, :n, :n] = self.k * dt
        aug[:, :n, n:] = np.eye(n) * dt
        return expm_batched(aug)

    def propagators(self, dt: float) -> tuple[FloatArray, FloatArray]:
        """``(E(dt), G(dt))``, each (subjects, n, n), cached per distinct ``dt`` within the
        process-wide byte budget (:mod:`anakinra_iv.pk.cache`)."""
        key = float(dt)
        found = self._propagators.get(key)
        if found is not None:
            return found[0], found[1]
        full = self._from_grid_step(key)
        if full is None:
            full = self._augmented(key)
        return self.store_propagators(key, full)

    def store_propagators(self, dt: float, full: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Keep ``(E(dt), G(dt))`` from ``exp([[K, I], [0, 0]]·dt)`` (subjects, 2n, 2n)."""
        e = np.ascontiguousarray(full[:, : self.n, : self.n])
        g = np.ascontiguousarray(full[:, : self.n, self.n :])
        self._propagators.put(float(dt), (e, g))
        return e, g

    def _from_grid_step(self, dt: float) -> FloatArray | None:
        """``P(dt) = P(h)^m`` by binary powering when ``dt`` is m whole grid steps ``h``."""
        for step, base in self._step_propagators.items():
            steps = dt / step
            m = round(steps)
            if m >= 2 and abs(steps - m) <= 1e-9 * steps:
                result: FloatArray | None = None
                power = base
                while m:
                    if m & 1:
                        result = power if result is None else result @ power
                    m >>= 1
                    if m:
                        power = power @ power
                return result
        return None

    def advance(self, amounts: FloatArray, dt: float, rates: FloatArray | None) -> FloatArray:
        """Amounts after ``dt`` hours from ``amounts`` with constant zero-order input ``rates``."""
        if dt <= 0.0:
            return amounts
        e, g = self.propagators(dt)
        if self.subjects < _EINSUM_FROM:
            out: FloatArray = (e @ amounts[..., None])[..., 0]
            if rates is not None:
                out += (g @ rates[..., None])[..., 0]
            return out
        out = np.einsum("sij,sj->si", e, amounts)
        if rates is not None:
            out += self._input(dt, g, rates)
        return out

    def _input(self, dt: float, g: FloatArray, rates: FloatArray) -> FloatArray:
        """``G(dt)·r``, remembered for the last (step, rates) pair: between two events the same
        step and the same running infusions recur at every observation."""
        last = self._last_input
        if last is not None and last[0] == dt and last[1] is rates:
            return last[2]
        found: FloatArray = np.einsum("sij,sj->si", g, rates)
        self._last_input = (dt, rates, found)
        return found

    def concentration(self, amounts: FloatArray) -> FloatArray:
        """Central concentration (mg/L) of each subject."""
        result: FloatArray = amounts[:, self.central] / self.volume
        return result

    def at_offsets(
        self, amounts: FloatArray, rates: FloatArray | None, offsets: Sequence[float]
    ) -> FloatArray:
        """Concentrations (subjects, len(offsets)) at arbitrary offsets (h) from ``amounts``."""
        out = np.empty((self.subjects, len(offsets)))
        for j, offset in enumerate(offsets):
            out[:, j] = self.concentration(self.advance(amounts, offset, rates))
        return out

    def _grid_table(self, step: float) -> tuple[FloatArray, FloatArray]:
        """Central rows of ``[E(j·step), G(j·step)]`` / V for j < GRID_BLOCK, and P^GRID_BLOCK."""
        key = float(step)
        found = self._grid_tables.get(key)
        if found is None:
            n = self.n
            power = self._augmented(key)
            self._step_propagators[key] = power
            rows = np.zeros((self.subjects, GRID_BLOCK, 2 * n))
            rows[:, 0, self.central] = 1.0
            filled = 1
            while filled < GRID_BLOCK:
                rows[:, filled : 2 * filled] = rows[:, :filled] @ power
                power = power @ power
                filled *= 2
            rows /= self.volume[:, None, None]
            found = (rows, power)
            self._grid_tables[key] = found
        return found

    def on_grid(
        self, amounts: FloatArray, rates: FloatArray | None, step: float, out: FloatArray
    ) -> None:
        """Fill ``out`` (subjects, m ≤ GRID_BLOCK) with concentrations at 0, step, … (m−1)·step."""
        rows, _ = self._grid_table(step)
        n = self.n
        state = np.empty((self.subjects, 2 * n, 1))
        state[:, :n, 0] = amounts
        state[:, n:, 0] = 0.0 if rates is None else rates
        m = out.shape[1]
        np.matmul(rows[:, :m], state, out=out[..., None])

    # -- steady state -----------------------------------------------------------------------
    def periodic_state(
        self, bolus: FloatArray | None, pieces: Sequence[tuple[float, FloatArray | None]]
    ) -> FloatArray:
        """Amounts just before a dose in the periodic steady state.

        One period starts with ``bolus`` (subjects, n) at phase 0, followed by the constant inputs
        ``pieces`` = [(duration h, rates), ...] whose durations add up to the interval. Solves
        ``A = Φ·A + b`` exactly, ``Φ = E(interval)`` and ``b`` the period's response from zero.
        """
        b = np.zeros((self.subjects, self.n)) if bolus is None else bolus.copy()
        phi = np.broadcast_to(np.eye(self.n), self.k.shape).copy()
        for dt, rates in pieces:
            if dt <= 0:
                continue
            e, _ = self.propagators(dt)
            b = self.advance(b, dt, rates)
            phi = np.asarray(e @ phi, dtype=float)
        lhs = np.eye(self.n) - phi
        solved = np.linalg.solve(lhs, b[..., None])
        result: FloatArray = np.asarray(solved[..., 0], dtype=np.float64)
        return result

    def constant_input_state(self, rates: FloatArray) -> FloatArray:
        """Amounts at steady state under a constant input: ``A = -K⁻¹·r``."""
        result: FloatArray = -np.linalg.solve(self.k, rates[..., None])[..., 0]
        return result


# -- closed forms (pharmacokinetics.md §4), used as independent references in tests ------------


def one_compartment_bolus(t_h: FloatArray, dose_mg: float, cl: float, v: float) -> FloatArray:
    """``C = (D/V)·e^(−kt)``, k = CL/V (t ≥ 0 after the dose)."""
    result: FloatArray = dose_mg / v * np.exp(-cl / v * np.asarray(t_h, dtype=float))
    return result


def one_compartment_infusion(
    t_h: FloatArray, rate_mg_h: float, duration_h: float, cl: float, v: float
) -> FloatArray:
    """Zero-order infusion from t = 0 for ``duration_h``: rise to R/CL, then first-order decay."""
    t = np.asarray(t_h, dtype=float)
    k = cl / v
    during = rate_mg_h / cl * (1 - np.exp(-k * np.minimum(t, duration_h)))
    result: FloatArray = during * np.exp(-k * np.maximum(t - duration_h, 0.0))
    return result


def one_compartment_absorption(
    t_h: FloatArray, dose_mg: float, f: float, ka: float, cl: float, v: float
) -> FloatArray:
    """``C = F·D·ka/(V(ka−k))·(e^(−kt) − e^(−ka·t))`` (ka ≠ k)."""
    t = np.asarray(t_h, dtype=float)
    k = cl / v
    result: FloatArray = f * dose_mg * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))
    return result


def _two_compartment_constants(
    cl: float, v1: float, q: float, v2: float
) -> tuple[float, float, float, float]:
    k10, k12, k21 = cl / v1, q / v1, q / v2
    total = k10 + k12 + k21
    root = np.sqrt(total * total - 4 * k10 * k21)
    alpha, beta = (total + root) / 2, (total - root) / 2
    return alpha, beta, (alpha - k21) / (alpha - beta), (k21 - beta) / (alpha - beta)


def two_compartment_bolus(
    t_h: FloatArray, dose_mg: float, cl: float, v1: float, q: float, v2: float
) -> FloatArray:
    """``C = (D/V1)(A·e^(−αt) + B·e^(−βt))``."""
    t = np.asarray(t_h, dtype=float)
    alpha, beta, a, b = _two_compartment_constants(cl, v1, q, v2)
    result: FloatArray = dose_mg / v1 * (a * np.exp(-alpha * t) + b * np.exp(-beta * t))
    return result


def two_compartment_infusion(
    t_h: FloatArray,
    rate_mg_h: float,
    duration_h: float,
    cl: float,
    v1: float,
    q: float,
    v2: float,
) -> FloatArray:
    """Zero-order infusion into the central compartment of a two-compartment model."""
    t = np.asarray(t_h, dtype=float)
    alpha, beta, a, b = _two_compartment_constants(cl, v1, q, v2)
    inside = np.minimum(t, duration_h)
    after = np.maximum(t - duration_h, 0.0)
    result: FloatArray = (
        rate_mg_h
        / v1
        * (
            a / alpha * (1 - np.exp(-alpha * inside)) * np.exp(-alpha * after)
            + b / beta * (1 - np.exp(-beta * inside)) * np.exp(-beta * after)
        )
    )
    return result
