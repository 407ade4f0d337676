"""One patient from admission to the transition to SC anakinra, in one browser test, every step
by the role that owns it on its own screen: admission (nurse), order with a renal decision
(prescriber), rejection (pharmacist) and re-order, blind verification, worksheet and blind second
check (two pharmacists), loading dose and start (nurse), titration with a bag change, a pause and
its resume, discontinuation for the SC transition (prescriber) and the stop with its reason
(nurse).

Numbers, by hand (adult-mas-civ, Cockcroft-Gault): a 55-year-old woman of 64 kg with creatinine
7.8 mg/dL has CrCl (140 - 55) x 64 / (72 x 7.8) x 0.85 = 8.2 mL/min, below 15 mL/min, so the renal
rule scales the rate by 0.15. Step 3: 1,200 x 0.15 = 180 mg/day = 7.5 mg/h; a 12-h bag holds 90 mg
in 100 mL = 0.9 mg/mL (one 100 mg syringe), pump 7.5 / 0.9 = 8.3 mL/h. Step 4: 1,600 x 0.15 =
240 mg/day = 10 mg/h; 120 mg in 100 mL = 1.2 mg/mL (two syringes), pump 8.3 mL/h.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.e2e.browser import LiveWard, live, shot, submit
from tests.e2e.scanning import scan_at_bedside

__all__ = ["live"]

pytestmark = pytest.mark.browser


def _born(age: int) -> str:
    today = date.today()
    return f"{today.year - age - 1}-01-01" if today.month == 1 else f"{today.year - age}-01-01"


def test_admission_to_subcutaneous_transition(live: LiveWard) -> None:
    """The whole course; at each step the screen shows what that role needs and, for the
    pharmacists, nothing computed before their own checks."""
    from playwright.sync_api import expect

    rn, dr = live.page("nurse"), live.page("prescriber")
    ph, ph2 = live.page("pharmacist"), live.page("pharmacist2")

    # admission (nurse)
    rn.goto(f"{live.base}/patients")
    rn.get_by_label("MRN").fill("JOURNEY-1")
    rn.get_by_label("Name").fill("Journey, Jo")
    rn.get_by_label("Birth date").fill(_born(55))
    rn.get_by_label("Weight (with unit)").fill("64 kg")
    rn.get_by_label("Creatinine (with unit)").fill("7.8 mg/dL")
    rn.get_by_label("Ward").fill("ICU 2")
    rn.get_by_label("Bed").fill("7")
    submit(rn, "Admit")
    patient_url = rn.url.split("#")[0]
    expect(rn.locator("h1")).to_contain_text("ICU 2 / bed 7")
    shot(rn, "j01-admitted")

    # order with a renal decision (prescriber)
    dr.goto(patient_url)
    dr.get_by_role("link", name="New order").click()
    expect(dr.locator(".renal-alert").first).to_contain_text("CrCl below 15 mL/min")
    dr.get_by_label("Step").fill("3")
    expect(dr.locator("#renal-preview")).to_contain_text("180 mg/day")
    dr.locator("#renal-apply").check()
    shot(dr, "j02-order-renal-decision")
    submit(dr, "Sign order")
    first_url = dr.url.split("#")[0]

    # rejection (pharmacist) and re-order (prescriber)
    ph.goto(first_url)
    assert "7.5 mg/h" not in ph.locator("main").inner_text()
    ph.get_by_label("Reject back to the prescriber: why").fill("weight is from the last admission")
    submit(ph, "Reject order")
    dr.goto(first_url)
    expect(dr.locator("#status-reason")).to_contain_text("weight is from the last admission")
    dr.get_by_role("link", name="Re-order").click()
    expect(dr.get_by_label("Step")).to_have_value("3")
    dr.locator("#renal-apply").check()
    submit(dr, "Sign order")
    order_url = dr.url.split("#")[0]
    assert order_url != first_url
    expect(dr.locator("#computed")).to_contain_text("180 mg/day = 7.5 mg/h")
    shot(dr, "j03-reordered")

    # blind verification (pharmacist): the order as written, then the computed plan
    ph.goto(order_url)
    page = ph.locator("main").inner_text()
    assert "apply the protocol's renal adjustment" in page and "weight 64 kg" in page
    for leak in ("7.5 mg/h", "0.9 mg/mL", "180 mg/day"):
        assert leak not in page
    ph.get_by_label("Rate (mg/h)").fill("7.5")
    ph.get_by_label("Concentration (mg/mL)").fill("0,9")  # a decimal comma, as typed by some
    submit(ph, "Verify", ok=False)
    if ph.locator("#error-summary").count():  # a decimal comma is refused, never misread
        summary = ph.locator("#error-summary").inner_text()
        assert "attempt" not in summary  # refused as unreadable, not counted as a mismatch
        ph.get_by_label("Rate (mg/h)").fill("7.5")
        ph.get_by_label("Concentration (mg/mL)").fill("0.9")
        submit(ph, "Verify")
    expect(ph.locator("#order-status")).to_have_text("verified")
    shot(ph, "j04-verified")

    # worksheet (pharmacist) and blind second check (second pharmacist)
    ph.get_by_role("link", name="Open the compounding worksheet").click()
    assert "1 ×" in ph.locator("#recipe").inner_text()
    ph.locator("#f-lot-1").fill("KN-101")
    ph.locator("#f-expiry-1").fill("2027-12-31")
    submit(ph, "Record bag")
    ph2.goto(order_url)
    ph2.get_by_role("link", name="Second check").click()
    assert "90" not in ph2.locator("main").inner_text()
    ph2.get_by_label("Drug amount on the bag (mg)").fill("90")
    ph2.get_by_label("Final volume on the bag (mL)").fill("100")
    ph2.get_by_label("Syringe lots").fill("KN-101")
    submit(ph2, "Check bag")
    shot(ph2, "j05-checked")

    # loading dose and start (nurse)
    rn.goto(f"{live.base}/nursing")
    rn.locator("#nursing-list tr", has_text="Journey, Jo").get_by_role(
        "link", name="Loading dose"
    ).click()
    rn.get_by_label("Dose given (mg)").fill("100")
    rn.get_by_label("Syringe lot").fill("KN-LD-9")
    submit(rn, "Record loading dose")
    expect(rn.get_by_label("Event")).to_have_value("start")
    rn.get_by_label("Acknowledge pump soft alerts").check()  # 7.5 mg/h is below the soft minimum
    scan_at_bedside(rn, live.base)
    submit(rn, "Record event")
    expect(rn.locator("#current-rate")).to_contain_text("7.5 mg/h = 8.3 mL/h")
    shot(rn, "j06-running")

    # titration: step 4 with the renal adjustment, verified, new bag, bag change
    dr.goto(order_url)
    dr.get_by_label("New step").fill("4")
    dr.get_by_label("Reason for the change").fill("ferritin rising")
    dr.locator("#renal-apply").check()
    submit(dr, "Change dose")
    ph.goto(order_url)
    assert "10 mg/h" not in ph.locator("#as-written").inner_text()
    ph.get_by_label("Rate (mg/h)").fill("10")
    ph.get_by_label("Concentration (mg/mL)").fill("1.2")
    submit(ph, "Verify")
    ph.get_by_role("link", name="Open the compounding worksheet").click()
    ph.locator("#f-lot-1").fill("KN-102")
    ph.locator("#f-lot-2").fill("KN-102")
    submit(ph, "Record bag")
    ph2.goto(order_url)
    ph2.get_by_role("link", name="Second check").click()
    ph2.get_by_label("Drug amount on the bag (mg)").fill("120")
    ph2.get_by_label("Final volume on the bag (mL)").fill("100")
    ph2.get_by_label("Syringe lots").fill("KN-102")
    submit(ph2, "Check bag")
    rn.goto(order_url)
    expect(rn.get_by_label("Event")).to_have_value("bag_change")
    rn.get_by_label("Acknowledge pump soft alerts").check()
    scan_at_bedside(rn, live.base)
    submit(rn, "Record event")
    expect(rn.locator("#current-rate")).to_contain_text("10 mg/h = 8.3 mL/h")
    shot(rn, "j07-titrated-bag-change")

    # a pause with its reason, then resume
    rn.get_by_label("Event").select_option("pause")
    rn.get_by_label("Reason (needed for a pause)").fill("line change")
    submit(rn, "Record event")
    expect(rn.locator("#order-status")).to_have_text("paused")
    expect(rn.get_by_label("Event")).to_have_value("resume")
    rn.get_by_label("Acknowledge pump soft alerts").check()
    submit(rn, "Record event")
    expect(rn.locator("#order-status")).to_have_text("active")

    # transition to SC: the prescriber discontinues, the nurse stops the pump with a reason
    dr.goto(order_url)
    dr.get_by_label("Discontinue this order: reason").fill("transition to SC anakinra")
    submit(dr, "Discontinue order")
    expect(dr.locator("#order-status")).to_have_text("discontinued")
    rn.goto(f"{live.base}/nursing")
    row = rn.locator("#nursing-list tr", has_text="Journey, Jo")
    expect(row).to_contain_text("order discontinued: stop the infusion")
    row.get_by_role("link", name="Stop").click()
    rn.get_by_label("Reason for stopping").fill("SC anakinra 100 mg q6h started")
    rn.get_by_label("I confirm the infusion is stopped for good").check()
    submit(rn, "Stop infusion")
    segments = rn.locator("#segments").inner_text()
    for event in ("start", "bag change", "pause", "resume", "stop"):
        assert event in segments
    shot(rn, "j08-stopped")

    # the history keeps both orders with their reasons; the course report shows the course
    rn.goto(patient_url)
    history = rn.locator("#orders").inner_text()
    assert "rejected" in history and "discontinued" in history
    assert "transition to SC anakinra" in history
    assert "loading dose 100 mg given" in history
    shot(rn, "j09-history")
    rn.goto(f"{patient_url}/report.html")
    report = rn.locator("body").inner_text()
    assert "KN-LD-9" in report and "transition to SC anakinra" in report
    shot(rn, "j10-report")
    order_id = int(re.search(r"/orders/(\d+)", order_url).group(1))  # type: ignore[union-attr]
    with live.services.new_uow() as uow:
        assert uow.orders.get(order_id).renal_decision == "apply"
        assert uow.audit.verify_chain().ok
