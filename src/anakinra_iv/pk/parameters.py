"""Named parameter sets with provenance, and the built-in structural models as models.

Each anakinra model is a YAML file in ``pk/data/`` giving, for every value, its unit, its status
(``confirmed`` in the cited source, or ``inferred``: calibration, assumption, arithmetic) and its
source. Covariates act on typical values as documented in ``pharmacokinetics.md`` §3:
``P = P_typical × (WT/70)^exponent`` and, for clearance, a renal factor (option R1, R2 or R2-IV,
see :mod:`anakinra_iv.pk.covariates`); between-subject variability multiplies by ``exp(η)``.

Examples
--------
>>> model = get_model("anakinra-adult")
>>> model.parameters["CL"].status, model.parameters["V1"].status
('confirmed', 'inferred')
>>> round(calculate_typical_clearance(model, "70 kg", "100 mL/min").to("L/h").magnitude, 3)
8.2
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from anakinra_iv.errors import InvalidInput, UnknownItem
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.covariates import RENAL_OPTIONS, allometric, renal_factor
from anakinra_iv.pk.models import STRUCTURAL_MODELS, StructuralModel, get_structural_model
from anakinra_iv.units import Q_, Quantity, parse_quantity

__all__ = [
    "NAMED_MODELS",
    "Covariate",
    "ParameterValue",
    "PkModel",
    "ResidualError",
    "Variability",
    "calculate_typical_clearance",
    "get_model",
    "list_models",
]

NAMED_MODELS = ("anakinra-adult", "anakinra-adult-alt", "anakinra-urien-2013")
_UNITS = {
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


@dataclass(frozen=True)
class ParameterValue:
    """A typical value with its provenance."""

    name: str
    value: float
    unit: str
    status: str
    source: str
    weight_exponent: float | None = None

    @property
    def quantity(self) -> Quantity:
        """The value as a quantity."""
        return Q_(self.value, "dimensionless" if self.unit == "1" else self.unit)


@dataclass(frozen=True)
class Covariate:
    """A covariate the model reads, with its unit and reference value."""

    name: str
    unit: str
    reference: float
    description: str


@dataclass(frozen=True)
class Variability:
    """Log-normal between-subject variability: ``P_i = P × exp(η_i)``, ``η ~ N(0, Ω)``."""

    parameters: tuple[str, ...]
    omega: tuple[tuple[float, ...], ...]
    status: str
    source: str

    @property
    def matrix(self) -> FloatArray:
        """Ω as an array."""
        return np.asarray(self.omega, dtype=float)


@dataclass(frozen=True)
class ResidualError:
    """``C_obs = C·(1 + ε₁) + ε₂`` with SDs ``proportional`` and ``additive_mg_l``."""

    proportional: float
    additive_mg_l: float
    status: str
    source: str


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
                old.unit if old else _UNITS.get(key, "1"),
                "user",
                "given by the user",
                old.weight_exponent if old else None,
            )
        return _replace(self, parameters=updated)

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


def _replace(model: PkModel, **changes: Any) -> PkModel:
    from dataclasses import replace

    return replace(model, **changes)


def _load(name: str) -> PkModel:
    text = (
        resources.files("anakinra_iv.pk")
        .joinpath("data")
        .joinpath(f"{name}.yaml")
        .read_text("utf-8")
    )
    raw = yaml.safe_load(text)
    structure = get_structural_model(raw["structure"])
    parameters = {
        key: ParameterValue(
            key,
            float(item["value"]),
            str(item["unit"]),
            str(item["status"]),
            " ".join(str(item["source"]).split()),
            None if item.get("weight_exponent") is None else float(item["weight_exponent"]),
        )
        for key, item in raw["parameters"].items()
    }
    covariates = {
        key: Covariate(key, str(item["unit"]), float(item["reference"]), str(item["description"]))
        for key, item in (raw.get("covariates") or {}).items()
    }
    variability = None
    if raw.get("variability"):
        v = raw["variability"]
        variability = Variability(
            tuple(v["parameters"]),
            tuple(tuple(float(x) for x in row) for row in v["omega"]),
            str(v["status"]),
            " ".join(str(v["source"]).split()),
        )
    residual = None
    if raw.get("residual"):
        r = raw["residual"]
        residual = ResidualError(
            float(r["proportional"]),
            float(r["additive_mg_l"]),
            str(r["status"]),
            " ".join(str(r["source"]).split()),
        )
    renal = raw.get("renal") or {}
    return PkModel(
        name=str(raw["name"]),
        title=str(raw["title"]),
        structure=structure,
        n_transit=int(raw.get("transit_compartments", 0)),
        routes=tuple(raw.get("routes", ["iv", "sc"])),
        summary=" ".join(str(raw.get("summary", "")).split()),
        parameters=parameters,
        covariates=covariates,
        renal_default=renal.get("default"),
        renal_parameter=renal.get("parameter"),
        variability=variability,
        residual=residual,
        iv_refusal=" ".join(str(raw["iv_refusal"]).split()) if raw.get("iv_refusal") else None,
        named=True,
    )


@cache
def get_model(name: str) -> PkModel:
    """The model called ``name``: an anakinra parameter set or a built-in structural model.

    Raises
    ------
    UnknownItem
        No model has that name.
    """
    if name in NAMED_MODELS:
        return _load(name)
    if name in STRUCTURAL_MODELS:
        structure = STRUCTURAL_MODELS[name]
        return PkModel(
            name=name,
            title=f"{name} (NONMEM {structure.advan} numbering), parameters given with --param",
            structure=structure,
            routes=("iv", "sc") if structure.absorption else ("iv",),
        )
    known = ", ".join((*NAMED_MODELS, *STRUCTURAL_MODELS))
    raise UnknownItem(f"unknown model '{name}' (known: {known})", field="model", value=name)


def list_models() -> list[PkModel]:
    """Every model: the anakinra parameter sets, then the structural models."""
    return [get_model(name) for name in (*NAMED_MODELS, *STRUCTURAL_MODELS)]


def calculate_typical_clearance(
    model: PkModel | str,
    weight: Quantity | str,
    crcl: Quantity | str | None = None,
    *,
    renal: str | None = None,
) -> Quantity:
    """Typical (no random effect) clearance of ``model`` for a patient, in L/h.

    With it, the steady-state concentration of a continuous infusion at rate R is ``R / CL``.

    Parameters
    ----------
    model
        A model or its name.
    weight
        Body weight (``"70 kg"``).
    crcl
        Creatinine clearance (``"90 mL/min"``), needed by models with a renal covariate.
    renal
        Renal option (R1, R2, R2-IV), the model's default when ``None``.
    """
    pk_model = get_model(model) if isinstance(model, str) else model
    covariates: dict[str, FloatArray] = {
        "WT": np.asarray([parse_quantity(weight, field="weight", unit="kg").magnitude], dtype=float)
    }
    if "CRCL" in pk_model.covariates:
        if crcl is None:
            raise InvalidInput(
                f"model '{pk_model.name}' needs the creatinine clearance", field="crcl"
            )
        value = parse_quantity(crcl, field="crcl", unit="mL/min", positive=False).magnitude
        covariates["CRCL"] = np.asarray([value], dtype=float)
    params = pk_model.individual_parameters(covariates, renal=renal)
    return Q_(float(params["CL"][0]), "L/h")
