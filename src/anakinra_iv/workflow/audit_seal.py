"""Seal the audit trail: record the state of every clinical row in one signed event.

A database upgraded from a version whose chain did not record row states has rows that no event
describes; ``audit verify`` names each of them until an operator who has checked the data seals
it. Sealing is itself an audit event (``audit.seal``, with its reason), and needs the audit key.
"""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.unit_of_work import UnitOfWork

__all__ = ["seal_audit"]


def seal_audit(uow: UnitOfWork, reason: str, now: datetime, *, actor: str = "system") -> int:
    """Append an ``audit.seal`` event recording every tracked row; return its rows' count."""
    if not reason.strip():
        raise InvalidInput("'reason' is required to seal the audit trail", field="reason")
    with uow:
        uow.audit.record_all_rows()
        uow.audit.append(
            AuditEntry(actor, "audit.seal", "audit", "rows", None, None, reason), now=now
        )
        uow.commit()
    with uow:
        return uow.audit.verify_chain().rows
