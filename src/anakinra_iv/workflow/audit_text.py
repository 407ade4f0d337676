"""The audit trail as people read it: one sentence per event, values at display precision, and a
search by patient, order and user, page by page.

The stored event keeps the exact numbers (``66.66666666666667``); the sentence shows what a
clinician reads on the pump (``66.7 mg/h``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.reports.display import show_quantity, show_time
from anakinra_iv.workflow.blinding import HIDDEN_REASON, read_blinding
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.views import AuditEventView

__all__ = ["AuditFilter", "AuditPage", "describe_event", "search_audit"]


@dataclass(frozen=True)
class AuditFilter:
    """What to show: events about one patient, one order, by one user (any combination)."""

    patient_id: int | None = None
    order_id: int | None = None
    actor: str | None = None
    before_seq: int | None = None
    limit: int = 50


@dataclass(frozen=True)
class AuditPage:
    """One page of events, newest first, with where the next (older) page starts."""

    events: tuple[AuditEventView, ...]
    older_than: int | None


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _q(value: Any, unit: str) -> str:
    return show_quantity(value if isinstance(value, int | float) else None, unit)


def _rate(new: dict[str, Any]) -> str:
    return f"{_q(new.get('daily_dose_mg'), 'mg/day')} ({_q(new.get('rate_mg_per_h'), 'mg/h')})"


def _step(new: dict[str, Any]) -> str:
    return f"step {new['step']}, " if new.get("step") else ""


def _segment(segment: Any) -> str:
    s = _d(segment)
    if not s:
        return "nothing running"
    bag = f", bag {s['bag_id']}" if s.get("bag_id") else ""
    return f"{_q(s.get('rate_mg_per_h'), 'mg/h')} = {_q(s.get('rate_ml_per_h'), 'mL/h')}{bag}"


def _because(reason: str) -> str:
    return f" (reason: {reason})" if reason else ""


def _order_created(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    renal = {"apply": "; renal adjustment applied", "keep": "; renal rule fired, dose kept"}
    return (
        f"ordered {_step(new)}{_rate(new)} as order {e.entity_id} for patient "
        f"{new.get('patient_id')}; limit check {new.get('limit_status', '?')}"
        f"{renal.get(str(new.get('renal_decision')), '')}{_because(e.reason)}"
    )


def _dose_changed(e: AuditEventView, z: ZoneInfo) -> str:
    old, new = _d(e.old_value), _d(e.new_value)
    return (
        f"changed the dose of order {e.entity_id} from {_rate(old)} to {_step(new)}{_rate(new)}"
        f"{_because(e.reason)}"
    )


def _verified(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    return (
        f"verified order {e.entity_id} blind (entered {_q(new.get('rate_mg_per_h'), 'mg/h')} and "
        f"{_q(new.get('concentration_mg_per_ml'), 'mg/mL')})"
    )


def _verify_refused(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    return (
        f"entered {_q(new.get('rate_mg_per_h'), 'mg/h')} and "
        f"{_q(new.get('concentration_mg_per_ml'), 'mg/mL')} for order {e.entity_id}: "
        f"{e.reason or 'does not match'}"
    )


def _bag_prepared(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    lots = ", ".join(str(x) for x in new.get("syringe_lots") or [])
    bud = new.get("beyond_use")
    when = show_time(datetime.fromisoformat(bud), z) if isinstance(bud, str) else "?"
    return (
        f"prepared bag {e.entity_id} for order {new.get('order_id')}: "
        f"{_q(new.get('concentration_mg_per_ml'), 'mg/mL')} in "
        f"{_q(new.get('final_volume_ml'), 'mL')}, lots {lots}; beyond use {when}"
    )


def _bag_checked(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    read = (
        f" (read {_q(new.get('drug_amount_mg'), 'mg')} in {_q(new.get('final_volume_ml'), 'mL')})"
        if "drug_amount_mg" in new
        else ""
    )
    return f"second-checked bag {e.entity_id}{read}"


def _bag_check_refused(e: AuditEventView, z: ZoneInfo) -> str:
    return f"read bag {e.entity_id} and it did not match: {e.reason}"


def _administration(e: AuditEventView, z: ZoneInfo) -> str:
    event = e.action.split(".", 1)[1].replace("_", " ")
    new = _d(e.new_value)
    verbs = {"start": "started", "resume": "resumed", "pause": "paused", "stop": "stopped"}
    verb = verbs.get(event, f"recorded a {event} on")
    return (
        f"{verb} order {e.entity_id}: {_segment(new.get('segment'))}{_because(e.reason)}"
        f"{_scan_note(new.get('scan'))}"
    )


def _scan_note(scan: object) -> str:
    if not isinstance(scan, dict):
        return ""
    if scan.get("outcome") == "scanned":
        return (
            f"; scanned wristband {scan.get('scanned_patient')} and bag {scan.get('scanned_bag')}"
        )
    if scan.get("outcome") == "override":
        return f"; barcode scan overridden (reason: {scan.get('override_reason')})"
    return "; not scanned"


def _scan_refused(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    return (
        f"was refused a {str(new.get('event', '')).replace('_', ' ')} of order {e.entity_id} "
        f"by the barcode check (wristband scanned: {new.get('scanned_patient') or 'none'}; "
        f"bag scanned: {new.get('scanned_bag') or 'none'}): {e.reason}"
    )


def _status(verb: str) -> Callable[[AuditEventView, ZoneInfo], str]:
    def describe(e: AuditEventView, z: ZoneInfo) -> str:
        return f"{verb} order {e.entity_id}{_because(e.reason)}"

    return describe


def _loading(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    at = new.get("given_at")
    when = show_time(datetime.fromisoformat(at), z) if isinstance(at, str) else "?"
    return (
        f"gave the loading dose of order {e.entity_id}: {_q(new.get('dose_mg'), 'mg')} IV push "
        f"at {when}, syringe lot {new.get('syringe_lot')}"
    )


def _observation(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    at = new.get("collected_at")
    when = show_time(datetime.fromisoformat(at), z) if isinstance(at, str) else "?"
    return (
        f"recorded {new.get('name')} {new.get('value')} (collected {when}) for patient "
        f"{new.get('patient_id')}"
    )


def _toxicity(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    at = new.get("collected_at")
    when = show_time(datetime.fromisoformat(at), z) if isinstance(at, str) else "?"
    kind = {"icans-astct": "an ICANS", "crs-astct": "a CRS"}.get(str(new.get("score")), "an")
    return (
        f"recorded {kind} assessment (grade {new.get('grade')}, collected {when}) for patient "
        f"{new.get('patient_id')}"
    )


def _patient(e: AuditEventView, z: ZoneInfo) -> str:
    new = _d(e.new_value)
    return f"registered patient {new.get('name')} (MRN {new.get('mrn')}) as patient {e.entity_id}"


def _disclosure(verb: str) -> Callable[[AuditEventView, ZoneInfo], str]:
    def describe(e: AuditEventView, z: ZoneInfo) -> str:
        new = _d(e.new_value)
        what = new.get("format", "")
        return f"{verb} of patient {e.entity_id}" + (f" ({what})" if what else "")

    return describe


_SENTENCES: dict[str, Callable[[AuditEventView, ZoneInfo], str]] = {
    "administration.scan_refused": _scan_refused,
    "order.create": _order_created,
    "order.change_dose": _dose_changed,
    "order.verify": _verified,
    "order.verify_refused": _verify_refused,
    "order.query": _status("queried"),
    "order.reject": _status("rejected"),
    "order.cancel": _status("cancelled"),
    "order.discontinue": _status("discontinued"),
    "order.loading_dose": _loading,
    "bag.prepare": _bag_prepared,
    "bag.check": _bag_checked,
    "bag.check_refused": _bag_check_refused,
    "observation.create": _observation,
    "toxicity_assessment.create": _toxicity,
    "patient.create": _patient,
    "report.view": _disclosure("viewed the course report"),
    "report.export": _disclosure("exported the course report"),
    "fhir.export": _disclosure("exported the FHIR record"),
    "user.create": lambda e, z: (
        f"created user {_d(e.new_value).get('username')} "
        f"({', '.join(_d(e.new_value).get('roles') or [])})"
    ),
    "auth.failed": lambda e, z: f"failed to sign in{_because(e.reason)}",
    "auth.lockout": lambda e, z: (
        f"was locked out after repeated failed sign-ins{_because(e.reason)}"
    ),
    "protocol.approve": lambda e, z: (
        f"approved protocol {e.entity_id} with its "
        f"{_d(e.new_value).get('site_decisions')} site decisions{_because(e.reason)}"
    ),
    "recommendation.create": lambda e, z: (
        f"asked for a recommendation for patient "
        f"{e.entity_id}: {str(_d(e.new_value).get('action', '?')).replace('_', ' ')}"
    ),
    "alert.raise": lambda e, z: f"raised alert {e.entity_id} for the pharmacy lead: {e.reason}",
    "alert.resolve": lambda e, z: f"resolved alert {e.entity_id}{_because(e.reason)}",
}


def describe_event(event: AuditEventView, zone: ZoneInfo) -> str:
    """One sentence saying what happened, who did it first (``dr_house ordered ...``)."""
    if event.reason == HIDDEN_REASON:
        what = event.action.replace(".", " ").replace("_", " ")
        return f"{event.actor}: {what} ({event.entity_type} {event.entity_id}) {HIDDEN_REASON}"
    describe = _SENTENCES.get(event.action)
    if describe is None and event.action.startswith("administration."):
        describe = _administration
    if describe is None:
        text = f"{event.action.replace('.', ' ').replace('_', ' ')} {event.entity_type} "
        return f"{event.actor}: {text}{event.entity_id}{_because(event.reason)}"
    return f"{event.actor} {describe(event, zone)}"


def search_audit(uow: UnitOfWork, user_id: int, search: AuditFilter) -> AuditPage:
    """Events newest first matching ``search`` (admin only)."""
    with uow:
        actor = load_actor(uow, user_id, Action.READ_AUDIT)
        blinding = read_blinding(uow, actor)
        entities: list[tuple[str, list[str]]] | None = None
        if search.order_id is not None:
            orders = [search.order_id]
            entities = [("order", [str(search.order_id)])]
        elif search.patient_id is not None:
            orders = [o.id for o in uow.orders.list_for_patient(search.patient_id)]
            observations = uow.observations.list_ids_for_patient(search.patient_id)
            assessments = [r.id for r in uow.toxicity.list_for_patient(search.patient_id)]
            entities = [
                ("toxicity_assessment", [str(i) for i in assessments]),
                ("patient", [str(search.patient_id)]),
                ("order", [str(i) for i in orders]),
                ("observation", [str(i) for i in observations]),
            ]
        else:
            orders = []
        if entities is not None:
            entities.append(("bag", [str(i) for i in uow.bags.list_ids_for_orders(orders)]))
            entities.append(("alert", [str(i) for i in uow.alerts.list_ids_for_orders(orders)]))
        rows = uow.audit_search.list_events(
            entities=entities,
            actor=search.actor or None,
            before_seq=search.before_seq,
            limit=search.limit + 1,
        )
        views = tuple(
            blinding.present_event(AuditEventView.from_row(r)) for r in rows[: search.limit]
        )
    older = views[-1].seq if len(rows) > search.limit and views else None
    return AuditPage(views, older)
