"""Protocol files: the shipped ones load, every source resolves, bad files are refused."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from anakinra_iv.errors import ProblemList, ProtocolError, UnknownItem
from anakinra_iv.evidence import has_entry
from anakinra_iv.protocol import (
    STATUSES,
    get_protocol,
    list_protocols,
    read_protocol_file,
    read_protocol_text,
)

SHIPPED = {
    "adult-mas-civ",
    "paediatric-mas-civ",
    "sepsis-trial-civ",
    "covid-cavalli-ivb",
    "cart-paediatric-ivb",
    "adult-cart-crs-icans",
}


def _adult_text() -> str:
    data = resources.files("anakinra_iv.protocol.data").joinpath("adult-mas-civ.v1.yaml")
    return data.read_text("utf-8")


def _problems(text: str) -> list[ProtocolError]:
    with pytest.raises((ProblemList, ProtocolError)) as caught:
        read_protocol_text(text, name="site.yaml")
    error = caught.value
    return list(error.problems) if isinstance(error, ProblemList) else [error]  # type: ignore[arg-type]


def _count_raw_site_decisions(raw: Any) -> int:
    if isinstance(raw, dict):
        own = 1 if raw.get("status") == "site-decision" else 0
        return own + sum(_count_raw_site_decisions(v) for v in raw.values())
    if isinstance(raw, list):
        return sum(_count_raw_site_decisions(v) for v in raw)
    return 0


class TestShippedProtocols:
    def test_all_six_load(self) -> None:
        """Two MAS templates, the adult CAR-T template and three comparators."""
        assert {p.id for p in list_protocols()} == SHIPPED

    def test_intermittent_regimens_are_first_class(self) -> None:
        """The COVID-19 and CAR-T comparators are intermittent; the others continuous."""
        kinds = {p.id: p.regimen_kind for p in list_protocols()}
        assert kinds["covid-cavalli-ivb"] == kinds["cart-paediatric-ivb"] == "intermittent"
        assert kinds["adult-mas-civ"] == kinds["sepsis-trial-civ"] == "continuous"

    @pytest.mark.parametrize("protocol_id", sorted(SHIPPED))
    def test_every_source_resolves_and_status_is_known(self, protocol_id: str) -> None:
        """Every value and rule cites an evidence-registry entry with a known status."""
        protocol = get_protocol(protocol_id)
        values = protocol.iter_values()
        assert values
        for path, provenance in values:
            assert has_entry(provenance.source), path
            assert provenance.status in STATUSES, path

    @pytest.mark.parametrize("protocol_id", sorted(SHIPPED))
    def test_site_decision_count_matches_the_file(self, protocol_id: str) -> None:
        """The count equals the site-decision statuses counted directly in the raw YAML."""
        protocol = get_protocol(protocol_id)
        name = f"{protocol_id}.v{protocol.version}.yaml"
        raw = yaml.safe_load(
            resources.files("anakinra_iv.protocol.data").joinpath(name).read_text("utf-8")
        )
        assert protocol.count_site_decisions() == _count_raw_site_decisions(raw)

    def test_adult_template_values(self) -> None:
        """Section 7 of the template: ladder 400-2400 mg/day, 2400 hard max (published)."""
        protocol = get_protocol("adult-mas-civ")
        ladder = [v.value for v in protocol.regimen.ladder]  # type: ignore[union-attr]
        assert ladder == [400, 800, 1200, 1600, 2000, 2400]
        assert protocol.limits.hard_max.value == 2400
        assert protocol.limits.hard_max.status == "published"
        assert protocol.limits.soft_max is not None and protocol.limits.soft_max.value == 1600
        assert protocol.beyond_use.status == "regulatory"
        assert protocol.loading_dose is not None and protocol.loading_dose.status == "precedent"

    def test_unknown_protocol_names_the_field(self) -> None:
        """An unknown id raises UnknownItem naming 'protocol' and listing the known ids."""
        with pytest.raises(UnknownItem, match="'protocol'.*adult-mas-civ"):
            get_protocol("no-such-protocol")


class TestValidation:
    def test_number_without_status_is_refused(self) -> None:
        """A value missing its status does not load; the error names the path."""
        text = _adult_text().replace(
            "beyond_use: {value: 12, unit: h, status: regulatory, source: usp-797,",
            "beyond_use: {value: 12, unit: h, source: usp-797,",
        )
        assert [p.field for p in _problems(text)] == ["beyond_use.status"]

    def test_number_without_source_is_refused(self) -> None:
        """A value missing its source does not load."""
        text = _adult_text().replace(
            "review_interval: {value: 24, unit: h, status: site-decision, source: site,",
            "review_interval: {value: 24, unit: h, status: site-decision,",
        )
        assert [p.field for p in _problems(text)] == ["review_interval.source"]

    def test_bare_number_is_refused(self) -> None:
        """A bare number where a value belongs is named as such."""
        text = _adult_text().replace(
            "review_interval: {value: 24, unit: h, status: site-decision, source: site, "
            "note: every 24 h during escalation}",
            "review_interval: 24",
        )
        problems = _problems(text)
        assert problems[0].field == "review_interval"
        assert "bare number" in problems[0].message

    def test_every_problem_is_reported_at_once(self) -> None:
        """Three independent faults give three problems in one call."""
        text = (
            _adult_text()
            .replace("source: usp-797, note: Category 1", "source: no-such-paper, note: Category 1")
            .replace(
                "hang_time: {value: 12, unit: h, status: site-decision, source: site}",
                "hang_time: 12",
            )
            .replace(
                "min_age: {value: 18, unit: year, status: published,",
                "min_age: {value: 18, unit: year,",
            )
        )
        fields = {p.field for p in _problems(text)}
        assert fields == {"beyond_use.source", "bag.hang_time", "population.min_age.status"}

    def test_ladder_must_ascend_and_stay_inside_hard_limits(self) -> None:
        """A descending step and a step above the 2400 mg/day hard maximum are both reported."""
        text = (
            _adult_text()
            .replace(
                "- {value: 800, unit: mg/day, status: site-decision, source: antin-1994}",
                "- {value: 300, unit: mg/day, status: site-decision, source: antin-1994}",
            )
            .replace(
                "- {value: 2000, unit: mg/day, status: site-decision, source: antin-1994}",
                "- {value: 2600, unit: mg/day, status: site-decision, source: antin-1994}",
            )
        )
        messages = [p.message for p in _problems(text)]
        assert any("regimen.ladder[1]" in m and "ascends" in m for m in messages)
        assert any("regimen.ladder[4]" in m and "hard limits" in m for m in messages)

    def test_bag_hanging_past_its_beyond_use_time_is_refused(self) -> None:
        """A 24 h bag with a 12 h beyond-use time cannot be a protocol."""
        text = _adult_text().replace(
            "hang_time: {value: 12, unit: h, status: site-decision, source: site}",
            "hang_time: {value: 24, unit: h, status: site-decision, source: site}",
        )
        assert [p.field for p in _problems(text)] == ["bag.hang_time"]

    def test_limits_in_the_wrong_unit_are_refused(self) -> None:
        """A mg/day protocol with a limit in mL is refused naming the limit."""
        text = _adult_text().replace(
            "soft_max: {value: 1600, unit: mg/day,", "soft_max: {value: 1600, unit: mL,"
        )
        assert [p.field for p in _problems(text)] == ["limits.soft_max"]

    def test_a_site_copy_with_its_own_values_loads_from_a_file(self, tmp_path: Path) -> None:
        """A site may edit a value and keep it valid; the file reader returns the protocol."""
        path = tmp_path / "site.yaml"
        path.write_text(_adult_text().replace('version: "1"', 'version: "1.1-site"'))
        assert read_protocol_file(path).version == "1.1-site"

    def test_missing_file_names_the_file(self, tmp_path: Path) -> None:
        """A path that does not exist is a ProtocolError, not a crash."""
        with pytest.raises(ProtocolError, match="cannot read"):
            read_protocol_file(tmp_path / "absent.yaml")
