"""Schema-driven fuzzing of every ``/api`` operation against the in-process app.

Schemathesis reads the app's OpenAPI description and generates valid and invalid requests for
each operation; each runs signed in with the role that may perform it, on a fresh SQLite ward
with one running infusion (patient, order and bag 1). A third of the generated record keys are
moved onto those records, so that the requests reach the services and not only the 404 path,
and another third beyond what the database can hold.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from anakinra_iv.bootstrap import create_services
from anakinra_iv.records.database import create_database_engine
from anakinra_iv.records.migrate import upgrade_database
from anakinra_iv.web.app import create_app
from tests.workflow_support.fixtures import (
    PASSWORD,
    STAFF,
    FakeClock,
    create_test_settings,
    staff_ward,
    start_running,
)

MAX_EXAMPLES = 12
"""Examples per operation: the file runs in well under a minute on two workers."""
REPORT_EXAMPLES = 4
"""Examples of the course reports, whose only input is the patient key and which take a
second or so each to render."""
BEYOND_DATABASE = 2**64
"""Added to a key to take it past the largest the database holds."""
REPORTS = r"^/api/patients/\{patient_id\}/report\."

ROLE_BY_PATH = {
    "/api/patients": "nurse",
    "/api/patients/{patient_id}/observations": "nurse",
    "/api/patients/{patient_id}/recommendations": "prescriber",
    "/api/orders": "prescriber",
    "/api/orders/{order_id}/dose": "prescriber",
    "/api/orders/{order_id}/verify": "pharmacist",
    "/api/orders/{order_id}/bags": "pharmacist",
    "/api/bags/{bag_id}/check": "pharmacist2",
    "/api/orders/{order_id}/administrations": "nurse",
    "/api/audit": "admin",
}
"""The role that may perform each operation; every other one is read as the viewer."""


def _read_openapi() -> dict[str, Any]:
    """The app's OpenAPI description (the routes need no database to describe themselves)."""
    return create_app(create_services(create_test_settings())).openapi()


_OPENAPI = _read_openapi()
schema = (
    schemathesis.openapi.from_dict(_OPENAPI)
    .include(path_regex=r"^/api/")
    .exclude(path_regex=REPORTS)
)
report_schema = schemathesis.openapi.from_dict(_OPENAPI).include(path_regex=REPORTS)
for _schema in (schema, report_schema):
    _schema.config.generation.update(deterministic=True)


@dataclass
class FuzzWard:
    """The app over a fresh ward, with one bearer token per staff member and real keys."""

    app: FastAPI
    tokens: dict[str, str]
    keys: dict[str, int]


@pytest.fixture
def fuzz_ward(tmp_path: Path) -> Iterator[FuzzWard]:
    """A fresh SQLite ward with a running infusion, and the app over it."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}")
    upgrade_database(engine)  # migrated, so that /api/ready finds the schema current
    clock = FakeClock()
    services = create_services(create_test_settings(), engine=engine, clock=clock)
    ward = staff_ward(services, clock)
    order_id, bag_id = start_running(ward)
    app = create_app(services)
    with TestClient(app) as client:
        tokens = {
            who: client.post(
                "/api/auth/token", data={"username": username, "password": PASSWORD}
            ).json()["access_token"]
            for who, (username, _) in STAFF.items()
        }
    keys = {"patient_id": ward.patient_id, "order_id": order_id, "bag_id": bag_id}
    yield FuzzWard(app, tokens, keys)
    engine.dispose()


def _aim_at_records(case: schemathesis.Case, keys: dict[str, int]) -> None:
    """Move a third of the generated record keys onto the ward's records, and another third
    beyond what any database holds (2**64 more), so that every run sends both."""
    parameters = case.path_parameters or {}
    for name, value in list(parameters.items()):
        if name not in keys or not isinstance(value, int) or isinstance(value, bool):
            continue
        if value % 3 == 1:
            parameters[name] = keys[name]
        elif value % 3 == 2:
            parameters[name] = value + BEYOND_DATABASE


def _check_error_body(response: Any) -> None:
    """Every 4xx answer is JSON with a machine-readable ``code`` and a ``message``."""
    if not 400 <= response.status_code < 500:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), response.text
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("message"), str) and body["message"], body


_SLOW_FIXTURE_IS_FINE = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
]


def _call_and_check(case: schemathesis.Case, ward: FuzzWard) -> None:
    """Send the case as the role that may perform it; run the checks."""
    _aim_at_records(case, ward.keys)
    who = ROLE_BY_PATH.get(case.operation.path, "viewer")
    response = case.call(app=ward.app, headers={"Authorization": f"Bearer {ward.tokens[who]}"})
    case.validate_response(
        response,
        checks=[
            st_checks.not_a_server_error,
            st_checks.status_code_conformance,
            st_checks.content_type_conformance,
            st_checks.response_schema_conformance,
            st_checks.negative_data_rejection,
        ],
    )
    _check_error_body(response)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=_SLOW_FIXTURE_IS_FINE)
def test_api_operation(case: schemathesis.Case, fuzz_ward: FuzzWard) -> None:
    """No 5xx; status codes, content types and bodies as the OpenAPI description says; invalid
    requests refused with a 4xx whose body carries 'code' and 'message'."""
    _call_and_check(case, fuzz_ward)


@report_schema.parametrize()
@settings(max_examples=REPORT_EXAMPLES, deadline=None, suppress_health_check=_SLOW_FIXTURE_IS_FINE)
def test_report_operation(case: schemathesis.Case, fuzz_ward: FuzzWard) -> None:
    """The same checks on the course reports (PDF and HTML; errors stay JSON)."""
    _call_and_check(case, fuzz_ward)
