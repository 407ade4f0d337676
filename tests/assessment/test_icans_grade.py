"""ASTCT ICANS grading (Lee 2019): every domain decides the grade, ICE and CAPD boundaries, the
age cut-off (CAPD below 12 years; Santomasso 2021), attribution and missing items.

Expected grades are read from the ASTCT table as reproduced in PMC8403007 Table 4 (adults) and
the MDedge summary of Lee 2019 (children): ICE 7-9 grade 1, 3-6 grade 2, 0-2 grade 3;
consciousness spontaneously 1, to voice 2, to touch 3, unarousable 4; rapidly resolving seizure
3, prolonged or repetitive 4; deep focal motor weakness 4; focal oedema 3, diffuse oedema or its
signs 4; CAPD >= 9 grade 3; unable to perform CAPD grade 4.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment.scores import calculate_score
from anakinra_iv.errors import InvalidInput

NORMAL_ADULT: dict[str, Any] = {
    "age": 54,
    "ice_score": 10,
    "unable_to_perform_assessment": False,
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": False,
    "raised_icp": "none",
    "attributable_to_other_cause": False,
}
NORMAL_CHILD: dict[str, Any] = {
    **{k: v for k, v in NORMAL_ADULT.items() if k != "ice_score"},
    "age": 8,
    "capd_score": 0,
}


def grade(base: dict[str, Any] = NORMAL_ADULT, **changes: Any) -> int | None:
    result = calculate_score("icans-astct", {**base, **changes})
    assert result.conclusive
    return result.grade


class TestEncephalopathy:
    @pytest.mark.parametrize(
        ("ice", "expected"),
        [(10, 0), (9, 1), (7, 1), (6, 2), (3, 2), (2, 3), (0, 3)],
    )
    def test_ice_boundaries(self, ice: int, expected: int) -> None:
        """ICE 10 no ICANS; 9 and 7 grade 1; 6 and 3 grade 2; 2 and 0 grade 3 (both band ends)."""
        assert grade(ice_score=ice) == expected

    def test_unable_awake_is_grade_3(self) -> None:
        """Unable to do the ICE while awake (global aphasia): as ICE 0, grade 3."""
        assert grade(ice_score=None, unable_to_perform_assessment=True) == 3

    def test_unable_and_unarousable_is_grade_4(self) -> None:
        """ICE 0 because unarousable: grade 4 (the consciousness domain decides)."""
        items = {"ice_score": None, "unable_to_perform_assessment": True}
        assert grade(**items, consciousness="unarousable") == 4

    @pytest.mark.parametrize(("capd", "expected"), [(0, 0), (8, 0), (9, 3), (32, 3)])
    def test_capd_boundaries(self, capd: int, expected: int) -> None:
        """Children: CAPD 8 gives no grade by itself, 9 is grade 3 (>= 9)."""
        assert grade(NORMAL_CHILD, capd_score=capd) == expected

    def test_child_unable_to_do_capd_is_grade_4(self) -> None:
        """Unable to perform CAPD: grade 4 (Lee 2019, paediatric)."""
        items = {"capd_score": None, "unable_to_perform_assessment": True}
        assert grade(NORMAL_CHILD, **items) == 4

    def test_child_grades_1_and_2_come_from_consciousness(self) -> None:
        """CAPD < 9 and awakens spontaneously: 1; and awakens to voice: 2."""
        assert grade(NORMAL_CHILD, capd_score=5, consciousness="awakens_spontaneously") == 1
        assert grade(NORMAL_CHILD, capd_score=5, consciousness="awakens_to_voice") == 2


class TestAgeCutOff:
    @pytest.mark.parametrize("age", [11, 11.99])
    def test_ice_below_twelve_is_refused(self, age: float) -> None:
        """Below 12 years the tool is CAPD: an ICE score is refused, naming 'ice_score'."""
        with pytest.raises(InvalidInput, match="'ice_score': below 12 years"):
            calculate_score("icans-astct", {**NORMAL_ADULT, "age": age})

    def test_ice_at_twelve_is_accepted(self) -> None:
        """From 12 years (on the boundary) the ICE score is used."""
        assert grade(age=12, ice_score=6) == 2

    def test_capd_at_twelve_is_accepted_with_a_note(self) -> None:
        """CAPD from 12 years is allowed (developmental delay) and says so."""
        items = {**NORMAL_CHILD, "age": 12, "capd_score": 10}
        result = calculate_score("icans-astct", items)
        assert result.grade == 3
        assert any("developmental delay" in n for n in result.notes)

    def test_child_without_capd_lists_capd_as_missing(self) -> None:
        """Age 8, no CAPD (able to do it): 'capd_score' is missing, grade 0 or 3 possible."""
        items = {k: v for k, v in NORMAL_CHILD.items() if k != "capd_score"}
        result = calculate_score("icans-astct", items)
        assert "capd_score" in result.missing and "ice_score" not in result.missing
        assert result.score_range == (0.0, 3.0) and not result.conclusive
        unknown = {k: v for k, v in items.items() if k != "unable_to_perform_assessment"}
        assert calculate_score("icans-astct", unknown).score_range == (0.0, 4.0)

    def test_both_tools_are_refused(self) -> None:
        """ICE and CAPD together: one tool was used, not two."""
        with pytest.raises(InvalidInput, match="both given"):
            calculate_score("icans-astct", {**NORMAL_ADULT, "capd_score": 4})

    def test_score_with_unable_is_refused(self) -> None:
        """A score and 'unable to perform' contradict each other."""
        with pytest.raises(InvalidInput, match="unable_to_perform_assessment"):
            calculate_score("icans-astct", {**NORMAL_ADULT, "unable_to_perform_assessment": True})


class TestOtherDomains:
    @pytest.mark.parametrize(
        ("level", "expected"),
        [
            ("alert", 0),
            ("awakens_spontaneously", 1),
            ("awakens_to_voice", 2),
            ("awakens_to_touch", 3),
            ("unarousable", 4),
        ],
    )
    def test_consciousness(self, level: str, expected: int) -> None:
        """Each level of consciousness decides the grade with a normal ICE."""
        assert grade(consciousness=level) == expected

    @pytest.mark.parametrize(
        ("seizure", "expected"),
        [("none", 0), ("rapidly_resolving", 3), ("prolonged_or_repetitive", 4)],
    )
    def test_seizure(self, seizure: str, expected: int) -> None:
        """Seizure decides: rapidly resolving 3, prolonged (> 5 min) or repetitive 4."""
        assert grade(seizure=seizure) == expected

    def test_motor_weakness(self) -> None:
        """Deep focal motor weakness (hemiparesis, paraparesis) is grade 4."""
        assert grade(motor_weakness=True) == 4

    @pytest.mark.parametrize(
        ("icp", "expected"),
        [("none", 0), ("focal_oedema", 3), ("diffuse_oedema_or_signs", 4)],
    )
    def test_raised_icp(self, icp: str, expected: int) -> None:
        """Focal oedema 3; diffuse oedema, posturing, CN VI palsy, papilloedema, Cushing 4."""
        assert grade(raised_icp=icp) == expected

    def test_most_severe_domain_wins(self) -> None:
        """The published example: ICE 3 (grade 2) with a generalised seizure is grade 3."""
        assert grade(ice_score=3, seizure="rapidly_resolving") == 3
        assert grade(ice_score=8, consciousness="awakens_to_voice", raised_icp="focal_oedema") == 3

    def test_attributed_to_another_cause_is_not_icans(self) -> None:
        """ICE 2 explained by sedation (attributable to another cause): grade 0, with a note."""
        result = calculate_score(
            "icans-astct", {**NORMAL_ADULT, "ice_score": 2, "attributable_to_other_cause": True}
        )
        assert result.grade == 0 and result.met is False and result.conclusive
        assert any("another cause" in n for n in result.notes)


class TestMissing:
    def test_unanswered_attribution_is_not_conclusive(self) -> None:
        """ICE 5 with attribution unanswered: grade 2 shown, but 0 is possible: not conclusive."""
        items = {k: v for k, v in NORMAL_ADULT.items() if k != "attributable_to_other_cause"}
        result = calculate_score("icans-astct", {**items, "ice_score": 5})
        assert result.grade == 2 and result.score_range == (0.0, 2.0)
        assert not result.conclusive and result.missing == ("attributable_to_other_cause",)

    def test_missing_domain_is_never_normal(self) -> None:
        """Seizure not recorded: grade 1 from ICE 8, but the seizure could make it 4."""
        items = {k: v for k, v in NORMAL_ADULT.items() if k != "seizure"}
        result = calculate_score("icans-astct", {**items, "ice_score": 8})
        assert result.grade == 1 and result.score_range == (1.0, 4.0)
        assert result.met is True and not result.conclusive and "seizure" in result.missing

    def test_grade_four_is_conclusive_despite_missing(self) -> None:
        """Motor weakness (4) cannot be raised by anything missing (attribution answered)."""
        result = calculate_score(
            "icans-astct",
            {"age": 60, "motor_weakness": True, "attributable_to_other_cause": False},
        )
        assert result.grade == 4 and result.conclusive

    def test_json_contract(self) -> None:
        """The result has grade, a null score, met, criteria, missing and conclusive."""
        data = calculate_score("icans-astct", NORMAL_ADULT).as_dict()
        assert {"score", "grade", "met", "criteria", "missing", "conclusive"} <= set(data)
        assert data["score"] is None and data["grade"] == 0 and data["met"] is False


DOMAINS = {
    "consciousness": {
        "alert": 0,
        "awakens_spontaneously": 1,
        "awakens_to_voice": 2,
        "awakens_to_touch": 3,
        "unarousable": 4,
    },
    "seizure": {"none": 0, "rapidly_resolving": 3, "prolonged_or_repetitive": 4},
    "raised_icp": {"none": 0, "focal_oedema": 3, "diffuse_oedema_or_signs": 4},
}


def oracle(items: dict[str, Any]) -> int:
    """An independent reading of the ASTCT adult table: the most severe domain."""
    if items["attributable_to_other_cause"]:
        return 0
    ice = items["ice_score"]
    grades = [0 if ice == 10 else 1 if ice >= 7 else 2 if ice >= 3 else 3]
    grades += [DOMAINS[d][items[d]] for d in DOMAINS]
    grades.append(4 if items["motor_weakness"] else 0)
    return max(grades)


adult_items = st.fixed_dictionaries(
    {
        "age": st.integers(12, 100),
        "ice_score": st.integers(0, 10),
        "consciousness": st.sampled_from(sorted(DOMAINS["consciousness"])),
        "seizure": st.sampled_from(sorted(DOMAINS["seizure"])),
        "motor_weakness": st.booleans(),
        "raised_icp": st.sampled_from(sorted(DOMAINS["raised_icp"])),
        "attributable_to_other_cause": st.booleans(),
    }
)


class TestProperties:
    @given(adult_items)
    def test_grade_matches_an_independent_oracle(self, items: dict[str, Any]) -> None:
        """Property: with every item given, the grade is the most severe domain."""
        result = calculate_score("icans-astct", items)
        assert result.conclusive and result.grade == oracle(items)

    @given(adult_items, st.sets(st.sampled_from(sorted(NORMAL_ADULT)), min_size=1))
    def test_missing_items_widen_the_range_to_the_true_grade(
        self, items: dict[str, Any], dropped: set[str]
    ) -> None:
        """Property: dropping items never hides the true grade: it stays inside score_range."""
        partial = {k: v for k, v in items.items() if k not in dropped}
        result = calculate_score("icans-astct", partial)
        assert result.score_range is not None
        low, high = result.score_range
        assert low <= oracle(items) <= high
