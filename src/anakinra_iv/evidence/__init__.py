"""The evidence registry: every source a protocol, model or score value cites, by key.

One packaged table (``data/evidence.csv``) holds the published reports of IV and continuous IV
anakinra and the sources that are not case reports: the product label, USP <797>, formulas,
score papers, pharmacokinetic models, terminologies, and ``site`` for values that no publication
gives. Details a source does not give read ``"not found"``; nothing is filled in by guesswork.

Examples
--------
>>> entry = get_entry("monteagudo-2020")
>>> entry.route, entry.max_dose
(<Route.CI: 'CI'>, 'up to 2400 mg/day continuous IV (= 100 mg/h, derived)')
>>> get_entry("site").kind
<Kind.SITE: 'site'>
"""

from anakinra_iv.evidence.entry import (
    CLINICAL_KINDS,
    DISEASE_TERMS,
    FIELD_NAMES,
    NOT_FOUND,
    EvidenceEntry,
    Kind,
    Registry,
    Route,
)
from anakinra_iv.evidence.registry import get_entry, has_entry, list_entries, read_registry

__all__ = [
    "CLINICAL_KINDS",
    "DISEASE_TERMS",
    "FIELD_NAMES",
    "NOT_FOUND",
    "EvidenceEntry",
    "Kind",
    "Registry",
    "Route",
    "get_entry",
    "has_entry",
    "list_entries",
    "read_registry",
]
