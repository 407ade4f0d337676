"""A comma in a typed number: a decimal comma is read as a decimal point, commas between
thousands are read as such, and a comma that could be either is refused (it was read as a
thousands separator: '1,2 mg/dL' of creatinine became 12 mg/dL)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.errors import InvalidInput
from anakinra_iv.units import parse_quantity


def _mg(text: str) -> float:
    return float(parse_quantity(text, field="x", unit="mg", positive=False).magnitude)


@given(whole=st.integers(0, 999), decimals=st.text(alphabet="0123456789", min_size=1, max_size=2))
def test_decimal_comma_is_a_decimal_point(whole: int, decimals: str) -> None:
    """Property: 'W,D mg' with one or two decimals equals 'W.D mg'."""
    assert _mg(f"{whole},{decimals} mg") == _mg(f"{whole}.{decimals} mg")


@given(st.integers(1_000_000, 10**12))
def test_several_thousands_separators_are_read_as_such(number: int) -> None:
    """Property: 1,250,000 mg is 1250000 mg (two or more groups cannot be a decimal comma)."""
    assert _mg(f"{number:,} mg") == number


@given(whole=st.integers(1, 999), group=st.integers(0, 999))
def test_one_comma_before_three_digits_is_refused(whole: int, group: int) -> None:
    """Property: '1,250 mg' (1.25 or 1250?) is refused naming the field, never guessed."""
    with pytest.raises(InvalidInput) as refused:
        _mg(f"{whole},{group:03d} mg")
    assert refused.value.field == "x" and "decimal comma" in refused.value.message
