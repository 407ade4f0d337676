"""Use case of nursing: record an administration event as a new constant-rate segment.

A pause and a stop need a reason (a stop ends the order; a pause does not). Whoever verified the
order's dose or prepared the bag does not also hang it (``separate_hanging``, a site setting on by
default): the person counts, whatever roles they hold.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from anakinra_iv.errors import ConflictError, InvalidInput, InvalidTransition, OverrideRequired
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import AdministrationSegment, Bag, Order
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Q_
from anakinra_iv.workflow.checks import get_check_tolerances, is_within_tolerance
from anakinra_iv.workflow.commands import RecordAdministration
from anakinra_iv.workflow.lifecycle import OrderEvent, OrderStatus, get_next_status
from anakinra_iv.workflow.ports import DoseCalculator, PumpRequest, PumpVerdict
from anakinra_iv.workflow.roles import Action, require_different_person
from anakinra_iv.workflow.services._common import (
    build_order_view,
    load_actor,
    save_order,
    to_unit,
)
from anakinra_iv.workflow.services.orders import read_plan_request
from anakinra_iv.workflow.services.pharmacy import BagStatus
from anakinra_iv.workflow.services.scanning import SCANNED_EVENTS, check_scans, record_scan
from anakinra_iv.workflow.views import OrderView

__all__ = [
    "ADMINISTRATION_EVENTS",
    "PumpAlertNotAcknowledged",
    "PumpProgrammeRefused",
    "RateNotVerified",
    "record_administration",
]

ADMINISTRATION_EVENTS = ("start", "rate_change", "pause", "resume", "bag_change", "stop")
"""The events a nurse records, in the API's spelling."""

_RUNNING_EVENTS = ("start", "rate_change", "resume", "bag_change")


class RateNotVerified(InvalidInput):
    """The rate a nurse entered differs from the verified order."""


class PumpProgrammeRefused(InvalidInput):
    """The drug-library check stopped the pump programme (hard stop): reprogram."""


class PumpAlertNotAcknowledged(OverrideRequired):
    """The drug-library check raised a soft alert that the nurse has not acknowledged."""


def _check_pump(
    order: Order,
    bag: Bag,
    rate: float,
    cmd: RecordAdministration,
    calculator: DoseCalculator,
) -> tuple[float, PumpVerdict]:
    """The pump rate (mL/h) and the drug-library verdict; refuse a hard stop, and a soft alert
    without acknowledgement."""
    pump_rate = (
        rate / bag.concentration_mg_per_ml
        if cmd.pump_rate is None
        else to_unit(cmd.pump_rate, "mL/h", field="rate_ml_per_h")
    )
    request = read_plan_request(order.plan_inputs)
    verdict = calculator.check_pump_programme(
        PumpRequest(
            order.protocol_id,
            order.protocol_version,
            Q_(rate, "mg/h"),
            Q_(pump_rate, "mL/h"),
            Q_(bag.concentration_mg_per_ml, "mg/mL"),
            request.weight,
        )
    )
    hard = [f for f in verdict.findings if f.severity == "hard"]
    if hard:
        raise PumpProgrammeRefused(
            "pump programme refused (hard stop): " + "; ".join(f.message for f in hard),
            field=hard[0].field,
            value=pump_rate,
        )
    if verdict.findings and not cmd.acknowledge_pump_alerts:
        raise PumpAlertNotAcknowledged(
            "pump programme needs acknowledgement (soft alert): "
            + "; ".join(f.message for f in verdict.findings),
            field=verdict.findings[0].field,
            value=pump_rate,
        )
    return pump_rate, verdict


def _usable_bag(uow: UnitOfWork, order: Order, bag_id: int | None, at: datetime) -> Bag:
    if bag_id is None:
        raise InvalidInput("'bag_id' is required to hang a bag", field="bag_id")
    bag = uow.bags.get(bag_id)
    if bag.order_id != order.id:
        raise InvalidInput(
            f"bag {bag.id} belongs to order {bag.order_id}, not order {order.id}",
            field="bag_id",
            value=bag.id,
        )
    if bag.status != BagStatus.CHECKED:
        raise InvalidTransition(
            f"bag {bag.id} is '{bag.status}'; only a bag that passed its second check is hung",
            field="bag_id",
            value=bag.id,
        )
    _require_within_beyond_use(bag, at)
    _require_finish_before_beyond_use(bag, at)
    return bag


def _require_finish_before_beyond_use(bag: Bag, at: datetime) -> None:
    """A bag is started only if it can run its whole hang time before its beyond-use time."""
    ends = at + timedelta(hours=bag.hang_time_h)
    if ends > bag.beyond_use:
        latest = bag.beyond_use - timedelta(hours=bag.hang_time_h)
        raise InvalidTransition(
            f"bag {bag.id} cannot finish before its beyond-use time "
            f"{bag.beyond_use.isoformat()}: started at {at.isoformat()} its {bag.hang_time_h:g} h "
            f"would end at {ends.isoformat()}; it had to start by {latest.isoformat()} - "
            "prepare a new bag",
            field="bag_id",
            value=bag.id,
            limit=latest.isoformat(),
        )


def _require_within_beyond_use(bag: Bag, at: datetime) -> None:
    """A bag runs only between its second check (or preparation) and its beyond-use time."""
    ready = bag.checked_at or bag.prepared_at
    if at < ready:
        raise InvalidInput(
            f"'at' {at.isoformat()} is before bag {bag.id} was ready ({ready.isoformat()})",
            field="at",
            value=at.isoformat(),
            limit=ready.isoformat(),
        )
    if at >= bag.beyond_use:
        raise InvalidTransition(
            f"bag {bag.id} is past its beyond-use time {bag.beyond_use.isoformat()}",
            field="bag_id",
            value=bag.id,
            limit=bag.beyond_use.isoformat(),
        )


def _verified_rate(order: Order, cmd: RecordAdministration) -> float:
    verified = order.verified_rate_mg_per_h
    if verified is None:
        raise InvalidTransition(f"order {order.id} has no verified rate", field="order_id")
    if cmd.rate is None:
        return verified
    entered = to_unit(cmd.rate, "mg/h", field="rate_mg_per_h")
    if not is_within_tolerance(verified, entered, get_check_tolerances().administration_rate):
        raise RateNotVerified(
            f"'rate_mg_per_h' {entered:g} mg/h differs from the verified rate of order "
            f"{order.id} ({verified:g} mg/h); a different rate needs a new order",
            field="rate_mg_per_h",
            value=entered,
            limit=verified,
        )
    return verified


def _segment_json(segment: AdministrationSegment | None) -> dict[str, Any] | None:
    if segment is None:
        return None
    return {
        "seq": segment.seq,
        "event": segment.event,
        "bag_id": segment.bag_id,
        "rate_mg_per_h": segment.rate_mg_per_h,
        "rate_ml_per_h": segment.rate_ml_per_h,
        "started_at": segment.started_at.isoformat(),
    }


def _verdict_json(verdict: PumpVerdict) -> dict[str, Any]:
    return {
        "status": verdict.status,
        "care_area": verdict.care_area,
        "findings": [f"{f.severity}: {f.message}" for f in verdict.findings],
    }


def _require_no_other_infusion(uow: UnitOfWork, order: Order) -> None:
    """A discontinued order closes at once (a new order may be written), but its infusion runs
    until a nurse stops it: nothing of a second order runs while it does (one infusion per
    patient at the bedside, whatever the orders' statuses)."""
    statuses = [s.value for s in OrderStatus]
    for other in uow.orders.list_still_running(statuses, patient_id=order.patient_id):
        if other.id != order.id:
            raise ConflictError(
                f"patient {order.patient_id} still has order {other.id} running "
                f"('{other.status}'): stop that infusion before order {order.id} runs",
                field="order_id",
                value=order.id,
            )


def record_administration(
    cmd: RecordAdministration,
    uow: UnitOfWork,
    now: datetime,
    calculator: DoseCalculator,
    *,
    separate_hanging: bool = True,
    require_scan: bool = True,
) -> OrderView:
    """Record start, rate change, pause, resume, bag change or stop of an infusion.

    Each event starts a new segment at ``at`` (default: now); a pause and a stop are segments
    with rate 0. The dose rate must be the verified one; the pump rate (mL/h) is the one keyed
    in, or follows from the concentration of the bag actually hung. A running programme is
    checked against the protocol's drug-library entry: a hard stop is refused, a soft alert
    needs ``acknowledge_pump_alerts``. A start or bag change first passes the barcode check
    (:func:`check_scans`; ``require_scan``: both codes, or an override reason).
    """
    if cmd.event not in ADMINISTRATION_EVENTS:
        raise InvalidInput(
            f"'event' must be one of {', '.join(ADMINISTRATION_EVENTS)} (got '{cmd.event}')",
            field="event",
            value=cmd.event,
        )
    at = cmd.at or now
    if at > now:
        raise InvalidInput(
            f"'at' must not be in the future (got '{at.isoformat()}')", field="at", value=at
        )
    reason = (cmd.reason or "").strip() or None
    if cmd.event in ("pause", "stop") and reason is None:
        raise InvalidInput(f"'reason' is required to {cmd.event} an infusion", field="reason")
    scan = None
    if cmd.event in SCANNED_EVENTS:
        scan = check_scans(cmd, uow, at, now, require_scan=require_scan)
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.ADMINISTER)
        order = uow.orders.get(cmd.order_id)
        next_status = get_next_status(order.status, OrderEvent(cmd.event))
        # The order's segments and bags, read once: the checks below and the view use them
        # (a bag named by id is then found in the unit of work without another query).
        segments = list(uow.segments.list_for_order(order.id))
        bags = uow.bags.list_for_order(order.id)
        last = segments[-1] if segments else None
        if last is not None and at < last.started_at:
            raise InvalidInput(
                f"'at' {at.isoformat()} is before the current segment, which started "
                f"{last.started_at.isoformat()}",
                field="at",
                value=at.isoformat(),
            )
        if order.status == OrderStatus.DISCONTINUED and (last is None or last.rate_mg_per_h <= 0):
            raise InvalidTransition(
                f"order {order.id} is discontinued and its infusion is not running",
                field="status",
                value=order.status,
            )
        current_bag = None if last is None or last.bag_id is None else uow.bags.get(last.bag_id)
        bag = current_bag
        if cmd.event in ("start", "bag_change"):
            bag = _usable_bag(uow, order, cmd.bag_id if scan is None else scan.bag_id, at)
            if separate_hanging:
                require_different_person(
                    actor.id,
                    (order.verified_by_id, bag.prepared_by_id),
                    rule=f"bag {bag.id}: whoever verified the order or prepared the bag does "
                    "not also hang it",
                )
            bag.status = BagStatus.HUNG
            if current_bag is not None and current_bag.id != bag.id:
                current_bag.status = BagStatus.REMOVED
        elif cmd.event == "stop" and current_bag is not None:
            current_bag.status = BagStatus.REMOVED
        if cmd.event in _RUNNING_EVENTS:
            if bag is None:
                raise InvalidTransition(f"order {order.id} has no bag hung", field="bag_id")
            _require_no_other_infusion(uow, order)
            _require_within_beyond_use(bag, at)
            rate = _verified_rate(order, cmd)
            rate_ml, verdict = _check_pump(order, bag, rate, cmd, calculator)
        else:
            rate, rate_ml, verdict = 0.0, 0.0, None
        segment = uow.segments.add(
            AdministrationSegment(
                order_id=order.id,
                seq=1 if last is None else last.seq + 1,
                event=cmd.event,
                bag_id=None if bag is None else bag.id,
                rate_mg_per_h=rate,
                rate_ml_per_h=rate_ml,
                concentration_mg_per_ml=None if bag is None else bag.concentration_mg_per_ml,
                started_at=at,
                reason=reason,
                recorded_by_id=actor.id,
                recorded_at=now,
            ),
            flush=False,
        )
        segments.append(segment)
        if scan is not None:
            record_scan(uow, scan, order.id, cmd.event, segment.seq, actor.id, now)
        old_status = order.status
        order.status = next_status.value
        order.updated_at = now
        if cmd.event == "stop" and old_status != OrderStatus.DISCONTINUED:
            order.status_reason, order.status_by_id, order.status_at = reason, actor.id, at
        save_order(uow, order)
        uow.audit.append(
            AuditEntry(
                actor.username,
                f"administration.{cmd.event}",
                "order",
                str(order.id),
                {"status": old_status, "segment": _segment_json(last)},
                {
                    "status": order.status,
                    "segment": _segment_json(segment),
                    "pump_check": None if verdict is None else _verdict_json(verdict),
                    **({} if scan is None else {"scan": scan.to_json()}),
                },
                reason or "",
            ),
            now=now,
        )
        view = build_order_view(uow, order, segments=segments, bags=bags)
        uow.commit()
    return view
