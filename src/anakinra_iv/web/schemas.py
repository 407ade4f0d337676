"""API schemas: what the API accepts (``*Create``) and returns (``*Public``).

Quantities arrive as text with units (``"70 kg"``) and are read once, here, into commands; every
problem names its field, and all problems of a body are reported together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList, UnitMismatch
from anakinra_iv.units import CREATININE_MOLAR_MASS, Q_, Quantity, parse_quantity
from anakinra_iv.workflow.commands import (
    ChangeDose,
    CheckBag,
    CreatePatient,
    PrepareBag,
    Prescribe,
    RecordAdministration,
    RecordObservation,
    VerifyOrder,
)
from anakinra_iv.workflow.views import (
    AuditEventView,
    BagView,
    ObservationView,
    OrderView,
    PatientView,
    SegmentView,
)

__all__ = [
    "AdministrationCreate",
    "AuditEventPublic",
    "BagCheck",
    "BagCreate",
    "BagPublic",
    "DoseChange",
    "HealthPublic",
    "ObservationCreate",
    "ObservationPublic",
    "OrderCreate",
    "OrderPublic",
    "PatientCreate",
    "PatientPublic",
    "SegmentPublic",
    "TokenPublic",
    "VerifyCreate",
]

T = TypeVar("T")


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


def _collect(problems: list[AnakinraError], read: Callable[[], T]) -> T | None:
    try:
        return read()
    except AnakinraError as error:
        problems.append(error)
        return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _quantity(value: str | float | None, *, field: str, unit: str, **kw: Any) -> Quantity:
    """Read a quantity. A bare number is accepted only where the field name states the unit
    (``rate_mg_per_h``); elsewhere (``weight``) the unit must be written."""
    if value is None:
        raise InvalidInput(f"'{field}' is missing", field=field)
    unit_in_name = "_per_" in field
    if isinstance(value, int | float) or (unit_in_name and _is_number(value.strip())):
        value = f"{value} {unit}"
    return parse_quantity(value, field=field, unit=unit, **kw)


def _aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"'{field}' needs a time zone, e.g. '2026-01-05T08:00:00Z' (got '{moment}')",
            field=field,
        )
    return moment.astimezone(UTC)


class TokenPublic(_Out):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"


class HealthPublic(_Out):
    """Service health."""

    status: str
    database: str
    database_ok: bool


class PatientCreate(_In):
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
        weight = _collect(problems, lambda: _quantity(self.weight, field="weight", unit="kg"))
        creatinine = (
            None
            if self.creatinine is None
            else _collect(
                problems,
                lambda: _quantity(
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
            else _collect(problems, lambda: _quantity(self.height, field="height", unit="cm"))
        )
        ProblemList.raise_if_any(problems)
        assert weight is not None
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


class ObservationPublic(_Out):
    """An observation."""

    id: int
    patient_id: int
    code: str | None
    name: str
    value: str
    magnitude: float
    unit: str
    collected_at: datetime

    @classmethod
    def from_view(cls, view: ObservationView) -> ObservationPublic:
        """From a workflow view."""
        return cls(**view.__dict__)


class PatientPublic(_Out):
    """A patient with observations."""

    id: int
    mrn: str
    name: str
    birth_date: date
    sex: str
    renal_replacement: str
    observations: list[ObservationPublic]

    @classmethod
    def from_view(cls, view: PatientView) -> PatientPublic:
        """From a workflow view."""
        data = {k: v for k, v in view.__dict__.items() if k != "observations"}
        return cls(**data, observations=[ObservationPublic.from_view(o) for o in view.observations])


class ObservationCreate(_In):
    """A laboratory value or vital sign: ``code`` (LOINC) or ``name``, and ``value`` with unit."""

    code: str | None = None
    name: str | None = None
    value: str
    collected_at: datetime

    def to_command(self, user_id: int, patient_id: int) -> RecordObservation:
        """The command."""
        collected = _aware(self.collected_at, "collected_at")
        assert collected is not None
        return RecordObservation(user_id, patient_id, self.value, collected, self.code, self.name)


class OrderCreate(_In):
    """A new order at a protocol ``step`` or a ``daily_dose`` such as ``"1200 mg"``."""

    patient_id: int
    protocol_id: str
    daily_dose: str | None = None
    step: int | None = Field(default=None, ge=1)
    override_reason: str | None = None

    def to_command(self, user_id: int) -> Prescribe:
        """The command; a daily dose in plain mg is read as mg per day."""
        return Prescribe(
            user_id,
            self.patient_id,
            self.protocol_id,
            self.step,
            _daily_dose(self.daily_dose),
            self.override_reason,
        )


def _daily_dose(text: str | None) -> Quantity | None:
    if text is None or not text.strip():
        return None
    for unit in ("mg/day", "mg/kg/day"):
        try:
            return parse_quantity(text, field="daily_dose", unit=unit)
        except UnitMismatch:
            continue
    # "1200 mg" on a daily-dose field means 1200 mg per day
    per_day: Quantity = parse_quantity(text, field="daily_dose", unit="mg") / Q_(1, "day")
    return per_day


class DoseChange(_In):
    """A dose change: a new ``step`` or ``daily_dose``, with the reason for it."""

    daily_dose: str | None = None
    step: int | None = Field(default=None, ge=1)
    override_reason: str | None = None
    reason: str = ""
    version: int | None = None

    def to_command(self, user_id: int, order_id: int) -> ChangeDose:
        """The command."""
        return ChangeDose(
            user_id,
            order_id,
            self.step,
            _daily_dose(self.daily_dose),
            self.override_reason,
            self.reason,
            self.version,
        )


class VerifyCreate(_In):
    """Blind verification: the pharmacist's own rate (mg/h) and concentration (mg/mL).

    A number is read in the unit the field name states; text may carry any unit.
    """

    rate_mg_per_h: str | float
    concentration_mg_per_ml: str | float
    version: int | None = None

    def to_command(self, user_id: int, order_id: int) -> VerifyOrder:
        """The command, with both values read."""
        problems: list[AnakinraError] = []
        rate = _collect(
            problems, lambda: _quantity(self.rate_mg_per_h, field="rate_mg_per_h", unit="mg/h")
        )
        conc = _collect(
            problems,
            lambda: _quantity(
                self.concentration_mg_per_ml, field="concentration_mg_per_ml", unit="mg/mL"
            ),
        )
        ProblemList.raise_if_any(problems)
        assert rate is not None and conc is not None
        return VerifyOrder(user_id, order_id, rate, conc, self.version)


class BagCreate(_In):
    """A compounded bag: preparation time and the syringe lot numbers."""

    prepared_at: datetime | None = None
    syringe_lots: list[str] = Field(min_length=1)

    def to_command(self, user_id: int, order_id: int, now: datetime) -> PrepareBag:
        """The command (preparation time defaults to now)."""
        prepared = _aware(self.prepared_at, "prepared_at") or now
        return PrepareBag(user_id, order_id, prepared, tuple(self.syringe_lots))


class BagCheck(_In):
    """Second check; the concentration read off the bag may be given for comparison."""

    concentration_mg_per_ml: str | float | None = None

    def to_command(self, user_id: int, bag_id: int) -> CheckBag:
        """The command."""
        conc = (
            None
            if self.concentration_mg_per_ml is None
            else _quantity(
                self.concentration_mg_per_ml, field="concentration_mg_per_ml", unit="mg/mL"
            )
        )
        return CheckBag(user_id, bag_id, conc)


class AdministrationCreate(_In):
    """A nursing event: ``start``, ``rate_change``, ``pause``, ``resume``, ``bag_change`` or
    ``stop``."""

    event: str
    bag_id: int | None = None
    rate_mg_per_h: str | float | None = None
    reason: str | None = None
    at: datetime | None = None

    def to_command(self, user_id: int, order_id: int) -> RecordAdministration:
        """The command."""
        problems: list[AnakinraError] = []
        rate = (
            None
            if self.rate_mg_per_h is None
            else _collect(
                problems,
                lambda: _quantity(self.rate_mg_per_h, field="rate_mg_per_h", unit="mg/h"),
            )
        )
        at = _collect(problems, lambda: _aware(self.at, "at"))
        ProblemList.raise_if_any(problems)
        return RecordAdministration(
            user_id, order_id, self.event, at, self.bag_id, rate, self.reason
        )


class BagPublic(_Out):
    """A bag."""

    id: int
    order_id: int
    status: str
    prepared_by: str
    prepared_at: datetime
    checked_by: str | None
    checked_at: datetime | None
    syringe_lots: list[str]
    drug_amount_mg: float
    final_volume_ml: float
    concentration_mg_per_ml: float
    rate_ml_per_h: float
    hang_time_h: float
    beyond_use: datetime

    @classmethod
    def from_view(cls, view: BagView) -> BagPublic:
        """From a workflow view."""
        data = {k: v for k, v in view.__dict__.items() if k != "recipe"}
        return cls(**{**data, "syringe_lots": list(view.syringe_lots)})


class SegmentPublic(_Out):
    """A constant-rate segment."""

    seq: int
    event: str
    bag_id: int | None
    rate_mg_per_h: float
    rate_ml_per_h: float
    concentration_mg_per_ml: float | None
    started_at: datetime
    ended_at: datetime | None
    reason: str | None
    recorded_by: str

    @classmethod
    def from_view(cls, view: SegmentView) -> SegmentPublic:
        """From a workflow view."""
        return cls(**view.__dict__)


class OrderPublic(_Out):
    """An order: current state, segments and bags."""

    id: int
    patient_id: int
    prescriber: str
    protocol_id: str
    protocol_version: str
    status: str
    needs_verification: bool
    version: int
    step: int | None
    daily_dose_mg: float
    rate_mg_per_h: float
    loading_dose_mg: float | None
    planned_concentration_mg_per_ml: float
    planned_rate_ml_per_h: float
    limit_status: str
    override_reason: str | None
    verified_rate_mg_per_h: float | None
    verified_concentration_mg_per_ml: float | None
    verified_by: str | None
    current_rate_mg_per_h: float | None
    current_rate_ml_per_h: float | None
    created_at: datetime
    updated_at: datetime
    plan: dict[str, Any]
    segments: list[SegmentPublic]
    bags: list[BagPublic]

    @classmethod
    def from_view(cls, view: OrderView) -> OrderPublic:
        """From a workflow view."""
        data = {
            k: v for k, v in view.__dict__.items() if k not in ("segments", "bags", "plan_summary")
        }
        current = view.current_segment
        return cls(
            **data,
            current_rate_mg_per_h=None if current is None else current.rate_mg_per_h,
            current_rate_ml_per_h=None if current is None else current.rate_ml_per_h,
            plan=view.plan_summary,
            segments=[SegmentPublic.from_view(s) for s in view.segments],
            bags=[BagPublic.from_view(b) for b in view.bags],
        )


class AuditEventPublic(_Out):
    """An audit event."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    old_value: Any
    new_value: Any
    reason: str
    prev_hash: str
    hash: str

    @classmethod
    def from_view(cls, view: AuditEventView) -> AuditEventPublic:
        """From a workflow view."""
        return cls(**view.__dict__)
