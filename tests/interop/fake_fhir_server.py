"""An in-process FHIR R4 test server: FastAPI plus the R4B models, storage in a dict.

It implements what the client uses - ``PUT`` and ``GET [base]/{type}/{id}`` - and answers like a
FHIR server: it validates each resource with its R4B model, refuses an id that disagrees with the
URL, and reports errors as an ``OperationOutcome`` (400, 404). ``fhirstarter`` would do the same,
but it pins an older FastAPI than this project.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

with warnings.catch_warnings():
    # starlette asks for its httpx fork; the pinned httpx works the same for these tests
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

__all__ = ["TestClient", "create_fake_fhir_server"]

FHIR_JSON = "application/fhir+json"


def _outcome(status: int, code: str, text: str) -> Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return Response(json.dumps(body), status_code=status, media_type=FHIR_JSON)


def create_fake_fhir_server() -> FastAPI:
    """A fresh server with an empty store (``app.state.store``: (type, id) -> JSON)."""
    app = FastAPI()
    store: dict[tuple[str, str], dict[str, Any]] = {}
    app.state.store = store

    @app.put("/{resource_type}/{resource_id}")
    async def update(resource_type: str, resource_id: str, request: Request) -> Response:
        try:
            model = get_fhir_model_class(resource_type)
        except (KeyError, ValueError):
            return _outcome(404, "not-supported", f"unknown resource type {resource_type}")
        try:
            resource = model.model_validate_json(await request.body())
        except ValidationError as error:
            return _outcome(400, "invalid", str(error.errors()[0]))
        if getattr(resource, "id", None) != resource_id:
            return _outcome(400, "invalid", "the resource id does not match the URL")
        created = (resource_type, resource_id) not in store
        store[(resource_type, resource_id)] = json.loads(
            resource.model_dump_json(exclude_none=True)
        )
        return Response(
            json.dumps(store[(resource_type, resource_id)]),
            status_code=201 if created else 200,
            media_type=FHIR_JSON,
        )

    @app.get("/{resource_type}/{resource_id}")
    async def read(resource_type: str, resource_id: str) -> Response:
        found = store.get((resource_type, resource_id))
        if found is None:
            return _outcome(404, "not-found", f"{resource_type}/{resource_id} is not stored")
        return Response(json.dumps(found), media_type=FHIR_JSON)

    return app
