"""Bedside CAR-T toxicity assessments in the API: record one (nurse, pharmacist or prescriber)
and list a patient's assessments with the grades calculated from their items."""

from __future__ import annotations

from fastapi import APIRouter

from anakinra_iv.web.deps import CurrentUser, PathId, ServicesDep, UowDep
from anakinra_iv.web.errors import ERROR_RESPONSES
from anakinra_iv.web.schemas.toxicity import ToxicityAssessmentCreate, ToxicityAssessmentPublic
from anakinra_iv.workflow import services

__all__ = ["router"]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


@router.post("/patients/{patient_id}/toxicity-assessments", status_code=201, tags=["patients"])
def create_toxicity_assessment(
    patient_id: PathId, body: ToxicityAssessmentCreate, user: CurrentUser, app: ServicesDep
) -> ToxicityAssessmentPublic:
    """Record an ICANS (ICE or CAPD) or CRS assessment; the grade is calculated, not typed."""
    graded = services.record_toxicity_assessment(
        body.to_command(user.user_id, patient_id), app.new_uow(), app.now()
    )
    return ToxicityAssessmentPublic.from_graded(graded)


@router.get("/patients/{patient_id}/toxicity-assessments", tags=["patients"])
def list_toxicity_assessments(
    patient_id: PathId, user: CurrentUser, uow: UowDep
) -> list[ToxicityAssessmentPublic]:
    """A patient's assessments, oldest first, each with its calculated grade."""
    graded = services.list_toxicity_assessments(uow, user.user_id, patient_id)
    return [ToxicityAssessmentPublic.from_graded(g) for g in graded]
