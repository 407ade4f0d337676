"""Rule conditions evaluated from data: each measure, missing data, state sustained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anakinra_iv.assessment.observation_file import Finding
from anakinra_iv.assessment.observations import Observation, create_observation
from anakinra_iv.assessment.response import evaluate_condition, evaluate_rule
from anakinra_iv.protocol.schema import Condition, Rule

T0 = datetime(2024, 3, 1, 6, tzinfo=UTC)


def cond(
    analyte: str, measure: str, op: str, value: float, unit: str, **extra: tuple[float, str]
) -> Condition:
    def v(x: float, u: str) -> dict[str, object]:
        return {"value": x, "unit": u, "status": "site-decision", "source": "site"}

    data: dict[str, object] = {
        "analyte": analyte,
        "measure": measure,
        "op": op,
        "threshold": v(value, unit),
    }
    for key, (x, u) in extra.items():
        data[key] = v(x, u)
    return Condition.model_validate(data)


def daily(analyte: str, unit: str, values: list[float]) -> list[Observation]:
    return [
        create_observation(analyte, f"{x} {unit}", collected_at=T0 + timedelta(days=i))
        for i, x in enumerate(values)
    ]


AT = T0 + timedelta(days=3, hours=2)
FERRITIN = daily("ferritin", "ng/mL", [8000, 12000, 9000, 6000])


class TestMeasures:
    @pytest.mark.parametrize(
        ("measure", "op", "threshold", "unit", "value", "met"),
        [
            ("latest", "<=", 6000, "ng/mL", 6000, True),
            ("latest", "<=", 6, "ug/mL", 6, True),  # converted to the threshold's unit
            ("ratio_to_peak", "<=", 0.5, "1", 0.5, True),  # 6000 / 12000
            ("ratio_to_nadir", ">=", 1.25, "1", 1.0, False),  # latest is the nadir
            ("ratio_to_baseline", "<", 0.75, "1", 0.75, False),  # 6000 / 8000
            ("change_from_previous", "<", 0, "ng/mL", -3000, True),
        ],
    )
    def test_hand_calculated(
        self, measure: str, op: str, threshold: float, unit: str, value: float, met: bool
    ) -> None:
        """Ratios and changes of the series 8000, 12000, 9000, 6000 by hand."""
        result = evaluate_condition(
            cond("ferritin", measure, op, threshold, unit), FERRITIN, [], at=AT
        )
        assert result.value == pytest.approx(value) and result.met is met

    def test_window_measures(self) -> None:
        """Max over 24 h before day 3 08:00 sees only the day-3 value (06:00)."""
        temps = daily("temperature", "Cel", [39.5, 38.6, 38.9, 37.2])
        c = cond("temperature", "max_over_window", "<", 38.0, "degC", window=(24, "h"))
        result = evaluate_condition(c, temps, [], at=AT)
        assert result.value == pytest.approx(37.2) and result.met is True
        c48 = cond("temperature", "max_over_window", "<", 38.0, "degC", window=(48, "h"))
        assert evaluate_condition(c48, temps, [], at=AT).met is False

    def test_slope_in_threshold_units(self) -> None:
        """CRP 100, 80, 60 mg/L: -20 mg/L per day = -2 mg/dL per day."""
        crp = daily("crp", "mg/L", [100, 80, 60])
        c = cond("crp", "slope_per_day", "<", 0, "mg/dL", window=(72, "h"))
        result = evaluate_condition(c, crp, [], at=T0 + timedelta(days=2))
        assert result.value == pytest.approx(-2.0) and result.met is True

    def test_consecutive_days(self) -> None:
        """ANC 0.9 then 0.8: two 24-h periods each below 1.0; with only one day, undecided."""
        anc = daily("anc", "10*9/L", [3.0, 0.9, 0.8])
        c = cond("anc", "consecutive_days", "<", 1.0, "1e9/L", days=(2, "day"))
        assert evaluate_condition(c, anc, [], at=T0 + timedelta(days=2, hours=2)).met is True
        assert evaluate_condition(c, anc, [], at=T0 + timedelta(days=1, hours=2)).met is False
        assert evaluate_condition(c, anc[1:2], [], at=T0 + timedelta(days=1, hours=2)).met is None

    def test_missing_data_is_undecided(self) -> None:
        """No CRP at all: the condition is neither met nor failed."""
        result = evaluate_condition(cond("crp", "latest", "<", 10, "mg/L"), FERRITIN, [], at=AT)
        assert result.met is None and "not enough crp" in result.note

    def test_flag(self) -> None:
        """A recorded finding is read at the review time; a never-recorded one is absent."""
        c = Condition(analyte="suspected_serious_infection", measure="flag")
        f = Finding("suspected_serious_infection", True, T0 + timedelta(days=1))
        assert evaluate_condition(c, [], [f], at=T0 + timedelta(days=2)).met is True
        assert evaluate_condition(c, [], [f], at=T0).met is False
        assert "never recorded" in evaluate_condition(c, [], [], at=T0).note


class TestRules:
    def test_any_and_all(self) -> None:
        """'any' holds with one condition met; 'all' fails with one failed."""
        rule = Rule.model_validate(
            {
                "id": "r",
                "action": "escalate",
                "text": "t",
                "status": "site-decision",
                "source": "site",
                "any": [
                    cond("ferritin", "latest", ">", 1e6, "ng/mL").model_dump(),
                    cond("ferritin", "latest", "<", 7000, "ng/mL").model_dump(),
                ],
            }
        )
        assert evaluate_rule(rule, FERRITIN, [], at=AT).held is True
        undecided = rule.model_copy(update={"all": (cond("crp", "latest", "<", 5, "mg/L"),)})
        result = evaluate_rule(undecided, FERRITIN, [], at=AT)
        assert result.held is None and "crp" in result.note
