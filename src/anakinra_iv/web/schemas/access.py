"""Schemas of access: a password change, a reason to disable or enable a user, an unlock, a
user as returned."""

from __future__ import annotations

from pydantic import Field

from anakinra_iv.web.schemas._base import In, LongText, Out, Text64

__all__ = ["PasswordChange", "UnlockCreate", "UnlockPublic", "UserPublic", "UserStatusChange"]


class PasswordChange(In):
    """One's own password change: the current password and the new one."""

    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class UserStatusChange(In):
    """Why a user is disabled or enabled."""

    reason: LongText


class UnlockCreate(In):
    """The user name whose sign-in lock-outs an admin lifts."""

    username: Text64


class UnlockPublic(Out):
    """How many client addresses were unlocked."""

    username: str
    addresses_cleared: int


class UserPublic(Out):
    """A user (never the password hash)."""

    id: int
    username: str
    full_name: str
    roles: list[str]
    active: bool
