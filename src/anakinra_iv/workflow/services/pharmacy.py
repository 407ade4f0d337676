"""Use cases of the pharmacy: prepare a bag, second check of a bag."""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidInput, InvalidTransition
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Bag
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.checks import get_check_tolerances, is_within_tolerance
from anakinra_iv.workflow.commands import CheckBag, PrepareBag
from anakinra_iv.workflow.lifecycle import OrderStatus
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.roles import Action, require_different_person
from anakinra_iv.workflow.services._common import load_actor, lookup_names, to_unit
from anakinra_iv.workflow.services.orders import VerificationMismatch, read_plan_request
from anakinra_iv.workflow.views import BagView

__all__ = ["BagStatus", "check_bag", "prepare_bag"]


class BagStatus:
    """States of a bag: prepared -> checked -> hung -> removed."""

    PREPARED = "prepared"
    CHECKED = "checked"
    HUNG = "hung"
    REMOVED = "removed"


_VERIFIED_STATES = (OrderStatus.VERIFIED, OrderStatus.ACTIVE, OrderStatus.PAUSED)


def prepare_bag(
    cmd: PrepareBag, uow: UnitOfWork, calculator: DoseCalculator, now: datetime
) -> BagView:
    """Record a compounded bag; its recipe and beyond-use time come from the clinical core."""
    lots = tuple(lot.strip() for lot in cmd.syringe_lots if lot.strip())
    if not lots:
        raise InvalidInput(
            "'syringe_lots' needs the lot number of every syringe used", field="syringe_lots"
        )
    if cmd.prepared_at > now:
        raise InvalidInput(
            f"'prepared_at' must not be in the future (got '{cmd.prepared_at.isoformat()}')",
            field="prepared_at",
            value=cmd.prepared_at.isoformat(),
        )
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.PREPARE_BAG)
        order = uow.orders.get(cmd.order_id)
        if order.status not in _VERIFIED_STATES or order.needs_verification:
            raise InvalidTransition(
                f"order {order.id} is not verified (status '{order.status}'); "
                "a bag is prepared only for a verified order",
                field="order_id",
                value=order.id,
            )
        if cmd.prepared_at < order.created_at:
            raise InvalidInput(
                f"'prepared_at' {cmd.prepared_at.isoformat()} is before order {order.id} was "
                f"written ({order.created_at.isoformat()})",
                field="prepared_at",
                value=cmd.prepared_at.isoformat(),
                limit=order.created_at.isoformat(),
            )
        recipe = calculator.calculate_bag(
            read_plan_request(order.plan_inputs), prepared_at=cmd.prepared_at
        )
        concentration = to_unit(recipe.concentration, "mg/mL", field="concentration")
        verified = order.verified_concentration_mg_per_ml or 0.0
        if not is_within_tolerance(verified, concentration, get_check_tolerances().bag_check):
            raise InvalidTransition(
                f"order {order.id}: the bag recipe gives {concentration:g} mg/mL but "
                f"{verified:g} mg/mL was verified; the order needs a fresh verification",
                field="concentration_mg_per_ml",
                value=concentration,
            )
        bag = uow.bags.add(
            Bag(
                order_id=order.id,
                status=BagStatus.PREPARED,
                prepared_by_id=actor.id,
                prepared_at=cmd.prepared_at,
                syringe_lots=list(lots),
                drug_amount_mg=to_unit(recipe.drug_amount, "mg", field="drug_amount"),
                final_volume_ml=to_unit(recipe.final_volume, "mL", field="final_volume"),
                concentration_mg_per_ml=concentration,
                rate_ml_per_h=to_unit(recipe.rate_ml_per_h, "mL/h", field="rate_ml_per_h"),
                hang_time_h=to_unit(recipe.hang_time, "h", field="hang_time"),
                beyond_use=recipe.beyond_use,
                recipe=recipe.recipe,
            )
        )
        view = BagView.from_row(bag, {actor.id: actor.username})
        uow.audit.append(
            AuditEntry(
                actor.username,
                "bag.prepare",
                "bag",
                str(bag.id),
                None,
                {
                    "order_id": order.id,
                    "syringe_lots": list(lots),
                    "concentration_mg_per_ml": concentration,
                    "final_volume_ml": view.final_volume_ml,
                    "beyond_use": view.beyond_use.isoformat(),
                },
            ),
            now=now,
        )
        uow.commit()
    return view


def check_bag(cmd: CheckBag, uow: UnitOfWork, now: datetime) -> BagView:
    """Second check of a bag by a pharmacist other than the one who prepared it."""
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.CHECK_BAG)
        bag = uow.bags.get(cmd.bag_id)
        if bag.status != BagStatus.PREPARED:
            raise InvalidTransition(
                f"bag {bag.id} is '{bag.status}'; only a prepared bag can be checked",
                field="bag_id",
                value=bag.id,
            )
        require_different_person(
            actor.id,
            bag.prepared_by_id,
            rule=f"bag {bag.id}: the second check must be done by a pharmacist other than "
            "the one who prepared it",
        )
        if cmd.concentration is not None:
            entered = to_unit(cmd.concentration, "mg/mL", field="concentration_mg_per_ml")
            tolerance = get_check_tolerances().bag_check
            if not is_within_tolerance(bag.concentration_mg_per_ml, entered, tolerance):
                uow.audit.append(
                    AuditEntry(
                        actor.username,
                        "bag.check_refused",
                        "bag",
                        str(bag.id),
                        None,
                        {"concentration_mg_per_ml": entered},
                        "concentration read off the bag does not match the recipe",
                    ),
                    now=now,
                )
                uow.commit()
                raise VerificationMismatch(
                    f"'concentration_mg_per_ml' {entered:g} mg/mL does not match bag {bag.id} "
                    "(attempt recorded)",
                    field="concentration_mg_per_ml",
                    value=entered,
                )
        bag.status = BagStatus.CHECKED
        bag.checked_by_id = actor.id
        bag.checked_at = now
        uow.flush()
        uow.audit.append(
            AuditEntry(
                actor.username,
                "bag.check",
                "bag",
                str(bag.id),
                {"status": BagStatus.PREPARED},
                {"status": BagStatus.CHECKED},
            ),
            now=now,
        )
        view = BagView.from_row(bag, lookup_names(uow, [bag.prepared_by_id, actor.id]))
        uow.commit()
    return view
