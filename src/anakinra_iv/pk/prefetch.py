"""Propagators of many single-subject kernels computed in one batched matrix exponential.

A subject whose records share their pattern with no other subject (its own sampling times, as
in clinical data) runs alone through the event engine, and each step between two of its records
needs a matrix exponential. One exponential of a small matrix costs tens of microseconds alone
and a few microseconds in a batch, so before such subjects run, the exponentials of all the
steps between their consecutive records are computed together and handed to each kernel's cache
(:meth:`AnalyticKernel.store_propagators`). The kernel then finds the same numbers it would have
computed (the same augmented matrix, the same Padé approximant); steps the engine needs besides
(additional doses, infusion ends, lags) are computed as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.analytic import AnalyticKernel, expm_batched
from anakinra_iv.pk.dataset import Record
from anakinra_iv.pk.engine import Kernel

__all__ = ["prefetch_propagators"]


def prefetch_propagators(
    kernels: Sequence[tuple[Kernel, Sequence[Record]]], eligible: Sequence[bool]
) -> None:
    """Store ``E`` and ``G`` of the steps between consecutive record times in each eligible
    single-subject exact kernel (one batched exponential per number of states)."""
    stacks: dict[int, list[tuple[AnalyticKernel, FloatArray]]] = {}
    for (kernel, records), ok in zip(kernels, eligible, strict=True):
        if not ok or not isinstance(kernel, AnalyticKernel) or kernel.subjects != 1:
            continue
        times = np.fromiter((r.time for r in records), dtype=float, count=len(records))
        steps = np.unique(np.diff(times))
        stacks.setdefault(kernel.n, []).append((kernel, steps[steps > 0]))
    for n, items in stacks.items():
        dt = np.concatenate([steps for _, steps in items])[:, None, None]
        rates = np.concatenate([np.repeat(k.k, steps.size, axis=0) for k, steps in items])
        augmented = np.zeros((dt.shape[0], 2 * n, 2 * n))
        augmented[:, :n, :n] = rates * dt
        augmented[:, :n, n:] = np.eye(n) * dt
        full = expm_batched(augmented)
        row = 0
        for kernel, steps in items:
            for step in steps.tolist():
                kernel.store_propagators(step, full[row : row + 1])
                row += 1
