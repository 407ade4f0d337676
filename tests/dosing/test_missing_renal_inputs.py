"""A renal adjustment is never applied, nor silently skipped, without the inputs it needs.

Below 18 years the renal estimate is the bedside Schwartz eGFR (0.413 x height / creatinine;
schwartz-2009), which needs a height. A child's plan without a height is given (the dose does not
depend on it) and says renal function could not be estimated; asking for the renal adjustment
without a height is refused naming 'height' (it used to plan the unadjusted dose quietly).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from anakinra_iv.dosing import calculate_dose_plan, create_patient
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import get_protocol

runner = CliRunner()
CHILD = [
    "plan", "--protocol", "paediatric-mas-civ", "--weight", "20 kg", "--age", "6",
    "--sex", "female", "--creatinine", "0.4 mg/dL",
]  # fmt: skip


def test_child_without_height_is_planned_and_says_why_no_renal_estimate() -> None:
    """The reported command: exit 0, 2 mg/kg/day x 20 kg = 40 mg/day (step 1, by hand), and a
    warning naming 'height' and Schwartz."""
    result = runner.invoke(app, CHILD)
    assert result.exit_code == 0, result.stderr
    assert "40 mg/day" in result.stdout
    shown = " ".join(result.output.split())  # warnings wrap at the terminal width
    assert "'height' is needed" in shown and "Schwartz" in shown


def test_child_without_height_refuses_the_renal_adjustment() -> None:
    """--apply-renal-adjustment without a height: exit 2 naming 'height'; no plan printed."""
    result = runner.invoke(app, [*CHILD, "--apply-renal-adjustment"])
    assert result.exit_code == 2
    assert result.stdout == ""
    shown = " ".join(result.stderr.split())
    assert "'height'" in shown and "renal adjustment" in shown


def test_child_with_height_applies_it() -> None:
    """With a height (115 cm) the Schwartz eGFR is 0.413 x 115 / 0.4 = 118.7: no refusal."""
    result = runner.invoke(app, [*CHILD, "--height", "115 cm", "--apply-renal-adjustment"])
    assert result.exit_code == 0, result.stderr


def test_adult_without_creatinine_refuses_the_renal_adjustment() -> None:
    """An adult without creatinine or measured CrCl: the adjustment is refused naming
    'creatinine'."""
    patient = create_patient(weight="70 kg", age=60, sex="male")
    with pytest.raises(InvalidInput, match="'creatinine'") as caught:
        calculate_dose_plan(get_protocol("adult-mas-civ"), patient, apply_renal_adjustment=True)
    assert caught.value.field == "creatinine"


@given(
    age=st.integers(1, 17),
    weight=st.integers(10, 60),
    creatinine=st.sampled_from(["0.2", "0.4", "0.8", "1.5", "3"]),
)
def test_no_child_gets_a_renal_adjustment_without_a_height(
    age: int, weight: int, creatinine: str
) -> None:
    """For any child with a creatinine and no height: the plan without the adjustment carries
    the height warning; with it, InvalidInput naming 'height'."""
    protocol = get_protocol("paediatric-mas-civ")
    patient = create_patient(
        weight=f"{weight} kg", age=age, sex="male", creatinine=f"{creatinine} mg/dL"
    )
    plan = calculate_dose_plan(protocol, patient)
    assert any("'height' is needed" in w for w in plan.warnings)
    with pytest.raises(InvalidInput) as caught:
        calculate_dose_plan(protocol, patient, apply_renal_adjustment=True)
    assert caught.value.field == "height"


@given(
    mode=st.sampled_from(["haemodialysis", "crrt"]),
    creatinine=st.sampled_from(["0.8", "2", "5", "9"]),
    age=st.integers(18, 90),
)
def test_no_creatinine_clearance_on_renal_replacement(mode: str, creatinine: str, age: int) -> None:
    """On dialysis or CRRT creatinine is cleared by the circuit: no Cockcroft-Gault value is
    reported (70 kg, 60 y, creatinine 3 gave '25.9 mL/min' as if the kidneys worked), and the
    plan says why."""
    patient = create_patient(
        weight="70 kg",
        age=age,
        sex="male",
        creatinine=f"{creatinine} mg/dL",
        renal_replacement=mode,  # type: ignore[arg-type]
    )
    plan = calculate_dose_plan(get_protocol("adult-mas-civ"), patient)
    assert plan.crcl is None
    name = "CRRT" if mode == "crrt" else mode
    assert any(
        w.startswith(f"On {name}: creatinine is cleared by the circuit") for w in plan.warnings
    )


def test_obese_adult_without_height_says_adjusted_weight_was_not_computed() -> None:
    """150 kg, no height: Cockcroft-Gault (140 - 60) x 150 / (72 x 1.0) = 166.7 mL/min on the
    actual weight, and the method says ideal and adjusted weight could not be computed."""
    patient = create_patient(weight="150 kg", age=60, sex="male", creatinine="1.0 mg/dL")
    plan = calculate_dose_plan(get_protocol("adult-mas-civ"), patient)
    assert plan.crcl is not None
    assert round(plan.crcl.value.magnitude, 1) == 166.7
    assert "no height, so ideal and adjusted weight could not be computed" in plan.crcl.formula
    assert plan.crcl.weight_kind == "actual"
