"""SIGKILL during a bounded concurrent workflow (issue 13, "How to prove it"): every write the
server acknowledged is found after the restart, every order is consistent, retries with the same
Idempotency-Key duplicate nothing, and the audit chain (with its checkpoints and row states)
verifies. Kept small for CI; ``bench/security_figures.py`` runs it larger."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from anakinra_iv.bootstrap import create_services
from anakinra_iv.config import Settings
from anakinra_iv.records.tables import AdministrationSegment, Bag, Order, Patient
from tests.security.crash_load import Ledger, run_clients, sign_in
from tests.security.server import postgres_url_in_schema, prepare_ward, server_env, start_server
from tests.workflow_support.databases import ENGINES, postgres_schema_engine

CLIENTS = 3
ACKNOWLEDGED_BEFORE_KILL = 12


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file, or an empty PostgreSQL schema the server process is pointed at."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ward.sqlite3'}"
        return
    with postgres_schema_engine() as engine:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        yield postgres_url_in_schema(str(schema))


def check_after_crash(engine: Engine, ledger: Ledger) -> dict[str, int]:
    """Assert every acknowledged write is present and every order consistent; return counts."""
    found = {
        "patient": Patient,
        "order": Order,
        "verify": Order,
        "bag": Bag,
        "check": Bag,
        "start": Order,
    }
    with engine.connect() as connection:
        for kind, record_id, _status in ledger.acknowledged:
            table = found[kind]
            row = connection.execute(select(table).where(table.id == record_id)).one_or_none()
            assert row is not None, (kind, record_id)
            if kind == "start":
                assert row.status == "active", (kind, record_id, row.status)
            if kind == "verify":
                assert row.verified_by_id is not None and not row.needs_verification
            if kind == "check":
                assert row.checked_by_id is not None
        orders = connection.execute(select(Order)).all()
        for order in orders:
            bags = connection.execute(select(Bag).where(Bag.order_id == order.id)).all()
            segments = connection.execute(
                select(AdministrationSegment).where(AdministrationSegment.order_id == order.id)
            ).all()
            assert len(bags) <= 1 and len(segments) <= 1, (order.id, len(bags), len(segments))
            if order.status == "active":
                assert [s.event for s in segments] == ["start"] and bags[0].status == "hung"
                assert order.verified_by_id is not None
            else:
                assert segments == [] and order.status in ("pending_verification", "verified")
        per_patient = connection.execute(
            select(Order.patient_id, func.count()).group_by(Order.patient_id)
        ).all()
        assert all(n == 1 for _, n in per_patient)
        return {
            "patients": int(connection.scalar(select(func.count()).select_from(Patient)) or 0),
            "orders": len(orders),
        }


def test_sigkill_loses_no_acknowledged_write(database_url: str, tmp_path: Path) -> None:
    """Kill -9 once 12 writes are acknowledged; restart; retry the unanswered requests with
    their keys (no 5xx, no duplicate); find all acknowledged writes; the chain verifies."""
    env = server_env(database_url, tmp_path / "checkpoints")
    prepare_ward(env).services.engine.dispose()
    workers = 1 if database_url.startswith("sqlite") else 2
    server = start_server(env, workers=workers)
    ledger = Ledger()
    loader = threading.Thread(target=run_clients, args=(server.url, CLIENTS, 50, ledger))
    loader.start()
    deadline = time.monotonic() + 60
    while len(ledger.acknowledged) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.02)
    server.kill()
    loader.join()
    assert ledger.refused == []
    assert len(ledger.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
    again = start_server(env, workers=workers)
    try:
        headers = sign_in(again.url)
        for who, url, body, key in ledger.unanswered:
            retry = httpx.post(
                f"{again.url}{url}", json=body, headers=headers[who] | {"Idempotency-Key": key}
            )
            assert retry.status_code < 500, retry.text
    finally:
        again.kill()
    settings = Settings(
        **{
            k[9:].lower(): v
            for k, v in env.items()
            if k.startswith("ANAKINRA_") and k != "ANAKINRA_TEST_POSTGRES_URL"
        }
    )
    services = create_services(settings)
    try:
        check_after_crash(services.engine, ledger)
        with services.new_uow() as uow:
            report = uow.audit.verify_chain()
        assert report.ok, report.problems
        assert report.checkpoints > 0
    finally:
        services.engine.dispose()
