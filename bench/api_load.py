"""Load benchmark of the order, verify and administration endpoints on loopback.

For each database (SQLite file, PostgreSQL schema) the script seeds a staffed ward, starts
``anakinra serve`` (``--workers N``) in a child process on 127.0.0.1, and runs N concurrent
clients on one ``httpx.AsyncClient`` (one connection pool, one event loop, one process). Each
client repeats a bounded number of order cycles: POST /api/orders (prescriber), POST
.../verify (pharmacist), POST .../bags and POST /api/bags/{id}/check (two pharmacists), POST
.../administrations ``start`` (nurse).

Two load shapes are run for every database:

* ``closed`` (think time 0): every client sends its next request the moment the previous one
  answers, so the server is saturated and latency is the queue behind 49 other requests
  (Little's law: mean latency = clients / throughput). This measures capacity.
* ``paced`` (``--think-ms``, exponentially distributed, mean given): clients pause between
  requests as people at workstations do; this measures the latency a ward sees at the request
  rate it states.

The report gives requests per second, p50/p95/max latency per endpoint, the server's and the
client's CPU time per request (from /proc, so that a busy machine shows up as such), and the
cores the client and the server share. Requests and time are bounded (``--iterations``,
``--timeout-s``); only 127.0.0.1 is contacted.

    .venv/bin/python bench/api_load.py --clients 50 --iterations 4 --workers 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, text

from anakinra_iv.bootstrap import create_services
from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
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
    "ANAKINRA_AUDIT_KEY": "bench-audit-key-not-for-production-use",
    "ANAKINRA_ARGON2_TIME_COST": "1",
    "ANAKINRA_ARGON2_MEMORY_COST_KIB": "8",
    "ANAKINRA_ARGON2_PARALLELISM": "1",
}
ENDPOINTS = ("order", "verify", "bag", "check", "administration")
TARGETED = ("order", "verify", "administration")
TARGET_P95_MS = 100.0
WARM_UP_CLIENTS = 4


def _settings(url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        secret_key=ENV["ANAKINRA_SECRET_KEY"],
        audit_key=ENV["ANAKINRA_AUDIT_KEY"],
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


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``anakinra serve`` in a child process (client and server never share an interpreter)."""
    code = "from anakinra_iv.cli.main import app; app()"
    command = [sys.executable, "-c", code, "serve", "--port", str(port)]
    command += ["--workers", str(workers)] if workers > 1 else []
    env = os.environ | ENV | {"ANAKINRA_DATABASE_URL": url}
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                time.sleep(0.5 if workers > 1 else 0)  # let every worker finish starting
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def _cpu_seconds(root_pid: int) -> float | None:
    """User + system CPU seconds of a process and its descendants (Linux /proc), or None."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    raw = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                fields = raw[raw.rindex(")") + 2 :].split()
                stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    except OSError:
        return None
    total, frontier = 0.0, {root_pid}
    while frontier:
        total += sum(stats[p][1] for p in frontier if p in stats)
        frontier = {p for p, (parent, _) in stats.items() if parent in frontier}
    return total


class RawClient:
    """A minimal HTTP/1.1 keep-alive client for loopback (JSON bodies, Content-Length only).

    It costs the load generator a fraction of the CPU of a full client, so that on a machine
    whose cores the server shares, the figures describe the server. A pool of at most ``size``
    connections is shared by all clients; the most recently used idle one is reused, and a
    request that meets a connection the server closed while idle is sent again on a new one.
    """

    def __init__(self, port: int, size: int) -> None:
        self._port = port
        self._slots = asyncio.Semaphore(size)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self._port)

    async def _exchange(
        self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> tuple[int, bytes]:
        reader, writer = connection
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return int(head[9:12]), await reader.readexactly(length)

    async def post(
        self, url: str, *, body: bytes, content_type: str, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """POST ``body`` to ``url``; return the status and the response body."""
        lines = [f"POST {url} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        lines += [f"Content-Type: {content_type}"] + [f"{k}: {v}" for k, v in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with self._slots:
            connection = self._idle.pop() if self._idle else await self._open()
            try:
                result = await self._exchange(connection, request)
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                partial = getattr(error, "partial", b"")
                connection[1].close()
                if partial:  # the server answered part of it: do not send it twice
                    raise
                connection = await self._open()  # closed while idle, before reading anything
                result = await self._exchange(connection, request)
            self._idle.append(connection)
            return result

    async def close(self) -> None:
        """Close every idle connection."""
        while self._idle:
            self._idle.pop()[1].close()


async def run_clients(
    port: int, patient_ids: list[int], clients: int, iterations: int, think_ms: float, seed: int
) -> dict[str, Any]:
    """Run the clients; return latencies per endpoint, failures and the wall time."""
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    client = RawClient(port, clients)
    tokens = {}
    for name in STAFF:
        form = f"username={name}&password={PASSWORD}".encode()
        status, payload = await client.post(
            "/api/auth/token",
            body=form,
            content_type="application/x-www-form-urlencoded",
            headers={},
        )
        if status != 200:
            raise RuntimeError(f"sign-in of {name} failed with {status}")
        tokens[name] = {"Authorization": f"Bearer {json.loads(payload)['access_token']}"}

    async def call(
        rng: random.Random | None, label: str, who: str, url: str, body: object | None
    ) -> Any:
        if think_ms > 0 and rng is not None:
            await asyncio.sleep(rng.expovariate(1000.0 / think_ms))
        data = b"" if body is None else json.dumps(body).encode()
        start = time.perf_counter()
        status, payload = await client.post(
            url, body=data, content_type="application/json", headers=tokens[who]
        )
        latencies[label].append(time.perf_counter() - start)
        if status >= 300:
            failures[f"{label} {status}"] += 1
            return None
        return json.loads(payload)

    async def one_client(k: int, cycles: int, *, warm_up: bool = False) -> None:
        rng = None if warm_up else random.Random(seed * 1000 + k)
        patient = patient_ids[k % len(patient_ids)]
        for _ in range(cycles):
            order = await call(
                rng,
                "order",
                "dr",
                "/api/orders",
                {"patient_id": patient, "protocol_id": "adult-mas-civ", "step": 3},
            )
            if order is None:
                continue
            oid = order["id"]
            verify = {"rate_mg_per_h": 50, "concentration_mg_per_ml": 6}
            if await call(rng, "verify", "ph1", f"/api/orders/{oid}/verify", verify) is None:
                continue
            bag = await call(rng, "bag", "ph1", f"/api/orders/{oid}/bags", {"syringe_lots": ["L"]})
            if bag is None:
                continue
            reading = {  # the blind second check: what the bag says
                "drug_amount_mg": bag["drug_amount_mg"],
                "final_volume_ml": bag["final_volume_ml"],
                "syringe_lots": ["L"],
            }
            if await call(rng, "check", "ph2", f"/api/bags/{bag['id']}/check", reading) is None:
                continue
            await call(
                rng,
                "administration",
                "rn",
                f"/api/orders/{oid}/administrations",
                {
                    "event": "start",
                    "bag_id": bag["id"],
                    "rate_mg_per_h": 50,
                    # the codes a scanner reads off the wristband and the label
                    "scanned_patient": create_wristband_code(f"B-{k % len(patient_ids)}"),
                    "scanned_bag": create_bag_code(bag["id"]),
                },
            )

    # Warm-up, not measured: a few cycles so that every server process has served each kind.
    await asyncio.gather(*(one_client(k, 1, warm_up=True) for k in range(WARM_UP_CLIENTS)))
    latencies.clear()
    failures.clear()
    started = time.perf_counter()
    await asyncio.gather(*(one_client(k, iterations) for k in range(clients)))
    wall = time.perf_counter() - started
    await client.close()
    return {"latencies": latencies, "failures": dict(failures), "wall_s": wall}


def _ms(value: float) -> float:
    return round(value * 1000, 1)


def summarise(result: dict[str, Any], server_cpu_s: float | None, client_cpu_s: float) -> dict:
    """Requests per second and p50/p95/max per endpoint (milliseconds), CPU per request."""
    latencies = result["latencies"]
    total = sum(len(v) for v in latencies.values())
    out: dict[str, Any] = {
        "wall_s": round(result["wall_s"], 2),
        "requests": total,
        "requests_per_s": round(total / result["wall_s"], 1),
        "failures": result["failures"],
        "server_cpu_ms_per_request": None
        if server_cpu_s is None
        else round(server_cpu_s * 1000 / total, 2),
        "client_cpu_ms_per_request": round(client_cpu_s * 1000 / total, 2),
    }
    for label in ENDPOINTS:
        values = latencies.get(label, [])
        if len(values) < 2:
            continue
        q = statistics.quantiles(values, n=100, method="inclusive")
        out[label] = {
            "requests": len(values),
            "p50_ms": _ms(statistics.median(values)),
            "p95_ms": _ms(q[94]),
            "max_ms": _ms(max(values)),
        }
    worst = max((out[k]["p95_ms"] for k in TARGETED if k in out), default=float("inf"))
    out["target_p95_under_100_ms"] = worst < TARGET_P95_MS
    return out


def bench_engine(
    kind: str, clients: int, iterations: int, workers: int, think_ms: float, timeout_s: float
) -> dict:
    """Seed, serve and load one database with one load shape."""
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
        server = start_server(url, port, workers)
        try:
            server_cpu_before = _cpu_seconds(server.pid)
            client_cpu_before = time.process_time()
            result = asyncio.run(
                asyncio.wait_for(
                    run_clients(port, patient_ids, clients, iterations, think_ms, 1),
                    timeout_s,
                )
            )
            client_cpu = time.process_time() - client_cpu_before
            server_cpu_after = _cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=20)
        server_cpu = (
            None
            if server_cpu_before is None or server_cpu_after is None
            else server_cpu_after - server_cpu_before
        )
        return summarise(result, server_cpu, client_cpu)
    finally:
        if cleanup is not None:
            cleanup()


def describe_machine() -> dict[str, Any]:
    """The cores client and server share, and how busy the machine was before the run."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cores_shared_by_client_and_server": cores,
        "client": "one process, one asyncio event loop, one pool of keep-alive HTTP/1.1 "
        "connections (one per client)",
        "load_average_1min_before": None if load is None else round(load[0], 2),
    }


def main() -> None:
    """Run the benchmark and print a JSON report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=4, help="order cycles per client")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="server processes")
    parser.add_argument(
        "--think-ms",
        type=float,
        nargs="+",
        default=[0.0, 1000.0],
        help="mean pause before each request (0: closed loop, saturating)",
    )
    parser.add_argument("--timeout-s", type=float, default=300.0, help="limit per run")
    args = parser.parse_args()
    runs = []
    for kind in args.engines:
        for workers in args.workers:
            for think in args.think_ms:
                machine = describe_machine()
                result = bench_engine(
                    kind, args.clients, args.iterations, workers, think, args.timeout_s
                )
                runs.append(
                    {
                        "engine": kind,
                        "workers": workers,
                        "load": "closed" if think == 0 else "paced",
                        "think_ms_mean": think,
                        "load_average_1min_before": machine["load_average_1min_before"],
                        **result,
                    }
                )
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    machine = describe_machine()
    report = {
        "clients": args.clients,
        "iterations_per_client": args.iterations,
        "requests_per_cycle": len(ENDPOINTS),
        "target": f"p95 < {TARGET_P95_MS:g} ms for {', '.join(TARGETED)}",
        "cores_shared_by_client_and_server": machine["cores_shared_by_client_and_server"],
        "client": machine["client"],
        "runs": runs,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
