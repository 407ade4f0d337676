"""The stored course as interoperability values, and an imported batch as an intake.

:func:`get_patient_course` reads a patient's record into the plain
:class:`~anakinra_iv.interop.course.Course` that FHIR export and the reports read;
:func:`import_batch` stores a checked FHIR batch through
:func:`~anakinra_iv.workflow.services.record_patient_observations`, all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from anakinra_iv.assessment.catalogue import get_analyte, split_annotation
from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.errors import AnakinraError, UnknownItem
from anakinra_iv.interop.course import (
    Course,
    CourseAuditEvent,
    CourseBag,
    CourseGrade,
    CourseObservation,
    CourseOrder,
    CoursePatient,
    CourseSegment,
)
from anakinra_iv.interop.fhir_import import ImportBatch
from anakinra_iv.protocol import get_protocol
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Q_
from anakinra_iv.workflow.blinding import read_blinding
from anakinra_iv.workflow.commands import (
    CreatePatient,
    RecordObservation,
    RecordPatientObservations,
)
from anakinra_iv.workflow.queries import (
    PatientDetail,
    present_detail,
    read_patient_detail,
    withhold_blinded,
)
from anakinra_iv.workflow.roles import Action, is_allowed
from anakinra_iv.workflow.services import (
    IntakeResult,
    read_graded_assessments,
    record_patient_observations,
)
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.toxicity import GradedAssessment
from anakinra_iv.workflow.views import AuditEventView, ObservationView, OrderView

__all__ = [
    "create_course",
    "create_course_audit_event",
    "create_course_grades",
    "create_course_observation",
    "create_intake_command",
    "get_patient_course",
    "import_batch",
]

_AUDIT_LIMIT = 10_000


def create_course_observation(view: ObservationView) -> CourseObservation:
    """A stored observation with its LOINC code and value in the catalogue's UCUM unit.

    Observations that the catalogue does not know keep their stored code, value and unit.
    """
    converted = _convert_observation(view.code or view.name, view.magnitude, view.unit)
    if converted is None:
        return CourseObservation(
            str(view.id), view.code, view.name, view.magnitude, view.unit, view.collected_at
        )
    code, name, value, unit = converted
    return CourseObservation(str(view.id), code or view.code, name, value, unit, view.collected_at)


@lru_cache(maxsize=4096)
def _convert_observation(
    key: str, magnitude: float, unit: str
) -> tuple[str | None, str, float, str] | None:
    """LOINC code, name, value and unit in the catalogue's terms, or None when the catalogue does
    not know the analyte or cannot read the value (remembered: a ward board converts the same
    stored values on every view)."""
    try:
        analyte = get_analyte(key)
        measurement = read_measurement(analyte.name, f"{magnitude} {unit}")
    except AnakinraError:
        return None
    return analyte.loinc, analyte.name, measurement.magnitude, analyte.unit


def create_course_audit_event(view: AuditEventView) -> CourseAuditEvent:
    """One audit event as exported."""
    return CourseAuditEvent(
        view.seq,
        view.occurred_at,
        view.actor,
        view.action,
        view.entity_type,
        view.entity_id,
        view.reason,
    )


def _order(view: OrderView) -> CourseOrder:
    summary = view.plan_summary
    try:
        weight_based = get_protocol(view.protocol_id).is_weight_based
    except (UnknownItem, KeyError):
        weight_based = False
    if view.daily_dose_mg is None or view.rate_mg_per_h is None or view.limit_status is None:
        raise ValueError(f"order {view.id}: a course is built from unblinded orders only")
    return CourseOrder(
        id=str(view.id),
        protocol_id=view.protocol_id,
        protocol_version=view.protocol_version,
        status=view.status,
        prescriber=view.prescriber,
        created_at=view.created_at,
        updated_at=view.updated_at,
        step=view.step,
        daily_dose_mg_per_day=view.daily_dose_mg,
        rate_mg_per_h=view.rate_mg_per_h,
        weight_kg=summary.get("weight_kg"),
        dose_mg_per_kg_per_day=summary.get("dose_mg_per_kg_per_day"),
        weight_based=weight_based,
        limit_status=view.limit_status,
        override_reason=view.override_reason,
        verified_by=view.verified_by,
    )


def create_course_grades(graded: Sequence[GradedAssessment]) -> tuple[CourseGrade, ...]:
    """The grades (and ICE or CAPD totals) calculated from the stored bedside assessments;
    an assessment that does not grade gives none."""
    out: list[CourseGrade] = []
    for g in graded:
        values: list[tuple[str, float]] = []
        if g.grade is not None:
            values.append((g.analyte, float(g.grade)))
        if g.tool is not None and g.tool_total is not None:
            values.append((f"{g.tool}_score", g.tool_total))
        for analyte, value in values:
            code = get_analyte(analyte).local_code or analyte
            out.append(CourseGrade(f"assessment-{g.id}-{code}", analyte, value, g.at, str(g.id)))
    return tuple(out)


def create_course(
    detail: PatientDetail,
    events: list[AuditEventView] | None = None,
    graded: Sequence[GradedAssessment] = (),
) -> Course:
    """A patient's record as a course; ``events`` are kept where they concern this patient;
    ``graded`` are the patient's bedside assessments with their calculated grades."""
    p = detail.patient
    orders = sorted(detail.orders, key=lambda o: o.id)
    bags = [b for o in orders for b in o.bags]
    own = {("patient", str(p.id))} | {("order", str(o.id)) for o in orders}
    own |= {("bag", str(b.id)) for b in bags}
    own |= {("observation", str(o.id)) for o in p.observations}
    own |= {("toxicity_assessment", str(g.id)) for g in graded}
    audit = tuple(
        create_course_audit_event(e)
        for e in sorted(events or [], key=lambda e: e.seq)
        if (e.entity_type, e.entity_id) in own
    )
    return Course(
        patient=CoursePatient(str(p.id), p.mrn, p.name, p.birth_date, p.sex),
        observations=tuple(create_course_observation(o) for o in p.observations),
        orders=tuple(_order(o) for o in orders),
        bags=tuple(
            CourseBag(
                str(b.id),
                str(b.order_id),
                b.status,
                b.prepared_by,
                b.prepared_at,
                b.checked_by,
                b.checked_at,
                b.syringe_lots,
                b.drug_amount_mg,
                b.final_volume_ml,
                b.concentration_mg_per_ml,
                b.rate_ml_per_h,
                b.beyond_use,
            )
            for b in bags
            # a bag whose contents are hidden from this reader is withheld, never shown as 0
            if b.drug_amount_mg is not None
            and b.final_volume_ml is not None
            and b.concentration_mg_per_ml is not None
            and b.rate_ml_per_h is not None
        ),
        segments=tuple(
            CourseSegment(
                str(o.id),
                s.seq,
                s.event,
                None if s.bag_id is None else str(s.bag_id),
                s.rate_mg_per_h,
                s.rate_ml_per_h,
                s.started_at,
                s.ended_at,
                s.reason,
                s.recorded_by,
            )
            for o in orders
            for s in o.segments
            if s.rate_mg_per_h is not None and s.rate_ml_per_h is not None
        ),
        audit_events=audit,
        grades=create_course_grades(graded),
    )


def read_course(uow: UnitOfWork, user_id: int, patient_id: int) -> tuple[Course, PatientDetail]:
    """The course and the record it came from, as the user may see them, inside an open unit
    of work: orders awaiting the user's blind verification are left out of the course and shown
    blinded in the record (see :func:`~anakinra_iv.workflow.queries.withhold_blinded`)."""
    actor = load_actor(uow, user_id, Action.READ)
    raw = read_patient_detail(uow, patient_id)
    blinding = read_blinding(uow, actor)
    withheld = withhold_blinded(raw, blinding)
    events = None
    if is_allowed(actor.role_set, Action.READ_AUDIT):
        events = [
            blinding.present_event(AuditEventView.from_row(r))
            for r in uow.audit.list_events(limit=_AUDIT_LIMIT)
        ]
    shown = replace(present_detail(raw, blinding), withheld=withheld.withheld)
    graded = read_graded_assessments(uow, patient_id)
    return create_course(withheld, events, graded), shown


def get_patient_course(uow: UnitOfWork, user_id: int, patient_id: int) -> Course:
    """The stored course of a patient; the audit trail only for users allowed to read it."""
    with uow:
        return read_course(uow, user_id, patient_id)[0]


def create_intake_command(
    batch: ImportBatch, user_id: int, *, patient_id: int | None = None
) -> RecordPatientObservations:
    """The intake of a checked batch.

    A new patient is registered with the batch's latest body weight (and its collection time);
    without a patient in the batch, ``patient_id`` names the target.
    """
    observations = list(batch.observations)
    patient = None
    if batch.patient is not None:
        p = batch.patient
        weights = [o for o in observations if o.analyte == "body_weight"]
        weight = max(weights, key=lambda o: o.collected_at) if weights else None
        if weight is not None:
            observations.remove(weight)
        patient = CreatePatient(
            user_id,
            p.mrn,
            p.name,
            p.birth_date,
            p.sex,
            None if weight is None else Q_(weight.value, "kg"),
            weight_collected_at=None if weight is None else weight.collected_at,
        )
    return RecordPatientObservations(
        user_id,
        tuple(
            RecordObservation(
                user_id,
                0,
                f"{o.value:g} {split_annotation(o.unit)[0]}",
                o.collected_at,
                code=o.loinc,
                name=o.analyte,
            )
            for o in observations
        ),
        patient_id=patient_id,
        patient=patient,
        label=f"{batch.patient.position} (Patient)" if batch.patient else "patient",
    )


def import_batch(
    batch: ImportBatch,
    user_id: int,
    uow: UnitOfWork,
    now: datetime,
    *,
    patient_id: int | None = None,
) -> IntakeResult:
    """Store a checked batch in one transaction: everything or nothing."""
    return record_patient_observations(
        create_intake_command(batch, user_id, patient_id=patient_id), uow, now
    )
