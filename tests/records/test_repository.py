"""Repositories: adding without a flush, and user names read in one query."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, event

from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.tables import User
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork
from tests.workflow_support.fixtures import TEST_AUDIT_KEY

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

KEYS = AuditKeys(TEST_AUDIT_KEY.encode())


def _user(name: str) -> User:
    return User(
        username=name,
        roles="nurse",
        password_hash="x",
        created_at=NOW,
        active=True,
        failed_logins=0,
        full_name="",
    )


def test_add_without_flush_writes_at_commit(engine: Engine) -> None:
    """A row added with flush=False has no id until the commit writes it, then it is stored."""
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        row = uow.users.add(_user("late"), flush=False)
        assert row.id is None
        uow.commit()
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        assert uow.users.find_by_username("late") is not None


def test_find_names_reads_the_missing_users_in_one_query(engine: Engine) -> None:
    """Three stored users, one already loaded: one SELECT answers the other two; an unknown
    id is left out."""
    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        ids = [uow.users.add(_user(name)).id for name in ("ann", "bob", "cyd")]
        uow.commit()
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    with SqlAlchemyUnitOfWork(engine, KEYS) as uow:
        assert uow.users.get(ids[0]).username == "ann"
        event.listen(engine, "before_cursor_execute", count)
        try:
            names = uow.users.find_names([ids[0], ids[1], ids[2], 9999])
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert names == {ids[0]: "ann", ids[1]: "bob", ids[2]: "cyd"}
    assert len(statements) == 1
