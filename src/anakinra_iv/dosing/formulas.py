"""Constants of published formulas, read from ``dosing/data/formulas.yaml`` with provenance."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from anakinra_iv.protocol import Value

__all__ = ["get_formula_constants"]


@cache
def get_formula_constants() -> dict[str, dict[str, Value]]:
    """Every formula's constants as values with status and source, keyed by formula then name."""
    text = resources.files("anakinra_iv.dosing.data").joinpath("formulas.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return {
        formula: {name: Value.model_validate(item) for name, item in constants.items()}
        for formula, constants in raw.items()
    }
