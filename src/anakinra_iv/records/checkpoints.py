"""Signed checkpoints of the audit chain, kept in a file outside the database.

After every commit that adds audit events, one line is appended to the checkpoint file::

    {"at": "2026-01-05T08:00:00.000000+00:00", "hash": "<head MAC>", "mac": "<hmac>", "seq": 41}

``mac`` is HMAC-SHA256 under the checkpoint key over the canonical JSON of ``seq``, ``hash`` and
``at``. Somebody who can change the database but not this file (nor read the key) cannot move
the chain's head back: the file remembers a later head. Several server processes append to one
file; each line is written with a single ``write`` on a descriptor opened for appending, and
lines may arrive out of sequence order.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from anakinra_iv.records.keys import AuditKeys

__all__ = ["Checkpoint", "CheckpointFile", "read_checkpoints", "write_checkpoint"]


def _payload(seq: int, head: str, at: str) -> bytes:
    text = json.dumps({"at": at, "hash": head, "seq": seq}, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint: the chain's head at ``seq`` was ``hash`` at time ``at``."""

    seq: int
    hash: str
    at: str


@dataclass(frozen=True)
class CheckpointFile:
    """The checkpoints read from a file, and the lines that did not verify."""

    checkpoints: tuple[Checkpoint, ...]
    bad_lines: tuple[str, ...]


def write_checkpoint(keys: AuditKeys, seq: int, head: str, at: datetime) -> None:
    """Append one signed checkpoint line (file created owner-only if missing)."""
    if keys.checkpoint_file is None:
        return
    stamp = at.isoformat(timespec="microseconds")
    mac = keys.sign(keys.checkpoint_key, _payload(seq, head, stamp))
    line = json.dumps({"at": stamp, "hash": head, "mac": mac, "seq": seq}, sort_keys=True) + "\n"
    descriptor = os.open(keys.checkpoint_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8"))
    finally:
        os.close(descriptor)


def read_checkpoints(keys: AuditKeys, path: Path) -> CheckpointFile:
    """Every line of ``path`` whose MAC verifies; the others are reported by line number."""
    good: list[Checkpoint] = []
    bad: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                seq, head, at, mac = (
                    int(item["seq"]),
                    str(item["hash"]),
                    str(item["at"]),
                    item["mac"],
                )
                valid = isinstance(mac, str) and keys.is_valid(
                    keys.checkpoint_key, _payload(seq, head, at), mac
                )
            except (ValueError, KeyError, TypeError):
                valid = False
            if valid:
                good.append(Checkpoint(seq, head, at))
            else:
                bad.append(f"checkpoint line {number} of {path} is malformed or its MAC fails")
    return CheckpointFile(tuple(good), tuple(bad))
