"""Read-only views that services and queries return (never ORM rows).

Numbers are in the unit their field name states (``rate_mg_per_h``), as stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pint import DimensionalityError

from anakinra_iv.records.tables import (
    AdministrationSegment,
    Alert,
    AuditEvent,
    Bag,
    LoadingDose,
    Observation,
    Order,
    Patient,
    ProtocolApproval,
    Recommendation,
    User,
)
from anakinra_iv.reports.display import show_quantity
from anakinra_iv.units import CREATININE_MOLAR_MASS, Q_
from anakinra_iv.workflow.checks import find_previous_dose, read_bag_dose_rate

__all__ = [
    "AlertView",
    "ApprovalView",
    "AuditEventView",
    "BagView",
    "LoadingDoseView",
    "ObservationView",
    "OrderView",
    "PatientView",
    "RecommendationView",
    "SegmentView",
    "UserView",
    "VerificationOutcome",
]


@dataclass(frozen=True)
class UserView:
    """A user without the password hash."""

    id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    active: bool
    token_version: int = 0

    @classmethod
    def from_row(cls, row: User) -> UserView:
        """View of a row."""
        return cls(
            row.id,
            row.username,
            row.full_name,
            tuple(sorted(row.role_set)),
            row.active,
            row.token_version or 0,
        )


@dataclass(frozen=True)
class ObservationView:
    """An observation as entered."""

    id: int
    patient_id: int
    code: str | None
    name: str
    value: str
    magnitude: float
    unit: str
    collected_at: datetime

    @classmethod
    def from_row(cls, row: Observation) -> ObservationView:
        """View of a row."""
        return cls(
            row.id,
            row.patient_id,
            row.code,
            row.name,
            row.value_text,
            row.magnitude,
            row.unit,
            row.collected_at,
        )


@dataclass(frozen=True)
class PatientView:
    """A patient with their observations, oldest first."""

    id: int
    mrn: str
    name: str
    birth_date: date
    sex: str
    renal_replacement: str
    observations: tuple[ObservationView, ...] = ()
    ward: str | None = None
    bed: str | None = None
    height_cm: float | None = None

    @property
    def location(self) -> str:
        """Ward and bed as written ("ICU 4 / bed 12"), or an empty text."""
        return " / ".join(p for p in (self.ward, f"bed {self.bed}" if self.bed else None) if p)

    @classmethod
    def from_row(cls, row: Patient, observations: tuple[ObservationView, ...] = ()) -> PatientView:
        """View of a row."""
        return cls(
            row.id,
            row.mrn,
            row.name,
            row.birth_date,
            row.sex,
            row.renal_replacement,
            observations,
            row.ward,
            row.bed,
            row.height_cm,
        )


@dataclass(frozen=True)
class BagView:
    """A compounded bag."""

    id: int
    order_id: int
    status: str
    prepared_by: str
    prepared_at: datetime
    checked_by: str | None
    checked_at: datetime | None
    syringe_lots: tuple[str, ...]
    drug_amount_mg: float | None
    final_volume_ml: float | None
    concentration_mg_per_ml: float | None
    rate_ml_per_h: float | None
    hang_time_h: float
    beyond_use: datetime
    recipe: dict[str, Any] = field(default_factory=dict)
    syringes: tuple[dict[str, Any], ...] = ()
    prepared_by_id: int = 0
    contents_hidden: bool = False

    @property
    def dose_rate_mg_per_h(self) -> float | None:
        """The dose rate the bag was made for (not the order's rate of today); None while the
        bag's contents are hidden from the reader."""
        if self.concentration_mg_per_ml is None or self.rate_ml_per_h is None:
            return None
        return read_bag_dose_rate(self.recipe, self.concentration_mg_per_ml, self.rate_ml_per_h)

    def find_previous_dose(self, order: OrderView) -> str | None:
        """Why the bag is for a previous dose of ``order`` (its dose was changed since the bag
        was made), or None when the bag is for its current dose (or its contents are hidden
        from the reader)."""
        made_for = self.dose_rate_mg_per_h
        if made_for is None:
            return None
        return find_previous_dose(
            made_for,
            order.rate_mg_per_h,
            order.verified_rate_mg_per_h,
            awaiting_verification=order.needs_verification,
        )

    def hidden(self) -> BagView:
        """The bag as a pharmacist who may check it sees it before the check: no contents, no
        lots (numbers None, never a zero that reads as a value; ``contents_hidden`` set), so
        that what they enter is what they read off the bag. The hang time stays: it is the
        protocol's, and the production schedule needs it."""
        return replace(
            self,
            contents_hidden=True,
            syringe_lots=(),
            drug_amount_mg=None,
            final_volume_ml=None,
            concentration_mg_per_ml=None,
            rate_ml_per_h=None,
            recipe={},
            syringes=(),
        )

    @classmethod
    def from_row(cls, row: Bag, names: dict[int, str]) -> BagView:
        """View of a row; ``names`` maps user ids to user names."""
        return cls(
            row.id,
            row.order_id,
            row.status,
            names.get(row.prepared_by_id, str(row.prepared_by_id)),
            row.prepared_at,
            None if row.checked_by_id is None else names.get(row.checked_by_id, "?"),
            row.checked_at,
            tuple(str(lot) for lot in row.syringe_lots),
            row.drug_amount_mg,
            row.final_volume_ml,
            row.concentration_mg_per_ml,
            row.rate_ml_per_h,
            row.hang_time_h,
            row.beyond_use,
            dict(row.recipe),
            tuple(dict(entry) for entry in row.syringes or ()),
            row.prepared_by_id,
        )


@dataclass(frozen=True)
class LoadingDoseView:
    """A loading dose as given."""

    order_id: int
    dose_mg: float
    given_at: datetime
    syringe_lot: str
    given_by: str

    @classmethod
    def from_row(cls, row: LoadingDose, names: dict[int, str]) -> LoadingDoseView:
        """View of a row."""
        return cls(
            row.order_id,
            row.dose_mg,
            row.given_at,
            row.syringe_lot,
            names.get(row.given_by_id, str(row.given_by_id)),
        )


@dataclass(frozen=True)
class AlertView:
    """An alert for the pharmacy lead."""

    id: int
    kind: str
    order_id: int | None
    bag_id: int | None
    user: str
    message: str
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None

    @classmethod
    def from_row(cls, row: Alert, names: dict[int, str]) -> AlertView:
        """View of a row."""
        return cls(
            row.id,
            row.kind,
            row.order_id,
            row.bag_id,
            names.get(row.user_id, str(row.user_id)),
            row.message,
            row.created_at,
            None if row.resolved_by_id is None else names.get(row.resolved_by_id),
            row.resolved_at,
            row.resolution,
        )


@dataclass(frozen=True)
class SegmentView:
    """A constant-rate segment; ``ended_at`` is the start of the next one (None while current)."""

    seq: int
    event: str
    bag_id: int | None
    rate_mg_per_h: float | None
    rate_ml_per_h: float | None
    concentration_mg_per_ml: float | None
    started_at: datetime
    ended_at: datetime | None
    reason: str | None
    recorded_by: str

    @classmethod
    def from_rows(
        cls, rows: list[AdministrationSegment], names: dict[int, str]
    ) -> tuple[SegmentView, ...]:
        """Views of an order's segments in sequence."""
        if not rows:
            return ()
        ends: list[datetime | None] = [r.started_at for r in rows[1:]] + [None]
        return tuple(
            cls(
                r.seq,
                r.event,
                r.bag_id,
                r.rate_mg_per_h,
                r.rate_ml_per_h,
                r.concentration_mg_per_ml,
                r.started_at,
                end,
                r.reason,
                names.get(r.recorded_by_id, str(r.recorded_by_id)),
            )
            for r, end in zip(rows, ends, strict=True)
        )


_WRITTEN_UNITS = {
    "daily_dose": ("mg/day", "mg/kg/day"),
    "weight": ("kg",),
    "creatinine": ("mg/dL",),
    "height": ("cm",),
}


def _written(key: str, text: Any) -> Any:
    """A stored input quantity ("1200.0 mg / d") as a clinician writes it ("1,200 mg/day")."""
    if not isinstance(text, str) or key not in _WRITTEN_UNITS:
        return text
    return _write_quantity(key, text)


@lru_cache(maxsize=4096)
def _write_quantity(key: str, text: str) -> Any:
    """:func:`_written` of a text (remembered: lists show the same few inputs again and again)."""
    number, _, unit = text.partition(" ")
    quantity = Q_(float(number), unit)
    for wanted in _WRITTEN_UNITS[key]:
        try:
            if key == "creatinine" and quantity.check("[substance]/[length]**3"):
                quantity = (quantity * CREATININE_MOLAR_MASS).to(wanted)
            return show_quantity(float(quantity.to(wanted).magnitude), wanted)
        except DimensionalityError:  # another dimension: try the next unit
            continue
    return text


_AS_WRITTEN_KEYS = (
    "protocol_id",
    "protocol_version",
    "step",
    "daily_dose",
    "override_reason",
    "weight",
    "creatinine",
    "height",
    "age_years",
    "sex",
    "renal_replacement",
)


@dataclass(frozen=True)
class OrderView:
    """An order with its current state, segments and bags.

    The computed numbers (``rate_mg_per_h``, ``planned_*``, the plan) are None on a *blinded*
    view (:meth:`to_blinded`): the one a pharmacist gets while the order awaits their blind
    verification. ``as_written`` is what the prescriber wrote and what it was based on (the
    patient's weight, creatinine, age and sex, the step or daily dose typed, the reasons).
    """

    id: int
    patient_id: int
    prescriber: str
    protocol_id: str
    protocol_version: str
    status: str
    needs_verification: bool
    version: int
    step: int | None
    daily_dose_mg: float | None
    rate_mg_per_h: float | None
    loading_dose_mg: float | None
    planned_concentration_mg_per_ml: float | None
    planned_rate_ml_per_h: float | None
    limit_status: str | None
    override_reason: str | None
    verified_rate_mg_per_h: float | None
    verified_concentration_mg_per_ml: float | None
    verified_by: str | None
    created_at: datetime
    updated_at: datetime
    plan_summary: dict[str, Any] = field(default_factory=dict)
    segments: tuple[SegmentView, ...] = ()
    bags: tuple[BagView, ...] = ()
    renal_decision: str | None = None
    renal_reason: str | None = None
    dose_changed_by: str | None = None
    status_reason: str | None = None
    status_by: str | None = None
    status_at: datetime | None = None
    loading_dose: LoadingDoseView | None = None
    as_written: dict[str, Any] = field(default_factory=dict)
    blinded: bool = False
    prescriber_id: int = 0
    verified_by_id: int | None = None
    dose_changed_by_id: int | None = None

    @property
    def current_segment(self) -> SegmentView | None:
        """The segment running now, or None before the start."""
        return self.segments[-1] if self.segments else None

    @property
    def is_running_now(self) -> bool:
        """True while the pump runs (the current segment has a rate above zero)."""
        current = self.current_segment
        if current is None:
            return False
        if current.rate_mg_per_h is None:  # hidden from this reader: judge by the event
            return current.event not in ("pause", "stop")
        return current.rate_mg_per_h > 0

    def to_blinded(self, *, verified_too: bool = False) -> OrderView:
        """This order without anything computed from it (for blind verification). With
        ``verified_too`` the verified rate and concentration and the dose rates, pump rates and
        concentrations of the segments go too (for a reader who owes a bag's second check, to
        whom the concentration already verified, or the running dose rate times the hang time,
        would give a bag's contents away)."""
        if verified_too:
            self = replace(
                self,
                verified_rate_mg_per_h=None,
                verified_concentration_mg_per_ml=None,
                segments=tuple(
                    replace(s, rate_mg_per_h=None, rate_ml_per_h=None, concentration_mg_per_ml=None)
                    for s in self.segments
                ),
            )
        return replace(
            self,
            daily_dose_mg=None if self.as_written.get("daily_dose") is None else self.daily_dose_mg,
            rate_mg_per_h=None,
            loading_dose_mg=None,
            planned_concentration_mg_per_ml=None,
            planned_rate_ml_per_h=None,
            limit_status=None,
            plan_summary={},
            blinded=True,
        )

    @classmethod
    def from_row(
        cls,
        row: Order,
        names: dict[int, str],
        segments: tuple[SegmentView, ...] = (),
        bags: tuple[BagView, ...] = (),
        loading_dose: LoadingDoseView | None = None,
    ) -> OrderView:
        """View of a row."""
        inputs = dict(row.plan_inputs)
        as_written = {key: _written(key, inputs.get(key)) for key in _AS_WRITTEN_KEYS}
        as_written["override_reason"] = row.override_reason
        as_written["renal_decision"] = row.renal_decision
        as_written["renal_reason"] = row.renal_reason
        return cls(
            id=row.id,
            patient_id=row.patient_id,
            prescriber=names.get(row.prescriber_id, str(row.prescriber_id)),
            protocol_id=row.protocol_id,
            protocol_version=row.protocol_version,
            status=row.status,
            needs_verification=row.needs_verification,
            version=row.version,
            step=row.step,
            daily_dose_mg=row.daily_dose_mg,
            rate_mg_per_h=row.rate_mg_per_h,
            loading_dose_mg=row.loading_dose_mg,
            planned_concentration_mg_per_ml=row.planned_concentration_mg_per_ml,
            planned_rate_ml_per_h=row.planned_rate_ml_per_h,
            limit_status=row.limit_status,
            override_reason=row.override_reason,
            verified_rate_mg_per_h=row.verified_rate_mg_per_h,
            verified_concentration_mg_per_ml=row.verified_concentration_mg_per_ml,
            verified_by=None if row.verified_by_id is None else names.get(row.verified_by_id),
            created_at=row.created_at,
            updated_at=row.updated_at,
            plan_summary=dict(row.plan_summary),
            segments=segments,
            bags=bags,
            renal_decision=row.renal_decision,
            renal_reason=row.renal_reason,
            dose_changed_by=None
            if row.dose_changed_by_id is None
            else names.get(row.dose_changed_by_id),
            status_reason=row.status_reason,
            status_by=None if row.status_by_id is None else names.get(row.status_by_id),
            status_at=row.status_at,
            loading_dose=loading_dose,
            as_written=as_written,
            prescriber_id=row.prescriber_id,
            verified_by_id=row.verified_by_id,
            dose_changed_by_id=row.dose_changed_by_id,
        )


@dataclass(frozen=True)
class VerificationOutcome:
    """Result of a verification attempt that matched."""

    order: OrderView
    verification_id: int


@dataclass(frozen=True)
class RecommendationView:
    """A recommendation as shown: inputs and outputs."""

    id: int
    patient_id: int
    order_id: int | None
    kind: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Recommendation) -> RecommendationView:
        """View of a row."""
        return cls(
            row.id,
            row.patient_id,
            row.order_id,
            row.kind,
            dict(row.inputs),
            dict(row.outputs),
            row.created_at,
        )


@dataclass(frozen=True)
class ApprovalView:
    """A protocol approval."""

    id: int
    protocol_id: str
    protocol_version: str
    approved_by: str
    approved_at: datetime
    site_decisions: int
    note: str

    @classmethod
    def from_row(cls, row: ProtocolApproval, names: dict[int, str]) -> ApprovalView:
        """View of a row."""
        return cls(
            row.id,
            row.protocol_id,
            row.protocol_version,
            names.get(row.approved_by_id, str(row.approved_by_id)),
            row.approved_at,
            row.site_decisions,
            row.note,
        )


@dataclass(frozen=True)
class AuditEventView:
    """An audit event with its old and new value decoded."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    old_value: Any
    new_value: Any
    reason: str
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: AuditEvent) -> AuditEventView:
        """View of a row."""
        return cls(
            row.seq,
            row.occurred_at,
            row.actor,
            row.action,
            row.entity_type,
            row.entity_id,
            json.loads(row.old_value),
            json.loads(row.new_value),
            row.reason,
            row.prev_hash,
            row.hash,
        )
