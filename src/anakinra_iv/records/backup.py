"""Backup to one JSON file and restore into an empty database, checked by the audit chain."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Engine, func, insert, select, text, update
from sqlalchemy.orm import Session

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.audit import AuditLog
from anakinra_iv.records.migrate import get_current_revision
from anakinra_iv.records.tables import AuditHead, Base
from anakinra_iv.records.types import UTCDateTime

__all__ = ["BACKUP_FORMAT", "restore_backup", "write_backup"]

BACKUP_FORMAT = "anakinra-iv-backup/1"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_backup(engine: Engine, path: Path, *, now: datetime) -> dict[str, int]:
    """Write every table to ``path`` (JSON) in one consistent read; return rows per table."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [
                {key: _encode(value) for key, value in row._mapping.items()} for row in rows
            ]
    payload = {
        "format": BACKUP_FORMAT,
        "schema_revision": get_current_revision(engine),
        "created_at": now.astimezone(UTC).isoformat(),
        "tables": tables,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return {name: len(rows) for name, rows in tables.items()}


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


def restore_backup(engine: Engine, path: Path) -> dict[str, int]:
    """Load a backup into an empty, migrated database; refuse it if the audit chain breaks.

    Raises
    ------
    InvalidInput
        Not a backup file, a database that is not empty, or a backup whose audit chain does
        not verify (nothing is written then).
    """
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"'FILE' cannot be read as a backup: {error}", field="FILE") from error
    if not isinstance(payload, dict) or payload.get("format") != BACKUP_FORMAT:
        raise InvalidInput(f"'FILE' is not a {BACKUP_FORMAT} file", field="FILE")
    tables: dict[str, list[dict[str, Any]]] = payload["tables"]
    counts: dict[str, int] = {}
    with engine.begin() as connection:
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
        for table in Base.metadata.sorted_tables:
            rows = [_decode(table.name, r) for r in tables.get(table.name, [])]
            counts[table.name] = len(rows)
            if table.name == AuditHead.__tablename__:
                for row in rows:
                    connection.execute(update(table).where(table.c.id == row["id"]).values(**row))
            elif rows:
                connection.execute(insert(table), rows)
        if engine.dialect.name == "postgresql":
            for table in Base.metadata.sorted_tables:
                if "id" in table.columns and table.columns["id"].autoincrement is not False:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
        with Session(bind=connection) as session:
            report = AuditLog(session).verify_chain()
        if not report.ok:
            raise InvalidInput(
                "the backup's audit chain does not verify: " + "; ".join(report.problems[:5]),
                field="FILE",
            )
    return counts
