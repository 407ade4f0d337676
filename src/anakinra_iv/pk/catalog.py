"""Model files: reading, checking and finding the packaged anakinra parameter sets.

A model file is YAML (``pk/data/<name>.yaml``). Reading one checks, and reports all at once, that
every number (typical values, weight exponents, covariate references, variances, residual error)
is a value with a known unit, one of the five statuses and a source that resolves in the evidence
registry; each problem names the model, the item (``parameter 'CL'``) and the field
(``parameters.CL.source``).

Examples
--------
>>> model = get_model("anakinra-adult")
>>> model.parameters["CL"].status, model.parameters["CL"].source
('published', 'yang-2003')
>>> model.parameters["V1"].status, model.parameters["V1"].source
('derived', 'pk-calibration')
>>> round(calculate_typical_clearance(model, "70 kg", "100 mL/min").to("L/h").magnitude, 3)
8.2
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from anakinra_iv.errors import DatasetError, InvalidInput, UnknownItem
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.covariates import RENAL_OPTIONS
from anakinra_iv.pk.models import STRUCTURAL_MODELS, get_structural_model
from anakinra_iv.pk.parameters import (
    PARAMETER_UNITS,
    Covariate,
    ParameterValue,
    PkModel,
    ResidualError,
    Variability,
)
from anakinra_iv.pk.provenance import ValueReader
from anakinra_iv.protocol.values import Value
from anakinra_iv.units import Q_, Quantity, parse_quantity
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "NAMED_MODELS",
    "calculate_typical_clearance",
    "get_model",
    "list_models",
    "read_model_file",
    "read_model_text",
]

NAMED_MODELS = ("anakinra-adult", "anakinra-adult-alt", "anakinra-urien-2013")
_KEYS = (
    "name",
    "title",
    "structure",
    "transit_compartments",
    "routes",
    "summary",
    "iv_refusal",
    "covariates",
    "renal",
    "parameters",
    "variability",
    "residual",
    "applicability",
)
_APPLICABILITY = {"weight": ("WT", "kg"), "age": ("AGE", "year")}
_ROUTES = ("iv", "sc")
_RESIDUAL_UNITS = {"proportional": "dimensionless", "additive": "mg/L"}


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _engine_unit(unit: str) -> str:
    return "dimensionless" if unit == "1" else unit


def _parameters(raw: Any, reader: ValueReader, names: tuple[str, ...]) -> dict[str, ParameterValue]:
    parameters: dict[str, ParameterValue] = {}
    if not isinstance(raw, dict) or not raw:
        reader.problem("parameters", "'parameters'", "must map parameter names to values")
        return parameters
    for key, item in raw.items():
        label, where = f"parameter '{key}'", f"parameters.{key}"
        if key not in names:
            reader.problem(where, label, f"is not a parameter of the model ({', '.join(names)})")
            continue
        fields = dict(item) if isinstance(item, dict) else item
        exponent_raw = fields.pop("weight_exponent", None) if isinstance(fields, dict) else None
        unit = PARAMETER_UNITS.get(key, "1")
        value = reader.read(fields, where=where, label=label, unit=_engine_unit(unit))
        exponent = None
        if exponent_raw is not None:
            exponent = reader.read(
                exponent_raw,
                where=f"{where}.weight_exponent",
                label=f"{label} weight exponent",
                unit="dimensionless",
            )
        if value is None or (exponent_raw is not None and exponent is None):
            continue
        parameters[key] = ParameterValue(
            key,
            float(value.quantity.to(_engine_unit(unit)).magnitude),
            unit,
            value.status,
            value.source,
            None if exponent is None else exponent.value,
            _text(value.note),
            exponent,
        )
    return parameters


def _covariates(raw: Any, reader: ValueReader) -> dict[str, Covariate]:
    covariates: dict[str, Covariate] = {}
    if not isinstance(raw, dict | None):
        reader.problem("covariates", "'covariates'", "must map covariate names to their details")
        return covariates
    for key, item in (raw or {}).items():
        label, where = f"covariate '{key}'", f"covariates.{key}"
        if key not in ("WT", "CRCL") or not isinstance(item, dict) or "unit" not in item:
            reader.problem(
                where, label, "must be WT or CRCL with a unit, a reference, a description"
            )
            continue
        unit = str(item["unit"])
        reference = reader.read(
            item.get("reference"), where=f"{where}.reference", label=f"{label} reference", unit=unit
        )
        if reference is not None:
            covariates[key] = Covariate(
                key,
                unit,
                float(reference.quantity.to(unit).magnitude),
                _text(item.get("description")),
                reference,
            )
    return covariates


def _variability(raw: Any, reader: ValueReader, names: Collection[str]) -> Variability:
    variances: dict[str, Value] = {}
    for key, item in raw.items():
        label, where = f"variance of '{key}'", f"variability.{key}"
        if key not in names:
            reader.problem(where, label, "names no parameter of the model")
            continue
        value = reader.read(item, where=where, label=label, unit="dimensionless")
        if value is not None and value.value < 0:
            reader.problem(f"{where}.value", label, f"must be >= 0 (got {value.value:g})")
        elif value is not None:
            variances[key] = value
    order = tuple(variances)
    omega = tuple(
        tuple(variances[row].value if row == col else 0.0 for col in order) for row in order
    )
    return Variability(order, omega, variances)


def _residual(raw: Any, reader: ValueReader) -> ResidualError | None:
    values: dict[str, Value] = {}
    for key, unit in _RESIDUAL_UNITS.items():
        label, where = f"residual {key}", f"residual.{key}"
        value = reader.read(raw.get(key), where=where, label=label, unit=unit)
        if value is not None:
            values[key] = value
    for key in raw:
        if key not in _RESIDUAL_UNITS:
            reader.problem(f"residual.{key}", f"residual {key}", "is not proportional or additive")
    if len(values) < len(_RESIDUAL_UNITS):
        return None
    return ResidualError(
        float(values["proportional"].quantity.to("dimensionless").magnitude),
        float(values["additive"].quantity.to("mg/L").magnitude),
        values,
    )


def read_model_text(text: str, origin: str = "model file") -> PkModel:
    """Read and check a model file's text.

    Parameters
    ----------
    text
        The YAML text.
    origin
        How messages name the file when it has no ``name``.

    Raises
    ------
    DatasetError, ProblemList
        Every problem found (a status that is not one of the five, a source that is not in the
        evidence registry, a missing or unknown field, a unit of the wrong dimension), each naming
        the model, the item and the field.
    """
    raw = read_yaml(text)
    if not isinstance(raw, dict):
        raise DatasetError(f"{origin}: a model file must be a YAML mapping", value=raw)
    name = _text(raw.get("name")) or origin
    reader = ValueReader(name)
    for key in raw:
        if key not in _KEYS:
            reader.problem(str(key), f"'{key}'", f"is not a model file field ({', '.join(_KEYS)})")
    for key in ("name", "title", "structure", "parameters"):
        if key not in raw:
            reader.problem(key, f"'{key}'", "is missing")
    try:
        structure = get_structural_model(str(raw.get("structure")))
    except UnknownItem as error:
        if "structure" in raw:
            reader.problem("structure", "'structure'", error.message, raw["structure"])
        reader.raise_if_any()
        raise
    parameters = _parameters(raw.get("parameters"), reader, structure.parameter_names)
    covariates = _covariates(raw.get("covariates"), reader)
    variability, residual = None, None
    for key in ("variability", "residual"):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            reader.problem(key, f"'{key}'", "must be a mapping of values")
    if isinstance(raw.get("variability"), dict):
        declared = raw["parameters"] if isinstance(raw.get("parameters"), dict) else {}
        variability = _variability(raw["variability"], reader, list(declared))
    if isinstance(raw.get("residual"), dict):
        residual = _residual(raw["residual"], reader)
    renal = raw.get("renal") or {}
    if renal and (
        renal.get("default") not in RENAL_OPTIONS
        or renal.get("parameter") != "CL"
        or renal.get("iv_default", "R1") not in RENAL_OPTIONS
    ):
        reader.problem(
            "renal",
            "'renal'",
            f"must be {{default: one of {', '.join(RENAL_OPTIONS)}, parameter: CL}} (and an "
            "optional iv_default, one of the same options)",
        )
    applicability = _applicability(raw.get("applicability"), reader)
    routes = tuple(raw.get("routes", _ROUTES))
    if not routes or any(r not in _ROUTES for r in routes):
        reader.problem("routes", "'routes'", f"must list iv and/or sc (got {list(routes)})")
    reader.raise_if_any()
    return PkModel(
        name=name,
        title=_text(raw["title"]),
        structure=structure,
        n_transit=int(raw.get("transit_compartments", 0)),
        routes=routes,
        summary=_text(raw.get("summary")),
        parameters=parameters,
        covariates=covariates,
        renal_default=renal.get("default"),
        renal_parameter=renal.get("parameter"),
        variability=variability,
        residual=residual,
        iv_refusal=_text(raw.get("iv_refusal")) or None,
        named=True,
        renal_iv_default=renal.get("iv_default"),
        applicability=applicability,
    )


def _applicability(raw: Any, reader: ValueReader) -> dict[str, tuple[Value | None, Value | None]]:
    """The weight and age range a model applies to (``applicability.weight.min`` ...)."""
    ranges: dict[str, tuple[Value | None, Value | None]] = {}
    if raw is None:
        return ranges
    if not isinstance(raw, dict):
        reader.problem("applicability", "'applicability'", "must map weight and age to min/max")
        return ranges
    for name, bounds in raw.items():
        if name not in _APPLICABILITY or not isinstance(bounds, dict):
            reader.problem(
                f"applicability.{name}", f"'applicability.{name}'", "must be weight or age"
            )
            continue
        key, unit = _APPLICABILITY[name]
        read = {
            side: reader.read(
                bounds[side],
                where=f"applicability.{name}.{side}",
                label=f"{name} {side}",
                unit=unit,
            )
            for side in ("min", "max")
            if bounds.get(side) is not None
        }
        ranges[key] = (read.get("min"), read.get("max"))
    return ranges


def read_model_file(path: Path | str) -> PkModel:
    """Read and check a model file (see :func:`read_model_text`)."""
    file = Path(path)
    return read_model_text(file.read_text("utf-8"), origin=file.name)


@cache
def get_model(name: str) -> PkModel:
    """The model called ``name``: an anakinra parameter set or a built-in structural model.

    Raises
    ------
    UnknownItem
        No model has that name.
    """
    if name in NAMED_MODELS:
        text = resources.files("anakinra_iv.pk").joinpath("data").joinpath(f"{name}.yaml")
        return read_model_text(text.read_text("utf-8"), origin=name)
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
    route: str | None = None,
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
        Renal option (R1, R2, R2-IV), the model's default when ``None`` (its IV option when
        ``route`` is ``"iv"``).
    route
        ``"iv"`` for the clearance an IV regimen is simulated with.
    """
    pk_model = get_model(model) if isinstance(model, str) else model
    renal = pk_model.choose_renal_option(renal, iv_only=route == "iv")
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
