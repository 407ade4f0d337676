"""MS score (Minoia 2019): the formula by hand, the -2.1 cut-off, missing items."""

from __future__ import annotations

from typing import Any

import pytest

from anakinra_iv.assessment.scores import calculate_score

CLEAR: dict[str, Any] = {"cns_involvement": False, "hemorrhage": False, "active_arthritis": False}


def labs(platelets: float, ldh: float, fibrinogen: float, ferritin: float) -> dict[str, Any]:
    return {
        **CLEAR,
        "platelets": f"{platelets} 10*9/L",
        "ldh": f"{ldh} U/L",
        "fibrinogen": f"{fibrinogen} mg/dL",
        "ferritin": f"{ferritin} ng/mL",
    }


class TestFormula:
    def test_worked_case(self) -> None:
        """-0.003x150 + 0.001x600 - 0.004x200 + 0.0001x5000 = -0.15 (by hand)."""
        result = calculate_score("ms-score", labs(150, 600, 200, 5000))
        assert result.score == pytest.approx(-0.15)
        assert result.met is True and result.conclusive is True

    def test_clinical_items_weigh_their_coefficients(self) -> None:
        """CNS +2.44, haemorrhage +1.54, arthritis -1.30 (Minoia 2019)."""
        base = calculate_score("ms-score", labs(150, 600, 200, 5000)).score
        assert base is not None
        for item, coefficient in (
            ("cns_involvement", 2.44),
            ("hemorrhage", 1.54),
            ("active_arthritis", -1.30),
        ):
            items = {**labs(150, 600, 200, 5000), item: True}
            assert calculate_score("ms-score", items).score == pytest.approx(base + coefficient)

    def test_fibrinogen_in_g_per_l_is_converted(self) -> None:
        """2 g/L = 200 mg/dL gives the same score."""
        items = {**labs(150, 600, 200, 5000), "fibrinogen": "2 g/L"}
        assert calculate_score("ms-score", items).score == pytest.approx(-0.15)


class TestCutOff:
    @pytest.mark.parametrize(
        ("ferritin", "fibrinogen", "expected_score", "met"),
        [
            (0, 500, -2.1, True),  # -0.3 + 0.2 - 2.0 + 0 = -2.1: on the cut-off
            (10, 500, -2.099, True),  # + 0.001: just above
            (0, 500.25, -2.101, False),  # - 0.001: just below
        ],
    )
    def test_on_above_below(
        self, ferritin: float, fibrinogen: float, expected_score: float, met: bool
    ) -> None:
        """MS >= -2.1 (Minoia 2019); platelets 100 (-0.3), LDH 200 (+0.2), by hand."""
        result = calculate_score("ms-score", labs(100, 200, fibrinogen, ferritin))
        assert result.score == pytest.approx(expected_score)
        assert result.met is met


class TestMissing:
    def test_missing_lab_gives_no_number_and_a_range(self) -> None:
        """No ferritin: no number; -1.8 + 0.2 - 1.2 = -2.8, ferritin 0-1,000,000 adds 0-100."""
        items = {k: v for k, v in labs(600, 200, 300, 5000).items() if k != "ferritin"}
        result = calculate_score("ms-score", items)
        assert result.score is None
        assert result.missing == ("ferritin",)
        assert result.score_range == pytest.approx((-2.8, -2.8 + 100))
        assert result.met is False and result.conclusive is False

    def test_missing_item_that_cannot_change_the_answer(self) -> None:
        """Known part 5.2 (ferritin 60,000); arthritis could only subtract 1.30: still >= -2.1."""
        items = {k: v for k, v in labs(100, 200, 200, 60000).items() if k != "active_arthritis"}
        result = calculate_score("ms-score", items)
        # -0.3 + 0.2 - 0.8 + 6.0 = 5.1
        assert result.score_range == pytest.approx((5.1 - 1.30, 5.1))
        assert result.met is True and result.conclusive is True
