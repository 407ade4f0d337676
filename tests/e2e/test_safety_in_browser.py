"""Issue 10 section 1 from the user's seat, in Chromium, each item as the role that meets it:
blind verification and second check (pharmacists, and the pharmacy lead's unlock), the renal
decision (prescriber), the lifecycle actions (pharmacist, prescriber, nurse), the predicted
concentration (nurse), the catalogue check of a lab (nurse), no message from the URL, duplicate
lots (pharmacist). Each test asserts what is on the page and what is not, and saves screenshots
under ``artifacts/e2e/``.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import LiveWard, live, shot, submit
from tests.e2e.scanning import scan_at_bedside
from tests.workflow_support.fixtures import compound_and_check, prescribe_step, verify

__all__ = ["live"]

pytestmark = pytest.mark.browser


def _prescribe(live: LiveWard, patient_id: int, step: int = 3) -> int:
    ward = live.ward
    ward.patient_id = patient_id
    return prescribe_step(ward, step)


def test_1_1_blind_verification_and_second_check(live: LiveWard) -> None:
    """Pharmacist: the order as written, no computed rate/concentration anywhere on the page;
    mismatches say only "do not match"; the third locks the order and the pharmacy lead sees
    and resolves the alert. The second checker sees the bag without its contents and enters what
    the bag says."""
    from playwright.sync_api import expect

    patient = live.admit("Blind, Bea")
    order_id = _prescribe(live, patient, 3)
    ph = live.page("pharmacist")
    ph.goto(f"{live.base}/orders/{order_id}")
    body = ph.locator("main").inner_text()
    assert "The order as written" in body and "Step\t3" in body.replace("\n", "\t")
    for leak in ("50 mg/h", "6 mg/mL", "8.3 mL/h", "1,200 mg/day", "Plan as calculated"):
        assert leak not in body, leak
    shot(ph, "s1-1a-blind-verification-form")
    for attempt in (1, 2, 3):
        ph.get_by_label("Rate (mg/h)").fill("5")
        ph.get_by_label("Concentration (mg/mL)").fill("6")
        submit(ph, "Verify", ok=False)
        summary = ph.locator("#error-summary").inner_text()
        assert "do not match" in summary and f"attempt {attempt} of 3" in summary
        assert "50" not in summary
    assert "locked for you" in summary
    shot(ph, "s1-1b-mismatch-locked")
    lead = live.page("lead")
    lead.goto(f"{live.base}/pharmacy")
    expect(lead.locator("#alerts")).to_contain_text(f"order {order_id}")
    shot(lead, "s1-1c-lead-sees-alert")
    lead.get_by_label("Resolution").fill("recalculated together")
    submit(lead, "Resolve and unlock")
    expect(lead.locator("#alerts")).to_have_count(0)
    ph.goto(f"{live.base}/orders/{order_id}")
    ph.get_by_label("Rate (mg/h)").fill("50")
    ph.get_by_label("Concentration (mg/mL)").fill("6")
    submit(ph, "Verify")
    expect(ph.locator("#order-status")).to_have_text("verified")
    expect(ph.locator("#computed")).to_contain_text("50 mg/h")

    ph.get_by_role("link", name="Open the compounding worksheet").click()
    for number in range(1, 7):  # 600 mg: six 100 mg syringes
        ph.locator(f"#f-lot-{number}").fill("AB12" if number <= 3 else "CD34")
        ph.locator(f"#f-expiry-{number}").fill("2027-06-30")
    submit(ph, "Record bag")
    ph2 = live.page("pharmacist2")
    ph2.goto(f"{live.base}/orders/{order_id}")
    row = ph2.locator("#bags tbody tr").first.inner_text()
    assert "hidden until its second check" in row and "600 mg" not in row and "AB12" not in row
    ph2.get_by_role("link", name="Second check").click()
    check_page = ph2.locator("main").inner_text()
    assert "600" not in check_page and "AB12" not in check_page and "6 mg/mL" not in check_page
    shot(ph2, "s1-1d-blind-second-check")
    ph2.get_by_label("Drug amount on the bag (mg)").fill("60")
    ph2.get_by_label("Final volume on the bag (mL)").fill("100")
    ph2.get_by_label("Syringe lots").fill("AB12, CD34")
    submit(ph2, "Check bag", ok=False)
    assert "does not match its record" in ph2.locator("#error-summary").inner_text()
    ph2.get_by_label("Drug amount on the bag (mg)").fill("600")
    submit(ph2, "Check bag")
    expect(ph2.locator("#flash-ok")).to_contain_text("Second check passed")


def test_1_2_renal_decision(live: LiveWard) -> None:
    """Prescriber, creatinine 7.8 mg/dL (CrCl about 9 mL/min): the order form shows a prominent
    renal alert with the two choices; signing without a choice is refused (and keeps the step
    typed); applying stores 180 mg/day (1,200 x 0.15) with the decision."""
    from playwright.sync_api import expect

    patient = live.admit("Renal, Rita", creatinine="7.8 mg/dL")
    dr = live.page("prescriber")
    dr.goto(f"{live.base}/orders/new?patient_id={patient}")
    expect(dr.locator(".renal-alert").first).to_contain_text("CrCl below 15 mL/min")
    dr.get_by_label("Step").fill("3")
    expect(dr.locator("#renal-preview")).to_contain_text("180 mg/day")
    shot(dr, "s1-2a-renal-alert")
    submit(dr, "Sign order", ok=False)
    expect(dr.locator("#error-summary")).to_contain_text("Renal decision is required")
    expect(dr.get_by_label("Step")).to_have_value("3")
    shot(dr, "s1-2b-renal-decision-required")
    dr.locator("#renal-apply").check()
    submit(dr, "Sign order")
    body = dr.locator("main").inner_text()
    assert "apply the protocol's renal adjustment" in body
    assert "180 mg/day = 7.5 mg/h" in body
    shot(dr, "s1-2c-renal-applied")


def test_1_3_lifecycle_actions(live: LiveWard) -> None:
    """Pharmacist rejects with a reason; the prescriber sees it and re-orders; the nurse records
    the loading dose, a pause (distinct from a stop), and a stop that needs a reason and a
    confirmation; the prescriber then cancels an order that never ran; closed orders stay in the
    history."""
    from playwright.sync_api import expect

    patient = live.admit("Cycle, Cora")
    rejected = _prescribe(live, patient, 3)
    ph = live.page("pharmacist")
    ph.goto(f"{live.base}/orders/{rejected}")
    ph.get_by_label("Reject back to the prescriber: why").fill("weight is from last year")
    submit(ph, "Reject order")
    expect(ph.locator("#order-status")).to_have_text("rejected")
    dr = live.page("prescriber")
    dr.goto(f"{live.base}/orders/{rejected}")
    expect(dr.locator("#status-reason")).to_contain_text("weight is from last year")
    shot(dr, "s1-3a-rejected-seen-by-prescriber")
    dr.get_by_role("link", name="Re-order").click()
    expect(dr.get_by_label("Step")).to_have_value("3")
    submit(dr, "Sign order")
    reorder = int(re.search(r"/orders/(\d+)", dr.url).group(1))  # type: ignore[union-attr]

    verify(live.ward, reorder)
    compound_and_check(live.ward, reorder)
    rn = live.page("nurse")
    rn.goto(f"{live.base}/orders/{reorder}")
    rn.get_by_label("Dose given (mg)").fill("100")
    rn.get_by_label("Syringe lot").fill("LD-5")
    submit(rn, "Record loading dose")
    expect(rn.locator("#loading-dose")).to_contain_text("given")
    expect(rn.get_by_label("Event")).to_have_value("start")
    scan_at_bedside(rn, live.base)
    submit(rn, "Record event")
    rn.get_by_label("Event").select_option("pause")
    submit(rn, "Record event", ok=False)
    expect(rn.locator("#error-summary")).to_contain_text("Reason is required to pause")
    rn.get_by_label("Reason (needed for a pause)").fill("line change")
    submit(rn, "Record event")
    expect(rn.locator("#order-status")).to_have_text("paused")
    expect(rn.get_by_label("Event")).to_have_value("resume")
    rn.get_by_label("Reason for stopping").fill("course complete")
    submit(rn, "Stop infusion", ok=False)
    expect(rn.locator("#error-summary")).to_contain_text("Confirm the stop")
    expect(rn.locator("#order-status")).to_have_text("paused")
    shot(rn, "s1-3b-stop-needs-confirmation")
    rn.get_by_label("I confirm the infusion is stopped for good").check()
    submit(rn, "Stop infusion")
    expect(rn.locator("#order-status")).to_have_text("stopped")
    # one open order per patient: the next order can be written once this one has stopped
    spare = _prescribe(live, patient, 2)
    dr.goto(f"{live.base}/orders/{spare}")
    dr.get_by_label("Cancel this order (it never ran): reason").fill("duplicate")
    submit(dr, "Cancel order")
    expect(dr.locator("#order-status")).to_have_text("cancelled")
    rn.goto(f"{live.base}/patients/{patient}")
    history = rn.locator("#orders").inner_text()
    for status in ("stopped", "cancelled", "rejected"):
        assert status in history
    assert "weight is from last year" in history and "duplicate" in history
    shot(rn, "s1-3c-history")


def test_1_4_the_prediction_appears(live: LiveWard) -> None:
    """Nurse, a patient of 72 kg with creatinine 0.9 mg/dL and an infusion running for seconds:
    the patient page shows the predicted band, not 'No prediction'."""
    from playwright.sync_api import expect

    patient = live.admit("Predict, Pia")
    order_id = _prescribe(live, patient, 3)
    verify(live.ward, order_id)
    bag_id = compound_and_check(live.ward, order_id)
    from tests.workflow_support.fixtures import administer

    administer(live.ward, order_id, "start", bag_id=bag_id)
    rn = live.page("nurse")
    rn.goto(f"{live.base}/patients/{patient}")
    expect(rn.locator("#pk-band")).to_contain_text("5th–95th percentile")
    assert "No prediction" not in rn.locator("main").inner_text()
    shot(rn, "s1-4-prediction")


def test_1_5_a_misspelt_lab_is_refused(live: LiveWard) -> None:
    """Nurse types 'feritin': refused with the suggestion, nothing saved, the typing kept."""
    from playwright.sync_api import expect

    patient = live.admit("Lab, Lou")
    rn = live.page("nurse")
    rn.goto(f"{live.base}/patients/{patient}")
    rn.get_by_label("or name").fill("feritin")
    rn.get_by_label("Value (with unit)").fill("2400 ng/mL")
    submit(rn, "Record", ok=False)
    expect(rn.locator("#error-summary")).to_contain_text("did you mean ferritin")
    expect(rn.get_by_label("or name")).to_have_value("feritin")
    assert "Saved" not in rn.locator("main").inner_text()
    shot(rn, "s1-5-misspelt-lab")


def test_1_6_no_message_from_the_url(live: LiveWard) -> None:
    """Any role: /orders/N?error=... shows no red banner and not the text."""
    patient = live.admit("Url, Uma")
    order_id = _prescribe(live, patient, 3)
    rn = live.page("nurse")
    rn.goto(f"{live.base}/orders/{order_id}?error=Give%2010x%20the%20dose")
    assert "Give 10x the dose" not in rn.content()
    assert rn.locator("#error-summary").count() == 0
    shot(rn, "s1-6-no-url-message")


def test_1_7_duplicate_lots_are_refused(live: LiveWard) -> None:
    """Pharmacist lists 'AB1234, ab1234': refused naming the lot, nothing recorded."""
    from playwright.sync_api import expect

    patient = live.admit("Lots, Leo")
    order_id = _prescribe(live, patient, 3)
    verify(live.ward, order_id)
    ph = live.page("pharmacist")
    ph.goto(f"{live.base}/orders/{order_id}")
    ph.get_by_text("Or record the lots used").click()
    ph.get_by_label("Syringe lot numbers (comma-separated)").fill("AB1234, ab1234")
    submit(ph, "Record bag", ok=False)
    expect(ph.locator("#error-summary")).to_contain_text("lot 'ab1234' is listed twice")
    expect(ph.locator("#bags")).to_contain_text("No bag yet")
    shot(ph, "s1-7-duplicate-lots")
