"""A model's numbers with their provenance, as a JSON-ready mapping and as text.

Every number a model carries is shown with its status (published, precedent, regulatory, derived,
site-decision), its evidence-registry source key and its note: typical values, weight exponents,
covariate references, between-subject variances, residual error and, for models with a renal
covariate, the renal-function numbers of ``renal.yaml``.

Examples
--------
>>> from anakinra_iv.pk.catalog import get_model
>>> text = format_model(get_model("anakinra-urien-2013"))
>>> [line.strip() for line in text.splitlines() if line.lstrip().startswith("KA ")]
['KA      0.38 1/h  [published] urien-2013']
>>> describe_model(get_model("anakinra-adult"))["parameters"][0]["weight_exponent"]["status"]
'site-decision'
"""

from __future__ import annotations

from typing import Any

from anakinra_iv.pk.covariates import RENAL_OPTIONS, get_renal_data
from anakinra_iv.pk.parameters import ParameterValue, PkModel
from anakinra_iv.protocol.values import Value

__all__ = ["describe_model", "describe_value", "format_model"]

_INDENT = "    "


def describe_value(value: Value | ParameterValue, name: str | None = None) -> dict[str, Any]:
    """``{name?, value, unit, status, source, note}`` of one number."""
    described: dict[str, Any] = {} if name is None else {"name": name}
    described.update(
        value=value.value,
        unit=value.unit,
        status=value.status,
        source=value.source,
        note=" ".join(value.note.split()),
    )
    return described


def describe_model(model: PkModel) -> dict[str, Any]:
    """The model as a JSON-ready mapping, each number with its status, source and note."""
    variability = model.variability
    residual = model.residual
    return {
        "name": model.name,
        "title": model.title,
        "structure": model.structure.name,
        "compartments": list(model.structure.compartments(model.n_transit)),
        "routes": list(model.routes),
        "summary": model.summary,
        "covariates": {
            k: {
                "unit": c.unit,
                "description": c.description,
                "reference": c.reference
                if c.reference_provenance is None
                else describe_value(c.reference_provenance),
            }
            for k, c in model.covariates.items()
        },
        "renal_default": model.renal_default,
        "applicability": {
            key: {
                side: None if bound is None else describe_value(bound)
                for side, bound in zip(("min", "max"), bounds, strict=True)
            }
            for key, bounds in model.applicability.items()
        },
        "renal": None
        if model.renal_parameter is None
        else {
            "default": model.renal_default,
            "iv_default": model.renal_iv_default,
            "parameter": model.renal_parameter,
            "options": list(RENAL_OPTIONS),
            "values": [describe_value(v, k) for k, v in get_renal_data().values.items()],
        },
        "parameters": [
            describe_value(p, p.name)
            | {
                "weight_exponent": None
                if p.weight_exponent is None
                else (
                    {"value": p.weight_exponent}
                    if p.exponent_provenance is None
                    else describe_value(p.exponent_provenance)
                )
            }
            for p in model.parameters.values()
        ],
        "required_parameters": list(model.structure.required_parameters),
        "variability": None
        if variability is None
        else {
            "parameters": list(variability.parameters),
            "omega": [list(row) for row in variability.omega],
            "variances": [describe_value(v, k) for k, v in variability.variances.items()],
        },
        "residual": None
        if residual is None
        else {k: describe_value(v) for k, v in residual.provenance.items()},
        "iv_refusal": model.iv_refusal,
    }


def _line(label: str, value: Value | ParameterValue, extra: str = "", width: int = 7) -> list[str]:
    unit = "" if value.unit in ("1", "dimensionless") else f" {value.unit}"
    head = f"{_INDENT}{label:<{width}} {value.value:g}{unit}{extra}"
    lines = [f"{head}  [{value.status}] {value.source}"]
    note = " ".join(value.note.split())
    if note:
        lines.append(f"{_INDENT}{'':<{width}} {note}")
    return lines


def format_model(model: PkModel) -> str:
    """The model as text: one line per number with ``[status] source``, its note below."""
    lines = [f"{model.name}: {model.title}"]
    lines.append(
        f"  structure {model.structure.name} "
        f"({', '.join(model.structure.compartments(model.n_transit))}); "
        f"routes: {', '.join(model.routes)}"
    )
    if model.summary:
        lines.append(f"  {model.summary}")
    if not model.parameters:
        lines.append(
            f"  parameters (give with --param): {', '.join(model.structure.required_parameters)}"
            f"; optional: {', '.join(model.structure.optional_parameters) or '-'}"
        )
        return "\n".join(lines)
    lines.append("  parameters:")
    for p in model.parameters.values():
        reference = model.covariates["WT"].reference if "WT" in model.covariates else None
        exponent = ""
        if p.weight_exponent is not None and reference is not None:
            exponent = f" x (WT/{reference:g})^{p.weight_exponent:g}"
        lines += _line(p.name, p, exponent)
        if p.exponent_provenance is not None:
            lines += _line("", p.exponent_provenance, " (weight exponent)")
    if model.covariates:
        lines.append("  covariates (reference values):")
        for key, c in model.covariates.items():
            if c.reference_provenance is not None:
                lines += _line(key, c.reference_provenance, f" ({c.description})")
    if model.variability is not None and model.variability.variances:
        lines.append("  between-subject variances (log-normal, omega squared):")
        for key, v in model.variability.variances.items():
            lines += _line(key, v)
    if model.residual is not None and model.residual.provenance:
        lines.append("  residual error (SD), C_obs = C x (1 + e1) + e2:")
        for key, v in model.residual.provenance.items():
            lines += _line(key, v, width=12)
    if model.applicability:
        lines.append("  applies to (outside this range the model refuses the patient):")
        for key, bounds in model.applicability.items():
            for side, bound in zip(("min", "max"), bounds, strict=True):
                if bound is not None:
                    lines += _line(f"{key} {side}", bound, width=8)
    if model.renal_parameter is not None:
        iv = f"; IV-only regimens {model.renal_iv_default}" if model.renal_iv_default else ""
        lines.append(
            f"  renal function, multiplier of {model.renal_parameter} (options "
            f"{', '.join(RENAL_OPTIONS)}; default {model.renal_default}{iv}):"
        )
        for key, v in get_renal_data().values.items():
            lines += _line(key, v, width=28)
    if model.iv_refusal:
        lines.append(f"  IV routes refused: {model.iv_refusal}")
    return "\n".join(lines)
