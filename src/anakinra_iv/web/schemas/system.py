"""Schemas of the service itself: a token, the health report, an audit event, an error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anakinra_iv.web.schemas._base import Out

__all__ = ["AuditEventPublic", "ErrorPublic", "HealthPublic", "ProblemPublic", "TokenPublic"]


class TokenPublic(Out):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"


class HealthPublic(Out):
    """Service health."""

    status: str
    database: str
    database_ok: bool


class AuditEventPublic(Out):
    """An audit event."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    old_value: Any
    new_value: Any
    reason: str
    prev_hash: str
    hash: str


class ProblemPublic(Out):
    """One problem of a request: a machine-readable code, a message naming the field."""

    code: str
    message: str
    field: str | None


class ErrorPublic(ProblemPublic):
    """The body of every API error; ``problems`` lists each one when there are several."""

    problems: list[ProblemPublic] | None = None
