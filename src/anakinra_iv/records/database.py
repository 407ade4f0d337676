"""Engines for the two supported databases: an embedded SQLite file and PostgreSQL.

SQLite transactions start with ``BEGIN IMMEDIATE`` so that writers queue rather than fail half
way; foreign keys are switched on and a file database uses write-ahead logging (with SQLite's
default ``synchronous=FULL``, so that a commit survives a power cut). Because every
transaction takes the write lock at ``BEGIN``, an engine on a file keeps one connection: the
threads of one process then queue on the pool, woken the moment the connection comes back,
instead of polling the file lock with SQLite's sleeping busy handler. Other processes still
meet at the file lock and wait up to the busy timeout.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool, StaticPool

__all__ = ["create_database_engine", "is_in_memory_sqlite"]

_SQLITE_BUSY_TIMEOUT_S = 30
_POOL_TIMEOUT_S = 30


def is_in_memory_sqlite(url: str) -> bool:
    """True for ``sqlite://`` and ``sqlite:///:memory:`` URLs.

    >>> is_in_memory_sqlite("sqlite://"), is_in_memory_sqlite("sqlite:///ward.db")
    (True, False)
    """
    return url.startswith("sqlite") and (
        url.rstrip("/") in ("sqlite:", "sqlite:") or ":memory:" in url
    )


def create_database_engine(
    url: str, *, schema: str | None = None, pool_size: int | None = None, **kwargs: Any
) -> Engine:
    """Create an engine for ``url``.

    Parameters
    ----------
    url
        A SQLAlchemy URL: ``sqlite:///path.db``, ``sqlite://`` (in memory, one shared
        connection) or ``postgresql+psycopg://user@host:port/db``.
    schema
        PostgreSQL only: the schema placed first on the search path (tests isolate themselves
        this way).
    pool_size
        PostgreSQL only: the most connections (so transactions) open at once; further requests
        wait for a free one, up to 30 s. A server process runs Python one thread at a time, so
        a few connections keep the database busy while more only make threads contend (see
        ``Settings.database_pool_size``). Without it: 20, growing to 60 under load.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.
    """
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {
            "timeout": _SQLITE_BUSY_TIMEOUT_S,
            "check_same_thread": False,
        }
        memory = is_in_memory_sqlite(url)
        if memory:
            kwargs.setdefault("poolclass", StaticPool)
        elif "poolclass" not in kwargs:
            kwargs.update(
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=0,
                pool_timeout=_SQLITE_BUSY_TIMEOUT_S,
            )
        engine = create_engine(url, connect_args=connect_args, **kwargs)

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
    if pool_size is not None:
        kwargs.update(pool_size=pool_size, max_overflow=0, pool_timeout=_POOL_TIMEOUT_S)
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 40)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
