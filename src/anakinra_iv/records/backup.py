"""Backup to one signed JSON file and restore into an empty database.

A backup reads every table in one snapshot: on PostgreSQL a ``REPEATABLE READ READ ONLY
DEFERRABLE`` transaction (it waits for a moment without conflicting writers, then never blocks
nor is cancelled), on SQLite a transaction holding the write lock. The file is written beside
its target with mode 600, synced and renamed into place, then read back and restored into a
scratch in-memory database (foreign keys on): its signature, row counts, foreign keys, audit
chain and row states must all check before the backup is reported written. For a large site the
operator's route is ``pg_dump`` (see the README); this backup is the application's own, portable
between the two databases.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Engine, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.audit_verify import verify_audit
from anakinra_iv.records.backup_format import (
    BACKUP_FORMAT,
    BackupContent,
    list_backup_tables,
    read_backup_file,
    sign_backup,
)
from anakinra_iv.records.checkpoints import write_checkpoint
from anakinra_iv.records.database import create_database_engine
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.migrate import get_current_revision
from anakinra_iv.records.tables import AuditHead, Base
from anakinra_iv.records.types import UTCDateTime

__all__ = ["BACKUP_FORMAT", "restore_backup", "verify_backup_file", "write_backup"]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _read_tables(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in list_backup_tables():
        table = Base.metadata.tables[name]
        rows = connection.execute(select(table).order_by(*table.primary_key.columns))
        tables[name] = [{k: _encode(v) for k, v in row._mapping.items()} for row in rows]
    return tables


def _snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every table, read in one snapshot."""
    if engine.dialect.name == "postgresql":
        options = {
            "isolation_level": "REPEATABLE READ",
            "postgresql_readonly": True,
            "postgresql_deferrable": True,
        }
        with engine.connect().execution_options(**options) as connection, connection.begin():
            return _read_tables(connection)
    with engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE holds the write lock
        return _read_tables(connection)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only, atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def write_backup(engine: Engine, path: Path, keys: AuditKeys, *, now: datetime) -> dict[str, int]:
    """Write every table to ``path`` (signed JSON, mode 600), verify the file, return rows per
    table.

    Raises
    ------
    InvalidInput
        The written file does not restore cleanly (it is removed then).
    """
    tables = _snapshot(engine)
    header = {
        "format": BACKUP_FORMAT,
        "schema_revision": get_current_revision(engine),
        "created_at": now.astimezone(UTC).isoformat(),
    }
    payload = {**header, "tables": tables, "signature": sign_backup(keys, header, tables)}
    _write_private(path, json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8"))
    counts = {name: len(rows) for name, rows in tables.items()}
    try:
        checked = verify_backup_file(path, keys)
    except InvalidInput:
        path.unlink(missing_ok=True)
        raise
    if checked != counts:
        path.unlink(missing_ok=True)
        raise InvalidInput(f"'FILE' {path} did not read back as written", field="FILE")
    return counts


def _decode(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    table = Base.metadata.tables[table_name]
    decoded: dict[str, Any] = {}
    for key, value in row.items():
        column_type = table.columns[key].type
        if value is not None and isinstance(column_type, UTCDateTime | DateTime):
            decoded[key] = datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Date):
            decoded[key] = date.fromisoformat(value)
        else:
            decoded[key] = value
    return decoded


def _require_empty(connection: Connection) -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == AuditHead.__tablename__:
            continue
        found = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if found:
            raise InvalidInput(
                f"the database is not empty (table '{table.name}' has {found} rows); "
                "restore only into an empty database",
                field="ANAKINRA_DATABASE_URL",
            )


def _load(connection: Connection, content: BackupContent) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in list_backup_tables():
        table = Base.metadata.tables[name]
        rows = [_decode(name, r) for r in content.tables.get(name, [])]
        counts[name] = len(rows)
        if name == AuditHead.__tablename__:
            for row in rows:
                connection.execute(update(table).where(table.c.id == row["id"]).values(**row))
        elif rows:
            connection.execute(insert(table), rows)
    if connection.dialect.name == "postgresql":
        for table in Base.metadata.sorted_tables:
            if "id" in table.columns and table.columns["id"].autoincrement is not False:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    return counts


def _check_loaded(connection: Connection, keys: AuditKeys, counts: dict[str, int]) -> None:
    for name, expected in counts.items():
        table = Base.metadata.tables[name]
        found = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if found != expected and name != AuditHead.__tablename__:
            raise InvalidInput(
                f"'FILE' table '{name}' restored {found} rows of {expected}", field="FILE"
            )
    with Session(bind=connection) as session:
        report = verify_audit(session, AuditKeys(keys.secret))
    if not report.ok:
        raise InvalidInput(
            "'FILE' the backup's audit chain does not verify: " + "; ".join(report.problems[:5]),
            field="FILE",
        )


def _restore_into(
    connection: Connection, content: BackupContent, keys: AuditKeys
) -> dict[str, int]:
    try:
        counts = _load(connection, content)
    except DBAPIError as error:
        raise InvalidInput(
            f"'FILE' does not restore: {str(error.orig).splitlines()[0]}", field="FILE"
        ) from error
    _check_loaded(connection, keys, counts)
    return counts


def verify_backup_file(path: Path, keys: AuditKeys) -> dict[str, int]:
    """Check a backup by restoring it into a scratch in-memory database; return its row counts.

    Raises
    ------
    InvalidInput
        The first part of the file that fails: its signature, a foreign key, a row count, the
        audit chain or a row's audited state.
    """
    content = read_backup_file(path, keys)
    scratch = create_database_engine("sqlite://")
    try:
        Base.metadata.create_all(scratch)
        with scratch.begin() as connection:
            return _restore_into(connection, content, keys)
    finally:
        scratch.dispose()


def restore_backup(engine: Engine, path: Path, keys: AuditKeys) -> dict[str, int]:
    """Load a verified backup into an empty, migrated database at the same schema revision.

    Raises
    ------
    InvalidInput
        Not a backup file, a part whose signature fails (named), another schema revision, a
        database that is not empty, or a backup whose audit chain does not verify (nothing is
        written then).
    """
    content = read_backup_file(path, keys)
    revision = get_current_revision(engine)
    if content.header["schema_revision"] != revision:
        raise InvalidInput(
            f"'FILE' is at schema revision {content.header['schema_revision']} but the database "
            f"is at {revision}; restore with the version that wrote the backup",
            field="FILE",
        )
    with engine.begin() as connection:
        _require_empty(connection)
        counts = _restore_into(connection, content, keys)
    # The restored chain verified against the signed backup: its head is the first checkpoint
    # of this database, so removal of restored events from the end is caught from now on.
    with engine.connect() as connection:
        head = connection.execute(text("SELECT last_seq, last_hash FROM audit_head")).first()
    if head is not None and head[0]:
        write_checkpoint(keys, int(head[0]), str(head[1]), datetime.now(UTC))
    return counts
