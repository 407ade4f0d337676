"""Schemas of orders: prescription, dose change, blind verification, and the order returned."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from anakinra_iv.errors import AnakinraError, ProblemList
from anakinra_iv.web.schemas._base import (
    MAX_RECORD_ID,
    In,
    LongText,
    Out,
    QuantityText,
    RecordId,
    Text100,
    collect,
    read_daily_dose,
    read_quantity,
)
from anakinra_iv.web.schemas.pharmacy import BagPublic
from anakinra_iv.workflow.commands import ChangeDose, Prescribe, VerifyOrder
from anakinra_iv.workflow.views import OrderView

__all__ = [
    "DoseChange",
    "LoadingDosePublic",
    "OrderCreate",
    "OrderPublic",
    "SegmentPublic",
    "VerifyCreate",
]

RenalDecision = Literal["apply", "keep"]


class OrderCreate(In):
    """A new order at a protocol ``step`` or a ``daily_dose`` such as ``"1200 mg"``.

    When the protocol's renal rule fires for the patient, ``renal_decision`` is required:
    ``apply`` the suggested adjusted dose, or ``keep`` the dose with ``renal_reason``.
    """

    patient_id: RecordId
    protocol_id: Text100
    daily_dose: Text100 | None = None
    step: int | None = Field(default=None, strict=True, ge=1, le=MAX_RECORD_ID)
    override_reason: LongText | None = None
    renal_decision: RenalDecision | None = None
    renal_reason: LongText | None = None

    def to_command(self, user_id: int) -> Prescribe:
        """The command; a daily dose in plain mg is read as mg per day."""
        return Prescribe(
            user_id,
            self.patient_id,
            self.protocol_id,
            self.step,
            read_daily_dose(self.daily_dose),
            self.override_reason,
            self.renal_decision,
            self.renal_reason,
        )


class DoseChange(In):
    """A dose change: a new ``step`` or ``daily_dose``, with the reason for it (and the renal
    decision when the renal rule fires, as for a new order)."""

    daily_dose: Text100 | None = None
    step: int | None = Field(default=None, strict=True, ge=1, le=MAX_RECORD_ID)
    override_reason: LongText | None = None
    reason: LongText = ""
    version: RecordId | None = None
    renal_decision: RenalDecision | None = None
    renal_reason: LongText | None = None

    def to_command(self, user_id: int, order_id: int) -> ChangeDose:
        """The command."""
        return ChangeDose(
            user_id,
            order_id,
            self.step,
            read_daily_dose(self.daily_dose),
            self.override_reason,
            self.reason,
            self.version,
            self.renal_decision,
            self.renal_reason,
        )


class VerifyCreate(In):
    """Blind verification: the pharmacist's own rate (mg/h) and concentration (mg/mL).

    A number is read in the unit the field name states; text may carry any unit.
    """

    rate_mg_per_h: QuantityText
    concentration_mg_per_ml: QuantityText
    version: RecordId | None = None

    def to_command(self, user_id: int, order_id: int) -> VerifyOrder:
        """The command, with both values read."""
        problems: list[AnakinraError] = []
        rate = collect(
            problems, lambda: read_quantity(self.rate_mg_per_h, field="rate_mg_per_h", unit="mg/h")
        )
        conc = collect(
            problems,
            lambda: read_quantity(
                self.concentration_mg_per_ml, field="concentration_mg_per_ml", unit="mg/mL"
            ),
        )
        ProblemList.raise_if_any(problems)
        assert rate is not None and conc is not None
        return VerifyOrder(user_id, order_id, rate, conc, self.version)


class SegmentPublic(Out):
    """A constant-rate segment (rates null for a reader who owes a blind check of the
    patient's bag: the running dose rate times the hang time would give the bag's contents)."""

    seq: int
    event: str
    bag_id: int | None
    rate_mg_per_h: float | None
    rate_ml_per_h: float | None
    concentration_mg_per_ml: float | None
    started_at: datetime
    ended_at: datetime | None
    reason: str | None
    recorded_by: str


class LoadingDosePublic(Out):
    """The loading dose as given."""

    dose_mg: float
    given_at: datetime
    syringe_lot: str
    given_by: str


class OrderPublic(Out):
    """An order: current state, segments and bags.

    While the order awaits a pharmacist's blind verification, that pharmacist gets it
    ``blinded``: the rate, concentrations, daily dose worked out from a step, loading dose,
    limit check and ``plan`` are null or empty, and ``as_written`` holds what the prescriber
    wrote and what it was based on.
    """

    id: int
    patient_id: int
    prescriber: str
    protocol_id: str
    protocol_version: str
    status: str
    needs_verification: bool
    version: int
    step: int | None
    daily_dose_mg: float | None
    rate_mg_per_h: float | None
    loading_dose_mg: float | None
    planned_concentration_mg_per_ml: float | None
    planned_rate_ml_per_h: float | None
    limit_status: str | None
    override_reason: str | None
    renal_decision: str | None
    renal_reason: str | None
    dose_changed_by: str | None
    status_reason: str | None
    status_by: str | None
    status_at: datetime | None
    loading_dose: LoadingDosePublic | None
    blinded: bool
    as_written: dict[str, Any]
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
    def from_view(cls, view: object) -> OrderPublic:
        """From a workflow order view: the plan summary as ``plan``, the current rates added."""
        assert isinstance(view, OrderView)
        current = view.current_segment
        data: dict[str, Any] = {
            name: getattr(view, name)
            for name in cls.model_fields
            if name not in ("plan", "current_rate_mg_per_h", "current_rate_ml_per_h", "bags")
        }
        data["bags"] = [BagPublic.from_view(b) for b in view.bags]
        return cls.model_validate(
            {
                **data,
                "current_rate_mg_per_h": None if current is None else current.rate_mg_per_h,
                "current_rate_ml_per_h": None if current is None else current.rate_ml_per_h,
                "plan": view.plan_summary,
            }
        )
