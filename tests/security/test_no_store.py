"""Patient data does not outlive the session in a browser cache, and the API docs page (inline
script from a CDN) cannot be turned on in production."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.routing import Mount

from anakinra_iv.config import Settings
from tests.web.conftest import Api
from tests.workflow_support.fixtures import (
    PASSWORD,
    TEST_AUDIT_KEY,
    TEST_SECRET_KEY,
    compound_and_check,
    prescribe_step,
    verify,
)


def _routes(routes: list[object]) -> list[APIRoute]:
    """The API routes of a route table, through included routers (not the static mount)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif not isinstance(route, Mount):
            inner = getattr(route, "original_router", None) or getattr(route, "router", None)
            found.extend(_routes(list(getattr(inner, "routes", []))))
    return found


def _get_paths(api: Api) -> list[str]:
    """Every GET route of the app, its path parameters filled with records that exist."""
    ward = api.ward
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    values = {
        "patient_id": ward.patient_id,
        "order_id": order_id,
        "bag_id": bag_id,
        "image_format": "svg",
        "user_id": ward.users["nurse"],
        "protocol_id": "adult-mas-civ",
        "service_id": "anakinra-order-sign",
        "resource_type": "Patient",
        "resource_id": ward.patient_id,
        "kind": "icans",
        "step": "verify",
    }
    paths = []
    for route in _routes(api.client.app.routes):  # type: ignore[attr-defined]
        if "GET" not in route.methods:
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        if any(name not in values for name in names):
            names_missing = [n for n in names if n not in values]
            raise AssertionError(f"no value for {names_missing} in {route.path}")
        paths.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(values[m.group(1)]), route.path))
    return paths


def test_every_answer_but_static_files_is_no_store(api: Api) -> None:
    """The class: every GET route of the app (API, pages, reports, FHIR, CDS discovery), signed
    in as the pharmacist by cookie and token, answers with ``Cache-Control: no-store``
    whatever its status; the app's style sheet may be cached."""
    paths = _get_paths(api)
    assert len(paths) > 20  # the route table was read
    client = api.client
    client.post("/login", data={"username": "ph_ada", "password": PASSWORD})
    headers = api.headers("pharmacist")
    seen = {}
    for path in paths:
        response = client.get(path, headers=headers, follow_redirects=False)
        seen[path] = (response.status_code, response.headers.get("cache-control"))
    missing = {p: v for p, v in seen.items() if v[1] != "no-store"}
    assert missing == {}, missing
    served = [p for p, v in seen.items() if v[0] == 200]
    for expected in ("/api/orders/", "/patients/", "/fhir/r4/Patient/", "report.pdf"):
        assert any(expected in p for p in served), (expected, seen)
    assert client.get("/api/does-not-exist").headers["cache-control"] == "no-store"
    static = client.get("/static/app.css")
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"


def test_api_docs_cannot_be_turned_on_in_production() -> None:
    """/docs runs inline script from a CDN on the session cookie's origin: refused at start."""
    with pytest.raises(ValidationError, match="ANAKINRA_API_DOCS"):
        Settings(
            environment="production",
            secret_key=TEST_SECRET_KEY,
            audit_key=TEST_AUDIT_KEY,
            audit_checkpoint_file="/var/lib/anakinra/checkpoints",  # type: ignore[arg-type]
            api_docs=True,
        )
