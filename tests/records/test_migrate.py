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
        assert upgrade_database(engine) == get_head_revision() == "0009"
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


def _legacy_event(connection, seq: int, prev: str) -> str:  # type: ignore[no-untyped-def]
    """Write an event as revision 0001 did (plain SHA-256 of its fields); return its hash."""
    from anakinra_iv.records.audit import calculate_event_hash

    fields = {
        "seq": seq,
        "occurred_at": "2025-06-01T08:00:00.000000+00:00",
        "actor": "system",
        "action": "user.create",
        "entity_type": "user",
        "entity_id": str(seq),
        "old_value": "null",
        "new_value": "{}",
        "reason": "",
        "prev_hash": prev,
    }
    digest = calculate_event_hash(fields)
    connection.execute(
        text(
            "INSERT INTO audit_events (seq, occurred_at, actor, action, entity_type, entity_id, "
            "old_value, new_value, reason, prev_hash, hash) VALUES (:seq, :at, 'system', "
            "'user.create', 'user', :eid, 'null', '{}', '', :prev, :hash)"
        ),
        {
            "seq": seq,
            "at": "2025-06-01 08:00:00.000000",
            "eid": str(seq),
            "prev": prev,
            "hash": digest,
        },
    )
    connection.execute(
        text("UPDATE audit_head SET last_seq = :seq, last_hash = :hash"),
        {"seq": seq, "hash": digest},
    )
    return digest


@pytest.mark.parametrize("kind", ENGINES)
def test_a_database_from_revision_0001_upgrades_and_is_sealed(kind: str, tmp_path: Path) -> None:
    """A 0001 database with two unkeyed events and a user: after the upgrade the old events
    verify as unkeyed (noted), the user row has no audited state until 'audit seal', and new
    events are keyed and chain on."""
    from datetime import UTC, datetime

    from anakinra_iv.records.keys import AuditKeys
    from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork
    from anakinra_iv.workflow.audit_seal import seal_audit
    from tests.workflow_support.fixtures import TEST_AUDIT_KEY

    with empty_engine(kind, tmp_path) as engine:
        upgrade_database(engine, "0001")
        with engine.begin() as connection:
            first = _legacy_event(connection, 1, GENESIS_HASH)
            _legacy_event(connection, 2, first)
            connection.execute(
                text(
                    "INSERT INTO users (username, full_name, roles, password_hash, active, "
                    "failed_logins, created_at) VALUES ('ada', '', 'nurse', 'h', TRUE, 0, "
                    "'2025-06-01 08:00:00')"
                )
            )
        assert upgrade_database(engine) == "0009"
        keys = AuditKeys(TEST_AUDIT_KEY.encode())
        with SqlAlchemyUnitOfWork(engine, keys) as uow:
            report = uow.audit.verify_chain()
        assert report.events == 2 and "2 events predate the keyed chain" in report.notes[-1]
        assert report.problems == (
            "table 'users' row 1 has no audited state: added outside "
            "the application (or before the chain recorded rows; see "
            "'anakinra audit seal')",
        )
        assert (
            seal_audit(
                SqlAlchemyUnitOfWork(engine, keys),
                "checked after the upgrade",
                datetime(2026, 1, 5, tzinfo=UTC),
            )
            == 1
        )
        with SqlAlchemyUnitOfWork(engine, keys) as uow:
            after = uow.audit.verify_chain()
        assert after.ok and after.events == 3


@pytest.mark.parametrize("kind", ENGINES)
def test_upgrade_refuses_two_open_orders_of_one_patient(kind: str, tmp_path: Path) -> None:
    """The one-open-order index cannot be added over a patient with two open orders: the
    upgrade stops naming the patient, and the database stays at 0001."""
    with empty_engine(kind, tmp_path) as engine:
        upgrade_database(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, full_name, roles, password_hash, active, "
                    "failed_logins, created_at) VALUES (1, 'dr', '', 'prescriber', 'h', TRUE, 0, "
                    "'2025-06-01 08:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO patients (id, mrn, name, birth_date, sex, renal_replacement, "
                    "created_by_id, created_at) VALUES (7, 'M', 'N', '1970-01-01', 'female', "
                    "'none', 1, '2025-06-01 08:00:00')"
                )
            )
            for order_id in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO orders (id, patient_id, prescriber_id, protocol_id, "
                        "protocol_version, status, needs_verification, daily_dose_mg, "
                        "rate_mg_per_h, planned_concentration_mg_per_ml, planned_rate_ml_per_h, "
                        "limit_status, plan_inputs, plan_summary, created_at, updated_at, "
                        "version) VALUES (:id, 7, 1, 'p', '1', 'active', FALSE, 1200, 50, 6, "
                        "8.3, 'within', '{}', '{}', '2025-06-01 08:00:00', "
                        "'2025-06-01 08:00:00', 1)"
                    ),
                    {"id": order_id},
                )
        with pytest.raises(RuntimeError, match="patient 7 \\(2 open orders\\)"):
            upgrade_database(engine)
        assert get_current_revision(engine) == "0001"


@pytest.mark.parametrize("kind", ENGINES)
def test_audit_action_index_comes_and_goes_with_its_revision(kind: str, tmp_path: Path) -> None:
    """0007 adds the index on audit events (action, entity id); downgrading to 0003 drops it
    and upgrading again brings it back."""
    from alembic import command

    from anakinra_iv.records.migrate import _config

    def indexes() -> set[str]:
        return {str(i["name"]) for i in inspect(engine).get_indexes("audit_events")}

    with empty_engine(kind, tmp_path) as engine:
        upgrade_database(engine)
        assert "ix_audit_events_action_entity_id" in indexes()
        config = _config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
        assert get_current_revision(engine) == "0003"
        assert "ix_audit_events_action_entity_id" not in indexes()
        assert upgrade_database(engine) == "0009"
        assert "ix_audit_events_action_entity_id" in indexes()
