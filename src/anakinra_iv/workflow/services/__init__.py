"""Service layer: one function per use case, each one transaction through a unit of work."""

from anakinra_iv.workflow.services.access import (
    change_password,
    check_credential,
    record_access,
    set_user_active,
    sign_out,
    unlock_user,
)
from anakinra_iv.workflow.services.accounts import add_user, approve_protocol, authenticate
from anakinra_iv.workflow.services.intake import IntakeResult, record_patient_observations
from anakinra_iv.workflow.services.nursing import (
    ADMINISTRATION_EVENTS,
    PumpAlertNotAcknowledged,
    PumpProgrammeRefused,
    RateNotVerified,
    record_administration,
)
from anakinra_iv.workflow.services.orders import (
    VerificationMismatch,
    change_dose,
    discontinue_order,
    prescribe,
    verify_order,
)
from anakinra_iv.workflow.services.patients import create_patient, record_observation
from anakinra_iv.workflow.services.pharmacy import BagStatus, check_bag, prepare_bag
from anakinra_iv.workflow.services.reviews import REVIEW_KIND, request_recommendation

__all__ = [
    "ADMINISTRATION_EVENTS",
    "REVIEW_KIND",
    "BagStatus",
    "IntakeResult",
    "PumpAlertNotAcknowledged",
    "PumpProgrammeRefused",
    "RateNotVerified",
    "VerificationMismatch",
    "add_user",
    "approve_protocol",
    "authenticate",
    "change_dose",
    "change_password",
    "check_bag",
    "check_credential",
    "create_patient",
    "discontinue_order",
    "prepare_bag",
    "prescribe",
    "record_access",
    "record_administration",
    "record_observation",
    "record_patient_observations",
    "request_recommendation",
    "set_user_active",
    "sign_out",
    "unlock_user",
    "verify_order",
]
