"""Use cases of ``Idempotency-Key``: claim a key for a request, keep its first answer.

A client that lost the answer to a POST (the connection dropped, the server was killed after
the commit) sends it again with the same key; it gets the first answer back instead of a second
order or bag. A key is bound to its user (or, without one, to the request) and to the request's
fingerprint: the same key with another request is refused. Keys expire after
``Settings.idempotency_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from anakinra_iv.records.idempotency import StoredRequest
from anakinra_iv.records.unit_of_work import UnitOfWork

__all__ = ["PENDING_TIMEOUT", "Claim", "claim_request", "finish_request"]

PENDING_TIMEOUT = timedelta(seconds=30)
"""A claim still pending after this long belongs to a request that died (the server stopped
before the request committed): a repeat then runs it. No request runs this long: the server
sheds load with 503 rather than queueing, and every database wait is shorter."""

Outcome = Literal["new", "replay", "mismatch", "in_progress", "applied"]


@dataclass(frozen=True)
class Claim:
    """What a request with a key should do: run (``new``), answer with the stored answer
    (``replay``), or be refused (another request under the key, one still running, or one
    applied whose answer was lost)."""

    outcome: Outcome
    stored: StoredRequest | None = None
    retry_after: int = 1


def claim_request(
    uow: UnitOfWork, scope: str, key: str, request_hash: str, now: datetime, hours: int
) -> Claim:
    """Claim ``key`` for a request with fingerprint ``request_hash``."""
    with uow:
        if uow.idempotency.claim(scope, key, request_hash, now):
            uow.commit()
            return Claim("new")
        stored = uow.idempotency.find(scope, key)
        if stored is None:  # released in the meantime
            return Claim("in_progress")
        expired = stored.created_at < now - timedelta(hours=hours)
        stale = stored.state == "pending" and stored.created_at < now - PENDING_TIMEOUT
        if expired or (stale and stored.request_hash == request_hash):
            cutoff = now - (PENDING_TIMEOUT if stale and not expired else timedelta(hours=hours))
            taken = uow.idempotency.take_over(scope, key, request_hash, now, cutoff)
            uow.commit()
            return Claim("new") if taken else Claim("in_progress")
    if stored.request_hash != request_hash:
        return Claim("mismatch", stored)
    if stored.state == "done":
        return Claim("replay", stored)
    if stored.state == "applied":
        return Claim("applied", stored)
    waited = (now - stored.created_at).total_seconds()
    return Claim("in_progress", stored, max(1, int(PENDING_TIMEOUT.total_seconds() - waited) + 1))


def finish_request(
    uow: UnitOfWork,
    scope: str,
    key: str,
    *,
    status: int,
    content_type: str | None,
    location: str | None,
    body: bytes,
) -> None:
    """Keep the answer of a request (any answer below 500); after a 5xx, release the key if
    the request changed nothing, so that a retry runs it."""
    with uow:
        stored = uow.idempotency.find(scope, key)
        if stored is None:
            return
        if status < 500:
            uow.idempotency.store_answer(scope, key, status, content_type, location, body)
        elif stored.state == "pending":
            uow.idempotency.release(scope, key)
        uow.commit()
