"""Administration pages: protocols with their approvals, and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.errors import PermissionDenied
from anakinra_iv.protocol import list_protocols
from anakinra_iv.web.deps import PageUser, ServicesDep
from anakinra_iv.web.routes._page import FormText, OptionalText, render, run_action
from anakinra_iv.web.schemas._base import MAX_RECORD_ID
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.commands import ApproveProtocol

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/protocols", response_class=HTMLResponse)
def protocols(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Protocols with the status and source of every value, and their approvals."""
    approvals = queries.list_approvals(app.new_uow(), user.user_id)
    return render(
        request, "protocols.html", app, user, protocols=list_protocols(), approvals=approvals
    )


@router.post("/protocols/approve")
def approve(
    app: ServicesDep,
    user: PageUser,
    protocol_id: FormText,
    version: FormText,
    note: Annotated[str, Form()] = "",
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Approve a protocol version (admin)."""

    def run() -> None:
        services.approve_protocol(
            ApproveProtocol(user.user_id, protocol_id, version, note),
            app.new_uow(),
            app.calculator,
            app.now(),
        )

    return run_action(user, csrf_token, "/protocols", run)


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    app: ServicesDep,
    user: PageUser,
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
) -> HTMLResponse:
    """The audit trail with the result of the chain check (admin)."""
    try:
        events = queries.list_audit_events(
            app.new_uow(), user.user_id, limit=100, before_seq=before_seq
        )
    except PermissionDenied as error:
        response = render(request, "denied.html", app, user, reason=error.message)
        response.status_code = 403
        return response
    report = queries.verify_audit_chain(app.new_uow())
    return render(request, "audit.html", app, user, events=events, report=report)
