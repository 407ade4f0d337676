"""Ward pages: the board of open infusions and the nursing list, and the nursing actions (loading
dose, hang, rate change, pause, resume, bag change, and the stop with its reason and
confirmation) with the pump programme checked against the protocol's drug library."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.errors import InvalidInput
from anakinra_iv.web.deps import PageUser, PathId, ServicesDep
from anakinra_iv.web.routes._page import (
    FormText,
    OptionalText,
    read_local_time,
    read_optional_int,
    render,
    run_action,
)
from anakinra_iv.web.schemas import AdministrationCreate
from anakinra_iv.web.schemas._base import read_quantity
from anakinra_iv.workflow import services
from anakinra_iv.workflow.board import list_board
from anakinra_iv.workflow.commands import RecordAdministration, RecordLoadingDose
from anakinra_iv.workflow.scan_compliance import get_hang_overrides
from anakinra_iv.workflow.worklists import list_nursing

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def board(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The board of active infusions."""
    rows = list_board(app.new_uow(), user.user_id, app.now())
    overrides = get_hang_overrides(app.new_uow(), user.user_id, [r.order.id for r in rows])
    return render(request, "board.html", app, user, rows=rows, scan_overrides=overrides)


@router.get("/nursing", response_class=HTMLResponse)
def nursing(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The nursing list: infusions to start, running or to stop, with the next event."""
    rows = list_nursing(app.new_uow(), user.user_id, app.now())
    return render(request, "nursing.html", app, user, rows=rows)


@router.post("/orders/{order_id}/administrations")
def administer(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    event: FormText = "",
    bag_id: OptionalText = None,
    rate_mg_per_h: OptionalText = None,
    rate_ml_per_h: OptionalText = None,
    acknowledge_pump_alerts: OptionalText = None,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
    scanned_patient: OptionalText = None,
    scanned_bag: OptionalText = None,
    scan_override_reason: OptionalText = None,
) -> RedirectResponse:
    """A nursing event; a pump hard stop is refused, a soft alert needs the acknowledgement.
    A stop has its own form (reason and confirmation). A start or bag change needs the
    wristband and the bag label scanned (or an override reason)."""
    typed = {
        "event": event,
        "bag_id": bag_id,
        "rate_mg_per_h": rate_mg_per_h,
        "rate_ml_per_h": rate_ml_per_h,
        "reason": reason,
        "scanned_patient": scanned_patient,
        "scanned_bag": scanned_bag,
        "scan_override_reason": scan_override_reason,
    }

    def run() -> None:
        if not event:
            raise InvalidInput("'event' is missing: choose what you are recording", field="event")
        if event == "stop":
            raise InvalidInput(
                "'event': a stop is recorded with the stop form (reason and confirmation)",
                field="event",
            )
        body = AdministrationCreate(
            event=event,
            # The bag scanned is the bag in the nurse's hand: it is the one hung (the list
            # chooses the bag only when its label cannot be scanned).
            bag_id=None if (scanned_bag or "").strip() else read_optional_int(bag_id, "bag_id"),
            rate_mg_per_h=rate_mg_per_h or None,
            rate_ml_per_h=rate_ml_per_h or None,
            acknowledge_pump_alerts=bool(acknowledge_pump_alerts),
            reason=reason or None,
            scanned_patient=scanned_patient or None,
            scanned_bag=scanned_bag or None,
            scan_override_reason=scan_override_reason or None,
        )
        services.record_administration(
            body.to_command(user.user_id, order_id),
            app.new_uow(),
            app.now(),
            app.calculator,
            separate_hanging=app.settings.separate_hanging,
            require_scan=app.settings.require_scan,
        )

    done = f"Recorded: {event.replace('_', ' ')}." if event else "Recorded."
    return run_action(app, user, csrf_token, f"/orders/{order_id}", run, form=typed, done=done)


@router.post("/orders/{order_id}/stop")
def stop(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    reason: OptionalText = None,
    confirm_stop: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Stop the infusion for good: a reason and a confirmation are both needed."""

    def run() -> None:
        if not confirm_stop:
            raise InvalidInput(
                "'confirm_stop': tick the box to confirm that the infusion is stopped for good "
                "(a pause keeps the order)",
                field="confirm_stop",
            )
        services.record_administration(
            RecordAdministration(user.user_id, order_id, "stop", reason=reason or None),
            app.new_uow(),
            app.now(),
            app.calculator,
        )

    return run_action(
        app,
        user,
        csrf_token,
        f"/orders/{order_id}",
        run,
        form={"stop_reason": reason},
        done="Infusion stopped.",
    )


@router.post("/orders/{order_id}/loading-dose")
def loading_dose(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    dose_mg: OptionalText = None,
    syringe_lot: OptionalText = None,
    given_at: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Record the loading dose given by IV push."""
    typed = {"dose_mg": dose_mg, "syringe_lot": syringe_lot, "given_at": given_at}

    def run() -> None:
        dose = read_quantity(dose_mg or None, field="dose_mg", unit="mg")
        services.record_loading_dose(
            RecordLoadingDose(
                user.user_id,
                order_id,
                dose,
                syringe_lot or "",
                read_local_time(given_at, app, "given_at"),
            ),
            app.new_uow(),
            app.now(),
            separate_hanging=app.settings.separate_hanging,
        )

    return run_action(
        app,
        user,
        csrf_token,
        f"/orders/{order_id}",
        run,
        form=typed,
        done="Loading dose recorded.",
    )
