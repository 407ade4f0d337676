"""Observations: parsing with units, conversions, plausibility, assays, staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment.observations import (
    create_observation,
    get_value_in,
    is_stale,
    read_measurement,
)
from anakinra_iv.errors import InvalidInput, UnitMismatch
from tests.strategies import written

AT = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)


def value(analyte: str, text: str, unit: str) -> float:
    return get_value_in(read_measurement(analyte, text), unit)


class TestConversions:
    @pytest.mark.parametrize(
        ("analyte", "text", "unit", "expected"),
        [
            ("fibrinogen", "2.1 g/L", "mg/dL", 210.0),  # 1 g/L = 100 mg/dL
            ("fibrinogen", "3.4 g/L", "umol/L", 10.0),  # 3.4 g/L / 340000 g/mol = 10 umol/L
            ("triglycerides", "2 mmol/L", "mg/dL", 177.0),  # x 88.5 (scores.md)
            ("hemoglobin", "9 g/dL", "g/L", 90.0),
            ("hemoglobin", "16.1145 g/dL", "mmol/L", 10.0),  # 161.145 g/L / 16114.5 g/mol
            ("platelets", "95 10*3/uL", "10*9/L", 95.0),  # 10^3/uL = 10^9/L
            ("platelets", "95000 /mm3", "10*9/L", 95.0),  # 1 mm3 = 1 uL
            ("anc", "800 /uL", "10*9/L", 0.8),
            ("creatinine", "88.4 umol/L", "mg/dL", 88.4 * 113.12 / 10000),  # 113.12 g/mol
            ("temperature", "104 [degF]", "Cel", 40.0),  # (104 - 32) x 5/9
            ("ferritin", "2400 ug/L", "ng/mL", 2400.0),
            ("crp", "12 mg/dL", "mg/L", 120.0),
            ("ast", "1 ukat/L", "U/L", 60.0),  # 1 U = 1 umol/min, 1 kat = 1 mol/s
        ],
    )
    def test_hand_calculated_conversions(
        self, analyte: str, text: str, unit: str, expected: float
    ) -> None:
        """Each factor by hand: g/L x 100, x 88.5, molar masses, 1 mm3 = 1 uL, 60 U per ukat."""
        assert value(analyte, text, unit) == pytest.approx(expected, rel=1e-4)

    @given(st.floats(min_value=0.1, max_value=20.0))
    def test_triglycerides_round_trip(self, mmol: float) -> None:
        """mmol/L -> mg/dL -> mmol/L returns the value; mg/dL = mmol/L x 88.5."""
        m = read_measurement("triglycerides", f"{written(mmol)} mmol/L")
        assert m.magnitude == pytest.approx(mmol * 88.5, rel=1e-9)
        back = read_measurement("triglycerides", f"{written(m.magnitude)} mg/dL")
        assert get_value_in(back, "mmol/L") == pytest.approx(mmol, rel=1e-9)

    @given(st.floats(min_value=0.1, max_value=20.0))
    def test_fibrinogen_round_trip_through_umol(self, g_per_l: float) -> None:
        """g/L -> umol/L -> g/L returns the value (molar mass 340,000 g/mol)."""
        umol = value("fibrinogen", f"{written(g_per_l)} g/L", "umol/L")
        assert umol == pytest.approx(g_per_l / 340000 * 1e6, rel=1e-9)
        assert value("fibrinogen", f"{written(umol)} umol/L", "g/L") == pytest.approx(
            g_per_l, rel=1e-9
        )

    @given(st.floats(min_value=1.0, max_value=24.0))
    def test_haemoglobin_round_trip(self, g_per_dl: float) -> None:
        """g/dL -> mmol/L -> g/L -> g/dL returns the value."""
        mmol = value("hemoglobin", f"{written(g_per_dl)} g/dL", "mmol/L")
        g_per_l = value("hemoglobin", f"{written(mmol)} mmol/L", "g/L")
        assert g_per_l == pytest.approx(10 * g_per_dl, rel=1e-9)

    @given(st.floats(min_value=0.0, max_value=1000.0))
    def test_counts_round_trip(self, per_nl: float) -> None:
        """10^9/L -> /mm3 -> 10^3/uL -> 10^9/L returns the value."""
        per_mm3 = value("platelets", f"{written(per_nl)} 10*9/L", "/mm3")
        assert per_mm3 == pytest.approx(per_nl * 1000, rel=1e-9, abs=1e-9)
        per_ul = value("platelets", f"{written(per_mm3)} /mm3", "10*3/uL")
        assert per_ul == pytest.approx(per_nl, rel=1e-9, abs=1e-9)

    @given(st.floats(min_value=0.05, max_value=39.0))
    def test_creatinine_round_trip(self, mg_per_dl: float) -> None:
        """mg/dL -> umol/L -> mg/dL returns the value (x 88.42)."""
        umol = value("creatinine", f"{written(mg_per_dl)} mg/dL", "umol/L")
        assert umol == pytest.approx(mg_per_dl * 88.4016, rel=1e-5)
        assert value("creatinine", f"{written(umol)} umol/L", "mg/dL") == pytest.approx(
            mg_per_dl, rel=1e-9
        )

    @given(st.floats(min_value=25.0, max_value=45.0))
    def test_temperature_round_trip(self, celsius: float) -> None:
        """Cel -> [degF] -> Cel returns the value; F = C x 9/5 + 32."""
        f = value("temperature", f"{written(celsius)} Cel", "[degF]")
        assert f == pytest.approx(celsius * 9 / 5 + 32, rel=1e-9)
        assert value("temperature", f"{written(f)} [degF]", "Cel") == pytest.approx(
            celsius, rel=1e-9
        )

    def test_value_typed_on_a_threshold_stays_on_it(self) -> None:
        """110,000 /mm3 is exactly 110 x 10^9/L after conversion (no float noise)."""
        assert read_measurement("platelets", "110000 /mm3").magnitude == 110.0


class TestAssays:
    def test_scd25_in_pg_per_ml_is_filed_under_the_mass_assay(self) -> None:
        """A pg/mL value belongs to the mass assay (LOINC 76039-7), not the U/mL one."""
        assert read_measurement("soluble_cd25", "3000 pg/mL").analyte == "soluble_cd25_mass"
        assert read_measurement("soluble_cd25", "3000 U/mL").analyte == "soluble_cd25"

    def test_scd25_pg_per_ml_is_never_converted_to_u_per_ml(self) -> None:
        """Different assays: refused with a message that says so."""
        m = read_measurement("soluble_cd25", "3000 pg/mL")
        with pytest.raises(UnitMismatch, match="different assays"):
            get_value_in(m, "U/mL")
        n = read_measurement("soluble_cd25", "3000 U/mL")
        with pytest.raises(UnitMismatch, match="different assays"):
            get_value_in(n, "pg/mL")

    def test_scd25_converts_within_its_own_assay(self) -> None:
        """3000 pg/mL = 3 ng/mL (same assay)."""
        assert value("soluble_cd25", "3000 pg/mL", "ng/mL") == pytest.approx(3.0)

    def test_d_dimer_needs_its_assay_named(self) -> None:
        """A D-dimer without {FEU} or {DDU} is refused; FEU is not converted to DDU."""
        with pytest.raises(UnitMismatch, match=r"\{FEU\} or \{DDU\}"):
            read_measurement("d_dimer", "0.8 ug/mL")
        feu = read_measurement("d_dimer", "0.8 ug/mL{FEU}")
        assert get_value_in(feu, "ng/mL") == pytest.approx(800.0)
        with pytest.raises(UnitMismatch, match="different assays"):
            get_value_in(feu, "ng/mL{DDU}")


class TestRefusals:
    @pytest.mark.parametrize(
        ("analyte", "text", "match"),
        [
            ("ferritin", "-3 ng/mL", "'ferritin' cannot be negative"),
            ("ferritin", "2400", "'ferritin' needs a unit"),
            ("ferritin", "3 kg", "'ferritin' must be in a unit such as"),
            ("temperature", "52 Cel", "'temperature' = 52 Cel is outside the plausible range"),
            ("hemoglobin", "0 g/dL", "'hemoglobin' = 0 g/dL is outside the plausible range"),
            ("platelets", "95 10*9/uL", "'platelets' = 95 10\\*9/uL is outside"),
            ("creatinine", "5 mg/mL", "outside the plausible range"),
        ],
    )
    def test_implausible_values_name_the_observation(
        self, analyte: str, text: str, match: str
    ) -> None:
        """Negative, impossible, unit-less or wrong-dimension values are refused by name."""
        with pytest.raises(InvalidInput, match=match):
            read_measurement(analyte, text)

    def test_haemoglobin_unit_slip_is_refused(self) -> None:
        """'13 mg/dL' is 0.013 g/dL (a unit slip for 13 g/dL), below the plausible 1 g/dL
        (analytes.yaml, site-decision): refused naming the observation; 13 g/dL is read."""
        with pytest.raises(InvalidInput, match="'hemoglobin' = 13 mg/dL is outside"):
            read_measurement("hemoglobin", "13 mg/dL")
        assert read_measurement("hemoglobin", "13 g/dL").magnitude == 13

    def test_zero_counts_are_possible(self) -> None:
        """An ANC of 0 (agranulocytosis) is a real result, not refused."""
        assert read_measurement("anc", "0 10*9/L").magnitude == 0.0

    def test_naive_collection_time_is_refused(self) -> None:
        """Times must carry a timezone."""
        with pytest.raises(InvalidInput, match="timezone"):
            create_observation("crp", "10 mg/L", collected_at=datetime(2024, 1, 1))


class TestStale:
    def test_stale_after_max_age(self) -> None:
        """Older than the allowed age is stale; exactly at the age is not."""
        obs = create_observation("ferritin", "900 ng/mL", collected_at=AT)
        age = timedelta(hours=36)
        assert not is_stale(obs, now=AT + age, max_age=age)
        assert is_stale(obs, now=AT + age + timedelta(seconds=1), max_age=age)
