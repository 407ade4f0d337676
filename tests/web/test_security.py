"""Tokens: signature, kind and expiry are all checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anakinra_iv.web.security import create_token, is_valid_csrf, read_token
from anakinra_iv.workflow.auth import AuthenticationFailed

KEY = "k" * 40
NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)


def _token(kind: str = "access", minutes: int = 5) -> str:
    return create_token(KEY, user_id=3, username="rn", kind=kind, minutes=minutes, now=NOW)


def test_expired_token_is_refused() -> None:
    """A 5-minute token read 5 minutes later is expired."""
    with pytest.raises(AuthenticationFailed, match="expired"):
        read_token(KEY, _token(), kind="access", now=NOW + timedelta(minutes=5))


def test_other_key_and_other_kind_are_refused() -> None:
    """A token signed with another key, or a session token used as a bearer, is refused."""
    with pytest.raises(AuthenticationFailed):
        read_token("x" * 40, _token(), kind="access", now=NOW)
    with pytest.raises(AuthenticationFailed, match="access"):
        read_token(KEY, _token("session"), kind="access", now=NOW)


def test_session_token_carries_a_csrf_secret() -> None:
    """The session's CSRF value matches itself only."""
    claims = read_token(KEY, _token("session"), kind="session", now=NOW)
    assert is_valid_csrf(claims.csrf, claims.csrf)
    assert not is_valid_csrf(claims.csrf, claims.csrf + "x")
    assert not is_valid_csrf(claims.csrf, None)
