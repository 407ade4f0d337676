"""Races end in one winner and a 409, never a 500 (issue 13 §1 and §4), on SQLite and
PostgreSQL: two nurses starting one bag or two bags of one order, two orders for one patient
(at most one open order), verify/verify, check/check, dose change against verification."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.security.races import RACES, Post, Race, add_third_pharmacist, run_race
from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD, STAFF

ROUNDS = 3


def _post(api: Api) -> Post:
    """POST as a staff member, with tokens fetched before any race starts."""
    names = {who: username for who, (username, _) in STAFF.items()} | {"pharmacist3": "ph_cat"}
    tokens = {}
    for who, username in names.items():
        response = api.client.post(
            "/api/auth/token", data={"username": username, "password": PASSWORD}
        )
        tokens[who] = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def post(who: str, url: str, body: dict[str, object]) -> tuple[int, str]:
        response = api.client.post(url, json=body, headers=tokens[who])
        code = "ok" if response.status_code < 400 else response.json().get("code", "?")
        return response.status_code, code

    return post


@pytest.mark.parametrize("race", RACES, ids=[r.name.replace(" ", "-") for r in RACES])
def test_one_winner_and_a_409(api: Api, race: Race) -> None:
    """Each round: exactly one 2xx; the other is 409 (conflict or invalid transition)."""
    add_third_pharmacist(api.ward)
    post = _post(api)
    outcomes: Counter[tuple[int, str]] = Counter()
    for _ in range(ROUNDS):
        results = run_race(post, race.prepare(api.ward))
        assert sum(200 <= status < 300 for status, _ in results) == 1, results
        losers = [r for r in results if not 200 <= r[0] < 300]
        assert [status for status, _ in losers] == [409], results
        outcomes.update(losers)
    assert all(code in ("conflict", "invalid_transition") for _, code in outcomes)


def test_a_second_open_order_is_refused_with_409_naming_the_open_one(api: Api) -> None:
    """One patient, two orders one after another: the second is 409 naming the open order; once
    the first is cancelled, a new order is accepted."""
    body = {"patient_id": api.ward.patient_id, "protocol_id": "adult-mas-civ", "step": 3}
    first = api.post("prescriber", "/api/orders", body)
    second = api.post("prescriber", "/api/orders", body)
    assert first.status_code == 201
    assert second.status_code == 409 and second.json()["field"] == "patient_id"
    assert f"open order {first.json()['id']}" in second.json()["message"]
    from anakinra_iv.workflow.commands import CancelOrder
    from anakinra_iv.workflow.services import cancel_order

    cancel_order(
        CancelOrder(api.ward.users["prescriber"], first.json()["id"], "wrong patient weight"),
        api.ward.uow(),
        api.ward.clock(),
    )
    assert api.post("prescriber", "/api/orders", body).status_code == 201
