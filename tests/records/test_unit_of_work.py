"""The unit of work: commit keeps, leaving without commit rolls back, stale rows conflict."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from anakinra_iv.errors import ConflictError
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.tables import Patient, User
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork
from tests.workflow_support.fixtures import TEST_AUDIT_KEY

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

KEYS = AuditKeys(TEST_AUDIT_KEY.encode())


def _user(uow: SqlAlchemyUnitOfWork, name: str = "u") -> User:
    return uow.users.add(
        User(
            username=name,
            roles="nurse",
            password_hash="x",
            created_at=NOW,
            active=True,
            failed_logins=0,
            full_name="",
        )
    )


def test_commit_keeps_the_changes(engine: Engine) -> None:
    """A user added and committed is there in the next unit of work."""
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        _user(uow)
        uow.commit()
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        assert uow.users.find_by_username("u") is not None


def test_leaving_without_commit_rolls_back(engine: Engine) -> None:
    """A user added without commit is gone afterwards."""
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        _user(uow)
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        assert uow.users.count() == 0


def test_an_error_half_way_leaves_nothing_written(engine: Engine) -> None:
    """A failure after two writes leaves neither the user nor the audit event."""
    from anakinra_iv.records.audit import AuditEntry

    with pytest.raises(RuntimeError), SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        _user(uow)
        uow.audit.append(AuditEntry("u", "user.create", "user", "1"), now=NOW)
        raise RuntimeError("fails before commit")
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        assert uow.users.count() == 0
        assert uow.audit.verify_chain().events == 0


def test_stale_versioned_row_raises_conflict(engine: Engine) -> None:
    """Two units of work change the same order; the later commit gets ConflictError."""
    from anakinra_iv.records.tables import Order

    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        user = _user(uow)
        patient = uow.patients.add(
            Patient(
                mrn="1",
                name="A",
                birth_date=date(1970, 1, 1),
                sex="female",
                created_by_id=user.id,
                created_at=NOW,
                renal_replacement="none",
            )
        )
        order = uow.orders.add(
            Order(
                patient_id=patient.id,
                prescriber_id=user.id,
                protocol_id="p",
                protocol_version="1",
                status="pending_verification",
                needs_verification=True,
                daily_dose_mg=1200.0,
                rate_mg_per_h=50.0,
                planned_concentration_mg_per_ml=6.0,
                planned_rate_ml_per_h=8.3,
                limit_status="within",
                plan_inputs={},
                plan_summary={},
                created_at=NOW,
                updated_at=NOW,
            )
        )
        uow.commit()
        order_id = order.id
    first, second = SqlAlchemyUnitOfWork(engine, KEYS), SqlAlchemyUnitOfWork(engine, KEYS)
    with first:
        a = first.orders.get(order_id)
        first.session.commit()  # ends the read; on SQLite this releases the write lock
        a.status = "verified"
        with second:
            b = second.orders.get(order_id)
            b.status = "stopped"
            second.commit()
        with pytest.raises(ConflictError):
            first.commit()
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        final = uow.orders.get(order_id)
        assert (final.status, final.version) == ("stopped", 2)


def test_naive_datetime_is_refused(engine: Engine) -> None:
    """A time stamp without a zone is refused instead of being guessed."""
    from sqlalchemy.exc import StatementError

    with (
        pytest.raises(StatementError, match="naive datetime"),
        SqlAlchemyUnitOfWork(engine, KEYS) as uow,
    ):
        uow.users.add(
            User(
                username="n",
                roles="nurse",
                password_hash="x",
                created_at=datetime(2026, 1, 5, 8),
                active=True,
                failed_logins=0,
                full_name="",
            )
        )


def test_time_stamps_come_back_in_utc(engine: Engine) -> None:
    """A time written at +02:00 reads back as the same instant in UTC."""
    from datetime import timedelta, timezone

    written = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        uow.users.add(
            User(
                username="t",
                roles="nurse",
                password_hash="x",
                created_at=written,
                active=True,
                failed_logins=0,
                full_name="",
            )
        )
        uow.commit()
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        read = uow.users.get(1).created_at
    assert read == written and read.utcoffset() == timedelta(0)
