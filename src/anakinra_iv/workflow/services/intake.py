"""Use case of intake: a patient and several observations stored in one transaction.

Every observation is read and checked before the unit of work opens; inside it the patient is
found (by id, or by MRN with birth date and sex agreeing) or registered, and every observation is
stored. The first problem rolls the whole batch back: nothing is half-written.

An observation the patient already has (same code, collection time and value, in the same unit)
is not stored again, so importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from anakinra_iv.errors import ConflictError, InvalidInput, UnknownItem
from anakinra_iv.records.tables import Observation, User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import magnitude_in
from anakinra_iv.workflow.commands import RecordObservation, RecordPatientObservations
from anakinra_iv.workflow.patient_checks import normalise_mrn
from anakinra_iv.workflow.roles import Action, require_allowed
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.services.patients import (
    WEIGHT_CODE,
    CheckedObservation,
    add_observation,
    add_patient,
    check_new_patient,
    check_observation,
)

__all__ = ["IntakeResult", "record_patient_observations"]


@dataclass(frozen=True)
class IntakeResult:
    """What an intake stored."""

    patient_id: int
    created_patient: bool
    observation_ids: tuple[int, ...]
    duplicates: int = 0


ObservationKey = tuple[str | None, datetime, float, str]


def _key(code: str | None, at: datetime, magnitude: float, unit: str) -> ObservationKey:
    return (code, at, round(magnitude, 9), unit)


def _stored_keys(uow: UnitOfWork, patient_id: int) -> set[ObservationKey]:
    rows: list[Observation] = list(uow.observations.list_for_patient(patient_id))
    return {_key(o.code, o.collected_at, o.magnitude, o.unit) for o in rows}


def _checked_key(c: CheckedObservation) -> ObservationKey:
    return _key(c.code, c.collected_at, c.magnitude, c.unit)


def _find_or_add_patient(
    uow: UnitOfWork, actor: User, cmd: RecordPatientObservations, now: datetime
) -> tuple[int, bool]:
    new = cmd.patient
    if new is None:
        if cmd.patient_id is None:
            raise InvalidInput(
                "name the patient the observations belong to ('patient_id' or a patient)",
                field="patient",
            )
        return uow.patients.get(cmd.patient_id).id, False
    found = uow.patients.find_by_mrn(normalise_mrn(new.mrn))
    if found is None:
        require_allowed(actor.username, actor.role_set, Action.CREATE_PATIENT)
        if new.weight is None:
            raise UnknownItem(
                f"{cmd.label} is new and has no body weight (LOINC 29463-7) to register it with",
                field=cmd.label,
            )
        check_new_patient(new, now)
        return add_patient(uow, actor, replace(new, user_id=actor.id), now).id, True
    if found.birth_date != new.birth_date or found.sex != new.sex.strip().lower():
        raise ConflictError(
            f"{cmd.label}: MRN '{new.mrn}' belongs to a patient with another birth date or sex",
            field=cmd.label,
        )
    if cmd.patient_id is not None and cmd.patient_id != found.id:
        raise ConflictError(
            f"{cmd.label}: MRN '{new.mrn}' is not patient {cmd.patient_id}", field=cmd.label
        )
    if new.weight is not None:
        weight = RecordObservation(
            actor.id,
            found.id,
            f"{magnitude_in(new.weight, 'kg'):g} kg",
            new.weight_collected_at or now,
            code=WEIGHT_CODE,
        )
        checked = check_observation(weight, now)
        if _checked_key(checked) not in _stored_keys(uow, found.id):
            add_observation(uow, actor, found.id, checked, now)
    return found.id, False


def record_patient_observations(
    cmd: RecordPatientObservations, uow: UnitOfWork, now: datetime
) -> IntakeResult:
    """Store the observations (and the patient, if new) together, or nothing at all."""
    checked = [check_observation(o, now) for o in cmd.observations]
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.RECORD_OBSERVATION)
        patient_id, created = _find_or_add_patient(uow, actor, cmd, now)
        seen = _stored_keys(uow, patient_id)
        ids: list[int] = []
        for c in checked:
            if _checked_key(c) in seen:
                continue
            seen.add(_checked_key(c))
            ids.append(add_observation(uow, actor, patient_id, c, now).id)
        uow.commit()
    return IntakeResult(patient_id, created, tuple(ids), len(checked) - len(ids))
