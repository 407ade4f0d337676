"""Barcode-checked administration in Chromium: the label and the wristband are printed, their
codes read off the rendered images and typed into the scan fields as a USB scanner types them
(code, Enter); the right pair starts the infusion, and a wrong patient's wristband, another
order's bag, an expired bag and an unchecked bag are each refused with a message naming what
did not match and an audit row holding both scanned values. An override with a reason is shown
on the board and counted on the admin page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from anakinra_iv.records.tables import AuditEvent
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import CreatePatient, PrepareBag
from anakinra_iv.workflow.services import create_patient, prepare_bag
from tests.e2e.browser import LiveWard, live, shot, submit
from tests.e2e.scanning import print_codes, scan
from tests.workflow_support.fixtures import (
    FakeClock,
    compound_and_check,
    prescribe_step,
    read_bag,
    verify,
)

pytestmark = pytest.mark.browser

__all__ = ["live"]


def _patient(live: LiveWard, mrn: str, name: str, when: FakeClock) -> int:
    view = create_patient(
        CreatePatient(
            live.ward.users["prescriber"],
            mrn=mrn,
            name=name,
            birth_date=date(1959, 9, 9),
            sex="male",
            weight=Q_(80, "kg"),
            creatinine=Q_(1.0, "mg/dL"),
            ward="ICU 4",
            bed=mrn[-1],
            weight_collected_at=when(),
        ),
        live.services.new_uow(),
        when(),
    )
    return view.id


def _order_with_bag(live: LiveWard, patient_id: int, when: FakeClock) -> tuple[int, int]:
    """An order verified and a bag made and checked at ``when`` (helpers read the ward's
    clock, swapped for the moment)."""
    ward = live.ward
    clock, ward.clock, ward.patient_id = ward.clock, when, patient_id
    try:
        order_id = prescribe_step(ward)
        verify(ward, order_id)
        return order_id, compound_and_check(ward, order_id)
    finally:
        ward.clock = clock


def _refusals(live: LiveWard, order_id: int) -> list[str]:
    """The new values (JSON text) of the order's refused-scan audit events, oldest first."""
    with live.services.new_uow() as uow:
        query = select(AuditEvent.new_value).where(
            AuditEvent.action == "administration.scan_refused",
            AuditEvent.entity_id == str(order_id),
        )
        return list(uow.session.execute(query.order_by(AuditEvent.seq)).scalars())


def test_scan_the_wristband_and_the_label_then_start(live: LiveWard) -> None:
    now = live.services.now()
    past = FakeClock(now - timedelta(hours=30))
    ward = live.ward
    # Patient A: order and first bag 30 h ago (beyond use after 24 h: expired 6 h ago), a
    # fresh checked bag and an unchecked bag now. Patient B: an order and a checked bag now.
    patient_a = _patient(live, "BC-SCAN-A", "Scan, Ada", past)
    order_a, expired_bag = _order_with_bag(live, patient_a, past)
    fresh = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_a, now, ("LOT-F1", "LOT-F2")),
        live.services.new_uow(),
        live.services.calculator,
        now,
    )
    read_bag(ward, fresh.id)
    unchecked = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_a, now, ("LOT-U1", "LOT-U2")),
        live.services.new_uow(),
        live.services.calculator,
        now,
    )
    patient_b = _patient(live, "BC-SCAN-B", "Scan, Bert", FakeClock(now))
    _, other_bag = _order_with_bag(live, patient_b, FakeClock(now))

    rn = live.page("nurse")
    blocked: list[str] = []
    rn.context.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    order_url = f"{live.base}/orders/{order_a}"
    wristband_a, fresh_code = print_codes(rn, live.base, patient_a, fresh.id, "bc-01")
    wristband_b, other_code = print_codes(rn, live.base, patient_b, other_bag)
    _, expired_code = print_codes(rn, live.base, patient_a, expired_bag)
    _, unchecked_code = print_codes(rn, live.base, patient_a, unchecked.id, "bc-02-unchecked")
    # The codes read off the images are the scanner's: the bag as GS1 (AI 91), the MRN inside.
    assert fresh_code == f"91B{fresh.id}" + fresh_code[-2:]
    assert wristband_a.startswith("PBC-SCAN-A") and wristband_b.startswith("PBC-SCAN-B")

    cases = [
        ("wrong-patient", wristband_b, fresh_code, "WRONG PATIENT"),
        ("wrong-order", wristband_a, other_code, "WRONG BAG"),
        ("expired", wristband_a, expired_code, "EXPIRED"),
        ("unchecked", wristband_a, unchecked_code, "has not passed its second check"),
    ]
    for number, (name, wristband, bag, words) in enumerate(cases, start=1):
        rn.goto(order_url)
        expect(rn.get_by_label("Event")).to_have_value("start")
        scan(rn, wristband, bag)
        submit(rn, "Record event", ok=False)
        summary = rn.locator("#error-summary")
        expect(summary).to_contain_text(words)
        expect(summary).to_contain_text("Scan ")
        expect(rn.locator("#order-status")).to_have_text("verified")
        # Nothing was recorded, and the refused codes are not kept for the next scan to be
        # appended to.
        expect(rn.locator("#segments tbody")).to_have_text("Not started.")
        expect(rn.get_by_label("Scan wristband")).to_have_value("")
        expect(rn.get_by_label("Scan bag label")).to_have_value("")
        shot(rn, f"bc-03-refused-{name}")
        refusals = _refusals(live, order_a)
        assert len(refusals) == number
        assert wristband in refusals[-1] and bag in refusals[-1]
        assert words in refusals[-1]

    rn.goto(order_url)
    scan(rn, wristband_a, fresh_code)
    shot(rn, "bc-04-scanned")
    submit(rn, "Record event")
    expect(rn.locator("#order-status")).to_have_text("active")
    shot(rn, "bc-05-started")
    with live.services.new_uow() as uow:
        assert uow.bags.get(fresh.id).status == "hung"

    # Patient C: the wristband cannot be scanned; the start goes ahead with a reason, which
    # the board shows.
    patient_c = _patient(live, "BC-SCAN-C", "Scan, Cy", FakeClock(now))
    order_c, bag_c = _order_with_bag(live, patient_c, FakeClock(now))
    rn.goto(f"{live.base}/orders/{order_c}")
    submit(rn, "Record event", ok=False)
    expect(rn.locator("#error-summary")).to_contain_text("Scan wristband is required")
    rn.get_by_label("Scan override reason").fill("wristband unreadable, identity checked aloud")
    submit(rn, "Record event")
    expect(rn.locator("#order-status")).to_have_text("active")
    rn.goto(f"{live.base}/")
    row = rn.locator("#board tr", has_text="Scan, Cy")
    expect(row).to_contain_text("bag hung without barcode scan: wristband unreadable")
    expect(rn.locator("#board tr", has_text="Scan, Ada")).not_to_contain_text("without barcode")
    shot(rn, "bc-06-board-override")
    assert bag_c

    admin = live.page("admin")
    admin.goto(f"{live.base}/admin/scans")
    icu = admin.locator("#scan-compliance tr", has_text="ICU 4")
    expect(icu).to_contain_text("2")  # bags hung on ICU 4: one scanned, one overridden
    expect(admin.locator("#scan-records")).to_contain_text("wristband unreadable")
    expect(admin.locator("#scan-records")).to_contain_text("WRONG PATIENT")
    shot(admin, "bc-07-admin-scans")
    assert blocked == []  # no image or script of these pages was refused by the policy


def test_a_bag_of_the_previous_dose_says_so_on_its_label_and_in_the_bag_choice(
    live: LiveWard,
) -> None:
    """A checked step-3 bag (6 mg/mL, 8.3 mL/h = 50 mg/h; hand calculation) after the dose is
    changed to step 4 and verified: its label keeps 50 mg/h and 8.3 mL/h, never the new
    66.7 mg/h, and says PREVIOUS DOSE - do not hang; the nurse's bag choice says it too."""
    from anakinra_iv.workflow.commands import ChangeDose
    from anakinra_iv.workflow.services import change_dose

    now = FakeClock(live.services.now())
    ward = live.ward
    patient = _patient(live, "BC-SCAN-D", "Scan, Dora", now)
    order_id, bag_id = _order_with_bag(live, patient, now)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=4, reason="no response"),
        live.services.new_uow(),
        live.services.calculator,
        live.services.now(),
    )
    clock, ward.clock = ward.clock, FakeClock(live.services.now())
    try:
        verify(ward, order_id, rate="66.67 mg/h", conc="8 mg/mL")
    finally:
        ward.clock = clock
    page = live.page("nurse")
    page.goto(f"{live.base}/bags/{bag_id}/label")
    label = page.locator("#label")
    expect(label).to_contain_text("PREVIOUS DOSE - do not hang")
    expect(label).to_contain_text("DOSE RATE 50 mg/h · PUMP RATE 8.3 mL/h")
    expect(label).not_to_contain_text("66.7 mg/h · PUMP")
    shot(page, "label-previous-dose")
    page.goto(f"{live.base}/orders/{order_id}")
    expect(page.locator("#f-bag_id")).to_contain_text("PREVIOUS DOSE (50 mg/h), do not hang")
