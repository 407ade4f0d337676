"""Worklists: the pharmacy queue with its production schedule, and the nursing list.

A worklist is a dense table a person scans in seconds: who, where (ward/bed), what is waiting,
since when, and what is due next. Everything is read from stored rows; no dose plan is
recalculated. The production schedule lists, for every running infusion, when each of its next
bags must be ready over the coming :data:`SCHEDULE_HOURS`: the current bag runs out at its start
plus its hang time (or at its beyond-use time if earlier), and each bag after it lasts one hang
time; bags already prepared for the order cover the first of those slots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from anakinra_iv.errors import AnakinraError
from anakinra_iv.protocol import get_protocol
from anakinra_iv.records.tables import User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.blinding import read_blinding
from anakinra_iv.workflow.lifecycle import (
    OPEN_STATUSES,
    TRANSITIONS,
    OrderEvent,
    OrderStatus,
)
from anakinra_iv.workflow.queries import read_patient_view
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import (
    build_order_view,
    load_actor,
    lookup_names,
    read_loading_doses,
)
from anakinra_iv.workflow.services.pharmacy import BagStatus
from anakinra_iv.workflow.views import AlertView, BagView, OrderView, PatientView

__all__ = [
    "NURSING_EVENTS",
    "SCHEDULE_HOURS",
    "BagDue",
    "NursingRow",
    "PharmacyWorklist",
    "WorkItem",
    "has_toxicity_grades",
    "list_nursing",
    "list_pharmacy_worklist",
    "list_production_schedule",
    "suggest_next_event",
]

SCHEDULE_HOURS = 24
"""How far ahead the production schedule looks (a working day of the pharmacy)."""

NURSING_EVENTS = ("start", "rate_change", "pause", "resume", "bag_change")
"""Events of the nursing form; a stop has its own form with a reason and a confirmation."""


@dataclass(frozen=True)
class WorkItem:
    """One line of the pharmacy queue."""

    kind: str
    what: str
    patient: PatientView
    order: OrderView
    bag: BagView | None
    since: datetime

    def waited(self, now: datetime) -> timedelta:
        """How long it has waited."""
        return now - self.since


@dataclass(frozen=True)
class BagDue:
    """A bag a running (or about to start) infusion needs, and whether one is ready."""

    patient: PatientView
    order: OrderView
    number: int
    due_at: datetime
    covered_by: BagView | None


@dataclass(frozen=True)
class PharmacyWorklist:
    """The pharmacy's work: alerts for the lead, the queue, and the bags due."""

    alerts: tuple[AlertView, ...]
    queue: tuple[WorkItem, ...]
    schedule: tuple[BagDue, ...]


@dataclass(frozen=True)
class NursingRow:
    """One infusion on the nursing list."""

    patient: PatientView
    order: OrderView
    bag_to_hang: BagView | None
    next_event: str | None
    loading_dose_due: bool
    alerts: tuple[str, ...]
    grades_assessed: bool = False
    """The order's protocol treats CRS or ICANS: the nurse records ICANS and CRS assessments."""


def has_toxicity_grades(protocol_id: str, version: str | None = None) -> bool:
    """True when the protocol treats CAR-T CRS or ICANS (its rules read the grades).

    >>> has_toxicity_grades("adult-cart-crs-icans"), has_toxicity_grades("adult-mas-civ")
    (True, False)
    """
    try:
        diseases = set(get_protocol(protocol_id, version).disease)
    except (AnakinraError, KeyError):
        return False
    return bool(diseases & {"CRS", "ICANS"})


def _hung_at(view: OrderView) -> datetime | None:
    """When the bag running now was hung (its start or bag change)."""
    for segment in reversed(view.segments):
        if segment.event in ("start", "bag_change"):
            return segment.started_at
    return None


def _spare_bags(view: OrderView) -> list[BagView]:
    return [b for b in view.bags if b.status in (BagStatus.PREPARED, BagStatus.CHECKED)]


def list_production_schedule(
    patient: PatientView, view: OrderView, now: datetime, hours: float = SCHEDULE_HOURS
) -> list[BagDue]:
    """The bags ``view`` needs from now until ``hours`` ahead (see the module's rule)."""
    if view.status not in (OrderStatus.VERIFIED, OrderStatus.ACTIVE, OrderStatus.PAUSED):
        return []
    spare = _spare_bags(view)
    hung = next((b for b in view.bags if b.status == BagStatus.HUNG), None)
    if hung is None:
        if view.status != OrderStatus.VERIFIED:
            return []
        return [BagDue(patient, view, 1, now, spare[0] if spare else None)]
    started = _hung_at(view) or hung.prepared_at
    hang = timedelta(hours=hung.hang_time_h)
    due = min(started + hang, hung.beyond_use)
    horizon = now + timedelta(hours=hours)
    out: list[BagDue] = []
    while due <= horizon or not out:
        index = len(out)
        out.append(
            BagDue(patient, view, index + 1, due, spare[index] if index < len(spare) else None)
        )
        due = due + hang
    return out


def _queue_items(
    uow: UnitOfWork, actor: User, view: OrderView, patient: PatientView, since: datetime
) -> list[WorkItem]:
    items: list[WorkItem] = []
    if view.needs_verification and view.status in (
        OrderStatus.PENDING_VERIFICATION,
        OrderStatus.ACTIVE,
        OrderStatus.PAUSED,
    ):
        kind = "dose_change" if view.verified_by is not None else "new_order"
        what = "dose change to verify" if kind == "dose_change" else "new order to verify"
        items.append(WorkItem(kind, what, patient, view, None, since))
    for bag in view.bags:
        if bag.status == BagStatus.PREPARED:
            mine = bag.prepared_by_id == actor.id
            what = "bag you prepared: awaits another pharmacist's check" if mine else "bag to check"
            items.append(WorkItem("bag_check", what, patient, view, bag, bag.prepared_at))
    return items


def list_pharmacy_worklist(uow: UnitOfWork, user_id: int, now: datetime) -> PharmacyWorklist:
    """Alerts, the queue (longest waiting first) and the production schedule (soonest first)."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        blinding = read_blinding(uow, actor)
        orders = uow.orders.list_by_status([s.value for s in OPEN_STATUSES])
        changed = uow.recommendations.find_latest_times([o.id for o in orders], "dose_plan")
        queue: list[WorkItem] = []
        schedule: list[BagDue] = []
        patients: dict[int, PatientView] = {}
        loading = read_loading_doses(uow, orders)
        for order in orders:
            if order.patient_id not in patients:
                patients[order.patient_id] = read_patient_view(uow, order.patient_id)
            patient = patients[order.patient_id]
            view = build_order_view(uow, order, loading_doses=loading)
            view = blinding.present(view)
            since = changed.get(order.id, order.created_at)
            queue += _queue_items(uow, actor, view, patient, since)
            schedule += list_production_schedule(patient, view, now)
        rows = uow.alerts.list_open()
        names = lookup_names(uow, [a.user_id for a in rows])
        alerts = tuple(AlertView.from_row(a, names) for a in rows)
    return PharmacyWorklist(
        alerts,
        tuple(sorted(queue, key=lambda i: i.since)),
        tuple(sorted(schedule, key=lambda d: d.due_at)),
    )


def suggest_next_event(view: OrderView) -> str | None:
    """The nursing event the form offers first: the next sensible step, never ``start`` on a
    running order.

    A verified order is started; a paused one resumed; on a running order a checked bag waiting
    is hung (bag change), else a verified rate that differs from the running one is set (rate
    change); otherwise nothing is preselected.
    """
    status = OrderStatus(view.status)
    if status == OrderStatus.VERIFIED:
        return "start"
    if status == OrderStatus.PAUSED:
        return "resume"
    if status != OrderStatus.ACTIVE:
        return None
    if any(b.status == BagStatus.CHECKED for b in view.bags):
        return "bag_change"
    current = view.current_segment
    verified = view.verified_rate_mg_per_h
    running = None if current is None else current.rate_mg_per_h
    if running is not None and verified is not None and abs(running - verified) > 0:
        return "rate_change"
    return None


def get_allowed_events(view: OrderView) -> tuple[str, ...]:
    """The nursing events (:data:`NURSING_EVENTS`) the order's status allows."""
    status = OrderStatus(view.status)
    return tuple(e for e in NURSING_EVENTS if (status, OrderEvent(e)) in TRANSITIONS)


def list_nursing(uow: UnitOfWork, user_id: int, now: datetime) -> list[NursingRow]:
    """Infusions to start, running or to stop, with the bag waiting and the next event."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        blinding = read_blinding(uow, actor)
        states = [OrderStatus.VERIFIED.value, OrderStatus.ACTIVE.value, OrderStatus.PAUSED.value]
        orders = list(uow.orders.list_by_status(states))
        orders += uow.orders.list_still_running([OrderStatus.DISCONTINUED.value])
        rows: list[NursingRow] = []
        patients: dict[int, PatientView] = {}
        loading = read_loading_doses(uow, orders)
        for order in orders:
            if order.patient_id not in patients:
                patients[order.patient_id] = read_patient_view(uow, order.patient_id)
            view = blinding.present(build_order_view(uow, order, loading_doses=loading))
            waiting = next((b for b in view.bags if b.status == BagStatus.CHECKED), None)
            alerts: list[str] = []
            hung = next((b for b in view.bags if b.status == BagStatus.HUNG), None)
            if hung is not None and hung.beyond_use <= now:
                alerts.append(f"bag {hung.id} is past its beyond-use time")
            if view.status == OrderStatus.DISCONTINUED:
                alerts.append("order discontinued: stop the infusion")
            elif view.needs_verification:
                alerts.append("dose change awaits verification: keep the verified rate")
            if view.status == OrderStatus.VERIFIED and waiting is None:
                alerts.append("no checked bag yet")
            loading_due = (
                view.loading_dose_mg is not None
                and view.loading_dose is None
                and view.status == OrderStatus.VERIFIED
                and view.verified_by is not None
            )
            next_event = "stop" if view.status == OrderStatus.DISCONTINUED else None
            rows.append(
                NursingRow(
                    patients[order.patient_id],
                    view,
                    waiting,
                    next_event or suggest_next_event(view),
                    loading_due,
                    tuple(alerts),
                    has_toxicity_grades(view.protocol_id, view.protocol_version),
                )
            )
    return sorted(rows, key=lambda r: (r.patient.ward or "", r.patient.bed or "", r.order.id))
