"""The audited state of a clinical row: one SHA-256 over its columns, normalised by type.

Every commit that writes a row of a :data:`TRACKED_TABLES` table stores the digest of the row as
it was committed in the audit event of that commit (the event's MAC covers it). ``audit
verify`` recomputes the digest of every row now in the tables and compares it with the last
one the chain recorded, so a row changed, added or removed behind the application is named.

Columns that change without a clinical meaning (a user's failed sign-in counter) are left out
(:data:`UNAUDITED_COLUMNS`). Values are normalised by column type, so the digest of a row in
memory before the commit equals the digest of the row read back from either database.

>>> from anakinra_iv.records.tables import Base
>>> table = Base.metadata.tables["patients"]
>>> a = calculate_row_digest(table, {"id": 1, "height_cm": 170, "name": "A"})
>>> a == calculate_row_digest(table, {"id": 1, "height_cm": 170.0, "name": "A"})
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Float, Integer, Table, select
from sqlalchemy.orm import Session
from sqlalchemy.orm import attributes as orm_attributes

from anakinra_iv.records.tables import Base
from anakinra_iv.records.types import UTCDateTime

__all__ = [
    "TRACKED_TABLES",
    "UNAUDITED_COLUMNS",
    "calculate_row_digest",
    "get_row_key",
    "has_audited_change",
    "is_tracked",
    "iterate_row_digests",
    "read_object_digest",
]

TRACKED_TABLES: tuple[str, ...] = (
    "users",
    "protocol_approvals",
    "patients",
    "observations",
    "toxicity_assessments",
    "orders",
    "verifications",
    "bags",
    "administration_segments",
    "recommendations",
    "loading_doses",
    "bag_checks",
    "alerts",
    "administration_scans",
)
"""The tables whose rows the audit chain binds: every table carrying a clinical fact or a
safety control (a loading dose given, a blind check attempt, a lock-out alert and its
resolution)."""

UNAUDITED_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"failed_logins", "locked_until"}),
}
"""Columns left out of a row's digest: counters that change on every failed sign-in."""


def is_tracked(table_name: str) -> bool:
    """True when rows of ``table_name`` are bound by the chain."""
    return table_name in TRACKED_TABLES


def _normalise(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, UTCDateTime | DateTime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(column_type, Date):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(column_type, Boolean):
        return bool(value)
    if isinstance(column_type, Float):
        return float(value)
    if isinstance(column_type, Integer):
        return int(value)
    if isinstance(column_type, JSON):
        return json.loads(json.dumps(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def calculate_row_digest(table: Table, values: Mapping[Any, Any]) -> str:
    """SHA-256 (hex) of the row's audited columns, normalised by column type."""
    skipped = UNAUDITED_COLUMNS.get(table.name, frozenset())
    state = {
        column.name: _normalise(column.type, values.get(column.name))
        for column in table.columns
        if column.name not in skipped
    }
    text = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def get_row_key(table_name: str, primary_key: Any) -> str:
    """The key of a row in an event's row states: ``orders:12``."""
    return f"{table_name}:{primary_key}"


def _table_of(instance: Any) -> Table | None:
    table = getattr(type(instance), "__table__", None)
    return table if isinstance(table, Table) and is_tracked(table.name) else None


def has_audited_change(instance: Any) -> bool:
    """True when a tracked ORM object is new or changed in an audited column (call it before
    the flush resets the attribute history)."""
    table = _table_of(instance)
    if table is None:
        return False
    state = orm_attributes.instance_state(instance)
    if state.key is None or not state.has_identity:
        return True
    skipped = UNAUDITED_COLUMNS.get(table.name, frozenset())
    return any(
        state.attrs[column.key].history.has_changes()
        for column in table.columns
        if column.name not in skipped and column.key in state.attrs
    )


def read_object_digest(instance: Any) -> tuple[str, str] | None:
    """(row key, digest) of a flushed tracked ORM object, or None for another object."""
    table = _table_of(instance)
    if table is None:
        return None
    values = {column.name: getattr(instance, column.key) for column in table.columns}
    primary = ",".join(str(values[c.name]) for c in table.primary_key.columns)
    return get_row_key(table.name, primary), calculate_row_digest(table, values)


def iterate_row_digests(bind: Session | Connection) -> Iterator[tuple[str, str]]:
    """(row key, digest) of every row now in the tracked tables."""
    for name in TRACKED_TABLES:
        table = Base.metadata.tables[name]
        query = select(table).order_by(*table.primary_key.columns)
        for row in bind.execute(query.execution_options(yield_per=1000)):
            values = row._mapping
            primary = ",".join(str(values[c.name]) for c in table.primary_key.columns)
            yield get_row_key(name, primary), calculate_row_digest(table, values)
