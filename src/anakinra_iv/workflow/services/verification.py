"""Use case of blind verification: the pharmacist's own rate and concentration, compared by the
system.

Separation of duties holds for people: whoever ordered the order or made its latest dose change
never verifies it, whatever other roles they hold. A mismatch is recorded (a verification row and
an audit event) and answered with "does not match" only, never which value or by how much; after
the site's attempt limit the order is locked for that pharmacist and the pharmacy lead alerted.
"""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidTransition
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Verification
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.checks import get_check_tolerances, is_within_tolerance
from anakinra_iv.workflow.commands import VerifyOrder
from anakinra_iv.workflow.lifecycle import OrderEvent, get_next_status
from anakinra_iv.workflow.roles import Action, require_different_person
from anakinra_iv.workflow.services._checks import (
    VERIFICATION_LOCKED,
    VerificationMismatch,
    count_recent_mismatches,
    raise_lock_alert,
    require_not_locked,
)
from anakinra_iv.workflow.services._common import (
    build_order_view,
    find_dose_written_at,
    list_dose_authors,
    load_actor,
    require_expected_version,
    save_order,
    to_unit,
)
from anakinra_iv.workflow.views import OrderView

__all__ = ["verify_order"]


def verify_order(cmd: VerifyOrder, uow: UnitOfWork, now: datetime) -> OrderView:
    """Compare the pharmacist's own rate and concentration with the order.

    Raises
    ------
    VerificationMismatch
        A value does not match (the attempt is stored and committed first).
    CheckLocked
        The pharmacist reached the attempt limit for this order (nothing is stored).
    PermissionDenied
        The pharmacist ordered the order or changed its dose.
    """
    entered_rate = to_unit(cmd.rate, "mg/h", field="rate_mg_per_h")
    entered_conc = to_unit(cmd.concentration, "mg/mL", field="concentration_mg_per_ml")
    limits = get_check_tolerances()
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.VERIFY)
        order = uow.orders.get(cmd.order_id)
        require_expected_version(order, cmd.expected_version)
        if not order.needs_verification:
            raise InvalidTransition(
                f"order {order.id} has nothing awaiting verification (status '{order.status}')",
                field="order_id",
                value=order.id,
            )
        next_status = get_next_status(order.status, OrderEvent.VERIFY)
        require_different_person(
            actor.id,
            list_dose_authors(uow, order),
            rule=f"order {order.id}: whoever ordered it or changed its dose never verifies it",
        )
        since = require_not_locked(uow, VERIFICATION_LOCKED, actor, order_id=order.id)
        matches = is_within_tolerance(
            order.rate_mg_per_h, entered_rate, limits.blind_verification
        ) and is_within_tolerance(
            order.planned_concentration_mg_per_ml, entered_conc, limits.blind_verification
        )
        uow.verifications.add(
            Verification(
                order_id=order.id,
                pharmacist_id=actor.id,
                entered_rate_mg_per_h=entered_rate,
                entered_concentration_mg_per_ml=entered_conc,
                expected_rate_mg_per_h=order.rate_mg_per_h,
                expected_concentration_mg_per_ml=order.planned_concentration_mg_per_ml,
                outcome="accepted" if matches else "mismatch",
                order_version=order.version,
                created_at=now,
            ),
            flush=True,
        )
        entered = {"rate_mg_per_h": entered_rate, "concentration_mg_per_ml": entered_conc}
        if not matches:
            # The count is per dose: a dose change starts it again.
            written = find_dose_written_at(uow, order)
            mine = [
                (v.outcome, v.created_at)
                for v in uow.verifications.list_for_order(order.id)
                if (v.pharmacist_id == actor.id or v.outcome == "accepted")
                and v.created_at >= written
            ]
            count = count_recent_mismatches(mine, since)
            limit = limits.verification_attempts
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "order.verify_refused",
                    "order",
                    str(order.id),
                    None,
                    entered,
                    f"does not match (attempt {count} of {limit})",
                ),
                now=now,
            )
            message = (
                "Your rate and concentration do not match the order. Recalculate both "
                f"independently (attempt {count} of {limit}; the attempt is recorded)."
            )
            if count >= limit:
                raise_lock_alert(
                    uow,
                    actor,
                    kind=VERIFICATION_LOCKED,
                    message=f"order {order.id}: {count} mismatching blind verifications by "
                    f"{actor.username}; locked for them until the pharmacy lead resolves it",
                    now=now,
                    order_id=order.id,
                )
                message = (
                    f"Your rate and concentration do not match the order. That was attempt "
                    f"{count} of {limit}: the order is now locked for you and the pharmacy lead "
                    "has been alerted."
                )
            uow.commit()
            raise VerificationMismatch(message, field="verification")
        old = {"status": order.status, "verified_rate_mg_per_h": order.verified_rate_mg_per_h}
        order.status = next_status.value
        order.needs_verification = False
        order.verified_rate_mg_per_h = order.rate_mg_per_h
        order.verified_concentration_mg_per_ml = order.planned_concentration_mg_per_ml
        order.verified_by_id = actor.id
        order.updated_at = now
        save_order(uow, order)
        uow.audit.append(
            AuditEntry(
                actor.username,
                "order.verify",
                "order",
                str(order.id),
                old,
                {"status": order.status, **entered},
            ),
            now=now,
        )
        view = build_order_view(uow, order)
        uow.commit()
    return view
