"""Use cases of the pharmacy: prepare a bag, and its blind second check.

A bag records its syringes: the distinct lots used (each once), or, from the compounding
worksheet, one entry per syringe opened with its expiry date. The second check is blind: the
checker enters the drug amount, the final volume and the lots they read off the bag, and the
system compares them with the record; a mismatch says only that it does not match, and after
the site's attempt limit the bag is locked for that checker and the pharmacy lead is alerted.
Whoever prepared a bag never checks it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anakinra_iv.errors import AnakinraError, InvalidInput, InvalidTransition, ProblemList
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Bag, BagCheck
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.checks import get_check_tolerances, is_within_tolerance
from anakinra_iv.workflow.commands import CheckBag, PrepareBag, SyringeEntry
from anakinra_iv.workflow.lifecycle import OrderStatus
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.roles import Action, require_different_person
from anakinra_iv.workflow.services._checks import (
    BAG_CHECK_LOCKED,
    VerificationMismatch,
    count_recent_mismatches,
    raise_lock_alert,
    require_not_locked,
)
from anakinra_iv.workflow.services._common import load_actor, lookup_names, to_unit
from anakinra_iv.workflow.services.orders import read_plan_request
from anakinra_iv.workflow.views import BagView

__all__ = ["BagStatus", "check_bag", "normalise_lot", "prepare_bag", "read_distinct_lots"]


def normalise_lot(lot: str) -> str:
    """A lot number as compared: trimmed, inner spaces removed, upper case.

    >>> normalise_lot(" ab 1234 ")
    'AB1234'
    """
    return "".join(lot.split()).upper()


def read_distinct_lots(lots: tuple[str, ...], *, field: str = "syringe_lots") -> tuple[str, ...]:
    """The lots given, trimmed; a lot listed twice (in any spelling) is refused by name.

    >>> read_distinct_lots((" AB1234", "CD5"))
    ('AB1234', 'CD5')
    >>> try:
    ...     read_distinct_lots(("AB1234", "ab1234"))
    ... except InvalidInput as error:
    ...     print(error.message.split(";")[0])
    'syringe_lots': lot 'ab1234' is listed twice
    """
    seen: dict[str, str] = {}
    out: list[str] = []
    for lot in (lot.strip() for lot in lots):
        if not lot:
            continue
        key = normalise_lot(lot)
        if key in seen:
            raise InvalidInput(
                f"'{field}': lot '{lot}' is listed twice; list each lot once, or enter one row "
                "per syringe on the compounding worksheet",
                field=field,
                value=lot,
            )
        seen[key] = lot
        out.append(lot)
    if not out:
        raise InvalidInput(
            f"'{field}' needs the lot number of every syringe used", field=field, value=""
        )
    return tuple(out)


def _check_syringes(
    entries: tuple[SyringeEntry, ...], expected: int, beyond_use: datetime
) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """(distinct lots, stored entries) of one row per syringe opened; every problem at once."""
    problems: list[AnakinraError] = []
    if len(entries) != expected:
        problems.append(
            InvalidInput(
                f"'syringes': the recipe opens {expected} syringes; enter one row for each "
                f"(got {len(entries)})",
                field="syringes",
                value=len(entries),
                limit=expected,
            )
        )
    expiries: dict[str, Any] = {}
    lots: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        lot = entry.lot.strip()
        if not lot:
            problems.append(
                InvalidInput(f"'syringes': syringe {number} has no lot number", field="syringes")
            )
            continue
        key = normalise_lot(lot)
        lots.setdefault(key, lot)
        if key in expiries and expiries[key] != entry.expiry:
            problems.append(
                InvalidInput(
                    f"'syringes': lot '{lot}' is given two expiry dates",
                    field="syringes",
                    value=lot,
                )
            )
        expiries[key] = entry.expiry
        if entry.expiry is not None and entry.expiry < beyond_use.date():
            problems.append(
                InvalidInput(
                    f"'syringes': syringe {number} (lot '{lot}') expires "
                    f"{entry.expiry.isoformat()}, before the bag's beyond-use time",
                    field="syringes",
                    value=entry.expiry.isoformat(),
                    limit=beyond_use.date().isoformat(),
                )
            )
    ProblemList.raise_if_any(problems)
    stored = [
        {
            "lot": e.lot.strip(),
            "expiry": None if e.expiry is None else e.expiry.isoformat(),
        }
        for e in entries
    ]
    return tuple(lots.values()), stored


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
    if cmd.syringes and cmd.syringe_lots:
        raise InvalidInput(
            "give either 'syringe_lots' or 'syringes' (one row per syringe), not both",
            field="syringes",
        )
    lots = () if cmd.syringes else read_distinct_lots(cmd.syringe_lots)
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
        entries: list[dict[str, Any]] | None = None
        if cmd.syringes:
            syringes = int(recipe.recipe.get("syringes", len(cmd.syringes)))
            lots, entries = _check_syringes(cmd.syringes, syringes, recipe.beyond_use)
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
                syringes=entries,
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
                    "syringes": entries,
                    "concentration_mg_per_ml": concentration,
                    "final_volume_ml": view.final_volume_ml,
                    "beyond_use": view.beyond_use.isoformat(),
                },
            ),
            now=now,
        )
        uow.commit()
    return view


def _read_check(cmd: CheckBag) -> tuple[float, float, tuple[str, ...]]:
    problems: list[AnakinraError] = []
    if cmd.drug_amount is None:
        problems.append(
            InvalidInput(
                "'drug_amount_mg': read the drug amount off the bag", field="drug_amount_mg"
            )
        )
    if cmd.final_volume is None:
        problems.append(
            InvalidInput(
                "'final_volume_ml': read the final volume off the bag", field="final_volume_ml"
            )
        )
    if not any(lot.strip() for lot in cmd.syringe_lots):
        problems.append(
            InvalidInput(
                "'syringe_lots': read the lot numbers off the syringes used", field="syringe_lots"
            )
        )
    ProblemList.raise_if_any(problems)
    assert cmd.drug_amount is not None and cmd.final_volume is not None
    amount = to_unit(cmd.drug_amount, "mg", field="drug_amount_mg")
    volume = to_unit(cmd.final_volume, "mL", field="final_volume_ml")
    lots = tuple(lot.strip() for lot in cmd.syringe_lots if lot.strip())
    return amount, volume, lots


def check_bag(cmd: CheckBag, uow: UnitOfWork, now: datetime) -> BagView:
    """Blind second check of a bag by a pharmacist other than the one who prepared it.

    Raises
    ------
    VerificationMismatch
        What was read off the bag does not match the record (the attempt is stored first).
    CheckLocked
        The checker reached the attempt limit for this bag (nothing is stored).
    """
    amount, volume, lots = _read_check(cmd)
    limits = get_check_tolerances()
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
            rule=f"bag {bag.id}: whoever prepared a bag never checks it",
        )
        since = require_not_locked(uow, BAG_CHECK_LOCKED, actor, bag_id=bag.id)
        tolerance = limits.bag_check
        matches = (
            is_within_tolerance(bag.drug_amount_mg, amount, tolerance)
            and is_within_tolerance(bag.final_volume_ml, volume, tolerance)
            and {normalise_lot(x) for x in lots}
            == {normalise_lot(str(x)) for x in bag.syringe_lots}
        )
        uow.bag_checks.add(
            BagCheck(
                bag_id=bag.id,
                checker_id=actor.id,
                entered_drug_amount_mg=amount,
                entered_final_volume_ml=volume,
                entered_lots=list(lots),
                outcome="accepted" if matches else "mismatch",
                created_at=now,
            )
        )
        entered = {"drug_amount_mg": amount, "final_volume_ml": volume, "syringe_lots": list(lots)}
        if not matches:
            mine = [
                (c.outcome, c.created_at)
                for c in uow.bag_checks.list_for_bag(bag.id)
                if c.checker_id == actor.id
            ]
            count = count_recent_mismatches(mine, since)
            limit = limits.bag_check_attempts
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "bag.check_refused",
                    "bag",
                    str(bag.id),
                    None,
                    entered,
                    f"does not match (attempt {count} of {limit})",
                ),
                now=now,
            )
            message = (
                f"What you read off bag {bag.id} does not match its record. Read the bag and "
                f"the syringes again (attempt {count} of {limit}; the attempt is recorded)."
            )
            if count >= limit:
                raise_lock_alert(
                    uow,
                    actor,
                    kind=BAG_CHECK_LOCKED,
                    message=f"bag {bag.id} (order {bag.order_id}): {count} mismatching second "
                    f"checks by {actor.username}; locked for them until the pharmacy lead "
                    "resolves it",
                    now=now,
                    order_id=bag.order_id,
                    bag_id=bag.id,
                )
                message = (
                    f"What you read off bag {bag.id} does not match its record. That was "
                    f"attempt {count} of {limit}: the bag is now locked for you and the pharmacy "
                    "lead has been alerted."
                )
            uow.commit()
            raise VerificationMismatch(message, field="check")
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
                {"status": BagStatus.CHECKED, "order_id": bag.order_id, **entered},
            ),
            now=now,
        )
        view = BagView.from_row(bag, lookup_names(uow, [bag.prepared_by_id, actor.id]))
        uow.commit()
    return view
