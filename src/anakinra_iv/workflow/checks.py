"""Tolerances of the double checks, read from the packaged ``data/checks.yaml``.

>>> get_check_tolerances().blind_verification
0.01
>>> get_check_tolerances().verification_attempts
3
>>> is_within_tolerance(50.0, 50.4, 0.01), is_within_tolerance(50.0, 500.0, 0.01)
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

__all__ = [
    "CheckTolerances",
    "find_previous_dose",
    "get_check_tolerances",
    "is_within_tolerance",
    "read_bag_dose_rate",
]


@dataclass(frozen=True)
class CheckTolerances:
    """Relative tolerances (dimensionless fractions) and attempt limits (counts), with where they
    come from."""

    blind_verification: float
    administration_rate: float
    bag_check: float
    source: str
    verification_attempts: int
    bag_check_attempts: int


@cache
def get_check_tolerances() -> CheckTolerances:
    """The packaged tolerances."""
    raw = yaml.safe_load((files("anakinra_iv.workflow") / "data" / "checks.yaml").read_text())
    for key, entry in raw.items():
        if not {"value", "status", "source"} <= set(entry):
            raise ValueError(f"checks.yaml: '{key}' needs value, status and source")
    return CheckTolerances(
        blind_verification=float(raw["blind_verification_relative_tolerance"]["value"]),
        administration_rate=float(raw["administration_rate_relative_tolerance"]["value"]),
        bag_check=float(raw["bag_check_relative_tolerance"]["value"]),
        source="anakinra_iv/workflow/data/checks.yaml",
        verification_attempts=int(raw["blind_verification_attempts"]["value"]),
        bag_check_attempts=int(raw["bag_check_attempts"]["value"]),
    )


def is_within_tolerance(expected: float, entered: float, relative: float) -> bool:
    """True when ``entered`` lies within ``relative`` (a fraction) of ``expected``."""
    return abs(entered - expected) <= relative * abs(expected)


def read_bag_dose_rate(
    recipe: Mapping[str, Any], concentration_mg_per_ml: float, rate_ml_per_h: float
) -> float:
    """The dose rate (mg/h) a bag was made for: its recipe's, or (a recipe stored without it)
    its concentration times its pump rate."""
    stored = recipe.get("rate_mg_per_h")
    if isinstance(stored, int | float):
        return float(stored)
    return concentration_mg_per_ml * rate_ml_per_h


def find_previous_dose(
    bag_rate_mg_per_h: float,
    prescribed_rate_mg_per_h: float | None,
    verified_rate_mg_per_h: float | None,
    *,
    awaiting_verification: bool,
) -> str | None:
    """Why a bag made for ``bag_rate_mg_per_h`` is for a previous dose of its order (the order's
    dose rate now prescribed or verified is another one), or None when it is for the current
    dose. Rates are compared within the administration-rate tolerance of ``checks.yaml``."""
    relative = get_check_tolerances().administration_rate
    prescribed, verified = prescribed_rate_mg_per_h, verified_rate_mg_per_h
    if prescribed is not None and not is_within_tolerance(prescribed, bag_rate_mg_per_h, relative):
        waiting = " and awaits verification" if awaiting_verification else ""
        return f"the dose was changed to {round(prescribed, 1):g} mg/h{waiting}"
    if verified is not None and not is_within_tolerance(verified, bag_rate_mg_per_h, relative):
        return f"the verified dose rate is {round(verified, 1):g} mg/h"
    return None
