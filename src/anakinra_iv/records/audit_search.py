"""Searching the audit trail: events about a set of records, by one person, page by page."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from anakinra_iv.records.tables import AuditEvent

__all__ = ["AuditSearch"]


class AuditSearch:
    """Read-only queries on the audit events inside one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def list_events(
        self,
        *,
        entities: Sequence[tuple[str, Sequence[str]]] | None = None,
        actor: str | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[AuditEvent]:
        """Events newest first: about any of ``entities`` ((type, ids) pairs; None for all), by
        ``actor`` (None for anyone), older than ``before_seq``."""
        query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
        if entities is not None:
            clauses = [
                and_(AuditEvent.entity_type == kind, AuditEvent.entity_id.in_(list(ids)))
                for kind, ids in entities
                if ids
            ]
            query = query.where(or_(*clauses) if clauses else false())
        if actor is not None:
            query = query.where(AuditEvent.actor == actor)
        if before_seq is not None:
            query = query.where(AuditEvent.seq < before_seq)
        return list(self._session.execute(query).scalars())
