"""Time to drug: the stored events of orders, read for the pure computations of
:mod:`anakinra_iv.reports.time_to_drug` and :mod:`anakinra_iv.reports.time_to_drug_summary`.

Every time comes from the database: order signing (``orders.created_at``), accepted blind
verifications, bag preparation and second check, administration segments, the loading dose, and
the audit trail's ``order.change_dose`` events; never a clock of the reader's. ``now`` is the
server's clock, used only for how long an open step has waited so far.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.tables import (
    AdministrationSegment,
    AuditEvent,
    Bag,
    LoadingDose,
    Order,
    Patient,
    Verification,
)
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork
from anakinra_iv.reports.time_to_drug import (
    BagRecord,
    DoseChangeRecord,
    OrderRecord,
    OrderTiming,
    SegmentRecord,
    calculate_order_timings,
)
from anakinra_iv.reports.time_to_drug_summary import PERIODS, PeriodSummary, calculate_summaries
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor

__all__ = [
    "NO_WARD",
    "TimeToDrugReport",
    "get_order_timing",
    "get_time_to_drug",
    "read_order_records",
]

NO_WARD = "no ward"
"""The ward of a patient registered without one."""


@dataclass(frozen=True)
class TimeToDrugReport:
    """Summaries per period and ward, and the timing of every order signed in the range."""

    first: date
    last: date
    period: str
    zone: str
    computed_at: datetime
    summaries: tuple[PeriodSummary, ...]
    orders: tuple[OrderTiming, ...]


def _accepted_after(times: Sequence[datetime], moment: datetime) -> datetime | None:
    return next((t for t in times if t >= moment), None)


def read_order_records(
    uow: SqlAlchemyUnitOfWork,
    *,
    signed_before: datetime | None = None,
    patient_id: int | None = None,
) -> list[OrderRecord]:
    """The stored events of every order (signed before ``signed_before``, of one patient)."""
    session = uow.session
    query = select(Order, Patient.ward).join(Patient, Patient.id == Order.patient_id)
    if signed_before is not None:
        query = query.where(Order.created_at < signed_before)
    if patient_id is not None:
        query = query.where(Order.patient_id == patient_id)
    rows = session.execute(query.order_by(Order.created_at, Order.id)).all()
    ids = [order.id for order, _ in rows]
    if not ids:
        return []
    accepted: dict[int, list[datetime]] = defaultdict(list)
    for order_id, at in session.execute(
        select(Verification.order_id, Verification.created_at)
        .where(Verification.order_id.in_(ids), Verification.outcome == "accepted")
        .order_by(Verification.created_at, Verification.id)
    ):
        accepted[order_id].append(at)
    bags: dict[int, list[BagRecord]] = defaultdict(list)
    for bag in session.scalars(select(Bag).where(Bag.order_id.in_(ids)).order_by(Bag.id)):
        bags[bag.order_id].append(
            BagRecord(
                bag.id,
                bag.prepared_at,
                bag.checked_at,
                bag.final_volume_ml,
                bag.hang_time_h,
                bag.beyond_use,
            )
        )
    segments: dict[int, list[SegmentRecord]] = defaultdict(list)
    for s in session.scalars(
        select(AdministrationSegment)
        .where(AdministrationSegment.order_id.in_(ids))
        .order_by(AdministrationSegment.order_id, AdministrationSegment.seq)
    ):
        segments[s.order_id].append(
            SegmentRecord(
                s.seq,
                s.event,
                s.started_at,
                s.rate_mg_per_h,
                s.rate_ml_per_h,
                s.bag_id,
                s.recorded_at,
            )
        )
    loading = {
        order_id: at
        for order_id, at in session.execute(
            select(LoadingDose.order_id, LoadingDose.given_at).where(LoadingDose.order_id.in_(ids))
        )
    }
    changes: dict[int, list[datetime]] = defaultdict(list)
    change_query = select(AuditEvent.entity_id, AuditEvent.occurred_at).where(
        AuditEvent.action == "order.change_dose",
        AuditEvent.entity_id.in_([str(i) for i in ids]),
        AuditEvent.entity_type == "order",
    )
    for entity_id, at in session.execute(change_query.order_by(AuditEvent.seq)):
        changes[int(entity_id)].append(at)
    records = []
    for order, ward in rows:
        verified = accepted.get(order.id, [])
        records.append(
            OrderRecord(
                order.id,
                order.patient_id,
                ward or NO_WARD,
                order.status,
                order.created_at,
                verified_at=verified[0] if verified else None,
                closed_at=order.status_at,
                loading_given_at=loading.get(order.id),
                bags=tuple(bags.get(order.id, [])),
                segments=tuple(segments.get(order.id, [])),
                dose_changes=tuple(
                    DoseChangeRecord(at, _accepted_after(verified, at))
                    for at in changes.get(order.id, [])
                ),
            )
        )
    return records


def _check_range(first: date, last: date, period: str) -> None:
    if last < first:
        raise InvalidInput(
            f"'to' {last.isoformat()} is before 'from' {first.isoformat()}",
            field="to",
            value=last.isoformat(),
        )
    if (last - first).days > 366:
        raise InvalidInput(
            f"'to' is more than 366 days after 'from' (got {(last - first).days} days)",
            field="to",
            value=last.isoformat(),
        )
    if period not in PERIODS:
        raise InvalidInput(
            f"'period' must be one of {', '.join(PERIODS)} (got '{period}')",
            field="period",
            value=period,
        )


def get_time_to_drug(
    uow: SqlAlchemyUnitOfWork,
    user_id: int | None,
    first: date,
    last: date,
    now: datetime,
    zone: ZoneInfo,
    *,
    period: str = "range",
) -> TimeToDrugReport:
    """Time to drug of the orders signed from ``first`` to ``last`` (site days, inclusive).

    ``user_id`` None is the operator at the server's command line (no role to check: they hold
    the database credentials); the web and REST paths always pass the signed-in user."""
    _check_range(first, last, period)
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    with uow:
        if user_id is not None:
            load_actor(uow, user_id, Action.READ_METRICS)
        records = read_order_records(uow, signed_before=end)
    timings = calculate_order_timings(records, now)
    summaries = calculate_summaries(timings, first, last, zone, period)
    shown = tuple(t for t in timings if start <= t.first_signed_at < end)
    return TimeToDrugReport(first, last, period, zone.key, now, tuple(summaries), shown)


def get_order_timing(
    uow: SqlAlchemyUnitOfWork, user_id: int, order_id: int, now: datetime
) -> OrderTiming | None:
    """The timing of one order (None if the order does not exist)."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        order = uow.orders.find(order_id)
        if order is None:
            return None
        records = read_order_records(uow, patient_id=order.patient_id)
    return next((t for t in calculate_order_timings(records, now) if t.order_id == order_id), None)
