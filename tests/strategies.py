"""Hypothesis strategies for valid patients, weights, creatinine and doses."""

from __future__ import annotations

from hypothesis import strategies as st

adult_weights_kg = st.floats(min_value=30, max_value=250, allow_nan=False)
child_weights_kg = st.floats(min_value=3, max_value=150, allow_nan=False)
adult_ages = st.floats(min_value=18, max_value=100, allow_nan=False)
child_ages = st.floats(min_value=0, max_value=17.9, allow_nan=False)
creatinine_mg_dl = st.floats(min_value=0.3, max_value=12, allow_nan=False)
sexes = st.sampled_from(["female", "male"])
adult_steps = st.integers(min_value=1, max_value=6)
daily_doses_mg = st.floats(min_value=1, max_value=5000, allow_nan=False)


def written(number: float) -> str:
    """A float as a person writes it: positional digits, never an exponent ('1e-05').

    The number reader refuses exponents, so generated values are written out in full; repr of
    the float gives the digits that round-trip, and the decimal point is placed by hand.

    >>> written(1e-05), written(2.5e16), written(70.0)
    ('0.00001', '25000000000000000', '70')
    """
    from decimal import Decimal

    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
