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

printable_ascii = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
"""Every character a barcode scanner in keyboard mode types."""
medical_record_numbers = st.text(printable_ascii, min_size=1, max_size=64).filter(
    lambda t: t == t.strip()
)
"""Medical record numbers as a site may issue them (the longest the register accepts is 64)."""
bag_ids = st.integers(min_value=1, max_value=10**12)
