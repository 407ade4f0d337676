"""Races and odd input answer 409 or 4xx, never 500 (issue 13 §4): constraint failures named,
huge and non-ASCII numbers in paths and queries, an unreachable database as 503."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from anakinra_iv.errors import ConflictError
from anakinra_iv.records.conflicts import describe_database_conflict
from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD, start_running


def _conflict(engine: Engine, statement: str) -> ConflictError | None:
    with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
        connection.execute(text(statement))
    return describe_database_conflict(raised.value)


def test_constraint_failures_become_conflicts_naming_the_record(api: Api, engine: Engine) -> None:
    """A second open order of a patient, a second segment with one sequence number, a second
    user of one name: each is a ConflictError naming the patient, the order or the field."""
    order_id, _ = start_running(api.ward)
    patient = api.ward.patient_id
    open_order = _conflict(
        engine,
        "INSERT INTO orders (patient_id, prescriber_id, protocol_id, protocol_version, status, "
        "needs_verification, daily_dose_mg, rate_mg_per_h, planned_concentration_mg_per_ml, "
        "planned_rate_ml_per_h, limit_status, plan_inputs, plan_summary, created_at, "
        "updated_at, version, open_patient_id) SELECT patient_id, prescriber_id, protocol_id, "
        "protocol_version, status, needs_verification, daily_dose_mg, rate_mg_per_h, "
        "planned_concentration_mg_per_ml, planned_rate_ml_per_h, limit_status, plan_inputs, "
        "plan_summary, created_at, updated_at, 1, open_patient_id FROM orders "
        f"WHERE id = {order_id}",
    )
    assert open_order is not None and open_order.field == "patient_id"
    assert "already has an open order" in open_order.message
    segment = _conflict(
        engine,
        "INSERT INTO administration_segments (order_id, seq, event, bag_id, rate_mg_per_h, "
        "rate_ml_per_h, started_at, recorded_by_id, recorded_at) SELECT order_id, seq, event, "
        "bag_id, rate_mg_per_h, rate_ml_per_h, started_at, recorded_by_id, recorded_at "
        f"FROM administration_segments WHERE order_id = {order_id}",
    )
    assert segment is not None and segment.field == "order_id"
    user = _conflict(
        engine,
        "INSERT INTO users (username, full_name, roles, password_hash, active, failed_logins, "
        "created_at, token_version) SELECT username, full_name, roles, password_hash, active, "
        "failed_logins, created_at, 0 FROM users WHERE id = 1",
    )
    assert user is not None and "user" in user.message and patient


@pytest.mark.parametrize(
    "path",
    [
        "/api/audit?before_seq=99999999999999999999",
        "/audit?before_seq=99999999999999999999",
        "/fhir/r4/Patient/²",
        "/fhir/r4/Patient/٣",
        "/fhir/r4/AuditEvent/²",
        "/fhir/r4/Observation/１",
        "/api/patients/99999999999999999999",
    ],
)
def test_odd_numbers_in_paths_and_queries_are_4xx(api: Api, path: str) -> None:
    """These answered 500: now 404 or 422."""
    api.client.post("/login", data={"username": "admin", "password": PASSWORD})
    response = api.client.get(path, headers=api.headers("admin"))
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:200])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(
        ["Patient", "Observation", "MedicationRequest", "AuditEvent", "Provenance"]
    ),
    ident=st.text(
        alphabet=st.characters(categories=["Nd", "No", "Lu", "Pd"]), min_size=1, max_size=12
    ),
)
def test_any_fhir_id_is_answered_without_a_server_error(api: Api, kind: str, ident: str) -> None:
    """Property: whatever digits of whatever script an id is written in, a FHIR read answers
    200 or 4xx (the class of "isdigit() accepts non-ASCII digits")."""
    response = api.client.get(f"/fhir/r4/{kind}/{ident}", headers=api.headers("admin"))
    assert response.status_code < 500, (kind, ident, response.text[:200])


@pytest.mark.parametrize("written", ["1_0", " 1", "+1", "١", "1.0", "0x1"])
def test_a_record_key_in_a_path_is_digits_only(api: Api, written: str) -> None:
    """'/api/patients/1_0' was read as patient 10 (Python's int() allows '_'): a key written any
    other way than with the digits 0-9 names no record (422), while '1' reads patient 1."""
    assert api.get("admin", f"/api/patients/{api.ward.patient_id}").status_code == 200
    response = api.get("admin", f"/api/patients/{written}")
    assert response.status_code == 422, (written, response.status_code, response.text[:200])
    assert "patient_id" in response.text
