"""The renal option of IV regimens and each model's weight and age range (issue 9, PK items)."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk import (
    calculate_metrics,
    calculate_typical_clearance,
    compare_routes,
    get_model,
    simulate_regimen,
)


def _iv_esrd_auc(**kwargs: object) -> float:
    sim = simulate_regimen(
        "1 mg/kg iv bolus", weight="70 kg", crcl="5 mL/min", hours=600, step=0.05, **kwargs
    )  # type: ignore[arg-type]
    times, values = sim.curve()
    return calculate_metrics(times, values).auc_mg_h_l


def test_iv_regimens_in_esrd_use_the_iv_derived_renal_option() -> None:
    """Yang 2003: 1 mg/kg IV in ESRD, CL about 20 mL/min = 1.2 L/h, AUC = 70 / (8.2 x 20 / 137)
    = 58.5 mg.h/L. The default option R1 (SC regression) under-predicted it about twofold; an
    IV-only regimen now uses R2-IV by default."""
    expected = 70 / (8.2 * 20 / 137)
    assert _iv_esrd_auc() == pytest.approx(expected, rel=0.01)
    assert _iv_esrd_auc(renal="R2-IV") == pytest.approx(expected, rel=0.01)
    assert _iv_esrd_auc(renal="R1") < 0.65 * expected
    iv = calculate_typical_clearance("anakinra-adult", "70 kg", "5 mL/min", route="iv")
    assert iv.to("L/h").magnitude == pytest.approx(8.2 * 20 / 137)


def test_route_comparison_uses_one_clearance_for_every_route() -> None:
    """Clearance is the patient's whatever the route: at CrCl 5 mL/min every curve of the route
    comparison uses the IV-derived option, so SC still averages F = 0.95 of IV (kineret-label)."""
    comparison = compare_routes("1200 mg", weight="70 kg", crcl="5 mL/min", days=4, step=0.1)
    rows = {row.label: row.metrics for row in comparison.rows}
    css = comparison.css_mg_l
    assert css == pytest.approx(1200 / 24 / (8.2 * 20 / 137), rel=1e-6)
    assert rows["SC q6h"].cavg_mg_l == pytest.approx(0.95 * css, rel=0.02)


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        ("anakinra-adult", {"weight": "3 kg"}, "weight"),
        ("anakinra-adult", {"weight": "20 kg", "age": 0.5}, "age"),
        ("anakinra-urien-2013", {"weight": "90 kg"}, "weight"),
        ("anakinra-urien-2013", {"weight": "60 kg", "age": 30}, "age"),
    ],
)
def test_a_model_refuses_patients_outside_its_range(
    model: str, values: dict[str, object], field: str
) -> None:
    """The adult model (allometric, no renal maturation) is refused below 10 kg and 2 years
    (site-decision); Urien 2013 outside its data: 4.3-83 kg, 8 months to 21 years (published).
    The adult model accepted a 3 kg patient without a word."""
    regimen = "100 mg sc" if model == "anakinra-urien-2013" else "10 mg iv bolus"
    kwargs: dict[str, object] = {"crcl": "90 mL/min"} if model == "anakinra-adult" else {}
    with pytest.raises(InvalidInput) as caught:
        simulate_regimen(regimen, model=model, hours=4, **values, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field and f"model '{model}'" in caught.value.message


def test_model_ranges_are_data_with_provenance() -> None:
    """Each range bound carries a status and source (model files), shown by 'anakinra models'."""
    adult = get_model("anakinra-adult")
    low, _ = adult.applicability["WT"]
    assert low is not None and low.status == "site-decision" and low.value == 10
    urien_low, urien_high = get_model("anakinra-urien-2013").applicability["WT"]
    assert urien_low is not None and urien_high is not None
    assert (urien_low.value, urien_high.value, urien_high.status) == (4.3, 83, "published")
