"""Schemas of the order lifecycle actions: a reason (reject, query, cancel, discontinue) and the
loading dose."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from anakinra_iv.web.schemas._base import (
    In,
    LongText,
    QuantityText,
    Text100,
    read_aware,
    read_quantity,
)
from anakinra_iv.workflow.commands import RecordLoadingDose

__all__ = ["LoadingDoseCreate", "ReasonCreate"]


class ReasonCreate(In):
    """Why an order is rejected, queried, cancelled or discontinued."""

    reason: LongText = Field(min_length=1)


class LoadingDoseCreate(In):
    """The loading dose given by IV push: ``dose_mg`` (a number in mg, or text with a unit),
    the syringe lot, and when (default now)."""

    dose_mg: QuantityText
    syringe_lot: Text100
    given_at: datetime | None = None

    def to_command(self, user_id: int, order_id: int) -> RecordLoadingDose:
        """The command."""
        dose = read_quantity(self.dose_mg, field="dose_mg", unit="mg")
        return RecordLoadingDose(
            user_id, order_id, dose, self.syringe_lot, read_aware(self.given_at, "given_at")
        )
