"""In a real browser: a medical record number pasted with a Cyrillic letter that looks like a
Latin one is refused on the admission form, naming the character; no second record is made.
Screenshot under ``artifacts/e2e/`` (13-*)."""

from __future__ import annotations

import pytest

from tests.e2e.browser import LiveWard, live, shot, submit

__all__ = ["live"]

pytestmark = pytest.mark.browser


def test_a_homoglyph_mrn_is_refused_on_the_admission_form(live: LiveWard) -> None:
    """'МRN-4711' with a Cyrillic capital em (U+041C): refused, the summary names the MRN and
    the character; what was typed is kept; the patient list gains no row."""
    from playwright.sync_api import expect

    rn = live.page("prescriber")
    rn.goto(f"{live.base}/patients")
    rows_before = rn.locator("table tbody tr").count()
    typed = "\u041cRN-4711"
    rn.get_by_label("MRN").fill(typed)
    rn.get_by_label("Name").fill("Roe, Ann")
    rn.get_by_label("Birth date").fill("1980-05-01")
    rn.get_by_label("Weight (with unit)").fill("70 kg")
    submit(rn, "Admit", ok=False)
    summary = rn.locator("#error-summary").inner_text()
    assert "CYRILLIC CAPITAL LETTER EM" in summary and "U+041C" in summary
    expect(rn.get_by_label("MRN")).to_have_value(typed)
    shot(rn, "13-homoglyph-mrn-refused")
    rn.goto(f"{live.base}/patients")
    assert rn.locator("table tbody tr").count() == rows_before
    assert "Roe, Ann" not in rn.content()
