"""Use cases that end or return an order, each with its reason: a pharmacist rejects or queries
an order that was never verified; a prescriber cancels an order that never ran or discontinues one
that did.

Each is one transaction: role and transition checked, the status, the reason and who gave it
stored on the order (so closed orders keep saying why in the patient's history), and an audit
event. A refusal stores nothing.
"""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidInput, InvalidTransition
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.commands import CancelOrder, Discontinue, QueryOrder, RejectOrder
from anakinra_iv.workflow.lifecycle import OrderEvent, get_next_status
from anakinra_iv.workflow.roles import Action, require_different_person
from anakinra_iv.workflow.services._common import (
    build_order_view,
    list_dose_authors,
    load_actor,
    save_order,
)
from anakinra_iv.workflow.views import OrderView

__all__ = ["cancel_order", "discontinue_order", "query_order", "reject_order"]

_MAX_REASON = 2000


def _reason(text: str, doing: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise InvalidInput(f"'reason' is required to {doing} an order", field="reason")
    if len(reason) > _MAX_REASON:
        raise InvalidInput(
            f"'reason' must have at most {_MAX_REASON} characters (got {len(reason)})",
            field="reason",
            limit=_MAX_REASON,
        )
    return reason


def _change_status(
    uow: UnitOfWork,
    *,
    user_id: int,
    order_id: int,
    reason: str,
    action: Action,
    event: OrderEvent,
    now: datetime,
    verifier: bool = False,
) -> OrderView:
    doing = event.value
    text = _reason(reason, doing)
    with uow:
        actor = load_actor(uow, user_id, action)
        order = uow.orders.get(order_id)
        next_status = get_next_status(order.status, event)
        if verifier:
            if not order.needs_verification:
                raise InvalidTransition(
                    f"order {order.id} has nothing awaiting verification",
                    field="order_id",
                    value=order.id,
                )
            require_different_person(
                actor.id,
                list_dose_authors(uow, order),
                rule=f"order {order.id}: whoever ordered it or changed its dose does not "
                f"{doing} it as its pharmacist",
            )
        old = {"status": order.status, "needs_verification": order.needs_verification}
        # A rejected, queried, cancelled or discontinued order keeps ``needs_verification``: its
        # current dose was never verified, so its figures stay hidden from pharmacists.
        order.status = next_status.value
        order.status_reason = text
        order.status_by_id = actor.id
        order.status_at = now
        order.updated_at = now
        save_order(uow, order)
        uow.audit.append(
            AuditEntry(
                actor.username,
                f"order.{doing}",
                "order",
                str(order.id),
                old,
                {
                    "status": order.status,
                    "needs_verification": order.needs_verification,
                    "patient_id": order.patient_id,
                },
                text,
            ),
            now=now,
        )
        view = build_order_view(uow, order)
        uow.commit()
    return view


def reject_order(cmd: RejectOrder, uow: UnitOfWork, now: datetime) -> OrderView:
    """A pharmacist rejects an unverified order back to the prescriber; the order is closed and
    the prescriber orders anew."""
    return _change_status(
        uow,
        user_id=cmd.user_id,
        order_id=cmd.order_id,
        reason=cmd.reason,
        action=Action.VERIFY,
        event=OrderEvent.REJECT,
        now=now,
        verifier=True,
    )


def query_order(cmd: QueryOrder, uow: UnitOfWork, now: datetime) -> OrderView:
    """A pharmacist queries an unverified order: it waits for the prescriber to change the dose
    (back to verification) or cancel it."""
    return _change_status(
        uow,
        user_id=cmd.user_id,
        order_id=cmd.order_id,
        reason=cmd.reason,
        action=Action.VERIFY,
        event=OrderEvent.QUERY,
        now=now,
        verifier=True,
    )


def cancel_order(cmd: CancelOrder, uow: UnitOfWork, now: datetime) -> OrderView:
    """A prescriber cancels an order that never ran (pending, queried or verified)."""
    return _change_status(
        uow,
        user_id=cmd.user_id,
        order_id=cmd.order_id,
        reason=cmd.reason,
        action=Action.CANCEL,
        event=OrderEvent.CANCEL,
        now=now,
    )


def discontinue_order(cmd: Discontinue, uow: UnitOfWork, now: datetime) -> OrderView:
    """A prescriber discontinues a running (active or paused) order, e.g. for the transition to
    SC anakinra; the nurse then records the stop of a pump still running."""
    return _change_status(
        uow,
        user_id=cmd.user_id,
        order_id=cmd.order_id,
        reason=cmd.reason,
        action=Action.DISCONTINUE,
        event=OrderEvent.DISCONTINUE,
        now=now,
    )
