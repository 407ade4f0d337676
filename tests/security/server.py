"""A real ``anakinra serve`` in a child process of its own session (so that a SIGKILL reaches
every worker), over a database prepared here, for the fault-injection test and the figures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.config import Settings
from tests.workflow_support.databases import POSTGRES_URL
from tests.workflow_support.fixtures import (
    TEST_AUDIT_KEY,
    TEST_SECRET_KEY,
    FakeClock,
    Ward,
    staff_ward,
)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_url_in_schema(schema: str) -> str:
    """The test server's URL with ``schema`` first on the search path (for a child process)."""
    return f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"


@dataclass
class Server:
    """A running server: its URL, environment and process."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the server and its workers: no shutdown, no flush beyond what is committed."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def server_env(database_url: str, checkpoints: Path, **extra: str) -> dict[str, str]:
    """The environment of a test server (strong test keys, cheap argon2)."""
    return (
        os.environ
        | {
            "ANAKINRA_ENVIRONMENT": "test",
            "ANAKINRA_DATABASE_URL": database_url,
            "ANAKINRA_SECRET_KEY": TEST_SECRET_KEY,
            "ANAKINRA_AUDIT_KEY": TEST_AUDIT_KEY,
            "ANAKINRA_AUDIT_CHECKPOINT_FILE": str(checkpoints),
            "ANAKINRA_ARGON2_TIME_COST": "1",
            "ANAKINRA_ARGON2_MEMORY_COST_KIB": "8",
            "ANAKINRA_ARGON2_PARALLELISM": "1",
            "ANAKINRA_LOGIN_BURST": "1000",
            "ANAKINRA_LOCKOUT_THRESHOLD": "50",
        }
        | extra
    )


def prepare_ward(env: dict[str, str]) -> Ward:
    """Migrate the database and staff a ward through the services, with the server's keys."""
    settings = Settings(
        **{
            k[len("ANAKINRA_") :].lower(): v
            for k, v in env.items()
            if k.startswith("ANAKINRA_") and k != "ANAKINRA_TEST_POSTGRES_URL"
        }
    )
    clock = FakeClock(datetime.now(UTC))  # the server's clock is the real one
    services: Services = create_services(settings, migrate=True, clock=clock)
    return staff_ward(services, clock)


def start_server(env: dict[str, str], workers: int = 1) -> Server:
    """Start the server and wait until it answers its health check."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "from anakinra_iv.cli.main import app; app()",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/ready", timeout=1).status_code == 200:
                time.sleep(0.3 if workers > 1 else 0)
                return Server(url, env, process)
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("the test server did not start")
