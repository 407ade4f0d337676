"""Order pages: entry with live calculation and the renal decision, an order with the actions
the user's roles allow (blind verification, reject or query, dose change, cancel, discontinue)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.errors import AnakinraError
from anakinra_iv.reports.time_to_drug import STEP_LABELS
from anakinra_iv.web.deps import PageUser, PathId, QueryId, ServicesDep
from anakinra_iv.web.routes._page import (
    FormText,
    OptionalText,
    describe_for_page,
    list_order_protocols,
    read_optional_int,
    render,
    run_action,
    templates,
)
from anakinra_iv.web.schemas import DoseChange, OrderCreate, VerifyCreate
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.commands import CancelOrder, Discontinue, QueryOrder, RejectOrder
from anakinra_iv.workflow.time_to_drug import get_order_timing
from anakinra_iv.workflow.worklists import get_allowed_events, suggest_next_event

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _order_form(
    patient_id: int,
    protocol_id: str,
    step: str | None,
    daily_dose: str | None,
    override_reason: str | None,
    renal_decision: str | None = None,
    renal_reason: str | None = None,
) -> OrderCreate:
    """The order typed into the form (empty fields are absent)."""
    return OrderCreate.model_validate(
        {
            "patient_id": patient_id,
            "protocol_id": protocol_id,
            "step": read_optional_int(step, "step"),
            "daily_dose": daily_dose or None,
            "override_reason": override_reason or None,
            "renal_decision": renal_decision or None,
            "renal_reason": renal_reason or None,
        }
    )


def _renal_preview(app: Any, user_id: int, patient_id: int, protocol_id: str) -> dict[str, Any]:
    """The renal rule as it stands for this patient (at the protocol's first step), or {}."""
    try:
        plan = queries.calculate_preview(
            app.new_uow(),
            user_id,
            patient_id=patient_id,
            protocol_id=protocol_id,
            step=None,
            daily_dose=None,
            override_reason=None,
            calculator=app.calculator,
            now=app.now(),
        )
    except AnakinraError:
        return {}
    renal = plan.summary.get("renal_adjustment")
    return {"renal": renal, "crcl": plan.summary.get("crcl_ml_per_min")} if renal else {}


@router.get("/orders/new", response_class=HTMLResponse)
def new_order(
    request: Request,
    patient_id: QueryId,
    app: ServicesDep,
    user: PageUser,
    from_order: QueryId | None = None,
) -> HTMLResponse:
    """Order entry with live calculation; ``from_order`` fills it from an earlier order."""
    detail = queries.get_patient(app.new_uow(), user.user_id, patient_id)
    protocols = list_order_protocols(app)
    earlier = None
    if from_order is not None:
        earlier = queries.get_order(app.new_uow(), user.user_id, from_order)
    chosen = earlier.protocol_id if earlier else (protocols[0].protocol_id if protocols else "")
    return render(
        request,
        "order_new.html",
        app,
        user,
        detail=detail,
        protocols=protocols,
        earlier=earlier,
        renal=_renal_preview(app, user.user_id, patient_id, chosen),
    )


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
    renal_decision: str = "",
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
            apply_renal_adjustment=renal_decision == "apply",
        )
        return templates.TemplateResponse(
            request, "_preview.html", {"plan": plan.summary, "renal_decision": renal_decision}
        )
    except (AnakinraError, ValueError) as error:
        if isinstance(error, AnakinraError):
            message = "; ".join(text for text, _ in describe_for_page(error))
        else:
            message = str(error)
        return templates.TemplateResponse(request, "_preview.html", {"problem": message})


@router.post("/orders")
def create_order(
    app: ServicesDep,
    user: PageUser,
    patient_id: FormText,
    protocol_id: FormText,
    step: OptionalText = None,
    daily_dose: OptionalText = None,
    override_reason: OptionalText = None,
    renal_decision: OptionalText = None,
    renal_reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Sign an order."""
    typed = {
        "protocol_id": protocol_id,
        "step": step,
        "daily_dose": daily_dose,
        "override_reason": override_reason,
        "renal_decision": renal_decision,
        "renal_reason": renal_reason,
    }

    def run() -> str:
        patient = read_optional_int(patient_id, "patient_id") or 0
        body = _order_form(
            patient, protocol_id, step, daily_dose, override_reason, renal_decision, renal_reason
        )
        view = services.prescribe(
            body.to_command(user.user_id), app.new_uow(), app.calculator, app.now()
        )
        return f"/orders/{view.id}"

    back = f"/orders/new?patient_id={patient_id}"
    return run_action(app, user, csrf_token, back, run, form=typed, done="Order signed.")


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_detail(
    request: Request, order_id: PathId, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """An order with the actions the user's roles allow."""
    order = queries.get_order(app.new_uow(), user.user_id, order_id)
    detail = queries.get_patient(app.new_uow(), user.user_id, order.patient_id)
    renal = {}
    if "prescriber" in set(queries.get_user(app.new_uow(), user.user_id).roles):
        renal = _renal_preview(app, user.user_id, order.patient_id, order.protocol_id)
    return render(
        request,
        "order.html",
        app,
        user,
        order=order,
        patient=detail.patient,
        events=get_allowed_events(order),
        next_event=suggest_next_event(order),
        renal=renal,
        timing=get_order_timing(app.new_uow(), user.user_id, order_id, app.now()),
        ttd_labels=STEP_LABELS,
    )


@router.post("/orders/{order_id}/verify")
def verify(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    rate_mg_per_h: FormText = "",
    concentration_mg_per_ml: FormText = "",
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Blind verification."""

    def run() -> None:
        body = VerifyCreate(
            rate_mg_per_h=rate_mg_per_h, concentration_mg_per_ml=concentration_mg_per_ml
        )
        services.verify_order(body.to_command(user.user_id, order_id), app.new_uow(), app.now())

    return run_action(
        app, user, csrf_token, f"/orders/{order_id}", run, done="Verified: your values match."
    )


@router.post("/orders/{order_id}/dose")
def change_dose(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    step: OptionalText = None,
    daily_dose: OptionalText = None,
    override_reason: OptionalText = None,
    reason: OptionalText = None,
    renal_decision: OptionalText = None,
    renal_reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Change the dose (or answer a pharmacist's query with a new dose)."""
    typed = {
        "step": step,
        "daily_dose": daily_dose,
        "override_reason": override_reason,
        "reason": reason,
        "renal_decision": renal_decision,
        "renal_reason": renal_reason,
    }

    def run() -> None:
        body = DoseChange.model_validate(
            {
                "step": read_optional_int(step, "step"),
                "daily_dose": daily_dose or None,
                "override_reason": override_reason or None,
                "reason": reason or "",
                "renal_decision": renal_decision or None,
                "renal_reason": renal_reason or None,
            }
        )
        services.change_dose(
            body.to_command(user.user_id, order_id), app.new_uow(), app.calculator, app.now()
        )

    return run_action(
        app,
        user,
        csrf_token,
        f"/orders/{order_id}",
        run,
        form=typed,
        done="Dose changed: it awaits the pharmacist's verification.",
    )


def _status_action(
    app: ServicesDep,
    user: PageUser,
    order_id: int,
    action: str,
    reason: str | None,
    csrf_token: str | None,
) -> RedirectResponse:
    command_type, service, done = _STATUS_ACTIONS[action]

    def run() -> None:
        command = command_type(user.user_id, order_id, reason or "")
        service(command, app.new_uow(), app.now())  # type: ignore[operator]

    return run_action(
        app,
        user,
        csrf_token,
        f"/orders/{order_id}",
        run,
        form={f"{action}_reason": reason},
        done=done,
    )


_STATUS_ACTIONS = {
    "reject": (RejectOrder, services.reject_order, "Order rejected back to the prescriber."),
    "query": (QueryOrder, services.query_order, "Order queried back to the prescriber."),
    "cancel": (CancelOrder, services.cancel_order, "Order cancelled."),
    "discontinue": (Discontinue, services.discontinue_order, "Order discontinued."),
}


@router.post("/orders/{order_id}/reject")
def reject(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Reject an unverified order back to the prescriber (pharmacist), with the reason."""
    return _status_action(app, user, order_id, "reject", reason, csrf_token)


@router.post("/orders/{order_id}/query")
def query(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Query an unverified order back to the prescriber (pharmacist), with the reason."""
    return _status_action(app, user, order_id, "query", reason, csrf_token)


@router.post("/orders/{order_id}/cancel")
def cancel(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Cancel an order that never ran (prescriber), with the reason."""
    return _status_action(app, user, order_id, "cancel", reason, csrf_token)


@router.post("/orders/{order_id}/discontinue")
def discontinue(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Discontinue a running order (prescriber), with the reason."""
    return _status_action(app, user, order_id, "discontinue", reason, csrf_token)
