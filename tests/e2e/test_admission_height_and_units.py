"""In a real browser: the admission form takes height and renal replacement (they change the
dose plan as on the command line), and unit text typed as arithmetic is refused.
Screenshots under ``artifacts/e2e/`` (11-*).
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import LiveWard, live, shot, submit

__all__ = ["live"]

pytestmark = pytest.mark.browser


def test_arithmetic_weight_is_refused_and_height_is_kept(live: LiveWard) -> None:
    """'7 ,5 kg' (once read as 35 kg) is refused naming the weight; nothing shows 35; the typed
    height and renal replacement stay on the form."""
    from playwright.sync_api import expect

    rn = live.page("nurse", height=1000)
    rn.goto(f"{live.base}/patients")
    rows_before = rn.locator("table tbody tr").count()
    rn.get_by_label("MRN").fill("MRN-ARITH")
    rn.get_by_label("Name").fill("Roe, Ann")
    rn.get_by_label("Birth date").fill("2019-05-01")
    rn.get_by_label("Weight (with unit)").fill("7 ,5 kg")
    rn.get_by_label("Height (with unit; needed for children and obese adults)").fill("115 cm")
    rn.get_by_label("Renal replacement").select_option("crrt")
    submit(rn, "Admit", ok=False)
    summary = rn.locator("#error-summary").inner_text()
    assert "Weight" in summary and "not a unit" in summary
    assert "35" not in summary
    expect(rn.get_by_label("Weight (with unit)")).to_have_value("7 ,5 kg")
    expect(
        rn.get_by_label("Height (with unit; needed for children and obese adults)")
    ).to_have_value("115 cm")
    expect(rn.get_by_label("Renal replacement")).to_have_value("crrt")
    shot(rn, "11-arithmetic-weight-refused")
    rn.goto(f"{live.base}/patients")
    assert rn.locator("table tbody tr").count() == rows_before


def test_admission_with_height_shows_it_on_the_patient(live: LiveWard) -> None:
    """A child admitted with 20 kg and 115 cm: the patient page shows the height."""
    rn = live.page("nurse", height=1000)
    rn.goto(f"{live.base}/patients")
    rn.get_by_label("MRN").fill("MRN-HEIGHT")
    rn.get_by_label("Name").fill("Roe, Bea")
    rn.get_by_label("Birth date").fill("2019-05-01")
    rn.get_by_label("Weight (with unit)").fill("20 kg")
    rn.get_by_label("Creatinine (with unit)").fill("0.4 mg/dL")
    rn.get_by_label("Height (with unit; needed for children and obese adults)").fill("115 cm")
    submit(rn, "Admit")
    shot(rn, "11-admitted-with-height")
    assert "height 115 cm" in rn.locator("h1").inner_text()
