"""Health and readiness that tell the truth: the database is asked, with a short timeout.

A probe runs ``SELECT 1`` (and, for readiness, reads the schema revision) in a worker thread and
waits at most ``Settings.health_timeout_seconds``; a database that does not answer in time is
reported down. At most one probe runs at a time: while one hangs (a server that accepts the
connection but never answers), later calls report the timeout at once instead of piling up.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from anakinra_iv.bootstrap import Services
from anakinra_iv.records.migrate import get_current_revision, get_head_revision
from anakinra_iv.workflow import queries

__all__ = ["Probe", "probe_database"]

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
_lock = threading.Lock()
_running: Future[Probe] | None = None


@dataclass(frozen=True)
class Probe:
    """What a probe found: database reachable, its dialect or error, schema at head."""

    ok: bool
    detail: str
    schema_current: bool


def _ask(services: Services, readiness: bool) -> Probe:
    ok, detail = queries.check_database(services.new_uow())
    if not ok or not readiness:
        return Probe(ok, detail, ok)
    current = get_current_revision(services.engine)
    head = get_head_revision()
    return Probe(
        True, detail if current == head else f"schema at {current}, not {head}", current == head
    )


def probe_database(services: Services, *, readiness: bool = False) -> Probe:
    """Probe the database within the configured timeout."""
    global _running
    with _lock:
        if _running is not None and not _running.done():
            return Probe(False, "database probe still waiting for an answer", False)
        future = _executor.submit(_ask, services, readiness)
        _running = future
    try:
        return future.result(timeout=services.settings.health_timeout_seconds)
    except FutureTimeout:
        seconds = services.settings.health_timeout_seconds
        return Probe(False, f"database did not answer within {seconds:g} s", False)
