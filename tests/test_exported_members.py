"""Each core package re-exports its public API with a complete, sorted ``__all__``."""

from __future__ import annotations

import importlib
import types

import pytest

CORE_PACKAGES = ["protocol", "dosing", "compounding", "evidence"]


def _ruff_order(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions; each group alphabetical (ruff RUF022)."""
    group = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return group, name


@pytest.mark.parametrize("name", CORE_PACKAGES)
def test_all_is_complete_and_sorted(name: str) -> None:
    """__all__ lists every public, non-module name the package holds, in ruff's order."""
    package = importlib.import_module(f"anakinra_iv.{name}")
    public = {
        attr
        for attr, value in vars(package).items()
        if not attr.startswith("_")
        and not isinstance(value, types.ModuleType)
        and attr != "annotations"
    }
    assert set(package.__all__) == public
    assert package.__all__ == sorted(package.__all__, key=_ruff_order)
