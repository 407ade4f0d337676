"""Issue 10 section 2, each screen in Chromium as the role that works from it, at 1366 x 768 and
(for the worklists) at a tablet's 1024 px: admission, compounding worksheet, pharmacy queue and
production schedule, nursing list, protocol page, audit page, labels, error pages, and times in
the site's zone. Screenshots go to ``artifacts/e2e/``; each test states what must be, and must
not be, on the screen.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import SITE_ZONE, LiveWard, live, shot, submit
from tests.workflow_support.fixtures import (
    administer,
    compound_and_check,
    prescribe_step,
    verify,
)

__all__ = ["live"]

pytestmark = pytest.mark.browser


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    """True when nothing makes the page wider than the window (no horizontal overflow)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def _running(live: LiveWard, name: str, step: int = 3) -> tuple[int, int]:
    patient = live.admit(name)
    live.ward.patient_id = patient
    order_id = prescribe_step(live.ward, step)
    daily = {3: 1200, 4: 1600}[step]  # the adult-mas-civ ladder; 12-h bags of 100 mL
    verify(live.ward, order_id, f"{daily / 24} mg/h", f"{daily / 2 / 100} mg/mL")
    bag_id = compound_and_check(live.ward, order_id)
    administer(live.ward, order_id, "start", bag_id=bag_id)
    return patient, order_id


def test_admission_form_keeps_what_was_typed(live: LiveWard) -> None:
    """Nurse admits a patient with ward and bed; a weight without a unit is refused in the
    label's words with every field kept; corrected, the patient page shows ward/bed."""
    from playwright.sync_api import expect

    rn = live.page("nurse")
    rn.goto(f"{live.base}/patients")
    rn.get_by_label("MRN").fill("ADM-1")
    rn.get_by_label("Name").fill("Admit, Ada")
    rn.get_by_label("Birth date").fill("1959-07-01")
    rn.get_by_label("Weight (with unit)").fill("64")
    rn.get_by_label("Creatinine (with unit)").fill("1.1 mg/dL")
    rn.get_by_label("Ward").fill("Ward 7")
    rn.get_by_label("Bed").fill("3B")
    submit(rn, "Admit", ok=False)
    summary = rn.locator("#error-summary").inner_text()
    assert "Weight" in summary and "'weight'" not in summary
    expect(rn.get_by_label("Name")).to_have_value("Admit, Ada")
    expect(rn.get_by_label("Bed")).to_have_value("3B")
    shot(rn, "s2-admission-error-keeps-values")
    rn.get_by_label("Weight (with unit)").fill("64 kg")
    submit(rn, "Admit")
    expect(rn.locator("h1")).to_contain_text("Ward 7 / bed 3B")


def test_compounding_worksheet(live: LiveWard) -> None:
    """Pharmacist: step 3 for 72 kg, a 12-h bag of 600 mg: six syringes, draw 4 mL (600 mg at
    150 mg/mL), withdraw and discard 4 mL of the 100 mL bag, final 100 mL at 6 mg/mL; one row per
    syringe for lot and expiry; the recorded bag links back to its worksheet; printable."""
    patient = live.admit("Sheet, Sam")
    live.ward.patient_id = patient
    order_id = prescribe_step(live.ward, 3)
    verify(live.ward, order_id)
    ph = live.page("pharmacist")
    ph.goto(f"{live.base}/orders/{order_id}/worksheet")
    recipe = ph.locator("#recipe").inner_text()
    for expected in ("6 ×", "4 mL = 600 mg", "4 mL", "100 mL", "6 mg/mL", "8.3 mL/h"):
        assert expected in recipe, expected
    assert ph.locator("#syringes tbody tr").count() == 6
    shot(ph, "s2-worksheet")
    ph.emulate_media(media="print")
    shot(ph, "s2-worksheet-print")
    ph.emulate_media(media="screen")
    for number in range(1, 7):
        ph.locator(f"#f-lot-{number}").fill("KX1" if number < 6 else "KX2")
        ph.locator(f"#f-expiry-{number}").fill("2027-03-31")
    submit(ph, "Record bag")
    ph.get_by_role("link", name="worksheet", exact=True).first.click()
    rows = ph.locator("#syringes tbody").inner_text()
    assert rows.count("KX1") == 5 and "KX2" in rows and "2027-03-31" in rows
    shot(ph, "s2-worksheet-recorded-bag")


def test_pharmacy_queue_and_production_schedule(live: LiveWard) -> None:
    """Pharmacist at 1366 and 1024 px: the queue names patient, ward/bed, what waits (new order,
    dose change, bag to check) and how long; the schedule lists the next bags of a running
    infusion, due 12 h after the current bag was hung, then every 12 h."""
    from playwright.sync_api import expect

    patient, running = _running(live, "Queue, Quinn")
    live.ward.patient_id = patient
    from anakinra_iv.workflow.commands import ChangeDose
    from anakinra_iv.workflow.services import change_dose

    change_dose(
        ChangeDose(live.ward.users["prescriber"], running, step=4, reason="ferritin up"),
        live.services.new_uow(),
        live.services.calculator,
        live.services.now(),
    )
    fresh = live.admit("Queue, Nora")
    live.ward.patient_id = fresh
    prescribe_step(live.ward, 2)
    for width in (1366, 1024):
        ph = live.page("pharmacist", width=width)
        ph.goto(f"{live.base}/pharmacy")
        queue = ph.locator("#queue").inner_text()
        assert "Queue, Quinn" in queue and "dose change to verify" in queue
        assert "Queue, Nora" in queue and "new order to verify" in queue
        assert "ICU 4" in queue and re.search(r"\t(now|\d+ min)\t", queue)
        schedule = ph.locator("#schedule").inner_text()
        assert "Queue, Quinn" in schedule and "next bag 1" in schedule and "next bag 2" in schedule
        expect(ph.locator("#schedule")).to_contain_text("to compound")
        assert _fits(ph)
        shot(ph, f"s2-pharmacy-{width}")


def test_nursing_list(live: LiveWard) -> None:
    """Nurse at 1366 and 1024 px: patient links, MRN, ward/bed, the checked bag waiting to be
    hung, the next event offered (Start for a verified order, never Start for a running one)."""
    patient = live.admit("Nurse, Nell")
    live.ward.patient_id = patient
    waiting = prescribe_step(live.ward, 3)
    verify(live.ward, waiting)
    compound_and_check(live.ward, waiting)
    _running(live, "Nurse, Ned")
    for width in (1366, 1024):
        rn = live.page("nurse", width=width)
        rn.goto(f"{live.base}/nursing")
        table = rn.locator("#nursing-list")
        row = table.locator("tr", has_text="Nurse, Nell").inner_text()
        assert "E2E-" in row and "ICU 4" in row and "bag #" in row and "Start" in row
        ned = table.locator("tr", has_text="Nurse, Ned").inner_text()
        assert "Start" not in ned and "8.3 mL/h" in ned
        assert rn.get_by_role("link", name="Nurse, Nell").count() == 1
        assert _fits(rn)
        shot(rn, f"s2-nursing-{width}")
    rn.get_by_role("link", name="Start").first.click()
    assert rn.get_by_label("Event").input_value() == "start"


def test_protocol_page(live: LiveWard) -> None:
    """Prescriber: clinical labels with values, units, status and source; no raw key as a label
    and no unit '1' after a ratio."""
    dr = live.page("prescriber")
    dr.goto(f"{live.base}/protocols")
    dr.locator("#protocol-adult-mas-civ summary").click()
    text = dr.locator("#protocol-adult-mas-civ").inner_text()
    assert "Step 3 daily dose\t1,200 mg/day\tsite-decision" in text
    assert "Response: Ferritin, ratio to its peak ≤\t0.75\tsite-decision" in text
    assert "0.75 1" not in text
    labels = dr.locator("#protocol-adult-mas-civ tbody tr td:first-child").all_inner_texts()
    assert not any(re.match(r"^\w+(\[\d+\])?\.\w+", label) for label in labels)
    shot(dr, "s2-protocol-page")


def test_audit_page(live: LiveWard) -> None:
    """Admin at 1366 and 1024 px: sentences with values at display precision, filters by
    patient, order and user, paging, no horizontal overflow."""
    patient, order_id = _running(live, "Audit, Abe", step=4)
    ad = live.page("admin")
    ad.goto(f"{live.base}/audit")
    text = ad.locator("#audit-events").inner_text()
    assert "started order" in text and "66.7 mg/h" in text and "66.666" not in text
    ad.get_by_label("Order number").fill(str(order_id))
    ad.get_by_role("button", name="Filter").click()
    filtered = ad.locator("#audit-events tbody").inner_text()
    assert f"order {order_id}" in filtered
    assert all(str(order_id) in line or "bag" in line for line in filtered.splitlines() if line)
    ad.goto(f"{live.base}/audit?patient={patient}")
    assert "registered patient Audit, Abe" in ad.locator("#audit-events").inner_text()
    ad.goto(f"{live.base}/audit?actor=rn_cy")
    assert all("rn_cy" in line for line in ad.locator("#audit-events tbody").all_inner_texts())
    for width in (1366, 1024):
        page = live.page("admin", width=width)
        page.goto(f"{live.base}/audit")
        assert _fits(page)
        shot(page, f"s2-audit-{width}")
    if page.locator("#older").count():
        page.locator("#older").click()
        assert page.locator("#audit-events tbody tr").count() > 0


def test_labels_for_print(live: LiveWard) -> None:
    """Pharmacist: before the check, 'NOT CHECKED - do not hang' and no checker; ward/bed,
    prescriber and start-by time; a 4 x 3 in label and an A4 sheet, each printable."""
    from anakinra_iv.workflow.commands import PrepareBag
    from anakinra_iv.workflow.services import prepare_bag

    patient = live.admit("Label, Lia")
    live.ward.patient_id = patient
    order_id = prescribe_step(live.ward, 3)
    verify(live.ward, order_id)
    bag = prepare_bag(
        PrepareBag(live.ward.users["pharmacist"], order_id, live.services.now(), ("LB1",)),
        live.services.new_uow(),
        live.services.calculator,
        live.services.now(),
    )
    ph = live.page("pharmacist")
    for size in ("4x3", "a4"):
        ph.goto(f"{live.base}/bags/{bag.id}/label?size={size}")
        label = ph.locator("#label").inner_text()
        assert "NOT CHECKED - do not hang" in label and "Checked by" not in label
        assert "ICU 4" in label and "Prescriber: dr_house" in label and "START BY" in label
        assert "DOSE RATE 50 mg/h" in label and "PUMP RATE 8.3 mL/h" in label
        ph.emulate_media(media="print")
        shot(ph, f"s2-label-{size}-print")
        ph.emulate_media(media="screen")
    box = ph.locator("#label").bounding_box()
    assert box is not None and box["width"] > 500  # the A4 layout is wider than 4 in


def test_times_in_the_site_zone_and_error_pages(live: LiveWard) -> None:
    """Viewer: the board shows times with the date in the site's zone (CET/CEST), the footer
    names the zone; a missing page and a missing record are styled pages with a way back."""
    _running(live, "Zone, Zoe")
    vw = live.page("viewer")
    vw.goto(f"{live.base}/")
    board = vw.locator("#board").inner_text()
    assert re.search(r"\d{1,2} \w{3} \d{4} \d{2}:\d{2} CES?T", board)
    assert SITE_ZONE in vw.locator("footer").inner_text()
    shot(vw, "s2-board-zone")
    for url, words in (("/no/such/page", "Not found"), ("/orders/999999", "does not exist")):
        vw.goto(f"{live.base}{url}")
        assert words in vw.locator("main").inner_text()
        assert vw.get_by_role("link", name="Back to the board").count() == 1
    shot(vw, "s2-error-page")


def test_course_report_page(live: LiveWard) -> None:
    """Nurse opens the course report (HTML): the patient's name, MRN and birth date head it;
    times carry the site zone."""
    patient, _ = _running(live, "Report, Rae")
    rn = live.page("nurse")
    rn.goto(f"{live.base}/patients/{patient}/report.html")
    text = rn.locator("body").inner_text()
    assert "Report, Rae" in text and "born 12 Apr 1968" in text and "times in Europe/Paris" in text
    shot(rn, "s3-course-report-html")
