"""API schemas: what the API accepts (``*Create``) and returns (``*Public``), one module per
concept; every problem of a body names its field, and all of them are reported together."""

from anakinra_iv.web.schemas.nursing import AdministrationCreate
from anakinra_iv.web.schemas.orders import (
    DoseChange,
    OrderCreate,
    OrderPublic,
    SegmentPublic,
    VerifyCreate,
)
from anakinra_iv.web.schemas.patients import (
    ObservationCreate,
    ObservationPublic,
    PatientCreate,
    PatientPublic,
    RecommendationCreate,
    RecommendationPublic,
)
from anakinra_iv.web.schemas.pharmacy import BagCheck, BagCreate, BagPublic
from anakinra_iv.web.schemas.system import (
    AuditEventPublic,
    ErrorPublic,
    HealthPublic,
    ProblemPublic,
    TokenPublic,
)

__all__ = [
    "AdministrationCreate",
    "AuditEventPublic",
    "BagCheck",
    "BagCreate",
    "BagPublic",
    "DoseChange",
    "ErrorPublic",
    "HealthPublic",
    "ObservationCreate",
    "ObservationPublic",
    "OrderCreate",
    "OrderPublic",
    "PatientCreate",
    "PatientPublic",
    "ProblemPublic",
    "RecommendationCreate",
    "RecommendationPublic",
    "SegmentPublic",
    "TokenPublic",
    "VerifyCreate",
]
