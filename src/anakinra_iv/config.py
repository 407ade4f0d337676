"""Settings, read once from the environment (``ANAKINRA_*``) by pydantic-settings.

``ANAKINRA_DATABASE_URL`` names the database (default: the embedded SQLite file
``anakinra.sqlite3`` in the working directory); ``ANAKINRA_DATABASE_POOL_SIZE`` caps the
PostgreSQL connections of one server process (default 4: a process runs Python one thread at
a time, so more transactions at once only make threads contend; ``bench/api_load.py``
measures it). Outside ``dev`` a placeholder secret key is
refused, so that tokens cannot be forged with a value published in this repository.

``ANAKINRA_SITE_TIMEZONE`` is the IANA zone (``Europe/Paris``) in which times are shown on pages,
labels and reports (default: the server's own zone); times are always stored in UTC.
``ANAKINRA_SEPARATE_HANGING`` (default on) keeps whoever verified an order or prepared a bag from
also hanging it or giving the loading dose.

>>> Settings.model_fields["database_url"].default
'sqlite:///anakinra.sqlite3'
>>> Settings(environment="production", secret_key="change-me")
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
...
"""

from __future__ import annotations

import secrets
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PLACEHOLDER_SECRETS", "Settings", "get_settings"]

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "placeholder"})
"""Secret keys that are refused outside development."""


class Settings(BaseSettings):
    """Every setting of the shell, with its environment variable ``ANAKINRA_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ANAKINRA_", frozen=True, extra="ignore")

    environment: Literal["dev", "test", "production"] = "dev"
    database_url: str = "sqlite:///anakinra.sqlite3"
    database_pool_size: int = Field(default=4, gt=0)
    secret_key: SecretStr = SecretStr("change-me")
    access_token_minutes: int = Field(default=60, gt=0)
    session_minutes: int = Field(default=480, gt=0)
    lockout_threshold: int = Field(default=5, gt=0)
    lockout_minutes: int = Field(default=15, gt=0)
    min_password_length: int = Field(default=8, gt=0)
    cookie_secure: bool = False
    argon2_time_cost: int = Field(default=3, gt=0)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, gt=0)
    site_timezone: str | None = None
    separate_hanging: bool = True

    @field_validator("site_timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'ANAKINRA_SITE_TIMEZONE' must be an IANA time zone such as Europe/Paris "
                f"(got '{value}')"
            ) from None
        return value.strip()

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Self:
        if self.secret_key.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            if self.environment != "dev":
                raise ValueError(
                    "'ANAKINRA_SECRET_KEY' is a placeholder; set a random secret outside dev"
                )
            # dev: a fresh random key per process, never the published placeholder
            object.__setattr__(self, "secret_key", SecretStr(secrets.token_urlsafe(32)))
        return self


def get_settings() -> Settings:
    """Settings from the environment."""
    return Settings()
