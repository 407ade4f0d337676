"""API schemas: what the API accepts (``*Create``) and returns (``*Public``), one module per
concept; every problem of a body names its field, and all of them are reported together."""

from anakinra_iv.web.schemas.lifecycle import LoadingDoseCreate, ReasonCreate
from anakinra_iv.web.schemas.nursing import AdministrationCreate
from anakinra_iv.web.schemas.orders import (
    DoseChange,
    LoadingDosePublic,
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
from anakinra_iv.web.schemas.pharmacy import (
    AlertPublic,
    AlertResolve,
    BagCheck,
    BagCreate,
    BagPublic,
    SyringeIn,
)
from anakinra_iv.web.schemas.system import (
    AuditEventPublic,
    ErrorPublic,
    HealthPublic,
    ProblemPublic,
    TokenPublic,
)

__all__ = [
    "AdministrationCreate",
    "AlertPublic",
    "AlertResolve",
    "AuditEventPublic",
    "BagCheck",
    "BagCreate",
    "BagPublic",
    "DoseChange",
    "ErrorPublic",
    "HealthPublic",
    "LoadingDoseCreate",
    "LoadingDosePublic",
    "ObservationCreate",
    "ObservationPublic",
    "OrderCreate",
    "OrderPublic",
    "PatientCreate",
    "PatientPublic",
    "ProblemPublic",
    "ReasonCreate",
    "RecommendationCreate",
    "RecommendationPublic",
    "SegmentPublic",
    "SyringeIn",
    "TokenPublic",
    "VerifyCreate",
]
