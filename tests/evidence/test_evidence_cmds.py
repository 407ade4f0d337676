"""The ``anakinra evidence`` command: listing, filtering, showing, and its error contract."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from anakinra_iv.evidence import FIELD_NAMES, read_registry

runner = CliRunner()


def _json(*args: str) -> Any:
    result = runner.invoke(app, ["evidence", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


class TestList:
    def test_json_lists_every_entry_with_every_field(self) -> None:
        """Without filters the JSON is a list of objects, one per entry, keys as the table."""
        listed = _json()
        assert isinstance(listed, list)
        assert len(listed) == len(read_registry())
        assert all(tuple(item) == FIELD_NAMES for item in listed)

    def test_route_ci(self) -> None:
        """--route CI keeps monteagudo-2020 and antin-1994 and drops cavalli-2020 (q12h)."""
        keys = {item["key"] for item in _json("--route", "CI")}
        assert {"monteagudo-2020", "antin-1994"} <= keys
        assert "cavalli-2020" not in keys

    def test_disease_mas(self) -> None:
        """--disease MAS includes monteagudo-2020; every row listed mentions MAS."""
        listed = _json("--disease", "MAS")
        assert "monteagudo-2020" in {item["key"] for item in listed}
        assert all("mas" in item["disease"].lower() for item in listed)

    def test_text_is_a_table_of_the_entries(self) -> None:
        """The text output is a table naming each matching key, and only those."""
        result = runner.invoke(app, ["evidence", "--route", "ci", "--disease", "gvhd"])
        assert result.exit_code == 0
        assert "antin-1994" in result.stdout
        assert "monteagudo-2020" not in result.stdout
        assert "1 source" in result.stdout
        assert "1 sources" not in result.stdout

    @pytest.mark.parametrize(
        ("args", "field"),
        [(["--route", "drip"], "route"), (["--disease", "measles"], "disease")],
    )
    def test_unknown_filter_value_exits_2_naming_the_field(
        self, args: list[str], field: str
    ) -> None:
        """An unknown filter value: status 2, one line on stderr naming it, stdout empty."""
        result = runner.invoke(app, ["evidence", *args, "--format", "json"])
        assert result.exit_code == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert f"'{field}'" in lines[0]


class TestShow:
    def test_json_has_every_field(self) -> None:
        """show KEY --format json gives one object with the table's fields and values."""
        shown = _json("show", "monteagudo-2020")
        assert isinstance(shown, dict)
        assert tuple(shown) == FIELD_NAMES
        assert shown["route"] == "CI"
        assert shown["year"] == 2020
        assert shown["pmid"] is None

    def test_text_shows_each_field(self) -> None:
        """The text output lists every field of the entry, brackets in values printed as is."""
        result = runner.invoke(app, ["evidence", "show", "ucum"])
        assert result.exit_code == 0
        for name in FIELD_NAMES:
            assert name in result.stdout
        assert "[lb_av]" in result.stdout

    def test_unknown_key_exits_2_naming_it(self) -> None:
        """An unknown key: status 2, one line naming the key, nothing on stdout."""
        result = runner.invoke(app, ["evidence", "show", "monteagudo-2021"])
        assert result.exit_code == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert "'monteagudo-2021'" in lines[0]
