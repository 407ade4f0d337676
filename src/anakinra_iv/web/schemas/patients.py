"""Schemas of patients, observations and recommendations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from anakinra_iv.errors import AnakinraError, ProblemList
from anakinra_iv.units import CREATININE_MOLAR_MASS
from anakinra_iv.web.schemas._base import In, Out, collect, read_aware, read_quantity
from anakinra_iv.workflow.commands import CreatePatient, RecordObservation

__all__ = [
    "ObservationCreate",
    "ObservationPublic",
    "PatientCreate",
    "PatientPublic",
    "RecommendationCreate",
    "RecommendationPublic",
]


class PatientCreate(In):
    """A new patient; ``weight`` and ``creatinine`` as text with units."""

    mrn: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    birth_date: date
    sex: str
    weight: str
    creatinine: str | None = None
    height: str | None = None
    renal_replacement: str = "none"

    def to_command(self, user_id: int) -> CreatePatient:
        """The command, with every quantity read; all problems reported together."""
        problems: list[AnakinraError] = []
        weight = collect(problems, lambda: read_quantity(self.weight, field="weight", unit="kg"))
        creatinine = (
            None
            if self.creatinine is None
            else collect(
                problems,
                lambda: read_quantity(
                    self.creatinine,
                    field="creatinine",
                    unit="mg/dL",
                    molar_mass=CREATININE_MOLAR_MASS,
                ),
            )
        )
        height = (
            None
            if self.height is None
            else collect(problems, lambda: read_quantity(self.height, field="height", unit="cm"))
        )
        ProblemList.raise_if_any(problems)
        return CreatePatient(
            user_id,
            self.mrn,
            self.name,
            self.birth_date,
            self.sex,
            weight,
            creatinine,
            height,
            self.renal_replacement,
        )


class ObservationPublic(Out):
    """An observation."""

    id: int
    patient_id: int
    code: str | None
    name: str
    value: str
    magnitude: float
    unit: str
    collected_at: datetime


class PatientPublic(Out):
    """A patient with observations."""

    id: int
    mrn: str
    name: str
    birth_date: date
    sex: str
    renal_replacement: str
    observations: list[ObservationPublic]


class ObservationCreate(In):
    """A laboratory value or vital sign: ``code`` (LOINC) or ``name``, and ``value`` with unit."""

    code: str | None = None
    name: str | None = None
    value: str
    collected_at: datetime

    def to_command(self, user_id: int, patient_id: int) -> RecordObservation:
        """The command."""
        collected = read_aware(self.collected_at, "collected_at")
        assert collected is not None
        return RecordObservation(user_id, patient_id, self.value, collected, self.code, self.name)


class RecommendationCreate(In):
    """A request for the protocol's recommendation (protocol of the open order by default)."""

    protocol_id: str | None = None


class RecommendationPublic(Out):
    """A recommendation as shown: what it was calculated from and what it said."""

    id: int
    patient_id: int
    order_id: int | None
    kind: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    created_at: datetime
