"""The neutropenia hold follows the latest days: it clears once the ANC has recovered.

PRECISE/TRIPS (precise-trips-2023) hold for a new ANC below 1.0 x 10^9/L on two consecutive
days. The rule is judged on the last two 24-hour periods before the review, so one ANC at or
above the threshold in the latest day clears the HOLD advice; an old run of two low days earlier
in the course never holds again by itself. Expected actions are by hand from that rule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment.observations import create_observation
from anakinra_iv.assessment.recommendation import InfusionPeriod, create_advice
from anakinra_iv.protocol import get_protocol

DAY0 = datetime(2024, 3, 1, tzinfo=UTC)
THRESHOLD = 1.0  # x 10^9/L, adult-mas-civ hold-neutropenia (precise-trips-2023)


def _advise(anc_by_day: list[float], review_day: int) -> str:
    """Labs at 06:00 each day, infusion from day 0 08:00 at step 1, review at 08:00."""
    protocol = get_protocol("adult-mas-civ")
    observations = [
        create_observation("anc", f"{value} 10*9/L", collected_at=DAY0 + timedelta(days=d, hours=6))
        for d, value in enumerate(anc_by_day)
    ]
    advice = create_advice(
        protocol,
        observations,
        step=1,
        at=DAY0 + timedelta(days=review_day, hours=8),
        history=(InfusionPeriod(1, DAY0 + timedelta(hours=8)),),
    )
    return advice.action


def test_hold_then_recovery_timeline() -> None:
    """Baseline 3.0; 0.9 and 0.8 on days 1-2: HOLD on day 2. ANC 1.5 on day 3 and 1.6 on day 4:
    the hold advice clears on day 3 and stays clear."""
    anc = [3.0, 0.9, 0.8, 1.5, 1.6]
    assert _advise(anc, 2) == "hold"
    assert _advise(anc, 3) != "hold"
    assert _advise(anc, 4) != "hold"


def test_recovery_exactly_at_the_threshold_clears() -> None:
    """'below 1.0': an ANC of exactly 1.0 x 10^9/L is not below it; the hold clears."""
    assert _advise([3.0, 0.9, 0.8, 1.0], 3) != "hold"


def test_one_low_day_after_recovery_does_not_hold() -> None:
    """Low, low (hold), recovered, then one low day: only one consecutive low day, no hold."""
    assert _advise([3.0, 0.9, 0.8, 1.5, 0.9], 4) != "hold"


@given(st.lists(st.sampled_from([0.5, 0.9, 0.99, 1.0, 1.2, 2.5]), min_size=2, max_size=7))
def test_hold_only_for_the_latest_two_days(after_start: list[float]) -> None:
    """For any daily ANC course after a normal baseline (3.0), the advice is HOLD exactly when
    the ANC of the review day and of the day before are both below 1.0 x 10^9/L."""
    anc = [3.0, *after_start]
    review = len(anc) - 1
    expected = anc[review] < THRESHOLD and anc[review - 1] < THRESHOLD and review >= 2
    assert (_advise(anc, review) == "hold") == expected, anc
