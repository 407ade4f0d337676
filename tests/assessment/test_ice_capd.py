"""ICE score (Lee 2019) and CAPD (Traube 2014): hand-summed vectors, cut-offs, missing items."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment.scores import calculate_score
from anakinra_iv.errors import InvalidInput, ProblemList

ICE_MAX = {"orientation": 4, "naming": 3, "following_commands": 1, "writing": 1, "attention": 1}
CAPD_ITEMS = (
    "eye_contact",
    "purposeful_actions",
    "aware_of_surroundings",
    "communicates_needs",
    "restless",
    "inconsolable",
    "underactive",
    "slow_to_respond",
)
ANSWERS = ("never", "rarely", "sometimes", "often", "always")


def capd(answers: dict[str, str] | None = None, default: str = "always") -> dict[str, str]:
    """Every item at ``default`` (items 1-4 'always' = 0, items 5-8 'never' = 0) unless given."""
    base = {i: default if n < 4 else "never" for n, i in enumerate(CAPD_ITEMS)}
    return {**base, **(answers or {})}


class TestIce:
    @pytest.mark.parametrize(
        ("items", "total"),
        [
            (ICE_MAX, 10),
            ({**ICE_MAX, "orientation": 3}, 9),
            ({**ICE_MAX, "orientation": 2, "writing": 0}, 7),
            ({**ICE_MAX, "orientation": 2, "naming": 2, "writing": 0}, 6),
            ({"orientation": 1, "naming": 1, "following_commands": 1, "writing": 0,
              "attention": 0}, 3),
            ({"orientation": 1, "naming": 1, "following_commands": 0, "writing": 0,
              "attention": 0}, 2),
            (dict.fromkeys(ICE_MAX, 0), 0),
        ],
    )  # fmt: skip
    def test_hand_summed_totals(self, items: dict[str, int], total: int) -> None:
        """The total is the sum of the five items (4 + 3 + 1 + 1 + 1 = 10 at most)."""
        result = calculate_score("ice", items)
        assert result.score == total and result.points == total and result.conclusive
        assert result.met is (total <= 9)

    def test_ten_is_normal_nine_is_met(self) -> None:
        """Cut-off on the boundary: 10 is not met, 9 is (any impairment)."""
        assert calculate_score("ice", ICE_MAX).met is False
        assert calculate_score("ice", {**ICE_MAX, "attention": 0}).met is True

    def test_missing_item_is_not_scored_as_normal(self) -> None:
        """Writing missing: no total, range 9-10 (could be 10): met undetermined."""
        items = {k: v for k, v in ICE_MAX.items() if k != "writing"}
        result = calculate_score("ice", items)
        assert result.score is None and result.points == 9
        assert result.score_range == (9.0, 10.0)
        assert result.met is None and not result.conclusive and result.missing == ("writing",)

    def test_missing_item_that_cannot_change_the_result(self) -> None:
        """Orientation 1, naming 1 (2 points) + at most 3 more: met whatever is missing."""
        result = calculate_score("ice", {"orientation": 1, "naming": 1})
        assert result.score is None and result.score_range == (2.0, 5.0)
        assert result.met is True and result.conclusive

    @pytest.mark.parametrize(
        ("item", "value"), [("orientation", 5), ("naming", 4), ("writing", 2), ("attention", -1)]
    )
    def test_item_above_its_maximum_is_refused(self, item: str, value: int) -> None:
        """Each item has its own range (orientation 0-4, naming 0-3, the others 0-1)."""
        with pytest.raises(InvalidInput, match=f"'{item}'"):
            calculate_score("ice", {**ICE_MAX, item: value})

    def test_fraction_is_refused(self) -> None:
        """Items are whole numbers."""
        with pytest.raises(InvalidInput, match="whole number"):
            calculate_score("ice", {**ICE_MAX, "naming": 2.5})

    @given(st.fixed_dictionaries({k: st.integers(0, m) for k, m in ICE_MAX.items()}))
    def test_total_is_the_sum(self, items: dict[str, int]) -> None:
        """Property: the total equals the plain sum and lies in 0-10."""
        result = calculate_score("ice", items)
        assert result.score == sum(items.values())
        assert 0 <= (result.score or 0) <= 10


class TestCapd:
    def test_no_delirium_signs_is_zero(self) -> None:
        """Items 1-4 'always' (0) and items 5-8 'never' (0): total 0, screen negative."""
        result = calculate_score("capd", capd())
        assert result.score == 0 and result.met is False

    def test_worst_answers_are_thirty_two(self) -> None:
        """Items 1-4 'never' (4 each) and 5-8 'always' (4 each): 8 x 4 = 32."""
        worst = {i: ("never" if n < 4 else "always") for n, i in enumerate(CAPD_ITEMS)}
        assert calculate_score("capd", worst).score == 32

    @pytest.mark.parametrize(
        ("answers", "total"),
        [
            # eye contact 'sometimes' 2 + purposeful 'rarely' 3 + restless 'often' 3 = 8
            ({"eye_contact": "sometimes", "purposeful_actions": "rarely", "restless": "often"}, 8),
            # the same + underactive 'rarely' 1 = 9
            (
                {
                    "eye_contact": "sometimes",
                    "purposeful_actions": "rarely",
                    "restless": "often",
                    "underactive": "rarely",
                },
                9,
            ),
            # aware 'never' 4 + communicates 'never' 4 + slow 'sometimes' 2 = 10
            (
                {
                    "aware_of_surroundings": "never",
                    "communicates_needs": "never",
                    "slow_to_respond": "sometimes",
                },
                10,
            ),
        ],
    )
    def test_cut_off_below_on_above(self, answers: dict[str, str], total: int) -> None:
        """8 (negative), 9 and 10 (positive screen: >= 9); sums by hand from the item table."""
        result = calculate_score("capd", capd(answers))
        assert result.score == total and result.met is (total >= 9)

    def test_items_1_to_4_are_reversed(self) -> None:
        """'rarely' is 3 points on eye contact but 1 point on restlessness."""
        assert calculate_score("capd", capd({"eye_contact": "rarely"})).score == 3
        assert calculate_score("capd", capd({"restless": "rarely"})).score == 1

    def test_missing_item_leaves_a_range(self) -> None:
        """Seven items at 0 and 'inconsolable' missing: 0-4, negative whatever it is."""
        items = {k: v for k, v in capd().items() if k != "inconsolable"}
        result = calculate_score("capd", items)
        assert result.score is None and result.score_range == (0.0, 4.0)
        assert result.met is False and result.conclusive

    def test_unknown_answer_names_the_item(self) -> None:
        """An answer outside never..always is refused, naming the item."""
        with pytest.raises((InvalidInput, ProblemList), match="'restless' must be one of"):
            calculate_score("capd", capd({"restless": "sometimes!"}))

    @given(st.fixed_dictionaries({i: st.sampled_from(ANSWERS) for i in CAPD_ITEMS}))
    def test_total_from_an_independent_table(self, answers: dict[str, Any]) -> None:
        """Property: items 1-4 score 4 - index, items 5-8 score the index (Traube 2014)."""
        expected = sum(
            (4 - ANSWERS.index(a)) if n < 4 else ANSWERS.index(a)
            for n, a in enumerate(answers[i] for i in CAPD_ITEMS)
        )
        assert calculate_score("capd", answers).score == expected
