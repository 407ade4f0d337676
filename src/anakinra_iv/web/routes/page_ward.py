"""Ward pages: the board of open infusions and the nursing page, and the nursing events
(hang, rate change, pause, resume, bag change, stop) with the pump programme checked against the
protocol's drug library."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.web.deps import PageUser, PathId, ServicesDep
from anakinra_iv.web.routes._page import (
    FormText,
    OptionalText,
    read_optional_int,
    render,
    run_action,
)
from anakinra_iv.web.schemas import AdministrationCreate
from anakinra_iv.workflow import services
from anakinra_iv.workflow.board import list_board

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def board(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The board of active infusions."""
    rows = list_board(app.new_uow(), user.user_id, app.now())
    return render(request, "board.html", app, user, rows=rows)


@router.get("/nursing", response_class=HTMLResponse)
def nursing(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Infusions to hang or running, with the pump programme to key in."""
    rows = list_board(app.new_uow(), user.user_id, app.now())
    return render(request, "nursing.html", app, user, rows=rows)


@router.post("/orders/{order_id}/administrations")
def administer(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    event: FormText,
    bag_id: OptionalText = None,
    rate_mg_per_h: OptionalText = None,
    rate_ml_per_h: OptionalText = None,
    acknowledge_pump_alerts: OptionalText = None,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """A nursing event; a pump hard stop is refused, a soft alert needs the acknowledgement."""

    def run() -> None:
        body = AdministrationCreate(
            event=event,
            bag_id=read_optional_int(bag_id, "bag_id"),
            rate_mg_per_h=rate_mg_per_h or None,
            rate_ml_per_h=rate_ml_per_h or None,
            acknowledge_pump_alerts=bool(acknowledge_pump_alerts),
            reason=reason or None,
        )
        services.record_administration(
            body.to_command(user.user_id, order_id), app.new_uow(), app.now(), app.calculator
        )

    return run_action(user, csrf_token, f"/orders/{order_id}", run)
