"""The evidence entry and registry types."""

from __future__ import annotations

import dataclasses

import pytest

from anakinra_iv.evidence import FIELD_NAMES, EvidenceEntry, Kind, Registry, Route


def _entry(key: str = "x-2020", disease: str = "MAS; sHLH") -> EvidenceEntry:
    return EvidenceEntry(
        key=key, kind=Kind.CASE_SERIES, citation="X. J. 2020.", disease=disease, route=Route.CI
    )


class TestEvidenceEntry:
    def test_is_frozen(self) -> None:
        """An entry cannot be changed in place; replacement makes a new one."""
        entry = _entry()
        with pytest.raises(dataclasses.FrozenInstanceError):
            entry.key = "y-2021"  # type: ignore[misc]
        assert dataclasses.replace(entry, key="y-2021").key == "y-2021"
        assert entry.key == "x-2020"

    def test_disease_terms_split_on_semicolons(self) -> None:
        """'MAS; sHLH' holds two terms; blanks around them are dropped."""
        assert _entry(disease="MAS;  sHLH ; ").disease_terms == ("MAS", "sHLH")

    def test_as_dict_has_every_field_in_table_order(self) -> None:
        """as_dict gives the table's columns, enums as their codes, absent values as None."""
        values = _entry().as_dict()
        assert tuple(values) == FIELD_NAMES
        assert values["kind"] == "case-series"
        assert values["route"] == "CI"
        assert values["year"] is None
        assert type(values["route"]) is str


class TestRegistry:
    def test_is_a_read_only_mapping_in_file_order(self) -> None:
        """Keys iterate in the order of the entries; lookup by key; unknown keys raise KeyError."""
        first, second = _entry("b-2001"), _entry("a-2002")
        registry = Registry((first, second))
        assert list(registry) == ["b-2001", "a-2002"]
        assert registry["a-2002"] is second
        assert len(registry) == 2
        assert "c-2003" not in registry
        with pytest.raises(KeyError):
            registry["c-2003"]

    def test_equal_registries_compare_and_hash_equal(self) -> None:
        """Two registries of the same entries are equal and hash alike (usable as cache keys)."""
        one, two = Registry((_entry(),)), Registry((_entry(),))
        assert one == two
        assert hash(one) == hash(two)
