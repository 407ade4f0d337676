"""Shared pieces of the browser tests: the app served on loopback over a fresh SQLite file (site
zone Europe/Paris), one Chromium for a module, a signed-in page per role, screenshots under
``artifacts/e2e/``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.units import Q_
from anakinra_iv.web.app import create_app
from anakinra_iv.workflow.commands import CreatePatient
from anakinra_iv.workflow.services import create_patient
from tests.workflow_support.fixtures import (
    PASSWORD,
    STAFF,
    FakeClock,
    Ward,
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
SITE_ZONE = "Europe/Paris"


class RealClock(FakeClock):
    """Wall-clock time (the browser and server share it), still a clock object."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveWard:
    """The served app, its ward and a way to sign in as any of the staff."""

    base: str
    ward: Ward
    browser: Any
    pages: dict[str, Any] = field(default_factory=dict)
    patients: int = 0

    @property
    def services(self) -> Services:
        return self.ward.services

    def page(self, who: str, *, width: int = 1366, height: int = 768) -> Any:
        """A page signed in as ``who`` (one browser context per person and size)."""
        key = f"{who}@{width}"
        if key not in self.pages:
            context = self.browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{self.base}/login")
            page.get_by_label("User name").fill(STAFF[who][0])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state("networkidle")
            self.pages[key] = page
        return self.pages[key]

    def admit(self, name: str, creatinine: str = "0.9 mg/dL", weight: float = 72) -> int:
        """Register a patient through the service (the admission screen has its own test)."""
        self.patients += 1
        view = create_patient(
            CreatePatient(
                self.ward.users["prescriber"],
                mrn=f"E2E-{self.patients:03d}-{name[:3].upper()}",
                name=name,
                birth_date=date(1968, 4, 12),
                sex="female",
                weight=Q_(weight, "kg"),
                creatinine=None
                if not creatinine
                else Q_(float(creatinine.split(" ", 1)[0]), creatinine.split(" ", 1)[1]),
                ward="ICU 4",
                bed=str(self.patients),
            ),
            self.services.new_uow(),
            self.services.now(),
        )
        return view.id


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of the page under artifacts/e2e/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def submit(page: Any, button: str, *, ok: bool = True) -> None:
    """Press a button, wait for the next page; with ``ok`` no error may be shown."""
    from playwright.sync_api import expect

    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")
    if ok:
        expect(page.locator(".alert.error")).to_have_count(0)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWard]:
    """The app on a fresh SQLite file, staffed, served on a loopback port, with Chromium."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium (run .ci/install-chromium.sh)")
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("e2e")
    settings = create_test_settings(
        f"sqlite:///{folder / 'e2e.sqlite3'}",
        lockout_threshold=3,
        site_timezone=SITE_ZONE,
    )
    clock = RealClock()
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
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield LiveWard(f"http://127.0.0.1:{port}", ward, browser)
        finally:
            browser.close()
            server.should_exit = True
            thread.join(timeout=10)
            services.engine.dispose()


Step = Callable[[], None]
