"""The ward board: every open order with its hung bag, the time left to the bag's beyond-use
time, the next review and lab draw the protocol asks for, and alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.blinding import read_blinding
from anakinra_iv.workflow.lifecycle import OPEN_STATUSES, OrderStatus, is_open
from anakinra_iv.workflow.queries import read_patient_view
from anakinra_iv.workflow.review import (
    LabStatus,
    calculate_review_due,
    get_lab_status,
    get_order_protocol,
)
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import (
    build_order_view,
    load_actor,
    read_loading_doses,
)
from anakinra_iv.workflow.services.pharmacy import BagStatus
from anakinra_iv.workflow.views import BagView, OrderView, PatientView

__all__ = ["BoardRow", "create_board_alerts", "list_board"]


@dataclass(frozen=True)
class BoardRow:
    """One open order on the ward board."""

    order: OrderView
    patient: PatientView
    hung_bag: BagView | None
    beyond_use_in_h: float | None
    review_due_at: datetime | None
    labs: LabStatus | None
    alerts: tuple[str, ...]


def create_board_alerts(
    view: OrderView,
    hung: BagView | None,
    beyond_use_in_h: float | None,
    review_due_at: datetime | None,
    labs: LabStatus | None,
    now: datetime,
) -> tuple[str, ...]:
    """The alerts of one row, most urgent first."""
    alerts: list[str] = []
    has_checked = any(b.status == BagStatus.CHECKED for b in view.bags)
    if view.needs_verification and is_open(view.status):
        alerts.append("awaiting pharmacist verification")
    if hung is not None and beyond_use_in_h is not None:
        if beyond_use_in_h <= 0:
            alerts.append(f"bag {hung.id} is past its beyond-use time")
        elif not has_checked:
            alerts.append("no checked bag ready for the next change")
    if view.status == OrderStatus.VERIFIED and not has_checked:
        alerts.append("no checked bag ready to hang")
    if view.status == OrderStatus.PAUSED:
        alerts.append("infusion paused")
    if view.status == OrderStatus.QUERIED:
        alerts.append("queried by pharmacy: prescriber to answer")
    if view.status == OrderStatus.DISCONTINUED and view.is_running_now:
        alerts.append("order discontinued: stop the infusion")
    if review_due_at is not None and review_due_at <= now:
        alerts.append("review overdue")
    if labs is not None:
        if labs.last_at is None:
            alerts.append("no protocol labs recorded")
        elif labs.stale:
            alerts.append(f"labs stale (older than {labs.stale_after_h:g} h)")
        elif labs.due_at is not None and labs.due_at <= now:
            alerts.append("labs due")
    return tuple(alerts)


def list_board(uow: UnitOfWork, user_id: int, now: datetime) -> list[BoardRow]:
    """Open orders (and discontinued ones whose pump still runs), with the hung bag, its time to
    beyond-use, review and lab due; as the user may see them."""
    rows: list[BoardRow] = []
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        blinding = read_blinding(uow, actor)
        orders = list(uow.orders.list_by_status([s.value for s in OPEN_STATUSES]))
        orders += uow.orders.list_still_running([OrderStatus.DISCONTINUED.value])
        loading = read_loading_doses(uow, orders)
        for order in orders:
            view = build_order_view(uow, order, loading_doses=loading)
            view = blinding.present(view)
            patient = read_patient_view(uow, order.patient_id)
            hung = next((b for b in view.bags if b.status == BagStatus.HUNG), None)
            remaining = None
            if hung is not None:
                remaining = (hung.beyond_use - now).total_seconds() / 3600
            protocol = get_order_protocol(view.protocol_id, view.protocol_version)
            review_due = labs = None
            if protocol is not None:
                recommended = uow.recommendations.list_for_patient(order.patient_id)
                changes = [view.created_at] + [r.created_at for r in recommended[:1]]
                review_due = calculate_review_due(protocol, max(changes))
                labs = get_lab_status(protocol, patient.observations, now)
            alerts = create_board_alerts(view, hung, remaining, review_due, labs, now)
            rows.append(BoardRow(view, patient, hung, remaining, review_due, labs, alerts))
    return rows
