"""Database engines for tests: a SQLite file per test and a fresh PostgreSQL schema per test.

PostgreSQL tests fail (they are never skipped) when the server named by
``ANAKINRA_TEST_POSTGRES_URL`` (default: trust auth on 127.0.0.1:5432, database ``test``) cannot
be reached. Each test gets its own schema, named after the xdist worker and a random suffix, so
that parallel workers never meet.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from anakinra_iv.records.database import create_database_engine

POSTGRES_URL = os.environ.get(
    "ANAKINRA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENGINES = ("sqlite", "postgresql")


@cache
def _admin_engine() -> Engine:
    return create_engine(POSTGRES_URL, poolclass=NullPool)


@contextmanager
def postgres_schema_engine(**kwargs: object) -> Iterator[Engine]:
    """An engine whose search path starts at a new, empty schema; the schema is dropped after."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"t_{worker}_{uuid.uuid4().hex[:12]}"
    try:
        with _admin_engine().begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except OperationalError as error:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}", pytrace=False)
    engine = create_database_engine(POSTGRES_URL, schema=schema, **kwargs)  # type: ignore[arg-type]
    try:
        yield engine
    finally:
        engine.dispose()
        with _admin_engine().begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def empty_engine(kind: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of ``kind`` (``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        engine = create_database_engine(f"sqlite:///{tmp_path / 'ward.sqlite3'}")
        try:
            yield engine
        finally:
            engine.dispose()
    else:
        with postgres_schema_engine() as engine:
            yield engine
