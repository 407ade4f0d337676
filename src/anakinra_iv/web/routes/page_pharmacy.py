"""Pharmacy pages: the worklist (alerts, queue, production schedule), the compounding worksheet
and the bag it records, the blind second check, the printable label, and the pharmacy lead's
resolution of an alert."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList, UnknownItem
from anakinra_iv.web.deps import PageUser, PathId, ServicesDep
from anakinra_iv.web.routes._page import OptionalText, render, run_action
from anakinra_iv.web.routes.page_scan import create_bag_code_context
from anakinra_iv.web.schemas._base import collect, read_quantity
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.commands import CheckBag, PrepareBag, ResolveAlert, SyringeEntry
from anakinra_iv.workflow.printouts import get_bag_label_data, get_bag_worksheet, get_worksheet
from anakinra_iv.workflow.worklists import list_pharmacy_worklist

__all__ = ["LABEL_SIZES", "router"]

router = APIRouter(include_in_schema=False)
TextList = Annotated[list[str], Form()]

LABEL_SIZES = ("4x3", "a4")
"""Label print layouts: a 4 x 3 inch label and an A4 sheet."""


@router.get("/pharmacy", response_class=HTMLResponse)
def pharmacy(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The pharmacy worklist."""
    worklist = list_pharmacy_worklist(app.new_uow(), user.user_id, app.now())
    return render(request, "pharmacy.html", app, user, worklist=worklist)


@router.get("/orders/{order_id}/worksheet", response_class=HTMLResponse)
def worksheet(request: Request, order_id: PathId, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The compounding worksheet of a bag made now, with the form that records it."""
    sheet = get_worksheet(
        app.new_uow(), user.user_id, order_id, app.calculator, app.now(), app.zone
    )
    return render(request, "worksheet.html", app, user, sheet=sheet)


@router.get("/bags/{bag_id}/worksheet", response_class=HTMLResponse)
def bag_worksheet(
    request: Request, bag_id: PathId, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """The worksheet a bag was made with, and its syringes as recorded."""
    order_id = queries.find_bag_order_id(app.new_uow(), user.user_id, bag_id)
    order = queries.get_order(app.new_uow(), user.user_id, order_id)
    shown = next(b for b in order.bags if b.id == bag_id)
    if shown.contents_hidden:
        return render(request, "bag_check.html", app, user, bag=shown, order=order, hidden=True)
    sheet = get_bag_worksheet(app.new_uow(), user.user_id, bag_id, app.zone)
    return render(request, "worksheet.html", app, user, sheet=sheet)


def _read_expiry(text: str, number: int) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"'syringes': syringe {number} expiry must be a date such as 2027-05-31 (got '{text}')",
            field="syringes",
            value=text,
        ) from None


@router.post("/orders/{order_id}/bags")
def prepare_bag(
    order_id: PathId,
    app: ServicesDep,
    user: PageUser,
    syringe_lots: OptionalText = None,
    syringe_lot: TextList = [],  # noqa: B006 - FastAPI reads repeated fields into a new list
    syringe_expiry: TextList = [],  # noqa: B006
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Record a compounded bag: one lot and expiry per syringe from the worksheet, or the lots
    used listed once each."""
    typed = {"syringe_lots": syringe_lots} | {
        f"syringe_lot_{i}": lot for i, lot in enumerate(syringe_lot, start=1)
    }
    typed |= {f"syringe_expiry_{i}": e for i, e in enumerate(syringe_expiry, start=1)}
    back = f"/orders/{order_id}/worksheet" if syringe_lot else f"/orders/{order_id}"

    def run() -> str:
        entries = tuple(
            SyringeEntry(lot, _read_expiry(expiry, number))
            for number, (lot, expiry) in enumerate(
                zip(syringe_lot, syringe_expiry + [""] * len(syringe_lot), strict=False), start=1
            )
        )
        lots = tuple(
            lot.strip() for lot in (syringe_lots or "").replace(";", ",").split(",") if lot.strip()
        )
        view = services.prepare_bag(
            PrepareBag(user.user_id, order_id, app.now(), lots, entries),
            app.new_uow(),
            app.calculator,
            app.now(),
        )
        return f"/orders/{order_id}#bag-{view.id}"

    return run_action(app, user, csrf_token, back, run, form=typed, done="Bag recorded.")


@router.get("/bags/{bag_id}/check", response_class=HTMLResponse)
def bag_check_page(
    request: Request, bag_id: PathId, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """The blind second check: what is read off the bag, nothing shown to compare with."""
    order_id = queries.find_bag_order_id(app.new_uow(), user.user_id, bag_id)
    order = queries.get_order(app.new_uow(), user.user_id, order_id)
    bag = next(b for b in order.bags if b.id == bag_id)
    return render(request, "bag_check.html", app, user, bag=bag, order=order, hidden=False)


@router.post("/bags/{bag_id}/check")
def check_bag(
    bag_id: PathId,
    app: ServicesDep,
    user: PageUser,
    drug_amount_mg: OptionalText = None,
    final_volume_ml: OptionalText = None,
    syringe_lots: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """The blind second check of a bag."""
    typed = {
        "drug_amount_mg": drug_amount_mg,
        "final_volume_ml": final_volume_ml,
        "syringe_lots": syringe_lots,
    }

    def run() -> str:
        problems: list[AnakinraError] = []
        amount = collect(
            problems,
            lambda: read_quantity(drug_amount_mg or None, field="drug_amount_mg", unit="mg"),
        )
        volume = collect(
            problems,
            lambda: read_quantity(final_volume_ml or None, field="final_volume_ml", unit="mL"),
        )
        ProblemList.raise_if_any(problems)
        lots = tuple(
            lot.strip() for lot in (syringe_lots or "").replace(";", ",").split(",") if lot.strip()
        )
        view = services.check_bag(
            CheckBag(user.user_id, bag_id, amount, volume, lots), app.new_uow(), app.now()
        )
        return f"/orders/{view.order_id}#bag-{view.id}"

    return run_action(
        app,
        user,
        csrf_token,
        f"/bags/{bag_id}/check",
        run,
        form=typed,
        done="Second check passed: the bag matches its record.",
    )


@router.get("/bags/{bag_id}/label", response_class=HTMLResponse)
def bag_label(
    request: Request, bag_id: PathId, app: ServicesDep, user: PageUser, size: str = "4x3"
) -> HTMLResponse:
    """The printable label of a bag (``size`` 4x3 for a 4 x 3 inch label, or a4)."""
    if size not in LABEL_SIZES:
        raise UnknownItem(
            f"'size' must be one of {', '.join(LABEL_SIZES)} (got '{size}')",
            field="size",
            value=size,
        )
    label = get_bag_label_data(app.new_uow(), user.user_id, bag_id)
    code = create_bag_code_context(bag_id, app)
    return render(
        request, "label.html", app, user, label=label, size=size, sizes=LABEL_SIZES, **code
    )


@router.post("/alerts/{alert_id}/resolve")
def resolve(
    alert_id: PathId,
    app: ServicesDep,
    user: PageUser,
    note: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """The pharmacy lead resolves an alert (the lock it records is lifted)."""

    def run() -> None:
        services.resolve_alert(
            ResolveAlert(user.user_id, alert_id, note or ""), app.new_uow(), app.now()
        )

    return run_action(
        app, user, csrf_token, "/pharmacy", run, form={"note": note}, done="Alert resolved."
    )
