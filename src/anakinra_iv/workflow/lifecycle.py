"""The order lifecycle as a pure transition table.

::

                 query               change_dose
    pending_verification ------> queried -------> pending_verification
        |  ^  | reject -> rejected     | cancel -> cancelled
        |  |  | cancel -> cancelled
        |  +--(change_dose)--+
      verify                 |
        v                    |
    verified --start--> active <--pause/resume--> paused
        | cancel             |  rate_change, bag_change, loading_dose
        v                    +--stop--> stopped (also from paused)
    cancelled                +--discontinue--> discontinued (also from paused)
                                                  | stop (the nurse ends a running infusion)
                                                  v
                                              discontinued

A dose change on a running infusion keeps the order ``active`` (or ``paused``) and marks it as
needing verification; the nurse keeps running the last verified rate until then. A prescriber
*cancels* an order that never ran and *discontinues* one that did; a pharmacist *rejects* or
*queries* an order that was never verified; a nurse *stops* an infusion. The closed states
(:data:`CLOSED_STATUSES`) are defined here once; every query that asks for open orders uses them.

>>> get_next_status(OrderStatus.VERIFIED, OrderEvent.START)
<OrderStatus.ACTIVE: 'active'>
>>> sorted(s.value for s in CLOSED_STATUSES)
['cancelled', 'discontinued', 'rejected', 'stopped']
"""

from __future__ import annotations

from enum import StrEnum

from anakinra_iv.errors import InvalidTransition

__all__ = [
    "CLOSED_STATUSES",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "OrderEvent",
    "OrderStatus",
    "get_next_status",
    "is_closed",
    "is_open",
    "is_running",
]


class OrderStatus(StrEnum):
    """States of an order."""

    PENDING_VERIFICATION = "pending_verification"
    QUERIED = "queried"
    VERIFIED = "verified"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    DISCONTINUED = "discontinued"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class OrderEvent(StrEnum):
    """What can happen to an order."""

    VERIFY = "verify"
    CHANGE_DOSE = "change_dose"
    QUERY = "query"
    REJECT = "reject"
    CANCEL = "cancel"
    DISCONTINUE = "discontinue"
    LOADING_DOSE = "loading_dose"
    START = "start"
    RATE_CHANGE = "rate_change"
    PAUSE = "pause"
    RESUME = "resume"
    BAG_CHANGE = "bag_change"
    STOP = "stop"


CLOSED_STATUSES: frozenset[OrderStatus] = frozenset(
    {
        OrderStatus.STOPPED,
        OrderStatus.DISCONTINUED,
        OrderStatus.CANCELLED,
        OrderStatus.REJECTED,
    }
)
"""States in which an order is over: nothing more is verified, compounded or started for it."""

OPEN_STATUSES: tuple[OrderStatus, ...] = tuple(s for s in OrderStatus if s not in CLOSED_STATUSES)
"""Every state that is not closed, in declaration order."""

_S, _E = OrderStatus, OrderEvent

TRANSITIONS: dict[tuple[OrderStatus, OrderEvent], OrderStatus] = {
    (_S.PENDING_VERIFICATION, _E.VERIFY): _S.VERIFIED,
    (_S.PENDING_VERIFICATION, _E.CHANGE_DOSE): _S.PENDING_VERIFICATION,
    (_S.PENDING_VERIFICATION, _E.QUERY): _S.QUERIED,
    (_S.PENDING_VERIFICATION, _E.REJECT): _S.REJECTED,
    (_S.PENDING_VERIFICATION, _E.CANCEL): _S.CANCELLED,
    (_S.QUERIED, _E.CHANGE_DOSE): _S.PENDING_VERIFICATION,
    (_S.QUERIED, _E.CANCEL): _S.CANCELLED,
    (_S.VERIFIED, _E.CHANGE_DOSE): _S.PENDING_VERIFICATION,
    (_S.VERIFIED, _E.CANCEL): _S.CANCELLED,
    (_S.VERIFIED, _E.LOADING_DOSE): _S.VERIFIED,
    (_S.VERIFIED, _E.START): _S.ACTIVE,
    (_S.ACTIVE, _E.VERIFY): _S.ACTIVE,
    (_S.ACTIVE, _E.CHANGE_DOSE): _S.ACTIVE,
    (_S.ACTIVE, _E.LOADING_DOSE): _S.ACTIVE,
    (_S.ACTIVE, _E.RATE_CHANGE): _S.ACTIVE,
    (_S.ACTIVE, _E.BAG_CHANGE): _S.ACTIVE,
    (_S.ACTIVE, _E.PAUSE): _S.PAUSED,
    (_S.ACTIVE, _E.STOP): _S.STOPPED,
    (_S.ACTIVE, _E.DISCONTINUE): _S.DISCONTINUED,
    (_S.PAUSED, _E.VERIFY): _S.PAUSED,
    (_S.PAUSED, _E.CHANGE_DOSE): _S.PAUSED,
    (_S.PAUSED, _E.LOADING_DOSE): _S.PAUSED,
    (_S.PAUSED, _E.RESUME): _S.ACTIVE,
    (_S.PAUSED, _E.STOP): _S.STOPPED,
    (_S.PAUSED, _E.DISCONTINUE): _S.DISCONTINUED,
    (_S.DISCONTINUED, _E.STOP): _S.DISCONTINUED,
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


def is_open(status: OrderStatus | str) -> bool:
    """True while an order is not closed (waiting, queried, verified, running or paused). A patient
    has at most one open order: the service refuses a second one, and the
    ``orders.open_patient_id`` unique index, kept from :data:`CLOSED_STATUSES`, refuses it in the
    database.

    >>> is_open("pending_verification"), is_open("stopped"), is_open("discontinued")
    (True, False, False)
    """
    return OrderStatus(status) not in CLOSED_STATUSES


def is_closed(status: OrderStatus | str) -> bool:
    """True when the order is over (one of :data:`CLOSED_STATUSES`).

    >>> is_closed("discontinued"), is_closed("queried")
    (True, False)
    """
    return OrderStatus(status) in CLOSED_STATUSES
