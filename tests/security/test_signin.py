"""Sign-in and abuse (issue 13 §5): an atomic lock-out per user and client address with
back-off, an admin unlock, a per-address rate limit before hashing, sessions that end."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.records.tables import AuditEvent
from anakinra_iv.web.app import create_app
from anakinra_iv.web.security import SESSION_COOKIE, create_token
from tests.web.conftest import Api, TestClient
from tests.workflow_support.fixtures import (
    PASSWORD,
    TEST_SECRET_KEY,
    FakeClock,
    Ward,
    create_test_settings,
    staff_ward,
)

GUESSES = 30
THRESHOLD = 5


@pytest.fixture
def guarded(engine: Engine, clock: FakeClock, tmp_path: Path) -> Iterator[tuple[Ward, Services]]:
    """A ward whose lock-out threshold is 5 and whose rate limit lets 30 guesses through (so
    that the lock-out alone is measured)."""
    settings = create_test_settings(
        lockout_threshold=THRESHOLD,
        login_burst=1000,
        audit_checkpoint_file=tmp_path / "checkpoints",
    )
    services = create_services(settings, engine=engine, clock=clock)
    yield staff_ward(services, clock), services


def _sign_in(client: TestClient, password: str, username: str = "rn_cy") -> tuple[int, str]:
    response = client.post("/api/auth/token", data={"username": username, "password": password})
    return response.status_code, response.json().get("code", "ok")


def _checked_attempts(engine: Engine) -> Counter[str]:
    """Sign-in attempts whose password was checked: one audit event each."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEvent.action, func.count())
            .where(AuditEvent.action.in_(("auth.failed", "auth.lockout", "auth.sign_in")))
            .group_by(AuditEvent.action)
        )
        return Counter({action: int(n) for action, n in rows})


def test_30_parallel_guesses_check_only_the_threshold(
    guarded: tuple[Ward, Services], engine: Engine
) -> None:
    """30 wrong passwords at once from one address: exactly 5 are checked (4 failures and the
    lock-out), 25 are refused as locked without hashing; all 30 answer 401."""
    _, services = guarded
    barrier = threading.Barrier(GUESSES)
    answers: list[tuple[int, str]] = []
    with TestClient(create_app(services)) as client:

        def guess(n: int) -> None:
            barrier.wait()
            answers.append(_sign_in(client, f"wrong-{n}"))

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    codes = Counter(code for _, code in answers)
    assert {status for status, _ in answers} == {401}
    assert codes == {"not_authenticated": THRESHOLD, "account_locked": GUESSES - THRESHOLD}
    assert _checked_attempts(engine) == {"auth.failed": THRESHOLD - 1, "auth.lockout": 1}


def test_lockout_is_per_address_doubles_and_an_admin_lifts_it(
    guarded: tuple[Ward, Services],
) -> None:
    """Five failures from 10.0.0.9 lock rn_cy there for 15 min, while rn_cy at the ward's
    address still signs in. Five more failures after it ends (no success between) lock for
    30 min (15 x 2): still locked 16 min later. An admin's unlock lifts it at once; a nurse
    may not unlock."""
    ward, services = guarded
    app = create_app(services)
    with (
        TestClient(app, client=("10.0.0.9", 4000)) as attacker,
        TestClient(app, client=("10.0.0.1", 4000)) as ward_pc,
    ):
        for _ in range(THRESHOLD):
            assert _sign_in(attacker, "wrong")[0] == 401
        assert _sign_in(attacker, PASSWORD) == (401, "account_locked")
        assert _sign_in(ward_pc, PASSWORD) == (200, "ok")
        ward.clock.advance(minutes=16)
        for _ in range(THRESHOLD):
            assert _sign_in(attacker, "wrong") == (401, "not_authenticated")
        ward.clock.advance(minutes=16)
        assert _sign_in(attacker, PASSWORD) == (401, "account_locked")
        admin = Api(ward_pc, ward)
        assert admin.post("nurse", "/api/users/unlock", {"username": "rn_cy"}).status_code == 403
        unlock = admin.post("admin", "/api/users/unlock", {"username": "rn_cy"})
        assert unlock.status_code == 200 and unlock.json()["addresses_cleared"] >= 1
        assert _sign_in(attacker, PASSWORD) == (200, "ok")


def test_sign_in_flood_is_limited_per_address_before_hashing(
    engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    """With a burst of 10, the 11th quick sign-in from one address is 429 with Retry-After and
    is never checked (no audit event); another address is not affected."""
    settings = create_test_settings(
        login_burst=10, login_attempts_per_minute=6, lockout_threshold=50
    )
    services = create_services(settings, engine=engine, clock=clock)
    staff_ward(services, clock)
    app = create_app(services)
    with (
        TestClient(app, client=("10.0.0.7", 1)) as flood,
        TestClient(app, client=("10.0.0.8", 1)) as other,
    ):
        statuses = [
            flood.post("/api/auth/token", data={"username": "x", "password": "y"})
            for _ in range(12)
        ]
        assert [r.status_code for r in statuses] == [401] * 10 + [429, 429]
        assert int(statuses[-1].headers["retry-after"]) >= 1
        assert statuses[-1].json()["code"] == "too_many_requests"
        page = flood.post("/login", data={"username": "x", "password": "y"})
        assert page.status_code == 429 and "Too many sign-in attempts" in page.text
        assert _sign_in(other, PASSWORD) == (200, "ok")
    assert _checked_attempts(engine)["auth.failed"] == 10


def test_sign_out_password_change_and_disable_end_sessions(api: Api) -> None:
    """A bearer token stops working after sign-out; after a password change (and the old
    password stops working); after the user is disabled. Each is audited."""
    nurse = api.headers("nurse")
    url = f"/api/patients/{api.ward.patient_id}"
    assert api.client.get(url, headers=nurse).status_code == 200
    assert api.client.post("/api/auth/logout", headers=nurse).status_code == 204
    gone = api.client.get(url, headers=nurse)
    assert gone.status_code == 401 and "revoked" in gone.json()["message"]
    api._tokens.clear()
    fresh = api.headers("nurse")
    change = api.client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "a-new-long-password"},
        headers=fresh,
    )
    assert change.status_code == 204
    assert api.client.get(url, headers=fresh).status_code == 401
    assert _sign_in(api.client, PASSWORD)[0] == 401
    assert _sign_in(api.client, "a-new-long-password")[0] == 200
    viewer = api.headers("viewer")
    disabled = api.post(
        "admin", f"/api/users/{api.ward.users['viewer']}/disable", {"reason": "left the unit"}
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert api.client.get(url, headers=viewer).status_code == 401
    actions = [e["action"] for e in api.get("admin", "/api/audit?entity_type=user").json()]
    assert {"auth.sign_out", "user.password_change", "user.disable"} <= set(actions)


def test_page_sign_out_ends_the_session_cookie(api: Api) -> None:
    """The cookie kept from before sign-out no longer opens a page (it redirects to sign-in)."""
    client = api.client
    client.post("/login", data={"username": "rn_cy", "password": PASSWORD}, follow_redirects=False)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie and client.get("/nursing", follow_redirects=False).status_code == 200
    page = client.get("/nursing").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, cookie)
    again = client.get("/nursing", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "nurse"},
        {"sub": "²"},
        {"sub": "99999999999999999999"},
        {"sub": "1" * 5000},
        {"sub": "4", "ver": "0"},
    ],
    ids=["word", "superscript", "huge", "5000-digits", "version-text"],
)
def test_forged_claims_signed_with_the_right_key_are_401(
    api: Api, claims: dict[str, object]
) -> None:
    """A token signed with the real key whose 'sub' is no user number, or whose version is not
    a number, is refused with 401 (it was a 500)."""
    import jwt

    payload = {"typ": "access", "exp": 2**40, "name": "x", "ver": 0, "csrf": ""} | claims
    token = jwt.encode(payload, TEST_SECRET_KEY, algorithm="HS256")
    response = api.client.get("/api/patients/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_token_without_version_is_refused(api: Api) -> None:
    """A token from before versions (or of another version) no longer opens the API."""
    token = create_token(
        TEST_SECRET_KEY,
        user_id=4,
        username="rn_cy",
        kind="access",
        minutes=5,
        now=api.ward.clock(),
        version=7,
    )
    response = api.client.get("/api/patients/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
