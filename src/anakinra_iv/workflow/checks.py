"""Tolerances of the double checks, read from the packaged ``data/checks.yaml``.

>>> get_check_tolerances().blind_verification
0.01
>>> get_check_tolerances().verification_attempts
3
>>> is_within_tolerance(50.0, 50.4, 0.01), is_within_tolerance(50.0, 500.0, 0.01)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

__all__ = ["CheckTolerances", "get_check_tolerances", "is_within_tolerance"]


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
