"""Constants of published formulas, read from ``dosing/data/formulas.yaml`` with provenance."""

from __future__ import annotations

from functools import cache
from importlib import resources

from anakinra_iv.protocol import Value
from anakinra_iv.yaml_text import read_yaml

__all__ = ["get_formula_constants"]


@cache
def get_formula_constants() -> dict[str, dict[str, Value]]:
    """Every formula's constants as values with status and source, keyed by formula then name."""
    text = resources.files("anakinra_iv.dosing.data").joinpath("formulas.yaml").read_text("utf-8")
    raw = read_yaml(text)
    return {
        formula: {name: Value.model_validate(item) for name, item in constants.items()}
        for formula, constants in raw.items()
    }
