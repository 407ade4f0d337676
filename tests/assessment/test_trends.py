"""Trends per analyte: baseline, peak, nadir, changes, slope, age of the latest value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment.observations import Observation, create_observation
from anakinra_iv.assessment.trends import calculate_slope_per_day, calculate_trend, calculate_trends
from anakinra_iv.errors import InvalidInput

T0 = datetime(2024, 3, 1, 6, tzinfo=UTC)


def series(analyte: str, unit: str, values: list[float], hours: float = 24) -> list[Observation]:
    return [
        create_observation(analyte, f"{v} {unit}", collected_at=T0 + timedelta(hours=hours * i))
        for i, v in enumerate(values)
    ]


class TestTrend:
    def test_ferritin_course(self) -> None:
        """8000, 12000, 9000, 6000: peak 12000; -50% from peak, -25% from baseline; slope by
        least squares (-4500 / 5 = -900 per day), all by hand."""
        trend = calculate_trend(
            series("ferritin", "ng/mL", [8000, 12000, 9000, 6000]), now=T0 + timedelta(days=3)
        )
        assert (trend.baseline.magnitude, trend.peak.magnitude, trend.nadir.magnitude) == (
            8000,
            12000,
            6000,
        )
        assert trend.change_from_peak == -6000 and trend.change_from_peak_percent == -50
        assert trend.change_from_baseline == -2000 and trend.change_from_baseline_percent == -25
        assert trend.change_from_previous == -3000
        assert trend.slope_per_day == pytest.approx(-900)
        assert trend.time_since_latest == timedelta(0)

    def test_review_never_sees_later_values(self) -> None:
        """At day 1 only the first two values exist: latest 12000, peak 12000."""
        trend = calculate_trend(
            series("ferritin", "ng/mL", [8000, 12000, 9000]), now=T0 + timedelta(days=1, hours=2)
        )
        assert trend.latest.magnitude == 12000 and trend.count == 2
        assert trend.time_since_latest == timedelta(hours=2)

    def test_mixed_units_are_compared_in_the_canonical_unit(self) -> None:
        """2.0 g/L then 150 mg/dL: a fall of 50 mg/dL (-25%)."""
        obs = [
            create_observation("fibrinogen", "2.0 g/L", collected_at=T0),
            create_observation("fibrinogen", "150 mg/dL", collected_at=T0 + timedelta(days=1)),
        ]
        trend = calculate_trend(obs, now=T0 + timedelta(days=1))
        assert trend.change_from_baseline == -50 and trend.change_from_baseline_percent == -25

    def test_one_analyte_only(self) -> None:
        """A trend of mixed analytes is refused."""
        mixed = series("ferritin", "ng/mL", [1000]) + series("crp", "mg/L", [10])
        with pytest.raises(InvalidInput, match="one analyte"):
            calculate_trend(mixed, now=T0)

    def test_trends_by_analyte(self) -> None:
        """Each analyte gets its own trend."""
        obs = series("ferritin", "ng/mL", [1000, 900]) + series("crp", "mg/L", [100, 50])
        trends = calculate_trends(obs, now=T0 + timedelta(days=2))
        assert trends["crp"].change_from_peak_percent == -50
        assert set(trends) == {"ferritin", "crp"}
        assert trends["ferritin"].as_dict()["hours_since_latest"] == 24


class TestSlope:
    @given(
        st.floats(min_value=-500, max_value=500),
        st.floats(min_value=1, max_value=1000),
        st.integers(min_value=2, max_value=8),
    )
    def test_slope_of_a_straight_line_is_exact(self, slope: float, start: float, n: int) -> None:
        """Values on a line a + b t (t in days) give slope b (closed form)."""
        values = [start + 5000 + slope * i for i in range(n)]  # stays positive
        obs = series("ldh", "U/L", values)
        assert calculate_slope_per_day(obs) == pytest.approx(slope, abs=1e-6)

    def test_fewer_than_two_points_has_no_slope(self) -> None:
        """One value: no slope."""
        assert calculate_slope_per_day(series("ldh", "U/L", [300])) is None
