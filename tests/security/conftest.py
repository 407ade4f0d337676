"""Fixtures of the security suite: every test runs on SQLite and on PostgreSQL, with signed
checkpoints written to a file of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.web.app import create_app
from tests.web.conftest import Api, TestClient
from tests.workflow_support.fixtures import (
    FakeClock,
    Ward,
    clock,
    create_test_settings,
    engine,
    staff_ward,
)

__all__ = ["api", "clock", "engine", "services", "ward"]


@pytest.fixture
def services(engine: Engine, clock: FakeClock, tmp_path: Path) -> Services:
    """Services over the test engine, checkpoints in ``tmp_path / 'checkpoints'``."""
    settings = create_test_settings(audit_checkpoint_file=tmp_path / "checkpoints")
    return create_services(settings, engine=engine, clock=clock)


@pytest.fixture
def ward(services: Services, clock: FakeClock) -> Ward:
    """A staffed ward with one patient."""
    return staff_ward(services, clock)


@pytest.fixture
def api(ward: Ward, services: Services) -> Iterator[Api]:
    """The app over the staffed ward, with a client."""
    with TestClient(create_app(services)) as client:
        yield Api(client, ward)
