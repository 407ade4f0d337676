"""ASTCT CRS grading (Lee 2019): fever boundary, each grade, the more severe wins, missing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment.scores import calculate_score
from anakinra_iv.errors import InvalidInput

FEBRILE: dict[str, Any] = {
    "temperature": "38.5 Cel",
    "fever_masked_by_treatment": False,
    "hypotension": False,
    "vasopressors": 0,
    "vasopressin_only": False,
    "oxygen": "none",
}


def grade(**changes: Any) -> int | None:
    return calculate_score("crs-astct", {**FEBRILE, **changes}).grade


class TestFever:
    @pytest.mark.parametrize(
        ("temperature", "expected"), [("37.99 Cel", 0), ("38.0 Cel", 1), ("38.01 Cel", 1)]
    )
    def test_fever_boundary(self, temperature: str, expected: int) -> None:
        """Fever is >= 38.0 Cel; without fever there is no CRS (grade 0)."""
        assert grade(temperature=temperature) == expected

    def test_fahrenheit_is_converted(self) -> None:
        """100.4 [degF] = 38.0 Cel: grade 1."""
        assert grade(temperature="100.4 [degF]") == 1

    def test_masked_fever_grades_by_hypotension_and_hypoxia(self) -> None:
        """After anti-cytokine treatment fever is not needed: 37 Cel with BiPAP is grade 4."""
        assert grade(temperature="37 Cel", fever_masked_by_treatment=True, oxygen="bipap") == 4

    def test_hypoxia_without_fever_is_not_crs(self) -> None:
        """Afebrile and untreated: not graded as CRS, with a note."""
        result = calculate_score(
            "crs-astct", {**FEBRILE, "temperature": "37 Cel", "oxygen": "face_mask"}
        )
        assert result.grade == 0
        assert any("without fever" in n for n in result.notes)


class TestGrades:
    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({}, 1),
            ({"hypotension": True}, 2),
            ({"oxygen": "low_flow"}, 2),
            ({"oxygen": "blow_by"}, 2),
            ({"vasopressors": 1}, 3),
            ({"vasopressors": 2, "vasopressin_only": True}, 3),
            ({"oxygen": "high_flow"}, 3),
            ({"oxygen": "face_mask"}, 3),
            ({"oxygen": "non_rebreather"}, 3),
            ({"oxygen": "venturi"}, 3),
            ({"vasopressors": 2}, 4),
            ({"oxygen": "cpap"}, 4),
            ({"oxygen": "bipap"}, 4),
            ({"oxygen": "mechanical_ventilation"}, 4),
        ],
    )
    def test_table(self, changes: dict[str, Any], expected: int) -> None:
        """Each row of the ASTCT table (Lee 2019); vasopressin does not count as a second."""
        assert grade(**changes) == expected

    @pytest.mark.parametrize(("flow", "expected"), [(5.9, 2), (6, 2), (6.1, 3)])
    def test_nasal_cannula_flow_boundary(self, flow: float, expected: int) -> None:
        """Low flow is <= 6 L/min (grade 2); above 6 L/min it is high flow (grade 3)."""
        assert grade(oxygen="low_flow", oxygen_flow_l_per_min=flow) == expected

    def test_more_severe_of_hypotension_and_hypoxia(self) -> None:
        """One vasopressor (3) with low-flow oxygen (2): grade 3; with CPAP (4): grade 4."""
        assert grade(vasopressors=1, oxygen="low_flow") == 3
        assert grade(vasopressors=1, oxygen="cpap") == 4


class TestMissing:
    def test_unknown_fluid_responsive_hypotension_is_missing(self) -> None:
        """No vasopressor and no hypotension item: grade 1 could be 2, not conclusive."""
        items = {k: v for k, v in FEBRILE.items() if k != "hypotension"}
        result = calculate_score("crs-astct", items)
        assert result.grade == 1 and "hypotension" in result.missing
        assert result.conclusive is False and result.score_range == (1, 2)

    def test_missing_item_that_cannot_raise_the_grade(self) -> None:
        """Mechanical ventilation is grade 4; a missing vasopressin item cannot change it."""
        result = calculate_score(
            "crs-astct",
            {
                **FEBRILE,
                "vasopressors": 2,
                "oxygen": "mechanical_ventilation",
                "vasopressin_only": None,
            },
        )
        assert result.grade == 4 and result.conclusive is True

    def test_missing_temperature(self) -> None:
        """Without temperature (untreated) the grade can be 0 or the hypoxia grade."""
        items = {k: v for k, v in FEBRILE.items() if k != "temperature"} | {"oxygen": "venturi"}
        result = calculate_score("crs-astct", items)
        assert result.grade == 0 and "temperature" in result.missing
        assert result.score_range == (0, 3) and result.conclusive is False


AGENTS_FEBRILE: dict[str, Any] = {
    "temperature": "38.5 Cel",
    "fever_masked_by_treatment": False,
    "hypotension": False,
    "vasopressor_agents": [],
    "oxygen": "none",
}


def agents_grade(**changes: Any) -> int | None:
    result = calculate_score("crs-astct", {**AGENTS_FEBRILE, **changes})
    assert result.conclusive
    return result.grade


class TestVasopressorAgents:
    """The pressors as a list of agents (issue 9): every hypotension cell of the ASTCT table."""

    @pytest.mark.parametrize(
        ("agents", "hypotension", "expected"),
        [
            ([], False, 1),
            ([], True, 2),
            (["norepinephrine"], True, 3),
            (["vasopressin"], True, 3),
            (["norepinephrine", "vasopressin"], True, 3),
            (["norepinephrine", "epinephrine"], True, 4),
            (["norepinephrine", "epinephrine", "vasopressin"], True, 4),
            (["phenylephrine", "dopamine"], True, 4),
            (["angiotensin_ii", "norepinephrine"], True, 4),
        ],
    )
    def test_each_cell(self, agents: list[str], hypotension: bool, expected: int) -> None:
        """Lee 2019: one vasopressor with or without vasopressin is 3; multiple vasopressors
        excluding vasopressin is 4; hypotension on fluids only is 2."""
        assert agents_grade(vasopressor_agents=agents, hypotension=hypotension) == expected

    def test_repeated_agent_counts_once(self) -> None:
        """Norepinephrine written twice is still one vasopressor: grade 3."""
        assert agents_grade(vasopressor_agents=["norepinephrine", "norepinephrine"]) == 3

    def test_unknown_agent_is_refused(self) -> None:
        """An agent outside the list is refused, naming the item."""
        with pytest.raises(InvalidInput, match="'vasopressor_agents'"):
            calculate_score("crs-astct", {**AGENTS_FEBRILE, "vasopressor_agents": ["noradrenalin"]})

    def test_not_a_list_is_refused(self) -> None:
        """A bare string is not a list of agents."""
        with pytest.raises(InvalidInput, match="must be a list"):
            calculate_score("crs-astct", {**AGENTS_FEBRILE, "vasopressor_agents": "vasopressin"})

    def test_contradicting_count_is_refused(self) -> None:
        """The older count and the list must agree (2 vs 1 agent)."""
        with pytest.raises(InvalidInput, match="contradicts"):
            calculate_score(
                "crs-astct",
                {**AGENTS_FEBRILE, "vasopressor_agents": ["vasopressin"], "vasopressors": 2},
            )

    def test_missing_agents_are_listed(self) -> None:
        """No vasopressor item at all: 'vasopressor_agents' is missing, grade could reach 4."""
        items = {k: v for k, v in AGENTS_FEBRILE.items() if k != "vasopressor_agents"}
        result = calculate_score("crs-astct", items)
        assert "vasopressor_agents" in result.missing and result.score_range == (1.0, 4.0)

    @pytest.mark.parametrize(("flow", "expected"), [(6, 2), (6.5, 3)])
    def test_nasal_cannula_graded_by_flow(self, flow: float, expected: int) -> None:
        """Nasal cannula: <= 6 L/min low flow (2), > 6 L/min high flow (3)."""
        assert agents_grade(oxygen="nasal_cannula", oxygen_flow_l_per_min=flow) == expected

    def test_nasal_cannula_without_flow_is_not_conclusive(self) -> None:
        """Without the flow a nasal cannula could be grade 2 or 3: the flow is missing."""
        result = calculate_score("crs-astct", {**AGENTS_FEBRILE, "oxygen": "nasal_cannula"})
        assert result.missing == ("oxygen_flow_l_per_min",) and result.score_range == (2.0, 3.0)

    @given(
        st.lists(
            st.sampled_from(
                ["norepinephrine", "epinephrine", "phenylephrine", "dopamine", "vasopressin"]
            ),
            max_size=4,
        )
    )
    def test_list_and_older_count_agree(self, agents: list[str]) -> None:
        """Property: the list gives the grade the older pair (count, vasopressin_only) gives
        when the second agent is vasopressin, for every list of agents."""
        unique = list(dict.fromkeys(agents))
        counted = [a for a in unique if a != "vasopressin"]
        old = {
            **{k: v for k, v in AGENTS_FEBRILE.items() if k != "vasopressor_agents"},
            "vasopressors": len(unique),
            "vasopressin_only": len(unique) >= 2 and len(counted) < 2,
            "hypotension": True,
        }
        new = {**AGENTS_FEBRILE, "vasopressor_agents": agents, "hypotension": True}
        assert calculate_score("crs-astct", new).grade == calculate_score("crs-astct", old).grade
