"""Engines for the two supported databases: an embedded SQLite file and PostgreSQL.

SQLite transactions start with ``BEGIN IMMEDIATE`` so that writers queue rather than fail half
way; foreign keys are switched on and a file database uses write-ahead logging.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

__all__ = ["create_database_engine", "is_in_memory_sqlite"]

_SQLITE_BUSY_TIMEOUT_S = 30


def is_in_memory_sqlite(url: str) -> bool:
    """True for ``sqlite://`` and ``sqlite:///:memory:`` URLs.

    >>> is_in_memory_sqlite("sqlite://"), is_in_memory_sqlite("sqlite:///ward.db")
    (True, False)
    """
    return url.startswith("sqlite") and (
        url.rstrip("/") in ("sqlite:", "sqlite:") or ":memory:" in url
    )


def create_database_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url``.

    Parameters
    ----------
    url
        A SQLAlchemy URL: ``sqlite:///path.db``, ``sqlite://`` (in memory, one shared
        connection) or ``postgresql+psycopg://user@host:port/db``.
    schema
        PostgreSQL only: the schema placed first on the search path (tests isolate themselves
        this way).
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.
    """
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {
            "timeout": _SQLITE_BUSY_TIMEOUT_S,
            "check_same_thread": False,
        }
        if is_in_memory_sqlite(url):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        memory = is_in_memory_sqlite(url)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if schema is not None:
        kwargs.setdefault("connect_args", {})["options"] = f"-csearch_path={schema}"
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 40)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
