"""The REST API. Each route reads its body into a command and calls one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import JSONResponse

from anakinra_iv.web.deps import ClientAddress, CurrentUser, PathId, ServicesDep, UowDep
from anakinra_iv.web.errors import ERROR_RESPONSES
from anakinra_iv.web.health import probe_database
from anakinra_iv.web.schemas import (
    AdministrationCreate,
    AlertPublic,
    AlertResolve,
    AuditEventPublic,
    BagCheck,
    BagCreate,
    BagPublic,
    DoseChange,
    HealthPublic,
    LoadingDoseCreate,
    ObservationCreate,
    ObservationPublic,
    OrderCreate,
    OrderPublic,
    PatientCreate,
    PatientPublic,
    ReasonCreate,
    RecommendationCreate,
    RecommendationPublic,
    TokenPublic,
    VerifyCreate,
)
from anakinra_iv.web.schemas._base import MAX_RECORD_ID, PRINTABLE
from anakinra_iv.web.security import create_token
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.commands import (
    CancelOrder,
    Discontinue,
    QueryOrder,
    RejectOrder,
    RequestRecommendation,
    ResolveAlert,
)

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


@router.post("/auth/token", tags=["auth"])
def create_access_token(
    username: Annotated[str, Form(max_length=64, pattern=PRINTABLE)],
    password: Annotated[str, Form(max_length=1000)],
    app: ServicesDep,
    uow: UowDep,
    client: ClientAddress,
) -> TokenPublic:
    """Sign in with user name and password; returns a bearer token."""
    user = services.authenticate(
        username, password, uow, app.hasher, app.policy, app.now(), client=client
    )
    token = create_token(
        app.settings.secret_key.get_secret_value(),
        user_id=user.id,
        username=user.username,
        kind="access",
        minutes=app.settings.access_token_minutes,
        now=app.now(),
        version=user.token_version,
    )
    return TokenPublic(access_token=token)


@router.get("/health", tags=["health"], responses={503: {"model": HealthPublic}})
def get_health(app: ServicesDep) -> JSONResponse:
    """Service and database status: 200, or 503 when the database does not answer in time."""
    probe = probe_database(app)
    body = HealthPublic(
        status="ok" if probe.ok else "degraded", database=probe.detail, database_ok=probe.ok
    )
    return JSONResponse(body.model_dump(), status_code=200 if probe.ok else 503)


@router.get("/ready", tags=["health"], responses={503: {"model": HealthPublic}})
def get_readiness(app: ServicesDep) -> JSONResponse:
    """Readiness for a load balancer: 200 when the database answers in time and its schema is
    current; 503 (with Retry-After) otherwise."""
    probe = probe_database(app, readiness=True)
    ready = probe.ok and probe.schema_current
    body = HealthPublic(
        status="ready" if ready else "not_ready", database=probe.detail, database_ok=probe.ok
    )
    headers = None if ready else {"Retry-After": "5"}
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503, headers=headers)


@router.post("/patients", status_code=201, tags=["patients"])
def create_patient(body: PatientCreate, user: CurrentUser, app: ServicesDep) -> PatientPublic:
    """Register a patient with weight (and creatinine)."""
    view = services.create_patient(body.to_command(user.user_id), app.new_uow(), app.now())
    return PatientPublic.from_view(view)


@router.get("/patients/{patient_id}", tags=["patients"])
def get_patient(patient_id: PathId, user: CurrentUser, uow: UowDep) -> PatientPublic:
    """A patient with observations."""
    return PatientPublic.from_view(queries.get_patient(uow, user.user_id, patient_id).patient)


@router.post("/patients/{patient_id}/observations", status_code=201, tags=["patients"])
def create_observation(
    patient_id: PathId, body: ObservationCreate, user: CurrentUser, app: ServicesDep
) -> ObservationPublic:
    """Record a laboratory value or vital sign."""
    command = body.to_command(user.user_id, patient_id)
    return ObservationPublic.from_view(
        services.record_observation(command, app.new_uow(), app.now())
    )


@router.post("/patients/{patient_id}/recommendations", status_code=201, tags=["patients"])
def create_recommendation(
    patient_id: PathId,
    user: CurrentUser,
    app: ServicesDep,
    body: RecommendationCreate | None = None,
) -> RecommendationPublic:
    """The protocol's recommendation from the stored observations, stored as shown
    (prescriber)."""
    command = RequestRecommendation(
        user.user_id, patient_id, None if body is None else body.protocol_id
    )
    view = services.request_recommendation(command, app.new_uow(), app.calculator, app.now())
    return RecommendationPublic.from_view(view)


@router.post("/orders", status_code=201, tags=["orders"])
def create_order(body: OrderCreate, user: CurrentUser, app: ServicesDep) -> OrderPublic:
    """Order a continuous infusion (prescriber)."""
    view = services.prescribe(
        body.to_command(user.user_id), app.new_uow(), app.calculator, app.now()
    )
    return OrderPublic.from_view(view)


@router.get("/orders/{order_id}", tags=["orders"])
def get_order(order_id: PathId, user: CurrentUser, uow: UowDep) -> OrderPublic:
    """An order's current state, segments and bags."""
    return OrderPublic.from_view(queries.get_order(uow, user.user_id, order_id))


@router.post("/orders/{order_id}/dose", tags=["orders"])
def change_dose(
    order_id: PathId, body: DoseChange, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Change the dose (prescriber); the order then needs a fresh verification."""
    command = body.to_command(user.user_id, order_id)
    return OrderPublic.from_view(
        services.change_dose(command, app.new_uow(), app.calculator, app.now())
    )


@router.post("/orders/{order_id}/cancel", tags=["orders"])
def cancel_order(
    order_id: PathId, body: ReasonCreate, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Cancel an order that never ran (prescriber), with the reason."""
    command = CancelOrder(user.user_id, order_id, body.reason)
    return OrderPublic.from_view(services.cancel_order(command, app.new_uow(), app.now()))


@router.post("/orders/{order_id}/discontinue", tags=["orders"])
def discontinue_order(
    order_id: PathId, body: ReasonCreate, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Discontinue a running order (prescriber), with the reason; the nurse then records the
    stop of a pump still running."""
    command = Discontinue(user.user_id, order_id, body.reason)
    return OrderPublic.from_view(services.discontinue_order(command, app.new_uow(), app.now()))


@router.post("/orders/{order_id}/verify", tags=["pharmacy"])
def verify_order(
    order_id: PathId, body: VerifyCreate, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Blind verification (a pharmacist who neither ordered it nor changed its dose); a
    mismatch answers only "does not match", and after the site's attempt limit the order is
    locked for that pharmacist (403 ``check_locked``) and the pharmacy lead alerted."""
    command = body.to_command(user.user_id, order_id)
    return OrderPublic.from_view(services.verify_order(command, app.new_uow(), app.now()))


@router.post("/orders/{order_id}/reject", tags=["pharmacy"])
def reject_order(
    order_id: PathId, body: ReasonCreate, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Reject an unverified order back to the prescriber (pharmacist), with the reason; the
    order is closed."""
    command = RejectOrder(user.user_id, order_id, body.reason)
    return OrderPublic.from_view(services.reject_order(command, app.new_uow(), app.now()))


@router.post("/orders/{order_id}/query", tags=["pharmacy"])
def query_order(
    order_id: PathId, body: ReasonCreate, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Query an unverified order back to the prescriber (pharmacist), who changes the dose or
    cancels it."""
    command = QueryOrder(user.user_id, order_id, body.reason)
    return OrderPublic.from_view(services.query_order(command, app.new_uow(), app.now()))


@router.post("/orders/{order_id}/loading-dose", status_code=201, tags=["nursing"])
def create_loading_dose(
    order_id: PathId, body: LoadingDoseCreate, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Record the loading dose given by IV push: dose, time, syringe lot (nurse)."""
    command = body.to_command(user.user_id, order_id)
    view = services.record_loading_dose(
        command, app.new_uow(), app.now(), separate_hanging=app.settings.separate_hanging
    )
    return OrderPublic.from_view(view)


@router.post("/orders/{order_id}/bags", status_code=201, tags=["pharmacy"])
def create_bag(order_id: PathId, body: BagCreate, user: CurrentUser, app: ServicesDep) -> BagPublic:
    """Record a compounded bag (pharmacist)."""
    command = body.to_command(user.user_id, order_id, app.now())
    return BagPublic.from_view(
        services.prepare_bag(command, app.new_uow(), app.calculator, app.now())
    )


@router.post("/bags/{bag_id}/check", tags=["pharmacy"])
def check_bag(bag_id: PathId, body: BagCheck, user: CurrentUser, app: ServicesDep) -> BagPublic:
    """Blind second check of a bag (a pharmacist other than the preparer): the drug amount,
    final volume and lots read off the bag; a mismatch answers only "does not match"."""
    command = body.to_command(user.user_id, bag_id)
    return BagPublic.from_view(services.check_bag(command, app.new_uow(), app.now()))


@router.post("/orders/{order_id}/administrations", status_code=201, tags=["nursing"])
def create_administration(
    order_id: PathId, body: AdministrationCreate, user: CurrentUser, app: ServicesDep
) -> OrderPublic:
    """Record start, rate change, pause, resume, bag change or stop (nurse)."""
    command = body.to_command(user.user_id, order_id)
    view = services.record_administration(
        command,
        app.new_uow(),
        app.now(),
        app.calculator,
        separate_hanging=app.settings.separate_hanging,
        require_scan=app.settings.require_scan,
    )
    return OrderPublic.from_view(view)


@router.get("/alerts", tags=["pharmacy"])
def list_alerts(user: CurrentUser, uow: UowDep) -> list[AlertPublic]:
    """Open alerts for the pharmacy lead (locked checks), oldest first."""
    return [AlertPublic.from_view(a) for a in queries.list_open_alerts(uow, user.user_id)]


@router.post("/alerts/{alert_id}/resolve", tags=["pharmacy"])
def resolve_alert(
    alert_id: PathId, body: AlertResolve, user: CurrentUser, app: ServicesDep
) -> AlertPublic:
    """Resolve an alert (pharmacy lead), lifting the lock it records."""
    command = ResolveAlert(user.user_id, alert_id, body.note)
    return AlertPublic.from_view(services.resolve_alert(command, app.new_uow(), app.now()))


@router.get("/audit", tags=["audit"])
def list_audit(
    user: CurrentUser,
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
    entity_type: Annotated[str | None, Query(max_length=64, pattern=PRINTABLE)] = None,
    entity_id: Annotated[str | None, Query(max_length=64, pattern=PRINTABLE)] = None,
) -> list[AuditEventPublic]:
    """Audit events, newest first (admin)."""
    events = queries.list_audit_events(
        uow,
        user.user_id,
        limit=limit,
        before_seq=before_seq,
        entity_type=entity_type,
        entity_id=entity_id,
    )
    return [AuditEventPublic.from_view(e) for e in events]
