"""Backups taken while people work restore, every one of them (issue 15 §1).

Before the fix a PostgreSQL backup read table by table in READ COMMITTED: events committed
between two tables' reads left the audit head naming an event the file did not hold, or a row
whose parent was missing. Now the backup reads one snapshot and checks the file it wrote.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from anakinra_iv.records.backup import restore_backup, write_backup
from anakinra_iv.records.tables import Base
from tests.security.workload import run_load
from tests.workflow_support.databases import empty_engine
from tests.workflow_support.fixtures import Ward

BACKUPS = 4


def test_every_backup_taken_under_load_restores(ward: Ward, tmp_path: Path) -> None:
    """Three threads run whole patient courses while four backups are written; each backup
    restores into an empty database of the same kind with chain, rows and row states
    verified, and the later backups hold more orders than the earlier ones or as many."""
    stop = threading.Event()
    errors: list[BaseException] = []
    loader = threading.Thread(target=lambda: errors.extend(run_load(ward, 3, 6, stop)))
    loader.start()
    paths: list[Path] = []
    try:
        for n in range(BACKUPS):
            time.sleep(0.3)
            path = tmp_path / f"backup-{n}.json"
            write_backup(ward.services.engine, path, ward.services.audit_keys, now=ward.clock())
            paths.append(path)
    finally:
        stop.set()
        loader.join()
    assert errors == []
    orders: list[int] = []
    for n, path in enumerate(paths):
        folder = tmp_path / f"restore-{n}"
        folder.mkdir()
        with empty_engine(ward.services.engine.dialect.name, folder) as target:
            Base.metadata.create_all(target)
            counts = restore_backup(target, path, ward.services.audit_keys)
        orders.append(counts["orders"])
    assert orders == sorted(orders) and orders[-1] >= 1
