"""The bedside barcode check as a nurse does it: print the wristband and the bag label, read
their codes off the rendered images (zxing-cpp on a screenshot of the image element), and type
them into the scan fields with Enter, as a USB scanner in keyboard mode does."""

from __future__ import annotations

import io
import re
from typing import Any

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.browser import shot


def decode_element(page: Any, selector: str) -> str:
    """The one code in the screenshot of ``selector``, as a scanner transmits it (plain
    text: a GS1 symbol's AI without brackets)."""
    png = page.locator(selector).screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), text_mode=zxingcpp.TextMode.Plain)
    assert len(found) == 1, f"{selector}: {len(found)} codes found"
    return str(found[0].text)


def print_codes(
    page: Any, base: str, patient_id: int, bag_id: int, name: str | None = None
) -> tuple[str, str]:
    """Open the wristband and the bag label in another tab of the same user, decode the codes
    from their images; with ``name``, screenshot both under artifacts/e2e/."""
    tab = page.context.new_page()
    try:
        tab.goto(f"{base}/patients/{patient_id}/wristband")
        # The code is a PNG in a data: URI, which the Content-Security-Policy allows.
        assert tab.locator("#wristband-code").get_attribute("src").startswith("data:image/png")
        wristband = decode_element(tab, "#wristband-code")
        if name:
            shot(tab, f"{name}-wristband")
        tab.goto(f"{base}/bags/{bag_id}/label")
        bag = decode_element(tab, "#bag-code")
        if name:
            shot(tab, f"{name}-label")
    finally:
        tab.close()
    return wristband, bag


def scan(page: Any, wristband: str, bag: str) -> None:
    """Type both codes as a scanner does: code then Enter. Enter in the wristband field moves
    to the bag field, and Enter there to the submit button: nothing is submitted by a scan."""
    url = page.url
    page.get_by_label("Scan wristband").click()
    page.keyboard.type(wristband)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Scan bag label")).to_be_focused()
    assert page.url == url
    page.keyboard.type(bag)
    page.keyboard.press("Enter")
    expect(page.locator("#nurse-submit")).to_be_focused()
    assert page.url == url


def scan_at_bedside(page: Any, base: str, bag_id: int | None = None) -> tuple[str, str]:
    """On an order page: print and scan this order's patient's wristband and the bag chosen in
    the form (or ``bag_id``)."""
    href = page.locator("h1 a[href^='/patients/']").get_attribute("href")
    patient_id = int(re.sub(r"\D", "", href or ""))
    chosen = bag_id or int(page.locator("#f-bag_id").input_value())
    codes = print_codes(page, base, patient_id, chosen)
    scan(page, *codes)
    return codes
