"""The unit registry at the edges: parsing, refusals and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.errors import InvalidInput, UnitMismatch
from anakinra_iv.units import (
    CREATININE_MOLAR_MASS,
    Q_,
    format_quantity,
    magnitude_in,
    parse_quantity,
    ucum_to_pint,
)
from tests.strategies import written

positive = st.floats(min_value=1e-3, max_value=1e5, allow_nan=False, allow_infinity=False)


class TestParse:
    def test_pounds_to_kilograms(self) -> None:
        """154 lb x 0.45359237 kg/lb = 69.853 kg (definition of the avoirdupois pound)."""
        assert parse_quantity("154 lb", field="weight", unit="kg").magnitude == pytest.approx(
            154 * 0.45359237
        )

    def test_creatinine_molar_to_mass(self) -> None:
        """106 umol/L x 113.12 ug/umol = 11.99 mg/L = 1.199 mg/dL."""
        q = parse_quantity(
            "106 umol/L", field="creatinine", unit="mg/dL", molar_mass=CREATININE_MOLAR_MASS
        )
        assert q.magnitude == pytest.approx(106 * 113.12 / 1e4)

    @pytest.mark.parametrize("text", ["5 kg", "5 mL", "5 mg/h"])
    def test_molar_conversion_of_the_wrong_dimension_is_a_unit_mismatch(self, text: str) -> None:
        """'5 kg' for creatinine is refused naming the field, not a division by zero."""
        with pytest.raises(UnitMismatch, match="'creatinine'"):
            parse_quantity(text, field="creatinine", unit="mg/dL", molar_mass=CREATININE_MOLAR_MASS)

    def test_ucum_counts(self) -> None:
        """'95 10*9/L' equals '95 10*3/uL' (10^9/L = 10^3/uL)."""
        q = parse_quantity("95 10*9/L", field="platelets", unit="1e9/L")
        assert magnitude_in(q, "1e9/L") == pytest.approx(95)
        assert magnitude_in(q, "1e3/uL") == pytest.approx(95)

    def test_ucum_celsius(self) -> None:
        """39.7 Cel = 103.46 degF (x 9/5 + 32)."""
        q = parse_quantity("39.7 Cel", field="temperature", unit="degC", positive=False)
        assert magnitude_in(q, "degF") == pytest.approx(39.7 * 9 / 5 + 32)
        assert ucum_to_pint("[degF]") == "degF"

    @pytest.mark.parametrize(
        ("text", "error"),
        [
            ("70", UnitMismatch),
            ("70 furlongs", UnitMismatch),
            ("70 mL", UnitMismatch),
            ("0 kg", InvalidInput),
            ("-1 kg", InvalidInput),
            ("", InvalidInput),
            ("seventy kg", InvalidInput),
            ("nan kg", InvalidInput),
        ],
    )
    def test_refusals_name_the_field(self, text: str, error: type[Exception]) -> None:
        """Missing unit, unknown unit, wrong dimension, non-positive, not a number."""
        with pytest.raises(error, match="'weight'"):
            parse_quantity(text, field="weight", unit="kg")


class TestRoundTrips:
    @given(positive)
    def test_kg_lb(self, kg: float) -> None:
        """kg -> lb -> kg returns the same number."""
        lb = parse_quantity(f"{written(kg)} kg", field="w", unit="lb")
        assert parse_quantity(lb, field="w", unit="kg").magnitude == pytest.approx(kg)

    @given(positive)
    def test_creatinine(self, mg_dl: float) -> None:
        """mg/dL -> umol/L -> mg/dL with the molar mass of creatinine."""
        umol = parse_quantity(
            f"{written(mg_dl)} mg/dL", field="c", unit="umol/L", molar_mass=CREATININE_MOLAR_MASS
        )
        back = parse_quantity(umol, field="c", unit="mg/dL", molar_mass=CREATININE_MOLAR_MASS)
        assert back.magnitude == pytest.approx(mg_dl)

    @given(st.floats(min_value=30, max_value=45))
    def test_celsius_fahrenheit(self, celsius: float) -> None:
        """degC -> degF -> degC."""
        f = Q_(celsius, "degC").to("degF")
        assert magnitude_in(f, "degC") == pytest.approx(celsius)

    @given(positive)
    def test_rates(self, mg_h: float) -> None:
        """mg/h -> mg/day -> mg/h (x 24, / 24)."""
        day = Q_(mg_h, "mg/h").to("mg/day")
        assert day.magnitude == pytest.approx(mg_h * 24)
        assert magnitude_in(day, "mg/h") == pytest.approx(mg_h)


class TestFormat:
    @pytest.mark.parametrize(
        ("value", "unit", "decimals", "shown"),
        [
            (1200.0, "mg", 2, "1,200 mg"),
            (0.5, "mg/mL", 2, "0.5 mg/mL"),
            (4.0, "mL", 2, "4 mL"),
            (8.3333, "mL/h", 1, "8.3 mL/h"),
            (0.004, "mg", 3, "0.004 mg"),
        ],
    )
    def test_ismp_display(self, value: float, unit: str, decimals: int, shown: str) -> None:
        """Leading zero, no trailing zero, thousands separator."""
        assert format_quantity(Q_(value, unit), unit, decimals) == shown
