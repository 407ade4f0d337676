"""Order pages: entry with live calculation, an order with the actions the user's roles allow,
blind verification and dose change."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.errors import AnakinraError
from anakinra_iv.web.deps import FormId, PageUser, PathId, QueryId, ServicesDep
from anakinra_iv.web.routes._page import (
    FormText,
    OptionalText,
    read_optional_int,
    render,
    run_action,
    templates,
)
from anakinra_iv.web.schemas import DoseChange, OrderCreate, VerifyCreate
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.services import ADMINISTRATION_EVENTS

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _order_form(
    patient_id: int,
    protocol_id: str,
    step: str | None,
    daily_dose: str | None,
    override_reason: str | None,
) -> OrderCreate:
    """The order typed into the form (empty fields are absent)."""
    return OrderCreate(
        patient_id=patient_id,
        protocol_id=protocol_id,
        step=read_optional_int(step, "step"),
        daily_dose=daily_dose or None,
        override_reason=override_reason or None,
    )


@router.get("/orders/new", response_class=HTMLResponse)
def new_order(
    request: Request, patient_id: QueryId, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """Order entry with live calculation."""
    detail = queries.get_patient(app.new_uow(), user.user_id, patient_id)
    protocols = [p for p in app.calculator.list_protocol_infos() if p.regimen_kind == "continuous"]
    return render(request, "order_new.html", app, user, detail=detail, protocols=protocols)


@router.get("/ui/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    app: ServicesDep,
    user: PageUser,
    patient_id: QueryId,
    protocol_id: str,
    step: str = "",
    daily_dose: str = "",
    override_reason: str = "",
) -> HTMLResponse:
    """The live calculation shown while an order is typed (an HTML fragment)."""
    try:
        body = _order_form(patient_id, protocol_id, step, daily_dose, override_reason)
        command = body.to_command(user.user_id)
        plan = queries.calculate_preview(
            app.new_uow(),
            user.user_id,
            patient_id=patient_id,
            protocol_id=protocol_id,
            step=command.step,
            daily_dose=command.daily_dose,
            override_reason=command.override_reason,
            calculator=app.calculator,
            now=app.now(),
        )
        return templates.TemplateResponse(request, "_preview.html", {"plan": plan.summary})
    except (AnakinraError, ValueError) as error:
        message = error.message if isinstance(error, AnakinraError) else str(error)
        return templates.TemplateResponse(request, "_preview.html", {"problem": message})


@router.post("/orders")
def create_order(
    app: ServicesDep,
    user: PageUser,
    patient_id: FormId,
    protocol_id: FormText,
    step: OptionalText = None,
    daily_dose: OptionalText = None,
    override_reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Sign an order."""

    def run() -> str:
        body = _order_form(patient_id, protocol_id, step, daily_dose, override_reason)
        view = services.prescribe(
            body.to_command(user.user_id), app.new_uow(), app.calculator, app.now()
        )
        return f"/orders/{view.id}"

    return run_action(user, csrf_token, f"/orders/new?patient_id={patient_id}", run)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_detail(
    request: Request, order_id: PathId, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """An order with the actions the user's roles allow."""
    order = queries.get_order(app.new_uow(), user.user_id, order_id)
    detail = queries.get_patient(app.new_uow(), user.user_id, order.patient_id)
    return render(
        request,
        "order.html",
        app,
        user,
        order=order,
        patient=detail.patient,
        events=ADMINISTRATION_EVENTS,
    )


@router.post("/orders/{order_id}/verify")
def verify(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    rate_mg_per_h: FormText,
    concentration_mg_per_ml: FormText,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Blind verification."""

    def run() -> None:
        body = VerifyCreate(
            rate_mg_per_h=rate_mg_per_h, concentration_mg_per_ml=concentration_mg_per_ml
        )
        services.verify_order(body.to_command(user.user_id, order_id), app.new_uow(), app.now())

    return run_action(user, csrf_token, f"/orders/{order_id}", run)


@router.post("/orders/{order_id}/dose")
def change_dose(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    step: OptionalText = None,
    daily_dose: OptionalText = None,
    override_reason: OptionalText = None,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Change the dose."""

    def run() -> None:
        body = DoseChange(
            step=read_optional_int(step, "step"),
            daily_dose=daily_dose or None,
            override_reason=override_reason or None,
            reason=reason or "",
        )
        services.change_dose(
            body.to_command(user.user_id, order_id), app.new_uow(), app.calculator, app.now()
        )

    return run_action(user, csrf_token, f"/orders/{order_id}", run)
