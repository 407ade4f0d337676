"""The time-to-drug page in Chromium over the demo ward (five days of orders, served on
loopback with the site zone Europe/Paris): it shows the demo's figures, and a nurse gets no link
and a refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from anakinra_iv.bootstrap import create_services
from anakinra_iv.web.app import create_app
from anakinra_iv.workflow.demo import seed_demo_ward
from anakinra_iv.workflow.time_to_drug import get_time_to_drug
from tests.e2e.browser import ARGS, CHROMIUM, SITE_ZONE, RealClock, _free_port, shot
from tests.workflow_support.fixtures import PASSWORD, create_test_settings


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Any, Any, dict[str, int]]]:
    """The app over a freshly seeded demo ward, and Chromium."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("ttd")
    settings = create_test_settings(f"sqlite:///{folder / 'demo.sqlite3'}", site_timezone=SITE_ZONE)
    services = create_services(settings, clock=RealClock(), migrate=True)
    users = seed_demo_ward(
        services.new_uow,
        services.hasher,
        services.policy,
        services.calculator,
        services.now(),
        PASSWORD,
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield f"http://127.0.0.1:{port}", browser, services, users
        finally:
            browser.close()
            server.should_exit = True
            thread.join(timeout=10)
            services.engine.dispose()


def _sign_in(base: str, browser: Any, who: str, width: int = 1366) -> Any:
    page = browser.new_context(viewport={"width": width, "height": 768}).new_page()
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(who)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    return page


def test_page_shows_the_demo_wards_figures(demo: tuple[str, Any, Any, dict[str, int]]) -> None:
    """The pharmacist opens 'Time to drug' from the menu: both demo wards are there with the
    same order counts and medians the service computes, the open order is counted as open, and
    five charts load as images."""
    from playwright.sync_api import expect

    base, browser, services, users = demo
    page = _sign_in(base, browser, "pharmacist")
    page.get_by_role("link", name="Time to drug").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Time to drug", level=1)).to_be_visible()
    today = services.now().astimezone(services.zone).date()
    from datetime import timedelta

    report = get_time_to_drug(
        services.new_uow(),
        users["pharmacist"],
        today - timedelta(days=6),
        today,
        services.now(),
        services.zone,
    )
    by_ward = {s.ward: s for s in report.summaries}
    assert {"ICU 4", "HDU 2", "all wards"} <= set(by_ward)
    icu = page.locator("section.ttd-ward", has=page.get_by_role("heading", name="ICU 4"))
    assert icu.locator("[data-fact=orders]").inner_text() == str(by_ward["ICU 4"].orders)
    assert by_ward["ICU 4"].orders >= 3 and by_ward["ICU 4"].open_orders == 1
    assert icu.locator("[data-fact=open]").inner_text() == "1"
    median = by_ward["ICU 4"].get("verify").median_minutes
    assert median is not None
    row = icu.get_by_role("row", name="signed -> verified")
    expect(row).to_contain_text(f"{round(median)} min")
    expect(icu.locator("[data-fact=slowest]")).not_to_have_text("—")
    hdu = page.locator("section.ttd-ward", has=page.get_by_role("heading", name="HDU 2"))
    expect(hdu.get_by_role("row", name="rejected and re-ordered")).to_be_visible()
    expect(hdu.locator("[data-fact=interruptions]")).to_contain_text("min per patient-day")
    images = page.locator(".ttd-charts img")
    expect(images).to_have_count(5)
    for index in range(5):
        assert images.nth(index).evaluate("i => i.complete && i.naturalWidth > 300")
    shot(page, "time-to-drug")
    tablet = _sign_in(base, browser, "admin", width=1024)
    tablet.goto(f"{base}/time-to-drug")
    tablet.wait_for_load_state("networkidle")
    expect(tablet.locator("section.ttd-ward")).to_have_count(len(report.summaries))
    shot(tablet, "time-to-drug-1024")


def test_nurse_gets_no_link_and_is_refused(demo: tuple[str, Any, Any, dict[str, int]]) -> None:
    """A nurse's menu has no 'Time to drug', and the address typed by hand is refused (403)."""
    base, browser, _, _ = demo
    page = _sign_in(base, browser, "nurse")
    assert page.get_by_role("link", name="Time to drug").count() == 0
    response = page.goto(f"{base}/time-to-drug")
    assert response is not None and response.status == 403
    assert page.locator("table.ttd").count() == 0


def test_order_page_shows_its_own_timeline(demo: tuple[str, Any, Any, dict[str, int]]) -> None:
    """The demo's re-order (HDU 2) shows its steps from the rejected order's signature, the
    85 min the rejection cost, its dose change, its late bag change and the time with no drug;
    an open order shows its waiting step as open."""
    from datetime import timedelta

    from playwright.sync_api import expect

    base, browser, services, users = demo
    today = services.now().astimezone(services.zone).date()
    report = get_time_to_drug(
        services.new_uow(),
        users["prescriber"],
        today - timedelta(days=6),
        today,
        services.now(),
        services.zone,
    )
    reorder = next(t for t in report.orders if t.rejected_orders)
    waiting = next(t for t in report.orders if t.outcome == "open")
    page = _sign_in(base, browser, "prescriber")
    page.goto(f"{base}/orders/{reorder.order_id}")
    section = page.locator("#time-to-drug")
    expect(section.get_by_role("row", name="rejected and re-ordered")).to_contain_text("1 h 25 min")
    expect(
        section.get_by_role("row", name="dose change signed -> new rate running")
    ).to_contain_text("1 h 5 min")
    expect(section.get_by_role("row", name="bag due -> new bag hung (bag").first).to_be_visible()
    expect(section.locator("tr.ttd-gap").first).to_contain_text("No drug running")
    expect(section).not_to_contain_text("open, waiting")
    section.scroll_into_view_if_needed()
    shot(page, "time-to-drug-order")
    page.goto(f"{base}/orders/{waiting.order_id}")
    expect(page.locator("#time-to-drug tr.ttd-open")).to_contain_text("open, waiting")
