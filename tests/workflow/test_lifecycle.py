"""The pure order lifecycle table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.errors import InvalidTransition
from anakinra_iv.workflow.lifecycle import (
    TRANSITIONS,
    OrderEvent,
    OrderStatus,
    get_next_status,
    is_running,
)


def test_happy_path_from_order_to_stop() -> None:
    """verify, start, rate change, bag change, pause, resume, stop walks to 'stopped'."""
    status = OrderStatus.PENDING_VERIFICATION
    for event in ("verify", "start", "rate_change", "bag_change", "pause", "resume", "stop"):
        status = get_next_status(status, event)
    assert status is OrderStatus.STOPPED


@pytest.mark.parametrize("event", list(OrderEvent))
def test_stopped_is_terminal(event: OrderEvent) -> None:
    """No event leaves 'stopped'."""
    with pytest.raises(InvalidTransition, match="stopped"):
        get_next_status(OrderStatus.STOPPED, event)


def test_nothing_runs_before_verification() -> None:
    """An unverified order can neither start nor take a bag change."""
    for event in ("start", "bag_change", "rate_change", "resume"):
        with pytest.raises(InvalidTransition):
            get_next_status(OrderStatus.PENDING_VERIFICATION, event)


@given(st.lists(st.sampled_from(list(OrderEvent)), max_size=30))
def test_any_event_sequence_stays_inside_the_table(events: list[OrderEvent]) -> None:
    """Applying events (skipping refused ones) only ever reaches states the table names, and
    an order is running exactly when it is active or paused."""
    status = OrderStatus.PENDING_VERIFICATION
    reachable = {s for s, _ in TRANSITIONS} | set(TRANSITIONS.values())
    for event in events:
        try:
            status = get_next_status(status, event)
        except InvalidTransition:
            assert (status, event) not in TRANSITIONS
        assert status in reachable
        assert is_running(status) == (status in (OrderStatus.ACTIVE, OrderStatus.PAUSED))
