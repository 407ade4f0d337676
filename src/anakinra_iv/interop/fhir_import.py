"""Import a FHIR ``Bundle`` (or NDJSON) of ``Patient`` and ``Observation`` resources.

Resources of other types (an exported course also holds orders and bags) are listed as
skipped. Every Patient and Observation is validated by its R4B model; every observation must
carry a LOINC code of the curated catalogue (:mod:`anakinra_iv.assessment.catalogue`) and a
UCUM value that the catalogue accepts. Unknown codes are reported, never guessed. Problems name
the resource's position (``entry[3]`` in a Bundle, ``line 4`` in NDJSON) and the reason, and
are all reported at once (:class:`~anakinra_iv.errors.ProblemList`); a batch with any problem
yields nothing, so a caller stores all of it or none of it.

Examples
--------
>>> text = '{"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": '
>>> text += '"http://loinc.org", "code": "2276-4"}]}, "effectiveDateTime": '
>>> text += '"2026-01-05T06:00:00Z", "valueQuantity": {"value": 2.4, "system": '
>>> text += '"http://unitsofmeasure.org", "code": "ug/mL"}}'
>>> batch = read_fhir_text(text)
>>> batch.observations[0].analyte, batch.observations[0].value, batch.observations[0].unit
('ferritin', 2400.0, 'ng/mL')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from anakinra_iv.assessment.catalogue import get_analyte, get_catalogue
from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.errors import AnakinraError, FhirImportError, ProblemList, UnknownItem
from anakinra_iv.interop.fhir_mapping import LOINC, MRN_SYSTEM, UCUM

__all__ = [
    "ImportBatch",
    "ImportedObservation",
    "ImportedPatient",
    "read_bundle",
    "read_fhir_text",
    "read_ndjson",
]

_ACCEPTED_STATUS = ("final", "amended", "corrected")


@dataclass(frozen=True)
class ImportedPatient:
    """A patient read from FHIR (``resource_id`` is the sender's id)."""

    position: str
    resource_id: str | None
    mrn: str
    name: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class ImportedObservation:
    """An observation read from FHIR, in the catalogue's canonical unit."""

    position: str
    analyte: str
    loinc: str
    value: float
    unit: str
    value_text: str
    collected_at: datetime
    subject: str | None


@dataclass(frozen=True)
class ImportBatch:
    """What a Bundle or NDJSON file holds, checked: at most one patient and its observations.

    ``skipped`` names the resources of other types (``entry[6]: MedicationRequest``): they are
    reported and left out, never read.
    """

    patient: ImportedPatient | None
    observations: tuple[ImportedObservation, ...]
    skipped: tuple[str, ...] = ()


def _validation_reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
    return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg"))


def _read_patient(position: str, data: dict[str, Any]) -> ImportedPatient:
    try:
        patient = Patient.model_validate(data)
    except ValidationError as e:
        raise FhirImportError(
            f"{position} (Patient) is malformed: {_validation_reason(e)}", position=position
        ) from e
    problems: list[AnakinraError] = []
    identifiers = patient.identifier or []
    chosen = next((i for i in identifiers if i.system == MRN_SYSTEM), None) or next(
        (i for i in identifiers if i.value), None
    )
    if chosen is None or not chosen.value:
        problems.append(
            FhirImportError(f"{position} (Patient) has no identifier (MRN)", position=position)
        )
    name = ""
    if patient.name:
        first = patient.name[0]
        given = " ".join(g for g in (first.given or []) if g)
        name = first.text or (f"{first.family}, {given}" if given else (first.family or ""))
    if not name.strip():
        problems.append(FhirImportError(f"{position} (Patient) has no name", position=position))
    if patient.birthDate is None:
        problems.append(
            FhirImportError(f"{position} (Patient) has no birthDate", position=position)
        )
    if patient.gender not in ("female", "male"):
        problems.append(
            FhirImportError(
                f"{position} (Patient) gender must be female or male (got '{patient.gender}')",
                position=position,
            )
        )
    ProblemList.raise_if_any(problems)
    assert chosen is not None and chosen.value is not None and patient.birthDate is not None
    assert patient.gender is not None
    return ImportedPatient(
        position, patient.id, chosen.value, name.strip(), patient.birthDate, patient.gender
    )


def _read_observation(position: str, data: dict[str, Any]) -> ImportedObservation:
    try:
        observation = Observation.model_validate(data)
    except ValidationError as e:
        raise FhirImportError(
            f"{position} (Observation) is malformed: {_validation_reason(e)}", position=position
        ) from e

    def problem(reason: str) -> FhirImportError:
        return FhirImportError(f"{position} (Observation) {reason}", position=position)

    if observation.status not in _ACCEPTED_STATUS:
        raise problem(f"status must be final, amended or corrected (got '{observation.status}')")
    codes = [c.code for c in (observation.code.coding or []) if c.system == LOINC and c.code]
    if not codes:
        raise problem("has no LOINC code (code.coding with system http://loinc.org)")
    known = []
    for code in codes:
        try:
            known.append((code, get_analyte(code).name))
        except UnknownItem:
            continue
    if not known:
        raise problem(
            f"LOINC code {', '.join(codes)} is not in the catalogue of observations; "
            "it is not imported (codes are never guessed)"
        )
    loinc, analyte = known[0]
    quantity = observation.valueQuantity
    if quantity is None or quantity.value is None:
        raise problem("has no valueQuantity with a value")
    unit = quantity.code if quantity.system in (UCUM, None) and quantity.code else None
    if unit is None:
        raise problem("valueQuantity needs a UCUM code (system http://unitsofmeasure.org)")
    moment = observation.effectiveDateTime
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise problem(f"effectiveDateTime must be a date and time with a timezone (got '{moment}')")
    text = f"{quantity.value} {unit}"
    try:
        measurement = read_measurement(analyte, text, field=f"{position} {analyte}")
    except AnakinraError as e:
        raise problem(f"value {text}: {e.message}") from e
    subject = observation.subject.reference if observation.subject else None
    return ImportedObservation(
        position,
        analyte,
        loinc,
        measurement.magnitude,
        get_analyte(analyte).unit,
        text,
        moment,
        subject,
    )


def _check_subjects(
    patient: ImportedPatient | None, observations: list[ImportedObservation]
) -> list[AnakinraError]:
    if patient is None or patient.resource_id is None:
        return []
    accepted = {f"Patient/{patient.resource_id}", patient.resource_id}
    return [
        FhirImportError(
            f"{o.position} (Observation) subject '{o.subject}' is not the patient of this batch "
            f"(Patient/{patient.resource_id})",
            position=o.position,
        )
        for o in observations
        if o.subject is not None
        and o.subject not in accepted
        and not o.subject.endswith(f"/Patient/{patient.resource_id}")
    ]


def _is_calculated_grade(data: dict[str, Any]) -> bool:
    """True for an Observation coded in the catalogue's local code system (a CRS or ICANS grade,
    ICE or CAPD total that this system exports)."""
    local = get_catalogue().local_code_system
    code = data.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return bool(local) and any(
        isinstance(c, dict) and c.get("system") == local for c in codings or []
    )


def _read_resources(items: Iterator[tuple[str, Any]]) -> ImportBatch:
    problems: list[AnakinraError] = []
    patients: list[ImportedPatient] = []
    observations: list[ImportedObservation] = []
    skipped: list[str] = []
    for position, data in items:
        kind = data.get("resourceType") if isinstance(data, dict) else None
        try:
            if kind == "Patient":
                patients.append(_read_patient(position, data))
            elif kind == "Observation" and _is_calculated_grade(data):
                skipped.append(
                    f"{position}: Observation of a grade calculated from a bedside assessment "
                    "(grades are calculated from recorded items, never imported as values)"
                )
            elif kind == "Observation":
                observations.append(_read_observation(position, data))
            elif isinstance(kind, str) and kind:
                skipped.append(f"{position}: {kind}")
            else:
                raise FhirImportError(
                    f"{position} is not a FHIR resource (it has no resourceType)",
                    position=position,
                )
        except AnakinraError as e:
            problems.append(e)
    if len(patients) > 1:
        problems.append(
            FhirImportError(
                f"{patients[1].position}: a batch holds one patient's data "
                f"({len(patients)} patients found)",
                position=patients[1].position,
            )
        )
    problems += _check_subjects(patients[0] if patients else None, observations)
    ProblemList.raise_if_any(problems)
    return ImportBatch(patients[0] if patients else None, tuple(observations), tuple(skipped))


def read_bundle(data: dict[str, Any]) -> ImportBatch:
    """Read a Bundle already parsed from JSON (positions are ``entry[i]``)."""
    if data.get("resourceType") != "Bundle":
        return _read_resources(iter([("resource", data)]))
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise FhirImportError("Bundle.entry must be a list", position="entry")
    return _read_resources(
        (f"entry[{i}]", e.get("resource") if isinstance(e, dict) else None)
        for i, e in enumerate(entries)
    )


def read_ndjson(text: str) -> ImportBatch:
    """Read NDJSON: one resource per line (positions are ``line N``, counted from 1)."""
    problems: list[AnakinraError] = []
    items: list[tuple[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as e:
            problems.append(
                FhirImportError(f"line {number} is not JSON: {e.msg}", position=f"line {number}")
            )
    try:
        batch = _read_resources(iter(items))
    except AnakinraError as e:
        problems.append(e)
    ProblemList.raise_if_any(problems)
    return batch


def read_fhir_text(text: str) -> ImportBatch:
    """Read a JSON Bundle (or a single resource) or NDJSON, whichever ``text`` is."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return read_ndjson(text)
    if not isinstance(data, dict):
        raise FhirImportError("the file must hold a Bundle or a resource", position="document")
    return read_bundle(data)
