"""``anakinra serve --workers N`` gives each starting process time to answer its supervisor: on
a busy host a worker still importing the app was killed after uvicorn's default 5 s and
restarted forever, silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.workflow_support.fixtures import TEST_AUDIT_KEY, TEST_SECRET_KEY
from typer.testing import CliRunner

from anakinra_iv.cli.main import app


@pytest.mark.parametrize(("setting", "expected"), [(None, 60), ("120", 120)])
def test_workers_get_the_configured_health_check_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: int
) -> None:
    """The default is 60 s (uvicorn's 5 s killed starting workers under a load average of
    15); ``ANAKINRA_WORKER_HEALTHCHECK_SECONDS`` sets it."""
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("ANAKINRA_ENVIRONMENT", "test")
    monkeypatch.setenv("ANAKINRA_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("ANAKINRA_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("ANAKINRA_AUDIT_CHECKPOINT_FILE", str(tmp_path / "checkpoints"))
    monkeypatch.setenv("ANAKINRA_DATABASE_URL", f"sqlite:///{tmp_path / 'ward.sqlite3'}")
    if setting is not None:
        monkeypatch.setenv("ANAKINRA_WORKER_HEALTHCHECK_SECONDS", setting)
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "18791"])
    assert result.exit_code == 0, result.output
    assert seen["workers"] == 2
    assert seen["timeout_worker_healthcheck"] == expected
