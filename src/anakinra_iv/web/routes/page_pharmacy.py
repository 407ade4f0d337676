"""Pharmacy pages: the queue, compounding a bag, its second check and its printable label."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.web.deps import FormId, PageUser, PathId, ServicesDep
from anakinra_iv.web.routes._page import FormText, OptionalText, render, run_action
from anakinra_iv.web.schemas import BagCheck, BagCreate
from anakinra_iv.workflow import queries, services

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/pharmacy", response_class=HTMLResponse)
def pharmacy(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The pharmacy queue."""
    queue = queries.list_pharmacy_queue(app.new_uow(), user.user_id)
    return render(request, "pharmacy.html", app, user, queue=queue)


@router.post("/orders/{order_id}/bags")
def prepare_bag(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    syringe_lots: FormText,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Record a compounded bag."""

    def run() -> None:
        lots = [lot.strip() for lot in syringe_lots.replace(";", ",").split(",") if lot.strip()]
        body = BagCreate(syringe_lots=lots or [""])
        services.prepare_bag(
            body.to_command(user.user_id, order_id, app.now()),
            app.new_uow(),
            app.calculator,
            app.now(),
        )

    return run_action(user, csrf_token, f"/orders/{order_id}", run)


@router.post("/bags/{bag_id}/check")
def check_bag(
    bag_id: PathId,
    app: ServicesDep,
    user: PageUser,
    order_id: FormId,
    concentration_mg_per_ml: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Second check of a bag."""

    def run() -> None:
        body = BagCheck(concentration_mg_per_ml=concentration_mg_per_ml or None)
        services.check_bag(body.to_command(user.user_id, bag_id), app.new_uow(), app.now())

    return run_action(user, csrf_token, f"/orders/{order_id}", run)


@router.get("/bags/{bag_id}/label", response_class=HTMLResponse)
def bag_label(request: Request, bag_id: PathId, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The printable label of a bag."""
    bag, lines = queries.get_bag_label(app.new_uow(), user.user_id, bag_id, app.calculator)
    return render(request, "label.html", app, user, bag=bag, lines=lines)
