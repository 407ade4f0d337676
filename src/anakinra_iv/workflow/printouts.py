"""What the printed sheets of the pharmacy need: the compounding worksheet of a bag to make (or of
a bag made) and the label of a bag.

The worksheet is the recipe the clinical core calculates for a bag prepared now from the order's
verified plan: syringes to open, the volume to draw and to discard, the diluent to withdraw, the
final volume and concentration, with one line per syringe for its lot and expiry. A bag already
made shows the recipe it was made with and the lots recorded. Neither exists for an order that
awaits verification: nothing computed from it is shown before the pharmacist's blind check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anakinra_iv.errors import InvalidTransition, PermissionDenied
from anakinra_iv.protocol import get_protocol
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.reports.display import show_value
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
    uow: UnitOfWork, user_id: int, order_id: int, calculator: DoseCalculator, now: datetime
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
    )


def get_bag_worksheet(uow: UnitOfWork, user_id: int, bag_id: int) -> Worksheet:
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
    start_by = bag.beyond_use
    recorded = bag.recipe.get("start_by")
    if isinstance(recorded, str):
        start_by = min(start_by, datetime.fromisoformat(recorded))
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
