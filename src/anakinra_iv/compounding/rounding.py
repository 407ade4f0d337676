"""Rounding of measured and displayed pharmacy numbers, without float drift."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["round_to_precision"]


def round_to_precision(value: float, precision: float) -> float:
    """Round half up to a multiple of ``precision`` (0.01 mL, 0.1 mL/h), without float drift.

    >>> round_to_precision(1.335, 0.01), round_to_precision(8.35, 0.1)
    (1.34, 8.4)
    """
    step = Decimal(str(precision))
    return float((Decimal(str(value)) / step).quantize(Decimal(1), ROUND_HALF_UP) * step)
