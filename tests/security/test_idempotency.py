"""Retries do not duplicate (issue 15 §4): a POST with an Idempotency-Key answers a repeat with
the first answer and writes nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from anakinra_iv.records.tables import AdministrationSegment, Bag, Observation, Order
from tests.web.conftest import Api
from tests.workflow_support.fixtures import compound_and_check, prescribe_step, scan_codes, verify


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _post(api: Api, who: str, url: str, body: object, key: str):  # type: ignore[no-untyped-def]
    return api.client.post(url, json=body, headers=api.headers(who) | {"Idempotency-Key": key})


def test_a_repeated_order_is_answered_with_the_first_one(api: Api, engine: Engine) -> None:
    """The same order sent three times with one key: one order, three identical 201 answers,
    the repeats marked Idempotent-Replayed."""
    body = {"patient_id": api.ward.patient_id, "protocol_id": "adult-mas-civ", "step": 3}
    answers = [_post(api, "prescriber", "/api/orders", body, "order-1") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[1].content == answers[0].content == answers[2].content
    assert "idempotent-replayed" not in answers[0].headers
    assert answers[2].headers["idempotent-replayed"] == "true"
    assert _count(engine, Order) == 1


@pytest.mark.parametrize("kind", ["bag", "observation", "administration"])
def test_repeated_writes_of_each_kind_write_once(api: Api, engine: Engine, kind: str) -> None:
    """A bag, an observation, a nursing start: each sent twice with one key is stored once."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    if kind == "bag":
        url, who, body, table = (
            f"/api/orders/{order_id}/bags",
            "pharmacist",
            {"syringe_lots": ["L1"]},
            Bag,
        )
    elif kind == "observation":
        url, who, table = f"/api/patients/{api.ward.patient_id}/observations", "nurse", Observation
        body = {"name": "ferritin", "value": "2400 ng/mL", "collected_at": "2026-01-05T07:00:00Z"}
    else:
        bag_id = compound_and_check(api.ward, order_id)
        url, who, table = f"/api/orders/{order_id}/administrations", "nurse", AdministrationSegment
        body = {"event": "start", "bag_id": bag_id} | scan_codes(api.ward, order_id, bag_id)
    before = _count(engine, table)
    first = _post(api, who, url, body, f"{kind}-key")
    second = _post(api, who, url, body, f"{kind}-key")
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert second.content == first.content
    assert _count(engine, table) == before + 1


def test_a_key_belongs_to_one_request_and_one_user(api: Api, engine: Engine) -> None:
    """The same key with another body is 422 naming the header; the same key from another user
    is that user's own."""
    url = f"/api/patients/{api.ward.patient_id}/observations"
    at = "2026-01-05T07:00:00Z"
    first = _post(api, "nurse", url, {"name": "crp", "value": "120 mg/L", "collected_at": at}, "k")
    other = _post(api, "nurse", url, {"name": "crp", "value": "130 mg/L", "collected_at": at}, "k")
    mine = _post(
        api, "prescriber", url, {"name": "crp", "value": "130 mg/L", "collected_at": at}, "k"
    )
    assert first.status_code == 201 and mine.status_code == 201
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    assert other.json()["code"] == "idempotency_key_reused"


def test_a_refusal_is_replayed_and_a_bad_key_is_refused(api: Api) -> None:
    """A 422 is the first answer too (nothing was stored, nothing is on repeat); a key with a
    space or of 300 characters is 422."""
    body = {
        "patient_id": api.ward.patient_id,
        "protocol_id": "adult-mas-civ",
        "daily_dose": "9000 mg",
    }
    first = _post(api, "prescriber", "/api/orders", body, "big-dose")
    again = _post(api, "prescriber", "/api/orders", body, "big-dose")
    assert first.status_code == again.status_code == 422 and again.content == first.content
    for key in ("has space", "x" * 300):
        bad = _post(api, "prescriber", "/api/orders", body, key)
        assert bad.status_code == 422 and bad.json()["field"] == "Idempotency-Key"


def test_applied_request_whose_answer_was_lost_is_not_repeated(
    api: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stops between the commit and storing the answer (simulated: the answer is
    not kept): the retry is 409 naming the order written, and there is still one order."""
    import anakinra_iv.web.idempotency as module

    monkeypatch.setattr(module, "finish_request", lambda *args, **kwargs: None)
    body = {"patient_id": api.ward.patient_id, "protocol_id": "adult-mas-civ", "step": 3}
    first = _post(api, "prescriber", "/api/orders", body, "lost-answer")
    retry = _post(api, "prescriber", "/api/orders", body, "lost-answer")
    assert first.status_code == 201
    assert retry.status_code == 409 and retry.json()["code"] == "idempotency_key_applied"
    assert f"order {first.json()['id']}" in retry.json()["message"]
    assert _count(engine, Order) == 1
