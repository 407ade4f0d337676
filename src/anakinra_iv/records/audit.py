"""The append-only audit trail and its SHA-256 hash chain.

Each event is hashed over the canonical JSON of its fields, including the hash of the event
before it, so that changing, removing or reordering any stored event breaks the chain::

    hash(n) = sha256(canonical_json({seq, occurred_at, actor, action, entity_type, entity_id,
                                     old_value, new_value, reason, prev_hash = hash(n - 1)}))

The first event chains from :data:`GENESIS_HASH`. Events appended in a transaction are chained
when it commits: the single ``audit_head`` row is locked just before the commit, so concurrent
transactions queue for it instead of forking the chain, and each holds it only for the few
statements that write its events (not for the rest of its work). Entity rows are always flushed,
and so locked, before the head. This module offers no way to update or delete an event, and
database triggers refuse both.

>>> text = '{"prev_hash":"' + GENESIS_HASH + '","seq":1}'
>>> calculate_event_hash({"seq": 1, "prev_hash": GENESIS_HASH}) == (
...     hashlib.sha256(text.encode("utf-8")).hexdigest())
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, event, select
from sqlalchemy.orm import Session

from anakinra_iv.records.tables import AuditEvent, AuditHead

__all__ = [
    "APPEND_ONLY_DDL",
    "GENESIS_HASH",
    "AuditChainReport",
    "AuditEntry",
    "AuditLog",
    "calculate_event_hash",
    "dump_canonical_json",
]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event."""

APPEND_ONLY_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    ),
    "postgresql": (
        "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    ),
}
"""Triggers that make the database itself refuse to change or remove an audit event."""

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(
            AuditEvent.__table__,
            "after_create",
            DDL(_statement).execute_if(dialect=_dialect),  # type: ignore[no-untyped-call]
        )
event.listen(
    AuditHead.__table__,
    "after_create",
    DDL(  # type: ignore[no-untyped-call]
        f"INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '{GENESIS_HASH}')"
    ),
)


def dump_canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and no ASCII escaping: one text for one value.

    >>> dump_canonical_json({"b": 1, "a": [1.5, "µ"]})
    '{"a":[1.5,"µ"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def calculate_event_hash(fields: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an event's fields, ``prev_hash`` included."""
    return hashlib.sha256(dump_canonical_json(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    """What a service asks to record: who did what to which record, old and new value, why."""

    actor: str
    action: str
    entity_type: str
    entity_id: str
    old_value: Any = None
    new_value: Any = None
    reason: str = ""


@dataclass(frozen=True)
class AuditChainReport:
    """Outcome of checking the chain: ``ok`` only if every event and the head agree."""

    events: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def _hashed_fields(row: AuditEvent) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "occurred_at": row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": row.actor,
        "action": row.action,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "old_value": row.old_value,
        "new_value": row.new_value,
        "reason": row.reason,
        "prev_hash": row.prev_hash,
    }


_PENDING = "anakinra_iv.audit.pending"
"""Key of a session's ``info`` under which events wait for the commit."""


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Chain the session's waiting events: lock the head, number, link and hash them."""
    pending: list[AuditEvent] | None = session.info.get(_PENDING)
    if not pending:
        return
    rows = list(pending)
    pending.clear()
    session.flush()  # entity rows are locked before the audit head, always in that order
    head = session.execute(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    for row in rows:
        row.seq = head.last_seq + 1
        row.prev_hash = head.last_hash
        row.hash = calculate_event_hash(_hashed_fields(row))
        session.add(row)
        head.last_seq = row.seq
        head.last_hash = row.hash


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    """A rollback discards the waiting events with everything else."""
    pending: list[AuditEvent] | None = session.info.get(_PENDING)
    if pending:
        pending.clear()


class AuditLog:
    """Append to, read and check the audit trail inside one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._pending: list[AuditEvent] = session.info.setdefault(_PENDING, [])

    def append(self, entry: AuditEntry, *, now: datetime) -> AuditEvent:
        """Record one event, time-stamped ``now`` (the server's clock), at the next commit.

        The event joins the end of the chain when the session commits; its ``seq``,
        ``prev_hash`` and ``hash`` are set then. A rollback discards it with everything else.
        """
        row = AuditEvent(
            occurred_at=now.astimezone(UTC),
            actor=entry.actor,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            old_value=dump_canonical_json(entry.old_value),
            new_value=dump_canonical_json(entry.new_value),
            reason=entry.reason,
        )
        self._pending.append(row)
        return row

    def list_events(
        self,
        *,
        limit: int = 100,
        before_seq: int | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
    ) -> list[AuditEvent]:
        """Events newest first, optionally for one record."""
        query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
        if before_seq is not None:
            query = query.where(AuditEvent.seq < before_seq)
        if entity_type is not None:
            query = query.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(AuditEvent.entity_id == entity_id)
        return list(self._session.execute(query).scalars())

    def iterate_chain(self) -> Iterator[AuditEvent]:
        """Every event, oldest first."""
        query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
        yield from self._session.execute(query).scalars()

    def verify_chain(self) -> AuditChainReport:
        """Recompute every hash and link; report each break found."""
        problems: list[str] = []
        expected_prev = GENESIS_HASH
        expected_seq = 1
        count = 0
        for row in self.iterate_chain():
            count += 1
            if row.seq != expected_seq:
                problems.append(f"event {row.seq}: expected sequence number {expected_seq}")
            if row.prev_hash != expected_prev:
                problems.append(f"event {row.seq}: previous-hash link broken")
            if calculate_event_hash(_hashed_fields(row)) != row.hash:
                problems.append(f"event {row.seq}: content does not match its hash")
            expected_prev = row.hash
            expected_seq = row.seq + 1
        head = self._session.get(AuditHead, 1)
        if head is None:
            problems.append("audit head is missing")
        elif head.last_seq != count or head.last_hash != expected_prev:
            problems.append(
                f"audit head names event {head.last_seq} but the chain ends at event {count}"
            )
        return AuditChainReport(events=count, problems=tuple(problems))
