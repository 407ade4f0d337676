"""The core-backed calculator: plans reused for the same request, bags and refusals never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anakinra_iv.errors import DoseLimitExceeded, OverrideRequired
from anakinra_iv.units import Q_
from anakinra_iv.workflow.core_calculator import PLAN_MEMORY, CoreCalculator
from anakinra_iv.workflow.ports import PlanRequest

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _request(**changes: object) -> PlanRequest:
    base: dict[str, object] = {
        "protocol_id": "adult-mas-civ",
        "weight": Q_(70, "kg"),
        "age_years": 54,
        "sex": "female",
        "creatinine": Q_(1.0, "mg/dL"),
        "step": 3,
    }
    return PlanRequest(**(base | changes))  # type: ignore[arg-type]


def test_a_reused_plan_gives_each_bag_its_own_beyond_use_time() -> None:
    """Step 3 is 50 mg/h; a 12 h bag holds 50 x 12 = 600 mg and, kept cold until hung, is used by
    preparation + 24 h (USP 797 Category 1 refrigerated), for each preparation time although the
    plan is calculated once."""
    calculator = CoreCalculator()
    first = calculator.calculate_bag(_request(), prepared_at=AT)
    later = calculator.calculate_bag(_request(), prepared_at=AT + timedelta(hours=1))
    assert first.drug_amount.to("mg").magnitude == pytest.approx(600)
    assert first.beyond_use == AT + timedelta(hours=24)
    assert later.beyond_use == AT + timedelta(hours=25)


def test_a_request_naming_the_version_reuses_the_plan_of_the_latest() -> None:
    """The stored request names the version the unnamed one resolved to: one plan is kept."""
    calculator = CoreCalculator()
    plan = calculator.calculate_plan(_request(), now=AT)
    named = _request(protocol_version=plan.protocol_version)
    again = calculator.calculate_plan(named, now=AT)
    assert again.rate == plan.rate
    assert len(calculator._plans) == 1


def test_refusals_are_raised_every_time() -> None:
    """2000 mg/day (step 5) is above the 1600 mg/day soft maximum: refused twice without a
    reason; 2500 mg/day is above the 2400 mg/day hard maximum, refused even with one."""
    calculator = CoreCalculator()
    for _ in range(2):
        with pytest.raises(OverrideRequired):
            calculator.calculate_plan(_request(step=5), now=AT)
    over = _request(step=None, daily_dose=Q_(2500, "mg/day"), override_reason="refractory")
    for _ in range(2):
        with pytest.raises(DoseLimitExceeded):
            calculator.calculate_bag(over, prepared_at=AT)
    assert not calculator._plans


def test_the_memory_keeps_only_the_most_recent_plans() -> None:
    """After PLAN_MEMORY + 1 different weights (40 kg, 40.25 kg, ...) the first is forgotten."""
    calculator = CoreCalculator()
    for k in range(PLAN_MEMORY + 1):
        calculator.calculate_plan(_request(weight=Q_(40 + k / 4, "kg")), now=AT)
    assert len(calculator._plans) == PLAN_MEMORY
    assert not any('"40.0 kg"' in key for key in calculator._plans)
    assert any('"40.25 kg"' in key for key in calculator._plans)
