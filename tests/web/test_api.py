"""The REST API contract: paths, fields, statuses and error bodies."""

from __future__ import annotations

import pytest

from anakinra_iv.bootstrap import create_services
from anakinra_iv.web.app import create_app
from tests.web.conftest import Api, TestClient
from tests.workflow_support.fixtures import create_test_settings, scan_codes


def _order(api: Api, **body: object):  # type: ignore[no-untyped-def]
    payload = {"patient_id": api.ward.patient_id, "protocol_id": "adult-mas-civ"} | body
    return api.post("prescriber", "/api/orders", payload)


def test_whole_path_through_the_api(api: Api) -> None:
    """order -> verify -> bag -> check -> start -> stop, with the hand-calculated numbers of
    step 3 (1200 mg/day = 50 mg/h; 600 mg/100 mL = 6 mg/mL; 50/6 = 8.33 mL/h)."""
    created = _order(api, daily_dose="1200 mg")
    assert created.status_code == 201, created.text
    order = created.json()
    assert (order["status"], order["rate_mg_per_h"]) == ("pending_verification", 50.0)
    oid = order["id"]
    verified = api.post(
        "pharmacist",
        f"/api/orders/{oid}/verify",
        {"rate_mg_per_h": 50, "concentration_mg_per_ml": "6 mg/mL"},
    )
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    bag = api.post("pharmacist", f"/api/orders/{oid}/bags", {"syringe_lots": ["A1", "A2"]})
    assert bag.status_code == 201 and bag.json()["concentration_mg_per_ml"] == pytest.approx(6)
    bag_id = bag.json()["id"]
    reading = {"drug_amount_mg": 600, "final_volume_ml": "100 mL", "syringe_lots": ["A2", "a1"]}
    checked = api.post("pharmacist2", f"/api/bags/{bag_id}/check", reading)
    assert checked.status_code == 200 and checked.json()["checked_by"] == "ph_bo"
    started = api.post(
        "nurse",
        f"/api/orders/{oid}/administrations",
        {"event": "start", "bag_id": bag_id, "rate_mg_per_h": "50 mg/h"}
        | scan_codes(api.ward, oid, bag_id),
    )
    assert started.status_code == 201 and started.json()["status"] == "active"
    assert started.json()["current_rate_ml_per_h"] == pytest.approx(50 / 6)
    stopped = api.post(
        "nurse", f"/api/orders/{oid}/administrations", {"event": "stop", "reason": "done"}
    )
    state = api.get("viewer", f"/api/orders/{oid}").json()
    assert stopped.status_code == 201
    assert state["status"] == "stopped"
    assert [s["event"] for s in state["segments"]] == ["start", "stop"]
    assert [s["rate_mg_per_h"] for s in state["segments"]] == [50.0, 0.0]
    audit = api.get("admin", f"/api/audit?limit=3&entity_type=order&entity_id={oid}").json()
    assert audit[0]["action"] == "administration.stop" and audit[0]["actor"] == "rn_cy"


def test_health_and_openapi(api: Api) -> None:
    """/api/health reports the database; /openapi.json (off by default outside dev, served
    when the site turns it on) lists the contract's paths."""
    health = api.client.get("/api/health").json()
    assert health["database_ok"] is True and health["status"] == "ok"
    assert api.client.get("/openapi.json").status_code == 404
    assert api.client.get("/docs").status_code == 404
    settings = create_test_settings(api_docs=True)
    services = create_services(settings, engine=api.ward.services.engine)
    with TestClient(create_app(services)) as client:
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/auth/token",
        "/api/health",
        "/api/patients",
        "/api/patients/{patient_id}",
        "/api/patients/{patient_id}/observations",
        "/api/orders",
        "/api/orders/{order_id}",
        "/api/orders/{order_id}/verify",
        "/api/orders/{order_id}/bags",
        "/api/bags/{bag_id}/check",
        "/api/orders/{order_id}/administrations",
        "/api/audit",
    ):
        assert path in paths


def test_no_credentials_is_401_with_a_json_code(api: Api) -> None:
    """Without a token the API answers 401 with code 'not_authenticated'."""
    response = api.client.get(f"/api/patients/{api.ward.patient_id}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_password_then_lockout(api: Api) -> None:
    """Three failures (the test threshold) lock the account: even the right password is
    refused with code 'account_locked'."""
    for _ in range(3):
        bad = api.client.post("/api/auth/token", data={"username": "rn_cy", "password": "nope"})
        assert bad.status_code == 401 and bad.json()["code"] == "not_authenticated"
    locked = api.client.post(
        "/api/auth/token", data={"username": "rn_cy", "password": "correct-horse-battery"}
    )
    assert locked.status_code == 401 and locked.json()["code"] == "account_locked"
    api.ward.clock.advance(minutes=16)
    again = api.client.post(
        "/api/auth/token", data={"username": "rn_cy", "password": "correct-horse-battery"}
    )
    assert again.status_code == 200


def test_patient_and_observation_round_trip(api: Api) -> None:
    """A patient given in lb and umol/L is stored in kg and mg/dL (154 lb = 69.85 kg;
    106 umol/L / 88.4 = 1.2 mg/dL); an observation is stored as entered."""
    created = api.post(
        "nurse",
        "/api/patients",
        {
            "mrn": "X-9",
            "name": "Roe, Max",
            "birth_date": "1960-02-01",
            "sex": "male",
            "weight": "154 lb",
            "creatinine": "106 umol/L",
        },
    )
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    obs = api.post(
        "nurse",
        f"/api/patients/{pid}/observations",
        {"code": "2276-4", "value": "2400 ng/mL", "collected_at": "2026-01-05T07:00:00Z"},
    )
    assert obs.status_code == 201 and obs.json()["unit"] == "ng/mL"
    patient = api.get("viewer", f"/api/patients/{pid}").json()
    by_name = {o["name"]: o["magnitude"] for o in patient["observations"]}
    assert by_name["weight"] == pytest.approx(69.853, abs=1e-3)
    assert by_name["creatinine"] == pytest.approx(1.1991, abs=1e-3)


def test_invalid_input_is_422_naming_fields_and_stores_nothing(api: Api) -> None:
    """A weight without unit and an unknown creatinine unit are both reported; no row added."""
    before = api.get("admin", "/api/audit?limit=1&entity_type=patient").json()[0]["seq"]
    response = api.post(
        "nurse",
        "/api/patients",
        {
            "mrn": "BAD",
            "name": "B",
            "birth_date": "1960-02-01",
            "sex": "female",
            "weight": "70",
            "creatinine": "1.0 furlongs",
        },
    )
    body = response.json()
    assert response.status_code == 422
    assert {p["field"] for p in body["problems"]} == {"weight", "creatinine"}
    assert api.get("admin", "/api/audit?limit=1&entity_type=patient").json()[0]["seq"] == before
    missing = api.post("nurse", "/api/patients", {"mrn": "BAD"})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_input"


def test_hard_limit_and_override_errors(api: Api) -> None:
    """3000 mg/day exceeds the 2400 mg/day hard maximum (422 dose_limit_exceeded); 2000 mg/day
    above the 1600 mg/day soft maximum needs a reason (422 override_required)."""
    hard = _order(api, daily_dose="3000 mg/day")
    soft = _order(api, daily_dose="2000 mg/day")
    assert (hard.status_code, hard.json()["code"]) == (422, "dose_limit_exceeded")
    assert (soft.status_code, soft.json()["code"]) == (422, "override_required")
    ok = _order(api, daily_dose="2000 mg/day", override_reason="refractory MAS")
    assert ok.status_code == 201 and ok.json()["limit_status"] == "above_soft"


def test_not_found_and_wrong_state(api: Api) -> None:
    """An unknown order is 404; starting an unverified order is 409."""
    assert api.get("viewer", "/api/orders/999").status_code == 404
    oid = _order(api, step=3).json()["id"]
    response = api.post(
        "nurse", f"/api/orders/{oid}/administrations", {"event": "start", "bag_id": 1}
    )
    assert response.status_code in (404, 409)
    response = api.post("nurse", f"/api/orders/{oid}/administrations", {"event": "resume"})
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_verification_mismatch_is_422_and_recorded(api: Api) -> None:
    """A rate typed as mL/h-like 8.3 against 50 mg/h is refused with its own code."""
    oid = _order(api, step=3).json()["id"]
    response = api.post(
        "pharmacist",
        f"/api/orders/{oid}/verify",
        {"rate_mg_per_h": 8.3, "concentration_mg_per_ml": 6},
    )
    assert (response.status_code, response.json()["code"]) == (422, "verification_mismatch")
    assert response.json()["field"] == "verification"
    latest = api.get("admin", "/api/audit?limit=1&entity_type=order").json()[0]
    assert latest["action"] == "order.verify_refused"
