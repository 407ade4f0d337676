"""A guessable secret or audit key is refused outside dev, however long: sequences, keyboard
rows, repeated alphabets and readable phrases (each 32+ characters) from the probe of the
hardened release; one secret for two jobs is refused too."""

from __future__ import annotations

import base64
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from anakinra_iv.bootstrap import load_audit_keys
from anakinra_iv.config import Settings, is_strong_secret
from anakinra_iv.errors import InvalidInput
from tests.workflow_support.fixtures import TEST_AUDIT_KEY, TEST_SECRET_KEY

GUESSABLE = [
    "0123456789abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiop",
    "abcdefghijklmnopqrstuvwxyzabcdefgh",
    "correcthorsebatterystaplecorrecthorse",
    "secret-key-for-production-use-only-2026",
]


def _production(**values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "production",
        "secret_key": TEST_SECRET_KEY,
        "audit_key": TEST_AUDIT_KEY,
        "audit_checkpoint_file": "/var/lib/anakinra/checkpoints",
    }
    return Settings(**(base | values))  # type: ignore[arg-type]


@pytest.mark.parametrize("key", GUESSABLE)
def test_a_guessable_secret_key_is_refused(key: str) -> None:
    """Before: each started the server (rc 0). Now: refused, naming the variable."""
    with pytest.raises(ValidationError, match="ANAKINRA_SECRET_KEY"):
        _production(secret_key=key)
    with pytest.raises(ValidationError, match="ANAKINRA_AUDIT_KEY"):
        _production(audit_key=key)


@pytest.mark.parametrize("key", GUESSABLE)
def test_a_guessable_audit_key_file_is_refused(key: str, tmp_path: Path) -> None:
    """An owner-only key file holding a guessable key is refused, naming the setting."""
    path = tmp_path / "audit.key"
    path.write_text(key)
    path.chmod(0o600)
    with pytest.raises(InvalidInput, match="ANAKINRA_AUDIT_KEY_FILE.*guessable"):
        load_audit_keys(_production(audit_key=None, audit_key_file=path))


def test_one_secret_for_two_jobs_is_refused() -> None:
    """The audit key equal to the secret key: refused."""
    with pytest.raises(ValidationError, match="must differ"):
        _production(audit_key=TEST_SECRET_KEY)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=24, max_value=48), st.integers(min_value=0, max_value=2**64))
def test_random_keys_of_the_documented_shape_are_accepted(size: int, seed: int) -> None:
    """Property: a key of ``secrets.token_urlsafe(n)``'s shape for n >= 24 random bytes (32+
    characters), or of ``token_hex(n)``'s, is strong (the bytes come from a generator seeded
    by the example, so that a failure replays)."""
    raw = Random(seed).randbytes(size)
    assert is_strong_secret(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
    assert is_strong_secret(raw.hex())
