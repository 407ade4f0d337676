"""Slow clients cannot take the server down (slow-loris), against a real ``anakinra serve``.

Idle connections that send a POST's headers and one byte of its body, then nothing, must not
hold places of the concurrency limit: sign-in, reads and the health checks keep answering, and
each idle connection is answered 408 once the body-read timeout has passed. One database is
enough here (the connections never reach it); SQLite keeps the test to a few seconds.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.security.server import Server, prepare_ward, server_env, start_server
from tests.workflow_support.fixtures import PASSWORD, STAFF

LIMIT = 4
BODY_TIMEOUT_S = 2
IDLE_CONNECTIONS = 3 * LIMIT


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    env = server_env(
        f"sqlite:///{tmp_path / 'ward.sqlite3'}",
        tmp_path / "checkpoints",
        ANAKINRA_MAX_CONCURRENT_REQUESTS=str(LIMIT),
        ANAKINRA_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT_S),
    )
    prepare_ward(env).services.engine.dispose()
    running = start_server(env)
    try:
        yield running
    finally:
        running.kill()


def _open_idle(url: str, path: str) -> socket.socket:
    """Send a POST's headers and one byte of its declared 1000-byte body, then nothing."""
    host, port = url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=10)
    connection.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nu".encode()
    )
    return connection


def test_idle_partial_bodies_hold_no_place_and_are_let_go(server: Server) -> None:
    """Three times the limit of idle partial bodies (sign-in and CDS Hooks): health, readiness,
    a sign-in and an authenticated read still answer 200 at once; every idle connection gets
    408 after the body-read timeout (before the fix: every request 503 for as long as the
    connections stayed open)."""
    paths = ["/api/auth/token", "/cds-services/anakinra-order-sign"]
    idle = [_open_idle(server.url, paths[i % 2]) for i in range(IDLE_CONNECTIONS)]
    opened = time.monotonic()
    try:
        time.sleep(0.3)  # the server has read every idle request's headers and first byte
        with httpx.Client(base_url=server.url, timeout=5) as client:
            assert client.get("/api/health").status_code == 200
            assert client.get("/api/ready").status_code == 200
            username = STAFF["nurse"][0]
            signed_in = client.post(
                "/api/auth/token", data={"username": username, "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
            token = signed_in.json()["access_token"]
            board = client.get("/api/alerts", headers={"Authorization": f"Bearer {token}"})
            assert board.status_code in (200, 403), board.text  # answered, not shed
            assert board.status_code != 503
        assert time.monotonic() - opened < BODY_TIMEOUT_S  # all of it while they were idle
        answers = []
        for connection in idle:
            connection.settimeout(BODY_TIMEOUT_S + 5)
            answers.append(connection.recv(200).split(b"\r\n", 1)[0])
        waited = time.monotonic() - opened
    finally:
        for connection in idle:
            connection.close()
    assert answers == [b"HTTP/1.1 408 Request Timeout"] * IDLE_CONNECTIONS, answers
    assert BODY_TIMEOUT_S - 0.5 <= waited < BODY_TIMEOUT_S + 5
