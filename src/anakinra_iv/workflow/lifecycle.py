"""The order lifecycle as a pure transition table.

::

    pending_verification --verify--> verified --start--> active <--pause/resume--> paused
        ^    (change_dose)              |                  |  rate_change, bag_change
        +-------------------------------+                  +--stop--> stopped (also from paused)
    pending_verification / verified --discontinue--> stopped

A dose change on a running infusion keeps the order ``active`` (or ``paused``) and marks it as
needing verification; the nurse keeps running the last verified rate until then.

>>> get_next_status(OrderStatus.VERIFIED, OrderEvent.START)
<OrderStatus.ACTIVE: 'active'>
"""

from __future__ import annotations

from enum import StrEnum

from anakinra_iv.errors import InvalidTransition

__all__ = [
    "CLOSED_STATUSES",
    "TRANSITIONS",
    "OrderEvent",
    "OrderStatus",
    "get_next_status",
    "is_open",
    "is_running",
]


class OrderStatus(StrEnum):
    """States of an order."""

    PENDING_VERIFICATION = "pending_verification"
    VERIFIED = "verified"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class OrderEvent(StrEnum):
    """What can happen to an order."""

    VERIFY = "verify"
    CHANGE_DOSE = "change_dose"
    DISCONTINUE = "discontinue"
    START = "start"
    RATE_CHANGE = "rate_change"
    PAUSE = "pause"
    RESUME = "resume"
    BAG_CHANGE = "bag_change"
    STOP = "stop"


_S, _E = OrderStatus, OrderEvent

TRANSITIONS: dict[tuple[OrderStatus, OrderEvent], OrderStatus] = {
    (_S.PENDING_VERIFICATION, _E.VERIFY): _S.VERIFIED,
    (_S.PENDING_VERIFICATION, _E.CHANGE_DOSE): _S.PENDING_VERIFICATION,
    (_S.PENDING_VERIFICATION, _E.DISCONTINUE): _S.STOPPED,
    (_S.VERIFIED, _E.CHANGE_DOSE): _S.PENDING_VERIFICATION,
    (_S.VERIFIED, _E.DISCONTINUE): _S.STOPPED,
    (_S.VERIFIED, _E.START): _S.ACTIVE,
    (_S.ACTIVE, _E.VERIFY): _S.ACTIVE,
    (_S.ACTIVE, _E.CHANGE_DOSE): _S.ACTIVE,
    (_S.ACTIVE, _E.RATE_CHANGE): _S.ACTIVE,
    (_S.ACTIVE, _E.BAG_CHANGE): _S.ACTIVE,
    (_S.ACTIVE, _E.PAUSE): _S.PAUSED,
    (_S.ACTIVE, _E.STOP): _S.STOPPED,
    (_S.PAUSED, _E.VERIFY): _S.PAUSED,
    (_S.PAUSED, _E.CHANGE_DOSE): _S.PAUSED,
    (_S.PAUSED, _E.RESUME): _S.ACTIVE,
    (_S.PAUSED, _E.STOP): _S.STOPPED,
}
"""(current status, event) -> next status. Anything not listed is refused."""


def get_next_status(status: OrderStatus | str, event: OrderEvent | str) -> OrderStatus:
    """The status after ``event``; raise InvalidTransition if the event does not fit.

    >>> get_next_status("stopped", "resume")
    Traceback (most recent call last):
    ...
    anakinra_iv.errors.InvalidTransition: 'resume' is not allowed on an order that is 'stopped'
    """
    current, happening = OrderStatus(status), OrderEvent(event)
    try:
        return TRANSITIONS[(current, happening)]
    except KeyError:
        raise InvalidTransition(
            f"'{happening}' is not allowed on an order that is '{current}'",
            field="status",
            value=str(current),
        ) from None


def is_running(status: OrderStatus | str) -> bool:
    """True while an infusion is hung (running or paused).

    >>> is_running("paused"), is_running("verified")
    (True, False)
    """
    return OrderStatus(status) in (OrderStatus.ACTIVE, OrderStatus.PAUSED)


CLOSED_STATUSES: frozenset[OrderStatus] = frozenset({OrderStatus.STOPPED})
"""The statuses in which an order is closed: nothing more happens to it. Every other status is
open, and a patient has at most one open order (the service refuses a second one, and the
``orders.open_patient_id`` unique index, kept from this set, refuses it in the database). A new
closed status is added here and nowhere else."""


def is_open(status: OrderStatus | str) -> bool:
    """True while an order is not closed (waiting, verified, running or paused).

    >>> is_open("pending_verification"), is_open("stopped")
    (True, False)
    """
    return OrderStatus(status) not in CLOSED_STATUSES
