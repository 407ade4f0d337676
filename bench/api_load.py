"""Server CPU per request against a floor endpoint, and a saturating closed loop, on loopback.

For each database (SQLite file, 1 server process; PostgreSQL schema, 2 worker processes) the
script seeds a staffed ward (``--ward`` patients each on a running infusion: order, verification,
bag, second check, start; and a pool of patients without orders for new orders), starts the app
as ``anakinra serve`` builds it in child processes on 127.0.0.1, plus one route the app does not
have: the floor, ``GET /bench/floor?id=N``, one indexed SELECT (a patient by primary key) through
the same stack (FastAPI, the app's middleware, SQLAlchemy, the same driver and pool), answered as
JSON. Clients run on one ``asyncio`` event loop in this process, over keep-alive HTTP/1.1.

1. CPU per request: each endpoint alone, ``--cpu-requests`` requests from 8 clients, the server's
   CPU time (user + system of its processes, from /proc) divided by the requests:
   ``floor``; ``board`` (``GET /``, the ward board page); ``patient page`` (``GET /patients/N``);
   ``order read`` (``GET /api/orders/N``); ``order write`` (``POST /api/orders`` for a patient
   without an order). Target: each within 4x the floor's.
2. Closed loop: ``--clients`` clients (50) for ``--seconds`` (60), each sending its next request
   the moment the previous one answers: board, patient page and order read in turn, and every
   tenth request an order write while the pool lasts. Target: p95 < 100 ms for the reads, no
   errors; afterwards the audit chain verifies (MACs, links, head, row states).

The floor under the same closed loop (``closed_loop_floor_only``) shows what the stack itself
gives on these cores: with 50 clients and no pause, latency is the queue (Little's law: mean
latency = clients / throughput), so p95 < 100 ms needs > 500 requests/s, < 2 ms of CPU per
request on one core.

Profile first (cProfile in one process, the app driven over ASGI with sync routes run inline, so
that the profiler sees them; SQLite, 20 patients on infusions, 100 requests each; CPU per
request without the profiler, on a machine at load average 12-14): floor 1.3-2.0 ms; board 73 ms,
129 SQL statements, because it read each open order's segments, bags, user names, patient,
observations and newest recommendation one order at a time, and then converted every observation
(pint) and every protocol interval again for each row; order read 4.5-6.5 ms, 9 statements (the
credential check and the read, 2 transactions); patient page 14-15 ms, 40 % of it the population
PK band of the page and 35 % reading the course; order write 11-12 ms, a quarter the dose plan
and bag (which a write must compute), the rest flush, audit chain and commit. Response encoding
(pydantic serialisation and ``json.dumps``) was 1.5-3 % of any request: orjson would not show.
Changes: the board reads each kind of record for all its orders in one query (11 statements
whatever the number of patients; ``tests/workflow/test_board_queries.py``), and the conversions
that repeat on every view (analyte lookups, stored observations into catalogue units, stored
order inputs as written, protocol intervals in hours) are remembered: board 73 -> 14-18 ms in
the same measurement. Reads use the stored plan already (no read recomputes a dose plan); the
patient page's PK band depends on the time of the view and is computed for it.

    .venv/bin/python bench/api_load.py [--engines sqlite postgresql] [--seconds 60] [--smoke]

Exit status 1 when a target is missed (not with ``--smoke``, which runs a tiny size).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
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
from anakinra_iv.workflow.queries import verify_audit_chain
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
    # fresh random keys for each run (guessable keys are refused outside demo mode)
    "ANAKINRA_SECRET_KEY": secrets.token_urlsafe(32),
    "ANAKINRA_AUDIT_KEY": secrets.token_urlsafe(32),
    "ANAKINRA_ARGON2_TIME_COST": "1",
    "ANAKINRA_ARGON2_MEMORY_COST_KIB": "8",
    "ANAKINRA_ARGON2_PARALLELISM": "1",
}
FLOOR_PATH = "/bench/floor"
ENDPOINTS = ("floor", "board", "patient page", "order read", "order write")
READS = ("board", "patient page", "order read")
CPU_RATIO_TARGET = 4.0
TARGET_P95_MS = 100.0
CPU_CLIENTS = 8
WRITE_EVERY = 10


def create_bench_app() -> Any:
    """The app of one server process as ``anakinra serve`` builds it, plus the floor route."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from anakinra_iv.cli.workflow_cmds import create_server_app
    from anakinra_iv.records.tables import Patient

    app = create_server_app()
    engine = app.state.services.engine

    @app.get(FLOOR_PATH, include_in_schema=False)
    def floor(id: int) -> dict[str, Any]:
        with Session(engine) as session:
            row = session.execute(select(Patient.id, Patient.mrn).where(Patient.id == id)).one()
        return {"id": row.id, "mrn": row.mrn}

    return app


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


def verify_audit(url: str) -> dict[str, Any]:
    """The audit chain report of the database after the load."""
    services = create_services(_settings(url))
    try:
        report = verify_audit_chain(services.new_uow())
    finally:
        services.engine.dispose()
    return {"ok": report.ok, "events": report.events, "problems": list(report.problems)[:5]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """The app (and the floor route) in child processes; client and server never share one."""
    code = (
        "import uvicorn; uvicorn.run('api_load:create_bench_app', factory=True, "
        f"host='127.0.0.1', port={port}, workers={workers}, log_level='warning')"
    )
    bench = str(Path(__file__).resolve().parent)
    path = os.pathsep.join(p for p in (bench, os.environ.get("PYTHONPATH", "")) if p)
    env = os.environ | ENV | {"ANAKINRA_DATABASE_URL": url, "PYTHONPATH": path}
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                time.sleep(1.0 if workers > 1 else 0)  # let every worker finish starting
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
    """A minimal HTTP/1.1 keep-alive client for loopback (Content-Length bodies only).

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
    ) -> tuple[int, dict[str, str], bytes]:
        reader, writer = connection
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name:
                headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        length = int(headers.get("content-length", "0"))
        return int(head[9:12]), headers, await reader.readexactly(length)

    async def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; return the status, the response headers and the body."""
        lines = [f"{method} {url} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        lines += [f"Content-Type: {content_type}"] if body else []
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
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


class Ward:
    """The signed-in staff, the patients on infusions and their orders, the pool for new orders."""

    def __init__(self, client: RawClient, patients: list[int], ward_size: int) -> None:
        self.client = client
        self.ward = patients[:ward_size]
        self.pool = patients[ward_size:]
        self.orders: list[int] = []
        self.bearer: dict[str, dict[str, str]] = {}
        self.cookie: dict[str, dict[str, str]] = {}

    async def sign_in(self) -> None:
        """A bearer token and a page session for each member of staff."""
        for name in STAFF:
            form = f"username={name}&password={PASSWORD}".encode()
            form_type = "application/x-www-form-urlencoded"
            status, _, payload = await self.client.send(
                "POST", "/api/auth/token", body=form, content_type=form_type
            )
            if status != 200:
                raise RuntimeError(f"sign-in of {name} failed with {status}")
            self.bearer[name] = {"Authorization": f"Bearer {json.loads(payload)['access_token']}"}
            status, headers, _ = await self.client.send(
                "POST", "/login", body=form, content_type=form_type
            )
            cookie = headers.get("set-cookie", "").split(";")[0]
            if status != 303 or not cookie:
                raise RuntimeError(f"page sign-in of {name} failed with {status}")
            self.cookie[name] = {"Cookie": cookie}

    async def _post(self, who: str, url: str, body: object) -> Any:
        data = json.dumps(body).encode()
        status, _, payload = await self.client.send(
            "POST", url, body=data, headers=self.bearer[who]
        )
        if status >= 300:
            raise RuntimeError(f"setting up the ward: {url} answered {status}: {payload[:300]!r}")
        return json.loads(payload)

    async def start_infusions(self) -> None:
        """Each ward patient on a running infusion: order, verify, bag, second check, start."""
        for index, patient in enumerate(self.ward):  # seed() gave patient i the MRN B-i
            order = await self._post(
                "dr",
                "/api/orders",
                {"patient_id": patient, "protocol_id": "adult-mas-civ", "step": 3},
            )
            oid = order["id"]
            await self._post(
                "ph1",
                f"/api/orders/{oid}/verify",
                {"rate_mg_per_h": 50, "concentration_mg_per_ml": 6},
            )
            bag = await self._post("ph1", f"/api/orders/{oid}/bags", {"syringe_lots": ["L"]})
            reading = {  # the blind second check: what the bag says
                "drug_amount_mg": bag["drug_amount_mg"],
                "final_volume_ml": bag["final_volume_ml"],
                "syringe_lots": ["L"],
            }
            await self._post("ph2", f"/api/bags/{bag['id']}/check", reading)
            await self._post(
                "rn",
                f"/api/orders/{oid}/administrations",
                {
                    "event": "start",
                    "bag_id": bag["id"],
                    "rate_mg_per_h": 50,
                    # the codes a scanner reads off the wristband and the label
                    "scanned_patient": create_wristband_code(f"B-{index}"),
                    "scanned_bag": create_bag_code(bag["id"]),
                },
            )
            self.orders.append(oid)

    def request(self, kind: str, k: int) -> tuple[str, str, bytes, dict[str, str]] | None:
        """Method, URL, body and headers of the ``k``-th request of ``kind`` (None: pool used)."""
        patient = self.ward[k % len(self.ward)]
        if kind == "floor":
            return "GET", f"{FLOOR_PATH}?id={patient}", b"", {}
        if kind == "board":
            return "GET", "/", b"", self.cookie["rn"]
        if kind == "patient page":
            return "GET", f"/patients/{patient}", b"", self.cookie["dr"]
        if kind == "order read":
            return (
                "GET",
                f"/api/orders/{self.orders[k % len(self.orders)]}",
                b"",
                self.bearer["ph1"],
            )
        if not self.pool:
            return None
        body = {"patient_id": self.pool.pop(), "protocol_id": "adult-mas-civ", "step": 3}
        return "POST", "/api/orders", json.dumps(body).encode(), self.bearer["dr"]


async def _timed(
    ward: Ward, kind: str, k: int, latencies: dict[str, list[float]], failures: dict[str, int]
) -> None:
    found = ward.request(kind, k)
    if found is None:
        return
    method, url, body, headers = found
    started = time.perf_counter()
    status, _, _ = await ward.client.send(method, url, body=body, headers=headers)
    latencies[kind].append(time.perf_counter() - started)
    if status >= 300:
        failures[f"{kind} {status}"] += 1


async def measure_cpu(ward: Ward, server_pid: int, requests: int) -> dict[str, Any]:
    """Each endpoint alone: server CPU milliseconds per request, and latencies."""
    out: dict[str, Any] = {}
    for kind in ENDPOINTS:
        latencies: dict[str, list[float]] = defaultdict(list)
        failures: dict[str, int] = defaultdict(int)
        for k in range(CPU_CLIENTS):  # warm-up, not measured
            await _timed(ward, kind, k, defaultdict(list), defaultdict(int))
        counter = iter(range(requests))

        async def one_client(
            kind: str,
            counter: Iterator[int],
            latencies: dict[str, list[float]],
            failures: dict[str, int],
        ) -> None:
            for k in counter:
                await _timed(ward, kind, k, latencies, failures)

        before = _cpu_seconds(server_pid)
        started = time.perf_counter()
        await asyncio.gather(
            *(one_client(kind, counter, latencies, failures) for _ in range(CPU_CLIENTS))
        )
        wall = time.perf_counter() - started
        after = _cpu_seconds(server_pid)
        done = len(latencies[kind])
        out[kind] = {
            "requests": done,
            "server_cpu_ms_per_request": None
            if before is None or after is None or not done
            else round((after - before) * 1000 / done, 2),
            "requests_per_s": round(done / wall, 1),
            "failures": dict(failures),
        }
    floor = out["floor"]["server_cpu_ms_per_request"]
    for kind in ENDPOINTS[1:]:
        cpu = out[kind]["server_cpu_ms_per_request"]
        out[kind]["x_floor"] = None if not floor or cpu is None else round(cpu / floor, 2)
    return out


async def closed_loop(
    ward: Ward,
    server_pid: int,
    clients: int,
    seconds: float,
    kinds: tuple[str, ...] = READS,
    writes: bool = True,
) -> dict[str, Any]:
    """``clients`` clients without pause for ``seconds``: ``kinds`` in turn, every tenth request
    an order write (with ``writes``)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    deadline = time.perf_counter() + seconds

    async def one_client(c: int) -> None:
        k = c
        while time.perf_counter() < deadline:
            write = writes and k % WRITE_EVERY == WRITE_EVERY - 1
            kind = "order write" if write else kinds[k % len(kinds)]
            await _timed(ward, kind, k, latencies, failures)
            k += 1

    before = _cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(one_client(c) for c in range(clients)))
    wall = time.perf_counter() - started
    after = _cpu_seconds(server_pid)
    total = sum(len(v) for v in latencies.values())
    out: dict[str, Any] = {
        "clients": clients,
        "wall_s": round(wall, 1),
        "requests": total,
        "requests_per_s": round(total / wall, 1),
        # the cores the server processes got: on a shared machine, the bound on throughput
        "server_cores_used": None
        if before is None or after is None
        else round((after - before) / wall, 2),
        "failures": dict(failures),
    }
    for kind in (*kinds, "order write"):
        values = latencies.get(kind, [])
        if len(values) < 2:
            continue
        q = statistics.quantiles(values, n=100, method="inclusive")
        out[kind] = {
            "requests": len(values),
            "p50_ms": _ms(statistics.median(values)),
            "p95_ms": _ms(q[94]),
            "max_ms": _ms(max(values)),
        }
    return out


def _ms(value: float) -> float:
    return round(value * 1000, 1)


async def run_load(
    port: int, server_pid: int, patients: list[int], args: argparse.Namespace
) -> dict[str, Any]:
    """Sign in, start the ward's infusions, measure CPU per request, then the closed loop."""
    client = RawClient(port, max(args.clients, CPU_CLIENTS))
    ward = Ward(client, patients, args.ward)
    await ward.sign_in()
    await ward.start_infusions()
    cpu = await measure_cpu(ward, server_pid, args.cpu_requests)
    loop = await closed_loop(ward, server_pid, args.clients, args.seconds)
    # the floor under the same load: what the stack itself gives on these cores
    floor = await closed_loop(
        ward, server_pid, args.clients, args.floor_seconds, ("floor",), writes=False
    )
    await client.close()
    return {"cpu": cpu, "closed_loop": loop, "closed_loop_floor_only": floor}


def bench_engine(kind: str, workers: int, args: argparse.Namespace) -> dict[str, Any]:
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
        # the pool: the CPU phase's writes, its warm-up, and the closed loop's (at most)
        pool = args.cpu_requests + CPU_CLIENTS + args.pool
        patients = seed(url, patients=args.ward + pool)
        port = _free_port()
        server = start_server(url, port, workers)
        try:
            result = asyncio.run(
                asyncio.wait_for(run_load(port, server.pid, patients, args), args.timeout_s)
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
        result["audit_chain"] = verify_audit(url)
        return result
    finally:
        if cleanup is not None:
            cleanup()


def check_targets(run: dict[str, Any]) -> list[str]:
    """The targets a run missed, each named."""
    missed = []
    for kind in ENDPOINTS[1:]:
        ratio = run["cpu"][kind]["x_floor"]
        if ratio is None or ratio > CPU_RATIO_TARGET:
            missed.append(f"{kind}: server CPU {ratio}x the floor's (target <= 4x)")
    loop = run["closed_loop"]
    for kind in READS:
        p95 = loop.get(kind, {}).get("p95_ms")
        if p95 is None or p95 >= TARGET_P95_MS:
            missed.append(f"{kind}: closed-loop p95 {p95} ms (target < {TARGET_P95_MS:g} ms)")
    failures = {
        **loop["failures"],
        **{k: v for c in run["cpu"].values() for k, v in c["failures"].items()},
    }
    if failures:
        missed.append(f"errors: {failures}")
    if not run["audit_chain"]["ok"]:
        missed.append(f"audit chain broken: {run['audit_chain']['problems']}")
    return missed


def main() -> int:
    """Run the benchmark, print a JSON report; return 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="closed-loop duration")
    parser.add_argument(
        "--floor-seconds", type=float, default=15.0, help="closed loop of the floor alone"
    )
    parser.add_argument("--ward", type=int, default=20, help="patients on a running infusion")
    parser.add_argument("--cpu-requests", type=int, default=300, help="per endpoint, CPU phase")
    parser.add_argument("--pool", type=int, default=600, help="patients for closed-loop writes")
    parser.add_argument("--timeout-s", type=float, default=600.0, help="limit per database")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, targets not checked")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.seconds, args.ward, args.cpu_requests, args.pool = 4, 2.0, 2, 16, 10
        args.floor_seconds = 1.0
    runs = []
    missed: list[str] = []
    for kind in args.engines:
        workers = 1 if kind == "sqlite" else 2
        load = os.getloadavg()[0]
        result = bench_engine(kind, workers, args)
        run = {"engine": kind, "workers": workers, "load_average_1min_before": round(load, 2)}
        run |= result
        run["load_average_1min_after"] = round(os.getloadavg()[0], 2)
        run["missed"] = check_targets(run)
        missed += [f"{kind}: {m}" for m in run["missed"]]
        runs.append(run)
        print(json.dumps(run), file=sys.stderr, flush=True)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    report = {
        "cores_shared_by_client_and_server": cores,
        "load average": [round(x, 2) for x in os.getloadavg()],
        "targets": f"server CPU per request <= {CPU_RATIO_TARGET:g}x the floor's; closed loop "
        f"p95 < {TARGET_P95_MS:g} ms for {', '.join(READS)}; no errors; audit chain intact",
        "runs": runs,
    }
    print(json.dumps(report, indent=2))
    if args.smoke:
        print("smoke run: targets not checked")
        return 0
    for line in missed:
        print(f"MISSED {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
