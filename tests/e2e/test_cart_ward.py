"""CAR-T toxicities in the ward, in Chromium: a nurse records an ICE assessment from the nursing
list (a tired first try with an item left empty is refused naming it, and nothing is stored),
the grades show over time on the patient page beside the dose, and the board flags the rise of
the ICANS grade. Screenshots: ``artifacts/e2e/cart-*.png``.

Expected grades by hand from the ASTCT tables (Lee 2019): ICE 8 is ICANS grade 1, ICE 5 grade 2;
fever with one vasopressor is CRS grade 3.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from anakinra_iv.workflow.commands import RecordToxicityAssessment
from anakinra_iv.workflow.services import record_toxicity_assessment
from tests.e2e.browser import LiveWard, live, shot, submit
from tests.workflow_support.fixtures import start_cart

__all__ = ["live"]

pytestmark = pytest.mark.browser

ICE_8 = {
    "orientation": 3,
    "naming": 3,
    "following_commands": 1,
    "writing": 1,
    "attention": 0,
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": False,
    "raised_icp": "none",
    "attributable_to_other_cause": False,
}


def _stored(live: LiveWard, patient: int) -> int:
    with live.services.new_uow() as uow:
        return len(uow.toxicity.list_for_patient(patient))


def test_nurse_enters_ice_and_the_board_flags_the_rise(live: LiveWard) -> None:
    """ICE 8 (grade 1) two hours ago; the nurse enters ICE 2+2+1+0+0 = 5 (grade 2): the patient
    page lists both with the dose running, and the board shows ICANS 2 up from 1 with the alert;
    a MAS patient's row carries no grade and no rise."""
    patient = live.admit("Cart, Carla")
    live.ward.patient_id = patient
    real_clock = live.ward.clock
    live.ward.clock = lambda: real_clock() - timedelta(minutes=10)  # type: ignore[assignment,method-assign]
    try:  # started 10 min ago, so the entry (to the minute) falls inside the infusion
        order_id = start_cart(live.ward)
    finally:
        live.ward.clock = real_clock
    earlier = live.services.now() - timedelta(hours=2)
    record_toxicity_assessment(
        RecordToxicityAssessment(live.ward.users["nurse"], patient, "icans-astct", ICE_8, earlier),
        live.services.new_uow(),
        live.services.now(),
    )
    rn = live.page("nurse")
    rn.goto(f"{live.base}/nursing")
    row = rn.locator("#nursing-list tr", has_text="Cart, Carla")
    row.get_by_role("link", name="ICANS assessment").click()
    expect(rn.get_by_role("heading", level=1)).to_contain_text("ICANS assessment")
    for item in ("orientation", "naming", "following_commands", "writing", "attention"):
        assert rn.locator(f"#f-{item}").input_value() == ""  # nothing preselected as normal
    shot(rn, "cart-nursing-entry-empty")

    # A tired first try: writing left empty.
    rn.select_option("#f-orientation", "2")
    rn.select_option("#f-naming", "2")
    rn.select_option("#f-following_commands", "1")
    rn.select_option("#f-attention", "0")
    for item, value in (
        ("consciousness", "alert"),
        ("seizure", "none"),
        ("motor_weakness", "no"),
        ("raised_icp", "none"),
        ("attributable_to_other_cause", "no"),
    ):
        rn.select_option(f"#f-{item}", value)
    submit(rn, "Record ICANS assessment", ok=False)
    summary = rn.locator("#error-summary")
    expect(summary).to_contain_text("Writes a standard sentence (0-1) is missing")
    assert _stored(live, patient) == 1
    assert rn.locator("#f-orientation").input_value() == "2"  # what was typed is kept
    shot(rn, "cart-nursing-entry-refused")

    rn.select_option("#f-writing", "0")
    submit(rn, "Record ICANS assessment")
    assert _stored(live, patient) == 2
    newest = rn.locator("#grades tbody tr").first
    expect(newest).to_contain_text("ICE 5")
    expect(newest).to_contain_text("ICANS grade 2")
    shot(rn, "cart-nursing-entry-recorded")

    rn.goto(f"{live.base}/patients/{patient}")
    expect(rn.locator("#current-grades")).to_contain_text("ICANS grade 2")
    expect(rn.locator("#current-grades")).to_contain_text("rose from 1")
    rows = rn.locator("#grades tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("mg/h")  # the dose running beside the grade
    expect(rows.nth(1)).to_contain_text("ICANS grade 1")
    shot(rn, "cart-patient-grades")

    mas = live.admit("Mas, Mona")
    live.ward.patient_id = mas
    from tests.workflow_support.fixtures import (
        administer,
        compound_and_check,
        prescribe_step,
        verify,
    )

    mas_order = prescribe_step(live.ward, 3)
    verify(live.ward, mas_order)
    administer(live.ward, mas_order, "start", bag_id=compound_and_check(live.ward, mas_order))
    rn.goto(f"{live.base}/")
    board = rn.locator("#board")
    carla = board.locator("tr", has_text="Cart, Carla")
    expect(carla.locator("td.grades")).to_contain_text("ICANS 2")
    expect(carla.locator("td.grades")).to_contain_text("from 1")
    expect(carla).to_contain_text("ICANS grade rose from 1 to 2")
    mona = board.locator("tr", has_text="Mas, Mona")
    assert "rose" not in mona.inner_text() and "ICANS" not in mona.inner_text()
    assert f"#{order_id}" in carla.inner_text()
    fits = "document.documentElement.scrollWidth <= window.innerWidth + 1"
    wrap = "(() => { const w = document.querySelector('.table-wrap');"
    wrap += " return w.scrollWidth <= w.clientWidth + 1; })()"
    assert rn.evaluate(fits) and rn.evaluate(wrap)  # the alerts column is on screen
    shot(rn, "cart-board-rise")


def test_crs_vital_signs_refuse_a_decimal_comma(live: LiveWard) -> None:
    """'38,5' is refused naming the temperature (never read as 385); 38.5 C with norepinephrine
    is CRS grade 3; ticking an agent and 'none' together is refused."""
    patient = live.admit("Cart, Cyril")
    rn = live.page("nurse")
    rn.goto(f"{live.base}/patients/{patient}/assessments/crs")
    rn.fill("#f-temperature", "38,5")
    rn.select_option("#f-fever_masked_by_treatment", "no")
    rn.get_by_label("norepinephrine").check()
    rn.select_option("#f-oxygen", "none")
    submit(rn, "Record CRS assessment", ok=False)
    expect(rn.locator("#error-summary")).to_contain_text("Temperature")
    assert _stored(live, patient) == 0
    rn.fill("#f-temperature", "38.5")
    rn.get_by_label("norepinephrine").check()
    rn.get_by_label("none", exact=True).check()
    submit(rn, "Record CRS assessment", ok=False)
    expect(rn.locator("#error-summary")).to_contain_text("Vasopressors running")
    rn.get_by_label("none", exact=True).uncheck()
    submit(rn, "Record CRS assessment")
    expect(rn.locator("#grades tbody tr").first).to_contain_text("CRS grade 3")
    assert _stored(live, patient) == 1
    shot(rn, "cart-crs-entry-recorded")
