"""Barcode check at the bedside: the right bag on the right patient, scanned, before a start or
a bag change.

The nurse scans the patient's wristband and the bag's label. The wristband must carry this
order's patient; the bag must be a bag of this order that passed its second check, is not past
its beyond-use time, is not already hung, and holds the verified concentration (within the
bag-check tolerance of ``checks.yaml``). Any mismatch is a hard stop that names what did not
match; the refusal is committed to the audit trail (both scanned values and every problem) in
its own transaction, and nothing of the administration is written.

When scanning is required (``require_scan``, the site setting ``ANAKINRA_REQUIRE_SCAN``, on by
default), a code that cannot be scanned (a torn wristband, a broken scanner) is replaced by an
override reason; the override is stored with the administration, audited and shown on the board.
An override never passes a code that was scanned and did not match.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from anakinra_iv.compounding.codes import ScannedCode, read_code
from anakinra_iv.errors import AnakinraError, InvalidInput, InvalidTransition, ProblemList
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import AdministrationScan, Bag, Order, Patient
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.checks import (
    find_previous_dose,
    get_check_tolerances,
    is_within_tolerance,
    read_bag_dose_rate,
)
from anakinra_iv.workflow.commands import RecordAdministration
from anakinra_iv.workflow.lifecycle import OrderEvent, get_next_status
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.services.pharmacy import BagStatus

__all__ = [
    "SCANNED_EVENTS",
    "BagNotHangable",
    "ScanMismatch",
    "ScanOutcome",
    "check_scans",
    "read_override_reason",
    "record_scan",
]

SCANNED_EVENTS: Final = ("start", "bag_change")
"""The events that hang a bag, and so need the barcode check."""

_MAX_SCAN_TEXT: Final = 128

_CONTROL_CATEGORIES: Final = ("Cc", "Cf")
"""Unicode control and format characters (zero-width, soft hyphen, bidi controls): invisible."""

_BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Bidirectional text controls: refused in an override reason, not silently removed."""

_INVISIBLE_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters by their Unicode category, blank on screen."""

_MIN_REASON_CHARACTERS: Final = 3
"""Visible letters or digits an override reason needs (input validation, not a clinical
number)."""


class ScanMismatch(InvalidInput):
    """A scanned code does not match the order (or is missing without an override reason)."""


class BagNotHangable(ScanMismatch, InvalidTransition):
    """The bag scanned is of this order but its state forbids hanging it: not checked, already
    hung, past its beyond-use time (a transition the bag's state does not allow: 409)."""


@dataclass(frozen=True)
class ScanOutcome:
    """The barcode check of one start or bag change that passed.

    ``outcome`` is ``scanned`` (both codes matched), ``override`` (a code was not scanned and a
    reason was given) or ``not_scanned`` (the site does not require scanning).
    """

    outcome: str
    bag_id: int | None
    scanned_patient: str | None
    scanned_bag: str | None
    override_reason: str | None
    ward: str | None

    def to_json(self) -> dict[str, Any]:
        """The check as the audit trail records it."""
        return {
            "outcome": self.outcome,
            "scanned_patient": self.scanned_patient,
            "scanned_bag": self.scanned_bag,
            "override_reason": self.override_reason,
        }


def _clean(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    return text.strip()[:_MAX_SCAN_TEXT]


def _plain(text: str | None) -> str | None:
    """``text`` without control and format characters (zero-width, bidi controls), its
    whitespace (any kind) collapsed to single spaces; None when nothing is left."""
    if text is None:
        return None
    kept = "".join(
        ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _CONTROL_CATEGORIES
    )
    return " ".join(kept.split())[:_MAX_SCAN_TEXT] or None


def read_override_reason(text: str | None, problems: list[AnakinraError]) -> str | None:
    """The override reason as stored, or None when none was given or it does not say anything a
    person can read (a problem naming ``scan_override_reason`` is then added)."""
    if not text:
        return None
    field = "scan_override_reason"
    if any(ch in _BIDI_CONTROLS for ch in text):
        problems.append(
            ScanMismatch(
                f"'{field}' must not contain bidirectional text controls (they make the reason "
                "read differently from what is stored): type it as plain text",
                field=field,
                value=text.encode("unicode_escape").decode("ascii"),
            )
        )
        return None
    reason = _plain(text)
    readable = sum(ch.isalnum() and ch not in _INVISIBLE_LETTERS for ch in reason or "")
    if reason is None or readable < _MIN_REASON_CHARACTERS:
        problems.append(
            ScanMismatch(
                f"'{field}' must say why a code could not be scanned, in at least "
                f"{_MIN_REASON_CHARACTERS} visible letters or digits (spaces and invisible "
                "characters do not count)",
                field=field,
                value=text.encode("unicode_escape").decode("ascii"),
            )
        )
        return None
    return reason


def _read(text: str, field: str, kind: str, problems: list[AnakinraError]) -> ScannedCode | None:
    try:
        code = read_code(text, field=field)
    except InvalidInput as error:
        problems.append(ScanMismatch(error.message, field=field, value=text))
        return None
    if code.kind != kind:
        what = "a bag label" if code.kind == "bag" else "a wristband"
        problems.append(
            ScanMismatch(
                f"'{field}' {code.text} is {what}, not "
                + ("the patient's wristband" if kind == "wristband" else "a bag label"),
                field=field,
                value=text,
            )
        )
        return None
    return code


def _check_patient(
    code: ScannedCode, patient: Patient, order: Order, problems: list[AnakinraError]
) -> None:
    if code.value != patient.mrn:
        problems.append(
            ScanMismatch(
                f"'scanned_patient': WRONG PATIENT - the wristband scanned is MRN {code.value}, "
                f"not the patient of order {order.id} ({patient.name}, MRN {patient.mrn})",
                field="scanned_patient",
                value=code.text,
            )
        )


def _check_bag(
    uow: UnitOfWork,
    bag_id: int,
    field: str,
    value: str,
    order: Order,
    at: datetime,
    problems: list[AnakinraError],
) -> Bag | None:
    """Every check of the bag itself, the same whether its code was scanned (``field``
    ``scanned_bag``) or it was chosen by id under an override (``bag_id``)."""
    bag = uow.bags.find(bag_id)
    if bag is None:
        problems.append(
            ScanMismatch(f"'{field}': bag {bag_id} does not exist", field=field, value=value)
        )
        return None
    if bag.order_id != order.id:
        problems.append(
            ScanMismatch(
                f"'{field}': WRONG BAG - bag {bag.id} belongs to order {bag.order_id}, not "
                f"order {order.id}",
                field=field,
                value=value,
            )
        )
        return bag
    found: list[str] = []
    if bag.status == BagStatus.HUNG:
        found.append(f"bag {bag.id} is already hung")
    elif bag.status == BagStatus.REMOVED:
        found.append(f"bag {bag.id} was already hung and taken down: do not hang it again")
    elif bag.status != BagStatus.CHECKED:
        found.append(
            f"bag {bag.id} is '{bag.status}': it has not passed its second check, do not hang it"
        )
    if at >= bag.beyond_use:
        found.append(
            f"EXPIRED - bag {bag.id} is past its beyond-use time {bag.beyond_use.isoformat()}"
        )
    elif at + timedelta(hours=bag.hang_time_h) > bag.beyond_use:
        found.append(
            f"bag {bag.id} cannot finish before its beyond-use time "
            f"{bag.beyond_use.isoformat()}: its {bag.hang_time_h:g} h from {at.isoformat()} "
            "would run past it - prepare a new bag"
        )
    bag_rate = read_bag_dose_rate(bag.recipe, bag.concentration_mg_per_ml, bag.rate_ml_per_h)
    previous = find_previous_dose(
        bag_rate,
        order.rate_mg_per_h,
        order.verified_rate_mg_per_h,
        awaiting_verification=order.needs_verification,
    )
    problems.extend(BagNotHangable(f"'{field}': {m}", field=field, value=value) for m in found)
    verified = order.verified_concentration_mg_per_ml
    if verified is None or not is_within_tolerance(
        verified, bag.concentration_mg_per_ml, get_check_tolerances().bag_check
    ):
        shown = "none" if verified is None else f"{verified:g} mg/mL"
        problems.append(
            ScanMismatch(
                f"'{field}': bag {bag.id} holds {bag.concentration_mg_per_ml:g} mg/mL, not the "
                f"verified concentration of order {order.id} ({shown})",
                field=field,
                value=value,
            )
        )
    if previous is not None:
        problems.append(
            ScanMismatch(
                f"'{field}': PREVIOUS DOSE - bag {bag.id} was made for {round(bag_rate, 1):g} "
                f"mg/h but {previous}: do not hang it",
                field=field,
                value=value,
            )
        )
    return bag


def _require(
    given: str | None, field: str, what: str, override: str | None, problems: list[AnakinraError]
) -> None:
    if given is None and override is None:
        problems.append(
            ScanMismatch(
                f"'{field}' is required: scan {what} (or give a scan override reason if it "
                "cannot be scanned)",
                field=field,
            )
        )


def _refuse(
    uow: UnitOfWork,
    actor_name: str,
    actor_id: int,
    order: Order,
    patient: Patient,
    cmd: RecordAdministration,
    scanned: tuple[str | None, str | None],
    problems: list[AnakinraError],
    now: datetime,
) -> None:
    """Commit the refusal (audit event and stored check), then raise the problems."""
    messages = [p.message for p in problems]
    uow.scans.add(
        AdministrationScan(
            order_id=order.id,
            segment_seq=None,
            event=cmd.event,
            outcome="refused",
            scanned_patient=scanned[0],
            scanned_bag=scanned[1],
            override_reason=_plain(cmd.scan_override_reason),
            problems=messages,
            ward=patient.ward,
            user_id=actor_id,
            occurred_at=now,
        ),
        flush=False,
    )
    uow.audit.append(
        AuditEntry(
            actor_name,
            "administration.scan_refused",
            "order",
            str(order.id),
            None,
            {
                "event": cmd.event,
                "scanned_patient": scanned[0],
                "scanned_bag": scanned[1],
                "bag_id": cmd.bag_id,
                "override_reason": _plain(cmd.scan_override_reason),
                "problems": messages,
            },
            "; ".join(messages),
        ),
        now=now,
    )
    uow.commit()
    ProblemList.raise_if_any(problems)


def check_scans(
    cmd: RecordAdministration,
    uow: UnitOfWork,
    at: datetime,
    now: datetime,
    *,
    require_scan: bool = True,
) -> ScanOutcome:
    """Check the codes scanned for a start or bag change of ``cmd``'s order.

    Returns the outcome (and the bag to hang: the one scanned, or the one chosen); on any
    mismatch commits the refusal to the audit trail in this unit of work's own transaction and
    raises (one :class:`ScanMismatch`, or a ProblemList of them).
    """
    patient_text, bag_text = _clean(cmd.scanned_patient), _clean(cmd.scanned_bag)
    reason_problems: list[AnakinraError] = []
    override = read_override_reason(cmd.scan_override_reason, reason_problems)
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.ADMINISTER)
        order = uow.orders.get(cmd.order_id)
        # An event the order's state does not allow is refused as such, before any scan.
        get_next_status(order.status, OrderEvent(cmd.event))
        patient = uow.patients.get(order.patient_id)
        problems: list[AnakinraError] = list(reason_problems)
        bag_id = cmd.bag_id
        if patient_text is not None:
            code = _read(patient_text, "scanned_patient", "wristband", problems)
            if code is not None:
                _check_patient(code, patient, order, problems)
        elif require_scan:
            _require(None, "scanned_patient", "the patient's wristband", override, problems)
        if bag_text is not None:
            code = _read(bag_text, "scanned_bag", "bag", problems)
            bag = (
                None
                if code is None
                else _check_bag(uow, int(code.value), "scanned_bag", code.text, order, at, problems)
            )
            if bag is not None and cmd.bag_id is not None and bag.id != cmd.bag_id:
                problems.append(
                    ScanMismatch(
                        f"'scanned_bag': the bag scanned (bag {bag.id}) is not the bag chosen "
                        f"(bag {cmd.bag_id})",
                        field="scanned_bag",
                        value=bag_text,
                    )
                )
            if bag is not None:
                bag_id = bag.id
        else:
            if require_scan:
                _require(None, "scanned_bag", "the bag's label", override, problems)
            if bag_id is not None:
                # Nothing scanned: the bag chosen passes every check of a scanned bag.
                _check_bag(uow, bag_id, "bag_id", str(bag_id), order, at, problems)
        if problems:
            _refuse(
                uow,
                actor.username,
                actor.id,
                order,
                patient,
                cmd,
                (patient_text, bag_text),
                problems,
                now,
            )
        ward = patient.ward
    if patient_text is not None and bag_text is not None:
        outcome, override = "scanned", None
    elif override is not None:
        outcome = "override"
    else:
        outcome = "not_scanned"
    return ScanOutcome(outcome, bag_id, patient_text, bag_text, override, ward)


def record_scan(
    uow: UnitOfWork,
    scan: ScanOutcome,
    order_id: int,
    event: str,
    segment_seq: int,
    user_id: int,
    now: datetime,
) -> None:
    """Store the check of an administration, in the administration's own transaction."""
    uow.scans.add(
        AdministrationScan(
            order_id=order_id,
            segment_seq=segment_seq,
            event=event,
            outcome=scan.outcome,
            scanned_patient=scan.scanned_patient,
            scanned_bag=scan.scanned_bag,
            override_reason=scan.override_reason,
            problems=[],
            ward=scan.ward,
            user_id=user_id,
            occurred_at=now,
        ),
        flush=False,
    )
