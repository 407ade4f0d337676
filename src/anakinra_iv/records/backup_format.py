"""The backup file: one JSON document, every row, table and the whole file under an HMAC.

::

    {"format": "anakinra-iv-backup/2", "schema_revision": "0003", "created_at": "...",
     "tables": {"users": [{...}, ...], ...},
     "signature": {"rows": {"users": ["<mac of row 1>", ...]}, "tables": {"users": "<mac>"},
                   "file": "<mac>"}}

A row's MAC covers its table, position and values; a table's MAC covers its row count and row
MACs; the file's MAC covers the header and every table's MAC. All are HMAC-SHA256 under the
backup key derived from the audit secret, so nobody without the key can change a rate, a role or
a password hash in a backup and have it restored. :func:`read_backup_file` checks the parts in
order and names the first one that fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.tables import Base

__all__ = [
    "BACKUP_FORMAT",
    "EXCLUDED_TABLES",
    "BackupContent",
    "list_backup_tables",
    "read_backup_file",
    "sign_backup",
]

BACKUP_FORMAT = "anakinra-iv-backup/2"
EXCLUDED_TABLES = frozenset({"login_throttles", "idempotency_keys"})
"""Tables a backup leaves out: sign-in counters and stored responses, which a restore resets."""

_HEADER_KEYS = ("format", "schema_revision", "created_at")


def list_backup_tables() -> list[str]:
    """The tables a backup holds, parents before children."""
    return [t.name for t in Base.metadata.sorted_tables if t.name not in EXCLUDED_TABLES]


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _row_mac(keys: AuditKeys, table: str, index: int, row: Any) -> str:
    return keys.sign(keys.backup_key, _canonical({"table": table, "index": index, "row": row}))


def _table_mac(keys: AuditKeys, table: str, row_macs: list[str]) -> str:
    payload = {"table": table, "rows": len(row_macs), "row_macs": row_macs}
    return keys.sign(keys.backup_key, _canonical(payload))


def _file_mac(keys: AuditKeys, header: dict[str, Any], table_macs: dict[str, str]) -> str:
    return keys.sign(keys.backup_key, _canonical({"header": header, "tables": table_macs}))


def sign_backup(
    keys: AuditKeys, header: dict[str, Any], tables: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """The ``signature`` part of a backup of ``tables`` with ``header``."""
    rows = {
        name: [_row_mac(keys, name, i, r) for i, r in enumerate(t)] for name, t in tables.items()
    }
    table_macs = {name: _table_mac(keys, name, macs) for name, macs in rows.items()}
    return {"rows": rows, "tables": table_macs, "file": _file_mac(keys, header, table_macs)}


@dataclass(frozen=True)
class BackupContent:
    """A backup whose every part verified: its header and rows per table."""

    header: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(f"'FILE' {message}; nothing was restored", field="FILE")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (a repeated key would hide a value)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} appears twice in one object")
        found[key] = value
    return found


def _parse(path: Path) -> dict[str, Any]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)
    except (OSError, UnicodeDecodeError) as error:
        raise _refuse(f"cannot be read ({error})") from error
    except RecursionError as error:
        raise _refuse("is not a backup (its JSON nests too deeply)") from error
    except ValueError as error:
        raise _refuse(f"is not JSON ({error})") from error
    if not isinstance(payload, dict):
        raise _refuse("is not a backup (not a JSON object)")
    found = payload.get("format")
    if found != BACKUP_FORMAT:
        raise _refuse(f"is not a {BACKUP_FORMAT} file (format {found!r})")
    tables, signature = payload.get("tables"), payload.get("signature")
    if not isinstance(tables, dict) or not all(
        isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
        for rows in tables.values()
    ):
        raise _refuse("is malformed: 'tables' must map each table to a list of rows")
    if not isinstance(signature, dict) or not all(
        isinstance(signature.get(k), dict) for k in ("rows", "tables")
    ):
        raise _refuse("has no signature: an unsigned backup cannot be checked")
    return payload


def _verify_table(keys: AuditKeys, name: str, rows: list[Any], signature: dict[str, Any]) -> None:
    row_macs = signature["rows"].get(name)
    if not isinstance(row_macs, list) or not all(isinstance(m, str) for m in row_macs):
        raise _refuse(f"table '{name}' has no row signatures: it was added to the backup")
    for index, row in enumerate(rows):
        if index >= len(row_macs) or not keys.is_valid(
            keys.backup_key,
            _canonical({"table": name, "index": index, "row": row}),
            row_macs[index],
        ):
            keys_of = [c.name for c in Base.metadata.tables[name].primary_key.columns]
            label = (
                ", ".join(f"{k} {row.get(k)}" for k in keys_of)
                if name in Base.metadata.tables
                else "?"
            )
            raise _refuse(
                f"table '{name}' row {index + 1} ({label}) does not match its signature: it was "
                "changed after the backup was written (or made with another audit key)"
            )
    table_mac = signature["tables"].get(name)
    if (
        not isinstance(table_mac, str)
        or not keys.is_valid(
            keys.backup_key,
            _canonical({"table": name, "rows": len(row_macs), "row_macs": row_macs}),
            table_mac,
        )
        or len(row_macs) != len(rows)
    ):
        raise _refuse(f"table '{name}' does not match its signature: rows were added or removed")


def _check_columns(tables: dict[str, list[dict[str, Any]]]) -> None:
    known = set(list_backup_tables())
    for name, rows in tables.items():
        if name not in known:
            raise _refuse(f"has a table this version does not know: '{name}'")
        columns = set(Base.metadata.tables[name].columns.keys())
        for index, row in enumerate(rows):
            unknown = sorted(set(row) - columns)
            missing = sorted(columns - set(row))
            if unknown or missing:
                what = f"unknown column '{unknown[0]}'" if unknown else f"no column '{missing[0]}'"
                raise _refuse(
                    f"table '{name}' row {index + 1} has {what}: the backup does not fit this "
                    "schema"
                )


def read_backup_file(path: Path, keys: AuditKeys) -> BackupContent:
    """Read and verify a backup; raise InvalidInput naming the first part that fails.

    Parts are checked in order: the JSON and its shape, each table's rows one by one, each
    table's row count, the header and the list of tables, then every column against the schema.
    """
    payload = _parse(path)
    tables: dict[str, list[dict[str, Any]]] = payload["tables"]
    signature: dict[str, Any] = payload["signature"]
    order = [n for n in list_backup_tables() if n in tables] + sorted(
        n for n in tables if n not in list_backup_tables()
    )
    for name in order:
        _verify_table(keys, name, tables[name], signature)
    header = {key: payload.get(key) for key in _HEADER_KEYS}
    file_mac = signature.get("file")
    table_macs = signature["tables"]
    if (
        not isinstance(file_mac, str)
        or set(table_macs) != set(tables)
        or not keys.is_valid(
            keys.backup_key, _canonical({"header": header, "tables": table_macs}), file_mac
        )
    ):
        raise _refuse(
            "does not match its signature: its header (format, schema revision, time) or its "
            "list of tables was changed, or it was signed with another audit key"
        )
    _check_columns(tables)
    return BackupContent(header, tables)
