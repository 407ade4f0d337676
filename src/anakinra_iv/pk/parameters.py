"""Parameter sets with provenance: the values, covariates and variability of a PK model.

Each anakinra model is a YAML file in ``pk/data/`` (read by :mod:`anakinra_iv.pk.catalog`) giving,
for every number, its unit, its status (published, precedent, regulatory, derived or
site-decision), its source (an evidence-registry key) and a note. Covariates act on typical values
as documented in ``pharmacokinetics.md`` §3: ``P = P_typical × (WT/WT_ref)^exponent`` and, for
clearance, a renal factor (option R1, R2 or R2-IV, see :mod:`anakinra_iv.pk.covariates`);
between-subject variability multiplies by ``exp(η)``.

Examples
--------
>>> from anakinra_iv.pk.models import get_structural_model
>>> model = PkModel("demo", "demo", get_structural_model("one-compartment"))
>>> model.with_parameters({"cl": 2, "V": 10}).parameters["CL"].status
'site-decision'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from anakinra_iv.errors import InvalidInput, UnknownItem
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.covariates import RENAL_OPTIONS, allometric, renal_factor
from anakinra_iv.pk.models import StructuralModel
from anakinra_iv.protocol.values import Status, Value
from anakinra_iv.units import Q_, Quantity

__all__ = [
    "PARAMETER_UNITS",
    "Covariate",
    "ParameterValue",
    "PkModel",
    "ResidualError",
    "Variability",
]

PARAMETER_UNITS = {
    "CL": "L/h",
    "V": "L",
    "V1": "L",
    "V2": "L",
    "V3": "L",
    "Q": "L/h",
    "Q3": "L/h",
    "KA": "1/h",
    "KTR": "1/h",
    "F1": "1",
    "ALAG1": "h",
    "NTR": "1",
}
"""The unit in which the engine reads each parameter (doses mg, time h, volumes L)."""

USER_NOTE = "given with --param"


@dataclass(frozen=True)
class ParameterValue:
    """A typical value with its provenance.

    ``weight_exponent`` scales the value with body weight; ``exponent_provenance`` says where the
    exponent comes from.
    """

    name: str
    value: float
    unit: str
    status: Status
    source: str
    weight_exponent: float | None = None
    note: str = ""
    exponent_provenance: Value | None = None

    @property
    def quantity(self) -> Quantity:
        """The value as a quantity."""
        return Q_(self.value, "dimensionless" if self.unit == "1" else self.unit)


@dataclass(frozen=True)
class Covariate:
    """A covariate the model reads, with its unit and reference value (and its provenance)."""

    name: str
    unit: str
    reference: float
    description: str
    reference_provenance: Value | None = None


@dataclass(frozen=True)
class Variability:
    """Log-normal between-subject variability: ``P_i = P × exp(η_i)``, ``η ~ N(0, Ω)``.

    ``variances`` holds the diagonal of Ω read from a model file, each with its provenance, by
    parameter name (empty for a matrix built in code).
    """

    parameters: tuple[str, ...]
    omega: tuple[tuple[float, ...], ...]
    variances: Mapping[str, Value] = field(default_factory=dict)

    @property
    def matrix(self) -> FloatArray:
        """Ω as an array."""
        return np.asarray(self.omega, dtype=float)


@dataclass(frozen=True)
class ResidualError:
    """``C_obs = C·(1 + ε₁) + ε₂`` with SDs ``proportional`` and ``additive_mg_l``.

    ``provenance`` holds both as values with provenance (keys ``proportional``, ``additive``).
    """

    proportional: float
    additive_mg_l: float
    provenance: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class PkModel:
    """A structural model with parameter values, covariates and provenance.

    Built-in structural models have no values until given (``with_parameters``).
    """

    name: str
    title: str
    structure: StructuralModel
    n_transit: int = 0
    routes: tuple[str, ...] = ("iv", "sc")
    summary: str = ""
    parameters: Mapping[str, ParameterValue] = field(default_factory=dict)
    covariates: Mapping[str, Covariate] = field(default_factory=dict)
    renal_default: str | None = None
    renal_parameter: str | None = None
    variability: Variability | None = None
    residual: ResidualError | None = None
    iv_refusal: str | None = None
    named: bool = False
    renal_iv_default: str | None = None
    applicability: Mapping[str, tuple[Value | None, Value | None]] = field(default_factory=dict)

    def choose_renal_option(self, renal: str | None, *, iv_only: bool) -> str | None:
        """The renal option to use: ``renal`` if given, else the IV-derived default for a
        regimen given only IV (Yang 2003 measured IV clearance in ESRD), else the default.

        >>> from anakinra_iv.pk.catalog import get_model
        >>> get_model("anakinra-adult").choose_renal_option(None, iv_only=True)
        'R2-IV'
        """
        if renal is not None:
            return renal
        if iv_only and self.renal_iv_default is not None:
            return self.renal_iv_default
        return self.renal_default

    def check_applicability(
        self, *, weight_kg: object = None, age_years: float | None = None
    ) -> None:
        """Refuse a patient outside the model's weight or age range (the range the model's data
        or its scaling support), naming the field and the range's provenance."""
        checks = (("WT", "weight", "kg", weight_kg), ("AGE", "age", "year", age_years))
        for key, field_name, unit, given in checks:
            if given is None or key not in self.applicability:
                continue
            values = np.atleast_1d(np.asarray(given, dtype=float))
            low, high = self.applicability[key]
            for bound, outside in ((low, values.min()), (high, values.max())):
                if bound is None:
                    continue
                limit = float(bound.quantity.to(unit).magnitude)
                if (bound is low and outside < limit) or (bound is high and outside > limit):
                    side = "below" if bound is low else "above"
                    raise InvalidInput(
                        f"'{field_name}' {outside:g} {unit} is {side} the range of model "
                        f"'{self.name}' ({'from' if bound is low else 'up to'} {limit:g} {unit}; "
                        f"{bound.status}, {bound.source}"
                        + (f": {bound.note}" if bound.note else "")
                        + ")",
                        field=field_name,
                        value=float(outside),
                        limit=limit,
                    )

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Parameters a user may set (typical values)."""
        return self.structure.parameter_names

    def with_parameters(self, values: Mapping[str, float]) -> PkModel:
        """A copy with typical values replaced or added (``--param KEY=VALUE``)."""
        updated = dict(self.parameters)
        for name, value in values.items():
            key = name.upper()
            if key not in self.parameter_names:
                raise UnknownItem(
                    f"model '{self.name}' has no parameter '{name}' "
                    f"(known: {', '.join(self.parameter_names)})",
                    field="param",
                    value=name,
                )
            old = updated.get(key)
            updated[key] = ParameterValue(
                key,
                float(value),
                old.unit if old else PARAMETER_UNITS.get(key, "1"),
                "site-decision",
                "site",
                old.weight_exponent if old else None,
                USER_NOTE,
                old.exponent_provenance if old else None,
            )
        return replace(self, parameters=updated)

    def check_routes(self, dose_cmts: Iterable[int]) -> None:
        """Refuse doses into a route the model cannot predict (IV for an SC-only model)."""
        if "iv" in self.routes:
            return
        depot = self.structure.depot_cmt
        for cmt in dose_cmts:
            if cmt != depot:
                raise InvalidInput(
                    self.iv_refusal or f"model '{self.name}' accepts only SC doses",
                    field="route",
                    value=cmt,
                )

    def individual_parameters(
        self,
        covariates: Mapping[str, FloatArray],
        *,
        etas: FloatArray | None = None,
        renal: str | None = None,
        subjects: int = 1,
    ) -> dict[str, FloatArray]:
        """Parameter arrays (subjects,) for covariate arrays and random effects.

        Parameters
        ----------
        covariates
            Arrays (or scalars) by covariate name (``WT`` kg, ``CRCL`` mL/min).
        etas
            Random effects (subjects, len(variability.parameters)), or ``None``.
        renal
            Renal option (R1, R2, R2-IV); the model's default when ``None``.
        """
        for name in self.structure.required_parameters:
            if name not in self.parameters:
                raise InvalidInput(
                    f"model '{self.name}' needs parameter '{name}': give --param {name}=VALUE "
                    f"(required: {', '.join(self.structure.required_parameters)})",
                    field=name,
                )
        for name in self.covariates:
            if name not in covariates or covariates[name] is None:
                raise InvalidInput(
                    f"model '{self.name}' needs covariate '{name}' "
                    f"({self.covariates[name].description}, {self.covariates[name].unit})",
                    field=name,
                )
        result: dict[str, FloatArray] = {}
        for name, value in self.parameters.items():
            array = np.full(subjects, value.value, dtype=float)
            if value.weight_exponent is not None and "WT" in self.covariates:
                reference = self.covariates["WT"].reference
                array = array * allometric(covariates["WT"], value.weight_exponent, reference)
            if name == self.renal_parameter and "CRCL" in self.covariates:
                option = renal or self.renal_default or "R1"
                array = array * renal_factor(option, covariates["CRCL"])
            result[name] = np.broadcast_to(array, (subjects,)).astype(float)
        if renal is not None and renal not in RENAL_OPTIONS:
            raise InvalidInput(f"'renal' must be one of {', '.join(RENAL_OPTIONS)}", field="renal")
        if self.n_transit:
            result["NTR"] = np.full(subjects, float(self.n_transit))
        if etas is not None and self.variability is not None:
            for column, name in enumerate(self.variability.parameters):
                result[name] = result[name] * np.exp(etas[:, column])
        return result
