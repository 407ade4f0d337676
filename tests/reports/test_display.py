"""The one place numbers and times are formatted: ISMP precision for every value, times in the
site's zone with the date."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.reports.display import DECIMALS, show_duration, show_quantity, show_time

_SHAPE = re.compile(r"^-?(0|[1-9]\d{0,2}(,\d{3})*)(\.\d*[1-9])? \S+$")


@given(
    value=st.floats(min_value=0, max_value=1e7, allow_nan=False),
    unit=st.sampled_from(sorted(DECIMALS)),
)
def test_every_shown_quantity_follows_the_ismp_rules(value: float, unit: str) -> None:
    """Property: a leading zero, thousands separators, no trailing zero, a space before the unit,
    and the number read back lies within half a display step of the value (mg/h and mL/h to
    0.1)."""
    text = show_quantity(value, unit)
    assert _SHAPE.match(text), text
    number = float(text.split(" ")[0].replace(",", ""))
    assert abs(number - value) <= 0.5 * 10 ** -DECIMALS[unit] + 1e-9 * max(1.0, value)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (66.66666666666667, "mg/h", "66.7 mg/h"),
        (8.333333333333334, "mL/h", "8.3 mL/h"),
        (8.35, "mL/h", "8.4 mL/h"),  # half up on the decimal value, not the binary float
        (0.9, "mg/mL", "0.9 mg/mL"),
        (1200.0, "mg/day", "1,200 mg/day"),
        (100.0, "mg", "100 mg"),
        (0.05, "mL/h", "0.1 mL/h"),
    ],
)
def test_worked_values(value: float, unit: str, shown: str) -> None:
    """Hand-rounded examples of the pump and dose displays."""
    assert show_quantity(value, unit) == shown


def test_times_carry_date_and_zone_across_a_clock_change() -> None:
    """Europe/Paris moves from CET (UTC+1) to CEST (UTC+2) on 29 Mar 2026 at 01:00 UTC."""
    paris = ZoneInfo("Europe/Paris")
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert show_time(before, paris) == "29 Mar 2026 01:30 CET"
    assert show_time(before + timedelta(hours=1), paris) == "29 Mar 2026 03:30 CEST"


def test_durations_read_as_days_hours_minutes() -> None:
    """2 h 15 min; 26 h is 1 d 2 h; a negative span is overdue."""
    assert show_duration(timedelta(minutes=135)) == "2 h 15 min"
    assert show_duration(26.0) == "1 d 2 h"
    assert show_duration(timedelta(minutes=-30)) == "overdue 30 min"
