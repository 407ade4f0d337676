"""The new actions of the REST API, on SQLite and PostgreSQL: ``POST /api/orders/{id}/reject``,
``/query``, ``/cancel``, ``/discontinue``, ``/loading-dose``, ``administrations`` with
``event: stop`` (refused without a reason), ``/api/alerts`` and its resolution. Each success
writes its audit row; each refusal stores nothing. The role matrix of these actions is in
``test_role_matrix.py``.

And the blind verification from the API's side: before their own verification is accepted, a
pharmacist's ``GET /api/orders/{id}`` carries no computed rate or concentration.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from tests.web.conftest import Api
from tests.web.test_api_invalid_input import _assert_refused_and_nothing_stored, _count_rows
from tests.workflow_support.fixtures import (
    administer,
    compound_and_check,
    prescribe_step,
    start_running,
    verify,
)


def _last_action(api: Api) -> dict[str, object]:
    """The newest clinical event (sign-ins, record reads and refusals are access events)."""
    events = api.get("admin", "/api/audit?limit=50").json()
    return dict(
        next(e for e in events if not e["action"].startswith(("auth.", "access.", "patient.")))
    )


@pytest.mark.parametrize(
    ("action", "who", "status", "audited"),
    [
        ("reject", "pharmacist", "rejected", "order.reject"),
        ("query", "pharmacist", "queried", "order.query"),
        ("cancel", "prescriber", "cancelled", "order.cancel"),
    ],
)
def test_reason_actions_on_a_pending_order(
    api: Api, engine: Engine, action: str, who: str, status: str, audited: str
) -> None:
    """A body without a reason (or an empty one, or an unknown field) is a 422 naming 'reason'
    and stores nothing; with a reason the order takes its new status and keeps the reason; one
    audit row names the actor."""
    order_id = prescribe_step(api.ward)
    url = f"/api/orders/{order_id}/{action}"
    cases: list[tuple[object, str]] = [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "x", "why": "y"}, "why"),
    ]
    _assert_refused_and_nothing_stored(api, engine, who, url, cases)
    before = _count_rows(engine)["audit_events"]
    response = api.post(who, url, {"reason": "dose too high for day one"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["status_reason"]) == (status, "dose too high for day one")
    assert _count_rows(engine)["audit_events"] == before + 1
    event = _last_action(api)
    assert event["action"] == audited and event["reason"] == "dose too high for day one"


def test_discontinue_a_running_order_and_the_stop_that_follows(api: Api, engine: Engine) -> None:
    """Discontinue on a pending order is a 409 (it is cancelled instead) and stores nothing; on a
    running one it is 200; the nurse's stop without a reason is a 422 naming 'reason' (nothing
    stored), with one it is 201."""
    pending = prescribe_step(api.ward)
    before = _count_rows(engine)
    refused = api.post("prescriber", f"/api/orders/{pending}/discontinue", {"reason": "x"})
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    assert _count_rows(engine) == before
    cancelled = api.post("prescriber", f"/api/orders/{pending}/cancel", {"reason": "entered twice"})
    assert cancelled.status_code == 200, cancelled.text
    order_id, _ = start_running(api.ward)
    done = api.post("prescriber", f"/api/orders/{order_id}/discontinue", {"reason": "to SC"})
    assert done.status_code == 200 and done.json()["status"] == "discontinued"
    assert _last_action(api)["action"] == "order.discontinue"
    url = f"/api/orders/{order_id}/administrations"
    _assert_refused_and_nothing_stored(
        api,
        engine,
        "nurse",
        url,
        [({"event": "stop"}, "reason"), ({"event": "stop", "reason": " "}, "reason")],
    )
    stopped = api.post("nurse", url, {"event": "stop", "reason": "SC anakinra started"})
    assert stopped.status_code == 201
    assert stopped.json()["segments"][-1]["rate_mg_per_h"] == 0
    assert _last_action(api)["reason"] == "SC anakinra started"


def test_loading_dose_through_the_api(api: Api, engine: Engine) -> None:
    """A dose in mg/h, a tenfold dose (1,000 mg for the verified 100 mg), no lot, a time without
    zone: each a 422 naming its field with nothing stored; then 201 with the dose on the order
    and an 'order.loading_dose' row; a second one is a 409."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    url = f"/api/orders/{order_id}/loading-dose"
    good = {"dose_mg": "100 mg", "syringe_lot": "LD-1"}
    cases: list[tuple[object, str]] = [
        (good | {"dose_mg": "100 mg/h"}, "dose_mg"),
        (good | {"dose_mg": 1000}, "dose_mg"),
        ({"dose_mg": 100}, "syringe_lot"),
        (good | {"given_at": "2026-01-05T07:00:00"}, "given_at"),
    ]
    _assert_refused_and_nothing_stored(api, engine, "nurse", url, cases)
    response = api.post("nurse", url, good)
    assert response.status_code == 201, response.text
    given = response.json()["loading_dose"]
    assert (given["dose_mg"], given["syringe_lot"], given["given_by"]) == (100.0, "LD-1", "rn_cy")
    assert _last_action(api)["action"] == "order.loading_dose"
    again = api.post("nurse", url, good)
    assert (again.status_code, again.json()["code"]) == (409, "conflict")


def test_alerts_and_their_resolution(api: Api, engine: Engine) -> None:
    """Three mismatches: the third answer says the order is locked; GET /api/alerts lists the
    alert; a fourth attempt is 403 'check_locked' with nothing stored; the lead resolves it
    (a note is required) with one audit row."""
    order_id = prescribe_step(api.ward)
    url = f"/api/orders/{order_id}/verify"
    for _ in range(3):
        answer = api.post("pharmacist", url, {"rate_mg_per_h": 5, "concentration_mg_per_ml": 6})
        assert answer.status_code == 422
    assert "locked for you" in answer.json()["message"]
    (alert,) = api.get("pharmacist2", "/api/alerts").json()
    assert (alert["kind"], alert["order_id"], alert["user"]) == (
        "verification_locked",
        order_id,
        "ph_ada",
    )
    before = _count_rows(engine)
    locked = api.post("pharmacist", url, {"rate_mg_per_h": 50, "concentration_mg_per_ml": 6})
    assert (locked.status_code, locked.json()["code"]) == (403, "check_locked")
    assert _count_rows(engine) == before
    resolve = f"/api/alerts/{alert['id']}/resolve"
    _assert_refused_and_nothing_stored(api, engine, "lead", resolve, [({}, "note")])
    done = api.post("lead", resolve, {"note": "recalculated with the pharmacist"})
    assert done.status_code == 200 and done.json()["resolved_by"] == "ph_lead"
    assert _last_action(api)["action"] == "alert.resolve"
    assert api.get("pharmacist", "/api/alerts").json() == []


COMPUTED = (
    "rate_mg_per_h",
    "planned_concentration_mg_per_ml",
    "planned_rate_ml_per_h",
    "daily_dose_mg",
    "loading_dose_mg",
    "limit_status",
)


@pytest.mark.parametrize("step", [1, 3, 4])
def test_a_pharmacist_gets_no_computed_number_before_their_verification(
    api: Api, step: int
) -> None:
    """Step 1, 3, 4 (400, 1,200, 1,600 mg/day): the pharmacist's JSON has the order as written
    (step, weight, creatinine) and none of the computed fields, and no plan, and nowhere the
    rate or the concentration as numbers; the nurse's JSON has them; after the pharmacist's
    accepted verification, the pharmacist's has them too."""
    daily = {1: 400, 3: 1200, 4: 1600}[step]
    rate, conc = daily / 24, daily / 2 / 100  # a 12-h bag of 100 mL
    order_id = prescribe_step(api.ward, step)
    blinded = api.get("pharmacist", f"/api/orders/{order_id}").json()
    assert blinded["blinded"] is True and blinded["plan"] == {}
    assert all(blinded[name] is None for name in COMPUTED)
    assert blinded["as_written"]["step"] == step and blinded["as_written"]["weight"] == "70 kg"
    text = json.dumps(blinded)
    for number in (rate, conc, rate / conc, daily):
        for shown in (f"{number:g}", f"{number:.2f}", f"{number:.1f}"):
            assert f": {shown}," not in text and f": {shown}}}" not in text
    nurse = api.get("nurse", f"/api/orders/{order_id}").json()
    assert nurse["rate_mg_per_h"] == pytest.approx(rate) and nurse["blinded"] is False
    verify(api.ward, order_id, f"{rate} mg/h", f"{conc} mg/mL")
    after = api.get("pharmacist", f"/api/orders/{order_id}").json()
    assert after["rate_mg_per_h"] == pytest.approx(rate) and after["blinded"] is False


def test_a_bag_awaiting_its_check_is_shown_without_contents(api: Api) -> None:
    """The preparer sees the bag's contents; another pharmacist (a possible checker) gets null
    amounts and no lots; the nurse sees them."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    api.post("pharmacist", f"/api/orders/{order_id}/bags", {"syringe_lots": ["L-9"]})
    mine = api.get("pharmacist", f"/api/orders/{order_id}").json()["bags"][0]
    theirs = api.get("pharmacist2", f"/api/orders/{order_id}").json()["bags"][0]
    assert mine["drug_amount_mg"] == 600 and mine["syringe_lots"] == ["L-9"]
    assert theirs["contents_hidden"] is True and theirs["syringe_lots"] == []
    assert theirs["drug_amount_mg"] is None and theirs["concentration_mg_per_ml"] is None
    assert api.get("nurse", f"/api/orders/{order_id}").json()["bags"][0]["drug_amount_mg"] == 600


def test_report_and_fhir_export_are_audited(api: Api) -> None:
    """A report served (PDF) and a FHIR export each add one audit row naming who and which
    patient."""
    patient = api.ward.patient_id
    assert api.get("nurse", f"/api/patients/{patient}/report.pdf").status_code == 200
    event = _last_action(api)
    assert (event["action"], event["actor"], event["entity_id"]) == (
        "report.view",
        "rn_cy",
        str(patient),
    )
    assert api.get("viewer", f"/fhir/r4/Patient/{patient}/$everything").status_code == 200
    event = _last_action(api)
    assert (event["action"], event["actor"]) == ("fhir.export", "viewer")


def test_administration_events_still_work_after_a_loading_dose(api: Api) -> None:
    """Loading dose, then start: the order runs at the verified 50 mg/h."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    api.post("nurse", f"/api/orders/{order_id}/loading-dose", {"dose_mg": 100, "syringe_lot": "L"})
    bag_id = compound_and_check(api.ward, order_id)
    view = administer(api.ward, order_id, "start", bag_id=bag_id)
    assert view.status == "active" and view.loading_dose is not None
