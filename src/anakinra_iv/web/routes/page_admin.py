"""Administration pages: protocols as a clinician reads them, with their approvals, and the audit
trail in sentences with filters by patient, order and user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.protocol import list_protocols
from anakinra_iv.reports.protocol_view import create_protocol_view
from anakinra_iv.web.deps import PageUser, ServicesDep
from anakinra_iv.web.routes._page import FormText, OptionalText, render, run_action
from anakinra_iv.web.schemas._base import MAX_RECORD_ID, PRINTABLE
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.audit_text import AuditFilter, describe_event, search_audit
from anakinra_iv.workflow.commands import ApproveProtocol

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_PAGE = 50


@router.get("/protocols", response_class=HTMLResponse)
def protocols(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Protocols in clinical sections, each value with its unit, status and source."""
    approvals = queries.list_approvals(app.new_uow(), user.user_id)
    shown = [(p, create_protocol_view(p)) for p in list_protocols()]
    return render(request, "protocols.html", app, user, protocols=shown, approvals=approvals)


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

    return run_action(app, user, csrf_token, "/protocols", run, done="Protocol approved.")


def _blank_to_none(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    app: ServicesDep,
    user: PageUser,
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
    patient: Annotated[str | None, Query(max_length=12, pattern=PRINTABLE)] = None,
    order: Annotated[str | None, Query(max_length=12, pattern=PRINTABLE)] = None,
    actor: Annotated[str | None, Query(max_length=64, pattern=PRINTABLE)] = None,
) -> HTMLResponse:
    """The audit trail in sentences, newest first, with the result of the chain check (admin)."""
    wanted = {"patient": patient, "order": order}
    ids: dict[str, int | None] = {}
    problems: list[tuple[str, str | None]] = []
    for key, text in wanted.items():
        value = _blank_to_none(text)
        if value is not None and not (value.isdecimal() and 1 <= int(value) <= MAX_RECORD_ID):
            problems.append((f"{key.capitalize()}: give the record number (got '{value}')", key))
            value = None
        ids[key] = None if value is None else int(value)
    page = search_audit(
        app.new_uow(),
        user.user_id,
        AuditFilter(ids["patient"], ids["order"], _blank_to_none(actor), before_seq, _PAGE),
    )
    report = queries.verify_audit_chain(app.new_uow())
    sentences = [(e, describe_event(e, app.zone)) for e in page.events]
    filters = {"patient": patient or "", "order": order or "", "actor": actor or ""}
    return render(
        request,
        "audit.html",
        app,
        user,
        page=page,
        sentences=sentences,
        report=report,
        filters=filters,
        filter_problems=problems,
    )
