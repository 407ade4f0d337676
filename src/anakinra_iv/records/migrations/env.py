"""Alembic environment: migrates the connection handed over by :mod:`..migrate`, or the URL."""

from __future__ import annotations

from alembic import context

from anakinra_iv.records.database import create_database_engine
from anakinra_iv.records.tables import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations on a live connection."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    engine = create_database_engine(url)
    try:
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


# Alembic runs this file with its context set up; importing it elsewhere (doctest collection)
# does nothing.
if hasattr(context, "config"):
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported")
    run_migrations_online()
