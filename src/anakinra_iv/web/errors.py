"""Domain errors to HTTP, in one table; every error body is ``{"code", "message", "field"}``.

The first matching row wins, so subclasses come before their parents. A body the schemas refuse
(malformed JSON, a wrong type, a missing or unknown field) is a 422 naming the field, and an
unknown path or method under ``/api`` answers in the same shape. Outside the machine interfaces
(``/api``, ``/fhir``, ``/cds-services``) the same errors are styled HTML pages: a page that does
not exist, a record that does not exist, an action the role may not take.

Database errors are never a 500: a failed unique or foreign-key constraint, a stale version, a
serialization failure or a deadlock is a race another request won, answered 409 naming the record
(:func:`~anakinra_iv.records.conflicts.describe_database_conflict`); a database that cannot be
reached in time (pool exhausted, server down, lock held too long) is 503 with ``Retry-After``.
What is left to answer 500 is a defect in the code: an exception nothing here expects.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from anakinra_iv.errors import (
    AnakinraError,
    ConflictError,
    DoseLimitExceeded,
    InvalidInput,
    InvalidTransition,
    OverrideRequired,
    PermissionDenied,
    ProblemList,
    ProtocolError,
    UnknownItem,
    list_problems,
)
from anakinra_iv.records.conflicts import describe_database_conflict, is_database_unavailable
from anakinra_iv.web.schemas import ErrorPublic
from anakinra_iv.workflow.auth import AccountLocked, AuthenticationFailed, TooManyRequests
from anakinra_iv.workflow.services import (
    CheckLocked,
    LoadingDoseNotVerified,
    PumpAlertNotAcknowledged,
    PumpProgrammeRefused,
    RateNotVerified,
    RenalDecisionRequired,
    VerificationMismatch,
)
from anakinra_iv.workflow.services.scanning import ScanMismatch

__all__ = [
    "ERROR_RESPONSES",
    "ERROR_TABLE",
    "JSON_ERROR_RESPONSES",
    "describe_error",
    "install_error_handlers",
    "is_page_path",
    "render_error_page",
]

ERROR_TABLE: tuple[tuple[type[AnakinraError], int, str], ...] = (
    (AccountLocked, 401, "account_locked"),
    (AuthenticationFailed, 401, "not_authenticated"),
    (CheckLocked, 403, "check_locked"),
    (PermissionDenied, 403, "permission_denied"),
    (TooManyRequests, 429, "too_many_requests"),
    (UnknownItem, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InvalidTransition, 409, "invalid_transition"),
    (ScanMismatch, 422, "scan_mismatch"),
    (VerificationMismatch, 422, "verification_mismatch"),
    (RateNotVerified, 422, "rate_not_verified"),
    (LoadingDoseNotVerified, 422, "loading_dose_not_verified"),
    (RenalDecisionRequired, 422, "renal_decision_required"),
    (PumpProgrammeRefused, 422, "pump_hard_stop"),
    (PumpAlertNotAcknowledged, 422, "pump_alert_unacknowledged"),
    (DoseLimitExceeded, 422, "dose_limit_exceeded"),
    (OverrideRequired, 422, "override_required"),
    (ProtocolError, 422, "protocol_error"),
    (InvalidInput, 422, "invalid_input"),
    (ProblemList, 422, "invalid_input"),
    (AnakinraError, 422, "invalid_input"),
)
"""(error class, HTTP status, machine-readable code)."""

_ERROR_DESCRIPTIONS = (
    (401, "Not signed in, or the credential is not valid"),
    (403, "The role may not do this, or separation of duties forbids it"),
    (404, "No such record"),
    (409, "A conflicting change or a transition the current state does not allow"),
    (413, "The request body is larger than this address accepts"),
    (422, "Invalid input: every problem names its field; nothing is stored"),
    (429, "Too many sign-in attempts from this address: wait for Retry-After seconds"),
    (503, "Overloaded or the database is unavailable: retry after Retry-After seconds"),
)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic, "description": description}
    for status, description in _ERROR_DESCRIPTIONS
}
"""The error answers of the API, for its OpenAPI description."""
JSON_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}},
    }
    for status, description in _ERROR_DESCRIPTIONS
}
"""The same for a route whose success is not JSON (a PDF, an HTML page): errors stay JSON."""

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def _lookup(error: AnakinraError) -> tuple[int, str]:
    for cls, status, code in ERROR_TABLE:
        if isinstance(error, cls):
            return status, code
    return 500, "internal_error"  # unreachable: AnakinraError is the last row


def describe_error(error: AnakinraError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body for a domain error."""
    problems = list_problems(error)
    first = problems[0]
    status, code = _lookup(first if isinstance(error, ProblemList) else error)
    body: dict[str, Any] = {"code": code, "message": error.message, "field": first.field}
    if len(problems) > 1:
        body["problems"] = [
            {"code": _lookup(p)[1], "message": p.message, "field": p.field} for p in problems
        ]
    return status, body


_MACHINE_PREFIXES = ("/api/", "/fhir/", "/cds-services", "/openapi.json", "/docs", "/redoc")
_TITLES = {
    400: "The request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "This cannot be done now",
    422: "Please check what was entered",
}


def is_page_path(path: str) -> bool:
    """True for the pages people read (errors there are HTML), False for the machine interfaces.

    >>> is_page_path("/orders/7"), is_page_path("/api/orders/7")
    (True, False)
    """
    return not path.startswith(_MACHINE_PREFIXES)


def render_error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A styled error page with the status, a title and what went wrong."""
    from anakinra_iv.web.routes._page import INTENDED_USE, templates

    response = templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": _TITLES.get(status, "Something went wrong"),
            "detail": message,
            "me": None,
            "roles": set(),
            "intended_use": INTENDED_USE,
        },
        status_code=status,
    )
    return response


async def _domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AnakinraError)
    status, body = describe_error(error)
    if is_page_path(request.url.path):
        from anakinra_iv.web.routes._page import describe_for_page

        text = "; ".join(message for message, _ in describe_for_page(error))
        return render_error_page(request, status, text)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429 and isinstance(error.limit, int):
        headers = {"Retry-After": str(error.limit)}
    return JSONResponse(body, status_code=status, headers=headers)


_UNAVAILABLE = {
    "code": "database_unavailable",
    "message": "the database did not answer in time; retry shortly",
    "field": None,
}


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    """A race as 409 naming the record; an unreachable database as 503; never a 500."""
    if isinstance(error, StaleDataError):
        conflict = ConflictError(
            f"the record was changed by somebody else at the same time ({error}); reload and "
            "try again"
        )
    elif isinstance(error, DBAPIError) and (found := describe_database_conflict(error)):
        conflict = found
    elif is_database_unavailable(error):
        return JSONResponse(_UNAVAILABLE, status_code=503, headers={"Retry-After": "2"})
    elif isinstance(error, DataError):
        detail = str(error.orig).splitlines()[0] if error.orig else "value out of range"
        body = {
            "code": "invalid_input",
            "message": f"a value does not fit: {detail}",
            "field": None,
        }
        return JSONResponse(body, status_code=422)
    else:
        raise error
    status, body = describe_error(conflict)
    return JSONResponse(body, status_code=status)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


def _problem(detail: dict[str, Any]) -> dict[str, Any]:
    """One problem of a refused request, named after its field."""
    kind = detail.get("type", "")
    if kind == "json_invalid":
        field = "body"
        reason = detail.get("ctx", {}).get("error", detail["msg"])
        message = f"'body' is not valid JSON ({reason})"
    else:
        field = _location(tuple(detail["loc"]))
        if field == "body" and kind in ("model_attributes_type", "dict_type"):
            message = "'body' must be a JSON object"
        elif field == "body" and kind == "missing":
            message = "'body' is missing: send a JSON object"
        else:
            message = f"'{field}': {detail['msg']}"
    return {"code": "invalid_input", "message": message, "field": field}


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [_problem(e) for e in error.errors()]
    if is_page_path(request.url.path):
        if any(tuple(e["loc"])[:1] == ("path",) for e in error.errors()):
            return render_error_page(request, 404, f"There is no page at {request.url.path}.")
        return render_error_page(request, 422, "; ".join(p["message"] for p in problems))
    body: dict[str, Any] = {
        "code": "invalid_input",
        "message": "; ".join(p["message"] for p in problems),
        "field": problems[0]["field"] if problems else None,
    }
    if len(problems) > 1:
        body["problems"] = problems
    return JSONResponse(body, status_code=422)


async def _http_error(request: Request, error: Exception) -> Response:
    """An HTTP error (unknown path, wrong method) as JSON with a code under ``/api``."""
    assert isinstance(error, HTTPException)
    if is_page_path(request.url.path) and error.status_code in _TITLES:
        messages = {
            404: f"There is no page at {request.url.path}.",
            405: f"{request.method} is not how this page is used.",
        }
        return render_error_page(
            request, error.status_code, messages.get(error.status_code, str(error.detail))
        )
    if not request.url.path.startswith("/api/"):
        return await http_exception_handler(request, error)
    if error.status_code == 400:
        # a body that cannot be read at all (not UTF-8, a broken form)
        message = f"'body' could not be read ({error.detail})"
        return JSONResponse(
            {"code": "invalid_input", "message": message, "field": "body"}, status_code=422
        )
    code = _HTTP_CODES.get(error.status_code, "http_error")
    message = f"{request.method} {request.url.path}: {error.detail}"
    return JSONResponse(
        {"code": code, "message": message, "field": "body" if error.status_code == 413 else None},
        status_code=error.status_code,
        headers=error.headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(AnakinraError, _domain_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(StaleDataError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
