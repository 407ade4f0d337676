"""Run the packaged Alembic migrations, from the command line or from tests."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["get_current_revision", "get_head_revision", "upgrade_database"]


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("anakinra_iv.records") / "migrations"))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database behind ``engine`` to ``revision``; return the revision reached."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return get_current_revision(engine)


def get_current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def get_head_revision() -> str | None:
    """The newest revision shipped with the package."""
    return ScriptDirectory.from_config(_config()).get_current_head()
