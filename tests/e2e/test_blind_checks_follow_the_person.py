"""From the user's seat, in Chromium: reading a rejected order does not do the blind check of its
re-order; a second checker gets neither the worksheet nor the label of the bag they are to check;
a pharmacist who is also an admin reads the audit trail without the figures; a pharmacy lead
never lifts their own lock; the worksheet prints local times at one rounding. Each test asserts
what is NOT on the page and saves screenshots under ``artifacts/e2e/``.

Hand figures: step 3 for a 72 kg woman is 1,200 mg/day = 50 mg/h at 6 mg/mL; step 4 is
1,600 mg/day = 66.67 mg/h, shown 66.7 mg/h.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import LiveWard, live, shot
from tests.workflow_support.fixtures import PASSWORD, prescribe_step, verify

__all__ = ["live"]

pytestmark = pytest.mark.browser

_FIGURES = ("50 mg/h", "6 mg/mL", "1,200 mg/day", "Plan as calculated")


def _prescribe(live: LiveWard, patient_id: int, step: int = 3) -> int:
    live.ward.patient_id = patient_id
    return prescribe_step(live.ward, step)


def _person(live: LiveWard, username: str, roles: tuple[str, ...]) -> Any:
    """A signed-in page for a person holding several roles."""
    from anakinra_iv.workflow.commands import AddUser
    from anakinra_iv.workflow.services import add_user

    services = live.services
    view = add_user(
        AddUser(None, username, frozenset(roles), PASSWORD),
        services.new_uow(),
        services.hasher,
        services.policy,
        services.now(),
    )
    live.ward.users[username] = view.id
    page = live.browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{live.base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    return page


def test_reading_a_rejected_order_does_not_do_the_blind_check(live: LiveWard) -> None:
    """Pharmacist 2 rejects, the prescriber re-orders step 3; pharmacist 1 opens the rejected
    order, the re-order and the patient: no rate, concentration or daily dose anywhere."""
    from anakinra_iv.workflow.commands import RejectOrder
    from anakinra_iv.workflow.services import reject_order

    patient = live.admit("Reject, Rita")
    first = _prescribe(live, patient, 3)
    reject_order(
        RejectOrder(live.ward.users["pharmacist2"], first, "weight to be confirmed"),
        live.services.new_uow(),
        live.services.now(),
    )
    second = _prescribe(live, patient, 3)
    ph = live.page("pharmacist")
    for url, name in (
        (f"/orders/{first}", "blind-rejected-order"),
        (f"/orders/{second}", "blind-reorder"),
        (f"/patients/{patient}", "blind-patient-after-reject"),
    ):
        ph.goto(f"{live.base}{url}")
        body = ph.locator("main").inner_text()
        for leak in _FIGURES:
            assert leak not in body, (url, leak)
        shot(ph, name)
        if url.endswith(str(first)):
            assert "Calculated figures hidden" in body and "weight to be confirmed" in body


def test_the_second_checker_gets_no_worksheet_label_or_report(live: LiveWard) -> None:
    """Pharmacist 1 verified and made the bag; pharmacist 2, who is to check it, is refused the
    order's worksheet and the bag's label, and the order page shows no contents or lots."""
    from anakinra_iv.workflow.commands import PrepareBag
    from anakinra_iv.workflow.services import prepare_bag

    patient = live.admit("Bag, Bernard")
    order_id = _prescribe(live, patient, 3)
    verify(live.ward, order_id)
    bag = prepare_bag(
        PrepareBag(live.ward.users["pharmacist"], order_id, live.services.now(), ("LOT-E2E1",)),
        live.services.new_uow(),
        live.services.calculator,
        live.services.now(),
    )
    ph2 = live.page("pharmacist2")
    for url, name in (
        (f"/orders/{order_id}/worksheet", "bag-checker-worksheet-refused"),
        (f"/bags/{bag.id}/label", "bag-checker-label-refused"),
        (f"/orders/{order_id}", "bag-checker-order-page"),
        (f"/patients/{patient}/report.html", "bag-checker-report"),
    ):
        ph2.goto(f"{live.base}{url}")
        body = ph2.locator("body").inner_text()
        for leak in ("LOT-E2E1", "600 mg", "50 mg/h", "6 mg/mL"):
            assert leak not in body, (url, leak)
        shot(ph2, name)
        if "worksheet" in url or "label" in url:
            assert "blind check" in body


def test_a_pharmacist_admin_reads_the_audit_trail_without_the_figures(live: LiveWard) -> None:
    """A person who is both pharmacist and admin opens the audit page of the patient while the
    order awaits verification: the events are there, the rate is not; no plan preview either."""
    patient = live.admit("Audit, Ann")
    order_id = _prescribe(live, patient, 3)
    page = _person(live, "ph_and_admin", ("pharmacist", "admin"))
    page.goto(f"{live.base}/audit?patient={patient}")
    body = page.locator("main").inner_text()
    assert f"order {order_id}" in body
    for leak in ("50 mg/h", "1,200 mg/day"):
        assert leak not in body, leak
    shot(page, "pharmacist-admin-audit-blinded")
    presc = _person(live, "ph_and_prescriber", ("pharmacist", "prescriber"))
    presc.goto(f"{live.base}/ui/preview?patient_id={patient}&protocol_id=adult-mas-civ&step=3")
    body = presc.locator("body").inner_text()
    assert "50 mg/h" not in body and "blind check" in body
    shot(presc, "pharmacist-prescriber-preview-refused")


def test_a_lead_never_lifts_their_own_lock(live: LiveWard) -> None:
    """A pharmacist-lead locks themselves out with three wrong readings; the pharmacy page
    offers them no button to resolve their own lock (the API refuses it too, see
    tests/web/test_check_duties.py)."""
    from anakinra_iv.workflow.commands import PrepareBag
    from anakinra_iv.workflow.services import prepare_bag

    patient = live.admit("Lock, Lara")
    order_id = _prescribe(live, patient, 3)
    verify(live.ward, order_id)
    bag = prepare_bag(
        PrepareBag(live.ward.users["pharmacist"], order_id, live.services.now(), ("LOT-L1",)),
        live.services.new_uow(),
        live.services.calculator,
        live.services.now(),
    )
    page = _person(live, "ph_and_lead", ("pharmacist", "pharmacy_lead"))
    for _ in range(3):
        page.goto(f"{live.base}/bags/{bag.id}/check")
        page.get_by_label("Drug amount on the bag (mg)").fill("1")
        page.get_by_label("Final volume on the bag (mL)").fill("1")
        page.get_by_label("Syringe lots (comma-separated, each once)").fill("NOPE")
        page.get_by_role("button", name="Check bag").click()
        page.wait_for_load_state("load")
    page.goto(f"{live.base}/pharmacy")
    alert = page.locator("#alerts li", has_text=f"bag {bag.id} ")
    assert "This lock is yours" in alert.inner_text()
    assert alert.get_by_role("button", name="Resolve and unlock").count() == 0
    shot(page, "lead-own-lock-refused")


def test_the_worksheet_prints_local_times_at_one_rounding(live: LiveWard) -> None:
    """Step 4 in Europe/Paris: the steps say 66.7 mg/h like the table, and the start-by time
    in CET/CEST with its date; nothing printed in UTC."""
    patient = live.admit("Sheet, Sam")
    order_id = _prescribe(live, patient, 4)
    verify(live.ward, order_id, "66.67 mg/h", "8 mg/mL")
    ph = live.page("pharmacist")
    ph.goto(f"{live.base}/orders/{order_id}/worksheet")
    body = ph.locator("main").inner_text()
    printed = body.split("Times are shown in")[0]
    assert "UTC" not in printed and "66.67" not in printed and "66.7 mg/h" in printed
    assert "start by" in printed and ("CET" in printed or "CEST" in printed)
    shot(ph, "worksheet-local-time-one-rounding")
