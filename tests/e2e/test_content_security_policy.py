"""The Content-Security-Policy holds from the user's seat: in Chromium, every screen renders
and its scripts run with no inline script allowed, and nothing the browser blocks.

The pharmacist prints a bag label (the print button is wired by /static/app.js, no onclick), the
prescriber's order form previews the plan live (a fetch from /static/app.js), the nurse and the
admin open their screens; the browser's console reports no Content-Security-Policy violation.
Screenshots go to ``artifacts/e2e/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_prescriber_to_nurse import ARGS, ARTIFACTS, CHROMIUM, live_ward
from tests.workflow_support.fixtures import PASSWORD, STAFF

__all__ = ["live_ward"]

pytestmark = pytest.mark.browser


def test_screens_work_under_the_policy(live_ward: tuple[str, int], tmp_path: Path) -> None:
    """No CSP violation on any screen; the label's Print button calls window.print; the order
    form's live preview shows 50 mg/h for step 3 (1200 mg/day / 24 h, by hand)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium (run .ci/install-chromium.sh)")
    from playwright.sync_api import Page, expect, sync_playwright

    base, patient_id = live_ward
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    violations: list[str] = []

    def sign_in(browser: object, who: str) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        context.add_init_script("window.print = function () { window.__printed = true; };")
        page: Page = context.new_page()
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(f"{base}/login")
        page.fill("#username", STAFF[who][0])
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        return page

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        prescriber = sign_in(browser, "prescriber")
        prescriber.goto(f"{base}/orders/new?patient_id={patient_id}")
        prescriber.fill("#step", "3")
        expect(prescriber.locator("#preview")).to_contain_text("50 mg/h", timeout=10000)
        prescriber.screenshot(path=str(ARTIFACTS / "csp-order-preview.png"), full_page=True)
        prescriber.get_by_role("button", name="Sign order").click()
        prescriber.wait_for_load_state("networkidle")
        order_id = int(prescriber.url.split("/orders/")[1].split("?")[0])
        pharmacist = sign_in(browser, "pharmacist")
        pharmacist.goto(f"{base}/orders/{order_id}")
        pharmacist.fill("#v-rate", "50")
        pharmacist.fill("#v-conc", "6")
        pharmacist.get_by_role("button", name="Verify").click()
        pharmacist.wait_for_load_state("networkidle")
        pharmacist.fill("#lots", "LOT-1, LOT-2")
        pharmacist.get_by_role("button", name="Record bag").click()
        pharmacist.wait_for_load_state("networkidle")
        checker = sign_in(browser, "pharmacist2")
        checker.goto(f"{base}/orders/{order_id}")
        checker.get_by_role("button", name="Second check").click()
        checker.wait_for_load_state("networkidle")
        checker.get_by_role("link", name="label").first.click()
        checker.wait_for_load_state("networkidle")
        checker.get_by_role("button", name="Print").click()
        assert checker.evaluate("window.__printed === true")
        checker.screenshot(path=str(ARTIFACTS / "csp-label.png"), full_page=True)
        for who, path in (("nurse", "/nursing"), ("admin", "/audit"), ("nurse", "/")):
            sign_in(browser, who).goto(f"{base}{path}")
        browser.close()
    assert violations == []
