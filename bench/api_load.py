"""Load benchmark of the order, verify and administration endpoints on loopback.

For each database (SQLite file, PostgreSQL schema) the script seeds a staffed ward, starts the
app with uvicorn in a child process on 127.0.0.1, and runs N concurrent clients. Each client
repeats a bounded number of times: POST /api/orders (prescriber), POST .../verify (pharmacist),
POST .../bags and POST /api/bags/{id}/check (two pharmacists), POST .../administrations
``start`` (nurse). It reports requests per second and p50/p95 latency per endpoint.

    .venv/bin/python bench/api_load.py --clients 50 --iterations 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, text

from anakinra_iv.bootstrap import create_services
from anakinra_iv.config import Settings
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import AddUser, ApproveProtocol, CreatePatient
from anakinra_iv.workflow.services import add_user, approve_protocol, create_patient

POSTGRES_URL = os.environ.get(
    "ANAKINRA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "bench-password-1"
STAFF = {
    "dr": "prescriber",
    "ph1": "pharmacist",
    "ph2": "pharmacist",
    "rn": "nurse",
    "adm": "admin",
}
ENV = {
    "ANAKINRA_ENVIRONMENT": "test",
    "ANAKINRA_SECRET_KEY": "bench-secret-key-not-for-production",
    "ANAKINRA_ARGON2_TIME_COST": "1",
    "ANAKINRA_ARGON2_MEMORY_COST_KIB": "8",
    "ANAKINRA_ARGON2_PARALLELISM": "1",
}


def _settings(url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        secret_key=ENV["ANAKINRA_SECRET_KEY"],
        argon2_time_cost=1,
        argon2_memory_cost_kib=8,
        argon2_parallelism=1,
    )


def seed(url: str, patients: int) -> list[int]:
    """Migrate, add the staff, approve the protocol, register patients; return patient ids."""
    services = create_services(_settings(url), migrate=True)
    now = datetime.now(UTC)
    ids = {}
    for name, role in STAFF.items():
        ids[name] = add_user(
            AddUser(None, name, frozenset({role}), PASSWORD),
            services.new_uow(),
            services.hasher,
            services.policy,
            now,
        ).id
    approve_protocol(
        ApproveProtocol(ids["adm"], "adult-mas-civ"), services.new_uow(), services.calculator, now
    )
    found = [
        create_patient(
            CreatePatient(
                ids["dr"],
                f"B-{i}",
                f"Bench {i}",
                date(1970, 1, 1),
                "female",
                Q_(70, "kg"),
                Q_(1.0, "mg/dL"),
            ),
            services.new_uow(),
            now,
        ).id
        for i in range(patients)
    ]
    services.engine.dispose()
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    """The app in a child process (so that client and server do not share one interpreter)."""
    code = (
        "import uvicorn; from anakinra_iv.web.app import create_app; "
        f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning')"
    )
    env = os.environ | ENV | {"ANAKINRA_DATABASE_URL": url}
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


async def run_clients(base: str, patient_ids: list[int], clients: int, iterations: int) -> dict:
    """Run the clients; return latencies per endpoint and the wall time."""
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        tokens = {}
        for name in STAFF:
            response = await client.post(
                "/api/auth/token", data={"username": name, "password": PASSWORD}
            )
            response.raise_for_status()
            tokens[name] = {"Authorization": f"Bearer {response.json()['access_token']}"}

        async def call(label: str, who: str, url: str, body: object | None) -> dict | None:
            start = time.perf_counter()
            response = await client.post(url, json=body, headers=tokens[who])
            if label in ("order", "verify", "administration"):
                latencies[label].append(time.perf_counter() - start)
            if response.status_code >= 300:
                failures[label] += 1
                return None
            return response.json()

        async def one_client(k: int) -> None:
            patient = patient_ids[k % len(patient_ids)]
            for _ in range(iterations):
                order = await call(
                    "order",
                    "dr",
                    "/api/orders",
                    {"patient_id": patient, "protocol_id": "adult-mas-civ", "step": 3},
                )
                if order is None:
                    continue
                oid = order["id"]
                if (
                    await call(
                        "verify",
                        "ph1",
                        f"/api/orders/{oid}/verify",
                        {"rate_mg_per_h": 50, "concentration_mg_per_ml": 6},
                    )
                    is None
                ):
                    continue
                bag = await call("bag", "ph1", f"/api/orders/{oid}/bags", {"syringe_lots": ["L"]})
                if (
                    bag is None
                    or await call("check", "ph2", f"/api/bags/{bag['id']}/check", None) is None
                ):
                    continue
                await call(
                    "administration",
                    "rn",
                    f"/api/orders/{oid}/administrations",
                    {"event": "start", "bag_id": bag["id"], "rate_mg_per_h": 50},
                )

        started = time.perf_counter()
        await asyncio.gather(*(one_client(k) for k in range(clients)))
        wall = time.perf_counter() - started
    return {"latencies": latencies, "failures": dict(failures), "wall_s": wall}


def summarise(result: dict) -> dict:
    """Requests per second and p50/p95 per endpoint (milliseconds)."""
    out: dict = {"wall_s": round(result["wall_s"], 2), "failures": result["failures"]}
    total = 0
    for label, values in sorted(result["latencies"].items()):
        total += len(values)
        q = statistics.quantiles(values, n=100, method="inclusive")
        out[label] = {
            "requests": len(values),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(q[94] * 1000, 1),
        }
    out["measured_requests_per_s"] = round(total / result["wall_s"], 1)
    return out


def bench_engine(kind: str, clients: int, iterations: int) -> dict:
    """Seed, serve and load one database."""
    cleanup = None
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="anakinra-bench-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"

        def cleanup() -> None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    try:
        patient_ids = seed(url, patients=min(clients, 10))
        port = _free_port()
        server = start_server(url, port)
        try:
            result = asyncio.run(
                run_clients(f"http://127.0.0.1:{port}", patient_ids, clients, iterations)
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
        return summarise(result)
    finally:
        if cleanup is not None:
            cleanup()


def main() -> None:
    """Run the benchmark and print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=4, help="order cycles per client")
    args = parser.parse_args()
    report = {
        "clients": args.clients,
        "iterations_per_client": args.iterations,
        "results": {k: bench_engine(k, args.clients, args.iterations) for k in args.engines},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
