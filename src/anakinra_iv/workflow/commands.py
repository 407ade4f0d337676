"""Commands: what a user asks the workflow to do, already read and checked at the edge.

Each command names the acting user by id; quantities are pint quantities in any unit of the right
dimension; times are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from anakinra_iv.units import Quantity

__all__ = [
    "AddUser",
    "ApproveProtocol",
    "CancelOrder",
    "ChangeDose",
    "CheckBag",
    "CreatePatient",
    "Discontinue",
    "PrepareBag",
    "Prescribe",
    "QueryOrder",
    "RecordAdministration",
    "RecordLoadingDose",
    "RecordObservation",
    "RecordPatientObservations",
    "RecordToxicityAssessment",
    "RejectOrder",
    "RequestRecommendation",
    "ResolveAlert",
    "SyringeEntry",
    "VerifyOrder",
]


@dataclass(frozen=True)
class AddUser:
    """Create a local user. ``user_id`` None means the command line (a system administrator)."""

    user_id: int | None
    username: str
    roles: frozenset[str]
    password: str
    full_name: str = ""


@dataclass(frozen=True)
class ApproveProtocol:
    """Approve a protocol version, with its site-decision values, for use here."""

    user_id: int
    protocol_id: str
    version: str | None = None
    note: str = ""


@dataclass(frozen=True)
class CreatePatient:
    """Register a patient with the first weight (and creatinine) observation.

    ``weight`` is required to register; ``weight_collected_at`` is when it was measured
    (default: the time of registration).
    """

    user_id: int
    mrn: str
    name: str
    birth_date: date
    sex: str
    weight: Quantity | None
    creatinine: Quantity | None = None
    height: Quantity | None = None
    renal_replacement: str = "none"
    weight_collected_at: datetime | None = None
    ward: str | None = None
    bed: str | None = None


@dataclass(frozen=True)
class RecordObservation:
    """A laboratory value or vital sign (``value`` as text with its unit, e.g. "2400 ng/mL")."""

    user_id: int
    patient_id: int
    value: str
    collected_at: datetime
    code: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class RecordToxicityAssessment:
    """A bedside CAR-T toxicity assessment: ``score`` (``icans-astct`` or ``crs-astct``) and its
    items as typed (see :mod:`anakinra_iv.workflow.toxicity`)."""

    user_id: int
    patient_id: int
    score: str
    items: dict[str, object]
    collected_at: datetime


@dataclass(frozen=True)
class RecordPatientObservations:
    """Observations of one patient stored together, all or nothing.

    The patient is ``patient_id``, or ``patient`` matched by MRN (birth date and sex must agree;
    its weight is then stored as an observation), or ``patient`` registered when its MRN is new.
    ``label`` names where the patient came from (e.g. "entry 1 (Patient)") in error messages.
    The ``patient_id`` and ``user_id`` of each observation are the batch's.
    """

    user_id: int
    observations: tuple[RecordObservation, ...]
    patient_id: int | None = None
    patient: CreatePatient | None = None
    label: str = "patient"


@dataclass(frozen=True)
class RequestRecommendation:
    """A prescriber asks for the protocol's recommendation from the stored observations."""

    user_id: int
    patient_id: int
    protocol_id: str | None = None


@dataclass(frozen=True)
class Prescribe:
    """Order a continuous infusion at a protocol ``step`` or a ``daily_dose`` (or neither).

    When the protocol's renal rule fires, ``renal_decision`` is ``apply`` (the suggested
    adjusted dose) or ``keep`` (the dose as ordered, with ``renal_reason``).
    """

    user_id: int
    patient_id: int
    protocol_id: str
    step: int | None = None
    daily_dose: Quantity | None = None
    override_reason: str | None = None
    renal_decision: str | None = None
    renal_reason: str | None = None


@dataclass(frozen=True)
class ChangeDose:
    """Change the dose of an order; it then needs a fresh verification."""

    user_id: int
    order_id: int
    step: int | None = None
    daily_dose: Quantity | None = None
    override_reason: str | None = None
    reason: str = ""
    expected_version: int | None = None
    renal_decision: str | None = None
    renal_reason: str | None = None


@dataclass(frozen=True)
class Discontinue:
    """End an order whose infusion has started (active or paused), with the reason."""

    user_id: int
    order_id: int
    reason: str


@dataclass(frozen=True)
class CancelOrder:
    """Cancel an order that never ran (pending, queried or verified), with the reason."""

    user_id: int
    order_id: int
    reason: str


@dataclass(frozen=True)
class RejectOrder:
    """A pharmacist rejects an order back to the prescriber, with the reason (it is closed)."""

    user_id: int
    order_id: int
    reason: str


@dataclass(frozen=True)
class QueryOrder:
    """A pharmacist queries an order back to the prescriber, who changes or cancels it."""

    user_id: int
    order_id: int
    reason: str


@dataclass(frozen=True)
class VerifyOrder:
    """Blind verification: the pharmacist's own rate and concentration, compared by the system."""

    user_id: int
    order_id: int
    rate: Quantity
    concentration: Quantity
    expected_version: int | None = None


@dataclass(frozen=True)
class SyringeEntry:
    """One syringe used for a bag: its lot and expiry date, as read off the syringe."""

    lot: str
    expiry: date | None = None


@dataclass(frozen=True)
class PrepareBag:
    """A compounded bag, with the lots of the syringes used.

    ``syringe_lots`` lists each lot used once; ``syringes`` (from the compounding worksheet)
    gives one entry per syringe opened, with its expiry. Give one or the other.
    """

    user_id: int
    order_id: int
    prepared_at: datetime
    syringe_lots: tuple[str, ...] = ()
    syringes: tuple[SyringeEntry, ...] = ()


@dataclass(frozen=True)
class CheckBag:
    """The second pharmacist's blind check: what they read off the bag (drug amount, final
    volume, syringe lots), compared by the system."""

    user_id: int
    bag_id: int
    drug_amount: Quantity | None = None
    final_volume: Quantity | None = None
    syringe_lots: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordLoadingDose:
    """The loading dose given by IV push: dose, time (default now), syringe lot."""

    user_id: int
    order_id: int
    dose: Quantity
    syringe_lot: str
    given_at: datetime | None = None


@dataclass(frozen=True)
class ResolveAlert:
    """The pharmacy lead resolves an alert (a lock is lifted), with a note."""

    user_id: int
    alert_id: int
    note: str


@dataclass(frozen=True)
class RecordAdministration:
    """A nursing event on the infusion: a new constant-rate segment starts at ``at``.

    ``pump_rate`` is the volume rate (mL/h) keyed into the pump, checked against the drug
    library; without it the programme is the one the system shows. A soft alert of that check
    needs ``acknowledge_pump_alerts``. A start or bag change carries what the scanner typed
    from the wristband (``scanned_patient``) and the bag label (``scanned_bag``), or the reason
    a code could not be scanned (``scan_override_reason``).
    """

    user_id: int
    order_id: int
    event: str
    at: datetime | None = None
    bag_id: int | None = None
    rate: Quantity | None = None
    reason: str | None = None
    pump_rate: Quantity | None = None
    acknowledge_pump_alerts: bool = False
    scanned_patient: str | None = None
    scanned_bag: str | None = None
    scan_override_reason: str | None = None
