"""Use cases of accounts and approvals: add a user, sign in, approve a protocol version."""

from __future__ import annotations

from datetime import datetime, timedelta

from anakinra_iv.errors import ConflictError, InvalidInput, ProblemList
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import ProtocolApproval, User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.auth import (
    AccountLocked,
    AuthenticationFailed,
    AuthPolicy,
    PasswordHasher,
)
from anakinra_iv.workflow.commands import AddUser, ApproveProtocol
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.roles import Action, read_roles
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.views import ApprovalView, UserView

__all__ = ["add_user", "approve_protocol", "authenticate"]

_SYSTEM = "system"


def add_user(
    cmd: AddUser, uow: UnitOfWork, hasher: PasswordHasher, policy: AuthPolicy, now: datetime
) -> UserView:
    """Create a local user (admin only, or the command line when ``user_id`` is None)."""
    problems: list[InvalidInput] = []
    username = cmd.username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        problems.append(
            InvalidInput(
                f"'username' must be 1 to 64 characters without spaces (got '{cmd.username}')",
                field="username",
                value=cmd.username,
            )
        )
    if len(cmd.password) < policy.min_password_length:
        problems.append(
            InvalidInput(
                f"'password' must have at least {policy.min_password_length} characters "
                f"(got {len(cmd.password)})",
                field="password",
                limit=policy.min_password_length,
            )
        )
    try:
        roles = read_roles(cmd.roles)
    except InvalidInput as error:
        problems.append(error)
    ProblemList.raise_if_any(problems)
    with uow:
        actor = (
            _SYSTEM
            if cmd.user_id is None
            else load_actor(uow, cmd.user_id, Action.MANAGE_USERS).username
        )
        if uow.users.find_by_username(username) is not None:
            raise ConflictError(
                f"user '{username}' already exists", field="username", value=username
            )
        user = uow.users.add(
            User(
                username=username,
                full_name=cmd.full_name,
                roles=",".join(sorted(roles)),
                password_hash=hasher.hash(cmd.password),
                active=True,
                failed_logins=0,
                created_at=now,
            )
        )
        view = UserView.from_row(user)
        uow.audit.append(
            AuditEntry(
                actor,
                "user.create",
                "user",
                str(user.id),
                None,
                {"username": view.username, "roles": list(view.roles)},
            ),
            now=now,
        )
        uow.commit()
    return view


def authenticate(
    username: str,
    password: str,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    policy: AuthPolicy,
    now: datetime,
) -> UserView:
    """Check a user name and password; count failures and lock the account after too many.

    Raises
    ------
    AccountLocked
        The account is locked (the attempt is not even checked).
    AuthenticationFailed
        Unknown user, wrong password or inactive account (one message for all three).
    """
    refused = AuthenticationFailed("user name or password is wrong", field="username")
    with uow:
        user = uow.users.find_by_username(username)
        if user is None:
            hasher.verify(password, None)
            raise refused
        if user.locked_until is not None and user.locked_until > now:
            raise AccountLocked(
                f"account '{username}' is locked after repeated failed sign-ins until "
                f"{user.locked_until.isoformat(timespec='minutes')}",
                field="username",
                value=username,
            )
        if not hasher.verify(password, user.password_hash) or not user.active:
            user.failed_logins += 1
            locked = user.failed_logins >= policy.lockout_threshold
            if locked:
                user.locked_until = now + timedelta(minutes=policy.lockout_minutes)
                user.failed_logins = 0
            uow.audit.append(
                AuditEntry(
                    username,
                    "auth.lockout" if locked else "auth.failed",
                    "user",
                    str(user.id),
                    reason="wrong password" if user.active else "inactive account",
                ),
                now=now,
            )
            uow.commit()
            raise refused
        if user.failed_logins or user.locked_until is not None:
            user.failed_logins = 0
            user.locked_until = None
            uow.commit()
        return UserView.from_row(user)


def approve_protocol(
    cmd: ApproveProtocol, uow: UnitOfWork, calculator: DoseCalculator, now: datetime
) -> ApprovalView:
    """Record that an admin approved a protocol version and its site-decision values."""
    info = calculator.get_protocol_info(cmd.protocol_id, cmd.version)
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.APPROVE_PROTOCOL)
        approval = uow.approvals.add(
            ProtocolApproval(
                protocol_id=info.protocol_id,
                protocol_version=info.version,
                approved_by_id=actor.id,
                approved_at=now,
                site_decisions=info.site_decisions,
                note=cmd.note,
            )
        )
        view = ApprovalView.from_row(approval, {actor.id: actor.username})
        uow.audit.append(
            AuditEntry(
                actor.username,
                "protocol.approve",
                "protocol",
                f"{info.protocol_id}@{info.version}",
                None,
                {"site_decisions": info.site_decisions, "title": info.title},
                cmd.note,
            ),
            now=now,
        )
        uow.commit()
    return view
