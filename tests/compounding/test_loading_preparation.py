"""The loading dose is drawn by the same rules as the bag: never below the smallest measurable
volume, from a dilution when needed, and the plan's text and JSON say the same thing.

Protocol data (paediatric-mas-civ): loading 2 mg/kg (site-decision, scaled from the 100 mg adult
bolus, fisher-1994-jama), product 150 mg/mL (kineret-label), smallest measurable volume 0.1 mL and
dilutions to 10 mL (10 mg/mL) then 100 mL (1 mg/mL) (site-decision), drawing precision 0.01 mL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from anakinra_iv.compounding import calculate_bag
from anakinra_iv.dosing import calculate_dose_plan, create_patient
from anakinra_iv.protocol import get_protocol
from anakinra_iv.units import magnitude_in

runner = CliRunner()
AT = datetime(2026, 1, 5, 8, tzinfo=UTC)


def _loading(weight_kg: float) -> dict[str, object]:
    result = runner.invoke(
        app,
        [
            "plan", "--protocol", "paediatric-mas-civ", "--weight", f"{weight_kg} kg",
            "--age", "0.5", "--sex", "male", "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout)["bag"]["loading"])


@pytest.mark.parametrize(
    ("weight", "dose", "volume"),
    [
        # 2 mg/kg x 3 kg = 6 mg = 0.04 mL undiluted < 0.1 mL: 6 mg / 10 mg/mL = 0.6 mL
        (3, 6.0, 0.6),
        # 2 mg/kg x 5 kg = 10 mg = 0.067 mL undiluted < 0.1 mL: 10 / 10 = 1 mL
        (5, 10.0, 1.0),
        # 2 mg/kg x 8 kg = 16 mg = 0.107 mL undiluted >= 0.1 mL: drawn undiluted, 0.11 mL
        (8, 16.0, 0.11),
    ],
)
def test_small_infant_loading_dose_is_measurable(weight: float, dose: float, volume: float) -> None:
    """The reported case (3-5 kg): no 0.04 mL draw; the dilution step is on the plan."""
    loading = _loading(weight)
    assert loading["dose_mg"] == dose
    assert loading["volume_ml"] == volume
    steps = loading["steps"]
    assert isinstance(steps, list)
    assert any(f"Draw {volume:g} mL" in s for s in steps), steps
    if volume != 0.11:
        assert any(s.startswith("Dilute:") and "10 mg/mL" in s for s in steps), steps


@given(st.decimals(min_value=3, max_value=60, places=1))
def test_every_loading_draw_is_measurable_and_holds_the_dose(weight: object) -> None:
    """For any child: the loading volume is at least 0.1 mL, at most the product strength
    (150 mg/mL) is used, and volume x concentration is the dose within the 0.01 mL precision."""
    protocol = get_protocol("paediatric-mas-civ")
    patient = create_patient(weight=f"{weight} kg", age=8, sex="female")
    plan = calculate_dose_plan(protocol, patient)
    bag = calculate_bag(protocol, plan, prepared_at=AT)
    assert plan.loading_dose is not None and bag.loading is not None
    prep = bag.loading
    volume = magnitude_in(prep.volume, "mL")
    concentration = magnitude_in(prep.concentration, "mg/mL")
    assert volume >= 0.1
    assert concentration <= 150
    assert abs(volume * concentration - magnitude_in(plan.loading_dose, "mg")) <= (
        0.005 * concentration + 1e-9
    )
