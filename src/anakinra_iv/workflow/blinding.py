"""What a person may see while they still owe a blind check: the order as written, never what
was computed from it, and a bag waiting for its second check without its contents.

Blinding follows the person, not the role they view a page as: whoever holds the pharmacist role
(alone or beside prescriber, nurse, admin or pharmacy lead) is blinded everywhere they read
(pages, previews, the audit trail, worklists, printouts, reports, FHIR and the JSON API).

* An order whose current dose no pharmacist has verified (``needs_verification``) is blinded for
  every pharmacist, open or closed: a rejected, queried or cancelled order keeps its figures
  from pharmacists, so that rejecting an order and reading it, then verifying its re-order, is
  no way round the blind check.
* While a pharmacist owes a blind verification (an open order awaiting it) or a second check (a
  bag somebody else prepared), every order and every bag of that patient is blinded for them:
  earlier orders and bags of the same patient give the same figures away.

:func:`is_blinded_for` and :func:`present_order` give the order-only rule (no database);
:func:`read_blinding` reads the whole rule for one person inside a unit of work.

>>> from anakinra_iv.workflow.lifecycle import OrderStatus
>>> is_blinded_for({"pharmacist"}, OrderStatus.PENDING_VERIFICATION, needs_verification=True)
True
>>> is_blinded_for({"pharmacist"}, OrderStatus.REJECTED, needs_verification=True)
True
>>> is_blinded_for({"nurse"}, OrderStatus.PENDING_VERIFICATION, needs_verification=True)
False
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from anakinra_iv.records.tables import User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.lifecycle import is_open
from anakinra_iv.workflow.roles import Role
from anakinra_iv.workflow.views import AuditEventView, BagView, OrderView

__all__ = [
    "HIDDEN_REASON",
    "NOT_BLINDED",
    "Blinding",
    "is_blinded_for",
    "present_bag",
    "present_order",
    "read_blinding",
]

_PREPARED = "prepared"


def is_blinded_for(roles: Iterable[str], status: str, *, needs_verification: bool) -> bool:
    """True when a person holding ``roles`` must not see what was computed from an order whose
    current dose is (``needs_verification``) or is not yet verified, whatever its status."""
    del status  # a closed order keeps an unverified dose's figures hidden too
    return Role.PHARMACIST.value in set(roles) and needs_verification


def present_bag(bag: BagView, user_id: int, roles: Iterable[str]) -> BagView:
    """The bag as ``user_id`` may see it (contents hidden from a possible second checker)."""
    if (
        bag.status == _PREPARED
        and Role.PHARMACIST.value in set(roles)
        and bag.prepared_by_id != user_id
    ):
        return bag.hidden()
    return bag


def present_order(view: OrderView, user_id: int, roles: Iterable[str]) -> OrderView:
    """The order as ``user_id`` (holding ``roles``) may see it, by the order-only rule."""
    held = set(roles)
    if is_blinded_for(held, view.status, needs_verification=view.needs_verification):
        view = view.to_blinded()
    bags = tuple(present_bag(b, user_id, held) for b in view.bags)
    return view if bags == view.bags else replace(view, bags=bags)


@dataclass(frozen=True)
class Blinding:
    """What one person may not see yet: the orders whose computed figures are hidden, the bags
    whose contents are hidden, and the patients for whom they owe a blind check."""

    user_id: int = 0
    roles: frozenset[str] = frozenset()
    orders: frozenset[int] = frozenset()
    bags: frozenset[int] = frozenset()
    patients: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        """True when nothing is hidden from this person."""
        return not (self.orders or self.bags or self.patients)

    def hides_order(self, order_id: int | None) -> bool:
        """True when the order's computed figures are hidden from this person."""
        return order_id is not None and order_id in self.orders

    def hides_bag(self, bag_id: int | None) -> bool:
        """True when the bag's contents are hidden from this person."""
        return bag_id is not None and bag_id in self.bags

    def present(self, view: OrderView) -> OrderView:
        """The order as this person may see it."""
        if view.id in self.orders:
            view = view.to_blinded(verified_too=view.patient_id in self.patients)
        view = present_order(view, self.user_id, self.roles)
        bags = tuple(
            b.hidden() if b.id in self.bags and not b.contents_hidden else b for b in view.bags
        )
        return view if bags == view.bags else replace(view, bags=bags)

    def present_bag(self, bag: BagView) -> BagView:
        """The bag as this person may see it."""
        return self._hide(present_bag(bag, self.user_id, self.roles))

    def _hide(self, bag: BagView) -> BagView:
        return bag.hidden() if bag.id in self.bags and not bag.contents_hidden else bag

    def present_event(self, event: AuditEventView) -> AuditEventView:
        """An audit event as this person may read it: an event about a hidden order or bag keeps
        who did what and when, and loses every value and the reason written with it (the
        reason says the event is shown without them)."""
        if not self._hides_event(event):
            return event
        return replace(
            event,
            old_value=_safe_part(event.old_value),
            new_value=_safe_part(event.new_value),
            reason=HIDDEN_REASON,
        )

    def _hides_event(self, event: AuditEventView) -> bool:
        if self.is_empty:
            return False
        key = int(event.entity_id) if event.entity_id.isdecimal() else None
        if event.entity_type == "order" and self.hides_order(key):
            return True
        if event.entity_type == "bag" and self.hides_bag(key):
            return True
        for value in (event.old_value, event.new_value):
            if isinstance(value, dict) and (
                self.hides_order(_as_id(value.get("order_id")))
                or self.hides_bag(_as_id(value.get("bag_id")))
            ):
                return True
        return False


HIDDEN_REASON = "(hidden until your blind check)"
"""What an audit event about a hidden order or bag says instead of its reason."""

_SAFE_KEYS = frozenset(
    {"status", "needs_verification", "patient_id", "order_id", "bag_id", "user", "kind", "resolved"}
)


def _as_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _safe_part(value: object) -> object:
    """The keys of an audit value that carry no figure (status, ids, who)."""
    if not isinstance(value, dict):
        return None
    return {k: v for k, v in value.items() if k in _SAFE_KEYS}


NOT_BLINDED = Blinding()
"""Nothing hidden (a person without the pharmacist role)."""


def read_blinding(uow: UnitOfWork, actor: User) -> Blinding:
    """Everything hidden from ``actor`` now (inside an open unit of work)."""
    roles = frozenset(actor.role_set)
    if Role.PHARMACIST.value not in roles:
        return Blinding(actor.id, roles)
    unverified = uow.orders.list_unverified()
    patients = {o.patient_id for o in unverified if is_open(o.status)}
    owed_bags = [b for b in uow.bags.list_by_status([_PREPARED]) if b.prepared_by_id != actor.id]
    for bag in owed_bags:
        order = uow.orders.get(bag.order_id)
        if is_open(order.status):  # a bag left over from a closed order is owed to nobody
            patients.add(order.patient_id)
    orders = {o.id for o in unverified} | set(uow.orders.list_ids_for_patients(patients))
    bags = {b.id for b in owed_bags} | set(uow.bags.list_ids_for_orders(orders))
    return Blinding(actor.id, roles, frozenset(orders), frozenset(bags), frozenset(patients))
