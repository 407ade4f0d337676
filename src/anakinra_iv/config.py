"""Settings, read once from the environment (``ANAKINRA_*``) by pydantic-settings.

``ANAKINRA_DATABASE_URL`` names the database (default: the embedded SQLite file
``anakinra.sqlite3`` in the working directory); ``ANAKINRA_DATABASE_POOL_SIZE`` caps the
PostgreSQL connections of one server process (default 4: a process runs Python one thread at
a time, so more transactions at once only make threads contend; ``bench/api_load.py``
measures it).

Outside ``dev`` (the demo and development environment) the settings refuse to be unsafe: the
secret key that signs tokens must be strong (at least 32 characters, not a placeholder, not a
repeated pattern), the audit trail needs its own key held outside the database
(``ANAKINRA_AUDIT_KEY`` or an owner-only ``ANAKINRA_AUDIT_KEY_FILE``), and ``production`` also
needs the file that receives signed audit checkpoints (``ANAKINRA_AUDIT_CHECKPOINT_FILE``).
Cookies are ``Secure`` and ``/docs`` and ``/openapi.json`` are off unless set otherwise.

``ANAKINRA_SITE_TIMEZONE`` is the IANA zone (``Europe/Paris``) in which times are shown on pages,
labels and reports (default: the server's own zone); times are always stored in UTC.
``ANAKINRA_SEPARATE_HANGING`` (default on) keeps whoever verified an order or prepared a bag from
also hanging it or giving the loading dose. ``ANAKINRA_REQUIRE_SCAN`` (default on) makes a start
or bag change need the wristband and bag scanned (or an override reason);
``ANAKINRA_BARCODE_SYMBOLOGY`` prints the codes as ``gs1-datamatrix`` (default) or ``code128``.

>>> Settings.model_fields["database_url"].default
'sqlite:///anakinra.sqlite3'
>>> Settings(environment="production", secret_key="change-me")
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
...
>>> is_strong_secret("abcde"), is_strong_secret("Xq7-" * 10), is_strong_secret(STRONG_EXAMPLE)
(False, False, True)
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "MIN_SECRET_GUESSES_LOG10_PER_CHARACTER",
    "MIN_SECRET_LENGTH",
    "PLACEHOLDER_SECRETS",
    "STRONG_EXAMPLE",
    "Settings",
    "get_settings",
    "is_strong_secret",
]

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "placeholder"})
"""Secret keys that are refused outside development."""

MIN_SECRET_LENGTH = 32
"""The fewest characters of a secret key (``secrets.token_urlsafe(32)`` gives 43)."""

_MIN_DISTINCT = 12
STRONG_EXAMPLE = "vR3q-7LmZ0pX_tK9sWc2NbYh4JdE6uFa1GiQo8Ur5Tw"
"""A key of the shape ``secrets.token_urlsafe(32)`` gives (an example, never a real key)."""


MIN_SECRET_GUESSES_LOG10_PER_CHARACTER = 0.85
"""The fewest guesses (log10) an attacker needs per character of a secret key, as estimated by
zxcvbn over its first 72 characters (dictionary words, phrases, keyboard rows, sequences,
repeats). Random keys score 0.95-1.0 (``secrets.token_urlsafe`` and ``token_hex``: measured
0.948 at the lowest over 350 keys); phrases and patterns 0.8 at the most
(``secret-key-for-production-use-only-2026`` 0.71, ``qwertyuiop...`` 0.33)."""


@cache
def is_strong_secret(value: str) -> bool:
    """True for a key of at least 32 characters, 12 of them different, that repeats no short
    pattern, is no placeholder, and is not guessable (no words, phrases, keyboard rows or
    sequences: see :data:`MIN_SECRET_GUESSES_LOG10_PER_CHARACTER`)."""
    text = value.strip()
    if text.lower() in PLACEHOLDER_SECRETS or len(text) < MIN_SECRET_LENGTH:
        return False
    if len(set(text)) < _MIN_DISTINCT:
        return False
    if any(text == (text[:size] * (len(text) // size + 1))[: len(text)] for size in range(1, 9)):
        return False
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]

    scored = text[:72]
    guesses = float(zxcvbn(scored)["guesses_log10"])
    return guesses >= MIN_SECRET_GUESSES_LOG10_PER_CHARACTER * len(scored)


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
    lockout_max_minutes: int = Field(default=24 * 60, gt=0)
    login_attempts_per_minute: float = Field(default=20, gt=0)
    login_burst: int = Field(default=10, gt=0)
    min_password_length: int = Field(default=8, gt=0)
    cookie_secure: bool | None = None
    api_docs: bool | None = None
    argon2_time_cost: int = Field(default=3, gt=0)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, gt=0)
    audit_key: SecretStr | None = None
    audit_key_file: Path | None = None
    audit_checkpoint_file: Path | None = None
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    max_cds_body_bytes: int = Field(default=1024 * 1024, gt=0)
    max_concurrent_requests: int = Field(default=64, gt=0)
    body_timeout_seconds: float = Field(default=10.0, gt=0)
    """How long a request's whole body may take to arrive (408 after)."""
    worker_healthcheck_seconds: int = Field(default=60, gt=0)
    """How long a server process may take to answer its supervisor (``--workers`` > 1) before
    it is restarted; short timeouts kill workers still starting on a busy host."""
    health_timeout_seconds: float = Field(default=2.0, gt=0)
    idempotency_hours: int = Field(default=24, gt=0)
    site_timezone: str | None = None
    default_protocol: str = "adult-mas-civ"
    """The protocol an order form offers first (the site's own continuous protocol)."""
    separate_hanging: bool = True
    require_scan: bool = True
    """A start or bag change needs the wristband and bag scanned, or an override reason."""
    barcode_symbology: Literal["gs1-datamatrix", "code128"] = "gs1-datamatrix"
    """How the bag label and the wristband codes are printed."""

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
    def _refuse_unsafe(self) -> Self:
        key = self.secret_key.get_secret_value()
        if self.environment == "dev":
            if key.strip().lower() in PLACEHOLDER_SECRETS:
                # dev: a fresh random key per process, never the published placeholder
                object.__setattr__(self, "secret_key", SecretStr(secrets.token_urlsafe(32)))
            return self
        if key.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "'ANAKINRA_SECRET_KEY' is a placeholder; set a random secret outside dev"
            )
        if not is_strong_secret(key):
            raise ValueError(
                f"'ANAKINRA_SECRET_KEY' is too weak: give at least {MIN_SECRET_LENGTH} random "
                "characters, e.g. from python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if self.audit_key is None and self.audit_key_file is None:
            raise ValueError(
                "'ANAKINRA_AUDIT_KEY' or 'ANAKINRA_AUDIT_KEY_FILE' is required outside dev: the "
                "audit trail is signed with a key the database does not hold"
            )
        if self.audit_key is not None and not is_strong_secret(self.audit_key.get_secret_value()):
            raise ValueError(
                f"'ANAKINRA_AUDIT_KEY' is too weak: give at least {MIN_SECRET_LENGTH} random "
                "characters"
            )
        if self.audit_key is not None and (
            self.audit_key.get_secret_value().strip() == self.secret_key.get_secret_value().strip()
        ):
            raise ValueError(
                "'ANAKINRA_AUDIT_KEY' must differ from 'ANAKINRA_SECRET_KEY': the server's "
                "tokens and the audit trail need separate secrets"
            )
        if self.environment == "production" and self.api_docs:
            raise ValueError(
                "'ANAKINRA_API_DOCS' cannot be on in production: /docs and /redoc run inline "
                "script loaded from a CDN on the origin of the session cookie; read "
                "/openapi.json from a test instance"
            )
        if self.environment == "production" and self.audit_checkpoint_file is None:
            raise ValueError(
                "'ANAKINRA_AUDIT_CHECKPOINT_FILE' is required in production: signed checkpoints "
                "of the audit chain are written there, outside the database"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        """Whether the session cookie is ``Secure`` (default: everywhere but dev)."""
        return self.environment != "dev" if self.cookie_secure is None else self.cookie_secure

    @property
    def docs_enabled(self) -> bool:
        """Whether ``/docs`` and ``/openapi.json`` are served (default: in dev only)."""
        return self.environment == "dev" if self.api_docs is None else self.api_docs


def get_settings() -> Settings:
    """Settings from the environment."""
    return Settings()
