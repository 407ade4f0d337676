"""Every table carrying a clinical fact or a safety control is bound by the audit chain.

A loading dose given, a failed blind check (the attempt counter of a lock-out) and a lock-out
alert with its resolution are facts a database writer would want to change or erase: a deleted
loading dose invites a second one, deleted mismatches or a forged resolution lift a lock-out.
Each such row edited or removed behind the application must be named by ``audit verify``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Float, Integer, Numeric, select, text
from sqlalchemy.orm import Session

from anakinra_iv.records.audit import AUDIT_KEYS_INFO
from anakinra_iv.records.audit_verify import verify_audit
from anakinra_iv.records.row_state import TRACKED_TABLES, UNAUDITED_COLUMNS
from anakinra_iv.records.tables import Base
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import PrepareBag, RecordLoadingDose, ResolveAlert
from anakinra_iv.workflow.services import prepare_bag, record_loading_dose, resolve_alert
from anakinra_iv.workflow.services._checks import VerificationMismatch
from tests.security.tampering import run_sql
from tests.workflow_support.fixtures import (
    Ward,
    administer,
    prescribe_step,
    read_bag,
    verify,
)

NOT_CLINICAL = frozenset({"audit_events", "audit_head", "login_throttles", "idempotency_keys"})
"""Tables outside the row states: the chain itself, a per-address sign-in counter, and the
stored answers of ``Idempotency-Key`` (claimed, answered and expired outside the transactions
that write clinical rows; the writes they name are bound by the chain)."""


def _working_day(ward: Ward) -> dict[str, int]:
    """An order verified; its bag failing the blind check until the checker is locked out; the
    lead resolving the lock-out; the bag checked; the loading dose given; the infusion started."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("LOT-A1", "LOT-A2")),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    for _ in range(3):  # the site's attempt limit (workflow/data/checks.yaml)
        with pytest.raises(VerificationMismatch):
            read_bag(ward, bag.id, final_volume=Q_(1, "mL"))
    with ward.uow() as uow:
        (alert,) = uow.alerts.list_open()
        alert_id = alert.id
        ordered_loading = uow.orders.get(order_id).loading_dose_mg
    assert ordered_loading is not None
    resolve_alert(
        ResolveAlert(ward.users["lead"], alert_id, "recounted with the checker"),
        ward.uow(),
        ward.clock(),
    )
    read_bag(ward, bag.id)
    record_loading_dose(
        RecordLoadingDose(ward.users["nurse"], order_id, Q_(ordered_loading, "mg"), "LOT-L1"),
        ward.uow(),
        ward.clock(),
    )
    administer(ward, order_id, "start", bag_id=bag.id)
    with ward.uow() as uow:
        report = uow.audit.verify_chain()
    assert report.ok, report.problems
    return {"order": order_id, "bag": bag.id, "alert": alert_id}


def _problems(ward: Ward) -> tuple[str, ...]:
    with ward.uow() as uow:
        return uow.audit.verify_chain().problems


TAMPERING = [
    ("loading_doses", "UPDATE loading_doses SET dose_mg = dose_mg * 10", "differs"),
    ("loading_doses", "DELETE FROM loading_doses", "is missing"),
    ("bag_checks", "UPDATE bag_checks SET checker_id = checker_id + 1", "differs"),
    ("bag_checks", "DELETE FROM bag_checks WHERE outcome <> 'accepted'", "is missing"),
    (
        "alerts",
        "UPDATE alerts SET resolution = 'nothing happened', resolved_by_id = resolved_by_id",
        "differs",
    ),
    ("alerts", "UPDATE alerts SET resolved_at = NULL, resolved_by_id = NULL", "differs"),
    ("alerts", "DELETE FROM alerts", "is missing"),
]


@pytest.mark.parametrize(("table", "statement", "finding"), TAMPERING)
def test_safety_rows_edited_or_removed_are_named(
    ward: Ward, engine: Engine, table: str, statement: str, finding: str
) -> None:
    """A loading dose multiplied or erased, a failed check reassigned or erased, a lock-out's
    resolution rewritten, reopened or erased: the chain is intact, the row is named."""
    _working_day(ward)
    with engine.begin() as connection:
        foreign_keys_off = engine.dialect.name == "sqlite"
        if foreign_keys_off:
            connection.execute(text("PRAGMA foreign_keys = OFF"))
        connection.execute(text(statement))
    problems = _problems(ward)
    assert problems, f"{statement!r} went unseen"
    assert all(p.startswith(f"table '{table}' row ") for p in problems), problems
    assert all(finding in p for p in problems), problems


def test_a_loading_dose_inserted_by_hand_has_no_audited_state(ward: Ward, engine: Engine) -> None:
    """A loading dose recorded behind the application (so the nurse is told it was given)."""
    ids = _working_day(ward)
    run_sql(engine, "DELETE FROM loading_doses")
    run_sql(
        engine,
        "INSERT INTO loading_doses (id, order_id, dose_mg, given_at, syringe_lot, given_by_id, "
        "recorded_at) VALUES (77, :o, 100, CURRENT_TIMESTAMP, 'X', 1, CURRENT_TIMESTAMP)",
        o=ids["order"],
    )
    problems = _problems(ward)
    assert any("table 'loading_doses' row 77 has no audited state" in p for p in problems)


def test_every_clinical_or_safety_table_is_bound() -> None:
    """The class: a table of the schema is either bound by the chain or named here as not
    clinical, so a new table cannot be left out silently."""
    tables = set(Base.metadata.tables)
    assert set(TRACKED_TABLES) | NOT_CLINICAL == tables
    assert not set(TRACKED_TABLES) & NOT_CLINICAL


def _editable_columns() -> list[tuple[str, str]]:
    found = []
    for name in TRACKED_TABLES:
        table = Base.metadata.tables[name]
        skipped = UNAUDITED_COLUMNS.get(name, frozenset())
        for column in table.columns:
            if not column.primary_key and column.name not in skipped:
                found.append((name, column.name))
    return found


def test_any_audited_column_of_any_row_edited_is_named(ward: Ward, engine: Engine) -> None:
    """Property: whichever bound table, row and audited column an attacker edits (inside a
    transaction rolled back after the check), ``audit verify`` names exactly that row."""
    _working_day(ward)
    keys = ward.services.audit_keys
    with engine.connect() as connection:
        present = {
            name: [
                int(i)
                for i in connection.execute(
                    select(Base.metadata.tables[name].c.id).order_by(text("1"))
                ).scalars()
            ]
            for name in TRACKED_TABLES
        }
    candidates = [(t, c) for t, c in _editable_columns() if present[t]]

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.sampled_from(candidates), st.data())
    def check(target: tuple[str, str], data: st.DataObject) -> None:
        table_name, column_name = target
        row_id = data.draw(st.sampled_from(present[table_name]))
        table = Base.metadata.tables[table_name]
        column = table.c[column_name]
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                current = connection.execute(
                    select(column).where(table.c.id == row_id)
                ).scalar_one()
                changed = _different_value(column.type, current, table_name, column_name)
                if engine.dialect.name == "sqlite":  # foreign keys are checked at the commit
                    connection.execute(text("PRAGMA defer_foreign_keys = ON"))
                else:  # an attacker with full rights; rolled back below
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                connection.execute(
                    table.update().where(table.c.id == row_id).values({column_name: changed})
                )
                with Session(bind=connection) as session:
                    session.info[AUDIT_KEYS_INFO] = keys
                    problems = verify_audit(session, keys).problems
            finally:
                transaction.rollback()
        assert problems == (
            f"table '{table_name}' row {row_id} differs from its audited state "
            + problems[0].split("differs from its audited state ", 1)[-1],
        ), (target, row_id, problems)

    check()


def _different_value(column_type: object, current: object, table: str, column: str) -> object:
    """A value of the column's type that differs from ``current`` (a foreign key keeps
    pointing at a row that exists: the first user, patient, order or bag, or the next)."""
    if current is None:
        if column.endswith("_id"):
            return 1
        if column.endswith("_at"):
            return datetime(2026, 1, 1, tzinfo=UTC)
        if isinstance(column_type, Integer):
            return 1
        return 1.0 if isinstance(column_type, Float | Numeric) else "x"
    if isinstance(current, bool):
        return not current
    if isinstance(current, int):
        if column.endswith("_id"):
            return current - 1 if current > 1 else current + 1
        if column == "seq":
            return current + 1000
        return current + 1
    if isinstance(current, float):
        return current * 10 + 1
    if isinstance(current, datetime):
        return current.replace(year=current.year - 1)
    if isinstance(current, list | dict):
        return {"tampered": True}
    if hasattr(current, "isoformat"):
        return current.replace(year=current.year - 1)  # type: ignore[attr-defined]
    return f"{current}x"
