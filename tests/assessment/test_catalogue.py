"""The curated analyte catalogue: codes, lookups, provenance."""

from __future__ import annotations

import pytest

from anakinra_iv.assessment.catalogue import (
    get_analyte,
    get_catalogue,
    get_marker_group,
    is_flag,
    read_catalogue,
)
from anakinra_iv.errors import ProtocolError, UnknownItem
from anakinra_iv.units import CREATININE_MOLAR_MASS

# LOINC codes as listed in conventions.md section 2.2 (the curated table).
EXPECTED_LOINC = {
    "ferritin": "2276-4",
    "crp": "1988-5",
    "fibrinogen": "3255-7",
    "triglycerides": "2571-8",
    "ast": "1920-8",
    "alt": "1742-6",
    "ldh": "2532-0",
    "platelets": "777-3",
    "leukocytes": "6690-2",
    "anc": "751-8",
    "hemoglobin": "718-7",
    "creatinine": "2160-0",
    "d_dimer": "48065-7",
    "d_dimer_ddu": "48066-5",
    "soluble_cd25_mass": "76039-7",
    "temperature": "8310-5",
    "body_weight": "29463-7",
}


class TestCodes:
    @pytest.mark.parametrize(("name", "code"), sorted(EXPECTED_LOINC.items()))
    def test_code_matches_the_curated_table(self, name: str, code: str) -> None:
        """Each code is the one in conventions.md 2.2 (AST is 1920-8, not bilirubin's 1975-2)."""
        assert get_analyte(name).loinc == code
        assert get_analyte(code).name == name

    def test_u_per_ml_scd25_has_no_inferred_code(self) -> None:
        """conventions.md marks the U/mL sIL-2R code unverified: no code, with a note."""
        entry = get_analyte("soluble_cd25")
        assert entry.loinc is None
        assert "not verified" in entry.loinc_note

    def test_alternative_codes_find_the_analyte(self) -> None:
        """LDH 14804-9, manual ANC 753-4 and creatinine umol/L 14682-9 (conventions.md 2.2)."""
        assert get_analyte("14804-9").name == "ldh"
        assert get_analyte("753-4").name == "anc"
        assert get_analyte("14682-9").name == "creatinine"


class TestLookup:
    def test_aliases_and_case(self) -> None:
        """Short names, aliases and case variants reach the same entry."""
        assert get_analyte("Haemoglobin").name == "hemoglobin"
        assert get_analyte("neutrophils").name == "anc"
        assert get_analyte("WBC").name == "leukocytes"

    def test_unknown_name_is_refused_naming_it(self) -> None:
        """An unknown analyte raises UnknownItem with the name in the message."""
        with pytest.raises(UnknownItem, match="'bilirubin'"):
            get_analyte("bilirubin")

    def test_marker_groups_hold_assays_that_do_not_convert(self) -> None:
        """sCD25 (U/mL, pg/mL) and D-dimer (FEU, DDU) are groups of two assays."""
        assert {a.unit for a in get_marker_group("scd25")} == {"U/mL", "pg/mL"}
        assert {a.annotation for a in get_marker_group("d_dimer")} == {"FEU", "DDU"}

    def test_flags_are_known(self) -> None:
        """Clinical flags used by protocol rules are in the catalogue, not analytes."""
        assert is_flag("suspected_serious_infection")
        assert not is_flag("ferritin")


class TestProvenance:
    def test_every_range_and_molar_mass_has_status_and_source(self) -> None:
        """Each plausibility range and molar mass carries a status and a source key."""
        for a in get_catalogue().analytes:
            assert a.plausible.status and a.plausible.source
            if a.molar_mass is not None:
                assert a.molar_mass.status and a.molar_mass.source

    def test_creatinine_molar_mass_matches_the_units_constant(self) -> None:
        """Both places use 113.12 g/mol (C4H7N3O)."""
        mm = get_analyte("creatinine").molar_mass
        assert mm is not None
        assert mm.quantity.to("g/mol").magnitude == pytest.approx(
            CREATININE_MOLAR_MASS.to("g/mol").magnitude
        )

    def test_triglyceride_factor_is_the_papers_88_5(self) -> None:
        """885 g/mol gives x 88.5 from mmol/L to mg/dL (scores.md, Fardet 2014)."""
        mm = get_analyte("triglycerides").molar_mass
        assert mm is not None and mm.value / 10 == pytest.approx(88.5)


class TestValidation:
    def test_duplicate_alias_is_refused(self) -> None:
        """Two analytes sharing a key would make lookups ambiguous: refused on load."""
        entry = {
            "display": "x",
            "loinc": "1-1",
            "unit": "U/L",
            "accepted_units": ["U/L"],
            "plausible": {
                "low": 0,
                "high": 1,
                "unit": "U/L",
                "status": "site-decision",
                "source": "site",
            },
        }
        with pytest.raises(ProtocolError, match="names both"):
            read_catalogue({"analytes": {"a": entry, "b": {**entry, "aliases": ["a"]}}})

    def test_missing_code_without_note_is_refused(self) -> None:
        """A null LOINC code must say why."""
        entry = {
            "display": "x",
            "loinc": None,
            "unit": "U/L",
            "accepted_units": ["U/L"],
            "plausible": {
                "low": 0,
                "high": 1,
                "unit": "U/L",
                "status": "site-decision",
                "source": "site",
            },
        }
        with pytest.raises(ProtocolError, match="no LOINC code"):
            read_catalogue({"analytes": {"a": entry}})


def test_public_api_is_sorted_and_complete() -> None:
    """__all__ is sorted and every name in it exists."""
    import anakinra_iv.assessment as assessment

    assert assessment.__all__ == sorted(assessment.__all__)
    assert all(hasattr(assessment, name) for name in assessment.__all__)
