"""What the workflow needs from the clinical core, stated as a port.

Services call a :class:`DoseCalculator`; :mod:`anakinra_iv.bootstrap` hands them the one backed by
the protocol, dosing and compounding packages (:mod:`.core_calculator`), and tests may hand them
any other implementation of the same protocol. The workflow never computes a dose itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from anakinra_iv.units import Quantity

__all__ = [
    "BagResult",
    "DoseCalculator",
    "LabelBag",
    "PlanRequest",
    "PlanResult",
    "ProtocolInfo",
    "PumpFinding",
    "PumpRequest",
    "PumpVerdict",
    "ReviewRequest",
]


@dataclass(frozen=True)
class PlanRequest:
    """Everything a dose plan is calculated from, as it was known when ordering."""

    protocol_id: str
    weight: Quantity
    age_years: float
    sex: str
    creatinine: Quantity | None = None
    height: Quantity | None = None
    renal_replacement: str = "none"
    step: int | None = None
    daily_dose: Quantity | None = None
    override_reason: str | None = None
    protocol_version: str | None = None
    infusion_running: bool = False
    apply_renal_adjustment: bool = False

    def to_json(self) -> dict[str, Any]:
        """The inputs as JSON (quantities as text with units), stored with the order."""

        def text(q: Quantity | None) -> str | None:
            return None if q is None else f"{float(q.magnitude)!r} {q.units:~}"

        return {
            "protocol_id": self.protocol_id,
            "protocol_version": self.protocol_version,
            "weight": text(self.weight),
            "age_years": self.age_years,
            "sex": self.sex,
            "creatinine": text(self.creatinine),
            "height": text(self.height),
            "renal_replacement": self.renal_replacement,
            "step": self.step,
            "daily_dose": text(self.daily_dose),
            "override_reason": self.override_reason,
            "apply_renal_adjustment": self.apply_renal_adjustment,
        } | ({"infusion_running": True} if self.infusion_running else {})


@dataclass(frozen=True)
class PlanResult:
    """A dose plan with its planned bag, as the order stores and shows it."""

    protocol_id: str
    protocol_version: str
    step: int | None
    daily_dose: Quantity
    rate: Quantity
    loading_dose: Quantity | None
    limit_status: str
    concentration: Quantity
    rate_ml_per_h: Quantity
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BagResult:
    """A bag recipe for one preparation time."""

    drug_amount: Quantity
    final_volume: Quantity
    concentration: Quantity
    rate_ml_per_h: Quantity
    hang_time: Quantity
    beyond_use: datetime
    recipe: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LabelBag:
    """What a label needs to know about a stored bag."""

    prepared_at: datetime
    birth_date: date | None
    prepared_by: str
    checked_by: str


@dataclass(frozen=True)
class ProtocolInfo:
    """A protocol version as the approval screen needs it."""

    protocol_id: str
    version: str
    title: str
    regimen_kind: str
    site_decisions: int


@dataclass(frozen=True)
class ReviewRequest:
    """What a review reads: the patient (as for a plan), the stored observations as
    ``(code or name, "value unit", collected_at)``, the current step and the steps run since
    ``(step, started_at)``."""

    plan: PlanRequest
    observations: tuple[tuple[str, str, datetime], ...]
    step: int | None = None
    history: tuple[tuple[int, datetime], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The inputs as JSON, stored with the recommendation as shown."""
        return {
            **self.plan.to_json(),
            "current_step": self.step,
            "observations": [
                {"code": code, "value": value, "collected_at": at.isoformat()}
                for code, value, at in self.observations
            ],
            "history": [{"step": s, "started_at": at.isoformat()} for s, at in self.history],
        }


@dataclass(frozen=True)
class PumpRequest:
    """A pump programme to check against the protocol's drug-library entry."""

    protocol_id: str
    protocol_version: str
    rate: Quantity
    pump_rate: Quantity
    concentration: Quantity
    weight: Quantity | None = None


@dataclass(frozen=True)
class PumpFinding:
    """One problem of a programme: ``hard`` or ``soft``, the field it concerns, the message."""

    severity: str
    field: str
    message: str


@dataclass(frozen=True)
class PumpVerdict:
    """``ok``, ``soft_alert`` (needs acknowledgement) or ``hard_stop`` (reprogram)."""

    status: str
    care_area: str
    findings: tuple[PumpFinding, ...] = ()


class DoseCalculator(Protocol):
    """The clinical core as the workflow uses it."""

    def calculate_plan(self, request: PlanRequest, *, now: datetime) -> PlanResult:
        """The dose plan and the planned bag for ``request``."""
        ...

    def calculate_bag(self, request: PlanRequest, *, prepared_at: datetime) -> BagResult:
        """The recipe of a bag prepared at ``prepared_at`` for the plan of ``request``."""
        ...

    def get_protocol_info(self, protocol_id: str, version: str | None = None) -> ProtocolInfo:
        """Identity and site-decision count of a protocol version (UnknownItem if none)."""
        ...

    def list_protocol_infos(self) -> list[ProtocolInfo]:
        """Every protocol version shipped."""
        ...

    def create_label_lines(
        self, request: PlanRequest, bag: LabelBag, *, patient_name: str, mrn: str
    ) -> tuple[str, ...]:
        """The lines of a bag label."""
        ...

    def calculate_review(self, request: ReviewRequest, *, now: datetime) -> dict[str, Any]:
        """The protocol's recommendation at ``now`` (advice and the dose plan it implies), as
        JSON."""
        ...

    def check_pump_programme(self, request: PumpRequest) -> PumpVerdict:
        """The drug-library check of a pump programme."""
        ...
