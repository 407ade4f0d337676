"""Stored requests of ``Idempotency-Key``: claim a key, mark it applied in the transaction that
applies it, keep the first answer.

A key is claimed (state ``pending``) in a transaction of its own before the request runs. The
request's own commit, if it writes anything, marks the key ``applied`` and names the record it
wrote, in that same transaction (:data:`CURRENT_CLAIM` tells the commit which key): so a key is
``applied`` if and only if its request's changes are committed. After the answer is sent, the
answer is stored (``done``); a request that changed nothing and failed releases its key.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anakinra_iv.records.audit import COMMIT_ENTITY_INFO
from anakinra_iv.records.tables import Base, IdempotencyKey

__all__ = ["CURRENT_CLAIM", "IdempotencyRepository", "StoredRequest"]

_TABLE = Base.metadata.tables["idempotency_keys"]

CURRENT_CLAIM: ContextVar[tuple[str, str] | None] = ContextVar(
    "anakinra_idempotency_claim", default=None
)
"""(scope, key) of the request being served, if it carries an Idempotency-Key."""


@dataclass(frozen=True)
class StoredRequest:
    """What is stored under a key."""

    request_hash: str
    state: str
    created_at: datetime
    entity: str | None
    status: int | None
    content_type: str | None
    location: str | None
    body: bytes | None


class IdempotencyRepository:
    """Read and write the stored requests (none of this is clinical data)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, scope: str, key: str) -> StoredRequest | None:
        """The stored request under (scope, key), or None."""
        row = self._session.get(IdempotencyKey, (scope, key), populate_existing=True)
        if row is None:
            return None
        return StoredRequest(
            row.request_hash,
            row.state,
            row.created_at,
            row.entity,
            row.response_status,
            row.response_type,
            row.response_location,
            row.response_body,
        )

    def claim(self, scope: str, key: str, request_hash: str, now: datetime) -> bool:
        """Insert a pending claim; False if somebody holds the key already."""
        try:
            with self._session.begin_nested():
                self._session.add(
                    IdempotencyKey(
                        scope=scope,
                        key=key,
                        request_hash=request_hash,
                        state="pending",
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def take_over(
        self, scope: str, key: str, request_hash: str, now: datetime, older_than: datetime
    ) -> bool:
        """Reclaim a key whose claim is stale (pending since before ``older_than``, or any
        state created before it, when it has expired); True if this call got it."""
        table = _TABLE
        result = self._session.execute(
            update(table)
            .where(
                table.c.scope == scope,
                table.c.key == key,
                table.c.created_at < older_than,
            )
            .values(
                request_hash=request_hash,
                state="pending",
                created_at=now,
                entity=None,
                response_status=None,
                response_type=None,
                response_location=None,
                response_body=None,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def store_answer(
        self,
        scope: str,
        key: str,
        status: int,
        content_type: str | None,
        location: str | None,
        body: bytes,
    ) -> None:
        """Keep the first answer."""
        self._session.execute(
            update(_TABLE)
            .where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
            .values(
                state="done",
                response_status=status,
                response_type=content_type,
                response_location=location,
                response_body=body,
            )
        )

    def release(self, scope: str, key: str) -> None:
        """Forget a claim whose request changed nothing."""
        self._session.execute(
            delete(_TABLE).where(
                IdempotencyKey.scope == scope,
                IdempotencyKey.key == key,
                IdempotencyKey.state == "pending",
            )
        )


@event.listens_for(Session, "before_commit")
def _mark_applied(session: Session) -> None:
    """In the commit that writes a claimed request's changes, mark its key applied."""
    claim = CURRENT_CLAIM.get()
    entity = session.info.get(COMMIT_ENTITY_INFO)
    if claim is None or entity is None:
        return
    session.execute(
        update(_TABLE)
        .where(
            IdempotencyKey.scope == claim[0],
            IdempotencyKey.key == claim[1],
            IdempotencyKey.state == "pending",
        )
        .values(state="applied", entity=entity[:200])
    )
