"""The ``anakinra plan`` reproductions of issue 9, each named after its defect.

Every expected number is worked by hand in the docstring from the protocol files' values and
their sources (Cockcroft-Gault 1976, Yang 2003, the Kineret label, Cavalli 2020).
"""

from __future__ import annotations

import json
import re
from typing import Any

from typer.testing import CliRunner

from anakinra_iv.cli.main import app

runner = CliRunner()
AT = ["--prepared-at", "2026-01-05T08:00:00+00:00"]
COVID_RENAL = [
    "plan",
    "--protocol",
    "covid-cavalli-ivb",
    "--weight",
    "80 kg",
    "--age",
    "60",
    "--sex",
    "male",
    "--creatinine",
    "5 mg/dL",
    "--apply-renal-adjustment",
    *AT,
]


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_decimal_comma_weight_gives_no_tenfold_dose() -> None:
    """'7,5 kg' on paediatric-mas-civ was read as 75 kg (600 mg/day instead of 60): now exit 2,
    naming 'weight' and asking for a decimal point; the same for creatinine '1,2 mg/dL' (was
    12) and a daily dose '2,5 mg/kg/day' (was 25)."""
    base = ["plan", "--protocol", "paediatric-mas-civ", "--age", "1", "--sex", "male"]
    for extra, field in (
        (["--weight", "7,5 kg"], "weight"),
        (["--weight", "7.5 kg", "--creatinine", "1,2 mg/dL"], "creatinine"),
        (["--weight", "7.5 kg", "--daily-dose", "2,5 mg/kg/day"], "daily_dose"),
    ):
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 2 and result.stdout == ""
        assert f"'{field}'" in result.stderr and "decimal point" in result.stderr


def test_a_thousands_comma_is_read() -> None:
    """'1,200 mg' as a daily dose is 1200 mg/day = 50 mg/h (a complete thousands grouping)."""
    args = ["plan", "--protocol", "adult-mas-civ", "--weight", "70 kg", "--age", "54"]
    data = _json([*args, "--sex", "female", "--daily-dose", "1,200 mg", *AT])
    assert data["daily_dose_mg"] == 1200 and data["rate_mg_per_h"] == 50


def test_intermittent_renal_adjustment_agrees_in_plan_bag_label_and_pump() -> None:
    """80 kg, 60 y, creatinine 5 mg/dL: CrCl (140-60) x 80 / (72 x 5) = 17.8 mL/min < 30. The
    default option (protocol: the Kineret label's every-other-day rule, interval x 2) keeps
    5 mg/kg x 80 = 400 mg per dose (Cavalli 2020) every 24 h instead of 12 h: the plan's
    intermittent dose, the bag, the label and the pump all say 400 mg every 24 h (400 mg/day),
    where the bag used to keep 400 mg q12h under a 10 mg/h label."""
    data = _json(COVID_RENAL)
    assert data["renal_adjustment"]["applied"] and data["renal_adjustment"]["option"] == "interval"
    assert data["intermittent"]["dose_mg"] == 400 and data["intermittent"]["interval_h"] == 24
    assert data["daily_dose_mg"] == 400
    assert data["bag"]["dose_mg"] == 400 and data["bag"]["bags_per_24h"] == 1
    assert data["pump"]["rate_mg_per_h"] == 400 and data["pump"]["rate_ml_per_h_display"] == (
        "100 mL/h"
    )
    assert "Route: IV infusion over 1 h, 400 mg every 24 h" in data["label"]
    assert any(line.startswith("DOSE RATE: 400 mg/h") for line in data["label"])


def test_intermittent_renal_dose_option_agrees_everywhere() -> None:
    """The other option: each dose x the clearance ratio 0.30 (Yang 2003, CrCl < 30) = 120 mg,
    still every 12 h (240 mg/day); bag 120 mg in 100 mL over 1 h = 120 mg/h = 100 mL/h."""
    data = _json([*COVID_RENAL, "--renal-option", "dose"])
    assert data["renal_adjustment"]["option"] == "dose"
    assert data["intermittent"]["dose_mg"] == 120 and data["intermittent"]["interval_h"] == 12
    assert data["daily_dose_mg"] == 240
    assert data["bag"]["dose_mg"] == 120 and data["bag"]["bags_per_24h"] == 2
    assert data["pump"]["rate_mg_per_h"] == 120
    assert "Route: IV infusion over 1 h, 120 mg every 12 h" in data["label"]


def test_intermittent_protocol_refuses_step_and_daily_dose() -> None:
    """covid-cavalli-ivb silently ignored --step 0 and --daily-dose '5000 mg/day': now exit 2,
    naming the field."""
    base = ["plan", "--protocol", "covid-cavalli-ivb", "--weight", "70 kg", "--age", "50"]
    for option, value, field in (("--step", "0", "step"), ("--daily-dose", "5000 mg/day", "")):
        result = runner.invoke(app, [*base, "--sex", "male", option, value])
        assert result.exit_code == 2 and result.stdout == ""
        assert f"'{field or 'daily_dose'}' does not apply" in result.stderr


def test_text_plan_and_pump_line_have_no_trailing_zeros() -> None:
    """ISMP: '50 mg/h', never '50.00 mg/h', in the text plan and the pump line (step 3 =
    1200 / 24 = 50 mg/h)."""
    args = ["plan", "--protocol", "adult-mas-civ", "--weight", "70 kg", "--age", "54"]
    result = runner.invoke(app, [*args, "--sex", "female", "--step", "3", *AT])
    assert result.exit_code == 0
    assert "Dose rate: 50 mg/h" in result.stdout and "dose rate 50 mg/h = 8.3 mL/h" in result.stdout
    assert not re.search(r"\d\.\d*0 mg/h", result.stdout)


def test_weight_based_pump_line_shows_the_dosing_unit() -> None:
    """Paediatric 20 kg at step 1: 2 mg/kg/day = 40 mg/day = 1.667 mg/h = 0.0833 mg/kg/h; the
    pump line and the label show mg/kg/h (the entry's dosing unit) beside mg/h."""
    args = ["plan", "--protocol", "paediatric-mas-civ", "--weight", "20 kg", "--age", "8"]
    data = _json([*args, "--sex", "male", "--step", "1", *AT])
    assert data["pump"]["dosing_unit"] == "mg/kg/h"
    assert data["pump"]["rate_in_dosing_unit"] == round(2 / 24, 4)
    assert any("DOSE RATE: 1.67 mg/h (0.083 mg/kg/h)" in line for line in data["label"])
    result = runner.invoke(app, [*args, "--sex", "male", "--step", "1", *AT])
    assert "dose rate 0.0833 mg/kg/h (1.67 mg/h)" in result.stdout


def test_json_numbers_carry_their_display_precision() -> None:
    """No float noise in the JSON: 70 kg at 10 mg/kg/day-like fractions show at most their
    decimals (mg/h three, mg/kg/h four), e.g. 1000 / 24 = 41.667 mg/h."""
    args = ["plan", "--protocol", "adult-mas-civ", "--weight", "70 kg", "--age", "54"]
    data = _json([*args, "--sex", "female", "--daily-dose", "1000 mg", *AT])
    assert data["rate_mg_per_h"] == 41.667
    assert data["rate_mg_per_kg_per_h"] == round(1000 / 24 / 70, 4)
    text = json.dumps(data)
    assert not re.search(r"\d\.\d{7,}", text) and "e-1" not in text
