"""Failed sign-ins per user name and client address, counted atomically in the database.

An attempt is counted *before* its password is checked, by one statement that inserts or
increments the row and returns the new count (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``, on SQLite and PostgreSQL alike). However many guesses arrive at once, each sees its
own number, so at most ``threshold`` of them are checked before the lock-out; the others are
refused without hashing. Attempts while a lock-out runs are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from anakinra_iv.records.tables import Base

__all__ = ["Attempt", "LoginThrottleRepository"]

_TABLE = Base.metadata.tables["login_throttles"]


@dataclass(frozen=True)
class Attempt:
    """A counted attempt: its number since the last success or lock-out, and any lock-out."""

    number: int
    lockouts: int
    locked_until: datetime | None


class LoginThrottleRepository:
    """Count, lock and reset sign-in attempts of one user name from one client address."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def count_attempt(self, username: str, client: str, now: datetime) -> Attempt:
        """Add one attempt (unless a lock-out is running) and return the row as it now is."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = _TABLE
        locked = and_(table.c.locked_until.is_not(None), table.c.locked_until > now)
        statement = (
            insert(table)
            .values(username=username, client=client, failures=1, lockouts=0, updated_at=now)
            .on_conflict_do_update(
                index_elements=[table.c.username, table.c.client],
                set_={
                    "failures": case((locked, table.c.failures), else_=table.c.failures + 1),
                    "updated_at": now,
                },
            )
            .returning(table.c.failures, table.c.lockouts, table.c.locked_until)
        )
        row = self._session.execute(statement).one()
        return Attempt(int(row.failures), int(row.lockouts), row.locked_until)

    def lock(self, username: str, client: str, now: datetime, minutes: int) -> bool:
        """Start a lock-out unless one already runs; True when this call started it."""
        table = _TABLE
        result = self._session.execute(
            update(table)
            .where(
                table.c.username == username,
                table.c.client == client,
                or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
            )
            .values(
                failures=0,
                lockouts=table.c.lockouts + 1,
                locked_until=now + timedelta(minutes=minutes),
                updated_at=now,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def reset(self, username: str, client: str, now: datetime) -> None:
        """Forget the failures of a user at an address after a successful sign-in."""
        table = _TABLE
        self._session.execute(
            update(table)
            .where(table.c.username == username, table.c.client == client)
            .values(failures=0, lockouts=0, locked_until=None, updated_at=now)
        )

    def unlock(self, username: str, now: datetime) -> int:
        """Lift every lock-out of a user name (all addresses); return how many were running."""
        table = _TABLE
        result = self._session.execute(
            update(table)
            .where(table.c.username == username)
            .values(failures=0, locked_until=None, updated_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
