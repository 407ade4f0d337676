"""Service layer: one function per use case, each one transaction through a unit of work."""

from anakinra_iv.workflow.services._checks import CheckLocked, VerificationMismatch
from anakinra_iv.workflow.services.access import (
    change_password,
    check_credential,
    record_access,
    record_read_through,
    set_user_active,
    sign_out,
    unlock_user,
)
from anakinra_iv.workflow.services.accounts import add_user, approve_protocol, authenticate
from anakinra_iv.workflow.services.alerts import resolve_alert
from anakinra_iv.workflow.services.disclosures import DISCLOSURES, record_disclosure
from anakinra_iv.workflow.services.intake import IntakeResult, record_patient_observations
from anakinra_iv.workflow.services.loading import LoadingDoseNotVerified, record_loading_dose
from anakinra_iv.workflow.services.nursing import (
    ADMINISTRATION_EVENTS,
    PumpAlertNotAcknowledged,
    PumpProgrammeRefused,
    RateNotVerified,
    record_administration,
)
from anakinra_iv.workflow.services.order_status import (
    cancel_order,
    discontinue_order,
    query_order,
    reject_order,
)
from anakinra_iv.workflow.services.orders import (
    RENAL_DECISIONS,
    RenalDecisionRequired,
    change_dose,
    prescribe,
)
from anakinra_iv.workflow.services.patients import create_patient, record_observation
from anakinra_iv.workflow.services.pharmacy import BagStatus, check_bag, prepare_bag
from anakinra_iv.workflow.services.reviews import REVIEW_KIND, request_recommendation
from anakinra_iv.workflow.services.toxicity import (
    AssessmentSheet,
    get_assessment_sheet,
    list_toxicity_assessments,
    read_graded_assessments,
    record_toxicity_assessment,
)
from anakinra_iv.workflow.services.verification import verify_order

__all__ = [
    "ADMINISTRATION_EVENTS",
    "DISCLOSURES",
    "RENAL_DECISIONS",
    "REVIEW_KIND",
    "AssessmentSheet",
    "BagStatus",
    "CheckLocked",
    "IntakeResult",
    "LoadingDoseNotVerified",
    "PumpAlertNotAcknowledged",
    "PumpProgrammeRefused",
    "RateNotVerified",
    "RenalDecisionRequired",
    "VerificationMismatch",
    "add_user",
    "approve_protocol",
    "authenticate",
    "cancel_order",
    "change_dose",
    "change_password",
    "check_bag",
    "check_credential",
    "create_patient",
    "discontinue_order",
    "get_assessment_sheet",
    "list_toxicity_assessments",
    "prepare_bag",
    "prescribe",
    "query_order",
    "read_graded_assessments",
    "record_access",
    "record_administration",
    "record_disclosure",
    "record_loading_dose",
    "record_observation",
    "record_patient_observations",
    "record_read_through",
    "record_toxicity_assessment",
    "reject_order",
    "request_recommendation",
    "resolve_alert",
    "set_user_active",
    "sign_out",
    "unlock_user",
    "verify_order",
]
