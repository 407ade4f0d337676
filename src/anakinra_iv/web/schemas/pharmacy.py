"""Schemas of the pharmacy: a compounded bag, its second check, and the bag returned."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from anakinra_iv.web.schemas._base import (
    In,
    Out,
    QuantityText,
    Text100,
    read_aware,
    read_quantity,
)
from anakinra_iv.workflow.commands import CheckBag, PrepareBag

__all__ = ["BagCheck", "BagCreate", "BagPublic"]


class BagCreate(In):
    """A compounded bag: preparation time and the syringe lot numbers."""

    prepared_at: datetime | None = None
    syringe_lots: list[Text100] = Field(min_length=1, max_length=100)

    def to_command(self, user_id: int, order_id: int, now: datetime) -> PrepareBag:
        """The command (preparation time defaults to now)."""
        prepared = read_aware(self.prepared_at, "prepared_at") or now
        return PrepareBag(user_id, order_id, prepared, tuple(self.syringe_lots))


class BagCheck(In):
    """Second check; the concentration read off the bag may be given for comparison."""

    concentration_mg_per_ml: QuantityText | None = None

    def to_command(self, user_id: int, bag_id: int) -> CheckBag:
        """The command."""
        conc = (
            None
            if self.concentration_mg_per_ml is None
            else read_quantity(
                self.concentration_mg_per_ml, field="concentration_mg_per_ml", unit="mg/mL"
            )
        )
        return CheckBag(user_id, bag_id, conc)


class BagPublic(Out):
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
