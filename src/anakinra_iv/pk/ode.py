"""Reference ODE kernel (scipy ``solve_ivp``), independent of the exact state transition.

It integrates ``dA/dt = f(A) + r`` between events with tight tolerances, one subject at a time.
Steady states are found the way a simulator without closed forms finds them: by repeating the
dosing period (or a constant input) until the state stops changing. It is the cross-check of the
exact kernel in the tests and the path for user-defined non-linear models: pass ``rhs`` (for
example Michaelis-Menten elimination) to :func:`make_ode_kernel_factory`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from anakinra_iv.pk._types import FloatArray

__all__ = ["OdeKernel", "make_ode_kernel_factory", "ode_kernel"]

Rhs = Callable[[FloatArray, FloatArray], FloatArray]
"""``rhs(amounts (n,), rate_matrix (n, n)) -> dA/dt (n,)`` without the zero-order input."""


class OdeKernel:
    """Propagation by numerical integration (LSODA), subject by subject.

    Parameters
    ----------
    rate_matrix, central, central_volume_l
        As for :class:`anakinra_iv.pk.analytic.AnalyticKernel`.
    rhs
        Optional non-linear right-hand side; linear ``K·A`` by default.
    rtol
        Relative tolerance of the integrator.
    """

    def __init__(
        self,
        rate_matrix: FloatArray,
        central: int,
        central_volume_l: FloatArray,
        rhs: Rhs | None = None,
        rtol: float = 1e-11,
    ) -> None:
        self.k = np.asarray(rate_matrix, dtype=float)
        self.subjects, self.n, _ = self.k.shape
        self.central = central
        self.volume = np.broadcast_to(np.asarray(central_volume_l, dtype=float), (self.subjects,))
        self.rhs = rhs
        self.rtol = rtol

    def _solve(
        self,
        s: int,
        start: FloatArray,
        dt: float,
        rates: FloatArray | None,
        t_eval: FloatArray | None,
    ) -> FloatArray:
        k = self.k[s]
        r = np.zeros(self.n) if rates is None else rates[s]
        rhs = self.rhs

        def fun(_: float, y: FloatArray) -> FloatArray:
            base: FloatArray = k @ y if rhs is None else rhs(y, k)
            return base + r

        scale = max(float(np.abs(start).max(initial=0.0)), float(np.abs(r).max(initial=0.0)) * dt)
        if scale == 0.0:
            count = 1 if t_eval is None else len(t_eval)
            return np.zeros((self.n, count))
        # scipy.integrate costs a command line about 0.2 s to import: only this path needs it
        from scipy.integrate import solve_ivp

        solution = solve_ivp(
            fun,
            (0.0, dt),
            start,
            method="LSODA",
            rtol=self.rtol,
            atol=scale * 1e-14,
            jac=None if rhs is not None else (lambda _t, _y: k),
            t_eval=t_eval,
            first_step=min(dt, 1e-6) if dt > 0 else None,
        )
        if not solution.success:  # pragma: no cover - a linear system always integrates
            raise RuntimeError(solution.message)
        if t_eval is None:
            result: FloatArray = solution.y[:, -1:]
            return result
        values: FloatArray = solution.y
        return values

    def advance(self, amounts: FloatArray, dt: float, rates: FloatArray | None) -> FloatArray:
        """Amounts after ``dt`` hours."""
        if dt <= 0:
            return amounts
        out = np.empty_like(amounts)
        for s in range(self.subjects):
            out[s] = self._solve(s, amounts[s], dt, rates, None)[:, -1]
        return out

    def concentration(self, amounts: FloatArray) -> FloatArray:
        """Central concentration (mg/L)."""
        result: FloatArray = amounts[:, self.central] / self.volume
        return result

    def on_grid(
        self, amounts: FloatArray, rates: FloatArray | None, step: float, out: FloatArray
    ) -> None:
        """Concentrations at 0, step, ..., (m-1)·step into ``out`` (subjects, m)."""
        m = out.shape[1]
        offsets: FloatArray = np.arange(m, dtype=float) * step
        for s in range(self.subjects):
            if m == 1:
                out[s, 0] = amounts[s, self.central] / self.volume[s]
                continue
            values = self._solve(s, amounts[s], float(offsets[-1]), rates, offsets)
            out[s] = values[self.central] / self.volume[s]

    def periodic_state(
        self, bolus: FloatArray | None, pieces: Sequence[tuple[float, FloatArray | None]]
    ) -> FloatArray:
        """Pre-dose amounts at steady state, by repeating the period until nothing changes."""
        x = np.zeros((self.subjects, self.n))
        for _ in range(20000):
            y = x if bolus is None else x + bolus
            for dt, rates in pieces:
                y = self.advance(y, dt, rates)
            if np.all(
                np.abs(y - x) <= 1e-10 * np.maximum(np.abs(y).max(axis=1, keepdims=True), 1e-300)
            ):
                return y
            x = y
        return x  # pragma: no cover - linear systems with elimination converge

    def constant_input_state(self, rates: FloatArray) -> FloatArray:
        """Amounts at steady state under a constant input, by integrating until stable."""
        x = np.zeros((self.subjects, self.n))
        for _ in range(20000):
            y = self.advance(x, 24.0, rates)
            if np.all(
                np.abs(y - x) <= 1e-10 * np.maximum(np.abs(y).max(axis=1, keepdims=True), 1e-300)
            ):
                return y
            x = y
        return x  # pragma: no cover


def ode_kernel(k: FloatArray, central: int, volume: FloatArray) -> OdeKernel:
    """Kernel factory of the linear ODE reference."""
    return OdeKernel(k, central, volume)


def make_ode_kernel_factory(
    rhs: Rhs, rtol: float = 1e-11
) -> Callable[[FloatArray, int, FloatArray], OdeKernel]:
    """Kernel factory for a user-defined (possibly non-linear) right-hand side."""

    def factory(k: FloatArray, central: int, volume: FloatArray) -> OdeKernel:
        return OdeKernel(k, central, volume, rhs=rhs, rtol=rtol)

    return factory
