"""The whole path in a real browser: order -> verify -> compound -> check -> hang ->
rate change -> bag change -> stop, each step by the role that owns it.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright against the app served by
uvicorn on loopback; screenshots of each step are saved under ``artifacts/e2e/``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from anakinra_iv.bootstrap import create_services
from anakinra_iv.web.app import create_app
from tests.e2e.scanning import scan_at_bedside
from tests.workflow_support.fixtures import (
    PASSWORD,
    STAFF,
    FakeClock,
    create_test_settings,
    staff_ward,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


class _RealClock(FakeClock):
    """Wall-clock time (the browser and server share it), still a clock object."""

    def __call__(self):  # type: ignore[no-untyped-def]
        from datetime import UTC, datetime

        return datetime.now(UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_ward(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The app on a fresh SQLite file, staffed, served on a loopback port."""
    settings = create_test_settings(f"sqlite:///{tmp_path / 'e2e.sqlite3'}")
    clock = _RealClock()
    services = create_services(settings, clock=clock, migrate=True)
    ward = staff_ward(services, clock)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}", ward.patient_id
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.engine.dispose()


def test_order_to_stop_in_the_browser(live_ward: tuple[str, int]) -> None:
    """Each role signs in its own browser context; 5 form submissions take a new order to a
    running infusion at 50 mg/h = 8.3 mL/h (1200 mg/day, 6 mg/mL, by hand); the dose change to
    step 4 runs at 1600/24 = 66.7 mg/h (shown to 0.1 mg/h); the stop, with its reason and
    confirmation, leaves the order 'stopped'."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium (run .ci/install-chromium.sh)")
    from playwright.sync_api import Page, expect, sync_playwright

    base, patient_id = live_ward
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    submissions = 0

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def submit(page: Page, button: str) -> None:
        nonlocal submissions
        submissions += 1
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state("networkidle")
        expect(page.locator(".alert.error")).to_have_count(0)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pages: dict[str, Page] = {}
        for who in ("prescriber", "pharmacist", "pharmacist2", "nurse"):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("User name").fill(STAFF[who][0])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.locator("#intended-use")).to_contain_text("off-label")
            pages[who] = page
        dr, ph, ph2, rn = (
            pages["prescriber"],
            pages["pharmacist"],
            pages["pharmacist2"],
            pages["nurse"],
        )

        dr.goto(f"{base}/orders/new?patient_id={patient_id}")
        dr.get_by_label("Protocol").select_option("adult-mas-civ")
        dr.get_by_label("Step").fill("3")
        expect(dr.locator("#preview")).to_contain_text("50 mg/h")
        shot(dr, "01-order-entry-live-calculation")
        submit(dr, "Sign order")
        order_url = dr.url.split("?")[0]
        expect(dr.locator("#order-status")).to_have_text("pending verification")

        ph.goto(order_url)
        ph.get_by_label("Rate (mg/h)").fill("50")
        ph.get_by_label("Concentration (mg/mL)").fill("6")
        submit(ph, "Verify")
        expect(ph.locator("#order-status")).to_have_text("verified")
        shot(ph, "02-verified")
        ph.get_by_text("Or record the lots used").click()
        ph.get_by_label("Syringe lot numbers (comma-separated)").fill("LOT-A1, LOT-A2")
        submit(ph, "Record bag")

        ph2.goto(order_url)
        ph2.get_by_role("link", name="Second check").click()
        ph2.get_by_label("Drug amount on the bag (mg)").fill("600")
        ph2.get_by_label("Final volume on the bag (mL)").fill("100")
        ph2.get_by_label("Syringe lots").fill("LOT-A1, LOT-A2")
        submit(ph2, "Check bag")
        shot(ph2, "03-checked")

        rn.goto(order_url)
        rn.get_by_label("Event").select_option("start")
        rn.get_by_label("Bag (to hang)").select_option(index=1)
        scan_at_bedside(rn, base)
        submit(rn, "Record event")
        expect(rn.locator("#order-status")).to_have_text("active")
        expect(rn.locator("#current-rate")).to_contain_text("50 mg/h = 8.3 mL/h")
        shot(rn, "04-running")
        actions_to_running = submissions

        dr.goto(order_url)
        dr.get_by_label("New step").fill("4")
        dr.get_by_label("Reason for the change").fill("ferritin rising")
        submit(dr, "Change dose")
        ph.goto(order_url)
        ph.get_by_label("Rate (mg/h)").fill("66.67")
        ph.get_by_label("Concentration (mg/mL)").fill("8")
        submit(ph, "Verify")
        rn.goto(order_url)
        rn.get_by_label("Event").select_option("rate_change")
        rn.get_by_label("Rate (mg/h)").fill("66.67")
        submit(rn, "Record event")
        expect(rn.locator("#current-rate")).to_contain_text("66.7 mg/h")
        shot(rn, "05-rate-change")

        ph.goto(order_url)
        ph.get_by_text("Or record the lots used").click()
        ph.get_by_label("Syringe lot numbers (comma-separated)").fill("LOT-B1")
        submit(ph, "Record bag")
        ph2.goto(order_url)
        ph2.get_by_role("link", name="Second check").click()
        ph2.get_by_label("Drug amount on the bag (mg)").fill("800")
        ph2.get_by_label("Final volume on the bag (mL)").fill("100")
        ph2.get_by_label("Syringe lots").fill("LOT-B1")
        submit(ph2, "Check bag")
        rn.goto(order_url)
        expect(rn.get_by_label("Event")).to_have_value("bag_change")
        scan_at_bedside(rn, base)
        submit(rn, "Record event")
        expect(rn.locator("#current-rate")).to_contain_text("66.7 mg/h = 8.3 mL/h")
        shot(rn, "06-bag-change")

        rn.get_by_label("Reason for stopping").fill("course complete")
        rn.get_by_label("I confirm the infusion is stopped for good").check()
        submit(rn, "Stop infusion")
        expect(rn.locator("#order-status")).to_have_text("stopped")
        shot(rn, "07-stopped")
        rn.goto(f"{base}/")
        shot(rn, "08-board")
        browser.close()
    assert actions_to_running == 5
    (ARTIFACTS / "actions.txt").write_text(
        f"form submissions from new order to running infusion: {actions_to_running}\n"
        f"form submissions for the whole path: {submissions}\n"
    )
