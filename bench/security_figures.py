"""Figures of the security and fault probe, measured on both databases against a running server.

For SQLite (one server process) and PostgreSQL (two), the script measures:

* races x N: two requests only one may win, sent at the same instant; winners and the status
  codes of the losers;
* a crash: N clients run whole patient courses over HTTP, the server is killed with SIGKILL once
  ``--acknowledged`` writes were acknowledged, restarted, the unanswered requests retried with
  their Idempotency-Keys; acknowledged writes found afterwards, and the chain verified;
* tampering: each way of hiding a change (audit trail, clinical tables, backups) tried on a
  fresh ward, and whether ``audit verify`` or ``restore`` finds it;
* lock-out: 30 wrong passwords at once for one user from one address; how many were checked.

Everything runs on 127.0.0.1 and in temporary folders and schemas.

    .venv/bin/python bench/security_figures.py --rounds 50 --clients 8 --acknowledged 200
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from tests.security.crash_load import Ledger, run_clients, sign_in
from tests.security.races import RACES, add_third_pharmacist, run_race
from tests.security.server import (
    postgres_url_in_schema,
    prepare_ward,
    server_env,
    start_server,
)
from tests.security.tampering import (
    append_forged_event,
    rewrite_and_rehash,
    run_sql,
    truncate_and_move_head_back,
)
from tests.security.test_fault_injection import check_after_crash
from tests.workflow_support.databases import empty_engine, postgres_schema_engine
from tests.workflow_support.fixtures import PASSWORD, Ward, start_running

from anakinra_iv.bootstrap import create_services
from anakinra_iv.config import Settings
from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.backup import restore_backup, write_backup
from anakinra_iv.records.tables import AuditEvent, Base


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A URL of an empty database a child process can open."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'ward.sqlite3'}"
        return
    with postgres_schema_engine() as engine:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        yield postgres_url_in_schema(str(schema))


def _settings(env: dict[str, str]) -> Settings:
    return Settings(
        **{
            k[9:].lower(): v
            for k, v in env.items()
            if k.startswith("ANAKINRA_") and k != "ANAKINRA_TEST_POSTGRES_URL"
        }
    )


def measure_races(kind: str, rounds: int, workers: int) -> dict[str, Any]:
    """Winners and loser codes of each race, ``rounds`` times."""
    with tempfile.TemporaryDirectory() as folder, database(kind, Path(folder)) as url:
        env = server_env(url, Path(folder) / "checkpoints")
        ward = prepare_ward(env)
        add_third_pharmacist(ward)
        server = start_server(env, workers=workers)
        try:
            headers = sign_in(server.url)
            token = httpx.post(
                f"{server.url}/api/auth/token", data={"username": "ph_cat", "password": PASSWORD}
            ).json()
            headers["pharmacist3"] = {"Authorization": f"Bearer {token['access_token']}"}
            client = httpx.Client(base_url=server.url, timeout=60)

            def post(who: str, url: str, body: dict[str, object]) -> tuple[int, str]:
                response = client.post(url, json=body, headers=headers[who])
                code = "ok" if response.status_code < 400 else response.json().get("code", "?")
                return response.status_code, code

            figures: dict[str, Any] = {}
            for race in RACES:
                winners: Counter[int] = Counter()
                losers: Counter[str] = Counter()
                for _ in range(rounds):
                    results = run_race(post, race.prepare(ward))
                    winners[sum(200 <= s < 300 for s, _ in results)] += 1
                    losers.update(f"{s} {c}" for s, c in results if not 200 <= s < 300)
                figures[race.name] = {"winners": dict(winners), "losers": dict(losers)}
            client.close()
            return figures
        finally:
            server.kill()
            ward.services.engine.dispose()


def measure_crash(kind: str, clients: int, acknowledged: int, workers: int) -> dict[str, Any]:
    """SIGKILL under load: acknowledged writes, found afterwards, retries, chain."""
    with tempfile.TemporaryDirectory() as folder, database(kind, Path(folder)) as url:
        env = server_env(url, Path(folder) / "checkpoints")
        prepare_ward(env).services.engine.dispose()
        server = start_server(env, workers=workers)
        ledger = Ledger()
        loader = threading.Thread(target=run_clients, args=(server.url, clients, 1000, ledger))
        loader.start()
        deadline = time.monotonic() + 300
        while len(ledger.acknowledged) < acknowledged and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        loader.join()
        again = start_server(env, workers=workers)
        retried: Counter[str] = Counter()
        try:
            headers = sign_in(again.url)
            for who, path, body, key in ledger.unanswered:
                for _ in range(3):  # as a client does: wait as Retry-After says, then again
                    response = httpx.post(
                        f"{again.url}{path}",
                        json=body,
                        headers=headers[who] | {"Idempotency-Key": key},
                    )
                    code = "ok" if response.status_code < 400 else response.json().get("code")
                    if code != "idempotency_key_in_progress":
                        break
                    time.sleep(float(response.headers.get("retry-after", "1")))
                retried[f"{response.status_code} {code}"] += 1
        finally:
            again.kill()
        services = create_services(_settings(env))
        try:
            counts = check_after_crash(services.engine, ledger)
            with services.new_uow() as uow:
                report = uow.audit.verify_chain()
        finally:
            services.engine.dispose()
        return {
            "acknowledged": len(ledger.acknowledged),
            "found": len(ledger.acknowledged),  # check_after_crash asserts each one
            "refused_before_kill": len(ledger.refused),
            "unanswered_retried": dict(retried),
            "chain_ok": report.ok,
            "events": report.events,
            "checkpoints": report.checkpoints,
            **counts,
        }


def _fresh_ward(kind: str, folder: Path) -> Ward:
    from tests.workflow_support.fixtures import FakeClock, create_test_settings, staff_ward

    engine_cm = empty_engine(kind, folder)
    engine = engine_cm.__enter__()
    Base.metadata.create_all(engine)
    clock = FakeClock()
    settings = create_test_settings(audit_checkpoint_file=folder / "checkpoints")
    ward = staff_ward(create_services(settings, engine=engine, clock=clock), clock)
    start_running(ward)
    ward.engine_cm = engine_cm  # type: ignore[attr-defined]
    return ward


def _verify_finds(ward: Ward) -> bool:
    with ward.uow() as uow:
        return not uow.audit.verify_chain().ok


def _events(ward: Ward) -> int:
    with ward.uow() as uow:
        return uow.audit.verify_chain().events


def _backup_case(ward: Ward, folder: Path, table: str, who: str | None, **change: Any) -> bool:
    path = folder / "backup.json"
    write_backup(ward.services.engine, path, ward.services.audit_keys, now=ward.clock())
    payload = json.loads(path.read_text())
    row_id = 1 if who is None else ward.users[who]
    next(r for r in payload["tables"][table] if r.get("id") == row_id).update(change)
    path.write_text(json.dumps(payload))
    (folder / "target").mkdir(exist_ok=True)
    with empty_engine(ward.services.engine.dialect.name, folder / "target") as target:
        Base.metadata.create_all(target)
        try:
            restore_backup(target, path, ward.services.audit_keys)
        except InvalidInput:
            return True
    return False


TAMPER_CASES: dict[str, Callable[[Ward, Path], bool]] = {
    "audit: last 2 events removed, head moved back": lambda w, f: (
        truncate_and_move_head_back(w.services.engine, _events(w) - 2),
        _verify_finds(w),
    )[1],
    "audit: event rewritten, later hashes recomputed": lambda w, f: (
        rewrite_and_rehash(w.services.engine, 9, '{"rate_mg_per_h":500.0}'),
        _verify_finds(w),
    )[1],
    "audit: forged event appended (signed-looking)": lambda w, f: (
        append_forged_event(w.services.engine, scheme="hmac-sha256"),
        _verify_finds(w),
    )[1],
    "audit: forged event appended (unsigned)": lambda w, f: (
        append_forged_event(w.services.engine, scheme="sha256"),
        _verify_finds(w),
    )[1],
    "table: order rate 50 -> 500 mg/h": lambda w, f: (
        run_sql(w.services.engine, "UPDATE orders SET rate_mg_per_h = 500"),
        _verify_finds(w),
    )[1],
    "table: viewer made admin": lambda w, f: (
        run_sql(w.services.engine, "UPDATE users SET roles = 'admin' WHERE username = 'viewer'"),
        _verify_finds(w),
    )[1],
    "table: admin password hash replaced": lambda w, f: (
        run_sql(w.services.engine, "UPDATE users SET password_hash = 'x' WHERE username='admin'"),
        _verify_finds(w),
    )[1],
    "table: observation deleted": lambda w, f: (
        run_sql(w.services.engine, "DELETE FROM observations WHERE id = 2"),
        _verify_finds(w),
    )[1],
    "backup: order rate x 10": lambda w, f: _backup_case(w, f, "orders", None, rate_mg_per_h=500.0),
    "backup: viewer made admin": lambda w, f: _backup_case(w, f, "users", "viewer", roles="admin"),
    "backup: admin password hash replaced": lambda w, f: _backup_case(
        w, f, "users", "admin", password_hash="$argon2id$forged"
    ),
    "backup: unknown column added": lambda w, f: _backup_case(w, f, "orders", None, extra=1),
}


def measure_tampering(kind: str) -> dict[str, bool]:
    """Whether each tampering case is found."""
    from tests.security.tampering import drop_audit_triggers

    found: dict[str, bool] = {}
    for name, case in TAMPER_CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            ward = _fresh_ward(kind, Path(folder))
            try:
                if name.startswith(("audit: forged", "table:")):
                    drop_audit_triggers(ward.services.engine)
                found[name] = bool(case(ward, Path(folder)))
            finally:
                ward.services.engine.dispose()
                ward.engine_cm.__exit__(None, None, None)  # type: ignore[attr-defined]
    return found


def measure_lockout(kind: str, workers: int, guesses: int = 30) -> dict[str, Any]:
    """``guesses`` wrong passwords at once, one user, one address, threshold 5."""
    with tempfile.TemporaryDirectory() as folder, database(kind, Path(folder)) as url:
        env = server_env(url, Path(folder) / "checkpoints", ANAKINRA_LOCKOUT_THRESHOLD="5")
        ward = prepare_ward(env)
        server = start_server(env, workers=workers)
        try:
            barrier = threading.Barrier(guesses)
            codes: Counter[str] = Counter()

            def guess(n: int) -> None:
                barrier.wait()
                response = httpx.post(
                    f"{server.url}/api/auth/token",
                    data={"username": "rn_cy", "password": f"wrong-{n}"},
                    timeout=60,
                )
                codes[f"{response.status_code} {response.json().get('code')}"] += 1

            threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with ward.services.engine.connect() as connection:
                checked = connection.scalar(
                    select(func.count()).where(
                        AuditEvent.action.in_(("auth.failed", "auth.lockout"))
                    )
                )
            return {"answers": dict(codes), "passwords_checked": int(checked or 0)}
        finally:
            server.kill()
            ward.services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--acknowledged", type=int, default=200)
    parser.add_argument("--only", choices=["races", "crash", "tamper", "lockout"], nargs="*")
    args = parser.parse_args()
    wanted = set(args.only or ["races", "crash", "tamper", "lockout"])
    figures: dict[str, Any] = {}
    for kind, workers in (("sqlite", 1), ("postgresql", 2)):
        result: dict[str, Any] = {"workers": workers}
        if "races" in wanted:
            result["races"] = measure_races(kind, args.rounds, workers)
        if "crash" in wanted:
            result["crash"] = measure_crash(kind, args.clients, args.acknowledged, workers)
        if "tamper" in wanted:
            result["tampering"] = measure_tampering(kind)
        if "lockout" in wanted:
            result["lockout"] = measure_lockout(kind, workers)
        figures[kind] = result
        print(json.dumps({kind: result}, indent=1), flush=True)


if __name__ == "__main__":
    main()
