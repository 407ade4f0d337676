"""Use cases of access: sign out, change a password, disable or enable a user, lift a
lock-out, check a credential, and record who read a patient's record or was refused.

A credential (bearer token or session cookie) carries the user's ``token_version``; signing
out, changing the password and disabling the user raise it, so every credential issued before is
refused from then on (:func:`check_credential`, on every request). Reads of a patient's record,
sign-ins, sign-outs and refusals (403) are access events in the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.auth import AuthenticationFailed, AuthPolicy, PasswordHasher
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.views import UserView

__all__ = [
    "change_password",
    "check_credential",
    "record_access",
    "record_read_through",
    "set_user_active",
    "sign_out",
    "unlock_user",
]


def check_credential(uow: UnitOfWork, user_id: int, version: int) -> None:
    """Refuse a credential of a missing or inactive user, or one issued before the user last
    signed out, changed password or was disabled."""
    with uow:
        user = uow.users.find(user_id)
        if user is None or not user.active or user.token_version != version:
            raise AuthenticationFailed(
                "the credential was revoked (signed out, password changed or user disabled); "
                "sign in again",
                field="Authorization",
            )


def _revoke(user: User) -> None:
    user.token_version = user.token_version + 1


def sign_out(uow: UnitOfWork, user_id: int, now: datetime) -> None:
    """End every session and token of the user."""
    with uow:
        user = load_actor(uow, user_id, Action.READ)
        _revoke(user)
        uow.audit.append(AuditEntry(user.username, "auth.sign_out", "user", str(user.id)), now=now)
        uow.commit()


def change_password(
    uow: UnitOfWork,
    user_id: int,
    current: str,
    new: str,
    hasher: PasswordHasher,
    policy: AuthPolicy,
    now: datetime,
) -> None:
    """Change one's own password (the current one is checked); every credential is revoked."""
    if len(new) < policy.min_password_length:
        raise InvalidInput(
            f"'new_password' must have at least {policy.min_password_length} characters "
            f"(got {len(new)})",
            field="new_password",
            limit=policy.min_password_length,
        )
    with uow:
        digest = load_actor(uow, user_id, Action.READ).password_hash
    if not hasher.verify(current, digest):
        raise AuthenticationFailed("'current_password' is wrong", field="current_password")
    new_digest = hasher.hash(new)
    with uow:
        user = load_actor(uow, user_id, Action.READ)
        user.password_hash = new_digest
        _revoke(user)
        uow.audit.append(
            AuditEntry(user.username, "user.password_change", "user", str(user.id)), now=now
        )
        uow.commit()


def set_user_active(
    uow: UnitOfWork, admin_id: int, target_id: int, active: bool, reason: str, now: datetime
) -> UserView:
    """Disable (every credential revoked) or enable a user (admin)."""
    if not reason.strip():
        raise InvalidInput("'reason' is required to disable or enable a user", field="reason")
    with uow:
        admin = load_actor(uow, admin_id, Action.MANAGE_USERS)
        user = uow.users.get(target_id)
        if user.id == admin.id and not active:
            raise InvalidInput("an admin cannot disable their own account", field="user_id")
        old = user.active
        user.active = active
        if not active:
            _revoke(user)
        uow.audit.append(
            AuditEntry(
                admin.username,
                "user.enable" if active else "user.disable",
                "user",
                str(user.id),
                {"active": old},
                {"active": active},
                reason,
            ),
            now=now,
        )
        view = UserView.from_row(user)
        uow.commit()
    return view


def unlock_user(uow: UnitOfWork, admin_id: int | None, username: str, now: datetime) -> int:
    """Lift the sign-in lock-outs of a user name at every address (admin, or the command line
    when ``admin_id`` is None); return how many addresses were cleared."""
    with uow:
        actor = "system" if admin_id is None else load_actor(uow, admin_id, Action.MANAGE_USERS)
        user = uow.users.find_by_username(username)
        if user is None:
            raise InvalidInput(f"'username' {username!r} is not a user", field="username")
        cleared = uow.throttles.unlock(username, now)
        uow.audit.append(
            AuditEntry(
                actor if isinstance(actor, str) else actor.username,
                "user.unlock",
                "user",
                str(user.id),
                None,
                {"addresses": cleared},
            ),
            now=now,
        )
        uow.commit()
    return cleared


def record_access(
    uow: UnitOfWork,
    username: str,
    action: str,
    entity_type: str,
    entity_id: str,
    now: datetime,
    *,
    detail: str = "",
) -> None:
    """Append one access event (a record read, a refusal) in its own transaction."""
    with uow:
        uow.audit.append(
            AuditEntry(username[:64], action, entity_type, entity_id[:64], None, None, detail),
            now=now,
        )
        uow.commit()


def record_read_through(
    uow: UnitOfWork,
    username: str,
    entity_type: str,
    entity_id: int,
    now: datetime,
    *,
    detail: str = "",
) -> None:
    """Record the read of an order or a bag (its page, worksheet, label, API answer) as a read
    of its patient's record (``patient.read`` naming the patient; the detail names the order or
    bag), in its own transaction. A record that no longer exists is recorded as it was named."""
    with uow:
        patient_id: int | None = None
        order_id: int | None = entity_id if entity_type == "order" else None
        if entity_type == "bag":
            bag = uow.bags.find(entity_id)
            order_id = None if bag is None else bag.order_id
        order = None if order_id is None else uow.orders.find(order_id)
        patient_id = None if order is None else order.patient_id
        what = f"{detail} ({entity_type} {entity_id})"
        uow.audit.append(
            AuditEntry(
                username[:64],
                "patient.read",
                "patient" if patient_id is not None else entity_type,
                str(patient_id if patient_id is not None else entity_id),
                None,
                None,
                what,
            ),
            now=now,
        )
        uow.commit()
