"""Use cases of accounts and approvals: add a user, sign in, approve a protocol version."""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import ConflictError, InvalidInput, ProblemList
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import ProtocolApproval, User
from anakinra_iv.records.throttles import Attempt
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.auth import (
    AccountLocked,
    AuthenticationFailed,
    AuthPolicy,
    PasswordHasher,
    calculate_lockout_minutes,
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


def _sign_in_refused(username: str, attempt: Attempt, now: datetime) -> AccountLocked | None:
    """The refusal of an attempt that is not even checked: a running lock-out, or more
    attempts at once than the threshold allows."""
    if attempt.locked_until is not None and attempt.locked_until > now:
        return AccountLocked(
            f"sign-in of '{username}' from this address is locked after repeated failures "
            f"until {attempt.locked_until.isoformat(timespec='minutes')}; an admin can unlock it",
            field="username",
            value=username,
            limit=attempt.locked_until.isoformat(timespec="seconds"),
        )
    return None


def authenticate(
    username: str,
    password: str,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    policy: AuthPolicy,
    now: datetime,
    *,
    client: str = "unknown",
) -> UserView:
    """Check a user name and password from a client address; lock that address out for the
    user after too many failures, with a lock-out that doubles each time.

    The attempt is counted in the database before the password is checked (one atomic
    statement), and the password is checked outside any transaction: however many guesses
    arrive at once, at most ``policy.lockout_threshold`` are checked before the lock-out.

    Raises
    ------
    AccountLocked
        Sign-in of this user from this address is locked (the attempt is not checked).
    AuthenticationFailed
        Unknown user, wrong password or inactive account (one message for all three).
    """
    refused = AuthenticationFailed("user name or password is wrong", field="username")
    client = client[:64]
    with uow:
        attempt = uow.throttles.count_attempt(username, client, now)
        user = uow.users.find_by_username(username)
        digest = None if user is None else user.password_hash
        uow.commit()
    locked = _sign_in_refused(username, attempt, now)
    if locked is None and attempt.number > policy.lockout_threshold:
        locked = AccountLocked(
            f"too many sign-in attempts for '{username}' from this address at once; wait and "
            "try again",
            field="username",
            value=username,
        )
    if locked is not None:
        raise locked
    matches = hasher.verify(password, digest)
    with uow:
        user = uow.users.find_by_username(username)
        if matches and user is not None and user.active:
            uow.throttles.reset(username, client, now)
            uow.audit.append(
                AuditEntry(
                    username, "auth.sign_in", "user", str(user.id), None, {"client": client}
                ),
                now=now,
            )
            view = UserView.from_row(user)
            uow.commit()
            return view
        lock_now = attempt.number >= policy.lockout_threshold
        minutes = calculate_lockout_minutes(policy, attempt.lockouts)
        if lock_now:
            lock_now = uow.throttles.lock(username, client, now, minutes)
        reason = "unknown user" if user is None else "wrong password"
        if user is not None and not user.active:
            reason = "inactive account"
        uow.audit.append(
            AuditEntry(
                username,
                "auth.lockout" if lock_now else "auth.failed",
                "user",
                "unknown" if user is None else str(user.id),
                None,
                {"client": client, "attempt": attempt.number}
                | ({"locked_minutes": minutes} if lock_now else {}),
                reason,
            ),
            now=now,
        )
        uow.commit()
    raise refused


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
