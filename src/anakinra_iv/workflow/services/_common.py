"""Helpers shared by the service modules: the acting user, names and order views."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from anakinra_iv.errors import ConflictError, InvalidInput
from anakinra_iv.records.tables import AdministrationSegment, Bag, LoadingDose, Order, User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Quantity, magnitude_in
from anakinra_iv.workflow.auth import AuthenticationFailed
from anakinra_iv.workflow.roles import Action, require_allowed
from anakinra_iv.workflow.views import BagView, LoadingDoseView, OrderView, SegmentView

__all__ = [
    "build_order_view",
    "find_dose_written_at",
    "list_dose_authors",
    "list_order_user_ids",
    "load_actor",
    "lookup_names",
    "read_loading_doses",
    "require_expected_version",
    "save_order",
    "to_unit",
]


def load_actor(uow: UnitOfWork, user_id: int, action: Action) -> User:
    """The acting user, checked to be active and allowed to take ``action``."""
    user = uow.users.find(user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("the signed-in user no longer exists or is inactive")
    require_allowed(user.username, user.role_set, action)
    return user


def _last_accepted_verification(uow: UnitOfWork, order: Order) -> datetime | None:
    accepted = [
        v.created_at for v in uow.verifications.list_for_order(order.id) if v.outcome == "accepted"
    ]
    return max(accepted) if accepted else None


def list_dose_authors(uow: UnitOfWork, order: Order) -> tuple[int, ...]:
    """Everyone who wrote the dose that awaits verification: the prescriber, and whoever changed
    the dose since the last accepted verification (every change, not only the latest: a second
    change does not clear the first changer)."""
    since = _last_accepted_verification(uow, order)
    authors = {order.prescriber_id}
    if order.dose_changed_by_id is not None:
        authors.add(order.dose_changed_by_id)
    for plan in uow.recommendations.list_for_order(order.id, "dose_plan"):
        if since is None or plan.created_at >= since:
            authors.add(plan.shown_to_id)
    return tuple(sorted(authors))


def find_dose_written_at(uow: UnitOfWork, order: Order) -> datetime:
    """When the dose that awaits verification was written (the order, or its latest change)."""
    plans = uow.recommendations.list_for_order(order.id, "dose_plan")
    return max([order.created_at, *(p.created_at for p in plans)])


def lookup_names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    """User names for the given user ids (one query at most)."""
    wanted = {i for i in ids if i is not None}
    found = uow.users.find_names(wanted)
    return {user_id: found.get(user_id, f"user {user_id}") for user_id in wanted}


def build_order_view(
    uow: UnitOfWork,
    order: Order,
    *,
    segments: Sequence[AdministrationSegment] | None = None,
    bags: Sequence[Bag] | None = None,
    loading_doses: Mapping[int, LoadingDose] | None = None,
    names: dict[int, str] | None = None,
) -> OrderView:
    """The full view of an order: segments, bags and the loading dose included.

    A service that already holds the order's complete segments (in sequence) or bags (oldest
    first), such as an empty list for an order it has just created, passes them and they are
    not read again; a list of many orders passes the loading doses of all of them, read in one
    query (:func:`read_loading_doses`), and may pass the user names of all of them
    (:func:`list_order_user_ids`, :func:`lookup_names`).
    """
    segments = list(uow.segments.list_for_order(order.id) if segments is None else segments)
    bags = list(uow.bags.list_for_order(order.id) if bags is None else bags)
    if loading_doses is not None:
        loading = loading_doses.get(order.id)
    elif order.loading_dose_mg is None:
        loading = None
    else:
        loading = uow.loading_doses.find_for_order(order.id)
    if names is None:
        names = lookup_names(uow, list_order_user_ids(order, segments, bags, loading))
    return OrderView.from_row(
        order,
        names,
        SegmentView.from_rows(segments, names),
        tuple(BagView.from_row(b, names) for b in bags),
        None if loading is None else LoadingDoseView.from_row(loading, names),
    )


def list_order_user_ids(
    order: Order,
    segments: Iterable[AdministrationSegment],
    bags: Iterable[Bag],
    loading: LoadingDose | None,
) -> list[int | None]:
    """The ids of the users an order's view names."""
    bags = list(bags)
    return (
        [
            order.prescriber_id,
            order.verified_by_id,
            order.dose_changed_by_id,
            order.status_by_id,
            None if loading is None else loading.given_by_id,
        ]
        + [s.recorded_by_id for s in segments]
        + [b.prepared_by_id for b in bags]
        + [b.checked_by_id for b in bags]
    )


def read_loading_doses(uow: UnitOfWork, orders: Iterable[Order]) -> dict[int, LoadingDose]:
    """The loading doses of these orders by order id, in one query."""
    return {d.order_id: d for d in uow.loading_doses.list_for_orders(o.id for o in orders)}


def require_expected_version(order: Order, expected: int | None) -> None:
    """Raise ConflictError naming the order when the client saw an older version of it."""
    if expected is not None and expected != order.version:
        raise ConflictError(
            f"order {order.id} was changed by somebody else (version {order.version}, "
            f"you saw version {expected}); reload it and try again",
            field="order_id",
            value=order.id,
        )


def save_order(uow: UnitOfWork, order: Order) -> None:
    """Write the order now; a concurrent change becomes ConflictError naming the order."""
    order_id = order.id
    try:
        uow.flush()
    except ConflictError as error:
        raise ConflictError(
            f"order {order_id} was changed by somebody else at the same time; "
            "reload it and try again",
            field="order_id",
            value=order_id,
        ) from error


def to_unit(quantity: Quantity, unit: str, *, field: str) -> float:
    """The magnitude of ``quantity`` in ``unit``; a wrong dimension names the field."""
    try:
        return magnitude_in(quantity, unit)
    except Exception as error:
        raise InvalidInput(
            f"'{field}' must be in a unit convertible to {unit} (got '{quantity}')",
            field=field,
            value=str(quantity),
            limit=unit,
        ) from error
