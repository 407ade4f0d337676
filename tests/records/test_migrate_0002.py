"""Revision 0002 (order lifecycle and checks) on both engines: it upgrades a database that
already holds orders, keeping them, and it can be taken back to 0001 and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from anakinra_iv.records.migrate import get_current_revision, get_head_revision, upgrade_database
from tests.workflow_support.databases import ENGINES, empty_engine

_ROWS = (
    "INSERT INTO users (id, username, full_name, roles, password_hash, active, failed_logins, "
    "created_at) VALUES (1, 'dr', '', 'prescriber', 'x', true, 0, CURRENT_TIMESTAMP)",
    "INSERT INTO patients (id, mrn, name, birth_date, sex, renal_replacement, created_by_id, "
    "created_at) VALUES (1, 'M1', 'Doe', '1970-01-01', 'female', 'none', 1, CURRENT_TIMESTAMP)",
    "INSERT INTO orders (id, patient_id, prescriber_id, protocol_id, protocol_version, status, "
    "needs_verification, daily_dose_mg, rate_mg_per_h, planned_concentration_mg_per_ml, "
    "planned_rate_ml_per_h, limit_status, plan_inputs, plan_summary, created_at, updated_at, "
    "version) VALUES (1, 1, 1, 'adult-mas-civ', '1', 'pending_verification', true, 1200, 50, 6, "
    "8.33, 'within', '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)",
)


@pytest.mark.parametrize("kind", ENGINES)
def test_upgrade_keeps_existing_orders(kind: str, tmp_path: Path) -> None:
    """An order written at 0001 is still there at 0002, with the new columns empty."""
    with empty_engine(kind, tmp_path) as engine:
        upgrade_database(engine, "0001")
        with engine.begin() as connection:
            for statement in _ROWS:
                connection.execute(text(statement))
        assert upgrade_database(engine, "0002") == "0002"
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT status, renal_decision, status_reason FROM orders WHERE id = 1")
            ).one()
        assert tuple(row) == ("pending_verification", None, None)
        tables = set(inspect(engine).get_table_names())
        assert {"loading_doses", "alerts", "bag_checks"} <= tables


@pytest.mark.parametrize("kind", ENGINES)
def test_down_to_0001_and_up_again(kind: str, tmp_path: Path) -> None:
    """Downgrading an empty database removes the new tables and columns; upgrading restores
    them."""
    from alembic import command

    from anakinra_iv.records.migrate import _config

    with empty_engine(kind, tmp_path) as engine:
        upgrade_database(engine)
        config = _config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert get_current_revision(engine) == "0001"
        assert "alerts" not in set(inspect(engine).get_table_names())
        columns = {c["name"] for c in inspect(engine).get_columns("orders")}
        assert "renal_decision" not in columns
        assert upgrade_database(engine) == get_head_revision()
