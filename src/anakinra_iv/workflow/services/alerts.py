"""Use case of the pharmacy lead: resolve an alert (lifting the lock it records), with a note.

Separation of duties by person: the lead who resolves an alert is neither the pharmacist it
locked out, nor whoever prepared the bag, ordered the order or changed its dose."""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidInput, InvalidTransition
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.commands import ResolveAlert
from anakinra_iv.workflow.roles import Action, require_different_person
from anakinra_iv.workflow.services._common import load_actor, lookup_names
from anakinra_iv.workflow.views import AlertView

__all__ = ["resolve_alert"]


def resolve_alert(cmd: ResolveAlert, uow: UnitOfWork, now: datetime) -> AlertView:
    """Resolve an open alert; the pharmacist it locked may try again (with a fresh count)."""
    note = (cmd.note or "").strip()
    if not note:
        raise InvalidInput("'note' is required: say how the alert was resolved", field="note")
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.RESOLVE_ALERT)
        alert = uow.alerts.get(cmd.alert_id)
        if alert.resolved_at is not None:
            raise InvalidTransition(
                f"alert {alert.id} is already resolved", field="alert_id", value=alert.id
            )
        involved: list[int | None] = [alert.user_id]
        if alert.bag_id is not None:
            involved.append(uow.bags.get(alert.bag_id).prepared_by_id)
        if alert.order_id is not None:
            order = uow.orders.get(alert.order_id)
            involved += [order.prescriber_id, order.dose_changed_by_id]
        require_different_person(
            actor.id,
            tuple(involved),
            rule=f"alert {alert.id}: whoever is locked out, prepared the bag, or ordered or "
            "changed the dose never lifts the lock; another pharmacy lead resolves it",
        )
        alert.resolved_by_id = actor.id
        alert.resolved_at = now
        alert.resolution = note
        uow.flush()
        uow.audit.append(
            AuditEntry(
                actor.username,
                "alert.resolve",
                "alert",
                str(alert.id),
                {"resolved": False},
                {"resolved": True, "order_id": alert.order_id, "bag_id": alert.bag_id},
                note,
            ),
            now=now,
        )
        view = AlertView.from_row(alert, lookup_names(uow, [alert.user_id, actor.id]))
        uow.commit()
    return view
