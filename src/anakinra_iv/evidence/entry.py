"""One source of evidence, and the registry that holds them all.

An :class:`EvidenceEntry` is one row of the packaged table ``data/evidence.csv``: a published
report of IV anakinra, a product label, a standard, a score paper, a formula, a model or the
``site`` entry that stands for "no published value exists". Protocol, model and score files cite
entries by their ``key``.

Dose, duration and outcome fields are the source's own words, kept as text: they document what a
report did, they are never used in a calculation. ``"not found"`` means the detail is not in the
retrieved text of the source; an empty field (``None``) means the field does not apply.

Examples
--------
>>> entry = EvidenceEntry(key="x-2020", kind=Kind.CASE_SERIES, citation="X. J. 2020.",
...                       disease="MAS; sHLH", route=Route.CI)
>>> entry.disease_terms
('MAS', 'sHLH')
>>> entry.as_dict()["route"]
'CI'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "CLINICAL_KINDS",
    "DISEASE_TERMS",
    "FIELD_NAMES",
    "NOT_FOUND",
    "EvidenceEntry",
    "Kind",
    "Registry",
    "Route",
]

NOT_FOUND = "not found"
"""The text of a detail that the source does not give (the [NF] mark of the reference tables)."""


class Kind(StrEnum):
    """What sort of source an entry is."""

    CASE_SERIES = "case-series"
    COHORT = "cohort"
    TRIAL = "trial"
    REVIEW = "review"
    ABSTRACT = "abstract"
    PK_STUDY = "pk-study"
    LABEL = "label"
    STANDARD = "standard"
    SCORE = "score"
    FORMULA = "formula"
    MODEL = "model"
    TERMINOLOGY = "terminology"
    SITE = "site"


CLINICAL_KINDS: frozenset[Kind] = frozenset(
    {Kind.CASE_SERIES, Kind.COHORT, Kind.TRIAL, Kind.REVIEW, Kind.ABSTRACT, Kind.PK_STUDY}
)
"""Kinds that report patients or subjects given anakinra. When such an entry has a route, each of
its dose, duration and outcome fields holds a value or says ``"not found"``."""


class Route(StrEnum):
    """How anakinra was given in the source."""

    CI = "CI"
    """Continuous intravenous infusion (with or without a loading bolus)."""
    IVB = "IVB"
    """Intermittent IV: bolus or short infusion, repeated."""
    IV = "IV"
    """Intravenous; continuous or intermittent not stated."""
    SC = "SC"
    """Subcutaneous."""
    MIXED = "mixed"
    """More than one route in the same source."""
    NF = "NF"
    """Route not found in the retrieved text."""
    NA = "NA"
    """Not applicable: the source is not a clinical report (standard, score, formula ...)."""


DISEASE_TERMS: tuple[str, ...] = (
    "ARDS",
    "autoinflammatory",
    "carHLH",
    "CNS-HLH",
    "COVID-19",
    "CRS",
    "DIRA",
    "ESRD",
    "gout",
    "GVHD",
    "healthy",
    "HLH",
    "ICANS",
    "MAS",
    "MODS",
    "NF",
    "NOMID",
    "none",
    "RA",
    "renal impairment",
    "SAH",
    "sepsis",
    "sHLH",
    "sJIA",
    "SLE",
    "stroke",
)
"""The words the ``disease`` field is written in, separated by ``"; "``. ``NF``: the population's
disease is not found in the source; ``none``: the source is not about a disease."""

FIELD_NAMES: tuple[str, ...] = (
    "key",
    "kind",
    "citation",
    "year",
    "pmid",
    "doi",
    "url",
    "population",
    "disease",
    "route",
    "loading_dose",
    "maintenance_dose",
    "max_dose",
    "duration",
    "outcome",
    "notes",
)
"""The columns of the table, in order; also the keys of :meth:`EvidenceEntry.as_dict`."""


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One source: a report, a label, a standard, a score, a formula, a model, or ``site``.

    Parameters
    ----------
    key
        Stable identifier cited by protocol and model files (first author + year, e.g.
        ``monteagudo-2020``).
    kind
        What sort of source it is.
    citation
        The reference as far as it is known; parts not known are left out, never guessed.
    disease
        One or more of :data:`DISEASE_TERMS`, separated by ``"; "``.
    route
        How anakinra was given.
    year
        Year of publication, ``None`` when not known or not meaningful (a living standard).
    pmid, doi, url
        Identifiers where known; ``None`` rather than a guess.
    population, loading_dose, maintenance_dose, max_dose, duration, outcome, notes
        The source's own words; ``"not found"`` when the source does not give the detail,
        ``None`` when the field does not apply.
    """

    key: str
    kind: Kind
    citation: str
    disease: str
    route: Route
    year: int | None = None
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    population: str | None = None
    loading_dose: str | None = None
    maintenance_dose: str | None = None
    max_dose: str | None = None
    duration: str | None = None
    outcome: str | None = None
    notes: str | None = None

    @property
    def disease_terms(self) -> tuple[str, ...]:
        """The disease field split into its terms."""
        return tuple(term.strip() for term in self.disease.split(";") if term.strip())

    def as_dict(self) -> dict[str, str | int | None]:
        """The entry as plain values, keyed and ordered by :data:`FIELD_NAMES`."""
        return {name: _plain(getattr(self, name)) for name in FIELD_NAMES}


def _plain(value: object) -> str | int | None:
    if value is None or isinstance(value, int):
        return value
    return str(value)


@dataclass(frozen=True, slots=True)
class Registry(Mapping[str, EvidenceEntry]):
    """All entries of one evidence table, in file order, looked up by key.

    A read-only mapping from key to :class:`EvidenceEntry`; iteration yields keys in file order.
    Build it with :func:`anakinra_iv.evidence.read_registry`, which checks the table first.
    """

    entries: tuple[EvidenceEntry, ...]
    _by_key: dict[str, EvidenceEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {entry.key: entry for entry in self.entries})

    def __getitem__(self, key: str) -> EvidenceEntry:
        return self._by_key[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)
