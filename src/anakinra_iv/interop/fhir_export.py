"""Export a patient's course as FHIR R4: one ``Bundle``, NDJSON, or a single resource.

Examples
--------
>>> from datetime import date
>>> from anakinra_iv.interop.course import Course, CoursePatient
>>> course = Course(CoursePatient("7", "MRN-7", "Doe, Jane", date(1971, 3, 2), "female"))
>>> bundle = create_course_bundle(course, base_url="http://localhost/fhir/r4")
>>> bundle.type, bundle.entry[0].fullUrl
('collection', 'http://localhost/fhir/r4/Patient/7')
>>> get_resource(course, "Patient", "7").birthDate.isoformat()
'1971-03-02'
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.resource import Resource

from anakinra_iv.assessment.catalogue import get_catalogue
from anakinra_iv.errors import UnknownItem
from anakinra_iv.interop.course import Course
from anakinra_iv.interop.fhir_mapping import (
    LOINC,
    create_audit_event,
    create_grade_observation,
    create_medication,
    create_medication_administration,
    create_medication_dispense,
    create_medication_request,
    create_observation,
    create_patient,
    create_provenance,
)
from anakinra_iv.protocol import get_protocol

__all__ = [
    "EXPORTED_TYPES",
    "create_capability_statement",
    "create_course_bundle",
    "create_course_resources",
    "get_record_reference",
    "get_resource",
    "write_bundle_json",
    "write_ndjson",
]

EXPORTED_TYPES = (
    "Patient",
    "Observation",
    "MedicationRequest",
    "Medication",
    "MedicationDispense",
    "MedicationAdministration",
    "Provenance",
    "AuditEvent",
)
"""The resource types a course exports (and ``GET /fhir/r4/{type}/{id}`` serves)."""


def _diluent(protocol_id: str, version: str) -> str:
    """The diluent the order's protocol names (its bags are made with it)."""
    try:
        return get_protocol(protocol_id, version).bag.diluent.text
    except UnknownItem:
        return "diluent not recorded"


def create_course_resources(course: Course) -> Iterator[Resource]:
    """Every resource of ``course``, each validated by its R4B model, in a stable order."""
    patient_ref = f"Patient/{course.patient.id}"
    yield create_patient(course.patient)
    for observation in course.observations:
        yield create_observation(observation, patient_ref)
    for grade in course.grades:
        yield create_grade_observation(grade, patient_ref)
    for order in course.orders:
        yield create_medication_request(order, patient_ref)
        if order.verified_by:
            yield create_provenance(
                f"order-{order.id}-verification",
                f"MedicationRequest/{order.id}",
                order.updated_at,
                order.verified_by,
                "pharmacist verification (blind double check)",
            )
    diluents = {
        order.id: _diluent(order.protocol_id, order.protocol_version) for order in course.orders
    }
    for bag in course.bags:
        yield create_medication(bag, diluents.get(bag.order_id, "diluent not recorded"))
        yield create_medication_dispense(bag, patient_ref, f"MedicationRequest/{bag.order_id}")
        if bag.checked_by and bag.checked_at:
            yield create_provenance(
                f"bag-{bag.id}-check",
                f"MedicationDispense/{bag.id}",
                bag.checked_at,
                bag.checked_by,
                "second pharmacist check of the compounded bag",
            )
    for segment in course.segments:
        yield create_medication_administration(
            segment, patient_ref, f"MedicationRequest/{segment.order_id}"
        )
    for event in course.audit_events:
        yield create_audit_event(event)


def create_capability_statement(*, base_url: str, date: datetime) -> CapabilityStatement:
    """What this server offers: read of every exported type and ``Patient/$everything``; the
    Observation profile names the code systems its codes come from, the catalogue's local code
    system included (grades and bedside scores for which no LOINC code was verified).

    >>> from datetime import UTC
    >>> statement = create_capability_statement(
    ...     base_url="http://localhost/fhir/r4", date=datetime(2026, 1, 5, tzinfo=UTC))
    >>> statement.fhirVersion, statement.rest[0].resource[1].type
    ('4.3.0', 'Observation')
    """
    local = get_catalogue().local_code_system
    systems = f"{LOINC} (laboratory values, vital signs)"
    if local:
        systems += (
            f"; {local} (CRS and ICANS grades, ICE score, CAPD total: "
            + ", ".join(
                a.local_code or a.name
                for a in get_catalogue().analytes
                if a.local_code and not a.loinc
            )
            + "; no LOINC code was verified for them)"
        )
    resources: list[dict[str, object]] = []
    for kind in EXPORTED_TYPES:
        entry: dict[str, object] = {"type": kind, "interaction": [{"code": "read"}]}
        if kind == "Observation":
            entry["documentation"] = f"Codes from {systems}."
        if kind == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(entry)
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date.isoformat(),
            "kind": "instance",
            "fhirVersion": "4.3.0",
            "format": ["json"],
            "implementation": {"description": "anakinra-iv", "url": base_url},
            "rest": [{"mode": "server", "resource": resources}],
        }
    )


def create_course_bundle(
    course: Course, *, base_url: str, timestamp: datetime | None = None
) -> Bundle:
    """The course as one ``collection`` Bundle; ``fullUrl`` is ``{base_url}/{type}/{id}``."""
    base = base_url.rstrip("/")
    entries = [
        {"fullUrl": f"{base}/{r.get_resource_type()}/{r.id}", "resource": r}
        for r in create_course_resources(course)
    ]
    data: dict[str, object] = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    if timestamp is not None:
        data["timestamp"] = timestamp.isoformat()
    return Bundle.model_validate(data)


def get_resource(course: Course, resource_type: str, resource_id: str) -> Resource:
    """One resource of the course by type and id.

    Raises
    ------
    UnknownItem
        The type is not exported, or the course has no such resource.
    """
    if resource_type not in EXPORTED_TYPES:
        raise UnknownItem(
            f"'type' must be one of {', '.join(EXPORTED_TYPES)} (got '{resource_type}')",
            field="type",
            value=resource_type,
        )
    for resource in create_course_resources(course):
        if resource.get_resource_type() == resource_type and resource.id == resource_id:
            return resource
    raise UnknownItem(
        f"{resource_type}/{resource_id} is not in the record of patient {course.patient.id}",
        field="id",
        value=resource_id,
    )


def _number(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise UnknownItem(f"{what} is not a record of this server", field="id", value=text)
    return int(text)


def get_record_reference(resource_type: str, resource_id: str) -> tuple[str, int]:
    """The stored record (``patient``, ``observation``, ``assessment``, ``order`` or ``bag``) and
    its id that an exported resource id comes from.

    >>> get_record_reference("MedicationAdministration", "4-2")
    ('order', 4)
    >>> get_record_reference("Observation", "assessment-3-icans-grade-astct")
    ('assessment', 3)
    >>> get_record_reference("Provenance", "bag-7-check")
    ('bag', 7)
    """
    what = f"{resource_type}/{resource_id}"
    head, _, tail = resource_id.partition("-")
    if resource_type == "Patient":
        return "patient", _number(resource_id, what)
    if resource_type == "Observation" and head == "assessment":
        return "assessment", _number(tail.partition("-")[0], what)
    if resource_type == "Observation":
        return "observation", _number(resource_id, what)
    if resource_type == "MedicationRequest":
        return "order", _number(resource_id, what)
    if resource_type == "MedicationAdministration":
        return "order", _number(head, what)
    if resource_type in ("Medication", "MedicationDispense"):
        return "bag", _number(resource_id, what)
    if resource_type == "Provenance" and head in ("order", "bag"):
        return head, _number(tail.partition("-")[0], what)
    raise UnknownItem(f"{what} is not served here", field="type", value=resource_type)


def _plain(resource: Resource) -> dict[str, object]:
    data: dict[str, object] = json.loads(resource.model_dump_json(exclude_none=True))
    return data


def write_bundle_json(bundle: Bundle) -> str:
    """The Bundle as indented JSON text."""
    return json.dumps(_plain(bundle), indent=2) + "\n"


def write_ndjson(course: Course) -> str:
    """The course as NDJSON: one resource per line (bulk-data style)."""
    return "".join(
        json.dumps(_plain(r), separators=(",", ":")) + "\n" for r in create_course_resources(course)
    )
