"""The Content-Security-Policy holds from the user's seat: in Chromium, every screen renders
and its scripts run with no inline script allowed, and nothing the browser blocks.

The prescriber's order form previews the plan live (a fetch from /static/app.js), the pharmacist
opens the order, the worksheet and a label whose Print button is wired by /static/app.js (no
onclick), the nurse, the lead and the admin open their screens; the browser's console reports no
Content-Security-Policy violation. Screenshots go to ``artifacts/e2e/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import LiveWard, live, shot
from tests.workflow_support.fixtures import compound_and_check, prescribe_step, verify

__all__ = ["live"]

pytestmark = pytest.mark.browser


def test_screens_work_under_the_policy(live: LiveWard) -> None:
    """No CSP violation on any screen; the label's Print button calls window.print; the order
    form's live preview shows 50 mg/h for step 3 (1200 mg/day / 24 h, by hand)."""
    from playwright.sync_api import expect

    violations: list[str] = []

    def watched(who: str) -> Any:
        page = live.page(who, width=1280)
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        return page

    patient = live.admit("Policy, Pat")
    live.ward.patient_id = patient
    dr = watched("prescriber")
    dr.goto(f"{live.base}/orders/new?patient_id={patient}")
    dr.fill("#f-step", "3")
    expect(dr.locator("#preview")).to_contain_text("50 mg/h", timeout=10000)
    shot(dr, "csp-order-preview")

    order_id = prescribe_step(live.ward, 3)
    ph = watched("pharmacist")
    ph.goto(f"{live.base}/orders/{order_id}")
    verify(live.ward, order_id)
    ph.goto(f"{live.base}/orders/{order_id}/worksheet")
    bag_id = compound_and_check(live.ward, order_id)
    ph.context.add_init_script("window.print = function () { window.__printed = true; };")
    ph.goto(f"{live.base}/bags/{bag_id}/label")
    ph.get_by_role("button", name="Print").click()
    assert ph.evaluate("window.__printed === true")
    shot(ph, "csp-label")
    for who, path in (
        ("nurse", "/nursing"),
        ("nurse", f"/patients/{patient}"),
        ("pharmacist2", "/pharmacy"),
        ("lead", "/pharmacy"),
        ("admin", "/audit"),
        ("admin", "/protocols"),
        ("nurse", "/"),
    ):
        page = watched(who)
        page.goto(f"{live.base}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []
