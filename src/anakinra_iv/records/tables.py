"""The tables of the team workflow (SQLAlchemy 2, typed).

Quantities are stored as numbers in the canonical unit that the column name states
(``rate_mg_per_h``, ``concentration_mg_per_ml``); conversion happens at the edges. Orders and bags
carry a ``version`` used for optimistic locking: a stale update raises instead of overwriting.
Audit rows have no update or delete path, in code or (through triggers) in the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from anakinra_iv.records.types import UTCDateTime

__all__ = [
    "AdministrationScan",
    "AdministrationSegment",
    "Alert",
    "AuditEvent",
    "AuditHead",
    "Bag",
    "BagCheck",
    "Base",
    "IdempotencyKey",
    "LoadingDose",
    "LoginThrottle",
    "Observation",
    "Order",
    "Patient",
    "ProtocolApproval",
    "Recommendation",
    "ToxicityAssessment",
    "User",
    "Verification",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable migration names)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    """A local user; ``roles`` is a comma-separated set of role names."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def role_set(self) -> frozenset[str]:
        """The user's roles as a set."""
        return frozenset(r for r in self.roles.split(",") if r)


class ProtocolApproval(Base):
    """Who approved a protocol version (and its site-decision values) for use here, and when."""

    __tablename__ = "protocol_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[str] = mapped_column(String(100), index=True)
    protocol_version: Mapped[str] = mapped_column(String(40))
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime]
    site_decisions: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class Patient(Base):
    """A patient: identifiers only; weight and renal history live in observations."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16))
    height_cm: Mapped[float | None] = mapped_column(Float)
    renal_replacement: Mapped[str] = mapped_column(String(32), default="none")
    ward: Mapped[str | None] = mapped_column(String(64))
    bed: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class Observation(Base):
    """A laboratory value or vital sign as entered, with its number in the stated unit."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    value_text: Mapped[str] = mapped_column(String(100))
    magnitude: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40))
    collected_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class ToxicityAssessment(Base):
    """A bedside CAR-T toxicity assessment as recorded: the items of one score (``icans-astct``
    with its ICE or CAPD items, or ``crs-astct`` with the vital-sign inputs), checked and in
    canonical units (temperature in Cel). Grades are never stored: they are calculated from
    these items whenever they are shown."""

    __tablename__ = "toxicity_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    score: Mapped[str] = mapped_column(String(32))
    items: Mapped[dict[str, Any]]
    collected_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class Order(Base):
    """A continuous-infusion order and its lifecycle state."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    protocol_id: Mapped[str] = mapped_column(String(100))
    protocol_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(32), index=True)
    needs_verification: Mapped[bool] = mapped_column(Boolean, default=True)
    step: Mapped[int | None] = mapped_column(Integer)
    daily_dose_mg: Mapped[float] = mapped_column(Float)
    rate_mg_per_h: Mapped[float] = mapped_column(Float)
    loading_dose_mg: Mapped[float | None] = mapped_column(Float)
    planned_concentration_mg_per_ml: Mapped[float] = mapped_column(Float)
    planned_rate_ml_per_h: Mapped[float] = mapped_column(Float)
    limit_status: Mapped[str] = mapped_column(String(32))
    override_reason: Mapped[str | None] = mapped_column(Text)
    verified_rate_mg_per_h: Mapped[float | None] = mapped_column(Float)
    verified_concentration_mg_per_ml: Mapped[float | None] = mapped_column(Float)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    plan_inputs: Mapped[dict[str, Any]]
    plan_summary: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    open_patient_id: Mapped[int | None] = mapped_column(Integer)
    """The patient's id while the order is open, NULL once it is closed: at most one open
    order per patient, by the unique index below (kept by the workflow from the order's
    status)."""
    renal_decision: Mapped[str | None] = mapped_column(String(16))
    renal_reason: Mapped[str | None] = mapped_column(Text)
    dose_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_at: Mapped[datetime | None]

    __table_args__ = (Index("uq_orders_open_patient_id", "open_patient_id", unique=True),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Verification(Base):
    """One blind verification attempt: what the pharmacist entered and what it was compared to."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    pharmacist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_rate_mg_per_h: Mapped[float] = mapped_column(Float)
    entered_concentration_mg_per_ml: Mapped[float] = mapped_column(Float)
    expected_rate_mg_per_h: Mapped[float] = mapped_column(Float)
    expected_concentration_mg_per_ml: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    order_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class Bag(Base):
    """A compounded bag: syringe lots, who prepared and who checked it, and its beyond-use time."""

    __tablename__ = "bags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None]
    syringe_lots: Mapped[list[Any]]
    drug_amount_mg: Mapped[float] = mapped_column(Float)
    final_volume_ml: Mapped[float] = mapped_column(Float)
    concentration_mg_per_ml: Mapped[float] = mapped_column(Float)
    rate_ml_per_h: Mapped[float] = mapped_column(Float)
    hang_time_h: Mapped[float] = mapped_column(Float)
    beyond_use: Mapped[datetime]
    recipe: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    syringes: Mapped[list[Any] | None] = mapped_column(JSON)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BagCheck(Base):
    """One second-check attempt: what the checker read off the bag and whether it matched."""

    __tablename__ = "bag_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bag_id: Mapped[int] = mapped_column(ForeignKey("bags.id"), index=True)
    checker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_drug_amount_mg: Mapped[float | None] = mapped_column(Float)
    entered_final_volume_ml: Mapped[float | None] = mapped_column(Float)
    entered_lots: Mapped[list[Any]]
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class LoadingDose(Base):
    """The loading dose given by IV push before the infusion: when, how much, which syringe lot,
    by whom. At most one per order."""

    __tablename__ = "loading_doses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    dose_mg: Mapped[float] = mapped_column(Float)
    given_at: Mapped[datetime]
    syringe_lot: Mapped[str] = mapped_column(String(100))
    given_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class Alert(Base):
    """A flag raised for the pharmacy lead (e.g. an order locked after repeated mismatching
    blind verifications), open until resolved."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    bag_id: Mapped[int | None] = mapped_column(ForeignKey("bags.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)


class AdministrationSegment(Base):
    """A constant-rate stretch of infusion; it lasts until the next segment of the same order.

    A pause and a stop are segments with rate 0.
    """

    __tablename__ = "administration_segments"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))
    bag_id: Mapped[int | None] = mapped_column(ForeignKey("bags.id"))
    rate_mg_per_h: Mapped[float] = mapped_column(Float)
    rate_ml_per_h: Mapped[float] = mapped_column(Float)
    concentration_mg_per_ml: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class Recommendation(Base):
    """A recommendation exactly as it was shown: its inputs and its outputs."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(32))
    inputs: Mapped[dict[str, Any]]
    outputs: Mapped[dict[str, Any]]
    shown_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """One audit event; ``hash`` is the MAC (or, for ``scheme`` sha256, the hash) of the
    canonical JSON of the event, ``prev_hash`` and the row states it records."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    scheme: Mapped[str] = mapped_column(String(16), server_default="sha256")
    row_states: Mapped[str] = mapped_column(Text, server_default="{}")

    __table_args__ = (Index("ix_audit_events_action_entity_id", "action", "entity_id"),)


class AuditHead(Base):
    """The single row naming the last audit event; locked while an event is appended."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class LoginThrottle(Base):
    """Failed sign-ins of one user name from one client address, and its lock-out."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class IdempotencyKey(Base):
    """A POST made with an ``Idempotency-Key``: its fingerprint and the first response."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    entity: Mapped[str | None] = mapped_column(String(200))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_type: Mapped[str | None] = mapped_column(String(200))
    response_location: Mapped[str | None] = mapped_column(Text)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)


class AdministrationScan(Base):
    """The barcode check of a bag hung (start or bag change): the wristband and bag codes
    scanned, or the reason they were not; a refused check is kept too (``outcome`` refused).
    ``ward`` is the patient's ward at the time, for compliance by ward."""

    __tablename__ = "administration_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    segment_seq: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    scanned_patient: Mapped[str | None] = mapped_column(String(128))
    scanned_bag: Mapped[str | None] = mapped_column(String(128))
    override_reason: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[Any]]
    ward: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime]
