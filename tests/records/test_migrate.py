"""Migrations: from an empty database to head on both engines, matching the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from anakinra_iv.records.audit import GENESIS_HASH
from anakinra_iv.records.migrate import get_current_revision, get_head_revision, upgrade_database
from anakinra_iv.records.tables import Base
from tests.workflow_support.databases import ENGINES, empty_engine


@pytest.mark.parametrize("kind", ENGINES)
def test_upgrade_from_empty_reaches_head_and_matches_the_tables(kind: str, tmp_path: Path) -> None:
    """After upgrading an empty database, autogenerate finds no difference to the tables."""
    with empty_engine(kind, tmp_path) as engine:
        assert get_current_revision(engine) is None
        assert upgrade_database(engine) == get_head_revision() == "0002"
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            head = connection.execute(text("SELECT last_seq, last_hash FROM audit_head")).one()
        assert diff == []
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        assert tuple(head) == (0, GENESIS_HASH)


@pytest.mark.parametrize("kind", ENGINES)
def test_upgrade_twice_is_harmless_and_installs_the_triggers(kind: str, tmp_path: Path) -> None:
    """A second upgrade does nothing; the migrated database refuses to delete audit rows."""
    with empty_engine(kind, tmp_path) as engine:
        upgrade_database(engine)
        upgrade_database(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_events (seq, occurred_at, actor, action, entity_type, "
                    "entity_id, old_value, new_value, reason, prev_hash, hash) VALUES "
                    "(1, CURRENT_TIMESTAMP, 'a', 'b', 'c', 'd', 'null', 'null', '', 'p', 'h')"
                )
            )
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
