"""Backups that cannot smuggle in changes, restore refusals that name the part (issues 13 §3
and 15 §7)."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from anakinra_iv.bootstrap import Services
from anakinra_iv.cli.main import app
from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.backup import restore_backup, verify_backup_file, write_backup
from anakinra_iv.records.backup_format import sign_backup
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.tables import Base, Order
from tests.security.server import postgres_url_in_schema
from tests.workflow_support.databases import ENGINES, empty_engine, postgres_schema_engine
from tests.workflow_support.fixtures import TEST_AUDIT_KEY, Ward, start_running

KEYS = AuditKeys(TEST_AUDIT_KEY.encode())


@pytest.fixture
def target(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A second, empty database of the same kind as the ward's."""
    folder = tmp_path / "target"
    folder.mkdir()
    with empty_engine(engine.dialect.name, folder) as second:
        Base.metadata.create_all(second)
        yield second


def _backup(ward: Ward, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    start_running(ward)
    path = tmp_path / "ward-backup.json"
    write_backup(ward.services.engine, path, ward.services.audit_keys, now=ward.clock())
    return path, json.loads(path.read_text())


def _count_orders(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Order)).scalar_one())


def test_backup_is_owner_only_and_restores(ward: Ward, tmp_path: Path, target: Engine) -> None:
    """The file is -rw------- (it holds password hashes) and restores with its chain, rows and
    row states verified."""
    path, _ = _backup(ward, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    counts = restore_backup(target, path, ward.services.audit_keys)
    assert counts["orders"] == 1 and _count_orders(target) == 1


def _tamper(path: Path, payload: dict[str, Any], table: str, row_id: int, **values: Any) -> None:
    row = next(r for r in payload["tables"][table] if r["id"] == row_id)
    row.update(values)
    path.write_text(json.dumps(payload))


@pytest.mark.parametrize(
    ("table", "who", "change"),
    [
        ("orders", None, {"rate_mg_per_h": 500.0}),
        ("users", "viewer", {"roles": "admin"}),
        ("users", "admin", {"password_hash": "$argon2id$v=19$m=8,t=1,p=1$forged"}),
    ],
    ids=["rate-x10", "viewer-made-admin", "admin-password-replaced"],
)
def test_tampered_backup_is_refused_naming_the_row(
    ward: Ward,
    tmp_path: Path,
    target: Engine,
    table: str,
    who: str | None,
    change: dict[str, Any],
) -> None:
    """An order's rate x 10, a viewer made admin, an admin's password hash replaced: each
    restore is refused naming the table and row, and nothing is written."""
    path, payload = _backup(ward, tmp_path)
    row_id = 1 if who is None else ward.users[who]
    _tamper(path, payload, table, row_id, **change)
    with pytest.raises(InvalidInput) as refused:
        restore_backup(target, path, ward.services.audit_keys)
    position = [r["id"] for r in payload["tables"][table]].index(row_id) + 1
    assert f"table '{table}' row {position} (id {row_id}) does not match its signature" in (
        refused.value.message
    )
    assert _count_orders(target) == 0


def test_removed_rows_and_changed_header_are_named(ward: Ward, tmp_path: Path) -> None:
    """A removed row fails its table's signature; a changed schema revision fails the file's."""
    path, payload = _backup(ward, tmp_path)
    original = path.read_text()
    payload["tables"]["observations"].pop()
    path.write_text(json.dumps(payload))
    with pytest.raises(InvalidInput, match="table 'observations' does not match its signature"):
        verify_backup_file(path, KEYS)
    payload = json.loads(original)
    payload["schema_revision"] = "9999"
    path.write_text(json.dumps(payload))
    with pytest.raises(InvalidInput, match="its header"):
        verify_backup_file(path, KEYS)


def test_unknown_column_is_refused_cleanly_even_when_signed(ward: Ward, tmp_path: Path) -> None:
    """A backup with a column this schema lacks is refused with a message naming table, row and
    column, whether the column was slipped in (signature) or the file is properly signed (as a
    newer version would write it)."""
    path, payload = _backup(ward, tmp_path)
    payload["tables"]["orders"][0]["bypass_checks"] = True
    path.write_text(json.dumps(payload))
    with pytest.raises(InvalidInput, match="table 'orders' row 1"):
        verify_backup_file(path, KEYS)
    header = {k: payload[k] for k in ("format", "schema_revision", "created_at")}
    payload["signature"] = sign_backup(KEYS, header, payload["tables"])
    path.write_text(json.dumps(payload))
    with pytest.raises(InvalidInput, match="row 1 has unknown column 'bypass_checks'"):
        verify_backup_file(path, KEYS)


def test_backup_with_another_key_is_refused(ward: Ward, tmp_path: Path) -> None:
    """A backup is only as good as its key: signed by another site's key, it is refused."""
    path, _ = _backup(ward, tmp_path)
    with pytest.raises(InvalidInput, match="does not match its signature"):
        verify_backup_file(path, AuditKeys(b"another-site-key-" * 3))


MALFORMED: dict[str, bytes] = {
    "empty": b"",
    "not-json": b"{not json",
    "list": b"[]",
    "old-unsigned-format": json.dumps({"format": "anakinra-iv-backup/1", "tables": {}}).encode(),
    "tables-not-a-mapping": json.dumps(
        {"format": "anakinra-iv-backup/2", "tables": [], "signature": {}}
    ).encode(),
    "rows-not-objects": json.dumps(
        {"format": "anakinra-iv-backup/2", "tables": {"users": [1]}, "signature": {}}
    ).encode(),
    "no-signature": json.dumps({"format": "anakinra-iv-backup/2", "tables": {}}).encode(),
    "binary": bytes(range(256)),
    # deeper than the JSON reader's recursion limit
    "nested-too-deeply": b'{"format": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "duplicate-key": b'{"format": "anakinra-iv-backup/2", "format": "x", "tables": {}}',
}


@pytest.fixture(params=ENGINES)
def cli_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh SQLite file or PostgreSQL schema, and the test audit key in an owner-only file."""
    key = tmp_path / "audit.key"
    key.write_text(TEST_AUDIT_KEY)
    key.chmod(0o600)
    monkeypatch.setenv("ANAKINRA_AUDIT_KEY_FILE", str(key))
    if request.param == "sqlite":
        monkeypatch.setenv("ANAKINRA_DATABASE_URL", f"sqlite:///{tmp_path / 'restore.sqlite3'}")
        yield tmp_path
        return
    with postgres_schema_engine() as engine:
        with engine.connect() as connection:
            schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
        monkeypatch.setenv("ANAKINRA_DATABASE_URL", postgres_url_in_schema(schema))
        yield tmp_path


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_restore_input_exits_2_with_a_message(cli_env: Path, name: str) -> None:
    """Each malformed file: exit status 2, one 'error:' line naming FILE, no traceback."""
    bad = cli_env / f"{name}.json"
    bad.write_bytes(MALFORMED[name])
    result = CliRunner().invoke(app, ["restore", str(bad)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: 'FILE'") and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_restore_of_a_missing_file_or_a_folder_exits_2(cli_env: Path) -> None:
    """A path that is no file is named the same way."""
    for path in (cli_env / "absent.json", cli_env):
        result = CliRunner().invoke(app, ["restore", str(path)])
        assert result.exit_code == 2 and "'FILE'" in result.stderr


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=12,
        ).map(
            lambda v: json.dumps(
                {"format": "anakinra-iv-backup/2", "tables": v, "signature": v}
            ).encode()
        ),
    )
)
def test_any_bytes_are_refused_as_invalid_input_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    """Property: whatever a file holds, reading it as a backup either succeeds or raises
    InvalidInput naming FILE (the class of 'traceback on malformed input')."""
    path = tmp_path_factory.mktemp("fuzz") / "backup.json"
    path.write_bytes(data)
    with pytest.raises(InvalidInput) as refused:
        verify_backup_file(path, KEYS)
    assert refused.value.field == "FILE"


def test_services_key_signs_the_backup(services: Services) -> None:
    """The services of a test carry the test audit key (backups of two runs interoperate)."""
    assert services.audit_keys.secret == TEST_AUDIT_KEY.encode()
