"""What the printed sheets of the pharmacy need: the compounding worksheet of a bag to make (or of
a bag made) and the label of a bag.

The worksheet is the recipe the clinical core calculates for a bag prepared now from the order's
verified plan: syringes to open, the volume to draw and to discard, the diluent to withdraw, the
final volume and concentration, with one line per syringe for its lot and expiry. A bag already
made shows the recipe it was made with and the lots recorded. Neither exists for an order that
awaits verification: nothing computed from it is shown before the pharmacist's blind check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from anakinra_iv.errors import InvalidTransition, PermissionDenied
from anakinra_iv.protocol import get_protocol
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.reports.display import show_quantity, show_time, show_value
from anakinra_iv.workflow.blinding import Blinding, read_blinding
from anakinra_iv.workflow.lifecycle import OrderStatus
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.queries import read_patient_view
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import build_order_view, load_actor
from anakinra_iv.workflow.services.orders import read_plan_request
from anakinra_iv.workflow.views import BagView, OrderView, PatientView

__all__ = ["BagLabel", "Worksheet", "get_bag_label_data", "get_bag_worksheet", "get_worksheet"]

_COMPOUNDABLE = (OrderStatus.VERIFIED, OrderStatus.ACTIVE, OrderStatus.PAUSED)


@dataclass(frozen=True)
class Worksheet:
    """A compounding worksheet: the recipe, for whom, and (for a bag made) the bag."""

    patient: PatientView
    order: OrderView
    recipe: dict[str, Any]
    prepared_at: datetime
    beyond_use: datetime
    storage: str
    line: str
    product: str
    bag: BagView | None = None
    steps: tuple[str, ...] = field(default=())

    @property
    def start_by(self) -> datetime:
        """The latest time the bag may be hung (the recipe's start-by time, else beyond use)."""
        return _start_by(self.recipe, self.beyond_use)

    @property
    def syringe_rows(self) -> tuple[dict[str, Any], ...]:
        """One row per syringe to open (with the lot and expiry recorded, for a bag made)."""
        count = int(self.recipe.get("syringes", 0))
        recorded = list(self.bag.syringes) if self.bag is not None else []
        if self.bag is not None and not recorded:
            recorded = [{"lot": lot, "expiry": None} for lot in self.bag.syringe_lots]
        rows = []
        for number in range(1, max(count, len(recorded)) + 1):
            entry = recorded[number - 1] if number <= len(recorded) else {}
            rows.append({"number": number, "lot": entry.get("lot"), "expiry": entry.get("expiry")})
        return tuple(rows)


@dataclass(frozen=True)
class BagLabel:
    """Everything a bag label prints."""

    patient: PatientView
    order: OrderView
    bag: BagView
    diluent: str
    storage: str
    line: str
    start_by: datetime
    handling: str = ""

    @property
    def checked(self) -> bool:
        """True once the bag passed its second check."""
        return self.bag.checked_by is not None

    @property
    def previous_dose(self) -> str | None:
        """Why the bag is for a previous dose of its order (do not hang), or None."""
        return self.bag.find_previous_dose(self.order)


_START_BY = re.compile(r"start by (\d{4}-\d{2}-\d{2} \d{2}:\d{2})(?: UTC)?")
_RATE = re.compile(r"\((\d+(?:\.\d+)?) mg/h\)")
_CONCENTRATION = re.compile(r"(\d+(?:\.\d+)?) mg/mL$")


def show_steps(steps: Any, zone: ZoneInfo) -> tuple[str, ...]:
    """The recipe's steps as the worksheet prints them: every time in the site's zone with its
    date, every dose rate and concentration at the display precision the rest of the sheet and
    the label use (a step never says 66.67 mg/h where the table and the label say 66.7 mg/h).

    >>> for step in show_steps(
    ...     ["Run at 8.3 mL/h (66.67 mg/h) over 12 h; start by 2026-01-05 20:00 UTC",
    ...      "Add the drug: final volume 100 mL, 5.556 mg/mL"], ZoneInfo("Europe/Paris")):
    ...     print(step)
    Run at 8.3 mL/h (66.7 mg/h) over 12 h; start by 5 Jan 2026 21:00 CET
    Add the drug: final volume 100 mL, 5.56 mg/mL
    """
    shown: list[str] = []
    for step in steps if isinstance(steps, list | tuple) else ():
        text = _START_BY.sub(
            lambda m: (
                "start by "
                + show_time(datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC), zone)
            ),
            str(step),
        )
        text = _RATE.sub(lambda m: f"({show_quantity(float(m.group(1)), 'mg/h')})", text)
        text = _CONCENTRATION.sub(lambda m: show_quantity(float(m.group(1)), "mg/mL"), text)
        shown.append(text)
    return tuple(shown)


def _start_by(recipe: dict[str, Any], beyond_use: datetime) -> datetime:
    recorded = recipe.get("start_by")
    if isinstance(recorded, str):
        return min(beyond_use, datetime.fromisoformat(recorded))
    return beyond_use


def _texts(order: OrderView) -> tuple[str, str]:
    protocol = get_protocol(order.protocol_id, order.protocol_version)
    return protocol.storage.text, protocol.line.text


def _product(order: OrderView) -> str:
    """The syringe product as the protocol describes it ("anakinra 100 mg/0.67 mL syringe,
    150 mg/mL")."""
    bag = get_protocol(order.protocol_id, order.protocol_version).bag
    dose, volume, strength = bag.syringe_dose, bag.syringe_volume, bag.product_concentration
    return (
        f"anakinra {show_value(dose.value, dose.unit)}/{show_value(volume.value, volume.unit)} "
        f"syringe, {show_value(strength.value, strength.unit)}"
    )


def _require_verified(order: OrderView) -> None:
    if order.needs_verification or order.status not in _COMPOUNDABLE:
        raise InvalidTransition(
            f"order {order.id} is not verified (status '{order.status}'): no worksheet before "
            "the pharmacist's blind verification",
            field="order_id",
            value=order.id,
        )


def _require_not_blinded(blinding: Blinding, order_id: int, bag_id: int | None = None) -> None:
    """Refuse a printout that would show figures the reader still has to find blind."""
    if blinding.hides_order(order_id) or blinding.hides_bag(bag_id):
        what = f"order {order_id}" if bag_id is None else f"bag {bag_id}"
        raise PermissionDenied(
            f"{what}: its worksheet and label are not shown to you while you owe a blind check "
            "of this patient's order or bag; they are shown once your check is accepted",
            field="user",
            value=order_id,
        )


def get_worksheet(
    uow: UnitOfWork,
    user_id: int,
    order_id: int,
    calculator: DoseCalculator,
    now: datetime,
    zone: ZoneInfo = ZoneInfo("UTC"),
) -> Worksheet:
    """The worksheet of a bag prepared ``now`` for a verified order."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        row = uow.orders.get(order_id)
        order = build_order_view(uow, row)
        _require_verified(order)
        _require_not_blinded(read_blinding(uow, actor), order_id)
        patient = read_patient_view(uow, row.patient_id)
        inputs = dict(row.plan_inputs)
    result = calculator.calculate_bag(read_plan_request(inputs), prepared_at=now)
    storage, line = _texts(order)
    return Worksheet(
        patient,
        order,
        dict(result.recipe),
        now,
        result.beyond_use,
        storage,
        line,
        _product(order),
        steps=show_steps(result.recipe.get("steps"), zone),
    )


def get_bag_worksheet(
    uow: UnitOfWork, user_id: int, bag_id: int, zone: ZoneInfo = ZoneInfo("UTC")
) -> Worksheet:
    """The worksheet a bag was made with, and the syringes recorded for it."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        stored = uow.bags.get(bag_id)
        _require_not_blinded(read_blinding(uow, actor), stored.order_id, bag_id)
        row = uow.orders.get(stored.order_id)
        order = build_order_view(uow, row)
        patient = read_patient_view(uow, row.patient_id)
    bag = next(b for b in order.bags if b.id == bag_id)
    storage, line = _texts(order)
    return Worksheet(
        patient,
        order,
        dict(bag.recipe),
        bag.prepared_at,
        bag.beyond_use,
        storage,
        line,
        _product(order),
        bag,
        steps=show_steps(bag.recipe.get("steps"), zone),
    )


def get_bag_label_data(uow: UnitOfWork, user_id: int, bag_id: int) -> BagLabel:
    """The label of a stored bag, from the stored bag, order and patient.

    "Start by" is the latest time the system lets the bag be hung: its beyond-use time, unless
    the recipe carries an earlier start-by time.
    """
    with uow:
        actor = load_actor(uow, user_id, Action.READ)
        stored = uow.bags.get(bag_id)
        _require_not_blinded(read_blinding(uow, actor), stored.order_id, bag_id)
        row = uow.orders.get(stored.order_id)
        order = build_order_view(uow, row)
        patient = read_patient_view(uow, row.patient_id)
    bag = next(b for b in order.bags if b.id == bag_id)
    storage, line = _texts(order)
    handling = get_protocol(order.protocol_id, order.protocol_version).handling
    start_by = _start_by(bag.recipe, bag.beyond_use)
    return BagLabel(
        patient,
        order,
        bag,
        str(bag.recipe.get("diluent", "")),
        storage,
        line,
        start_by,
        "" if handling is None else handling.text,
    )
