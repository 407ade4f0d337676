"""The append-only audit trail and its keyed chain.

Each event is signed with HMAC-SHA256 under a key the database does not hold
(:class:`~anakinra_iv.records.keys.AuditKeys`), over the canonical JSON of its fields, the MAC
of the event before it and the states of the rows its transaction wrote::

    mac(n) = hmac_sha256(event_key, canonical_json({seq, occurred_at, actor, action,
        entity_type, entity_id, old_value, new_value, reason, prev_hash = mac(n - 1),
        scheme = "hmac-sha256", row_states = {"orders:12": sha256(row), ...}}))

so that changing, removing, reordering or adding an event, or editing a clinical row behind the
application, is found by :func:`anakinra_iv.records.audit_verify.verify_audit` without anybody
being able to recompute the chain from the database alone. Events written before the chain was
keyed carry ``scheme`` sha256 (a plain SHA-256 without row states) and may only come first.

The first event chains from :data:`GENESIS_HASH`. Events appended in a transaction are chained
when it commits: the single ``audit_head`` row is locked just before the commit, so concurrent
transactions queue for it instead of forking the chain, and each holds it only for the few
statements that write its events. Entity rows are always flushed, and so locked, before the
head. After the commit a signed checkpoint (sequence, head MAC, time) is appended to the
checkpoint file, outside the database. This module offers no way to update or delete an event,
and database triggers refuse both.

>>> text = '{"prev_hash":"' + GENESIS_HASH + '","seq":1}'
>>> calculate_event_hash({"seq": 1, "prev_hash": GENESIS_HASH}) == (
...     hashlib.sha256(text.encode("utf-8")).hexdigest())
True
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, event, select
from sqlalchemy.orm import Session

from anakinra_iv.records.checkpoints import write_checkpoint
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.row_state import (
    has_audited_change,
    iterate_row_digests,
    read_object_digest,
)
from anakinra_iv.records.tables import AuditEvent, AuditHead

__all__ = [
    "APPEND_ONLY_DDL",
    "AUDIT_KEYS_INFO",
    "COMMIT_ENTITY_INFO",
    "GENESIS_HASH",
    "KEYED_SCHEME",
    "LEGACY_SCHEME",
    "AuditChainReport",
    "AuditEntry",
    "AuditLog",
    "calculate_event_hash",
    "calculate_event_mac",
    "dump_canonical_json",
    "get_hashed_fields",
]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event."""
KEYED_SCHEME = "hmac-sha256"
LEGACY_SCHEME = "sha256"
AUDIT_KEYS_INFO = "anakinra_iv.audit.keys"
"""Key of a session's ``info`` holding its :class:`AuditKeys` (set by the unit of work)."""
COMMIT_ENTITY_INFO = "anakinra_iv.audit.entity"
"""Key of a session's ``info`` naming the record of the first event a commit writes (``order
12``), set just before the commit; later ``before_commit`` listeners may read it."""

_log = logging.getLogger(__name__)

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
    """SHA-256 (hex) of the canonical JSON of an event's fields (the unkeyed, legacy scheme)."""
    return hashlib.sha256(dump_canonical_json(fields).encode("utf-8")).hexdigest()


def calculate_event_mac(keys: AuditKeys, fields: dict[str, Any]) -> str:
    """HMAC-SHA256 (hex) of the canonical JSON of an event's fields under the event key."""
    return keys.sign(keys.event_key, dump_canonical_json(fields).encode("utf-8"))


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
    """Outcome of checking the chain: ``ok`` only if every event, checkpoint and row agree.

    ``notes`` say what the check could not cover (no checkpoint file, unkeyed old events).
    """

    events: int
    problems: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    checkpoints: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def get_hashed_fields(row: AuditEvent) -> dict[str, Any]:
    """The fields an event's hash or MAC covers (the legacy scheme covers fewer)."""
    fields = {
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
    if row.scheme != LEGACY_SCHEME:
        fields["scheme"] = row.scheme
        fields["row_states"] = row.row_states
    return fields


_hashed_fields = get_hashed_fields

_PENDING = "anakinra_iv.audit.pending"
"""Key of a session's ``info`` under which events wait for the commit."""
_TOUCHED = "anakinra_iv.audit.touched"
"""Key of a session's ``info`` holding the tracked rows written in the transaction."""
_WRITTEN = "anakinra_iv.audit.written"
"""Key of a session's ``info`` holding the head (seq, MAC) a commit is about to make."""
_SEALED = "anakinra_iv.audit.sealed"
"""Key of a session's ``info`` holding the states of every tracked row, to record at once."""


@event.listens_for(Session, "after_flush")
def _note_written_rows(session: Session, _context: Any) -> None:
    """Remember the tracked rows this flush wrote (their history is still visible here)."""
    changed = [o for o in (*session.new, *session.dirty) if has_audited_change(o)]
    if changed:
        touched: dict[int, Any] = session.info.setdefault(_TOUCHED, {})
        for instance in changed:
            touched[id(instance)] = instance


def _collect_row_states(session: Session) -> dict[str, str]:
    touched: dict[int, Any] = session.info.pop(_TOUCHED, {})
    states: dict[str, str] = (
        dict(iterate_row_digests(session)) if session.info.pop(_SEALED, False) else {}
    )
    for instance in touched.values():
        found = read_object_digest(instance)
        if found is not None:
            states[found[0]] = found[1]
    return states


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Chain the session's waiting events: lock the head, number, link and sign them."""
    pending: list[AuditEvent] = session.info.setdefault(_PENDING, [])
    session.flush()  # entity rows are locked before the audit head, always in that order
    keys: AuditKeys | None = session.info.get(AUDIT_KEYS_INFO)
    states = _collect_row_states(session) if keys is not None else {}
    if not pending and not states:
        return
    if keys is None:
        raise RuntimeError("no audit key for this unit of work: events cannot be signed")
    rows = list(pending)
    pending.clear()
    if not rows:
        first = next(iter(states))
        table, _, key = first.partition(":")
        rows.append(
            AuditEvent(
                occurred_at=datetime.now(UTC),
                actor="system",
                action="record.write",
                entity_type=table,
                entity_id=key,
                old_value="null",
                new_value="null",
                reason="",
            )
        )
    head = session.execute(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    for index, row in enumerate(rows):
        row.seq = head.last_seq + 1
        row.prev_hash = head.last_hash
        row.scheme = KEYED_SCHEME
        row.row_states = dump_canonical_json(states if index == len(rows) - 1 else {})
        row.hash = calculate_event_mac(keys, get_hashed_fields(row))
        session.add(row)
        head.last_seq = row.seq
        head.last_hash = row.hash
    session.info[_WRITTEN] = (head.last_seq, head.last_hash)
    session.info[COMMIT_ENTITY_INFO] = f"{rows[0].entity_type} {rows[0].entity_id}"
    session.flush()


@event.listens_for(Session, "after_commit")
def _write_checkpoint(session: Session) -> None:
    """After the commit, append a signed checkpoint of the new head outside the database."""
    written = session.info.pop(_WRITTEN, None)
    session.info.pop(COMMIT_ENTITY_INFO, None)
    keys: AuditKeys | None = session.info.get(AUDIT_KEYS_INFO)
    if written is None or keys is None or keys.checkpoint_file is None:
        return
    try:
        write_checkpoint(keys, written[0], written[1], datetime.now(UTC))
    except OSError as error:  # the commit stands; a missing checkpoint only weakens a check
        _log.error("audit checkpoint %s not written: %s", keys.checkpoint_file, error)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    """A rollback discards the waiting events and row states with everything else."""
    pending: list[AuditEvent] | None = session.info.get(_PENDING)
    if pending:
        pending.clear()
    session.info.pop(_TOUCHED, None)
    session.info.pop(_WRITTEN, None)
    session.info.pop(_SEALED, None)
    session.info.pop(COMMIT_ENTITY_INFO, None)


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

    def record_all_rows(self) -> None:
        """Record the state of every tracked row with the next commit's events (a seal, after
        upgrading a database whose rows were written before the chain recorded them)."""
        self._session.info[_SEALED] = True

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
        """Check every event, the checkpoints and the clinical rows (see ``audit_verify``)."""
        from anakinra_iv.records.audit_verify import verify_audit

        keys: AuditKeys | None = self._session.info.get(AUDIT_KEYS_INFO)
        if keys is None:
            raise RuntimeError("no audit key for this unit of work: the chain cannot be checked")
        return verify_audit(self._session, keys)
