"""One course value -> one FHIR R4 resource (``fhir.resources.R4B`` models, validated on creation).

Mapping (conventions.md section 2.1):

=======================  =====================================================================
course value             resource
=======================  =====================================================================
patient                  ``Patient`` (MRN identifier, name, gender, birth date)
observation              ``Observation`` (LOINC code, UCUM ``valueQuantity``)
CRS/ICANS grade, ICE or  ``Observation`` (category ``survey``, ``valueInteger``): the code of
CAPD total               the catalogue's local code system (no LOINC code verified for them;
                         a LOINC coding is added only where the catalogue holds one)
order                    ``MedicationRequest``: ``doseAndRate`` *ordered* (daily dose, mg/d, or
                         the per-kg dose in an extension) and *calculated* (``rateRatio`` mg/h)
bag                      ``Medication`` (ingredients, strength, ``batch.lotNumber`` = syringe
                         lots, ``batch.expirationDate`` = beyond-use time) + ``MedicationDispense``
segment                  ``MedicationAdministration`` (``dosage.rateRatio`` mg/h; the pump rate
                         in mL/h in an extension); a stop is a segment at 0 mg/h
verification, bag check  ``Provenance`` (verifier)
audit event              ``AuditEvent``
=======================  =====================================================================
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationdispense import MedicationDispense
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.provenance import Provenance

from anakinra_iv.assessment.catalogue import get_analyte, get_catalogue
from anakinra_iv.interop.course import (
    CourseAuditEvent,
    CourseBag,
    CourseGrade,
    CourseObservation,
    CourseOrder,
    CoursePatient,
    CourseSegment,
)

__all__ = [
    "ANAKINRA",
    "DOSE_RATE_TYPE",
    "EXT_PUMP_RATE",
    "EXT_WEIGHT_BASED_DOSE",
    "LOINC",
    "MRN_SYSTEM",
    "RXNORM",
    "UCUM",
    "VITAL_SIGN_CODES",
    "create_audit_event",
    "create_grade_observation",
    "create_medication",
    "create_medication_administration",
    "create_medication_dispense",
    "create_medication_request",
    "create_observation",
    "create_patient",
    "create_provenance",
    "get_protocol_uri",
]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DOSE_RATE_TYPE = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
MRN_SYSTEM = "urn:anakinra-iv:mrn"
AUDIT_ACTION_SYSTEM = "urn:anakinra-iv:audit-action"
EXT_WEIGHT_BASED_DOSE = "urn:anakinra-iv:fhir:StructureDefinition:weight-based-dose"
EXT_PUMP_RATE = "urn:anakinra-iv:fhir:StructureDefinition:pump-rate"
ANAKINRA: dict[str, Any] = {
    "coding": [{"system": RXNORM, "code": "72435", "display": "anakinra"}],
    "text": "anakinra",
}
"""Anakinra by its RxNorm ingredient code (conventions.md section 2.3)."""
VITAL_SIGN_CODES = frozenset(get_analyte(name).loinc for name in ("temperature", "body_weight"))
"""Body temperature and body weight are vital signs; every other observation is a lab."""

_ORDER_STATUS = {
    "pending_verification": "active",
    "verified": "active",
    "active": "active",
    "paused": "on-hold",
    "stopped": "stopped",
    "queried": "on-hold",
    "discontinued": "stopped",
    "cancelled": "cancelled",
    "rejected": "cancelled",
}


def _time(moment: datetime) -> str:
    return moment.isoformat()


def _ucum(value: float, unit: str, code: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}


def get_protocol_uri(protocol_id: str, version: str) -> str:
    """The URI naming a protocol version in ``MedicationRequest.instantiatesUri``.

    >>> get_protocol_uri("adult-mas-civ", "1")
    'urn:anakinra-iv:protocol:adult-mas-civ:1'
    """
    return f"urn:anakinra-iv:protocol:{protocol_id}:{version}"


def create_patient(patient: CoursePatient) -> Patient:
    """``Patient``: MRN identifier, name (``Family, Given``), gender and birth date."""
    family, _, given = patient.name.partition(",")
    name: dict[str, Any] = {"text": patient.name, "family": family.strip()}
    if given.strip():
        name["given"] = given.split()
    return Patient.model_validate(
        {
            "resourceType": "Patient",
            "id": patient.id,
            "identifier": [{"system": MRN_SYSTEM, "value": patient.mrn}],
            "name": [name],
            "gender": patient.sex if patient.sex in ("female", "male") else "unknown",
            "birthDate": patient.birth_date.isoformat(),
        }
    )


def create_observation(observation: CourseObservation, patient_ref: str) -> Observation:
    """``Observation``: LOINC code (text only when not coded) and UCUM value."""
    code: dict[str, Any] = {"text": observation.name}
    if observation.code:
        code["coding"] = [{"system": LOINC, "code": observation.code, "display": observation.name}]
    category = "vital-signs" if observation.code in VITAL_SIGN_CODES else "laboratory"
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "id": observation.id,
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
            "code": code,
            "subject": {"reference": patient_ref},
            "effectiveDateTime": _time(observation.collected_at),
            "valueQuantity": _ucum(observation.value, observation.unit),
        }
    )


def create_grade_observation(grade: CourseGrade, patient_ref: str) -> Observation:
    """``Observation`` of a grade or score calculated from a bedside assessment: coded in the
    catalogue's local code system (and LOINC only where the catalogue holds a verified code),
    ``valueInteger``, category ``survey``."""
    analyte = get_analyte(grade.analyte)
    catalogue = get_catalogue()
    coding: list[dict[str, Any]] = []
    if analyte.loinc:
        coding.append({"system": LOINC, "code": analyte.loinc, "display": analyte.display})
    if analyte.local_code and catalogue.local_code_system:
        coding.append(
            {
                "system": catalogue.local_code_system,
                "code": analyte.local_code,
                "display": analyte.display,
            }
        )
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "id": grade.id,
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
            "code": {"coding": coding, "text": analyte.display},
            "subject": {"reference": patient_ref},
            "effectiveDateTime": _time(grade.collected_at),
            "valueInteger": round(grade.value),
            "note": [
                {
                    "text": "calculated from the items of bedside assessment "
                    f"{grade.assessment_id} (ASTCT, Lee 2019)"
                }
            ],
        }
    )


def create_medication_request(order: CourseOrder, patient_ref: str) -> MedicationRequest:
    """``MedicationRequest`` of a continuous infusion: ordered dose and calculated mg/h rate."""
    step = f" (step {order.step})" if order.step is not None else ""
    text = (
        f"anakinra {order.daily_dose_mg_per_day:g} mg/day{step} by continuous IV infusion = "
        f"{order.rate_mg_per_h:g} mg/h"
    )
    ordered: dict[str, Any] = {
        "type": {"coding": [{"system": DOSE_RATE_TYPE, "code": "ordered"}]},
        "rateQuantity": _ucum(order.daily_dose_mg_per_day, "mg/day", "mg/d"),
    }
    extensions = []
    if order.weight_based and order.dose_mg_per_kg_per_day is not None:
        text = f"{order.dose_mg_per_kg_per_day:g} mg/kg/day x {order.weight_kg:g} kg = " + text
        extensions.append(
            {
                "url": EXT_WEIGHT_BASED_DOSE,
                "valueQuantity": _ucum(order.dose_mg_per_kg_per_day, "mg/kg/day", "mg/kg/d"),
            }
        )
    calculated = {
        "type": {"coding": [{"system": DOSE_RATE_TYPE, "code": "calculated"}]},
        "rateRatio": {
            "numerator": _ucum(order.rate_mg_per_h, "mg"),
            "denominator": _ucum(1, "h"),
        },
    }
    dosage: dict[str, Any] = {
        "text": text,
        "route": {"text": "intravenous"},
        "timing": {"repeat": {"boundsPeriod": {"start": _time(order.created_at)}}},
        "doseAndRate": [ordered, calculated],
    }
    if extensions:
        dosage["extension"] = extensions
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": order.id,
        "status": _ORDER_STATUS.get(order.status, "unknown"),
        "intent": "order",
        "instantiatesUri": [get_protocol_uri(order.protocol_id, order.protocol_version)],
        "medicationCodeableConcept": ANAKINRA,
        "subject": {"reference": patient_ref},
        "authoredOn": _time(order.created_at),
        "requester": {"display": order.prescriber},
        "dosageInstruction": [dosage],
    }
    if order.override_reason:
        resource["note"] = [{"text": f"Override reason: {order.override_reason}"}]
    return MedicationRequest.model_validate(resource)


def create_medication(bag: CourseBag, diluent: str) -> Medication:
    """``Medication`` of a compounded bag: strength, diluent, syringe lots, beyond-use time."""
    return Medication.model_validate(
        {
            "resourceType": "Medication",
            "id": bag.id,
            "code": ANAKINRA,
            "form": {"text": "solution for continuous IV infusion"},
            "ingredient": [
                {
                    "itemCodeableConcept": ANAKINRA,
                    "isActive": True,
                    "strength": {
                        "numerator": _ucum(bag.drug_amount_mg, "mg"),
                        "denominator": _ucum(bag.final_volume_ml, "mL"),
                    },
                },
                {"itemCodeableConcept": {"text": diluent}, "isActive": False},
            ],
            "batch": {
                "lotNumber": "; ".join(bag.syringe_lots),
                "expirationDate": _time(bag.beyond_use),
            },
        }
    )


def create_medication_dispense(
    bag: CourseBag, patient_ref: str, request_ref: str
) -> MedicationDispense:
    """``MedicationDispense``: prepared by, checked (handed over) by, volume dispensed."""
    done = bag.checked_at is not None
    resource: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": bag.id,
        "status": "completed" if done else "in-progress",
        "medicationReference": {"reference": f"Medication/{bag.id}"},
        "subject": {"reference": patient_ref},
        "performer": [{"actor": {"display": bag.prepared_by}}],
        "authorizingPrescription": [{"reference": request_ref}],
        "quantity": _ucum(bag.final_volume_ml, "mL"),
        "whenPrepared": _time(bag.prepared_at),
    }
    if bag.checked_at is not None:
        resource["whenHandedOver"] = _time(bag.checked_at)
    return MedicationDispense.model_validate(resource)


def create_medication_administration(
    segment: CourseSegment, patient_ref: str, request_ref: str
) -> MedicationAdministration:
    """``MedicationAdministration`` for one constant-rate segment (a stop runs at 0 mg/h)."""
    period: dict[str, Any] = {"start": _time(segment.started_at)}
    if segment.ended_at is not None:
        period["end"] = _time(segment.ended_at)
    finished = segment.ended_at is not None or segment.event == "stop"
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": f"{segment.order_id}-{segment.seq}",
        "status": "completed" if finished else "in-progress",
        "subject": {"reference": patient_ref},
        "request": {"reference": request_ref},
        "effectivePeriod": period,
        "performer": [{"actor": {"display": segment.recorded_by}}],
        "dosage": {
            "text": f"{segment.event}: {segment.rate_mg_per_h:g} mg/h = "
            f"{segment.rate_ml_per_h:g} mL/h",
            "extension": [
                {"url": EXT_PUMP_RATE, "valueQuantity": _ucum(segment.rate_ml_per_h, "mL/h")}
            ],
            "rateRatio": {
                "numerator": _ucum(segment.rate_mg_per_h, "mg"),
                "denominator": _ucum(1, "h"),
            },
        },
    }
    if segment.bag_id is not None:
        resource["medicationReference"] = {"reference": f"Medication/{segment.bag_id}"}
    else:
        resource["medicationCodeableConcept"] = ANAKINRA
    if segment.reason:
        resource["note"] = [{"text": segment.reason}]
    return MedicationAdministration.model_validate(resource)


def create_provenance(
    id: str, target_ref: str, recorded: datetime, verifier: str, activity: str
) -> Provenance:
    """``Provenance`` naming the verifier of a target (an order verified, a bag checked)."""
    return Provenance.model_validate(
        {
            "resourceType": "Provenance",
            "id": id,
            "target": [{"reference": target_ref}],
            "recorded": _time(recorded),
            "activity": {"text": activity},
            "agent": [
                {
                    "type": {"coding": [{"system": PROVENANCE_AGENT, "code": "verifier"}]},
                    "who": {"display": verifier},
                }
            ],
        }
    )


def create_audit_event(event: CourseAuditEvent) -> AuditEvent:
    """``AuditEvent``: who did what to which record, and when."""
    verb = event.action.rsplit(".", 1)[-1]
    action = "C" if verb in ("create", "prescribe", "add") else "U"
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(event.seq),
        "type": {"system": AUDIT_ACTION_SYSTEM, "code": event.action},
        "action": action,
        "recorded": _time(event.occurred_at),
        "outcome": "0",
        "agent": [{"who": {"display": event.actor}, "requestor": True}],
        "source": {"observer": {"display": "anakinra-iv"}},
        "entity": [{"what": {"display": f"{event.entity_type}/{event.entity_id}"}}],
    }
    if event.reason:
        resource["outcomeDesc"] = event.reason
    return AuditEvent.model_validate(resource)
