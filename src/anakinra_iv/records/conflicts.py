"""Database errors that mean "somebody else got there first", as ConflictError naming the object.

A unique or foreign-key constraint that fails, a PostgreSQL serialization failure (40001) or a
deadlock (40P01) is a race between two requests, not a fault of the server: the loser is told
which record it lost on and to reload. Errors that mean the database is unavailable (the pool
is exhausted, the server is down, SQLite's write lock is held too long) are told apart, so that
the web layer answers 503 with ``Retry-After`` rather than 500.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from anakinra_iv.errors import ConflictError

__all__ = ["TABLE_LABELS", "describe_database_conflict", "is_database_unavailable"]

TABLE_LABELS: dict[str, str] = {
    "users": "user",
    "protocol_approvals": "protocol approval",
    "patients": "patient",
    "observations": "observation",
    "toxicity_assessments": "toxicity assessment",
    "orders": "order",
    "verifications": "verification",
    "bags": "bag",
    "administration_segments": "administration",
    "recommendations": "recommendation",
    "audit_events": "audit event",
    "audit_head": "audit head",
    "login_throttles": "sign-in record",
    "idempotency_keys": "request with this Idempotency-Key",
}
"""How the records of each table are named in messages."""

_RACE_STATES = frozenset({"40001", "40P01"})
_SQLITE_COLUMNS = re.compile(r"constraint failed: ([\w.]+(?:, [\w.]+)*)")
_STATEMENT_TABLE = re.compile(r'(?:UPDATE|INSERT INTO|DELETE FROM|FROM)\s+"?(\w+)"?', re.I)


def _sqlstate(error: DBAPIError) -> str | None:
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def _params(error: DBAPIError) -> dict[str, Any]:
    params = error.params
    if isinstance(params, dict):
        return params
    if isinstance(params, list | tuple) and params and isinstance(params[0], dict):
        return dict(params[0])
    return {}


def _where(error: DBAPIError) -> tuple[str | None, list[str], str | None]:
    """(table, columns, constraint name) of a failed constraint, from either database."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None and getattr(diag, "table_name", None):
        constraint = getattr(diag, "constraint_name", None)
        columns = _columns_of(constraint or "")
        return str(diag.table_name), columns, constraint
    found = _SQLITE_COLUMNS.search(str(error.orig))
    if found:
        pairs = [part.split(".", 1) for part in found.group(1).split(", ")]
        table = pairs[0][0] if len(pairs[0]) == 2 else None
        return table, [p[-1] for p in pairs], None
    statement = _STATEMENT_TABLE.search(error.statement or "")
    return (statement.group(1) if statement else None), [], None


def _columns_of(constraint: str) -> list[str]:
    known = {
        "uq_orders_open_patient_id": ["open_patient_id"],
        "uq_administration_segments_order_id": ["order_id", "seq"],
    }
    return known.get(constraint, [])


def _identify(table: str | None, params: dict[str, Any]) -> str:
    label = TABLE_LABELS.get(table or "", "record")
    for key in ("id", f"{table}_id", "order_id", "patient_id", "bag_id"):
        if params.get(key) is not None:
            return f"{label} {params[key]}" if key in ("id", f"{table}_id") else label
    return label


def describe_database_conflict(error: DBAPIError) -> ConflictError | None:
    """The ConflictError a constraint failure or a race stands for, or None for other errors."""
    race = _sqlstate(error) in _RACE_STATES
    if not isinstance(error, IntegrityError) and not race:
        return None
    table, columns, constraint = _where(error)
    params = _params(error)
    if race:
        what = _identify(table, params)
        return ConflictError(
            f"{what} was changed by somebody else at the same time; reload it and try again",
            field=f"{table}" if table else None,
        )
    if table == "orders" and "open_patient_id" in columns:
        patient = params.get("open_patient_id") or params.get("patient_id")
        return ConflictError(
            f"patient {patient} already has an open order: one continuous anakinra infusion per "
            "patient; stop or discontinue the open order first",
            field="patient_id",
            value=patient,
        )
    if table == "administration_segments" and "seq" in columns:
        order = params.get("order_id")
        return ConflictError(
            f"order {order}: another administration was recorded at the same time; reload the "
            "order and try again",
            field="order_id",
            value=order,
        )
    what = _identify(table, params)
    detail = constraint or ", ".join(columns) or "a constraint"
    return ConflictError(
        f"{what} conflicts with a record stored at the same time ({detail}); reload and try again",
        field=columns[0] if columns else None,
    )


def is_database_unavailable(error: Exception) -> bool:
    """True for a pool timeout, a lost connection or a lock held past the busy timeout."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, OperationalError):
        return _sqlstate(error) not in _RACE_STATES
    return isinstance(error, DBAPIError) and error.connection_invalidated
