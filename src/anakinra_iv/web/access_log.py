"""Access events: who read a patient's record, and who was refused (403), in the audit trail.

After a response, the middleware records ``patient.read`` for a successful read of a patient's
record (the patient, its page, its report, its FHIR resources, an order or a bag showing it),
``patient.list`` for a page listing patients (one per view), and ``access.denied`` for a 403
(or a page action refused for lack of permission, which the page answers with a redirect and
marks with :func:`note_refusal`). The actor is the user named by the request's credential. A
failure to record is logged and never changes the answer already sent.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anakinra_iv.bootstrap import Services
from anakinra_iv.web.security import SESSION_COOKIE, TokenClaims, read_token
from anakinra_iv.workflow.auth import AuthenticationFailed
from anakinra_iv.workflow.services import record_access, record_read_through

__all__ = [
    "LIST_READS",
    "PATIENT_READS",
    "READS_THROUGH",
    "AccessEventsMiddleware",
    "note_refusal",
    "read_credential_user_id",
]

_log = logging.getLogger(__name__)

PATIENT_READS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^/api/patients/(\d+)$"),
    re.compile(r"^/patients/(\d+)$"),
    re.compile(r"^/patients/(\d+)/wristband$"),
    re.compile(r"^/fhir/r4/Patient/(\d+)$"),
)
"""Paths that read a patient's record (the figures a page embeds are part of that read and are
not recorded again); the group is the patient's id. Reports and ``$everything`` are recorded by
their routes as disclosures (``report.view``, ``fhir.export``), so they are not read twice."""
_FHIR_READ = re.compile(r"^/fhir/r4/(\w+)/([^/]+)$")
READS_THROUGH: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/api/orders/(\d+)$"), "order"),
    (re.compile(r"^/orders/(\d+)(?:/worksheet)?$"), "order"),
    (re.compile(r"^/bags/(\d+)/(?:worksheet|check|label)$"), "bag"),
)
"""Paths that show a patient's record through an order or a bag (name, MRN, weight,
creatinine): recorded as a read of that patient."""
LIST_READS: frozenset[str] = frozenset({"/", "/nursing", "/pharmacy", "/patients"})
"""Pages listing many patients (the ward board, the worklists, the patient list): one event per
view names the page (one insert; the board is a hot path)."""

_refusal: ContextVar[dict[str, str] | None] = ContextVar("anakinra_refusal", default=None)


def note_refusal(message: str) -> None:
    """Mark the current request as refused for lack of permission (a page action)."""
    marker = _refusal.get()
    if marker is not None:
        marker["message"] = message


def _credential_claims(services: Services, scope: Scope) -> TokenClaims | None:
    headers = dict(scope["headers"])
    secret = services.settings.secret_key.get_secret_value()
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    candidates: list[tuple[str, str]] = []
    if authorization.lower().startswith("bearer "):
        candidates.append((authorization[7:].strip(), "access"))
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            candidates.append((value, "session"))
    for token, kind in candidates:
        try:
            return read_token(secret, token, kind=kind, now=services.now())
        except AuthenticationFailed:
            continue
    return None


def read_credential_user_id(services: Services, scope: Scope) -> int | None:
    """The user id a request's credential names (signature and expiry checked), or None."""
    claims = _credential_claims(services, scope)
    return None if claims is None else claims.user_id


def _events(scope: Scope, status: int, refused: str | None) -> list[tuple[str, str, str, str]]:
    """(action, entity type, entity id, detail) to record for a finished request."""
    path = scope["path"]
    where = f"{scope['method']} {path}"
    if status == 403 or refused:
        return [("access.denied", "route", where, refused or "403")]
    if scope["method"] != "GET" or not 200 <= status < 300:
        return []
    for pattern in PATIENT_READS:
        found = pattern.match(path)
        if found:
            return [("patient.read", "patient", found.group(1), where)]
    fhir = _FHIR_READ.match(path)
    if fhir:
        return [("patient.read", "fhir", f"{fhir.group(1)}/{fhir.group(2)}", where)]
    for pattern, kind in READS_THROUGH:
        found = pattern.match(path)
        if found:
            return [("patient.read", kind, found.group(1), where)]
    if path in LIST_READS:
        return [("patient.list", "page", path, where)]
    return []


class AccessEventsMiddleware:
    """Record access events after each response."""

    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        marker: dict[str, str] = {}
        token = _refusal.set(marker)

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            _refusal.reset(token)
        events = _events(scope, status, marker.get("message"))
        if events:
            await anyio.to_thread.run_sync(self._record, scope, events)

    def _record(self, scope: Scope, events: list[tuple[str, str, str, str]]) -> None:
        services = self.services
        try:
            claims = _credential_claims(services, scope)
            who = "anonymous" if claims is None else claims.username
            for action, entity_type, entity_id, detail in events:
                if action == "patient.read" and entity_type in ("order", "bag"):
                    record_read_through(
                        services.new_uow(),
                        who,
                        entity_type,
                        int(entity_id),
                        services.now(),
                        detail=detail,
                    )
                    continue
                record_access(
                    services.new_uow(),
                    who,
                    action,
                    entity_type,
                    entity_id,
                    services.now(),
                    detail=detail,
                )
        except Exception as error:  # the answer is sent already; keep serving
            _log.error("access event not recorded for %s: %s", scope["path"], error)
