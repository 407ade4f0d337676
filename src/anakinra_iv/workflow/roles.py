"""Roles, the actions each may take, and the separation-of-duties rules.

Only a prescriber orders, changes, cancels or discontinues, and an admin never does, even with a
second role; only a pharmacist verifies (or rejects or queries) and compounds; only a nurse records
administration; the pharmacy lead resolves the alerts raised when checks are locked; admin manages
users and protocol approvals. Every signed-in user may read.

Separation of duties applies to people, not roles (:func:`require_different_person`): who ordered
or changed a dose never verifies it; who prepared a bag never checks it; who verified the order or
prepared the bag does not also hang it (a site setting, on by default).

>>> sorted(r.value for r in ALLOWED_ROLES[Action.VERIFY])
['pharmacist']
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from anakinra_iv.errors import InvalidInput, PermissionDenied

__all__ = [
    "ALLOWED_ROLES",
    "FORBIDDEN_ROLES",
    "Action",
    "Role",
    "is_allowed",
    "read_roles",
    "require_allowed",
    "require_different_person",
]


class Role(StrEnum):
    """The roles."""

    PRESCRIBER = "prescriber"
    PHARMACIST = "pharmacist"
    NURSE = "nurse"
    ADMIN = "admin"
    VIEWER = "viewer"
    PHARMACY_LEAD = "pharmacy_lead"


class Action(StrEnum):
    """Actions guarded by role."""

    READ = "read"
    CREATE_PATIENT = "create_patient"
    RECORD_OBSERVATION = "record_observation"
    PRESCRIBE = "prescribe"
    CHANGE_DOSE = "change_dose"
    CANCEL = "cancel"
    DISCONTINUE = "discontinue"
    VERIFY = "verify"
    PREPARE_BAG = "prepare_bag"
    CHECK_BAG = "check_bag"
    ADMINISTER = "administer"
    MANAGE_USERS = "manage_users"
    APPROVE_PROTOCOL = "approve_protocol"
    READ_AUDIT = "read_audit"
    RESOLVE_ALERT = "resolve_alert"
    READ_METRICS = "read_metrics"


_CLINICAL = frozenset({Role.PRESCRIBER, Role.PHARMACIST, Role.NURSE})

ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.READ: frozenset(Role),
    Action.CREATE_PATIENT: _CLINICAL,
    Action.RECORD_OBSERVATION: _CLINICAL,
    Action.PRESCRIBE: frozenset({Role.PRESCRIBER}),
    Action.CHANGE_DOSE: frozenset({Role.PRESCRIBER}),
    Action.CANCEL: frozenset({Role.PRESCRIBER}),
    Action.DISCONTINUE: frozenset({Role.PRESCRIBER}),
    Action.VERIFY: frozenset({Role.PHARMACIST}),
    Action.PREPARE_BAG: frozenset({Role.PHARMACIST}),
    Action.CHECK_BAG: frozenset({Role.PHARMACIST}),
    Action.ADMINISTER: frozenset({Role.NURSE}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.APPROVE_PROTOCOL: frozenset({Role.ADMIN}),
    Action.READ_AUDIT: frozenset({Role.ADMIN}),
    Action.RESOLVE_ALERT: frozenset({Role.PHARMACY_LEAD}),
    Action.READ_METRICS: frozenset(
        {Role.PRESCRIBER, Role.PHARMACIST, Role.ADMIN, Role.PHARMACY_LEAD}
    ),
}
"""Which roles may take each action."""

FORBIDDEN_ROLES: dict[Action, frozenset[Role]] = {
    Action.PRESCRIBE: frozenset({Role.ADMIN}),
    Action.CHANGE_DOSE: frozenset({Role.ADMIN}),
    Action.CANCEL: frozenset({Role.ADMIN}),
    Action.DISCONTINUE: frozenset({Role.ADMIN}),
}
"""Roles that bar an action even when another role of the same user would allow it."""


def read_roles(text: str | Iterable[str]) -> frozenset[Role]:
    """Read role names (comma-separated text or an iterable); unknown names are refused.

    >>> sorted(r.value for r in read_roles("nurse, viewer"))
    ['nurse', 'viewer']
    """
    names = text.split(",") if isinstance(text, str) else list(text)
    roles: set[Role] = set()
    for name in (n.strip().lower() for n in names):
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(
                f"'role' must be one of {known} (got '{name}')", field="role", value=name
            ) from None
    if not roles:
        raise InvalidInput("'role' is missing", field="role")
    return frozenset(roles)


def is_allowed(roles: Iterable[str], action: Action) -> bool:
    """True when a user with ``roles`` may take ``action``.

    >>> is_allowed({"admin", "prescriber"}, Action.PRESCRIBE)
    False
    """
    held = {Role(r) for r in roles}
    if held & FORBIDDEN_ROLES.get(action, frozenset()):
        return False
    return bool(held & ALLOWED_ROLES[action])


def require_allowed(username: str, roles: Iterable[str], action: Action) -> None:
    """Raise PermissionDenied naming the user and the action unless the roles allow it."""
    held = sorted(roles)
    if not is_allowed(held, action):
        needed = " or ".join(sorted(ALLOWED_ROLES[action]))
        doing = action.value.replace("_", " ")
        raise PermissionDenied(
            f"user '{username}' ({', '.join(held) or 'no role'}) may not {doing}: "
            f"it needs the role {needed}",
            field="role",
            value=",".join(held),
            limit=needed,
        )


def require_different_person(
    user_id: int, other_id: int | Iterable[int | None] | None, *, rule: str
) -> None:
    """Raise PermissionDenied when a separation-of-duties ``rule`` is broken by one person.

    ``other_id`` is the person (or the people) who did the earlier step; it is the person who
    counts, whatever roles they hold.

    >>> require_different_person(3, [1, None, 2], rule="x")
    >>> require_different_person(2, [1, 2], rule="who prepared a bag never checks it")
    Traceback (most recent call last):
    ...
    anakinra_iv.errors.PermissionDenied: who prepared a bag never checks it
    """
    others = [other_id] if other_id is None or isinstance(other_id, int) else list(other_id)
    if user_id in {o for o in others if o is not None}:
        raise PermissionDenied(rule, field="user", value=user_id)
