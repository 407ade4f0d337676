"""Glue between the stored workflow and interoperability: a stored course as plain data, and a
checked FHIR import stored all or nothing.

Reads go through :mod:`anakinra_iv.workflow.queries`; writes go through the workflow services,
run inside one shared transaction (:class:`SharedUnitOfWork`): their commits only flush, and the
batch is committed once at the end, or rolled back whole on the first error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

from anakinra_iv.assessment.catalogue import get_analyte, split_annotation
from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.bootstrap import Services
from anakinra_iv.errors import AnakinraError, ConflictError, PermissionDenied, UnknownItem
from anakinra_iv.interop.course import (
    Course,
    CourseAuditEvent,
    CourseBag,
    CourseObservation,
    CourseOrder,
    CoursePatient,
    CourseSegment,
)
from anakinra_iv.interop.fhir_import import ImportBatch, ImportedObservation
from anakinra_iv.protocol import get_protocol
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork, UnitOfWork
from anakinra_iv.units import Q_
from anakinra_iv.workflow import queries
from anakinra_iv.workflow.commands import CreatePatient, RecordObservation
from anakinra_iv.workflow.services import create_patient, record_observation
from anakinra_iv.workflow.views import ObservationView, OrderView, PatientView

__all__ = [
    "ImportResult",
    "SharedUnitOfWork",
    "import_batch",
    "load_course",
    "to_course_observation",
]


def to_course_observation(view: ObservationView) -> CourseObservation:
    """A stored observation with its LOINC code and value in the catalogue's UCUM unit.

    Observations that the catalogue does not know keep their stored code, value and unit.
    """
    try:
        analyte = get_analyte(view.code or view.name)
        measurement = read_measurement(analyte.name, f"{view.magnitude} {view.unit}")
        return CourseObservation(
            str(view.id),
            analyte.loinc or view.code,
            analyte.name,
            measurement.magnitude,
            analyte.unit,
            view.collected_at,
        )
    except AnakinraError:
        return CourseObservation(
            str(view.id), view.code, view.name, view.magnitude, view.unit, view.collected_at
        )


def _order(view: OrderView) -> CourseOrder:
    summary = view.plan_summary
    try:
        weight_based = get_protocol(view.protocol_id).is_weight_based
    except (UnknownItem, KeyError):
        weight_based = False
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


def _patient(view: PatientView) -> CoursePatient:
    return CoursePatient(str(view.id), view.mrn, view.name, view.birth_date, view.sex)


def load_course(services: Services, user_id: int, patient_id: int) -> Course:
    """The stored course of a patient; the audit trail only for users allowed to read it."""
    detail = queries.get_patient(services.new_uow(), user_id, patient_id)
    orders = sorted(detail.orders, key=lambda o: o.id)
    bags = [b for o in orders for b in o.bags]
    segments = [
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
    ]
    audit: list[CourseAuditEvent] = []
    try:
        events = queries.list_audit_events(services.new_uow(), user_id, limit=10_000)
    except PermissionDenied:
        events = []
    own = {("patient", str(patient_id))} | {("order", str(o.id)) for o in orders}
    own |= {("bag", str(b.id)) for b in bags}
    own |= {("observation", str(o.id)) for o in detail.patient.observations}
    for e in sorted(events, key=lambda e: e.seq):
        if (e.entity_type, e.entity_id) in own:
            audit.append(
                CourseAuditEvent(
                    e.seq, e.occurred_at, e.actor, e.action, e.entity_type, e.entity_id, e.reason
                )
            )
    return Course(
        patient=_patient(detail.patient),
        observations=tuple(to_course_observation(o) for o in detail.patient.observations),
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
        ),
        segments=tuple(segments),
        audit_events=tuple(audit),
    )


class SharedUnitOfWork(UnitOfWork):
    """Lets several services run in the transaction of ``outer``: their commits only flush."""

    def __init__(self, outer: SqlAlchemyUnitOfWork) -> None:
        self._outer = outer

    def __enter__(self) -> Self:
        outer = self._outer
        self.users, self.approvals, self.patients = outer.users, outer.approvals, outer.patients
        self.observations, self.orders = outer.observations, outer.orders
        self.verifications, self.bags, self.segments = (
            outer.verifications,
            outer.bags,
            outer.segments,
        )
        self.recommendations, self.audit = outer.recommendations, outer.audit
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """The outer unit of work commits or rolls back."""

    def commit(self) -> None:
        self._outer.flush()

    def rollback(self) -> None:
        """The outer unit of work rolls back."""

    def flush(self) -> None:
        self._outer.flush()


@dataclass(frozen=True)
class ImportResult:
    """What an import stored."""

    patient_id: int
    created_patient: bool
    observation_ids: tuple[int, ...]


def _record(
    shared: UnitOfWork, user_id: int, patient_id: int, o: ImportedObservation, now: datetime
) -> int:
    bare = split_annotation(o.unit)[0]
    view = record_observation(
        RecordObservation(
            user_id, patient_id, f"{o.value:g} {bare}", o.collected_at, code=o.loinc, name=o.analyte
        ),
        shared,
        now,
    )
    return view.id


def import_batch(
    services: Services,
    user_id: int,
    batch: ImportBatch,
    now: datetime,
    *,
    patient_id: int | None = None,
) -> ImportResult:
    """Store a checked batch in one transaction: everything or nothing.

    The batch's patient is matched by MRN (birth date and sex must agree) or created from its
    latest body weight; without a patient in the batch, ``patient_id`` names the target.
    """
    outer = services.new_uow()
    with outer:
        shared = SharedUnitOfWork(outer)
        created = False
        observations = list(batch.observations)
        target = patient_id
        if batch.patient is not None:
            p = batch.patient
            found = outer.patients.find_by_mrn(p.mrn)
            if found is not None:
                if found.birth_date != p.birth_date or found.sex != p.sex:
                    raise ConflictError(
                        f"{p.position} (Patient) MRN '{p.mrn}' belongs to a patient with another "
                        "birth date or sex",
                        field=p.position,
                    )
                if target is not None and target != found.id:
                    raise ConflictError(
                        f"{p.position} (Patient) MRN '{p.mrn}' is not patient {target}",
                        field=p.position,
                    )
                target = found.id
            else:
                weights = [o for o in observations if o.analyte == "body_weight"]
                if not weights:
                    raise UnknownItem(
                        f"{p.position} (Patient) is new and the batch has no body weight "
                        "(LOINC 29463-7) to register it with",
                        field=p.position,
                    )
                weight = max(weights, key=lambda o: o.collected_at)
                observations.remove(weight)
                view = create_patient(
                    CreatePatient(
                        user_id, p.mrn, p.name, p.birth_date, p.sex, Q_(weight.value, "kg")
                    ),
                    shared,
                    now,
                )
                target, created = view.id, True
        if target is None:
            raise UnknownItem(
                "the batch has no Patient: name the patient the observations belong to",
                field="patient",
            )
        ids = tuple(_record(shared, user_id, target, o, now) for o in observations)
        outer.commit()
    return ImportResult(target, created, ids)


def _number(text: str, what: str) -> int:
    if not text.isdigit():
        raise UnknownItem(f"{what} is not a record of this server", field="id", value=text)
    return int(text)


def find_patient_id(services: Services, user_id: int, resource_type: str, resource_id: str) -> int:
    """The patient whose course holds ``resource_type/resource_id`` (ids as exported)."""
    what = f"{resource_type}/{resource_id}"
    queries.get_user(services.new_uow(), user_id)  # an active user, whatever the role
    head, _, tail = resource_id.partition("-")
    with services.new_uow() as uow:
        if resource_type == "Patient":
            return uow.patients.get(_number(resource_id, what)).id
        if resource_type == "Observation":
            return uow.observations.get(_number(resource_id, what)).patient_id
        if resource_type in ("MedicationRequest", "MedicationAdministration") or (
            resource_type == "Provenance" and head == "order"
        ):
            order_id = head if resource_type == "MedicationAdministration" else resource_id
            if resource_type == "Provenance":
                order_id = tail.partition("-")[0]
            return uow.orders.get(_number(order_id, what)).patient_id
        if resource_type in ("Medication", "MedicationDispense", "Provenance"):
            bag_id = tail.partition("-")[0] if resource_type == "Provenance" else resource_id
            bag = uow.bags.get(_number(bag_id, what))
            return uow.orders.get(bag.order_id).patient_id
    raise UnknownItem(f"{what} is not served here", field="type", value=resource_type)
