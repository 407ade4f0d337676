"""The audit hash chain: append, verify, tamper detection, append-only triggers."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from anakinra_iv.records.audit import GENESIS_HASH, AuditEntry, dump_canonical_json
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork
from tests.workflow_support.fixtures import TEST_AUDIT_KEY

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

KEYS = AuditKeys(TEST_AUDIT_KEY.encode())


def _append(engine: Engine, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        uow = SqlAlchemyUnitOfWork(engine, KEYS)
        with uow:
            uow.audit.append(
                AuditEntry("ph_ada", "order.verify", "order", str(i), {"v": i}, {"v": i + 1}, "r"),
                now=T0 + timedelta(minutes=i),
            )
            uow.commit()


def test_first_event_hash_is_hmac_of_its_canonical_json(engine: Engine) -> None:
    """The stored hash equals HMAC-SHA256, under the key derived from the audit secret, over
    the canonical JSON written out by hand (RFC 2104 via the standard library)."""
    _append(engine, 1)
    uow = SqlAlchemyUnitOfWork(engine, KEYS)
    with uow:
        (row,) = uow.audit.list_events()
        stored = (row.prev_hash, row.hash)
    fields = {
        "seq": 1,
        "occurred_at": "2026-01-05T08:00:00.000000+00:00",
        "actor": "ph_ada",
        "action": "order.verify",
        "entity_type": "order",
        "entity_id": "0",
        "old_value": '{"v":0}',
        "new_value": '{"v":1}',
        "reason": "r",
        "prev_hash": GENESIS_HASH,
        "scheme": "hmac-sha256",
        "row_states": "{}",
    }
    event_key = hmac.new(TEST_AUDIT_KEY.encode(), b"anakinra-iv audit events v1", "sha256")
    expected = hmac.new(
        event_key.digest(), dump_canonical_json(fields).encode(), hashlib.sha256
    ).hexdigest()
    assert stored == (GENESIS_HASH, expected)


def test_chain_of_untouched_events_verifies(engine: Engine) -> None:
    """Five appended events link each to the one before and the check finds no problem."""
    _append(engine, 5)
    uow = SqlAlchemyUnitOfWork(engine, KEYS)
    with uow:
        report = uow.audit.verify_chain()
        links = [(r.prev_hash, r.hash) for r in uow.audit.iterate_chain()]
    assert report.ok and report.events == 5
    assert [p for p, _ in links[1:]] == [h for _, h in links[:-1]]


def test_database_refuses_update_and_delete_of_audit_rows(engine: Engine) -> None:
    """The append-only triggers abort an UPDATE and a DELETE of an audit row."""
    _append(engine, 2)
    for statement in (
        "UPDATE audit_events SET reason = 'edited' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 2",
    ):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    uow = SqlAlchemyUnitOfWork(engine, KEYS)
    with uow:
        assert uow.audit.verify_chain().ok


def _drop_triggers(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE audit_events SET reason = 'edited' WHERE seq = 2", "event 2: content"),
        ("DELETE FROM audit_events WHERE seq = 2", "event 3: expected sequence number 2"),
        ("DELETE FROM audit_events WHERE seq = 4", "audit head names event 4"),
    ],
    ids=["edited", "removed-in-middle", "removed-at-end"],
)
def test_tampering_behind_the_triggers_is_detected(
    engine: Engine, statement: str, expected: str
) -> None:
    """Someone with database rights who drops the triggers and edits rows breaks the chain."""
    _append(engine, 4)
    _drop_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text(statement))
    uow = SqlAlchemyUnitOfWork(engine, KEYS)
    with uow:
        report = uow.audit.verify_chain()
    assert not report.ok
    assert any(expected in problem for problem in report.problems), report.problems


def test_rehashing_an_edited_event_still_breaks_the_next_link(engine: Engine) -> None:
    """Editing an event and recomputing its own hash (without the key) fails its MAC and
    leaves the next event's link broken."""
    _append(engine, 3)
    _drop_triggers(engine)
    uow = SqlAlchemyUnitOfWork(engine, KEYS)
    with uow:
        row = next(r for r in uow.audit.list_events() if r.seq == 2)
        row.reason = "forged"
        from anakinra_iv.records.audit import calculate_event_hash, get_hashed_fields

        row.hash = calculate_event_hash(get_hashed_fields(row))
        uow.commit()
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow2:
        report = uow2.audit.verify_chain()
    assert "event 3: previous-hash link broken" in report.problems
    assert any(p.startswith("event 2: content does not match") for p in report.problems)


def test_appends_from_parallel_transactions_form_one_chain(engine: Engine) -> None:
    """Eight threads appending at once produce 8 x 5 events in one unbroken chain."""
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            _append(engine, 5, start=k * 100)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        report = uow.audit.verify_chain()
    assert report.ok and report.events == 40
