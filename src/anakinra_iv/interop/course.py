"""A patient's course as plain data: what FHIR export reads and FHIR import produces.

The workflow's stored records are turned into these values by the shell (web or command line);
the mapping to FHIR never touches the database. Numbers are in the unit their field names state
(``rate_mg_per_h``), as stored; observation values are in their UCUM unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "Course",
    "CourseAuditEvent",
    "CourseBag",
    "CourseGrade",
    "CourseObservation",
    "CourseOrder",
    "CoursePatient",
    "CourseSegment",
]


@dataclass(frozen=True)
class CoursePatient:
    """The patient: record id, medical record number, name ("Family, Given"), birth date, sex."""

    id: str
    mrn: str
    name: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class CourseObservation:
    """A laboratory value or vital sign: LOINC code (None when not coded), UCUM unit."""

    id: str
    code: str | None
    name: str
    value: float
    unit: str
    collected_at: datetime


@dataclass(frozen=True)
class CourseGrade:
    """A grade or score calculated from a stored bedside assessment (``analyte`` is the
    catalogue name: ``crs_grade``, ``icans_grade``, ``ice_score``, ``capd_score``); ``id`` names
    the assessment it was calculated from (``assessment-{id}-{code}``)."""

    id: str
    analyte: str
    value: float
    collected_at: datetime
    assessment_id: str


@dataclass(frozen=True)
class CourseOrder:
    """A continuous-infusion order as prescribed (and verified)."""

    id: str
    protocol_id: str
    protocol_version: str
    status: str
    prescriber: str
    created_at: datetime
    updated_at: datetime
    step: int | None
    daily_dose_mg_per_day: float
    rate_mg_per_h: float
    weight_kg: float | None
    dose_mg_per_kg_per_day: float | None
    weight_based: bool
    limit_status: str
    override_reason: str | None
    verified_by: str | None


@dataclass(frozen=True)
class CourseBag:
    """A compounded bag with the lots of the syringes used and its beyond-use time."""

    id: str
    order_id: str
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
    beyond_use: datetime


@dataclass(frozen=True)
class CourseSegment:
    """A constant-rate segment of an infusion; a stop is a segment at rate 0."""

    order_id: str
    seq: int
    event: str
    bag_id: str | None
    rate_mg_per_h: float
    rate_ml_per_h: float
    started_at: datetime
    ended_at: datetime | None
    reason: str | None
    recorded_by: str


@dataclass(frozen=True)
class CourseAuditEvent:
    """One event of the audit trail."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    reason: str


@dataclass(frozen=True)
class Course:
    """Everything exported for one patient."""

    patient: CoursePatient
    observations: tuple[CourseObservation, ...] = ()
    orders: tuple[CourseOrder, ...] = ()
    bags: tuple[CourseBag, ...] = ()
    segments: tuple[CourseSegment, ...] = ()
    audit_events: tuple[CourseAuditEvent, ...] = ()
    grades: tuple[CourseGrade, ...] = ()
