"""The audit trail proves what happened: each way of hiding a change is found (issue 13 §2).

Every test first does real work through the services (an order verified, compounded, checked
and started), then tampers as somebody with database rights but without the audit key or the
checkpoint file would, then checks what ``verify_chain`` (``anakinra audit verify``) reports.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from anakinra_iv.records.audit import KEYED_SCHEME, LEGACY_SCHEME
from tests.security.tampering import (
    append_forged_event,
    rewrite_and_rehash,
    run_sql,
    truncate_and_move_head_back,
)
from tests.workflow_support.fixtures import Ward, start_running


def _verify(ward: Ward) -> tuple[str, ...]:
    with ward.uow() as uow:
        return uow.audit.verify_chain().problems


def _running(ward: Ward) -> tuple[int, int, int]:
    order_id, bag_id = start_running(ward)
    with ward.uow() as uow:
        report = uow.audit.verify_chain()
    assert report.ok, report.problems
    assert report.checkpoints >= 1 and report.rows > 0
    return order_id, bag_id, report.events


def test_untouched_workflow_verifies_with_checkpoints_and_rows(ward: Ward) -> None:
    """A day's work verifies: every event signed, each commit checkpointed, every row matching
    its audited state."""
    _, _, events = _running(ward)
    with ward.uow() as uow:
        report = uow.audit.verify_chain()
    assert report.ok and report.events == events
    assert report.checkpoints == events  # one commit per event in this workflow
    assert report.notes == ()


def test_truncation_with_the_head_moved_back_is_found(ward: Ward, engine: Engine) -> None:
    """Removing the last two events and moving the head back leaves a chain that is whole in
    itself; the signed checkpoint remembers the later head."""
    _, _, events = _running(ward)
    truncate_and_move_head_back(engine, keep=events - 2)
    problems = _verify(ward)
    assert any(
        f"checkpoint names event {events} but the chain ends at event {events - 2}" in p
        for p in problems
    ), problems


def test_rewrite_with_every_later_hash_recomputed_is_found(ward: Ward, engine: Engine) -> None:
    """The order's creation event rewritten (rate 50 -> 500 mg/h) and the chain recomputed
    with SHA-256: without the key the MAC of the rewritten event fails."""
    _running(ward)
    with ward.uow() as uow:
        (created,) = uow.audit.list_events(entity_type="order", limit=1000)[-1:]
        assert created.action == "order.create"
        seq = created.seq
    rewrite_and_rehash(engine, seq, '{"rate_mg_per_h":500.0}')
    problems = _verify(ward)
    assert any(p.startswith(f"event {seq}: content does not match") for p in problems), problems


@pytest.mark.parametrize("scheme", [KEYED_SCHEME, LEGACY_SCHEME])
def test_forged_appended_event_is_found(ward: Ward, engine: Engine, scheme: str) -> None:
    """An event appended by hand, claiming to be signed or claiming to predate the key, with
    the head moved onto it: its MAC fails, or it is unsigned after signed events."""
    _, _, events = _running(ward)
    seq = append_forged_event(engine, scheme=scheme)
    problems = _verify(ward)
    expected = (
        f"event {seq}: content does not match"
        if scheme == KEYED_SCHEME
        else f"event {seq}: unsigned (sha256) after signed events"
    )
    assert seq == events + 1
    assert any(p.startswith(expected) for p in problems), problems


def test_order_rate_edited_in_the_table_is_named(ward: Ward, engine: Engine) -> None:
    """UPDATE orders SET rate x 10: the chain is intact, the row is named."""
    order_id, _, _ = _running(ward)
    run_sql(
        engine, "UPDATE orders SET rate_mg_per_h = rate_mg_per_h * 10 WHERE id = :i", i=order_id
    )
    problems = _verify(ward)
    assert problems == (
        next(p for p in problems if p.startswith(f"table 'orders' row {order_id} differs")),
    ), problems


def test_viewer_made_admin_and_password_hash_replaced_are_named(ward: Ward, engine: Engine) -> None:
    """Two edits of the users table, two rows named; the failed-sign-in counter is not audited
    state and changing it is no problem."""
    _running(ward)
    viewer, admin = ward.users["viewer"], ward.users["admin"]
    run_sql(engine, "UPDATE users SET roles = 'admin' WHERE id = :i", i=viewer)
    run_sql(engine, "UPDATE users SET password_hash = 'x' WHERE id = :i", i=admin)
    run_sql(engine, "UPDATE users SET failed_logins = 4")
    problems = _verify(ward)
    assert sorted(p.split(" differs")[0] for p in problems) == sorted(
        [f"table 'users' row {viewer}", f"table 'users' row {admin}"]
    ), problems


def test_row_added_or_removed_behind_the_application_is_named(ward: Ward, engine: Engine) -> None:
    """A recommendation inserted by hand has no audited state; a deleted observation is
    missing."""
    _running(ward)
    run_sql(
        engine,
        "INSERT INTO recommendations (id, patient_id, order_id, kind, inputs, outputs, "
        "shown_to_id, created_at) VALUES (900, :p, NULL, 'dose_plan', '{}', '{}', 1, "
        "CURRENT_TIMESTAMP)",
        p=ward.patient_id,
    )
    run_sql(engine, "DELETE FROM observations WHERE id = 2")
    problems = _verify(ward)
    assert any("table 'recommendations' row 900 has no audited state" in p for p in problems)
    assert any("table 'observations' row 2 is missing" in p for p in problems), problems
