"""In a real browser: a tired nurse types '7,5 kg' into the registration form, and a pharmacist
prints a bag label (issue 9: decimal comma, start-by time, handling from the Kineret label).

Screenshots are saved under ``artifacts/e2e/`` (09-*, 10-*).
"""

from __future__ import annotations

import pytest

from tests.e2e.test_prescriber_to_nurse import ARGS, ARTIFACTS, CHROMIUM, live_ward
from tests.workflow_support.fixtures import PASSWORD, STAFF

__all__ = ["live_ward"]

pytestmark = pytest.mark.browser


def test_decimal_comma_and_label_in_the_browser(live_ward: tuple[str, int]) -> None:
    """'7,5 kg' is refused on the page, naming the weight and asking for a decimal point, and no
    patient is added; a checked bag's label shows START BY (prepared + 24 h refrigerated
    beyond-use time - 12 h hang, USP 797) and the handling line of the Kineret label, and no
    '50.00'-style trailing zero."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import Page, expect, sync_playwright

    base, patient_id = live_ward
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def sign_in(page: Page, who: str) -> None:
        page.goto(f"{base}/login")
        page.get_by_label("User name").fill(STAFF[who][0])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#intended-use")).to_contain_text("off-label")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        nurse = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        sign_in(nurse, "nurse")
        nurse.goto(f"{base}/patients")
        rows_before = nurse.locator("table tbody tr").count()
        nurse.get_by_label("MRN").fill("MRN-COMMA")
        nurse.get_by_label("Name").fill("Roe, Ann")
        nurse.get_by_label("Birth date").fill("2024-05-01")
        nurse.get_by_label("Sex").select_option("female")
        nurse.get_by_label("Weight (with unit)").fill("7,5 kg")
        nurse.get_by_role("button", name="Register").click()
        nurse.wait_for_load_state("networkidle")
        alert = nurse.locator(".alert.error")
        expect(alert).to_contain_text("'weight'")
        expect(alert).to_contain_text("decimal point")
        nurse.screenshot(path=str(ARTIFACTS / "09-decimal-comma-refused.png"), full_page=True)
        assert nurse.locator("table tbody tr").count() == rows_before
        assert "MRN-COMMA" not in nurse.content()

        prescriber = browser.new_context().new_page()
        sign_in(prescriber, "prescriber")
        prescriber.goto(f"{base}/orders/new?patient_id={patient_id}")
        prescriber.get_by_label("Protocol").select_option("adult-mas-civ")
        prescriber.get_by_label("Step").fill("3")
        prescriber.get_by_role("button", name="Sign order").click()
        order_url = prescriber.url.split("?")[0]
        pharmacist = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        sign_in(pharmacist, "pharmacist")
        pharmacist.goto(order_url)
        pharmacist.get_by_label("Rate (mg/h)").fill("50")
        pharmacist.get_by_label("Concentration (mg/mL)").fill("6")
        pharmacist.get_by_role("button", name="Verify").click()
        pharmacist.get_by_label("Syringe lot numbers (comma-separated)").fill("LOT-A1")
        pharmacist.get_by_role("button", name="Record bag").click()
        pharmacist.wait_for_load_state("networkidle")
        label_link = pharmacist.locator("a[href*='/label']").first
        label_link.click()
        pharmacist.wait_for_load_state("networkidle")
        text = pharmacist.locator("body").inner_text()
        pharmacist.screenshot(path=str(ARTIFACTS / "10-label.png"), full_page=True)
        assert "START BY" in text and "BEYOND USE" in text
        assert "Handling: Protect from light; do not shake; do not freeze" in text
        assert "DOSE RATE: 50 mg/h" in text and "50.00" not in text
        browser.close()
