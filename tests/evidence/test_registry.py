"""Reading, checking and querying the evidence table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.errors import DatasetError, InvalidInput, ProblemList, UnknownItem, list_problems
from anakinra_iv.evidence import (
    CLINICAL_KINDS,
    DISEASE_TERMS,
    FIELD_NAMES,
    NOT_FOUND,
    EvidenceEntry,
    Kind,
    Registry,
    Route,
    get_entry,
    has_entry,
    list_entries,
    read_registry,
)

# The keys that protocol, model and score files cite (the project's shared list).
CITED_KEYS = [
    "monteagudo-2020",
    "regions-2023",
    "fisher-1994-ccm",
    "fisher-1994-jama",
    "opal-1997",
    "shakoory-2016",
    "boermeester-sepsis",
    "antin-1994",
    "antin-2002",
    "thueringer-2015",
    "charlesworth-2021",
    "kavirayani-2020",
    "charlesworth-2023",
    "phadke-2021",
    "rajasekaran-2014",
    "sccm-2022-cvvhdf",
    "prague-2022",
    "cavalli-2020",
    "cavalli-2021",
    "pontali-2021",
    "kharazmi-2021",
    "clark-2020",
    "kooistra-2020",
    "bektas-2023",
    "cart-paediatric-2022",
    "gazeau-2023",
    "fhcc-ohsu-cart",
    "yang-2003",
    "emsley-2005",
    "baverez-2022",
    "eloseily-2020",
    "sonmez-2018",
    "kineret-label",
    "usp-797",
    "cockcroft-gault-1976",
    "devine-1974",
    "fardet-2014",
    "minoia-2019",
    "ravelli-2016",
    "henter-2007",
    "lee-2019",
    "precise-trips-2023",
    "cheo-2023",
    "yang-2001",
    "urien-2013",
    "clark-2008",
    "jordan-2011",
    "ismp-2020-pumps",
    "ismp-dose-designations",
    "abuhelwa-2015",
    "nonmem-nmtests",
    "pk-calibration",
    "body-weight-study",
    "granowitz-1992",
    "loinc",
    "ucum",
    "site",
]

GOOD_ROW = {
    "key": "smith-2020",
    "kind": "case-series",
    "citation": "Smith A. A report. J Test. 2020;1:1.",
    "year": "2020",
    "pmid": "12345678",
    "doi": "10.1000/xyz.1",
    "url": "https://example.org/smith",
    "population": "3 adults",
    "disease": "MAS",
    "route": "CI",
    "loading_dose": NOT_FOUND,
    "maintenance_dose": "400 mg/day",
    "max_dose": "800 mg/day",
    "duration": "7 days",
    "outcome": "all responded",
    "notes": "",
}


def _write(path: Path, rows: list[dict[str, str]], header: tuple[str, ...] = FIELD_NAMES) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _problems(path: Path) -> list[DatasetError]:
    with pytest.raises((DatasetError, ProblemList)) as caught:
        read_registry(path)
    found = list_problems(caught.value)
    assert all(isinstance(p, DatasetError) for p in found)
    return [p for p in found if isinstance(p, DatasetError)]


class TestPackagedRegistry:
    def test_loads_and_is_cached(self) -> None:
        """The packaged table loads, once: later calls return the same object."""
        registry = read_registry()
        assert len(registry) >= len(CITED_KEYS)
        assert read_registry() is registry

    @pytest.mark.parametrize("key", CITED_KEYS)
    def test_every_cited_key_resolves(self, key: str) -> None:
        """Each key that protocol and model files cite has an entry."""
        assert has_entry(key)
        assert get_entry(key).key == key

    def test_reading_the_packaged_file_by_path_gives_the_same_registry(self) -> None:
        """The packaged table read through the path loader equals the cached registry."""
        path = Path(__file__).parents[2] / "src/anakinra_iv/evidence/data/evidence.csv"
        assert read_registry(path) == read_registry()

    def test_site_entry_says_no_published_value_exists(self) -> None:
        """'site' stands for a template default that the institution must review and approve."""
        site = get_entry("site")
        assert site.kind is Kind.SITE
        assert site.route is Route.NA
        text = f"{site.citation} {site.notes}".lower()
        assert "no published value" in text
        assert "review and approve" in text

    def test_clinical_entries_give_each_detail_or_say_not_found(self) -> None:
        """No clinical report with a route leaves a dose, duration or outcome silently blank."""
        for entry in read_registry().values():
            if entry.kind in CLINICAL_KINDS and entry.route is not Route.NA:
                for name in ("loading_dose", "maintenance_dose", "max_dose", "duration"):
                    assert getattr(entry, name), (entry.key, name)
                assert entry.outcome, entry.key

    def test_details_not_in_the_sources_stay_not_found(self) -> None:
        """evidence.md marks these [NF]; the registry must not fill them in."""
        assert get_entry("monteagudo-2020").loading_dose == NOT_FOUND
        assert get_entry("monteagudo-2020").duration == NOT_FOUND
        assert get_entry("antin-2002").route is Route.NF
        assert get_entry("thueringer-2015").route is Route.NF
        assert get_entry("thueringer-2015").maintenance_dose == NOT_FOUND
        assert get_entry("regions-2023").max_dose == NOT_FOUND
        assert get_entry("gazeau-2023").route is Route.NF

    def test_published_numbers_match_the_reference_table(self) -> None:
        """Spot checks against evidence.md rows 2, 6, 9, 10, 18 and 25."""
        assert "2400 mg/day" in (get_entry("monteagudo-2020").max_dose or "")
        assert get_entry("regions-2023").pmid == "37229265"
        assert "400 to 3200 mg/day" in (get_entry("antin-1994").maintenance_dose or "")
        assert get_entry("antin-1994").duration == "7 days"
        assert get_entry("fisher-1994-jama").loading_dose == "100 mg IV bolus"
        assert "5 mg/kg IV q12h" in (get_entry("cavalli-2020").maintenance_dose or "")
        assert "100 mg per dose" in (get_entry("cart-paediatric-2022").max_dose or "")

    def test_identifiers_are_well_formed(self) -> None:
        """PubMed ids are digits, DOIs start '10.', addresses are http(s)."""
        for entry in read_registry().values():
            assert entry.pmid is None or entry.pmid.isdigit(), entry.key
            assert entry.doi is None or entry.doi.startswith("10."), entry.key
            assert entry.url is None or entry.url.startswith(("http://", "https://")), entry.key


class TestGetEntry:
    def test_unknown_key_is_named(self) -> None:
        """An unknown key raises UnknownItem naming the key and the field."""
        with pytest.raises(UnknownItem, match="'monteagudo-2021'") as caught:
            get_entry("monteagudo-2021")
        assert caught.value.field == "key"
        assert "monteagudo-2020" in caught.value.message

    def test_keys_are_exact(self) -> None:
        """Keys are case-sensitive: 'Site' is not 'site'."""
        assert has_entry("site")
        assert not has_entry("Site")


class TestListEntries:
    def test_route_ci_keeps_continuous_infusions_only(self) -> None:
        """--route CI: Monteagudo and Antin 1994 infused continuously; Cavalli 2020 gave q12h."""
        keys = {entry.key for entry in list_entries(route="CI")}
        assert {"monteagudo-2020", "antin-1994"} <= keys
        assert "cavalli-2020" not in keys
        assert all(entry.route is Route.CI for entry in list_entries(route="CI"))

    def test_route_is_case_insensitive(self) -> None:
        """'ci' and 'CI' select the same entries."""
        assert list_entries(route="ci") == list_entries(route="CI")
        assert list_entries(route="Mixed") == list_entries(route="mixed")

    def test_disease_matches_within_the_field(self) -> None:
        """--disease MAS finds Monteagudo 2020; 'hlh' finds sHLH, CNS-HLH and carHLH entries."""
        assert "monteagudo-2020" in {entry.key for entry in list_entries(disease="MAS")}
        hlh = {entry.key for entry in list_entries(disease="hlh")}
        assert {"monteagudo-2020", "kavirayani-2020", "cart-paediatric-2022"} <= hlh
        assert "cavalli-2020" not in hlh

    def test_filters_combine(self) -> None:
        """Route and disease together keep the entries that match both."""
        both = list_entries(route="CI", disease="GVHD")
        assert [entry.key for entry in both] == ["antin-1994"]

    def test_no_filter_lists_everything_in_file_order(self) -> None:
        """Without filters the whole table comes back, in file order."""
        assert [entry.key for entry in list_entries()] == list(read_registry())

    def test_routes_partition_the_registry(self) -> None:
        """Every entry has exactly one route, so the route filters split the table."""
        counts = sum(len(list_entries(route=route.value)) for route in Route)
        assert counts == len(read_registry())

    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("route", {"route": "drip"}),
            ("disease", {"disease": "measles"}),
            ("disease", {"disease": "  "}),
        ],
    )
    def test_unknown_filter_values_name_the_field(self, field: str, kwargs: dict[str, str]) -> None:
        """An unknown route or disease is refused, naming the field, not answered with []."""
        with pytest.raises(UnknownItem, match=f"'{field}'") as caught:
            list_entries(**kwargs)
        assert caught.value.field == field


class TestMalformedTables:
    def test_a_good_file_loads(self, tmp_path: Path) -> None:
        """The reference row used below is itself valid."""
        registry = read_registry(_write(tmp_path / "ok.csv", [GOOD_ROW]))
        entry = registry["smith-2020"]
        assert entry.year == 2020
        assert entry.route is Route.CI
        assert entry.notes is None

    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("route", "drip"),
            ("kind", "anecdote"),
            ("year", "20201"),
            ("year", "1850"),
            ("year", "MMXX"),
            ("pmid", "PMC7231518"),
            ("doi", "acr2.11135"),
            ("url", "www.example.org"),
            ("disease", "MAS; measles"),
            ("key", "Smith 2020"),
            ("citation", ""),
            ("maintenance_dose", ""),
            ("outcome", " "),
        ],
    )
    def test_a_bad_value_is_rejected_naming_row_and_field(
        self, tmp_path: Path, column: str, value: str
    ) -> None:
        """One broken cell in the second data row: the error gives row 2 and the column."""
        bad = {**GOOD_ROW, "key": "jones-2021", column: value}
        if column == "key":
            bad["key"] = value
        [problem] = _problems(_write(tmp_path / "bad.csv", [GOOD_ROW, bad]))
        assert problem.row == 2
        assert problem.column == column
        assert "row 2" in problem.message
        assert f"'{column}'" in problem.message

    def test_duplicate_keys_are_rejected(self, tmp_path: Path) -> None:
        """A key used twice names the later row and the row it repeats."""
        [problem] = _problems(_write(tmp_path / "dup.csv", [GOOD_ROW, {**GOOD_ROW}]))
        assert (problem.row, problem.column) == (2, "key")
        assert "row 1" in problem.message

    def test_missing_and_unknown_columns_are_named(self, tmp_path: Path) -> None:
        """A header without 'route' and with 'dose' is refused, both named, before any row."""
        header = (*(name for name in FIELD_NAMES if name != "route"), "dose")
        problems = _problems(_write(tmp_path / "header.csv", [GOOD_ROW], header=header))
        assert {p.column for p in problems} == {"route", "dose"}

    def test_every_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        """Two bad rows give one ProblemList with a problem per broken cell."""
        rows = [{**GOOD_ROW, "route": "drip"}, {**GOOD_ROW, "key": "b-2001", "year": "1492"}]
        with pytest.raises(ProblemList) as caught:
            read_registry(_write(tmp_path / "two.csv", rows))
        assert [(p.row, p.column) for p in caught.value] == [(1, "route"), (2, "year")]

    def test_a_row_with_too_many_cells_is_rejected(self, tmp_path: Path) -> None:
        """A row wider than the header (a stray comma) is refused, naming the row."""
        path = _write(tmp_path / "wide.csv", [GOOD_ROW])
        path.write_text(path.read_text().rstrip("\n") + ",extra\n", encoding="utf-8")
        [problem] = _problems(path)
        assert problem.row == 1

    def test_broken_quoting_names_the_line(self, tmp_path: Path) -> None:
        """An unterminated quote is refused with the line where reading stopped."""
        path = _write(tmp_path / "quote.csv", [GOOD_ROW])
        path.write_text(path.read_text() + 'x-2000,"trial\n', encoding="utf-8")
        [problem] = _problems(path)
        assert "line 3" in problem.message

    def test_an_empty_table_is_rejected(self, tmp_path: Path) -> None:
        """A header without rows is not a registry."""
        [problem] = _problems(_write(tmp_path / "empty.csv", []))
        assert "no rows" in problem.message

    def test_a_missing_file_names_the_path(self, tmp_path: Path) -> None:
        """A file that cannot be read raises InvalidInput for 'path'."""
        with pytest.raises(InvalidInput, match="'path'") as caught:
            read_registry(tmp_path / "absent.csv")
        assert caught.value.field == "path"

    def test_filters_work_on_a_registry_read_from_a_path(self, tmp_path: Path) -> None:
        """get_entry and list_entries accept a registry other than the packaged one."""
        registry = read_registry(_write(tmp_path / "ok.csv", [GOOD_ROW]))
        assert get_entry("smith-2020", registry).year == 2020
        assert list_entries(route="IVB", registry=registry) == ()
        assert not has_entry("monteagudo-2020", registry)


_text = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
        | st.sampled_from(',"\n'),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)

_entries = st.builds(
    EvidenceEntry,
    key=st.from_regex(r"[a-z]{1,8}(-[a-z0-9]{1,6}){0,2}", fullmatch=True),
    kind=st.sampled_from(Kind),
    citation=_text,
    disease=st.lists(st.sampled_from(DISEASE_TERMS), min_size=1, max_size=3).map("; ".join),
    route=st.just(Route.NA),
    year=st.none() | st.integers(1900, 2100),
    pmid=st.none() | st.integers(1, 99_999_999).map(str),
    doi=st.none() | st.from_regex(r"10\.[0-9]{4}/[a-z0-9.]{1,10}", fullmatch=True),
    url=st.none() | st.from_regex(r"https://[a-z]{1,10}\.org/[a-z0-9]{0,8}", fullmatch=True),
    population=st.none() | _text,
    notes=st.none() | _text,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_entries, min_size=1, max_size=5, unique_by=lambda entry: entry.key))
def test_writing_and_reading_a_table_round_trips(
    tmp_path_factory: pytest.TempPathFactory, entries: list[EvidenceEntry]
) -> None:
    """Any valid entries written as CSV (quotes, commas, newlines) read back unchanged."""
    path = tmp_path_factory.mktemp("roundtrip") / "evidence.csv"
    rows = [{k: "" if v is None else str(v) for k, v in e.as_dict().items()} for e in entries]
    assert read_registry(_write(path, rows)) == Registry(tuple(entries))
