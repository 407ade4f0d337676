"""Configuration that refuses to be unsafe (issue 15 §6): strong keys outside dev, the audit
key outside the database and owner-only, checkpoints required in production."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from anakinra_iv.bootstrap import load_audit_keys
from anakinra_iv.cli.main import app
from anakinra_iv.config import MIN_SECRET_LENGTH, Settings, is_strong_secret
from anakinra_iv.errors import InvalidInput
from tests.workflow_support.fixtures import TEST_AUDIT_KEY, TEST_SECRET_KEY


def _production(**values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "production",
        "secret_key": TEST_SECRET_KEY,
        "audit_key": TEST_AUDIT_KEY,
        "audit_checkpoint_file": "/var/lib/anakinra/checkpoints",
    }
    return Settings(**(base | values))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"secret_key": "abcde"}, "ANAKINRA_SECRET_KEY"),
        ({"secret_key": "change-me"}, "ANAKINRA_SECRET_KEY"),
        ({"secret_key": "ab" * 20}, "ANAKINRA_SECRET_KEY"),
        ({"audit_key": None}, "ANAKINRA_AUDIT_KEY"),
        ({"audit_key": "short-audit-key"}, "ANAKINRA_AUDIT_KEY"),
        ({"audit_checkpoint_file": None}, "ANAKINRA_AUDIT_CHECKPOINT_FILE"),
    ],
    ids=[
        "5-characters",
        "placeholder",
        "repeated-pattern",
        "no-audit-key",
        "weak-audit-key",
        "no-checkpoints",
    ],
)
def test_unsafe_production_settings_are_refused(values: dict[str, object], named: str) -> None:
    """Each unsafe setting stops the start, naming its environment variable."""
    with pytest.raises(ValidationError, match=named):
        _production(**values)
    assert _production().secure_cookies and not _production().docs_enabled


@given(st.text(max_size=MIN_SECRET_LENGTH - 1))
def test_no_key_shorter_than_32_characters_is_strong(key: str) -> None:
    """Property: under 32 characters a key is never accepted as strong."""
    assert not is_strong_secret(key)


def test_audit_key_file_must_be_owner_only_and_long(tmp_path: Path) -> None:
    """A key file the group may read, or one of 10 characters, is refused by name; an owner-only
    file of 43 characters gives the key."""
    path = tmp_path / "audit.key"
    path.write_text(TEST_AUDIT_KEY)
    path.chmod(0o640)
    with pytest.raises(InvalidInput, match="readable by others"):
        load_audit_keys(_production(audit_key=None, audit_key_file=path))
    path.chmod(0o600)
    assert load_audit_keys(_production(audit_key=None, audit_key_file=path)).secret == (
        TEST_AUDIT_KEY.encode()
    )
    path.write_text("0123456789")
    with pytest.raises(InvalidInput, match="at least 32"):
        load_audit_keys(_production(audit_key=None, audit_key_file=path))


def test_dev_keeps_its_audit_key_beside_the_sqlite_file(tmp_path: Path) -> None:
    """In dev without a key, a SQLite file database gets an owner-only key file beside it (the
    same key on every start) and checkpoints beside it; PostgreSQL needs a key set."""
    url = f"sqlite:///{tmp_path / 'ward.sqlite3'}"
    first = load_audit_keys(Settings(environment="dev", database_url=url))
    again = load_audit_keys(Settings(environment="dev", database_url=url))
    key_file = tmp_path / "ward.sqlite3.audit-key"
    assert first.secret == again.secret and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.checkpoint_file == tmp_path / "ward.sqlite3.audit-checkpoints"
    with pytest.raises(InvalidInput, match="ANAKINRA_AUDIT_KEY_FILE"):
        load_audit_keys(Settings(environment="dev", database_url="postgresql+psycopg://x@h/db"))


def test_serve_refuses_dev_and_weak_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """'anakinra serve' without --demo in dev, or with a 5-character key in production, exits 2
    naming the setting; nothing starts."""
    monkeypatch.setenv("ANAKINRA_DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite3'}")
    runner = CliRunner()
    dev = runner.invoke(app, ["serve", "--port", "1"])
    assert dev.exit_code == 2 and "ANAKINRA_ENVIRONMENT" in dev.stderr
    monkeypatch.setenv("ANAKINRA_ENVIRONMENT", "production")
    monkeypatch.setenv("ANAKINRA_SECRET_KEY", "abcde")
    weak = runner.invoke(app, ["serve", "--port", "1"])
    assert weak.exit_code == 2 and "ANAKINRA_SECRET_KEY" in weak.stderr
