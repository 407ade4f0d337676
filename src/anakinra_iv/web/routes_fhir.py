"""FHIR R4 read endpoints: ``GET /fhir/r4/{type}/{id}`` for every exported type,
``GET /fhir/r4/Patient/{id}/$everything`` for a patient's whole course as one Bundle, and
``GET /fhir/r4/metadata`` (the CapabilityStatement, naming the local code system of the grades).

Answers are ``application/fhir+json``; errors are ``OperationOutcome`` resources (401, 403, 404).
The patient-course report (PDF or HTML) is served here too, under ``/api/patients/{id}/report``.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fhir.resources.R4B.resource import Resource

from anakinra_iv.errors import AnakinraError, PermissionDenied, UnknownItem
from anakinra_iv.interop.fhir_export import (
    EXPORTED_TYPES,
    create_capability_statement,
    create_course_bundle,
    get_record_reference,
    get_resource,
    write_bundle_json,
)
from anakinra_iv.interop.fhir_mapping import create_audit_event
from anakinra_iv.web.deps import CurrentUser, ServicesDep
from anakinra_iv.web.routes_reports import router as reports_router
from anakinra_iv.web.schemas._base import MAX_RECORD_ID
from anakinra_iv.workflow import queries
from anakinra_iv.workflow.auth import AuthenticationFailed
from anakinra_iv.workflow.course import create_course_audit_event, get_patient_course
from anakinra_iv.workflow.services import record_disclosure

__all__ = ["router"]

FHIR_JSON = "application/fhir+json"
router = APIRouter(tags=["fhir"])
router.include_router(reports_router)


def _outcome(status: int, code: str, text: str) -> Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return Response(json.dumps(body), status_code=status, media_type=FHIR_JSON)


def _failure(error: AnakinraError) -> Response:
    if isinstance(error, UnknownItem):
        return _outcome(404, "not-found", error.message)
    if isinstance(error, PermissionDenied):
        return _outcome(403, "forbidden", error.message)
    if isinstance(error, AuthenticationFailed):
        return _outcome(401, "login", error.message)
    return _outcome(400, "invalid", error.message)


def _require_stored_key(key: int, what: str) -> None:
    """A key the database cannot hold names no record: 404 rather than a database error."""
    if not 1 <= key <= MAX_RECORD_ID:
        raise UnknownItem(f"{what} does not exist", field="id", value=key)


def _base(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/fhir/r4"


@router.get("/fhir/r4/metadata")
def read_capability_statement(request: Request, services: ServicesDep) -> Response:
    """The CapabilityStatement: what is served and the code systems of its Observations."""
    statement = create_capability_statement(base_url=_base(request), date=services.now())
    return Response(statement.model_dump_json(exclude_none=True), media_type=FHIR_JSON)


@router.get("/fhir/r4/Patient/{patient_id}/$everything")
def read_everything(
    patient_id: int, request: Request, services: ServicesDep, user: CurrentUser
) -> Response:
    """The patient's course as one Bundle."""
    try:
        _require_stored_key(patient_id, f"Patient/{patient_id}")
        course = get_patient_course(services.new_uow(), user.user_id, patient_id)
        bundle = create_course_bundle(course, base_url=_base(request), timestamp=services.now())
        text = write_bundle_json(bundle)
        record_disclosure(
            services.new_uow(),
            user.user_id,
            patient_id,
            "fhir.export",
            services.now(),
            detail={"format": "fhir-bundle", "via": "api"},
        )
    except AnakinraError as error:
        return _failure(error)
    return Response(text, media_type=FHIR_JSON)


@router.get("/fhir/r4/{resource_type}/{resource_id}")
def read_resource(
    resource_type: str, resource_id: str, services: ServicesDep, user: CurrentUser
) -> Response:
    """One resource of a stored course."""
    if resource_type not in EXPORTED_TYPES:
        return _outcome(404, "not-supported", f"{resource_type} is not served here")
    resource: Resource
    try:
        if resource_type == "AuditEvent":
            seq = int(resource_id) if resource_id.isascii() and resource_id.isdigit() else -1
            _require_stored_key(seq, f"AuditEvent/{resource_id}")
            events = queries.list_audit_events(
                services.new_uow(), user.user_id, limit=1, before_seq=seq + 1
            )
            if not events or events[0].seq != seq:
                raise UnknownItem(f"AuditEvent/{resource_id} does not exist", field="id")
            resource = create_audit_event(create_course_audit_event(events[0]))
        else:
            record, record_id = get_record_reference(resource_type, resource_id)
            _require_stored_key(record_id, f"{resource_type}/{resource_id}")
            patient_id = queries.find_patient_id(
                services.new_uow(), user.user_id, record, record_id
            )
            course = get_patient_course(services.new_uow(), user.user_id, patient_id)
            resource = get_resource(course, resource_type, resource_id)
    except AnakinraError as error:
        return _failure(error)
    return Response(resource.model_dump_json(exclude_none=True), media_type=FHIR_JSON)
