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

# Bedside CAR-T assessments: every item of an adult ICANS (ICE) assessment, within its range.
ice_items = st.fixed_dictionaries(
    {
        "orientation": st.integers(0, 4),
        "naming": st.integers(0, 3),
        "following_commands": st.integers(0, 1),
        "writing": st.integers(0, 1),
        "attention": st.integers(0, 1),
        "consciousness": st.sampled_from(
            [
                "alert",
                "awakens_spontaneously",
                "awakens_to_voice",
                "awakens_to_touch",
                "unarousable",
            ]
        ),
        "seizure": st.sampled_from(["none", "rapidly_resolving", "prolonged_or_repetitive"]),
        "motor_weakness": st.booleans(),
        "raised_icp": st.sampled_from(["none", "focal_oedema", "diffuse_oedema_or_signs"]),
        "attributable_to_other_cause": st.booleans(),
    }
)
crs_items = st.fixed_dictionaries(
    {
        "temperature": st.floats(35.0, 42.0).map(lambda t: f"{round(t, 1)} Cel"),
        "fever_masked_by_treatment": st.booleans(),
        "hypotension": st.booleans(),
        "vasopressor_agents": st.lists(
            st.sampled_from(
                ["norepinephrine", "epinephrine", "phenylephrine", "dopamine", "vasopressin"]
            ),
            unique=True,
            max_size=3,
        ),
        "oxygen": st.sampled_from(["none", "low_flow", "high_flow", "cpap"]),
    }
)
