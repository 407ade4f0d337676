"""Properties of the bedside assessment check (the class of defect: a grade stored or shown
from an item nobody recorded). Any complete assessment is stored with exactly the grade the
ASTCT grader gives for the same items; removing any item makes it refused, naming that item."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment import calculate_score
from anakinra_iv.errors import AnakinraError, list_problems
from anakinra_iv.workflow.toxicity import check_assessment_items, grade_assessment
from tests.strategies import crs_items, ice_items

AT = datetime(2026, 1, 5, 8, tzinfo=UTC)
ICE_ITEMS = ("orientation", "naming", "following_commands", "writing", "attention")


@given(ice_items)
def test_complete_ice_assessment_grades_as_the_core_does(items: dict[str, Any]) -> None:
    """The stored ICANS grade equals calculate_score('icans-astct') fed with the ICE total (the
    sum of the ICE items) and the same domains."""
    stored = check_assessment_items("icans-astct", items, age_years=50)
    graded = grade_assessment(1, "icans-astct", stored, AT, age_years=50)
    total = sum(items[k] for k in ICE_ITEMS)
    domains = {k: v for k, v in items.items() if k not in ICE_ITEMS}
    expected = calculate_score("icans-astct", {**domains, "ice_score": total, "age": 50})
    assert graded.tool_total == total and graded.grade == expected.grade


@given(ice_items, st.data())
def test_any_missing_ice_item_is_refused_naming_it(items: dict[str, Any], data: Any) -> None:
    """Drop one to all items: the check refuses, and every dropped item the grade needs is named
    (a missing item is never scored as normal)."""
    dropped = data.draw(st.sets(st.sampled_from(sorted(items)), min_size=1))
    kept = {k: v for k, v in items.items() if k not in dropped}
    with pytest.raises(AnakinraError) as caught:
        check_assessment_items("icans-astct", kept, age_years=50)
    named = {p.field for p in list_problems(caught.value)}
    assert named <= set(dropped) and named


@given(crs_items)
def test_complete_crs_assessment_grades_as_the_core_does(items: dict[str, Any]) -> None:
    """The stored CRS grade equals calculate_score('crs-astct') on the same items."""
    stored = check_assessment_items("crs-astct", items, age_years=50)
    graded = grade_assessment(1, "crs-astct", stored, AT, age_years=50)
    assert graded.grade == calculate_score("crs-astct", items).grade
