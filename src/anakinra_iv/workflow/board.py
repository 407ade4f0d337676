"""The ward board: every open order with its hung bag, the time left to the bag's beyond-use
time, the next review and lab draw the protocol asks for, the current CRS and ICANS grades
(calculated from the stored bedside assessments; a grade that rose at its latest assessment is
an alert), and alerts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.blinding import read_blinding
from anakinra_iv.workflow.lifecycle import OPEN_STATUSES, OrderStatus, is_open
from anakinra_iv.workflow.review import (
    LabStatus,
    calculate_review_due,
    get_lab_status,
    get_order_protocol,
)
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import (
    build_order_view,
    list_order_user_ids,
    load_actor,
    lookup_names,
    read_loading_doses,
)
from anakinra_iv.workflow.services.pharmacy import BagStatus
from anakinra_iv.workflow.services.toxicity import read_graded_assessments_of
from anakinra_iv.workflow.toxicity import ToxicityStatus, get_toxicity_status
from anakinra_iv.workflow.views import BagView, ObservationView, OrderView, PatientView

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
    toxicity: ToxicityStatus | None = None


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
    beyond-use, review and lab due; as the user may see them.

    Each kind of record is read for all the orders in one query (segments, bags, loading doses,
    user names, patients, observations, newest recommendations, bedside CAR-T assessments):
    the number of statements does
    not grow with the number of patients on the board.
    """
    rows: list[BoardRow] = []
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        blinding = read_blinding(uow, actor)
        orders = list(uow.orders.list_by_status([s.value for s in OPEN_STATUSES]))
        orders += uow.orders.list_still_running([OrderStatus.DISCONTINUED.value])
        order_ids = [o.id for o in orders]
        patient_ids = {o.patient_id for o in orders}
        loading = read_loading_doses(uow, orders)
        segments = _by_key(uow.segments.list_for_orders(order_ids), "order_id")
        bags = _by_key(uow.bags.list_for_orders(order_ids), "order_id")
        names = lookup_names(
            uow,
            [
                user
                for o in orders
                for user in list_order_user_ids(
                    o, segments.get(o.id, []), bags.get(o.id, []), loading.get(o.id)
                )
            ],
        )
        patients = {p.id: p for p in uow.patients.list_by_ids(patient_ids)}
        observations = _by_key(uow.observations.list_for_patients(patient_ids), "patient_id")
        newest_recommendation = uow.recommendations.find_newest_times(patient_ids)
        assessments = read_graded_assessments_of(uow, patients)
        patient_views: dict[int, PatientView] = {}
        for order in orders:
            view = build_order_view(
                uow,
                order,
                segments=segments.get(order.id, []),
                bags=bags.get(order.id, []),
                loading_doses=loading,
                names=names,
            )
            view = blinding.present(view)
            patient = patient_views.get(order.patient_id)
            if patient is None:
                patient = PatientView.from_row(
                    patients[order.patient_id],
                    tuple(
                        ObservationView.from_row(o) for o in observations.get(order.patient_id, [])
                    ),
                )
                patient_views[order.patient_id] = patient
            hung = next((b for b in view.bags if b.status == BagStatus.HUNG), None)
            remaining = None
            if hung is not None:
                remaining = (hung.beyond_use - now).total_seconds() / 3600
            protocol = get_order_protocol(view.protocol_id, view.protocol_version)
            review_due = labs = None
            if protocol is not None:
                recommended = newest_recommendation.get(order.patient_id)
                changes = [view.created_at] + ([] if recommended is None else [recommended])
                review_due = calculate_review_due(protocol, max(changes))
                labs = get_lab_status(protocol, patient.observations, now)
            alerts = create_board_alerts(view, hung, remaining, review_due, labs, now)
            graded = assessments.get(order.patient_id, ())
            toxicity = get_toxicity_status(graded, now) if graded else None
            if toxicity is not None:
                alerts = (*toxicity.rises, *alerts)
            rows.append(
                BoardRow(view, patient, hung, remaining, review_due, labs, alerts, toxicity)
            )
    return rows


_RowT = TypeVar("_RowT")


def _by_key(rows: Sequence[_RowT], key: str) -> dict[int, list[_RowT]]:
    """Rows grouped by the value of their attribute ``key``, in the order read."""
    grouped: dict[int, list[_RowT]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped
