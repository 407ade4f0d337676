"""The public surface of the evidence package."""

from __future__ import annotations

import anakinra_iv.evidence as evidence


def _ruff_order(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions; each group alphabetical (ruff RUF022)."""
    group = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return group, name


def test_all_is_complete_and_sorted() -> None:
    """__all__ names every public name the package imports, in sorted order."""
    public = {
        name
        for name in vars(evidence)
        if not name.startswith("_") and name not in {"annotations", "entry", "registry"}
    }
    assert set(evidence.__all__) == public
    assert evidence.__all__ == sorted(evidence.__all__, key=_ruff_order)
