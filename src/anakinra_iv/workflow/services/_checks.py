"""Blind checks and their attempt limit: mismatches are recorded and answered with "does not
match" only; after the limit (``checks.yaml``, a site decision) the order or bag is locked for
that pharmacist and an alert for the pharmacy lead is raised in the same transaction. The lead's
resolution of the alert lifts the lock and starts the count again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from anakinra_iv.errors import InvalidInput, PermissionDenied
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Alert, User
from anakinra_iv.records.unit_of_work import UnitOfWork

__all__ = [
    "BAG_CHECK_LOCKED",
    "VERIFICATION_LOCKED",
    "CheckLocked",
    "VerificationMismatch",
    "count_recent_mismatches",
    "raise_lock_alert",
    "require_not_locked",
]

VERIFICATION_LOCKED = "verification_locked"
"""Alert kind: an order locked for one pharmacist after repeated mismatching verifications."""
BAG_CHECK_LOCKED = "bag_check_locked"
"""Alert kind: a bag locked for one pharmacist after repeated mismatching second checks."""


class VerificationMismatch(InvalidInput):
    """An independently entered value does not match; the attempt is recorded."""


class CheckLocked(PermissionDenied):
    """Too many mismatching attempts: locked for this pharmacist until the pharmacy lead acts."""


def _alerts(
    uow: UnitOfWork, kind: str, user_id: int, order_id: int | None, bag_id: int | None
) -> Sequence[Alert]:
    return uow.alerts.list_for(kind, user_id, order_id=order_id, bag_id=bag_id)


def require_not_locked(
    uow: UnitOfWork,
    kind: str,
    actor: User,
    *,
    order_id: int | None = None,
    bag_id: int | None = None,
) -> datetime | None:
    """Refuse a locked pharmacist; return when their count last restarted (a resolution)."""
    alerts = _alerts(uow, kind, actor.id, order_id, bag_id)
    what = f"order {order_id}" if bag_id is None else f"bag {bag_id}"
    if any(a.resolved_at is None for a in alerts):
        raise CheckLocked(
            f"{what} is locked for you after repeated mismatching checks; the pharmacy lead "
            "has been alerted and must resolve it first",
            field="user",
            value=actor.username,
        )
    resolved = [a.resolved_at for a in alerts if a.resolved_at is not None]
    return max(resolved) if resolved else None


def count_recent_mismatches(
    outcomes: Sequence[tuple[str, datetime]], since: datetime | None
) -> int:
    """Mismatches after the last accepted attempt and after ``since`` (oldest first input).

    >>> from datetime import UTC
    >>> t = [datetime(2026, 1, 5, h, tzinfo=UTC) for h in range(5)]
    >>> count_recent_mismatches([("mismatch", t[0]), ("accepted", t[1]), ("mismatch", t[2]),
    ...                          ("mismatch", t[3])], None)
    2
    >>> count_recent_mismatches([("mismatch", t[2]), ("mismatch", t[3])], t[2])
    1
    """
    count = 0
    for outcome, at in outcomes:
        if since is not None and at <= since:
            continue
        count = 0 if outcome == "accepted" else count + 1
    return count


def raise_lock_alert(
    uow: UnitOfWork,
    actor: User,
    *,
    kind: str,
    message: str,
    now: datetime,
    order_id: int | None = None,
    bag_id: int | None = None,
) -> Alert:
    """Store the alert for the pharmacy lead and audit it (inside the caller's transaction)."""
    alert = uow.alerts.add(
        Alert(
            kind=kind,
            order_id=order_id,
            bag_id=bag_id,
            user_id=actor.id,
            message=message,
            created_at=now,
        )
    )
    uow.audit.append(
        AuditEntry(
            actor.username,
            "alert.raise",
            "alert",
            str(alert.id),
            None,
            {"kind": kind, "order_id": order_id, "bag_id": bag_id, "user": actor.username},
            message,
        ),
        now=now,
    )
    return alert
