"""Linear compartment models: compartment numbering and rate matrices.

Compartments are numbered as in NONMEM's ADVAN1-4/11/12. Models with first-order absorption have
1 = depot, 2 = central, 3 (and 4) = peripheral; IV models have 1 = central, 2 (and 3) = peripheral.
Optional transit compartments (``NTR`` of them, rate ``KTR``) sit between the depot and the central
compartment and are numbered after the peripheral ones, so that the standard numbers never move.

The state obeys ``dA/dt = K·A + r(t)`` where ``K`` is the rate matrix built here (``K[i, j]`` is the
first-order rate from compartment ``j`` into ``i``) and ``r`` the zero-order input. Units: amounts
in mg, volumes in L, clearances in L/h, rate constants in 1/h.

Examples
--------
>>> model = get_structural_model("two-compartment")
>>> model.compartments(0)
('central', 'peripheral')
>>> model.required_parameters
('CL', 'V1', 'Q', 'V2')
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from anakinra_iv.errors import InvalidInput, UnknownItem
from anakinra_iv.pk._types import FloatArray

__all__ = [
    "STRUCTURAL_MODELS",
    "StructuralModel",
    "get_structural_model",
]

OPTIONAL_ABSORPTION_PARAMETERS = ("NTR", "KTR", "F1", "ALAG1")


@dataclass(frozen=True)
class StructuralModel:
    """A linear mammillary model with or without a first-order absorption depot.

    Parameters
    ----------
    name
        The name used on the command line (``two-compartment-absorption``).
    peripherals
        Number of peripheral compartments (0, 1 or 2).
    absorption
        Whether compartment 1 is a depot emptying by first order (rate ``KA``) into the central one.
    advan
        The NONMEM subroutine with the same compartment numbering, for reference.
    """

    name: str
    peripherals: int
    absorption: bool
    advan: str

    @property
    def volume_name(self) -> str:
        """Name of the central volume parameter: ``V`` for one compartment, else ``V1``."""
        return "V" if self.peripherals == 0 else "V1"

    @property
    def required_parameters(self) -> tuple[str, ...]:
        """Parameters that must be given, in display order."""
        names: list[str] = ["CL", self.volume_name]
        if self.peripherals >= 1:
            names += ["Q", "V2"]
        if self.peripherals >= 2:
            names += ["Q3", "V3"]
        if self.absorption:
            names.append("KA")
        return tuple(names)

    @property
    def optional_parameters(self) -> tuple[str, ...]:
        """Parameters with defaults: transit number/rate, depot bioavailability and lag time."""
        return OPTIONAL_ABSORPTION_PARAMETERS if self.absorption else ()

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Every parameter the model reads."""
        return self.required_parameters + self.optional_parameters

    @property
    def central_cmt(self) -> int:
        """NONMEM number (1-based) of the central compartment."""
        return 2 if self.absorption else 1

    @property
    def depot_cmt(self) -> int | None:
        """NONMEM number of the depot, or ``None`` for IV-only models."""
        return 1 if self.absorption else None

    def compartments(self, n_transit: int) -> tuple[str, ...]:
        """Compartment names in NONMEM order for a model with ``n_transit`` transit compartments."""
        names: list[str] = ["depot"] if self.absorption else []
        names.append("central")
        names += ["peripheral"] if self.peripherals == 1 else []
        names += ["peripheral1", "peripheral2"] if self.peripherals == 2 else []
        names += [f"transit{i + 1}" for i in range(n_transit if self.absorption else 0)]
        return tuple(names)

    def n_states(self, n_transit: int) -> int:
        """Number of compartments (states)."""
        return len(self.compartments(n_transit))

    def transit_count(self, params: Mapping[str, FloatArray]) -> int:
        """The (structural) number of transit compartments, from ``NTR`` (default 0)."""
        if not self.absorption or "NTR" not in params:
            return 0
        values = np.unique(np.asarray(params["NTR"], dtype=float))
        if values.size != 1 or values[0] < 0 or values[0] != np.round(values[0]) or values[0] > 20:
            raise InvalidInput(
                f"'NTR' must be one whole number from 0 to 20 for every subject (got {values})",
                field="NTR",
                value=values.tolist(),
            )
        return int(values[0])

    def check_parameters(self, params: Mapping[str, FloatArray]) -> None:
        """Refuse missing, unknown, non-finite or non-positive parameters, naming the first."""
        for name in self.required_parameters:
            if name not in params:
                raise InvalidInput(
                    f"model '{self.name}' needs parameter '{name}' "
                    f"(required: {', '.join(self.required_parameters)})",
                    field=name,
                )
        for name, value in params.items():
            if name not in self.parameter_names:
                raise UnknownItem(
                    f"model '{self.name}' has no parameter '{name}' "
                    f"(known: {', '.join(self.parameter_names)})",
                    field=name,
                    value=name,
                )
            array = np.asarray(value, dtype=float)
            if not np.all(np.isfinite(array)):
                raise InvalidInput(f"parameter '{name}' must be finite", field=name)
            lower_ok = array >= 0 if name in ("NTR", "ALAG1", "F1") else array > 0
            if not np.all(lower_ok):
                raise InvalidInput(
                    f"parameter '{name}' must be greater than 0 (got {array.min():g})",
                    field=name,
                    value=float(array.min()),
                )

    def central_volume(self, params: Mapping[str, FloatArray]) -> FloatArray:
        """Central volume (L) per subject."""
        return np.asarray(params[self.volume_name], dtype=float)

    def rate_matrix(self, params: Mapping[str, FloatArray]) -> FloatArray:
        """Rate matrices ``K`` of shape (subjects, n, n) in 1/h."""
        n_transit = self.transit_count(params)
        n = self.n_states(n_transit)
        cl = np.atleast_1d(np.asarray(params["CL"], dtype=float))
        v1 = np.atleast_1d(self.central_volume(params))
        size = cl.shape[0]
        k = np.zeros((size, n, n))
        c = self.central_cmt - 1
        k[:, c, c] -= cl / v1
        peripheral_pairs = [("Q", "V2"), ("Q3", "V3")][: self.peripherals]
        for offset, (q_name, v_name) in enumerate(peripheral_pairs):
            p = c + 1 + offset
            q = np.asarray(params[q_name], dtype=float)
            vp = np.asarray(params[v_name], dtype=float)
            k[:, c, c] -= q / v1
            k[:, p, c] += q / v1
            k[:, p, p] -= q / vp
            k[:, c, p] += q / vp
        if self.absorption:
            ka = np.asarray(params["KA"], dtype=float)
            ktr = np.asarray(params.get("KTR", ka), dtype=float)
            first_transit = 1 + 1 + self.peripherals
            chain = [0] + [first_transit + i for i in range(n_transit)] + [c]
            rates = [ka] + [ktr] * n_transit
            for (src, dst), rate in zip(itertools.pairwise(chain), rates, strict=True):
                k[:, src, src] -= rate
                k[:, dst, src] += rate
        return k


STRUCTURAL_MODELS: dict[str, StructuralModel] = {
    m.name: m
    for m in (
        StructuralModel("one-compartment", 0, False, "ADVAN1"),
        StructuralModel("one-compartment-absorption", 0, True, "ADVAN2"),
        StructuralModel("two-compartment", 1, False, "ADVAN3"),
        StructuralModel("two-compartment-absorption", 1, True, "ADVAN4"),
        StructuralModel("three-compartment", 2, False, "ADVAN11"),
        StructuralModel("three-compartment-absorption", 2, True, "ADVAN12"),
    )
}
"""The built-in structural models by name."""


def get_structural_model(name: str) -> StructuralModel:
    """Return the structural model called ``name``.

    Raises
    ------
    UnknownItem
        No structural model has that name.
    """
    try:
        return STRUCTURAL_MODELS[name]
    except KeyError:
        raise UnknownItem(
            f"unknown structural model '{name}' (known: {', '.join(STRUCTURAL_MODELS)})",
            field="model",
            value=name,
        ) from None
