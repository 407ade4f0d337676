"""In a real browser: a tired nurse types '7,5 kg' into the admission form, and a pharmacist
prints a bag label (issue 9: decimal comma, start-by time, handling from the Kineret label).
Screenshots are saved under ``artifacts/e2e/`` (09-*, 10-*).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from anakinra_iv.reports.display import show_time
from tests.e2e.browser import LiveWard, live, shot, submit
from tests.workflow_support.fixtures import compound_and_check, prescribe_step, verify

__all__ = ["live"]

pytestmark = pytest.mark.browser


def test_decimal_comma_is_refused_on_the_admission_form(live: LiveWard) -> None:
    """'7,5 kg' is refused on the page, naming the weight and asking for a decimal point; what
    was typed is kept, and no patient is added."""
    from playwright.sync_api import expect

    rn = live.page("nurse")
    rn.goto(f"{live.base}/patients")
    rows_before = rn.locator("table tbody tr").count()
    rn.get_by_label("MRN").fill("MRN-COMMA")
    rn.get_by_label("Name").fill("Roe, Ann")
    rn.get_by_label("Birth date").fill("2024-05-01")
    rn.get_by_label("Weight (with unit)").fill("7,5 kg")
    submit(rn, "Admit", ok=False)
    summary = rn.locator("#error-summary").inner_text()
    assert "Weight" in summary and "decimal point" in summary
    expect(rn.get_by_label("Weight (with unit)")).to_have_value("7,5 kg")
    shot(rn, "09-decimal-comma-refused")
    rn.goto(f"{live.base}/patients")
    assert rn.locator("table tbody tr").count() == rows_before
    assert "MRN-COMMA" not in rn.content()


def test_label_shows_start_by_and_handling(live: LiveWard) -> None:
    """A checked bag's label shows START BY = prepared + 24 h refrigerated beyond-use time - 12 h
    hang (USP 797; adult-mas-civ keeps the bag refrigerated until hung), the handling line of the
    Kineret label, and no '50.00'-style trailing zero."""
    live.ward.patient_id = live.admit("Label, Lou")
    order_id = prescribe_step(live.ward, 3)
    verify(live.ward, order_id)
    bag_id = compound_and_check(live.ward, order_id)
    with live.services.new_uow() as uow:
        bag = uow.bags.get(bag_id)
        prepared, beyond_use = bag.prepared_at, bag.beyond_use
    assert beyond_use - prepared == timedelta(hours=24)
    ph = live.page("pharmacist", height=900)
    ph.goto(f"{live.base}/bags/{bag_id}/label")
    text = ph.locator("#label").inner_text()
    shot(ph, "10-label")
    assert "START BY" in text and "Beyond use" in text
    assert "Handling: Protect from light; do not shake; do not freeze" in text
    assert "DOSE RATE 50 mg/h" in text and "50.00" not in text
    start_by = show_time(beyond_use - timedelta(hours=12), live.services.zone)
    assert f"START BY {start_by}" in text
