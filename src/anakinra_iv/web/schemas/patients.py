"""Schemas of patients, observations and recommendations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from anakinra_iv.dosing.patient import RenalReplacement
from anakinra_iv.errors import AnakinraError, ProblemList
from anakinra_iv.units import CREATININE_MOLAR_MASS
from anakinra_iv.web.schemas._base import (
    In,
    Out,
    Text16,
    Text32,
    Text64,
    Text100,
    Text200,
    check_plausible,
    collect,
    read_aware,
    read_quantity,
)
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
    """A new patient; ``weight`` and ``creatinine`` as text with units, each within the analyte
    catalogue's plausible range."""

    mrn: Annotated[Text64, Field(min_length=1)]
    name: Annotated[Text200, Field(min_length=1)]
    birth_date: date
    sex: Text16
    weight: Text100
    creatinine: Text100 | None = None
    height: Text100 | None = None
    renal_replacement: RenalReplacement = "none"
    ward: Text64 | None = None
    bed: Text32 | None = None

    def to_command(self, user_id: int) -> CreatePatient:
        """The command, with every quantity read; all problems reported together."""
        problems: list[AnakinraError] = []
        weight = collect(problems, lambda: read_quantity(self.weight, field="weight", unit="kg"))
        if weight is not None:
            collect(problems, lambda: check_plausible("body_weight", self.weight, field="weight"))
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
        if creatinine is not None:
            collect(
                problems,
                lambda: check_plausible("creatinine", self.creatinine, field="creatinine"),
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
            ward=self.ward,
            bed=self.bed,
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
    ward: str | None
    bed: str | None
    observations: list[ObservationPublic]


class ObservationCreate(In):
    """A laboratory value or vital sign: ``code`` (LOINC) or ``name``, and ``value`` with unit;
    the value of a catalogued analyte must lie in the catalogue's plausible range."""

    code: Text32 | None = None
    name: Text100 | None = None
    value: Text100
    collected_at: datetime

    def to_command(self, user_id: int, patient_id: int) -> RecordObservation:
        """The command."""
        collected = read_aware(self.collected_at, "collected_at")
        assert collected is not None
        analyte = (self.code or "").strip() or (self.name or "").strip()
        check_plausible(analyte, self.value, field="value")
        return RecordObservation(user_id, patient_id, self.value, collected, self.code, self.name)


class RecommendationCreate(In):
    """A request for the protocol's recommendation (protocol of the open order by default)."""

    protocol_id: Text100 | None = None


class RecommendationPublic(Out):
    """A recommendation as shown: what it was calculated from and what it said."""

    id: int
    patient_id: int
    order_id: int | None
    kind: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    created_at: datetime
