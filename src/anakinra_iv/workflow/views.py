"""Read-only views that services and queries return (never ORM rows).

Numbers are in the unit their field name states (``rate_mg_per_h``), as stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from anakinra_iv.records.tables import (
    AdministrationSegment,
    AuditEvent,
    Bag,
    Observation,
    Order,
    Patient,
    ProtocolApproval,
    Recommendation,
    User,
)

__all__ = [
    "ApprovalView",
    "AuditEventView",
    "BagView",
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
    drug_amount_mg: float
    final_volume_ml: float
    concentration_mg_per_ml: float
    rate_ml_per_h: float
    hang_time_h: float
    beyond_use: datetime
    recipe: dict[str, Any] = field(default_factory=dict)

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
        )


@dataclass(frozen=True)
class SegmentView:
    """A constant-rate segment; ``ended_at`` is the start of the next one (None while current)."""

    seq: int
    event: str
    bag_id: int | None
    rate_mg_per_h: float
    rate_ml_per_h: float
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


@dataclass(frozen=True)
class OrderView:
    """An order with its current state, segments and bags."""

    id: int
    patient_id: int
    prescriber: str
    protocol_id: str
    protocol_version: str
    status: str
    needs_verification: bool
    version: int
    step: int | None
    daily_dose_mg: float
    rate_mg_per_h: float
    loading_dose_mg: float | None
    planned_concentration_mg_per_ml: float
    planned_rate_ml_per_h: float
    limit_status: str
    override_reason: str | None
    verified_rate_mg_per_h: float | None
    verified_concentration_mg_per_ml: float | None
    verified_by: str | None
    created_at: datetime
    updated_at: datetime
    plan_summary: dict[str, Any] = field(default_factory=dict)
    segments: tuple[SegmentView, ...] = ()
    bags: tuple[BagView, ...] = ()

    @property
    def current_segment(self) -> SegmentView | None:
        """The segment running now, or None before the start."""
        return self.segments[-1] if self.segments else None

    @classmethod
    def from_row(
        cls,
        row: Order,
        names: dict[int, str],
        segments: tuple[SegmentView, ...] = (),
        bags: tuple[BagView, ...] = (),
    ) -> OrderView:
        """View of a row."""
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
