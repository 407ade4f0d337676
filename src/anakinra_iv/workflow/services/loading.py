"""Use case of the loading dose: the IV push given before the infusion, recorded by the nurse.

The dose given must be the one the verified order carries (within the administration tolerance
of ``checks.yaml``); an order is given its loading dose at most once, only after it has been
verified and while it is open. Whoever verified the order does not also give it when the site
keeps hanging separate (``separate_hanging``).
"""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import ConflictError, InvalidInput, InvalidTransition
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import LoadingDose
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.checks import get_check_tolerances, is_within_tolerance
from anakinra_iv.workflow.commands import RecordLoadingDose
from anakinra_iv.workflow.lifecycle import OrderEvent, get_next_status
from anakinra_iv.workflow.roles import Action, require_different_person
from anakinra_iv.workflow.services._common import build_order_view, load_actor, to_unit
from anakinra_iv.workflow.views import OrderView

__all__ = ["LoadingDoseNotVerified", "record_loading_dose"]

_MAX_LOT = 100


class LoadingDoseNotVerified(InvalidInput):
    """The dose a nurse entered differs from the loading dose of the verified order."""


def _read_lot(text: str) -> str:
    lot = (text or "").strip()
    if not lot:
        raise InvalidInput(
            "'syringe_lot' is required: the lot of the syringe given", field="syringe_lot"
        )
    if len(lot) > _MAX_LOT:
        raise InvalidInput(
            f"'syringe_lot' must have at most {_MAX_LOT} characters (got {len(lot)})",
            field="syringe_lot",
            limit=_MAX_LOT,
        )
    return lot


def record_loading_dose(
    cmd: RecordLoadingDose, uow: UnitOfWork, now: datetime, *, separate_hanging: bool = True
) -> OrderView:
    """Record the loading dose of an order: time, dose, syringe lot and the nurse who gave it."""
    lot = _read_lot(cmd.syringe_lot)
    dose = to_unit(cmd.dose, "mg", field="dose_mg")
    given_at = cmd.given_at or now
    if given_at > now:
        raise InvalidInput(
            f"'given_at' must not be in the future (got '{given_at.isoformat()}')",
            field="given_at",
            value=given_at.isoformat(),
        )
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.ADMINISTER)
        order = uow.orders.get(cmd.order_id)
        get_next_status(order.status, OrderEvent.LOADING_DOSE)
        if order.verified_by_id is None:
            raise InvalidTransition(
                f"order {order.id} has not been verified; its loading dose waits for the "
                "pharmacist",
                field="order_id",
                value=order.id,
            )
        ordered = order.loading_dose_mg
        if ordered is None:
            raise InvalidTransition(
                f"order {order.id} has no loading dose", field="order_id", value=order.id
            )
        if uow.loading_doses.find_for_order(order.id) is not None:
            raise ConflictError(
                f"order {order.id}: the loading dose has already been recorded",
                field="order_id",
                value=order.id,
            )
        if given_at < order.created_at:
            raise InvalidInput(
                f"'given_at' {given_at.isoformat()} is before order {order.id} was written",
                field="given_at",
                value=given_at.isoformat(),
                limit=order.created_at.isoformat(),
            )
        if not is_within_tolerance(ordered, dose, get_check_tolerances().administration_rate):
            raise LoadingDoseNotVerified(
                f"'dose_mg' {dose:g} mg differs from the verified loading dose of order "
                f"{order.id} ({ordered:g} mg)",
                field="dose_mg",
                value=dose,
                limit=ordered,
            )
        if separate_hanging:
            require_different_person(
                actor.id,
                order.verified_by_id,
                rule=f"order {order.id}: whoever verified the order does not also give its "
                "loading dose",
            )
            require_different_person(
                actor.id,
                [bag.prepared_by_id for bag in uow.bags.list_for_order(order.id)],
                rule=f"order {order.id}: whoever prepared its bag does not also give its "
                "loading dose",
            )
        uow.loading_doses.add(
            LoadingDose(
                order_id=order.id,
                dose_mg=ordered,
                given_at=given_at,
                syringe_lot=lot,
                given_by_id=actor.id,
                recorded_at=now,
            )
        )
        uow.audit.append(
            AuditEntry(
                actor.username,
                "order.loading_dose",
                "order",
                str(order.id),
                None,
                {
                    "patient_id": order.patient_id,
                    "dose_mg": ordered,
                    "given_at": given_at.isoformat(),
                    "syringe_lot": lot,
                },
            ),
            now=now,
        )
        view = build_order_view(uow, order)
        uow.commit()
    return view
