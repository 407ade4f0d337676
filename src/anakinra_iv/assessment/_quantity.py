"""The quantity type used in annotations of this package (a pint quantity of any magnitude)."""

from __future__ import annotations

from typing import Any, TypeAlias

import pint

Quantity: TypeAlias = "pint.Quantity[Any]"
