"""Server-rendered pages: board, patients, order entry, pharmacy, nursing, protocols, audit.

Forms post back with the session's CSRF token; after an action the browser is redirected
(post/redirect/get) with a message or the error, which names the field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from anakinra_iv.errors import AnakinraError, PermissionDenied
from anakinra_iv.protocol import list_protocols
from anakinra_iv.units import Q_, format_quantity
from anakinra_iv.web.deps import OptionalPageUser, PageUser, ServicesDep
from anakinra_iv.web.schemas import (
    AdministrationCreate,
    BagCheck,
    BagCreate,
    DoseChange,
    ObservationCreate,
    OrderCreate,
    PatientCreate,
    VerifyCreate,
)
from anakinra_iv.web.security import SESSION_COOKIE, TokenClaims, create_token, is_valid_csrf
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.services import ADMINISTRATION_EVENTS

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(files("anakinra_iv.web") / "templates"))

INTENDED_USE = (
    "Decision support for qualified clinicians. IV anakinra is off-label. Protocol values are "
    "templates: the institution reviews and approves each one before use."
)
FormText = Annotated[str, Form()]
OptionalText = Annotated[str | None, Form()]


def _fmt(value: float | None, unit: str, decimals: int = 2) -> str:
    return "—" if value is None else format_quantity(Q_(value, unit), unit, decimals)


templates.env.globals.update(fmt=_fmt, intended_use=INTENDED_USE)


def _render(
    request: Request, name: str, app: Any, user: TokenClaims | None, **context: Any
) -> HTMLResponse:
    me = None if user is None else queries.get_user(app.new_uow(), user.user_id)
    return templates.TemplateResponse(
        request,
        name,
        {
            "me": me,
            "roles": set(me.roles) if me else set(),
            "csrf": user.csrf if user else "",
            "message": request.query_params.get("msg"),
            "error": request.query_params.get("error"),
            "now": app.now(),
            **context,
        },
    )


def _act(
    user: TokenClaims, csrf_token: str | None, back: str, action: Callable[[], str | None]
) -> RedirectResponse:
    """Run a page action: check CSRF, call the service, redirect with its message or error."""
    sep = "&" if "?" in back else "?"
    if not is_valid_csrf(user.csrf, csrf_token):
        return RedirectResponse(f"{back}{sep}error={quote('form expired: reload the page')}", 303)
    try:
        target = action() or back
        return RedirectResponse(f"{target}{sep if target == back else '?'}msg=done", 303)
    except AnakinraError as error:
        return RedirectResponse(f"{back}{sep}error={quote(error.message)}", 303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, app: ServicesDep, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return _render(request, "login.html", app, None, next=next)


@router.post("/login")
def login(
    request: Request,
    app: ServicesDep,
    username: FormText,
    password: FormText,
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in and set the session cookie."""
    try:
        user = services.authenticate(
            username, password, app.new_uow(), app.hasher, app.policy, app.now()
        )
    except AnakinraError as error:
        page = _render(request, "login.html", app, None, next=next, login_error=error.message)
        page.status_code = 401
        return page
    token = create_token(
        app.settings.secret_key.get_secret_value(),
        user_id=user.id,
        username=user.username,
        kind="session",
        minutes=app.settings.session_minutes,
        now=app.now(),
    )
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=app.settings.cookie_secure,
        max_age=app.settings.session_minutes * 60,
    )
    return response


@router.post("/logout")
def logout(user: PageUser, csrf_token: OptionalText = None) -> RedirectResponse:
    """Sign out."""
    response = RedirectResponse("/login", status_code=303)
    if is_valid_csrf(user.csrf, csrf_token):
        response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def board(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The board of active infusions."""
    rows = queries.list_board(app.new_uow(), user.user_id, app.now())
    return _render(request, "board.html", app, user, rows=rows)


@router.get("/patients", response_class=HTMLResponse)
def patients(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Patient list and registration form."""
    found = queries.list_patients(app.new_uow(), user.user_id)
    return _render(request, "patients.html", app, user, patients=found)


@router.post("/patients")
def create_patient(
    app: ServicesDep,
    user: PageUser,
    mrn: FormText,
    name: FormText,
    birth_date: Annotated[date, Form()],
    sex: FormText,
    weight: FormText,
    creatinine: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Register a patient."""

    def run() -> str:
        body = PatientCreate(
            mrn=mrn,
            name=name,
            birth_date=birth_date,
            sex=sex,
            weight=weight,
            creatinine=creatinine or None,
        )
        view = services.create_patient(body.to_command(user.user_id), app.new_uow(), app.now())
        return f"/patients/{view.id}"

    return _act(user, csrf_token, "/patients", run)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_detail(
    request: Request, patient_id: int, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """A patient's timeline: labs, orders and segments, and the latest recommendation."""
    detail = queries.get_patient(app.new_uow(), user.user_id, patient_id)
    return _render(request, "patient.html", app, user, detail=detail)


@router.post("/patients/{patient_id}/observations")
def create_observation(
    patient_id: int,
    app: ServicesDep,
    user: PageUser,
    value: FormText,
    collected_at: FormText,
    code: OptionalText = None,
    name: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Record an observation."""

    def run() -> None:
        body = ObservationCreate.model_validate(
            {
                "code": code or None,
                "name": name or None,
                "value": value,
                "collected_at": collected_at
                if "+" in collected_at or collected_at.endswith("Z")
                else collected_at + "Z",
            }
        )
        services.record_observation(
            body.to_command(user.user_id, patient_id), app.new_uow(), app.now()
        )

    return _act(user, csrf_token, f"/patients/{patient_id}", run)


@router.get("/orders/new", response_class=HTMLResponse)
def new_order(request: Request, patient_id: int, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Order entry with live calculation."""
    detail = queries.get_patient(app.new_uow(), user.user_id, patient_id)
    protocols = [p for p in app.calculator.list_protocol_infos() if p.regimen_kind == "continuous"]
    return _render(request, "order_new.html", app, user, detail=detail, protocols=protocols)


@router.get("/ui/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    app: ServicesDep,
    user: PageUser,
    patient_id: int,
    protocol_id: str,
    step: str = "",
    daily_dose: str = "",
    override_reason: str = "",
) -> HTMLResponse:
    """The live calculation shown while an order is typed (an HTML fragment)."""
    try:
        body = OrderCreate(
            patient_id=patient_id,
            protocol_id=protocol_id,
            step=int(step) if step.strip() else None,
            daily_dose=daily_dose or None,
            override_reason=override_reason or None,
        )
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
    patient_id: Annotated[int, Form()],
    protocol_id: FormText,
    step: OptionalText = None,
    daily_dose: OptionalText = None,
    override_reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Sign an order."""

    def run() -> str:
        body = OrderCreate(
            patient_id=patient_id,
            protocol_id=protocol_id,
            step=int(step) if step and step.strip() else None,
            daily_dose=daily_dose or None,
            override_reason=override_reason or None,
        )
        view = services.prescribe(
            body.to_command(user.user_id), app.new_uow(), app.calculator, app.now()
        )
        return f"/orders/{view.id}"

    return _act(user, csrf_token, f"/orders/new?patient_id={patient_id}", run)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_detail(request: Request, order_id: int, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """An order with the actions the user's roles allow."""
    order = queries.get_order(app.new_uow(), user.user_id, order_id)
    detail = queries.get_patient(app.new_uow(), user.user_id, order.patient_id)
    return _render(
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
    order_id: int,
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

    return _act(user, csrf_token, f"/orders/{order_id}", run)


@router.post("/orders/{order_id}/dose")
def change_dose(
    order_id: int,
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
            step=int(step) if step and step.strip() else None,
            daily_dose=daily_dose or None,
            override_reason=override_reason or None,
            reason=reason or "",
        )
        services.change_dose(
            body.to_command(user.user_id, order_id), app.new_uow(), app.calculator, app.now()
        )

    return _act(user, csrf_token, f"/orders/{order_id}", run)


@router.post("/orders/{order_id}/bags")
def prepare_bag(
    order_id: int,
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

    return _act(user, csrf_token, f"/orders/{order_id}", run)


@router.post("/bags/{bag_id}/check")
def check_bag(
    bag_id: int,
    app: ServicesDep,
    user: PageUser,
    order_id: Annotated[int, Form()],
    concentration_mg_per_ml: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Second check of a bag."""

    def run() -> None:
        body = BagCheck(concentration_mg_per_ml=concentration_mg_per_ml or None)
        services.check_bag(body.to_command(user.user_id, bag_id), app.new_uow(), app.now())

    return _act(user, csrf_token, f"/orders/{order_id}", run)


@router.post("/orders/{order_id}/administrations")
def administer(
    order_id: int,
    app: ServicesDep,
    user: PageUser,
    event: FormText,
    bag_id: OptionalText = None,
    rate_mg_per_h: OptionalText = None,
    reason: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """A nursing event."""

    def run() -> None:
        body = AdministrationCreate(
            event=event,
            bag_id=int(bag_id) if bag_id and bag_id.strip() else None,
            rate_mg_per_h=rate_mg_per_h or None,
            reason=reason or None,
        )
        services.record_administration(
            body.to_command(user.user_id, order_id), app.new_uow(), app.now()
        )

    return _act(user, csrf_token, f"/orders/{order_id}", run)


@router.get("/bags/{bag_id}/label", response_class=HTMLResponse)
def bag_label(request: Request, bag_id: int, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The printable label of a bag."""
    bag, lines = queries.get_bag_label(app.new_uow(), user.user_id, bag_id, app.calculator)
    return _render(request, "label.html", app, user, bag=bag, lines=lines)


@router.get("/pharmacy", response_class=HTMLResponse)
def pharmacy(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """The pharmacy queue."""
    queue = queries.list_pharmacy_queue(app.new_uow(), user.user_id)
    return _render(request, "pharmacy.html", app, user, queue=queue)


@router.get("/nursing", response_class=HTMLResponse)
def nursing(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Infusions to hang or running, with the pump programme to key in."""
    rows = queries.list_board(app.new_uow(), user.user_id, app.now())
    return _render(request, "nursing.html", app, user, rows=rows)


@router.get("/protocols", response_class=HTMLResponse)
def protocols(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Protocols with the status and source of every value, and their approvals."""
    approvals = queries.list_approvals(app.new_uow(), user.user_id)
    return _render(
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
    from anakinra_iv.workflow.commands import ApproveProtocol

    def run() -> None:
        services.approve_protocol(
            ApproveProtocol(user.user_id, protocol_id, version, note),
            app.new_uow(),
            app.calculator,
            app.now(),
        )

    return _act(user, csrf_token, "/protocols", run)


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request, app: ServicesDep, user: PageUser, before_seq: int | None = None
) -> HTMLResponse:
    """The audit trail with the result of the chain check (admin)."""
    try:
        events = queries.list_audit_events(
            app.new_uow(), user.user_id, limit=100, before_seq=before_seq
        )
    except PermissionDenied as error:
        response = _render(request, "denied.html", app, user, reason=error.message)
        response.status_code = 403
        return response
    report = queries.verify_audit_chain(app.new_uow())
    return _render(request, "audit.html", app, user, events=events, report=report)


@router.get("/favicon.ico", include_in_schema=False)
def favicon(user: OptionalPageUser) -> Response:
    """No icon."""
    return Response(status_code=204)
