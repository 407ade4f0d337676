"""Command line of the workflow: db upgrade, users add, audit verify, backup and restore."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.workflow_support.fixtures import TEST_AUDIT_KEY
from typer.testing import CliRunner

from anakinra_iv.cli.main import app

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ANAKINRA_DATABASE_URL pointing at a fresh SQLite file, an owner-only audit key file
    shared by every database of the test, cheap argon2 costs."""
    key_file = tmp_path / "audit.key"
    key_file.write_text(TEST_AUDIT_KEY)
    key_file.chmod(0o600)
    monkeypatch.setenv("ANAKINRA_AUDIT_KEY_FILE", str(key_file))
    monkeypatch.setenv("ANAKINRA_DATABASE_URL", f"sqlite:///{tmp_path / 'ward.sqlite3'}")
    monkeypatch.setenv("ANAKINRA_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ANAKINRA_ARGON2_MEMORY_COST_KIB", "8")
    monkeypatch.setenv("ANAKINRA_ARGON2_PARALLELISM", "1")
    return tmp_path


def test_users_add_needs_a_migrated_database(db_env: Path) -> None:
    """Before 'db upgrade' the command exits 2 naming ANAKINRA_DATABASE_URL, stdout empty."""
    result = runner.invoke(
        app,
        ["users", "add", "bob", "--role", "nurse", "--password-stdin"],
        input="long-enough-pw\n",
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert "ANAKINRA_DATABASE_URL" in result.stderr


def test_upgrade_add_user_verify_backup_restore(
    db_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user added after the upgrade is audited (1 event); the backup restores into a second
    empty database whose chain verifies; restoring again into it is refused."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(
        app,
        ["users", "add", "bob", "--role", "nurse", "--role", "viewer", "--password-stdin"],
        input="long-enough-pw\n",
    )
    assert added.exit_code == 0 and "nurse, viewer" in added.stdout
    verified = runner.invoke(app, ["audit", "verify", "--format", "json"])
    assert verified.exit_code == 0 and '"events": 1' in verified.stdout
    backup = db_env / "backup.json"
    assert runner.invoke(app, ["backup", str(backup)]).exit_code == 0
    monkeypatch.setenv("ANAKINRA_DATABASE_URL", f"sqlite:///{db_env / 'second.sqlite3'}")
    restored = runner.invoke(app, ["restore", str(backup)])
    assert restored.exit_code == 0, restored.stderr
    assert runner.invoke(app, ["audit", "verify"]).stdout.startswith("audit chain intact: 1")
    again = runner.invoke(app, ["restore", str(backup)])
    assert again.exit_code == 2 and "not empty" in again.stderr


def test_bad_role_and_short_password_exit_2(db_env: Path) -> None:
    """An unknown role and a 3-character password are both refused with status 2."""
    runner.invoke(app, ["db", "upgrade"])
    bad_role = runner.invoke(
        app,
        ["users", "add", "x", "--role", "surgeon", "--password-stdin"],
        input="long-enough-pw\n",
    )
    short = runner.invoke(
        app, ["users", "add", "x", "--role", "nurse", "--password-stdin"], input="abc\n"
    )
    assert bad_role.exit_code == 2 and "'role'" in bad_role.stderr
    assert short.exit_code == 2 and "'password'" in short.stderr


def test_tampered_database_fails_audit_verify(db_env: Path) -> None:
    """Editing an audit row behind the triggers makes 'audit verify' exit 1."""
    import sqlite3

    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(
        app,
        ["users", "add", "bob", "--role", "nurse", "--password-stdin"],
        input="long-enough-pw\n",
    )
    connection = sqlite3.connect(db_env / "ward.sqlite3")
    connection.execute("DROP TRIGGER audit_events_no_update")
    connection.execute("UPDATE audit_events SET actor = 'mallory'")
    connection.commit()
    connection.close()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "content does not match its hash" in result.stderr


def test_rows_written_behind_the_application_are_named_until_sealed(db_env: Path) -> None:
    """A user inserted with SQL (as in a database from before row states) makes 'audit verify'
    exit 1 naming the row; 'audit seal --reason' records it and verify passes; 'users unlock'
    lifts lock-outs and is audited."""
    import sqlite3

    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(
        app, ["users", "add", "bob", "--role", "nurse", "--password-stdin"], input="long-pw-12\n"
    )
    connection = sqlite3.connect(db_env / "ward.sqlite3")
    connection.execute(
        "INSERT INTO users (id, username, full_name, roles, password_hash, active, "
        "failed_logins, created_at, token_version) VALUES "
        "(9, 'eve', '', 'admin', 'x', 1, 0, '2026-01-05 08:00:00.000000', 0)"
    )
    connection.commit()
    connection.close()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and "table 'users' row 9 has no audited state" in broken.stderr
    assert runner.invoke(app, ["audit", "seal", "--reason", " "]).exit_code == 2
    sealed = runner.invoke(app, ["audit", "seal", "--reason", "rows checked by the DBA"])
    assert sealed.exit_code == 0 and "2 rows recorded" in sealed.stdout
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    unlocked = runner.invoke(app, ["users", "unlock", "bob"])
    assert unlocked.exit_code == 0 and "unlocked" in unlocked.stdout
    assert runner.invoke(app, ["users", "unlock", "nobody"]).exit_code == 2
