"""Domain errors to HTTP, in one table; every error body is ``{"code", "message", "field"}``.

The first matching row wins, so subclasses come before their parents.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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
from anakinra_iv.workflow.auth import AccountLocked, AuthenticationFailed
from anakinra_iv.workflow.services import (
    PumpAlertNotAcknowledged,
    PumpProgrammeRefused,
    RateNotVerified,
    VerificationMismatch,
)

__all__ = ["ERROR_TABLE", "describe_error", "install_error_handlers"]

ERROR_TABLE: tuple[tuple[type[AnakinraError], int, str], ...] = (
    (AccountLocked, 401, "account_locked"),
    (AuthenticationFailed, 401, "not_authenticated"),
    (PermissionDenied, 403, "permission_denied"),
    (UnknownItem, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InvalidTransition, 409, "invalid_transition"),
    (VerificationMismatch, 422, "verification_mismatch"),
    (RateNotVerified, 422, "rate_not_verified"),
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


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AnakinraError)
    status, body = describe_error(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {
            "code": "invalid_input",
            "message": f"'{_location(tuple(e['loc']))}': {e['msg']}",
            "field": _location(tuple(e["loc"])),
        }
        for e in error.errors()
    ]
    body: dict[str, Any] = {
        "code": "invalid_input",
        "message": "; ".join(p["message"] for p in problems),
        "field": problems[0]["field"] if problems else None,
    }
    if len(problems) > 1:
        body["problems"] = problems
    return JSONResponse(body, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(AnakinraError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
