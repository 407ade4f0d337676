"""One entry point for every score: read the JSON items, then calculate.

Examples
--------
>>> result = calculate_score("crs-astct", {
...     "temperature": "38.6 Cel", "fever_masked_by_treatment": False, "vasopressors": 0,
...     "hypotension": False, "vasopressin_only": False, "oxygen": "none"})
>>> result.grade, result.conclusive
(1, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from anakinra_iv.assessment.criteria import Inputs, ScoreResult
from anakinra_iv.assessment.crs_grade import calculate_crs_grade
from anakinra_iv.assessment.definitions import get_score_definition, read_score_inputs
from anakinra_iv.assessment.hlh_2004 import calculate_hlh_2004
from anakinra_iv.assessment.hscore import calculate_hscore
from anakinra_iv.assessment.icans_grade import calculate_icans_grade
from anakinra_iv.assessment.item_sum import calculate_capd, calculate_ice
from anakinra_iv.assessment.mas_2016 import calculate_mas_2016
from anakinra_iv.assessment.ms_score import calculate_ms_score

__all__ = ["SCORES", "calculate_score"]

SCORES: dict[str, Callable[[Inputs], ScoreResult]] = {
    "hscore": calculate_hscore,
    "ms-score": calculate_ms_score,
    "mas-2016": calculate_mas_2016,
    "hlh-2004": calculate_hlh_2004,
    "crs-astct": calculate_crs_grade,
    "ice": calculate_ice,
    "capd": calculate_capd,
    "icans-astct": calculate_icans_grade,
}
"""Score name (as on the command line) -> its calculation."""


def calculate_score(name: str, items: Mapping[str, Any]) -> ScoreResult:
    """Parse ``items`` (JSON values: text with units, booleans, categories) and score them.

    Raises
    ------
    UnknownItem
        ``name`` is not a score.
    ProblemList, InvalidInput
        Items that are unknown, of the wrong kind, unreadable or implausible.
    """
    get_score_definition(name)
    return SCORES[name](read_score_inputs(name, items))
