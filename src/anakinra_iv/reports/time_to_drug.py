"""Time to drug: how long each step of an order took, from the stored events of one order.

Pure functions over values (no database, no clock: ``now`` is passed in). The query layer
(:mod:`anakinra_iv.workflow.time_to_drug`) reads the stored events; everything here is computed
from them.

Steps of an order, in the order they happen (each one's interval ends when the next begins, so
the steps add up to the total exactly)::

    reorder   first signature of a rejected order -> this order signed (0 without one)
    verify    order signed -> pharmacist's blind verification accepted
    prepare   verified -> the bag that was hung was prepared
    check     prepared -> that bag passed its second check
    start     checked -> infusion started (the nurse's documented start)
    total     first signature -> infusion started

A dose changed before the infusion started must be verified again: the ``verify`` step ends at
the verification of the dose that ran (the time spent on the first dose counts as verifying).

The loading dose runs alongside the bag (it is drawn from a syringe once the order is verified):
it is reported as its own interval, verified -> loading dose given, outside the sum.

Which times are used: signing, verification, preparation and checks are the server's times of
the workflow (the audit trail's); a bedside start, bag change, pause or loading dose is the time
the nurse documented, which the server refuses in the future or before the infusion's previous
segment. A documented time earlier than the step it waits on (an infusion documented as started
before its bag was checked) is read as that step's time, so no interval is negative; it is
counted in ``clamped`` so that it is not hidden.

Rejected and re-ordered orders: a rejected order is not counted as an order of its own (it never
reached the patient, and it must not look fast); the prescriber's next order for the same patient
after the rejection, with no infusion of that patient in between, is its re-order. The re-order's
total starts at the rejected order's signature, the difference being its ``reorder`` step: the
time the rejection cost the patient. A chain of several rejections counts from the first. An order
cancelled before it ran is reported as cancelled and left out of every interval.

Open orders: an order still waiting at ``now`` has its waiting step reported as open with the
time it has waited so far; the open step and the total are never counted among the finished
intervals (an order still waiting is not fast). Steps it already finished are counted.

Dose changes of a running infusion: change signed -> re-verified -> the new rate running (the
first running segment recorded after the re-verification), and the total. Bag changes: the bag
is due ``hang_time`` after it was hung (or at its beyond-use time if earlier); the delay is due ->
next bag hung (0 when changed early). Gaps with no drug running come from the administration
segments: pauses and stops (rate 0), and any time a running segment's bag had run empty at the
recorded pump rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = [
    "ORDER_STEPS",
    "STEP_LABELS",
    "BagChangeTiming",
    "BagRecord",
    "DoseChangeRecord",
    "DoseChangeTiming",
    "Gap",
    "OrderRecord",
    "OrderTiming",
    "SegmentRecord",
    "StepTiming",
    "calculate_order_timing",
    "calculate_order_timings",
    "get_gaps",
]

ORDER_STEPS: tuple[str, ...] = ("reorder", "verify", "prepare", "check", "start")
"""The steps of an order that add up to its total, in the order they happen."""

STEP_LABELS: dict[str, str] = {
    "reorder": "rejected and re-ordered",
    "verify": "signed -> verified",
    "prepare": "verified -> bag prepared",
    "check": "prepared -> second check",
    "start": "checked -> infusion started",
    "total": "order signed -> infusion running",
    "loading": "verified -> loading dose given",
    "dose_change": "dose change signed -> new rate running",
    "bag_change": "bag due -> new bag hung",
}
"""What each interval measures, as pages and files name it."""

_RUNNING = frozenset({"start", "rate_change", "resume", "bag_change"})


@dataclass(frozen=True)
class SegmentRecord:
    """One administration segment as stored (a pause and a stop have rate 0)."""

    seq: int
    event: str
    at: datetime
    rate_mg_per_h: float
    rate_ml_per_h: float
    bag_id: int | None
    recorded_at: datetime


@dataclass(frozen=True)
class BagRecord:
    """One compounded bag: when prepared and checked, its volume and planned hang time."""

    bag_id: int
    prepared_at: datetime
    checked_at: datetime | None
    final_volume_ml: float
    hang_time_h: float
    beyond_use: datetime


@dataclass(frozen=True)
class DoseChangeRecord:
    """A dose change: when it was signed and when its re-verification was accepted."""

    signed_at: datetime
    verified_at: datetime | None


@dataclass(frozen=True)
class OrderRecord:
    """The stored events of one order."""

    order_id: int
    patient_id: int
    ward: str
    status: str
    signed_at: datetime
    verified_at: datetime | None = None
    closed_at: datetime | None = None
    loading_given_at: datetime | None = None
    bags: tuple[BagRecord, ...] = ()
    segments: tuple[SegmentRecord, ...] = ()
    dose_changes: tuple[DoseChangeRecord, ...] = ()


@dataclass(frozen=True)
class StepTiming:
    """One interval: its minutes, or the minutes waited so far when ``open``."""

    step: str
    started_at: datetime
    ended_at: datetime | None
    minutes: float
    open: bool = False


@dataclass(frozen=True)
class DoseChangeTiming:
    """A dose change of a running infusion, step by step."""

    signed_at: datetime
    verified_at: datetime | None
    running_at: datetime | None
    verify_minutes: float | None
    run_minutes: float | None
    total_minutes: float
    open: bool


@dataclass(frozen=True)
class BagChangeTiming:
    """A bag that came due: when, when the next one was hung, the delay (0 when early)."""

    bag_id: int
    due_at: datetime
    hung_at: datetime | None
    delay_minutes: float
    open: bool


@dataclass(frozen=True)
class Gap:
    """A stretch with no drug running: ``why`` is ``pause``, ``stop`` or ``bag empty``."""

    started_at: datetime
    ended_at: datetime
    why: str

    @property
    def minutes(self) -> float:
        """Its length in minutes."""
        return _minutes(self.started_at, self.ended_at)


@dataclass(frozen=True)
class OrderTiming:
    """Every interval of one order.

    ``outcome`` is ``running`` (the infusion started), ``open`` (still waiting at ``now``),
    ``rejected`` or ``cancelled`` (never ran; no intervals counted).
    """

    order_id: int
    patient_id: int
    ward: str
    status: str
    outcome: str
    first_signed_at: datetime
    signed_at: datetime
    started_at: datetime | None
    steps: tuple[StepTiming, ...]
    loading: StepTiming | None
    dose_changes: tuple[DoseChangeTiming, ...] = ()
    bag_changes: tuple[BagChangeTiming, ...] = ()
    gaps: tuple[Gap, ...] = ()
    running_until: datetime | None = None
    rejected_orders: tuple[int, ...] = ()
    clamped: int = 0
    open_step: str | None = field(default=None)

    @property
    def total(self) -> StepTiming | None:
        """First signature -> infusion started (open while waiting); None if it never ran."""
        if self.outcome in ("rejected", "cancelled"):
            return None
        end = self.started_at
        minutes = sum(s.minutes for s in self.steps)
        return StepTiming("total", self.first_signed_at, end, minutes, open=end is None)


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _bag_hung_at(segments: Sequence[SegmentRecord], bag_id: int) -> datetime | None:
    return next((s.at for s in segments if s.bag_id == bag_id and s.event in _RUNNING), None)


def _first_start(segments: Sequence[SegmentRecord]) -> SegmentRecord | None:
    return next((s for s in segments if s.event == "start"), None)


def _infusion_end(record: OrderRecord, now: datetime) -> datetime:
    stop = next((s for s in record.segments if s.event == "stop"), None)
    return now if stop is None else stop.at


def _empty_at(segments: Sequence[SegmentRecord], bag: BagRecord, now: datetime) -> datetime | None:
    """When the bag ran empty at the recorded pump rates (None if it had not by its removal)."""
    left = bag.final_volume_ml
    for index, segment in enumerate(segments):
        if segment.bag_id != bag.bag_id or segment.event not in _RUNNING:
            continue
        if segment.rate_ml_per_h <= 0:
            continue
        following = segments[index + 1] if index + 1 < len(segments) else None
        end = now if following is None else following.at
        hours = max(0.0, (end - segment.at).total_seconds() / 3600)
        needed = left / segment.rate_ml_per_h
        if needed <= hours:
            return segment.at + timedelta(hours=needed)
        left -= hours * segment.rate_ml_per_h
    return None


def get_gaps(record: OrderRecord, now: datetime) -> tuple[Gap, ...]:
    """Stretches of the order's infusion with no drug running, up to ``now``.

    From the first start: every pause (until the next segment), a stop that the order came
    back from (it cannot: a stop ends the order, so a stop ends the infusion instead), and time
    after a hung bag ran empty until the next segment.
    """
    segments = record.segments
    bags = {b.bag_id: b for b in record.bags}
    gaps: list[Gap] = []
    start = _first_start(segments)
    if start is None:
        return ()
    for index, segment in enumerate(segments):
        if segment.seq < start.seq or segment.event == "stop":
            continue
        following = segments[index + 1] if index + 1 < len(segments) else None
        end = min(now, following.at) if following is not None else now
        if end <= segment.at:
            continue
        if segment.rate_mg_per_h <= 0:
            gaps.append(Gap(segment.at, end, "pause"))
            continue
        bag = bags.get(segment.bag_id) if segment.bag_id is not None else None
        if bag is None:
            continue
        empty = _empty_at(segments[: index + 1], bag, end)
        if empty is not None and empty < end:
            gaps.append(Gap(max(empty, segment.at), end, "bag empty"))
    return tuple(gaps)


def _bag_changes(record: OrderRecord, now: datetime) -> tuple[BagChangeTiming, ...]:
    segments = record.segments
    bags = {b.bag_id: b for b in record.bags}
    hung: list[tuple[int, datetime]] = []
    for segment in segments:
        if segment.event in ("start", "bag_change") and segment.bag_id is not None:
            hung.append((segment.bag_id, segment.at))
    stopped = any(s.event == "stop" for s in segments)
    changes: list[BagChangeTiming] = []
    for index, (bag_id, hung_at) in enumerate(hung):
        bag = bags.get(bag_id)
        if bag is None:
            continue
        due = min(hung_at + timedelta(hours=bag.hang_time_h), bag.beyond_use)
        if index + 1 < len(hung):
            next_at = hung[index + 1][1]
            changes.append(
                BagChangeTiming(bag_id, due, next_at, max(0.0, _minutes(due, next_at)), False)
            )
        elif not stopped and record.status not in ("stopped", "discontinued") and due <= now:
            changes.append(BagChangeTiming(bag_id, due, None, _minutes(due, now), True))
    return tuple(changes)


def _dose_changes(
    record: OrderRecord, started: SegmentRecord | None, now: datetime
) -> tuple[DoseChangeTiming, ...]:
    if started is None:
        return ()
    result: list[DoseChangeTiming] = []
    closed = record.status in ("stopped", "discontinued", "cancelled", "rejected")
    for change in record.dose_changes:
        if change.signed_at < started.recorded_at:
            continue
        verified = change.verified_at
        running = None
        if verified is not None:
            running = next(
                (
                    s
                    for s in record.segments
                    if s.event in _RUNNING and s.rate_mg_per_h > 0 and s.recorded_at >= verified
                ),
                None,
            )
        if (verified is None or running is None) and closed:
            continue
        v_at = None if verified is None else max(verified, change.signed_at)
        r_at = None if running is None or v_at is None else max(running.at, v_at)
        end = r_at or now
        result.append(
            DoseChangeTiming(
                change.signed_at,
                v_at,
                r_at,
                None if v_at is None else _minutes(change.signed_at, v_at),
                None if r_at is None or v_at is None else _minutes(v_at, r_at),
                max(0.0, _minutes(change.signed_at, end)),
                r_at is None,
            )
        )
    return tuple(result)


def _verified_dose_at(record: OrderRecord, started: SegmentRecord | None) -> datetime | None:
    """When the dose that ran (or is to run) was verified: after the last dose change signed
    before the start, that change's verification; otherwise the order's first."""
    before = [
        c for c in record.dose_changes if started is None or c.signed_at < started.recorded_at
    ]
    if not before:
        return record.verified_at
    return max(before, key=lambda c: c.signed_at).verified_at


def _hung_bag(record: OrderRecord, started: SegmentRecord | None) -> BagRecord | None:
    if started is not None and started.bag_id is not None:
        found = next((b for b in record.bags if b.bag_id == started.bag_id), None)
        if found is not None:
            return found
    checked = [b for b in record.bags if b.checked_at is not None]
    if checked:
        return min(checked, key=lambda b: (b.checked_at or b.prepared_at, b.bag_id))
    return min(record.bags, key=lambda b: (b.prepared_at, b.bag_id), default=None)


def calculate_order_timing(
    record: OrderRecord,
    now: datetime,
    *,
    rejected: Sequence[OrderRecord] = (),
) -> OrderTiming:
    """The intervals of one order at ``now``; ``rejected`` are the orders it re-orders.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    >>> open_order = OrderRecord(1, 7, "ICU 4", "pending_verification", t0)
    >>> timing = calculate_order_timing(open_order, t0 + timedelta(minutes=45))
    >>> timing.outcome, timing.open_step, timing.steps[-1].minutes
    ('open', 'verify', 45.0)
    """
    first = min((r.signed_at for r in rejected), default=record.signed_at)
    first = min(first, record.signed_at)
    rejected_ids = tuple(r.order_id for r in rejected)
    started = _first_start(record.segments)
    if started is None and record.status in ("rejected", "cancelled", "stopped", "discontinued"):
        outcome = "rejected" if record.status == "rejected" else "cancelled"
        return OrderTiming(
            record.order_id,
            record.patient_id,
            record.ward,
            record.status,
            outcome,
            first,
            record.signed_at,
            None,
            (),
            None,
            rejected_orders=rejected_ids,
        )
    bag = _hung_bag(record, started)
    documented: list[tuple[str, datetime | None]] = [
        ("reorder", record.signed_at),
        ("verify", _verified_dose_at(record, started)),
        ("prepare", None if bag is None else bag.prepared_at),
        ("check", None if bag is None else bag.checked_at),
        ("start", None if started is None else started.at),
    ]
    steps: list[StepTiming] = []
    clamped = 0
    previous = first
    open_step = None
    for name, moment in documented:
        if moment is None:
            steps.append(StepTiming(name, previous, None, max(0.0, _minutes(previous, now)), True))
            open_step = name
            break
        if moment < previous:
            clamped += 1
            moment = previous
        steps.append(StepTiming(name, previous, moment, _minutes(previous, moment)))
        previous = moment
    loading = None
    if record.verified_at is not None and record.loading_given_at is not None:
        given = max(record.loading_given_at, record.verified_at)
        loading = StepTiming(
            "loading", record.verified_at, given, _minutes(record.verified_at, given)
        )
    started_at = None if open_step is not None else previous
    return OrderTiming(
        record.order_id,
        record.patient_id,
        record.ward,
        record.status,
        "open" if open_step is not None else "running",
        first,
        record.signed_at,
        started_at,
        tuple(steps),
        loading,
        dose_changes=_dose_changes(record, started, now),
        bag_changes=_bag_changes(record, now),
        gaps=get_gaps(record, now),
        running_until=None if started_at is None else _infusion_end(record, now),
        rejected_orders=rejected_ids,
        clamped=clamped,
        open_step=open_step,
    )


def calculate_order_timings(records: Iterable[OrderRecord], now: datetime) -> list[OrderTiming]:
    """The timing of every order, a re-order linked to the rejected orders before it.

    An order re-orders the patient's rejected orders signed before it since the patient's last
    order that was not rejected (see the module's description).
    """
    by_patient: dict[int, list[OrderRecord]] = {}
    for record in sorted(records, key=lambda r: (r.signed_at, r.order_id)):
        by_patient.setdefault(record.patient_id, []).append(record)
    timings: list[OrderTiming] = []
    for orders in by_patient.values():
        pending: list[OrderRecord] = []
        for record in orders:
            if record.status == "rejected" and not record.segments:
                timings.append(calculate_order_timing(record, now))
                pending.append(record)
                continue
            timings.append(calculate_order_timing(record, now, rejected=pending))
            pending = []
    return sorted(timings, key=lambda t: (t.signed_at, t.order_id))
