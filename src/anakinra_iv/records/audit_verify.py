"""Check the audit trail: every event's MAC and link, the head, the checkpoints, the rows.

What each check finds (the threat model is in the README):

* an edited event, or one rewritten with every later hash recomputed: its MAC fails (the key is
  not in the database);
* an event added by hand: its MAC fails, or it is unkeyed after keyed events;
* events removed from the end with the head moved back: a checkpoint names a later head;
  a checkpoint file missing or empty while the chain holds signed events is itself a problem
  (it would leave the end of the chain unguarded);
* a clinical row changed, added or removed behind the application: its digest differs from the
  last state the chain recorded for it, and the row is named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from anakinra_iv.records.audit import (
    GENESIS_HASH,
    LEGACY_SCHEME,
    AuditChainReport,
    calculate_event_hash,
    calculate_event_mac,
    get_hashed_fields,
)
from anakinra_iv.records.checkpoints import read_checkpoints
from anakinra_iv.records.keys import AuditKeys
from anakinra_iv.records.row_state import iterate_row_digests
from anakinra_iv.records.tables import AuditEvent, AuditHead

__all__ = ["verify_audit"]


@dataclass
class _Walk:
    """What walking the chain found."""

    count: int = 0
    last_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)
    legacy: int = 0
    states: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)


def _walk_chain(session: Session, keys: AuditKeys, wanted: set[int]) -> _Walk:
    walk = _Walk()
    expected_seq, keyed_seen = 1, False
    query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
    for row in session.execute(query).scalars():
        walk.count += 1
        if row.seq != expected_seq:
            walk.problems.append(f"event {row.seq}: expected sequence number {expected_seq}")
        if row.prev_hash != walk.last_hash:
            walk.problems.append(f"event {row.seq}: previous-hash link broken")
        fields = get_hashed_fields(row)
        if row.scheme == LEGACY_SCHEME:
            walk.legacy += 1
            if keyed_seen:
                walk.problems.append(
                    f"event {row.seq}: unsigned (sha256) after signed events: added by hand"
                )
            valid = calculate_event_hash(fields) == row.hash
        else:
            keyed_seen = True
            valid = calculate_event_mac(keys, fields) == row.hash
        if not valid:
            walk.problems.append(
                f"event {row.seq}: content does not match its hash (MAC under the audit key)"
            )
        elif row.scheme != LEGACY_SCHEME:
            _record_states(walk, row)
        if row.seq in wanted:
            walk.hashes[row.seq] = row.hash
        walk.last_hash = row.hash
        expected_seq = row.seq + 1
    return walk


def _record_states(walk: _Walk, row: AuditEvent) -> None:
    try:
        states = json.loads(row.row_states or "{}")
    except ValueError:
        walk.problems.append(f"event {row.seq}: its row states are not JSON")
        return
    for key, digest in states.items():
        walk.states[key] = (digest, row.seq)


def _check_checkpoints(keys: AuditKeys) -> tuple[list[str], list[str], dict[int, str], int]:
    """(problems, notes, checkpoint hash by seq, checkpoints read)."""
    path = keys.checkpoint_file
    if path is None:
        note = "no checkpoint file is configured: removal of the newest events goes unseen"
        return [], [note], {}, 0
    if not path.exists():
        return [f"checkpoint file {path} does not exist"], [], {}, 0
    found = read_checkpoints(keys, path)
    by_seq: dict[int, str] = {}
    problems = list(found.bad_lines)
    for checkpoint in found.checkpoints:
        if by_seq.get(checkpoint.seq, checkpoint.hash) != checkpoint.hash:
            problems.append(f"checkpoints disagree about event {checkpoint.seq}")
        by_seq[checkpoint.seq] = checkpoint.hash
    return problems, [], by_seq, len(found.checkpoints)


def _check_guarded_end(
    keys: AuditKeys, problems: list[str], checkpoints: dict[int, str]
) -> list[str]:
    """Problems of a keyed chain whose checkpoint file is missing, empty or unreadable."""
    found = []
    if not checkpoints:
        if not problems:
            found.append(f"checkpoint file {keys.checkpoint_file} holds no checkpoint")
        found.append(
            "the end of the chain is unguarded: events removed from it with the head moved "
            "back would go unseen (restore the checkpoint file; or, once the data is checked, "
            "start a new one with 'anakinra audit seal')"
        )
    return found


def _check_rows(session: Session, walk: _Walk) -> tuple[list[str], int]:
    problems: list[str] = []
    seen: set[str] = set()
    rows = 0
    for key, current in iterate_row_digests(session):
        rows += 1
        seen.add(key)
        table, _, row_id = key.partition(":")
        recorded = walk.states.get(key)
        if recorded is None:
            problems.append(
                f"table '{table}' row {row_id} has no audited state: added outside the "
                "application (or before the chain recorded rows; see 'anakinra audit seal')"
            )
        elif recorded[0] != current:
            problems.append(
                f"table '{table}' row {row_id} differs from its audited state (event "
                f"{recorded[1]}): changed outside the application"
            )
    for key, (digest, seq) in walk.states.items():
        if key not in seen and digest is not None:
            table, _, row_id = key.partition(":")
            problems.append(
                f"table '{table}' row {row_id} is missing (last audited in event {seq}): "
                "removed outside the application"
            )
    return problems, rows


def verify_audit(session: Session, keys: AuditKeys) -> AuditChainReport:
    """Check the chain, its head, the checkpoints and the tracked rows; report every break."""
    checkpoint_problems, notes, checkpoints, read = _check_checkpoints(keys)
    walk = _walk_chain(session, keys, set(checkpoints))
    problems = list(walk.problems)
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append("audit head is missing")
    elif head.last_seq != walk.count or head.last_hash != walk.last_hash:
        problems.append(
            f"audit head names event {head.last_seq} but the chain ends at event {walk.count}"
        )
    keyed = walk.count - walk.legacy
    if keyed and keys.checkpoint_file is not None:
        checkpoint_problems.extend(_check_guarded_end(keys, checkpoint_problems, checkpoints))
        if checkpoints and max(checkpoints) < walk.count:
            notes.append(
                f"events {max(checkpoints) + 1}-{walk.count} have no checkpoint (being written, "
                "or a checkpoint write failed: see the server's log)"
            )
    elif not keyed:  # a database with no signed event has nothing to guard yet
        checkpoint_problems = [p for p in checkpoint_problems if "does not exist" not in p]
    problems.extend(checkpoint_problems)
    beyond = [seq for seq in checkpoints if seq > walk.count]
    if beyond:
        problems.append(
            f"checkpoint names event {max(beyond)} but the chain ends at event {walk.count}: "
            "events were removed and the head moved back"
        )
    for seq, mac in sorted(checkpoints.items()):
        if seq <= walk.count and walk.hashes.get(seq) != mac:
            problems.append(f"event {seq} differs from its signed checkpoint")
    if walk.legacy:
        notes.append(f"{walk.legacy} events predate the keyed chain (unkeyed SHA-256)")
    row_problems, rows = _check_rows(session, walk)
    problems.extend(row_problems)
    return AuditChainReport(
        events=walk.count,
        problems=tuple(problems),
        notes=tuple(notes),
        checkpoints=read,
        rows=rows,
    )
