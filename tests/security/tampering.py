"""What an attacker with database rights (but neither the audit key nor the checkpoint file)
does to hide a change: drop the append-only triggers, then edit, remove or add rows."""

from __future__ import annotations

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from anakinra_iv.records.audit import calculate_event_hash, get_hashed_fields
from anakinra_iv.records.tables import AuditEvent, AuditHead


def drop_audit_triggers(engine: Engine) -> None:
    """Remove the triggers that refuse UPDATE and DELETE of audit events."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))


def truncate_and_move_head_back(engine: Engine, keep: int) -> None:
    """Delete every event after ``keep`` and point the head at event ``keep``."""
    drop_audit_triggers(engine)
    with Session(engine) as session:
        last = session.get(AuditEvent, keep)
        assert last is not None
        session.execute(text("DELETE FROM audit_events WHERE seq > :k"), {"k": keep})
        head = session.get(AuditHead, 1)
        assert head is not None
        head.last_seq, head.last_hash = last.seq, last.hash
        session.commit()


def rewrite_and_rehash(engine: Engine, seq: int, new_value: str) -> None:
    """Replace one event's new value and recompute every later hash and the head (SHA-256 as
    published: the attacker has no key)."""
    drop_audit_triggers(engine)
    with Session(engine) as session:
        rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        previous = None
        for row in rows:
            if row.seq == seq:
                row.new_value = new_value
            if row.seq >= seq:
                if previous is not None:
                    row.prev_hash = previous
                row.hash = calculate_event_hash(get_hashed_fields(row))
            previous = row.hash
        head = session.get(AuditHead, 1)
        assert head is not None and previous is not None
        head.last_hash = previous
        session.commit()


def append_forged_event(engine: Engine, *, scheme: str) -> int:
    """Append an event claiming an admin approved something, and move the head to it."""
    with Session(engine) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        last = session.get(AuditEvent, head.last_seq)
        assert last is not None
        forged = AuditEvent(
            seq=head.last_seq + 1,
            occurred_at=last.occurred_at,
            actor="admin",
            action="user.create",
            entity_type="user",
            entity_id="99",
            old_value="null",
            new_value='{"roles":["admin"],"username":"mallory"}',
            reason="",
            prev_hash=head.last_hash,
            scheme=scheme,
            row_states="{}",
            hash="",
        )
        forged.hash = calculate_event_hash(get_hashed_fields(forged))
        session.add(forged)
        head.last_seq, head.last_hash = forged.seq, forged.hash
        session.commit()
        return forged.seq


def run_sql(engine: Engine, statement: str, **params: object) -> None:
    """One statement behind the application's back."""
    with engine.begin() as connection:
        connection.execute(text(statement), params)
