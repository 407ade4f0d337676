"""A prescriber asks for the protocol's recommendation; it is stored as shown."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import InvalidInput, PermissionDenied
from anakinra_iv.workflow.commands import RequestRecommendation
from anakinra_iv.workflow.services import REVIEW_KIND, request_recommendation
from tests.workflow_support.fixtures import Ward, start_running


def _ask(ward: Ward, who: str = "prescriber", protocol: str | None = "adult-mas-civ"):  # type: ignore[no-untyped-def]
    return request_recommendation(
        RequestRecommendation(ward.users[who], ward.patient_id, protocol),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )


def test_first_review_recommends_the_first_step_and_stores_inputs(ward: Ward) -> None:
    """No infusion yet: start at step 1 = 400 mg/day = 400 / 24 = 16.67 mg/h (the protocol's
    first step); the inputs hold the 70 kg weight and every stored observation."""
    view = _ask(ward)
    assert view.kind == REVIEW_KIND and view.outputs["action"] == "start"
    plan = view.outputs["dose_plan"]
    assert plan["daily_dose_mg"] == 400 and plan["rate_mg_per_h"] == round(400 / 24, 3)
    assert view.inputs["weight"].startswith("70.0 kg")
    assert {o["code"] for o in view.inputs["observations"]} == {"29463-7", "2160-0"}
    with ward.uow() as uow:
        (row,) = [r for r in uow.recommendations.list_for_patient(ward.patient_id)]
        assert (row.kind, row.outputs) == (REVIEW_KIND, view.outputs)
        (event,) = uow.audit.list_events(limit=1)
        assert event.action == "recommendation.create"


def test_running_order_gives_protocol_and_current_step(ward: Ward) -> None:
    """With step 3 running, the review reads the open order's protocol and step."""
    start_running(ward)
    view = _ask(ward, protocol=None)
    assert view.outputs["current_step"] == 3 and view.inputs["current_step"] == 3
    assert view.inputs["history"][0]["step"] == 3


def test_only_a_prescriber_asks_and_a_protocol_is_needed(ward: Ward) -> None:
    """A nurse is refused; without an open order the protocol must be named."""
    with pytest.raises(PermissionDenied):
        _ask(ward, "nurse")
    with pytest.raises(InvalidInput) as caught:
        _ask(ward, protocol=None)
    assert caught.value.field == "protocol_id"
