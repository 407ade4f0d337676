"""Score definitions: packaged data loads, sources are the papers, malformed data is refused."""

from __future__ import annotations

import pytest

from anakinra_iv.assessment.definitions import (
    get_score_definition,
    read_score_definitions,
    read_score_inputs,
)
from anakinra_iv.errors import ProblemList, ProtocolError, UnknownItem


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("hscore", "fardet-2014"),
        ("ms-score", "minoia-2019"),
        ("mas-2016", "ravelli-2016"),
        ("hlh-2004", "henter-2007"),
        ("crs-astct", "lee-2019"),
    ],
)
def test_each_score_cites_its_paper(name: str, source: str) -> None:
    """Source keys as in the evidence registry list."""
    assert get_score_definition(name).source == source


def test_overlapping_bands_are_refused() -> None:
    """Bands '< 30' and '>= 29' overlap at 29.5: the file does not load."""
    bad = {
        "x": {
            "title": "x",
            "status": "published",
            "source": "s",
            "items": {"ast": {"kind": "quantity", "analyte": "ast"}},
            "variables": [
                {
                    "name": "ast",
                    "bands": [
                        {"item": "ast", "unit": "U/L", "when": "< 30", "points": 0},
                        {"item": "ast", "unit": "U/L", "when": ">= 29", "points": 19},
                    ],
                }
            ],
        }
    }
    with pytest.raises(ProtocolError, match="falls in 2 bands"):
        read_score_definitions(bad)


def test_undeclared_item_is_refused() -> None:
    """A test on an item the score does not declare is refused."""
    bad = {
        "x": {
            "title": "x",
            "status": "published",
            "source": "s",
            "items": {},
            "criteria": [{"item": "ast", "unit": "U/L", "when": "> 48"}],
        }
    }
    with pytest.raises(ProtocolError, match="undeclared items"):
        read_score_definitions(bad)


def test_inputs_report_every_problem() -> None:
    """Unknown item, wrong kind and bad category are all reported, each by name."""
    with pytest.raises(ProblemList) as caught:
        read_score_inputs("crs-astct", {"pulse": 1, "vasopressors": "two", "oxygen": "tent"})
    text = " ".join(p.message for p in caught.value.problems)
    assert "'pulse'" in text and "'vasopressors'" in text and "'oxygen' must be one of" in text


def test_unknown_score() -> None:
    """An unknown score name lists the known ones."""
    with pytest.raises(UnknownItem, match="hscore"):
        get_score_definition("sofa")
