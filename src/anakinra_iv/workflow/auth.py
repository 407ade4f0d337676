"""Passwords (argon2 through pwdlib), the lock-out policy and authentication errors.

>>> hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
>>> digest = hasher.hash("correct horse")
>>> digest.startswith("$argon2id$"), hasher.verify("correct horse", digest)
(True, True)
>>> hasher.verify("wrong", digest)
False
"""

from __future__ import annotations

from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from anakinra_iv.errors import AnakinraError

__all__ = [
    "AccountLocked",
    "AuthPolicy",
    "AuthenticationFailed",
    "PasswordHasher",
    "TooManyRequests",
    "calculate_lockout_minutes",
]


class AuthenticationFailed(AnakinraError):
    """Unknown user, wrong password, inactive account, or a missing or expired credential."""


class AccountLocked(AuthenticationFailed):
    """Too many failed sign-ins in a row for this user from this client address: sign-in is
    locked there for a while (the same user elsewhere is not locked out)."""


class TooManyRequests(AnakinraError):
    """A client sends more sign-in attempts than the per-address rate allows (answered 429);
    ``limit`` is the number of seconds to wait."""


@dataclass(frozen=True)
class AuthPolicy:
    """Sign-in rules: failures before lock-out, first lock-out length (doubling with each
    further lock-out up to the longest), shortest password."""

    lockout_threshold: int = 5
    lockout_minutes: int = 15
    min_password_length: int = 8
    lockout_max_minutes: int = 24 * 60


def calculate_lockout_minutes(policy: AuthPolicy, earlier_lockouts: int) -> int:
    """Length of the next lock-out: doubling with each earlier one, capped.

    >>> policy = AuthPolicy(lockout_minutes=15, lockout_max_minutes=60)
    >>> [calculate_lockout_minutes(policy, n) for n in range(4)]
    [15, 30, 60, 60]
    """
    doubled: int = policy.lockout_minutes * 2 ** min(earlier_lockouts, 20)
    return min(doubled, policy.lockout_max_minutes)


class PasswordHasher:
    """Argon2id hashing; the costs are those of :class:`pwdlib.hashers.argon2.Argon2Hasher`."""

    def __init__(self, *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4):
        self._hash = PasswordHash(
            (Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism),)
        )
        self._dummy = self._hash.hash("not a password of anybody")

    def hash(self, password: str) -> str:
        """A salted argon2id hash of ``password``."""
        return self._hash.hash(password)

    def verify(self, password: str, digest: str | None) -> bool:
        """True when ``password`` matches ``digest``; None costs the same time as a real check."""
        if digest is None:
            self._hash.verify(password, self._dummy)
            return False
        try:
            return self._hash.verify(password, digest)
        except Exception:  # a malformed stored hash never signs anybody in
            return False
