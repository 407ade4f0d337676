"""Pump library entry and programme checks (wrong field, mismatch, limits)."""

from __future__ import annotations

import pytest

from anakinra_iv.compounding import check_pump_programme, get_pump_entry
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import get_protocol
from anakinra_iv.units import Q_

ENTRY = get_pump_entry(get_protocol("adult-mas-civ"), "ICU")


def check(mg_h: float, ml_h: float, conc: float) -> tuple[str, list[str]]:
    result = check_pump_programme(
        ENTRY,
        rate_mg_per_h=Q_(mg_h, "mg/h"),
        rate_ml_per_h=Q_(ml_h, "mL/h"),
        concentration=Q_(conc, "mg/mL"),
    )
    return result.status, [f.field for f in result.findings]


class TestEntry:
    def test_limits_are_the_daily_limits_per_hour(self) -> None:
        """2400 / 24 = 100 mg/h hard; 1600 / 24 = 66.67 soft; 100 / 24 = 4.17 hard minimum."""
        assert ENTRY.hard_max.magnitude == pytest.approx(100)
        assert ENTRY.soft_max is not None and ENTRY.soft_max.magnitude == pytest.approx(1600 / 24)
        assert ENTRY.hard_min.magnitude == pytest.approx(100 / 24)
        assert ENTRY.dosing_unit == "mg/h"

    def test_standard_concentrations_follow_the_ladder(self) -> None:
        """Each step's 12 h dose in 100 mL: 400 mg/day -> 200 mg -> 2 mg/mL ... 12 mg/mL."""
        assert [c.magnitude for c in ENTRY.concentrations] == pytest.approx([2, 4, 6, 8, 10, 12])

    def test_unknown_care_area(self) -> None:
        """The error names 'care_area' and the areas that exist."""
        with pytest.raises(InvalidInput, match="'care_area'.*ICU"):
            get_pump_entry(get_protocol("adult-mas-civ"), "theatre")


class TestProgrammeCheck:
    def test_correct_programme(self) -> None:
        """50 mg/h at 6 mg/mL = 8.3 mL/h (display rounding within 1%)."""
        assert check(50, 8.3, 6) == ("ok", [])

    def test_dose_rate_typed_into_the_ml_field(self) -> None:
        """50 typed into mL/h for a 50 mg/h order is the classic wrong-field error."""
        status, fields = check(50, 50, 6)
        assert status == "hard_stop" and fields[0] == "rate_ml_per_h"

    def test_rates_that_disagree(self) -> None:
        """10 mL/h x 6 mg/mL = 60 mg/h is not the 50 mg/h ordered."""
        assert check(50, 10, 6) == ("hard_stop", ["rate_ml_per_h"])

    def test_non_standard_concentration(self) -> None:
        """3 mg/mL is no ladder bag: a soft alert."""
        assert check(25, 25 / 3, 3) == ("soft_alert", ["concentration"])

    def test_above_soft_limit(self) -> None:
        """80 mg/h (1920 mg/day) is above the 66.67 mg/h soft maximum."""
        assert check(80, 80 / 12, 12) == ("soft_alert", ["rate_mg_per_h"])

    def test_above_hard_limit(self) -> None:
        """110 mg/h is above 100 mg/h: hard stop (also above the absolute cap)."""
        status, fields = check(110, 110 / 12, 12)
        assert status == "hard_stop" and set(fields) == {"rate_mg_per_h"}

    def test_above_the_pump_volume_limit(self) -> None:
        """60 mL/h is above the entry's 50 mL/h maximum."""
        status, fields = check(60 * 2, 60, 2)
        assert status == "hard_stop" and "rate_ml_per_h" in fields
