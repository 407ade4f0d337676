"""What a pharmacist may see before their own blind check, as a property of the views: whatever
an order's plan holds, its blinded view (and the JSON the API makes of it) carries none of the
numbers computed from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.web.schemas import OrderPublic
from anakinra_iv.workflow.blinding import is_blinded_for, present_order
from anakinra_iv.workflow.lifecycle import OrderStatus
from anakinra_iv.workflow.views import OrderView

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
_NUMBER = (
    st.floats(min_value=1.001, max_value=9999, allow_nan=False)
    .map(lambda x: round(x, 4))
    .filter(lambda x: x != int(x))  # keys and steps are whole numbers: keep the two apart
)


def _numbers(value: object) -> list[float]:
    """Every number in a JSON value."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, str):
        return [float(t) for t in value.replace(",", " ").split() if _is_number(t)]
    return []


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _order(status: str, computed: dict[str, float], step: int | None) -> OrderView:
    return OrderView(
        id=7,
        patient_id=1,
        prescriber="dr",
        protocol_id="adult-mas-civ",
        protocol_version="1",
        status=status,
        needs_verification=True,
        version=1,
        step=step,
        daily_dose_mg=computed["daily"],
        rate_mg_per_h=computed["rate"],
        loading_dose_mg=computed["loading"],
        planned_concentration_mg_per_ml=computed["conc"],
        planned_rate_ml_per_h=computed["pump"],
        limit_status="within",
        override_reason=None,
        verified_rate_mg_per_h=None,
        verified_concentration_mg_per_ml=None,
        verified_by=None,
        created_at=T0,
        updated_at=T0,
        plan_summary={"rate_mg_per_h": computed["rate"], "bag": {"x": computed["conc"]}},
        as_written={"step": step, "weight": "70 kg", "daily_dose": None},
    )


@given(
    computed=st.fixed_dictionaries(
        {k: _NUMBER for k in ("daily", "rate", "loading", "conc", "pump")}
    ),
    step=st.integers(min_value=1, max_value=6),
    status=st.sampled_from([s.value for s in OrderStatus]),
)
def test_no_computed_number_survives_blinding(
    computed: dict[str, float], step: int, status: str
) -> None:
    """Property: for a pharmacist, the presented order and its API JSON contain none of the
    computed numbers; for a nurse, the order is unchanged."""
    order = _order(status, computed, step)
    shown = present_order(order, user_id=3, roles={"pharmacist"})
    assert shown.blinded and shown.plan_summary == {}
    shown_numbers = _numbers(
        json.loads(json.dumps(OrderPublic.from_view(shown).model_dump(mode="json")))
    )
    for value in computed.values():
        assert value not in shown_numbers
    assert present_order(order, user_id=4, roles={"nurse"}) == order


def test_an_unverified_dose_stays_blinded_when_the_order_closes() -> None:
    """A rejected or cancelled order whose dose no pharmacist verified keeps its figures from
    pharmacists (reading it would do the blind check of its re-order); a verified dose, or a
    reader without the pharmacist role, hides nothing."""
    for status in (OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.QUERIED):
        assert is_blinded_for({"pharmacist"}, status, needs_verification=True)
    assert not is_blinded_for({"pharmacist"}, OrderStatus.CANCELLED, needs_verification=False)
    assert not is_blinded_for({"prescriber", "nurse"}, OrderStatus.ACTIVE, needs_verification=True)
    assert is_blinded_for({"prescriber", "pharmacist"}, "queried", needs_verification=True)
