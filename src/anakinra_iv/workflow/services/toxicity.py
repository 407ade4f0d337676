"""Use cases of CAR-T toxicity in the ward: record a bedside assessment (ICE or CAPD with the
ICANS domains, or the CRS vital-sign inputs) and read the grades calculated from the stored
items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Patient, ToxicityAssessment
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.commands import RecordToxicityAssessment
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.toxicity import (
    GradedAssessment,
    calculate_age_years,
    check_assessment_items,
    get_neuro_tool,
    grade_assessment,
)
from anakinra_iv.workflow.views import PatientView

__all__ = [
    "AssessmentSheet",
    "get_assessment_sheet",
    "list_toxicity_assessments",
    "read_graded_assessments",
    "read_graded_assessments_of",
    "record_toxicity_assessment",
]


@dataclass(frozen=True)
class AssessmentSheet:
    """What the bedside assessment page shows: the patient, the age today and the
    encephalopathy tool it implies, and the assessments so far."""

    patient: PatientView
    age_years: int
    tool: str
    assessments: tuple[GradedAssessment, ...]


def _graded(row: ToxicityAssessment, patient: Patient, recorded_by: str) -> GradedAssessment:
    return grade_assessment(
        row.id,
        row.score,
        row.items,
        row.collected_at,
        age_years=calculate_age_years(patient.birth_date, row.collected_at),
        recorded_by=recorded_by,
    )


def read_graded_assessments(uow: UnitOfWork, patient_id: int) -> tuple[GradedAssessment, ...]:
    """A patient's stored assessments, each graded from its items, oldest first (inside an open
    unit of work; the caller checked the user)."""
    patient = uow.patients.get(patient_id)
    rows = uow.toxicity.list_for_patient(patient_id)
    names = uow.users.find_names(r.recorded_by_id for r in rows)
    return tuple(_graded(r, patient, names.get(r.recorded_by_id, "")) for r in rows)


def read_graded_assessments_of(
    uow: UnitOfWork, patients: dict[int, Patient]
) -> dict[int, tuple[GradedAssessment, ...]]:
    """The graded assessments of several patients, by patient id, oldest first: one query for
    the assessments and one for the names of who recorded them (inside an open unit of work;
    the caller checked the user)."""
    rows = uow.toxicity.list_for_patients(patients)
    names = uow.users.find_names(r.recorded_by_id for r in rows)
    graded: dict[int, list[GradedAssessment]] = {}
    for row in rows:
        graded.setdefault(row.patient_id, []).append(
            _graded(row, patients[row.patient_id], names.get(row.recorded_by_id, ""))
        )
    return {patient_id: tuple(items) for patient_id, items in graded.items()}


def record_toxicity_assessment(
    cmd: RecordToxicityAssessment, uow: UnitOfWork, now: datetime
) -> GradedAssessment:
    """Check and store one assessment, all or nothing, with its audit event; return it graded.

    Raises
    ------
    InvalidInput, ProblemList
        A time in the future, an unknown score, any item unreadable or missing (each names
        its item); nothing is stored.
    """
    if cmd.collected_at > now:
        raise InvalidInput(
            f"'collected_at' must not be in the future (got '{cmd.collected_at.isoformat()}')",
            field="collected_at",
            value=cmd.collected_at.isoformat(),
        )
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.RECORD_OBSERVATION)
        patient = uow.patients.get(cmd.patient_id)
        age = calculate_age_years(patient.birth_date, cmd.collected_at)
        items = check_assessment_items(cmd.score, cmd.items, age_years=age)
        row = uow.toxicity.add(
            ToxicityAssessment(
                patient_id=patient.id,
                score=cmd.score,
                items=items,
                collected_at=cmd.collected_at,
                recorded_by_id=actor.id,
                recorded_at=now,
            )
        )
        graded = _graded(row, patient, actor.username)
        uow.audit.append(
            AuditEntry(
                actor.username,
                "toxicity_assessment.create",
                "toxicity_assessment",
                str(row.id),
                None,
                {
                    "patient_id": patient.id,
                    "score": cmd.score,
                    "items": items,
                    "collected_at": cmd.collected_at.isoformat(),
                    "grade": graded.grade,
                    "tool_total": graded.tool_total,
                },
            ),
            now=now,
        )
        uow.commit()
    return graded


def list_toxicity_assessments(
    uow: UnitOfWork, user_id: int, patient_id: int
) -> tuple[GradedAssessment, ...]:
    """A patient's assessments graded from their stored items, oldest first."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        return read_graded_assessments(uow, patient_id)


def get_assessment_sheet(
    uow: UnitOfWork, user_id: int, patient_id: int, now: datetime
) -> AssessmentSheet:
    """The patient, the tool for their age today (ICE, or CAPD for a child) and the
    assessments so far."""
    with uow:
        load_actor(uow, user_id, Action.READ)
        patient = uow.patients.get(patient_id)
        age = calculate_age_years(patient.birth_date, now)
        return AssessmentSheet(
            PatientView.from_row(patient),
            age,
            get_neuro_tool(age),
            read_graded_assessments(uow, patient_id),
        )
