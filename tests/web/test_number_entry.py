"""The REST API and the web forms refuse an ambiguous decimal comma, naming the field, and store
nothing (hypothesis; the other entry paths: ``tests/test_number_entry_paths.py``).

Expected behaviour: issue 9 item 1 (``"7,5 kg"`` was read as 75 kg).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar, cast

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, func, select

from anakinra_iv.records.tables import AuditEvent, Observation, Order, Patient
from tests.test_number_entry_paths import AMBIGUOUS, ARITHMETIC, DECIMAL_HINT, arithmetic
from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD, compound_and_check, prescribe_step, verify

T = TypeVar("T")


def _count(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        clinical = tuple(
            connection.scalar(select(func.count()).select_from(t)) or 0
            for t in (Patient, Observation, Order)
        )
        # Access events (sign-in, record reads, refusals) are written for every request; a
        # refused entry must write no other event.
        other_events = select(func.count()).where(
            ~AuditEvent.action.startswith("auth."),
            ~AuditEvent.action.startswith("access."),
            AuditEvent.action != "patient.list",  # the list page the refusal is shown on
        )
        return (*clinical, connection.scalar(other_events) or 0)


def _once(api: Api, key: str, make: Callable[[], T]) -> T:
    """``make()`` once per test: hypothesis runs the body many times on one ward, and a patient
    has at most one open order, so the order (and its bag) is made once and reused; refused
    entries leave it unchanged."""
    made: dict[str, Any] = api.__dict__.setdefault("_made_once", {})
    if key not in made:
        made[key] = make()
    return cast(T, made[key])


WEB = settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])


class TestRestApi:
    @pytest.mark.parametrize(("field", "unit"), [("weight", "kg"), ("creatinine", "mg/dL")])
    @WEB
    @given(number=AMBIGUOUS)
    def test_patient_body(
        self, api: Api, engine: Engine, field: str, unit: str, number: str
    ) -> None:
        """POST /api/patients with '7,5 kg': 422 naming the field; nothing stored."""
        body = {
            "mrn": "MRN-COMMA",
            "name": "Roe, Ann",
            "birth_date": "1980-05-01",
            "sex": "female",
            "weight": "70 kg",
            "creatinine": "1.0 mg/dL",
        } | {field: f"{number} {unit}"}
        before = _count(engine)
        response = api.post("nurse", "/api/patients", body)
        assert response.status_code == 422 and f"'{field}" in response.json()["message"]
        assert DECIMAL_HINT in response.text
        assert _count(engine) == before

    @WEB
    @given(number=AMBIGUOUS)
    def test_observation_body(self, api: Api, engine: Engine, number: str) -> None:
        """POST an observation '1,2 mg/dL' of creatinine: refused, nothing stored."""
        url = f"/api/patients/{api.ward.patient_id}/observations"
        body = {
            "code": "2160-0",
            "value": f"{number} mg/dL",
            "collected_at": "2026-01-05T07:00:00Z",
        }
        before = _count(engine)
        response = api.post("nurse", url, body)
        assert response.status_code == 422 and DECIMAL_HINT in response.text
        assert _count(engine) == before

    @WEB
    @given(number=AMBIGUOUS)
    def test_order_body(self, api: Api, engine: Engine, number: str) -> None:
        """POST /api/orders with a daily dose '2,5 mg/kg/day': refused, nothing stored."""
        body = {
            "patient_id": api.ward.patient_id,
            "protocol_id": "adult-mas-civ",
            "daily_dose": f"{number} mg/kg/day",
        }
        before = _count(engine)
        response = api.post("prescriber", "/api/orders", body)
        assert response.status_code == 422 and "'daily_dose" in response.json()["message"]
        assert DECIMAL_HINT in response.text
        assert _count(engine) == before

    @pytest.mark.parametrize("field", ["rate_mg_per_h", "concentration_mg_per_ml"])
    @WEB
    @given(number=AMBIGUOUS)
    def test_verification_body(self, api: Api, engine: Engine, field: str, number: str) -> None:
        """A pharmacist's blind entry '5,0' is refused naming the field (not counted as a
        mismatch)."""
        order_id = _once(api, "order", lambda: prescribe_step(api.ward))
        body = {"rate_mg_per_h": "50", "concentration_mg_per_ml": "6"} | {field: number}
        before = _count(engine)
        response = api.post("pharmacist", f"/api/orders/{order_id}/verify", body)
        assert response.status_code == 422 and f"'{field}" in response.json()["message"]
        assert DECIMAL_HINT in response.text
        assert _count(engine) == before

    @WEB
    @given(number=AMBIGUOUS)
    def test_administration_body(self, api: Api, engine: Engine, number: str) -> None:
        """A nurse's pump rate '8,3' mL/h is refused naming the field."""

        def checked_bag() -> tuple[int, int]:
            order_id = prescribe_step(api.ward)
            verify(api.ward, order_id)
            return order_id, compound_and_check(api.ward, order_id)

        order_id, bag_id = _once(api, "checked bag", checked_bag)
        body = {"event": "start", "bag_id": bag_id, "rate_ml_per_h": number}
        before = _count(engine)
        response = api.post("nurse", f"/api/orders/{order_id}/administrations", body)
        assert response.status_code == 422 and "'rate_ml_per_h" in response.json()["message"]
        assert DECIMAL_HINT in response.text
        assert _count(engine) == before

    @WEB
    @given(number=AMBIGUOUS)
    def test_bag_check_body(self, api: Api, engine: Engine, number: str) -> None:
        """The drug amount read off a bag at its second check, '600,5' mg or '6,0' mg, is refused
        naming the field; the bag stays unchecked."""

        def prepared_bag() -> tuple[int, int]:
            order_id = prescribe_step(api.ward)
            verify(api.ward, order_id)
            bag = api.post("pharmacist", f"/api/orders/{order_id}/bags", {"syringe_lots": ["L1"]})
            assert bag.status_code == 201, bag.text
            return order_id, int(bag.json()["id"])

        order_id, bag_id = _once(api, "prepared bag", prepared_bag)
        before = _count(engine)
        body = {
            "drug_amount_mg": f"{number} mg",
            "final_volume_ml": "100 mL",
            "syringe_lots": ["L1"],
        }
        response = api.post("pharmacist2", f"/api/bags/{bag_id}/check", body)
        assert response.status_code == 422 and "'drug_amount_mg" in response.text
        assert DECIMAL_HINT in response.text
        assert _count(engine) == before
        assert api.get("pharmacist", f"/api/orders/{order_id}").json()["bags"][0]["status"] == (
            "prepared"
        )


class TestWebForms:
    @WEB
    @given(number=AMBIGUOUS)
    def test_patient_form(self, api: Api, engine: Engine, number: str) -> None:
        """The registration form typed '7,5 kg' shows the refusal naming 'weight'; nothing
        stored."""
        page = api.client.post(
            "/login",
            data={"username": "rn_cy", "password": PASSWORD, "next": "/patients"},
            follow_redirects=True,
        )
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match is not None
        before = _count(engine)
        response = api.client.post(
            "/patients",
            data={
                "mrn": "MRN-FORM",
                "name": "Roe, Ann",
                "birth_date": "1980-05-01",
                "sex": "female",
                "weight": f"{number} kg",
                "csrf_token": match.group(1),
            },
            follow_redirects=True,
        )
        assert response.status_code == 200
        alert = re.search(r'id="error-summary"[^>]*>(.*?)</div>', response.text, re.S)
        assert alert is not None, response.text
        shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", alert.group(1)))
        assert "Weight" in shown and DECIMAL_HINT in shown, shown
        assert f'value="{number} kg"' in response.text  # the form keeps what was typed
        assert _count(engine) == before


class TestUnitTextIsNotArithmetic:
    @pytest.mark.parametrize(("field", "unit"), [("weight", "kg"), ("creatinine", "mg/dL")])
    @WEB
    @given(parts=ARITHMETIC)
    def test_patient_body(
        self, api: Api, engine: Engine, field: str, unit: str, parts: tuple[str, str, str]
    ) -> None:
        """POST /api/patients with '7 ,5 kg' or '7 kg 2': 422 naming the field; nothing
        stored (it was read as 35 kg, 14 kg)."""
        body = {
            "mrn": "MRN-ARITH",
            "name": "Roe, Ann",
            "birth_date": "1980-05-01",
            "sex": "female",
            "weight": "70 kg",
            "creatinine": "1.0 mg/dL",
        } | {field: arithmetic(parts, unit)}
        before = _count(engine)
        response = api.post("nurse", "/api/patients", body)
        assert response.status_code == 422 and f"'{field}" in response.json()["message"]
        assert _count(engine) == before

    @WEB
    @given(parts=ARITHMETIC)
    def test_observation_body(self, api: Api, engine: Engine, parts: tuple[str, str, str]) -> None:
        """POST an observation of platelets '150 10^9/L 2': refused, nothing stored."""
        url = f"/api/patients/{api.ward.patient_id}/observations"
        body = {
            "code": "777-3",
            "value": arithmetic(parts, "10^9/L"),
            "collected_at": "2026-01-05T07:00:00Z",
        }
        before = _count(engine)
        response = api.post("nurse", url, body)
        assert response.status_code == 422, response.text
        assert _count(engine) == before

    @pytest.mark.parametrize("spelling", ["10*9/L", "x10^9/L", "×10⁹/L", "G/L", "10^9/L"])
    def test_count_spellings_store_one_value(self, api: Api, engine: Engine, spelling: str) -> None:
        """A platelet count typed in any spelling of 10^9/L is stored as 150 in 10*9/L."""
        url = f"/api/patients/{api.ward.patient_id}/observations"
        body = {"code": "777-3", "value": f"150 {spelling}", "collected_at": "2026-01-05T07:00Z"}
        response = api.post("nurse", url, body)
        assert response.status_code == 201, response.text
        with engine.connect() as connection:
            row = connection.execute(
                select(Observation.magnitude, Observation.unit).order_by(Observation.id.desc())
            ).first()
        assert row is not None and (row[0], row[1]) == (150.0, "10*9/L")
