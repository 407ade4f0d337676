"""Two pharmacists verifying one order at the same moment, on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from anakinra_iv.bootstrap import create_services
from anakinra_iv.records.tables import Base
from anakinra_iv.web.app import create_app
from tests.web.conftest import Api, TestClient
from tests.workflow_support.databases import postgres_schema_engine
from tests.workflow_support.fixtures import (
    FakeClock,
    create_test_settings,
    prescribe_step,
    staff_ward,
)


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A PostgreSQL schema of its own (this test needs the real server's row locks)."""
    with postgres_schema_engine() as engine:
        Base.metadata.create_all(engine)
        yield engine


def _waiting_on_locks(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'UPDATE orders%'"
                )
            ).scalar_one()
        )


def test_one_pharmacist_wins_the_other_gets_409_naming_the_order(pg_engine: Engine) -> None:
    """Both requests read the order; a held row lock (FOR NO KEY UPDATE, so that inserting the
    verification rows is not blocked) makes them meet at the UPDATE. One is
    verified, the other answers 409 naming the order; one verification is accepted."""
    clock = FakeClock(datetime(2026, 1, 5, 8, tzinfo=UTC))
    services = create_services(create_test_settings(), engine=pg_engine, clock=clock)
    ward = staff_ward(services, clock)
    order_id = prescribe_step(ward)
    results: dict[str, tuple[int, dict[str, object]]] = {}
    with TestClient(create_app(services)) as client:
        api = Api(client, ward)
        tokens = {who: api.headers(who) for who in ("pharmacist", "pharmacist2")}
        blocker = pg_engine.connect()
        blocker.execute(
            text("SELECT id FROM orders WHERE id = :i FOR NO KEY UPDATE"), {"i": order_id}
        )

        def attempt(who: str) -> None:
            response = client.post(
                f"/api/orders/{order_id}/verify",
                json={"rate_mg_per_h": "50 mg/h", "concentration_mg_per_ml": "6 mg/mL"},
                headers=tokens[who],
            )
            results[who] = (response.status_code, response.json())

        threads = [threading.Thread(target=attempt, args=(w,)) for w in tokens]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while _waiting_on_locks(pg_engine) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_locks(pg_engine) == 2
        blocker.rollback()
        blocker.close()
        for thread in threads:
            thread.join(timeout=30)
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    loser = next(body for status, body in results.values() if status == 409)
    assert f"order {order_id}" in str(loser["message"])
    assert loser["code"] == "conflict"  # the stale UPDATE, not a later state check
    with services.new_uow() as uow:
        outcomes = [v.outcome for v in uow.verifications.list_for_order(order_id)]
        assert outcomes.count("accepted") == 1
        assert uow.audit.verify_chain().ok
