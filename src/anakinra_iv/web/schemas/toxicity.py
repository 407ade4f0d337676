"""Schemas of bedside CAR-T toxicity assessments: what a nurse records (the items) and what
is returned (the items with the grade calculated from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from anakinra_iv.web.schemas._base import In, Out, read_aware
from anakinra_iv.workflow.commands import RecordToxicityAssessment
from anakinra_iv.workflow.toxicity import GradedAssessment

__all__ = ["ToxicityAssessmentCreate", "ToxicityAssessmentPublic"]

ItemValue = bool | int | float | str | list[str] | None


class ToxicityAssessmentCreate(In):
    """One bedside assessment: ``score`` ``icans-astct`` (the ICE items, or CAPD items for a
    child, and the other ICANS domains) or ``crs-astct`` (``temperature`` with its unit, e.g.
    ``"38.9 Cel"``, ``fever_masked_by_treatment``, ``hypotension``, ``vasopressor_agents``,
    ``oxygen``, ``oxygen_flow_l_per_min``). Every item is needed; the grade is calculated."""

    score: Literal["icans-astct", "crs-astct"]
    items: dict[str, ItemValue]
    collected_at: datetime

    def to_command(self, user_id: int, patient_id: int) -> RecordToxicityAssessment:
        """The command."""
        collected = read_aware(self.collected_at, "collected_at")
        assert collected is not None
        return RecordToxicityAssessment(
            user_id, patient_id, self.score, dict(self.items), collected
        )


class ToxicityAssessmentPublic(Out):
    """An assessment as stored, with what was calculated from it: the ICE or CAPD total
    (``tool``, ``tool_total``) and the CRS or ICANS ``grade`` (None when the stored items no
    longer grade, with the ``problem``)."""

    id: int
    score: str
    collected_at: datetime
    items: dict[str, Any]
    recorded_by: str
    tool: str | None
    tool_total: float | None
    grade: int | None
    problem: str

    @classmethod
    def from_graded(cls, graded: GradedAssessment) -> ToxicityAssessmentPublic:
        """From a graded assessment."""
        return cls(
            id=graded.id,
            score=graded.score,
            collected_at=graded.at,
            items=dict(graded.items),
            recorded_by=graded.recorded_by,
            tool=graded.tool,
            tool_total=graded.tool_total,
            grade=graded.grade,
            problem=graded.problem,
        )
