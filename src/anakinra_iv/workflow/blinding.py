"""What a pharmacist may see before their own blind check: the order as written, never what was
computed from it, and a bag waiting for its second check without its contents.

An order awaiting verification is *blinded* for every user who holds the pharmacist role (any of
them may verify it): they see the patient, the weight, creatinine, age and sex, the protocol, the
step or daily dose typed and the reasons written, and no rate, concentration or plan until their
own verification is accepted. A bag that waits for its second check is shown without drug amount,
volume, concentration or lots to every pharmacist except the one who prepared it.

>>> from anakinra_iv.workflow.lifecycle import OrderStatus
>>> is_blinded_for({"pharmacist"}, OrderStatus.PENDING_VERIFICATION, needs_verification=True)
True
>>> is_blinded_for({"nurse"}, OrderStatus.PENDING_VERIFICATION, needs_verification=True)
False
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from anakinra_iv.workflow.lifecycle import is_closed
from anakinra_iv.workflow.roles import Role
from anakinra_iv.workflow.views import BagView, OrderView

__all__ = ["is_blinded_for", "present_bag", "present_order"]

_PREPARED = "prepared"


def is_blinded_for(roles: Iterable[str], status: str, *, needs_verification: bool) -> bool:
    """True when a user with ``roles`` must not see what was computed from an order."""
    return Role.PHARMACIST.value in set(roles) and needs_verification and not is_closed(status)


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
    """The order as ``user_id`` (holding ``roles``) may see it."""
    held = set(roles)
    if is_blinded_for(held, view.status, needs_verification=view.needs_verification):
        view = view.to_blinded()
    bags = tuple(present_bag(b, user_id, held) for b in view.bags)
    return view if bags == view.bags else replace(view, bags=bags)
