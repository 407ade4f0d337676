"""The same patient gives the same plan on the command line, through the API and through the web
forms: height and renal replacement reach the plan on every path.

Obese man, 50 years, 130 kg, 170 cm, creatinine 4.0 mg/dL, step 3 (1200 mg/day) of adult-mas-civ.
By hand: ideal weight (Devine) 50 + 2.3 x (170/2.54 - 60) = 65.9 kg; 130 > 1.2 x 65.9, so the
adjusted weight 65.9 + 0.4 x (130 - 65.9) = 91.6 kg; Cockcroft-Gault (140 - 50) x 91.6 / (72 x 4.0)
= 28.6 mL/min < 30: the renal rule fires. Without the height the actual weight gives
(140 - 50) x 130 / 288 = 40.6 mL/min and the rule would not fire: a form without the height
signed a dose the command line would have adjusted.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD

runner = CliRunner()
INPUTS = {"weight": "130 kg", "height": "170 cm", "creatinine": "4.0 mg/dL", "sex": "male"}


def _birth_date(api: Api) -> str:
    return date(api.ward.clock().date().year - 50, 1, 1).isoformat()  # 50 years old today


def _cli_plan(age: int) -> dict[str, Any]:
    args = ["plan", "--protocol", "adult-mas-civ", "--age", str(age), "--step", "3"]
    for key in ("weight", "height", "creatinine", "sex"):
        args += [f"--{key}", INPUTS[key]]
    result = runner.invoke(app, [*args, "--apply-renal-adjustment", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def _order(api: Api, patient_id: int) -> dict[str, Any]:
    body = {
        "patient_id": patient_id,
        "protocol_id": "adult-mas-civ",
        "step": 3,
        "renal_decision": "apply",
    }
    response = api.post("prescriber", "/api/orders", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _admit_by_form(api: Api) -> int:
    page = api.client.post(
        "/login",
        data={"username": "rn_cy", "password": PASSWORD, "next": "/patients"},
        follow_redirects=True,
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text[:500]
    assert 'name="height"' in page.text and 'name="renal_replacement"' in page.text
    response = api.client.post(
        "/patients",
        data={
            "mrn": "MRN-FORM-H",
            "name": "Roe, Rob",
            "birth_date": _birth_date(api),
            "csrf_token": token.group(1),
        }
        | INPUTS,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    match = re.search(r"/patients/(\d+)", response.headers["location"])
    assert match is not None, response.headers["location"]
    return int(match.group(1))


def test_cli_api_and_web_give_the_same_plan(api: Api) -> None:
    birth = _birth_date(api)
    age = api.ward.clock().date().year - int(birth[:4])
    cli = _cli_plan(age)
    assert cli["renal_adjustment"] is not None and cli["crcl_ml_per_min"] == 28.6
    rest_patient = api.post(
        "nurse",
        "/api/patients",
        {"mrn": "MRN-REST-H", "name": "Roe, Rob", "birth_date": birth} | INPUTS,
    )
    assert rest_patient.status_code == 201, rest_patient.text
    rest = _order(api, int(rest_patient.json()["id"]))
    web = _order(api, _admit_by_form(api))
    for order in (rest, web):
        assert order["daily_dose_mg"] == cli["daily_dose_mg"]
        assert order["rate_mg_per_h"] == cli["rate_mg_per_h"]
        assert order["planned_concentration_mg_per_ml"] == cli["bag"]["concentration_mg_per_ml"]
        assert order["renal_decision"] == "apply"
        assert order["plan"]["crcl_ml_per_min"] == cli["crcl_ml_per_min"]
