"""The audit key: held outside the database, from the environment or an owner-only file.

One secret signs the audit chain, its checkpoints and backups; each use gets its own key
derived from it (HMAC-SHA256 of the secret over a fixed label), so that a MAC made for one
purpose is never valid for another.

>>> keys = AuditKeys(b"k" * 32)
>>> len(keys.event_key), keys.event_key != keys.backup_key != keys.checkpoint_key
(32, True)
>>> keys.sign(keys.backup_key, b"x") == keys.sign(keys.backup_key, b"x")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from anakinra_iv.errors import InvalidInput

__all__ = ["AuditKeys", "create_key_file", "read_key_file"]

_MIN_KEY_BYTES = 32


def _derive(secret: bytes, label: str) -> bytes:
    return hmac.new(secret, label.encode("ascii"), hashlib.sha256).digest()


@dataclass(frozen=True)
class AuditKeys:
    """The audit secret, the keys derived from it, and where checkpoints go (if anywhere)."""

    secret: bytes = field(repr=False)
    checkpoint_file: Path | None = None

    @property
    def event_key(self) -> bytes:
        """Key of the chain's event MACs."""
        return _derive(self.secret, "anakinra-iv audit events v1")

    @property
    def checkpoint_key(self) -> bytes:
        """Key of the signed checkpoints."""
        return _derive(self.secret, "anakinra-iv audit checkpoints v1")

    @property
    def backup_key(self) -> bytes:
        """Key of the backup file MACs."""
        return _derive(self.secret, "anakinra-iv backups v1")

    @staticmethod
    def sign(key: bytes, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` under ``key``, in hex."""
        return hmac.new(key, data, hashlib.sha256).hexdigest()

    @staticmethod
    def is_valid(key: bytes, data: bytes, mac: str) -> bool:
        """Constant-time check of a hex MAC."""
        return hmac.compare_digest(AuditKeys.sign(key, data), mac)


def read_key_file(path: Path, *, setting: str = "ANAKINRA_AUDIT_KEY_FILE") -> bytes:
    """The key in ``path``; refuse a file that others may read or a key that is too short.

    Raises
    ------
    InvalidInput
        The file is missing, readable by the group or by others, or holds fewer than 32
        characters; the message names ``setting``.
    """
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise InvalidInput(
            f"'{setting}' {path} cannot be read: {error.strerror}", field=setting, value=str(path)
        ) from error
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(
            f"'{setting}' {path} is readable by others (mode {stat.filemode(info.st_mode)}); "
            "make it owner-only: chmod 600",
            field=setting,
            value=str(path),
        )
    if len(text) < _MIN_KEY_BYTES:
        raise InvalidInput(
            f"'{setting}' {path} holds {len(text)} characters; the key needs at least "
            f"{_MIN_KEY_BYTES}",
            field=setting,
            value=str(path),
            limit=_MIN_KEY_BYTES,
        )
    return text.encode("utf-8")


def create_key_file(path: Path) -> bytes:
    """Read the key in ``path``, first writing a new random one (mode 600) if there is none."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    return read_key_file(path)
