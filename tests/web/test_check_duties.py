"""Attempt limits and separation of duties around the blind checks, from the user's seat (the
REST API with each person's token): the attempt count is per bag and per dose; the pharmacy lead
never lifts a lock they are part of; every dose changer since the last verification is kept
out of the verification; a dose change to the dose the order already has is refused.

Step 3 of adult-mas-civ for the ward's 70 kg patient is 1,200 mg/day = 50 mg/h at 6 mg/mL
(1200 / 24 = 50, by hand); steps 2 and 4 are other doses.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anakinra_iv.workflow.checks import get_check_tolerances
from anakinra_iv.workflow.commands import AddUser, PrepareBag
from anakinra_iv.workflow.services import add_user, prepare_bag
from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD, prescribe_step, verify

LIMIT = get_check_tolerances().bag_check_attempts  # 3, checks.yaml (site decision)


def _person(api: Api, key: str, roles: tuple[str, ...]) -> None:
    """Add a person with ``roles`` under the key ``key`` (username = key)."""
    ward = api.ward
    if key in ward.users:
        return
    view = add_user(
        AddUser(None, key, frozenset(roles), PASSWORD),
        ward.uow(),
        ward.services.hasher,
        ward.services.policy,
        ward.clock(),
    )
    ward.users[key] = view.id


def _bag(api: Api, order_id: int, who: str = "pharmacist") -> int:
    view = prepare_bag(
        PrepareBag(api.ward.users[who], order_id, api.ward.clock(), ("LOT-A1", "LOT-A2")),
        api.ward.uow(),
        api.ward.services.calculator,
        api.ward.clock(),
    )
    return view.id


def _wrong_check(api: Api, bag_id: int, who: str = "pharmacist2"):  # type: ignore[no-untyped-def]
    return api.post(
        who,
        f"/api/bags/{bag_id}/check",
        {"drug_amount_mg": "1 mg", "final_volume_ml": "1 mL", "syringe_lots": ["NOPE"]},
    )


def test_the_bag_check_attempts_start_again_for_a_new_bag(api: Api) -> None:
    """Two wrong readings of bag 1, then bag 2 is made: the first wrong reading of bag 2 is
    attempt 1 of 3, not 3 of 3 (the count is per bag); bag 1 locks at its own third."""
    order_id = prescribe_step(api.ward, 3)
    verify(api.ward, order_id)
    first = _bag(api, order_id)
    for attempt in (1, 2):
        answer = _wrong_check(api, first)
        assert answer.status_code == 422, answer.text
        assert f"attempt {attempt} of {LIMIT}" in answer.text
    second = _bag(api, order_id)
    answer = _wrong_check(api, second)
    assert f"attempt 1 of {LIMIT}" in answer.text and "locked" not in answer.text
    answer = _wrong_check(api, first)
    assert f"attempt {LIMIT} of {LIMIT}" in answer.text and "locked" in answer.text
    assert "attempt 2 of" in _wrong_check(api, second).text


def test_the_verification_attempts_start_again_for_a_new_dose(api: Api) -> None:
    """Two wrong verifications of step 3, then the prescriber changes to step 4: the next wrong
    verification is attempt 1 of 3 (the count is per dose)."""
    order_id = prescribe_step(api.ward, 3)
    for attempt in (1, 2):
        answer = api.post(
            "pharmacist",
            f"/api/orders/{order_id}/verify",
            {"rate_mg_per_h": "500 mg/h", "concentration_mg_per_ml": "6 mg/mL"},
        )
        assert f"attempt {attempt} of" in answer.text, answer.text
    api.ward.clock.advance(minutes=10)
    changed = api.post("prescriber", f"/api/orders/{order_id}/dose", {"step": 4, "reason": "x"})
    assert changed.status_code == 200, changed.text
    answer = api.post(
        "pharmacist",
        f"/api/orders/{order_id}/verify",
        {"rate_mg_per_h": "500 mg/h", "concentration_mg_per_ml": "6 mg/mL"},
    )
    assert "attempt 1 of" in answer.text and "locked" not in answer.text


def _lock_bag(api: Api, checker: str) -> tuple[int, int]:
    order_id = prescribe_step(api.ward, 3)
    verify(api.ward, order_id)
    bag_id = _bag(api, order_id)
    for _ in range(LIMIT):
        _wrong_check(api, bag_id, checker)
    alerts = api.get("lead", "/api/alerts").json()
    alert = next(a for a in alerts if a["bag_id"] == bag_id)
    return bag_id, alert["id"]


def test_a_lead_never_lifts_their_own_lock(api: Api) -> None:
    """A pharmacist who is also a pharmacy lead locks themselves out of a bag's check: their own
    resolution is refused (403, naming the rule) and the lock stays; another lead lifts it."""
    _person(api, "ph_lead_too", ("pharmacist", "pharmacy_lead"))
    bag_id, alert_id = _lock_bag(api, "ph_lead_too")
    refused = api.post("ph_lead_too", f"/api/alerts/{alert_id}/resolve", {"note": "my own"})
    assert refused.status_code == 403 and "never lifts the lock" in refused.text
    assert "locked for you" in _wrong_check(api, bag_id, "ph_lead_too").text
    lifted = api.post("lead", f"/api/alerts/{alert_id}/resolve", {"note": "retrained"})
    assert lifted.status_code == 200, lifted.text


def test_the_preparer_never_lifts_the_lock_of_their_bag(api: Api) -> None:
    """The bag's preparer, also a pharmacy lead, may not resolve the lock of its checker."""
    _person(api, "ph_maker_lead", ("pharmacist", "pharmacy_lead"))
    order_id = prescribe_step(api.ward, 3)
    verify(api.ward, order_id)
    bag_id = _bag(api, order_id, "ph_maker_lead")
    for _ in range(LIMIT):
        _wrong_check(api, bag_id)
    alert = next(a for a in api.get("lead", "/api/alerts").json() if a["bag_id"] == bag_id)
    refused = api.post("ph_maker_lead", f"/api/alerts/{alert['id']}/resolve", {"note": "ok"})
    assert refused.status_code == 403, refused.text


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changers=st.lists(st.sampled_from(["prescriber", "ph_presc"]), min_size=1, max_size=3))
def test_every_dose_changer_since_verification_is_kept_out(api: Api, changers: list[str]) -> None:
    """Property: whatever sequence of dose changes by whichever prescribers, nobody who wrote
    the dose awaiting verification (the prescriber, any changer since the last verification,
    not only the latest) may verify, reject or query it; the order page says so by refusing."""
    _person(api, "ph_presc", ("pharmacist", "prescriber"))
    ward = api.ward
    with ward.uow() as uow:
        open_order = uow.orders.find_open_for_patient(ward.patient_id)
        open_id = None if open_order is None else open_order.id
    if open_id is not None:
        done = api.post("prescriber", f"/api/orders/{open_id}/cancel", {"reason": "x"})
        assert done.status_code == 200, done.text
    order_id = prescribe_step(ward, 3)
    steps = [4, 2, 4, 2]  # alternating: no change repeats the dose before it
    for number, who in enumerate(changers):
        answer = api.post(
            who, f"/api/orders/{order_id}/dose", {"step": steps[number], "reason": "x"}
        )
        assert answer.status_code == 200, answer.text
    if "ph_presc" in changers:
        for action, body in (
            ("verify", {"rate_mg_per_h": "50 mg/h", "concentration_mg_per_ml": "6 mg/mL"}),
            ("reject", {"reason": "no"}),
            ("query", {"reason": "why"}),
        ):
            refused = api.post("ph_presc", f"/api/orders/{order_id}/{action}", body)
            assert refused.status_code == 403, (action, refused.text)
            assert "changed its dose" in refused.text


def test_two_changes_in_a_row_keep_the_first_changer_out(api: Api) -> None:
    """The reported case: the pharmacist-prescriber changes the dose, a colleague changes it
    again; the first changer still may not verify."""
    _person(api, "ph_presc", ("pharmacist", "prescriber"))
    order_id = prescribe_step(api.ward, 3)
    assert api.post(
        "ph_presc", f"/api/orders/{order_id}/dose", {"step": 4, "reason": "a"}
    ).is_success
    assert api.post(
        "prescriber", f"/api/orders/{order_id}/dose", {"step": 2, "reason": "b"}
    ).is_success
    refused = api.post(
        "ph_presc",
        f"/api/orders/{order_id}/verify",
        {"rate_mg_per_h": "50 mg/h", "concentration_mg_per_ml": "6 mg/mL"},
    )
    assert refused.status_code == 403 and "changed its dose" in refused.text


def test_a_change_to_the_same_dose_is_refused_and_stores_nothing(api: Api) -> None:
    """Step 3 -> step 3 on a verified order: 422 naming 'step', no audit event, the order stays
    verified (no new verification, no new bag demand); the same for a daily dose typed as the
    order's own (1,200 mg/day = step 3's dose)."""
    order_id = prescribe_step(api.ward, 3)
    verify(api.ward, order_id)
    before = api.get("prescriber", f"/api/orders/{order_id}").json()
    with api.ward.uow() as uow:
        last_seq = uow.audit.list_events(limit=1)[0].seq
    refused = api.post("prescriber", f"/api/orders/{order_id}/dose", {"step": 3, "reason": "x"})
    assert refused.status_code == 422, refused.text
    assert "'step'" in refused.text and "nothing was changed" in refused.text
    with api.ward.uow() as uow:
        assert uow.audit.list_events(limit=1)[0].seq == last_seq  # nothing written
    same_daily = api.post(
        "prescriber", f"/api/orders/{order_id}/dose", {"daily_dose": "1,200 mg/day", "reason": "x"}
    )
    assert same_daily.status_code == 422 and "'daily_dose'" in same_daily.text
    after = api.get("prescriber", f"/api/orders/{order_id}").json()
    assert after["status"] == "verified" and after["version"] == before["version"]
    assert after["needs_verification"] is False
    moved = api.post("prescriber", f"/api/orders/{order_id}/dose", {"step": 4, "reason": "up"})
    assert moved.status_code == 200 and moved.json()["needs_verification"] is True
