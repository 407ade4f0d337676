"""The composition root: the one place that builds the real adapters.

>>> from anakinra_iv.config import Settings
>>> app = create_services(Settings(database_url="sqlite://"), migrate=True)
>>> with app.new_uow() as uow:
...     uow.users.count()
0
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, make_url

from anakinra_iv.config import Settings, is_strong_secret
from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.database import create_database_engine, is_in_memory_sqlite
from anakinra_iv.records.keys import AuditKeys, create_key_file, read_key_file
from anakinra_iv.records.migrate import upgrade_database
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork
from anakinra_iv.workflow.auth import AuthPolicy, PasswordHasher
from anakinra_iv.workflow.core_calculator import CoreCalculator
from anakinra_iv.workflow.ports import DoseCalculator

__all__ = ["Services", "create_services", "get_site_zone", "get_utc_now", "load_audit_keys"]


def get_utc_now() -> datetime:
    """The server's clock, timezone-aware UTC."""
    return datetime.now(UTC)


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name.strip().lstrip(":"))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _server_zone_name() -> str | None:
    """The server's IANA zone: ``TZ``, else the target of ``/etc/localtime``, else
    ``/etc/timezone``."""
    if os.environ.get("TZ"):
        return os.environ["TZ"]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        return timezone_file.read_text(encoding="utf-8").strip()
    return None


def get_site_zone(settings: Settings) -> ZoneInfo:
    """The zone times are shown in: ``ANAKINRA_SITE_TIMEZONE``, else the server's, else UTC.

    >>> get_site_zone(Settings(site_timezone="Europe/Paris")).key
    'Europe/Paris'
    """
    return _zone(settings.site_timezone) or _zone(_server_zone_name()) or ZoneInfo("UTC")


@dataclass(frozen=True)
class Services:
    """Everything the entry points need: engine, unit-of-work factory, clock and adapters."""

    settings: Settings
    engine: Engine
    calculator: DoseCalculator
    hasher: PasswordHasher
    policy: AuthPolicy
    audit_keys: AuditKeys
    clock: Callable[[], datetime] = field(default=get_utc_now)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def new_uow(self) -> SqlAlchemyUnitOfWork:
        """A fresh unit of work (one per use case), signing its audit events."""
        return SqlAlchemyUnitOfWork(self.engine, self.audit_keys)

    def now(self) -> datetime:
        """The current time from the configured clock."""
        return self.clock()


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite") or is_in_memory_sqlite(url):
        return None
    database = make_url(url).database
    return Path(database) if database else None


def load_audit_keys(settings: Settings) -> AuditKeys:
    """The audit key from ``ANAKINRA_AUDIT_KEY`` or ``ANAKINRA_AUDIT_KEY_FILE``.

    In ``dev`` without either, a SQLite file database gets a key file beside it
    (``<database>.audit-key``, mode 600) and an in-memory database a random key for the
    process; a PostgreSQL database needs a key set. Checkpoints go to
    ``ANAKINRA_AUDIT_CHECKPOINT_FILE``, in ``dev`` by default ``<database>.audit-checkpoints``
    beside a SQLite file.

    Raises
    ------
    InvalidInput
        No key where one is needed, or a key file readable by others or too short.
    """
    database = _sqlite_file(settings.database_url)
    checkpoint = settings.audit_checkpoint_file
    if checkpoint is None and settings.environment == "dev" and database is not None:
        checkpoint = database.with_name(database.name + ".audit-checkpoints")
    if settings.audit_key is not None:
        secret = settings.audit_key.get_secret_value().encode("utf-8")
    elif settings.audit_key_file is not None:
        secret = read_key_file(settings.audit_key_file)
        if not is_strong_secret(secret.decode("utf-8")):
            raise InvalidInput(
                f"'ANAKINRA_AUDIT_KEY_FILE' {settings.audit_key_file} holds a guessable key "
                "(words, a keyboard row, a sequence or a repeat); write a random one, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
                field="ANAKINRA_AUDIT_KEY_FILE",
                value=str(settings.audit_key_file),
            )
    elif settings.environment != "dev":
        raise InvalidInput(
            "'ANAKINRA_AUDIT_KEY' or 'ANAKINRA_AUDIT_KEY_FILE' is required outside dev",
            field="ANAKINRA_AUDIT_KEY",
        )
    elif is_in_memory_sqlite(settings.database_url):
        secret = secrets.token_urlsafe(32).encode("ascii")
    elif database is not None:
        secret = create_key_file(database.with_name(database.name + ".audit-key"))
    else:
        raise InvalidInput(
            "'ANAKINRA_AUDIT_KEY_FILE' is required for a PostgreSQL database: the audit trail "
            "is signed with a key the database does not hold",
            field="ANAKINRA_AUDIT_KEY_FILE",
        )
    return AuditKeys(secret, checkpoint)


def create_services(
    settings: Settings,
    *,
    engine: Engine | None = None,
    calculator: DoseCalculator | None = None,
    clock: Callable[[], datetime] | None = None,
    migrate: bool = False,
    preload: bool = False,
) -> Services:
    """Build the services from settings; tests may pass their own engine, calculator or clock.

    Parameters
    ----------
    migrate
        Bring the database to the newest schema first (``anakinra db upgrade`` does the same).
    preload
        Read the packaged protocols now rather than on the first request (a server does this,
        so that the first requests after a start do not all read them at once).
    """
    engine = engine or create_database_engine(
        settings.database_url, pool_size=settings.database_pool_size
    )
    if migrate:
        upgrade_database(engine)
    calculator = calculator or CoreCalculator()
    if preload:
        calculator.list_protocol_infos()
    return Services(
        settings=settings,
        engine=engine,
        calculator=calculator,
        hasher=PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost_kib,
            parallelism=settings.argon2_parallelism,
        ),
        policy=AuthPolicy(
            lockout_threshold=settings.lockout_threshold,
            lockout_minutes=settings.lockout_minutes,
            min_password_length=settings.min_password_length,
            lockout_max_minutes=settings.lockout_max_minutes,
        ),
        audit_keys=load_audit_keys(settings),
        clock=clock or get_utc_now,
        zone=get_site_zone(settings),
    )
