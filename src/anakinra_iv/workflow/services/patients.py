"""Use cases of patients: register a patient, record an observation."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from anakinra_iv.assessment.catalogue import Analyte, get_analyte, get_catalogue
from anakinra_iv.errors import AnakinraError, ConflictError, InvalidInput, ProblemList, UnknownItem
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Observation, Patient, User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Quantity
from anakinra_iv.workflow.commands import CreatePatient, RecordObservation
from anakinra_iv.workflow.observation_units import read_observation_value
from anakinra_iv.workflow.patient_checks import check_patient_fields, normalise_mrn
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor, to_unit
from anakinra_iv.workflow.views import ObservationView, PatientView

__all__ = [
    "KNOWN_CODES",
    "SEXES",
    "WEIGHT_CODE",
    "CheckedObservation",
    "add_observation",
    "add_patient",
    "check_new_patient",
    "check_observation",
    "create_patient",
    "find_catalogued_analyte",
    "record_observation",
]


def _code(analyte: str) -> str:
    code = get_analyte(analyte).loinc
    assert code is not None, analyte  # the catalogue's test pins these codes
    return code


WEIGHT_CODE = _code("body_weight")
KNOWN_CODES: dict[str, tuple[str, str]] = {
    WEIGHT_CODE: ("weight", get_analyte("body_weight").unit),
    _code("creatinine"): ("creatinine", get_analyte("creatinine").unit),
}
"""LOINC codes that dosing reads, from the curated catalogue, with their canonical unit."""


@dataclass(frozen=True)
class CheckedObservation:
    """An observation read and checked, ready to store (value in ``unit``)."""

    code: str | None
    name: str
    magnitude: float
    unit: str
    text: str
    collected_at: datetime


SEXES = ("female", "male")


def _observation(
    patient_id: int, code: str, quantity: Quantity, user_id: int, at: datetime, now: datetime
) -> Observation:
    name, unit = KNOWN_CODES[code]
    magnitude = to_unit(quantity, unit, field=name)
    return Observation(
        patient_id=patient_id,
        code=code,
        name=name,
        value_text=f"{magnitude:g} {unit}",
        magnitude=magnitude,
        unit=unit,
        collected_at=at,
        recorded_by_id=user_id,
        recorded_at=now,
    )


def check_new_patient(cmd: CreatePatient, now: datetime) -> None:
    """Raise every problem of a registration at once (each names its field)."""
    problems: list[AnakinraError] = []
    if not cmd.mrn.strip():
        problems.append(InvalidInput("'mrn' is missing", field="mrn"))
    if not cmd.name.strip():
        problems.append(InvalidInput("'name' is missing", field="name"))
    if cmd.weight is None:
        problems.append(InvalidInput("'weight' is missing", field="weight"))
    if cmd.birth_date > now.date():
        problems.append(
            InvalidInput(
                f"'birth_date' must not be in the future (got '{cmd.birth_date}')",
                field="birth_date",
                value=str(cmd.birth_date),
            )
        )
    if cmd.sex.strip().lower() not in SEXES:
        problems.append(
            InvalidInput(
                f"'sex' must be one of {', '.join(SEXES)} (got '{cmd.sex}')",
                field="sex",
                value=cmd.sex,
            )
        )
    weighed = cmd.weight_collected_at
    if weighed is not None and weighed > now:
        problems.append(
            InvalidInput(
                f"'weight_collected_at' must not be in the future (got '{weighed.isoformat()}')",
                field="weight_collected_at",
                value=weighed.isoformat(),
            )
        )
    problems.extend(check_patient_fields(cmd, now))
    ProblemList.raise_if_any(problems)


def add_patient(uow: UnitOfWork, actor: User, cmd: CreatePatient, now: datetime) -> PatientView:
    """Register a checked patient inside an open unit of work (the caller commits)."""
    mrn = normalise_mrn(cmd.mrn)
    if uow.patients.find_by_mrn(mrn) is not None:
        raise ConflictError(
            f"a patient with mrn '{mrn}' already exists (medical record numbers are compared "
            "without invisible characters, with one kind of hyphen and the site's letter case)",
            field="mrn",
            value=mrn,
        )
    patient = uow.patients.add(
        Patient(
            mrn=mrn,
            name=cmd.name.strip(),
            birth_date=cmd.birth_date,
            sex=cmd.sex.strip().lower(),
            height_cm=None if cmd.height is None else to_unit(cmd.height, "cm", field="height"),
            renal_replacement=cmd.renal_replacement,
            ward=(cmd.ward or "").strip() or None,
            bed=(cmd.bed or "").strip() or None,
            created_by_id=actor.id,
            created_at=now,
        )
    )
    weighed = cmd.weight_collected_at or now
    if cmd.weight is None:
        raise InvalidInput("'weight' is missing", field="weight")
    uow.observations.add(_observation(patient.id, WEIGHT_CODE, cmd.weight, actor.id, weighed, now))
    if cmd.creatinine is not None:
        uow.observations.add(_observation(patient.id, "2160-0", cmd.creatinine, actor.id, now, now))
    observations = tuple(
        ObservationView.from_row(o) for o in uow.observations.list_for_patient(patient.id)
    )
    view = PatientView.from_row(patient, observations)
    uow.audit.append(
        AuditEntry(
            actor.username,
            "patient.create",
            "patient",
            str(patient.id),
            None,
            {
                "mrn": view.mrn,
                "name": view.name,
                "birth_date": view.birth_date.isoformat(),
                "sex": view.sex,
                "ward": view.ward,
                "bed": view.bed,
                "observations": [o.value for o in observations],
            },
        ),
        now=now,
    )
    return view


def create_patient(cmd: CreatePatient, uow: UnitOfWork, now: datetime) -> PatientView:
    """Register a patient with a first weight (and creatinine) observation."""
    check_new_patient(cmd, now)
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.CREATE_PATIENT)
        view = add_patient(uow, actor, cmd, now)
        uow.commit()
    return view


def _catalogue_keys() -> list[str]:
    keys: list[str] = []
    for analyte in get_catalogue().analytes:
        keys += [analyte.name, *analyte.aliases]
    return keys


def find_catalogued_analyte(key: str, *, field: str) -> Analyte:
    """The catalogue's analyte for a LOINC code, name or alias; anything else is refused with
    the closest names the catalogue knows (one check for every entry path: form, API, file,
    FHIR).

    >>> find_catalogued_analyte("Ferritin", field="name").loinc
    '2276-4'
    >>> try:
    ...     find_catalogued_analyte("feritin", field="name")
    ... except InvalidInput as error:
    ...     print(error.message.split("; ")[1])
    did you mean ferritin?
    """
    try:
        return get_analyte(key)
    except UnknownItem:
        close = difflib.get_close_matches(key.strip().lower(), _catalogue_keys(), n=3)
        hint = f"; did you mean {' or '.join(dict.fromkeys(close))}?" if close else ""
        raise InvalidInput(
            f"'{field}' '{key}' is not an observation in the catalogue{hint}",
            field=field,
            value=key,
        ) from None


def _catalogue_check(code: str | None, name: str | None) -> Analyte:
    """The analyte named by code and name (they must agree); an unknown one is refused with the
    closest names the catalogue knows."""
    by_code = None if code is None else find_catalogued_analyte(code, field="code")
    by_name = None if name is None else find_catalogued_analyte(name, field="name")
    if by_code is not None and by_name is not None and by_code.name != by_name.name:
        raise InvalidInput(
            f"'code' {code} is {by_code.display}, but 'name' says '{name}'",
            field="name",
            value=name,
        )
    analyte = by_code or by_name
    assert analyte is not None
    return analyte


def check_observation(cmd: RecordObservation, now: datetime) -> CheckedObservation:
    """Read an observation's code, name and value; every problem names its field.

    The code or name must be a catalogued analyte and the value is converted to its catalogue
    unit (or refused naming 'value'): see :mod:`anakinra_iv.workflow.observation_units`.
    """
    code = (cmd.code or "").strip() or None
    name = (cmd.name or "").strip().lower() or None
    if code is None and name is None:
        raise InvalidInput("give the observation's 'code' (LOINC) or 'name'", field="code")
    analyte = _catalogue_check(code, name)
    if cmd.collected_at > now:
        raise InvalidInput(
            f"'collected_at' must not be in the future (got '{cmd.collected_at.isoformat()}')",
            field="collected_at",
            value=cmd.collected_at.isoformat(),
        )
    value = read_observation_value(analyte.loinc, analyte.name, cmd.value or "")
    return CheckedObservation(
        value.code, value.name, value.magnitude, value.unit, value.text, cmd.collected_at
    )


def add_observation(
    uow: UnitOfWork, actor: User, patient_id: int, checked: CheckedObservation, now: datetime
) -> ObservationView:
    """Store a checked observation inside an open unit of work (the caller commits)."""
    row = uow.observations.add(
        Observation(
            patient_id=patient_id,
            code=checked.code,
            name=checked.name,
            value_text=checked.text,
            magnitude=checked.magnitude,
            unit=checked.unit,
            collected_at=checked.collected_at,
            recorded_by_id=actor.id,
            recorded_at=now,
        )
    )
    uow.audit.append(
        AuditEntry(
            actor.username,
            "observation.create",
            "observation",
            str(row.id),
            None,
            {
                "patient_id": patient_id,
                "code": checked.code,
                "name": checked.name,
                "value": checked.text,
                "collected_at": checked.collected_at.isoformat(),
            },
        ),
        now=now,
    )
    return ObservationView.from_row(row)


def record_observation(cmd: RecordObservation, uow: UnitOfWork, now: datetime) -> ObservationView:
    """Store a laboratory value or vital sign for a patient."""
    checked = check_observation(cmd, now)
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.RECORD_OBSERVATION)
        uow.patients.get(cmd.patient_id)
        view = add_observation(uow, actor, cmd.patient_id, checked, now)
        uow.commit()
    return view
