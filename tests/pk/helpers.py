"""Shared helpers of the PK tests: structural parameters and a relative comparison."""

from __future__ import annotations

import numpy as np

PARAMETERS: dict[str, dict[str, float]] = {
    "one-compartment": {"CL": 2.0, "V": 15.0},
    "one-compartment-absorption": {"CL": 1.1, "V": 20.0, "KA": 1.5},
    "two-compartment": {"CL": 8.2, "V1": 5.0, "Q": 2.0, "V2": 10.0},
    "two-compartment-absorption": {"CL": 8.2, "V1": 5.0, "Q": 2.0, "V2": 10.0, "KA": 0.27},
    "three-compartment": {"CL": 3.0, "V1": 6.0, "Q": 4.0, "V2": 12.0, "Q3": 0.5, "V3": 30.0},
    "three-compartment-absorption": {
        "CL": 3.0,
        "V1": 6.0,
        "Q": 4.0,
        "V2": 12.0,
        "Q3": 0.5,
        "V3": 30.0,
        "KA": 0.9,
    },
}


def assert_relative(
    actual: np.ndarray, expected: np.ndarray, rtol: float, floor: float = 1e-9
) -> None:
    """|actual − expected| ≤ rtol·max(|expected|, floor·max|expected|), element by element."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    scale = np.maximum(
        np.abs(expected), floor * max(float(np.abs(expected).max(initial=0)), 1e-300)
    )
    error = (np.abs(actual - expected) / scale).ravel()
    worst = int(np.argmax(error)) if error.size else 0
    assert error.size == 0 or error[worst] <= rtol, (
        f"relative error {error[worst]:.3g} at index {worst}: "
        f"{actual.flat[worst]!r} vs {expected.flat[worst]!r}"
    )
