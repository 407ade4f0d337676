"""Signed credentials: bearer tokens for the API, session cookies with a CSRF token for pages.

A credential carries the user's token version (``ver``); the routes compare it with the
user's current one, so that signing out, a password change or disabling the user revokes every
credential issued before.

>>> from datetime import UTC, datetime
>>> now = datetime(2026, 1, 5, 8, tzinfo=UTC)
>>> token = create_token("k" * 32, user_id=7, username="rn", kind="access", minutes=5, now=now)
>>> read_token("k" * 32, token, kind="access", now=now).user_id
7
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from anakinra_iv.web.schemas._base import MAX_RECORD_ID
from anakinra_iv.workflow.auth import AuthenticationFailed

__all__ = ["SESSION_COOKIE", "TokenClaims", "create_token", "is_valid_csrf", "read_token"]

SESSION_COOKIE = "anakinra_session"
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    user_id: int
    username: str
    csrf: str
    version: int = 0


def create_token(
    secret: str,
    *,
    user_id: int,
    username: str,
    kind: str,
    minutes: int,
    now: datetime,
    version: int = 0,
) -> str:
    """A signed token of ``kind`` (``access`` or ``session``) valid for ``minutes``."""
    claims = {
        "sub": str(user_id),
        "ver": version,
        "name": username,
        "typ": kind,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "csrf": secrets.token_urlsafe(16) if kind == "session" else "",
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_token(secret: str, token: str, *, kind: str, now: datetime) -> TokenClaims:
    """Check signature, kind and expiry; raise AuthenticationFailed otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"verify_exp": False, "require": ["sub", "exp", "typ"]},
        )
    except jwt.PyJWTError as error:
        raise AuthenticationFailed(
            f"the credential is not valid ({error})", field="Authorization"
        ) from error
    if claims.get("typ") != kind:
        raise AuthenticationFailed(f"the credential is not a {kind} token", field="Authorization")
    subject, version, expiry = claims["sub"], claims.get("ver"), claims["exp"]
    if not (
        isinstance(subject, str)
        and subject.isascii()
        and subject.isdigit()
        and len(subject) <= 10
        and 1 <= int(subject) <= MAX_RECORD_ID
    ):
        raise AuthenticationFailed("the credential names no user", field="Authorization")
    if not isinstance(version, int) or not isinstance(expiry, int | float):
        raise AuthenticationFailed("the credential is malformed", field="Authorization")
    if int(expiry) <= int(now.timestamp()):
        raise AuthenticationFailed(
            "the credential has expired; sign in again", field="Authorization"
        )
    return TokenClaims(
        int(subject), str(claims.get("name", "")), str(claims.get("csrf", "")), version
    )


def is_valid_csrf(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the session's CSRF token with the one a form sent."""
    if not expected or not given:
        return False
    return hmac.compare_digest(
        hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest()
    )
