"""Read-side queries for the API and the pages: each opens its own unit of work."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import text

from anakinra_iv.errors import PermissionDenied, UnknownItem
from anakinra_iv.records.audit import AuditChainReport
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork, UnitOfWork
from anakinra_iv.units import Quantity
from anakinra_iv.workflow.blinding import Blinding, read_blinding
from anakinra_iv.workflow.lifecycle import OrderStatus
from anakinra_iv.workflow.ports import DoseCalculator, LabelBag, PlanResult
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import (
    build_order_view,
    load_actor,
    lookup_names,
    read_loading_doses,
)
from anakinra_iv.workflow.services.orders import build_plan_request, read_plan_request
from anakinra_iv.workflow.services.pharmacy import BagStatus
from anakinra_iv.workflow.views import (
    AlertView,
    ApprovalView,
    AuditEventView,
    BagView,
    ObservationView,
    OrderView,
    PatientView,
    RecommendationView,
    UserView,
)

__all__ = [
    "RECORD_KINDS",
    "PatientDetail",
    "PharmacyQueue",
    "calculate_preview",
    "check_database",
    "find_bag_order_id",
    "find_patient_id",
    "get_bag_label",
    "get_order",
    "get_patient",
    "get_user",
    "list_approvals",
    "list_audit_events",
    "list_open_alerts",
    "list_patients",
    "list_pharmacy_queue",
    "list_users",
    "present_detail",
    "read_patient_detail",
    "read_patient_view",
    "verify_audit_chain",
    "withhold_blinded",
]

RECORD_KINDS = ("patient", "observation", "assessment", "order", "bag")
"""The stored records whose patient :func:`find_patient_id` finds."""


@dataclass(frozen=True)
class PatientDetail:
    """A patient with orders and recommendations, newest first.

    ``withheld`` counts the orders left out of this copy because the reader may not yet see
    what was computed from them (see :func:`withhold_blinded`).
    """

    patient: PatientView
    orders: tuple[OrderView, ...]
    recommendations: tuple[RecommendationView, ...]
    withheld: int = 0

    @property
    def has_blinded_orders(self) -> bool:
        """True when an order of this copy is shown blinded (or was withheld)."""
        return self.withheld > 0 or any(o.blinded for o in self.orders)


def _visible_recommendations(
    detail: PatientDetail, hidden_orders: set[int]
) -> tuple[RecommendationView, ...]:
    """Recommendations a blinded reader may see: none of the hidden orders' dose plans and, while
    any order is hidden, no review advice (it carries the dose plans it suggests)."""
    if not hidden_orders:
        return detail.recommendations
    return tuple(
        r
        for r in detail.recommendations
        if r.order_id is not None and r.order_id not in hidden_orders
    )


def present_detail(detail: PatientDetail, blinding: Blinding) -> PatientDetail:
    """The record as a person may see it on a page: orders whose figures are hidden from them
    blinded, bags awaiting their check without contents, and no recommendation that would give
    the hidden figures away."""
    orders = tuple(blinding.present(o) for o in detail.orders)
    hidden = {o.id for o in orders if o.blinded}
    return replace(detail, orders=orders, recommendations=_visible_recommendations(detail, hidden))


def withhold_blinded(detail: PatientDetail, blinding: Blinding) -> PatientDetail:
    """The record for a report or an export: orders whose figures are hidden from the reader
    (or with a bag whose contents are) are left out (and counted in ``withheld``), with the
    recommendations that would show them."""
    hidden = {o.id for o in detail.orders if blinding.present(o) != o}
    if not hidden:
        return detail
    return replace(
        detail,
        orders=tuple(o for o in detail.orders if o.id not in hidden),
        recommendations=_visible_recommendations(detail, hidden),
        withheld=len(hidden),
    )


@dataclass(frozen=True)
class PharmacyQueue:
    """Work waiting in the pharmacy."""

    to_verify: tuple[OrderView, ...]
    to_compound: tuple[OrderView, ...]
    to_check: tuple[BagView, ...]


def read_patient_view(uow: UnitOfWork, patient_id: int) -> PatientView:
    patient = uow.patients.get(patient_id)
    observations = tuple(
        ObservationView.from_row(o) for o in uow.observations.list_for_patient(patient_id)
    )
    return PatientView.from_row(patient, observations)


def get_order(uow: UnitOfWork, user_id: int, order_id: int) -> OrderView:
    """An order with segments and bags, as the user may see it (blinded for a pharmacist while
    it awaits their verification; a bag awaiting its second check without its contents)."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        view = build_order_view(uow, uow.orders.get(order_id))
        return read_blinding(uow, actor).present(view)


def read_patient_detail(uow: UnitOfWork, patient_id: int) -> PatientDetail:
    """A patient's record, read inside an open unit of work (the caller checked the user)."""
    patient = read_patient_view(uow, patient_id)
    rows = uow.orders.list_for_patient(patient_id)
    loading = read_loading_doses(uow, rows)
    orders = tuple(build_order_view(uow, o, loading_doses=loading) for o in rows)
    recommendations = tuple(
        RecommendationView.from_row(r) for r in uow.recommendations.list_for_patient(patient_id)
    )
    return PatientDetail(patient, orders, recommendations)


def get_patient(uow: UnitOfWork, user_id: int, patient_id: int) -> PatientDetail:
    """A patient's record, as the user may see it (:func:`present_detail`)."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        detail = read_patient_detail(uow, patient_id)
        return present_detail(detail, read_blinding(uow, actor))


def find_patient_id(uow: UnitOfWork, user_id: int, record: str, record_id: int) -> int:
    """The patient a stored ``record`` (one of :data:`RECORD_KINDS`) belongs to."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        if record == "patient":
            return uow.patients.get(record_id).id
        if record == "observation":
            return uow.observations.get(record_id).patient_id
        if record == "assessment":
            return uow.toxicity.get(record_id).patient_id
        if record == "order":
            return uow.orders.get(record_id).patient_id
        if record == "bag":
            return uow.orders.get(uow.bags.get(record_id).order_id).patient_id
    raise UnknownItem(
        f"'record' must be one of {', '.join(RECORD_KINDS)} (got '{record}')",
        field="record",
        value=record,
    )


def find_bag_order_id(uow: UnitOfWork, user_id: int, bag_id: int) -> int:
    """The order a bag belongs to."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        return uow.bags.get(bag_id).order_id


def list_patients(uow: UnitOfWork, user_id: int) -> list[PatientView]:
    """Every patient, without observations."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        return [PatientView.from_row(p) for p in uow.patients.list_all()]


def list_pharmacy_queue(uow: UnitOfWork, user_id: int) -> PharmacyQueue:
    """Orders to verify, verified orders to compound for, bags to check."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        blinding = read_blinding(uow, actor)
        waiting = uow.orders.list_needing_verification(
            [
                OrderStatus.PENDING_VERIFICATION.value,
                OrderStatus.ACTIVE.value,
                OrderStatus.PAUSED.value,
            ]
        )
        to_verify = tuple(build_order_view(uow, o).to_blinded() for o in waiting)
        ready = uow.orders.list_by_status(
            [OrderStatus.VERIFIED.value, OrderStatus.ACTIVE.value, OrderStatus.PAUSED.value]
        )
        to_compound = tuple(
            blinding.present(build_order_view(uow, o)) for o in ready if not o.needs_verification
        )
        bags = uow.bags.list_by_status([BagStatus.PREPARED])
        names = lookup_names(uow, [b.prepared_by_id for b in bags])
        to_check = tuple(blinding.present_bag(BagView.from_row(b, names)) for b in bags)
        return PharmacyQueue(to_verify, to_compound, to_check)


def list_audit_events(
    uow: UnitOfWork,
    user_id: int,
    *,
    limit: int = 100,
    before_seq: int | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
) -> list[AuditEventView]:
    """Audit events, newest first (admin only)."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ_AUDIT)
        rows = uow.audit.list_events(
            limit=limit, before_seq=before_seq, entity_type=entity_type, entity_id=entity_id
        )
        blinding = read_blinding(uow, actor)
        return [blinding.present_event(AuditEventView.from_row(r)) for r in rows]


def verify_audit_chain(uow: UnitOfWork) -> AuditChainReport:
    """Recompute the whole audit chain."""
    with uow:
        return uow.audit.verify_chain()


def get_user(uow: UnitOfWork, user_id: int) -> UserView:
    """The signed-in user (any role)."""
    with uow:
        return UserView.from_row(load_actor(uow, user_id, Action.READ))


def get_bag_label(
    uow: UnitOfWork, user_id: int, bag_id: int, calculator: DoseCalculator
) -> tuple[BagView, tuple[str, ...]]:
    """A bag and the lines of its label, recomputed by the clinical core."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        bag = uow.bags.get(bag_id)
        blinding = read_blinding(uow, actor)
        if blinding.hides_bag(bag.id) or blinding.hides_order(bag.order_id):
            raise PermissionDenied(
                f"bag {bag.id}: its label is not shown to you while you owe a blind check of "
                "this patient's order or bag",
                field="user",
                value=bag.id,
            )
        order = uow.orders.get(bag.order_id)
        patient = uow.patients.get(order.patient_id)
        names = lookup_names(uow, [bag.prepared_by_id, bag.checked_by_id])
        view = BagView.from_row(bag, names)
        lines = calculator.create_label_lines(
            read_plan_request(order.plan_inputs),
            LabelBag(
                prepared_at=bag.prepared_at,
                birth_date=patient.birth_date,
                prepared_by=view.prepared_by,
                checked_by=view.checked_by or "",
            ),
            patient_name=patient.name,
            mrn=patient.mrn,
        )
        return view, lines


def calculate_preview(
    uow: UnitOfWork,
    user_id: int,
    *,
    patient_id: int,
    protocol_id: str,
    step: int | None,
    daily_dose: Quantity | None,
    override_reason: str | None,
    calculator: DoseCalculator,
    now: datetime,
    apply_renal_adjustment: bool = False,
) -> PlanResult:
    """The plan an order would get, calculated live and not stored (for a prescriber only: a
    pharmacist does the calculation of a blind verification themselves)."""
    with uow:
        actor = load_actor(uow, user_id, Action.PRESCRIBE)
        patient = uow.patients.get(patient_id)
        if patient.id in read_blinding(uow, actor).patients:
            raise PermissionDenied(
                f"patient {patient.id}: you may not preview a plan while you owe a blind check "
                "of this patient's order or bag (blinding follows the person, whatever role "
                "the page is used in)",
                field="patient_id",
                value=patient.id,
            )
        request = build_plan_request(
            uow,
            patient,
            now,
            protocol_id=protocol_id,
            step=step,
            daily_dose=daily_dose,
            override_reason=override_reason,
            apply_renal_adjustment=apply_renal_adjustment,
        )
    return calculator.calculate_plan(request, now=now)


def list_open_alerts(uow: UnitOfWork, user_id: int) -> list[AlertView]:
    """Unresolved alerts for the pharmacy lead, oldest first."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        rows = uow.alerts.list_open()
        names = lookup_names(uow, [r.user_id for r in rows])
        return [AlertView.from_row(r, names) for r in rows]


def list_users(uow: UnitOfWork, user_id: int) -> list[UserView]:
    """Every user (admin only)."""
    with uow:
        load_actor(uow, user_id, Action.MANAGE_USERS)
        return [UserView.from_row(u) for u in uow.users.list_all()]


def list_approvals(uow: UnitOfWork, user_id: int) -> list[ApprovalView]:
    """Every protocol approval, newest first."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        rows = uow.approvals.list_all()
        names = lookup_names(uow, [r.approved_by_id for r in rows])
        return [ApprovalView.from_row(r, names) for r in rows]


def check_database(uow: SqlAlchemyUnitOfWork) -> tuple[bool, str]:
    """(reachable, detail) for the health endpoint."""
    try:
        with uow:
            uow.session.execute(text("SELECT 1"))
            dialect = uow.session.get_bind().dialect.name
        return True, dialect
    except Exception as error:  # the health check reports any failure instead of raising
        return False, type(error).__name__
