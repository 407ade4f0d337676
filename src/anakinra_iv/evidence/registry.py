"""Reading, checking and querying the evidence table.

The packaged table is ``data/evidence.csv``: one row per source, the columns of
:data:`~anakinra_iv.evidence.entry.FIELD_NAMES`. :func:`read_registry` checks every row before it
returns anything, and reports every problem at once, each naming the row and the column.

Examples
--------
>>> get_entry("monteagudo-2020").route
<Route.CI: 'CI'>
>>> has_entry("no-such-source")
False
>>> "antin-1994" in {entry.key for entry in list_entries(route="ci")}
True
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import os
import re
from importlib import resources
from pathlib import Path

from anakinra_iv.errors import AnakinraError, DatasetError, InvalidInput, ProblemList, UnknownItem
from anakinra_iv.evidence.entry import (
    CLINICAL_KINDS,
    DISEASE_TERMS,
    FIELD_NAMES,
    EvidenceEntry,
    Kind,
    Registry,
    Route,
)

__all__ = ["get_entry", "has_entry", "list_entries", "read_registry"]

_PACKAGED_TABLE = "evidence.csv"
_KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PMID_PATTERN = re.compile(r"^[1-9][0-9]{0,8}$")
_DOI_PATTERN = re.compile(r"^10\.[0-9]{4,9}/\S+$")
_URL_PATTERN = re.compile(r"^https?://\S+$")
_YEAR_RANGE = (1900, 2100)
"""Years a source can plausibly carry (a check on typing errors, not a clinical value)."""
_REPORTED_FIELDS = ("loading_dose", "maintenance_dose", "max_dose", "duration", "outcome")


def read_registry(path: str | os.PathLike[str] | None = None) -> Registry:
    """Read and check an evidence table.

    Parameters
    ----------
    path
        A CSV file with the columns of ``FIELD_NAMES``. ``None`` (the default) reads the packaged
        table, once per process; later calls return the same object.

    Returns
    -------
    Registry
        The entries in file order, looked up by key.

    Raises
    ------
    InvalidInput
        The file cannot be read.
    DatasetError
        A row breaks a rule: ``row`` is the 1-based data row, ``column`` the field. Several
        problems come together as a ``ProblemList``.

    Examples
    --------
    >>> registry = read_registry()
    >>> registry is read_registry()
    True
    >>> registry["yang-2003"].kind
    <Kind.PK_STUDY: 'pk-study'>
    """
    if path is None:
        return _read_packaged_registry()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"'path' cannot be read as an evidence table (got '{file}': {error})",
            field="path",
            value=str(file),
        ) from error
    return _parse_table(text, source=file.name)


@functools.cache
def _read_packaged_registry() -> Registry:
    table = resources.files(__package__).joinpath("data", _PACKAGED_TABLE)
    return _parse_table(table.read_text(encoding="utf-8"), source=_PACKAGED_TABLE)


def get_entry(key: str, registry: Registry | None = None) -> EvidenceEntry:
    """The entry with this key.

    Parameters
    ----------
    key
        An evidence key such as ``"monteagudo-2020"``; exact, lower case.
    registry
        The registry to look in; the packaged one by default.

    Returns
    -------
    EvidenceEntry

    Raises
    ------
    UnknownItem
        No entry has this key; the message names it and suggests close keys.

    Examples
    --------
    >>> get_entry("yang-2003").year
    2003
    >>> get_entry("cockroft-gault-1976")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    anakinra_iv.errors.UnknownItem: unknown evidence key 'cockroft-gault-1976' (did you mean ...?)
    """
    entries = read_registry() if registry is None else registry
    try:
        return entries[key]
    except KeyError:
        close = difflib.get_close_matches(key, list(entries), n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise UnknownItem(f"unknown evidence key {key!r}{hint}", field="key", value=key) from None


def has_entry(key: str, registry: Registry | None = None) -> bool:
    """Whether an entry with this key exists.

    Parameters
    ----------
    key
        An evidence key.
    registry
        The registry to look in; the packaged one by default.

    Returns
    -------
    bool

    Examples
    --------
    >>> has_entry("site"), has_entry("Site")
    (True, False)
    """
    entries = read_registry() if registry is None else registry
    return key in entries


def list_entries(
    route: str | None = None, disease: str | None = None, registry: Registry | None = None
) -> tuple[EvidenceEntry, ...]:
    """The entries that match every filter given, in table order.

    Parameters
    ----------
    route
        A route code (``CI``, ``IVB``, ``IV``, ``SC``, ``mixed``, ``NF``, ``NA``), any case;
        keeps the entries with exactly that route.
    disease
        Text found, in any case, within one of an entry's disease terms: ``MAS`` keeps entries
        about MAS; ``HLH`` keeps sHLH, CNS-HLH, carHLH and HLH.
    registry
        The registry to search; the packaged one by default.

    Returns
    -------
    tuple of EvidenceEntry

    Raises
    ------
    UnknownItem
        The route is not a route code, or the disease text is found in no known disease term;
        the error names the field (``route`` or ``disease``).

    Examples
    --------
    >>> [e.key for e in list_entries(route="CI", disease="gvhd")]
    ['antin-1994']
    >>> list_entries(route="drip")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    anakinra_iv.errors.UnknownItem: 'route' must be one of CI, IVB, ... (got 'drip')
    """
    entries = read_registry() if registry is None else registry
    wanted_route = None if route is None else _parse_route_filter(route)
    wanted_disease = None if disease is None else _parse_disease_filter(disease)
    return tuple(
        entry
        for entry in entries.values()
        if (wanted_route is None or entry.route is wanted_route)
        and (
            wanted_disease is None
            or any(wanted_disease in term.casefold() for term in entry.disease_terms)
        )
    )


def _parse_route_filter(text: str) -> Route:
    for route in Route:
        if route.value.casefold() == text.strip().casefold():
            return route
    codes = ", ".join(route.value for route in Route)
    raise UnknownItem(f"'route' must be one of {codes} (got {text!r})", field="route", value=text)


def _parse_disease_filter(text: str) -> str:
    wanted = text.strip().casefold()
    if not wanted or not any(wanted in term.casefold() for term in DISEASE_TERMS):
        raise UnknownItem(
            f"'disease' must be found within one of {', '.join(DISEASE_TERMS)} (got {text!r})",
            field="disease",
            value=text,
        )
    return wanted


# -- checking the table ------------------------------------------------------------------------


def _parse_table(text: str, *, source: str) -> Registry:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    rows: list[dict[str | None, str | list[str] | None]] = []
    first_line = 1  # line on which the record being read starts
    try:
        _ = reader.fieldnames
        first_line = reader.line_num + 1
        for row in reader:
            rows.append(row)
            first_line = reader.line_num + 1
    except csv.Error as error:
        raise DatasetError(
            f"{source}: not a readable CSV table in the record starting on line {first_line} "
            f"({error})"
        ) from error
    header = reader.fieldnames or []
    problems: list[AnakinraError] = [
        DatasetError(f"{source}: the header has no column {name!r}", column=name)
        for name in FIELD_NAMES
        if name not in header
    ]
    problems += [
        DatasetError(f"{source}: unknown column {name!r} in the header", column=name, value=name)
        for name in header
        if name not in FIELD_NAMES
    ]
    ProblemList.raise_if_any(problems)

    entries: list[EvidenceEntry] = []
    first_row_of: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        checker = _RowChecker(source, number, raw)
        entry = checker.build()
        if entry is not None and entry.key in first_row_of:
            checker.fail("key", f"repeats the key of row {first_row_of[entry.key]}", entry.key)
        elif entry is not None:
            first_row_of[entry.key] = number
            entries.append(entry)
        problems += checker.problems
    if not rows:
        problems.append(DatasetError(f"{source}: the table has no rows"))
    ProblemList.raise_if_any(problems)
    return Registry(tuple(entries))


class _RowChecker:
    """Turns one CSV row into an entry, collecting a problem per broken field."""

    def __init__(self, source: str, number: int, raw: dict[str | None, str | list[str] | None]):
        self.source = source
        self.number = number
        self.raw = raw
        self.problems: list[AnakinraError] = []
        self.key = self.text("key") or "?"

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if not isinstance(value, str) or not value.strip():
            return None
        return value.strip()

    def fail(self, name: str, rule: str, value: object) -> None:
        where = f"{self.source} row {self.number} (key {self.key!r}), field {name!r}"
        self.problems.append(
            DatasetError(
                f"{where}: {rule} (got {value!r})", row=self.number, column=name, value=value
            )
        )

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            self.fail(name, "must not be empty", "")
            return ""
        return value

    def matching(self, name: str, pattern: re.Pattern[str], rule: str) -> str | None:
        value = self.text(name)
        if value is not None and not pattern.match(value):
            self.fail(name, rule, value)
        return value

    def year(self) -> int | None:
        value = self.text("year")
        if value is None:
            return None
        low, high = _YEAR_RANGE
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            self.fail("year", f"must be a year from {low} to {high}, or empty", value)
            return None
        return int(value)

    def disease(self) -> str:
        value = self.required("disease")
        for term in (t.strip() for t in value.split(";")):
            if term not in DISEASE_TERMS:
                self.fail("disease", f"terms must be among {', '.join(DISEASE_TERMS)}", term)
        return value

    def build(self) -> EvidenceEntry | None:
        if None in self.raw:
            self.fail("key", f"has more cells than the header's {len(FIELD_NAMES)}", self.key)
        key = self.required("key")
        if key and not _KEY_PATTERN.match(key):
            self.fail("key", "must be lower-case words joined by '-'", key)
        kind_text, route_text = self.required("kind"), self.required("route")
        kinds, routes = {k.value: k for k in Kind}, {r.value: r for r in Route}
        if kind_text and kind_text not in kinds:
            self.fail("kind", f"must be one of {', '.join(kinds)}", kind_text)
        if route_text and route_text not in routes:
            self.fail("route", f"must be one of {', '.join(routes)}", route_text)
        kind, route = kinds.get(kind_text), routes.get(route_text)
        if kind in CLINICAL_KINDS and route not in (None, Route.NA):
            for name in _REPORTED_FIELDS:
                if self.text(name) is None:
                    self.fail(name, "must give the source's value or say 'not found'", "")
        citation, year, disease = self.required("citation"), self.year(), self.disease()
        pmid = self.matching("pmid", _PMID_PATTERN, "must be a PubMed id (digits)")
        doi = self.matching("doi", _DOI_PATTERN, "must be a DOI starting '10.'")
        url = self.matching("url", _URL_PATTERN, "must be an http(s) address")
        if self.problems or kind is None or route is None:
            return None
        return EvidenceEntry(
            key=key,
            kind=kind,
            citation=citation,
            disease=disease,
            route=route,
            year=year,
            pmid=pmid,
            doi=doi,
            url=url,
            population=self.text("population"),
            loading_dose=self.text("loading_dose"),
            maintenance_dose=self.text("maintenance_dose"),
            max_dose=self.text("max_dose"),
            duration=self.text("duration"),
            outcome=self.text("outcome"),
            notes=self.text("notes"),
        )
