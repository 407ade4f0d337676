"""Schemas of the pharmacy: a compounded bag, its blind second check, the bag returned, and the
alerts raised for the pharmacy lead."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from anakinra_iv.errors import AnakinraError, ProblemList
from anakinra_iv.web.schemas._base import (
    In,
    LongText,
    Out,
    QuantityText,
    Text100,
    collect,
    read_aware,
    read_quantity,
)
from anakinra_iv.workflow.commands import CheckBag, PrepareBag, SyringeEntry
from anakinra_iv.workflow.views import BagView

__all__ = [
    "AlertPublic",
    "AlertResolve",
    "BagCheck",
    "BagCreate",
    "BagPublic",
    "SyringeIn",
]


class SyringeIn(In):
    """One syringe opened for a bag: its lot and expiry date."""

    lot: Text100
    expiry: date | None = None


class BagCreate(In):
    """A compounded bag: preparation time, and either ``syringe_lots`` (each lot used, once)
    or ``syringes`` (one entry per syringe opened, with lot and expiry)."""

    prepared_at: datetime | None = None
    syringe_lots: list[Text100] = Field(default_factory=list, max_length=100)
    syringes: list[SyringeIn] = Field(default_factory=list, max_length=100)

    def to_command(self, user_id: int, order_id: int, now: datetime) -> PrepareBag:
        """The command (preparation time defaults to now)."""
        prepared = read_aware(self.prepared_at, "prepared_at") or now
        return PrepareBag(
            user_id,
            order_id,
            prepared,
            tuple(self.syringe_lots),
            tuple(SyringeEntry(s.lot, s.expiry) for s in self.syringes),
        )


class BagCheck(In):
    """The blind second check: what the checker reads off the bag (drug amount in mg, final
    volume in mL, and the syringe lots), compared by the system with the bag's record."""

    drug_amount_mg: QuantityText
    final_volume_ml: QuantityText
    syringe_lots: list[Text100] = Field(min_length=1, max_length=100)

    def to_command(self, user_id: int, bag_id: int) -> CheckBag:
        """The command, with both quantities read."""
        problems: list[AnakinraError] = []
        amount = collect(
            problems,
            lambda: read_quantity(self.drug_amount_mg, field="drug_amount_mg", unit="mg"),
        )
        volume = collect(
            problems,
            lambda: read_quantity(self.final_volume_ml, field="final_volume_ml", unit="mL"),
        )
        ProblemList.raise_if_any(problems)
        return CheckBag(user_id, bag_id, amount, volume, tuple(self.syringe_lots))


class BagPublic(Out):
    """A bag. Before its second check, a pharmacist other than the one who prepared it gets it
    with ``contents_hidden`` and no drug amount, volume, concentration, pump rate or lots (null,
    never zero)."""

    id: int
    order_id: int
    status: str
    prepared_by: str
    prepared_at: datetime
    checked_by: str | None
    checked_at: datetime | None
    syringe_lots: list[str]
    drug_amount_mg: float | None
    final_volume_ml: float | None
    concentration_mg_per_ml: float | None
    rate_ml_per_h: float | None
    hang_time_h: float
    beyond_use: datetime
    syringes: list[dict[str, Any]]
    contents_hidden: bool

    @classmethod
    def from_view(cls, view: object) -> BagPublic:
        """From a workflow bag view; hidden contents are null."""
        assert isinstance(view, BagView)
        data = {name: getattr(view, name) for name in cls.model_fields}
        if view.contents_hidden:
            for name in ("drug_amount_mg", "final_volume_ml", "concentration_mg_per_ml"):
                data[name] = None
            data["rate_ml_per_h"] = None
        return cls.model_validate(data)


class AlertResolve(In):
    """The pharmacy lead's resolution of an alert."""

    note: LongText


class AlertPublic(Out):
    """An alert for the pharmacy lead."""

    id: int
    kind: str
    order_id: int | None
    bag_id: int | None
    user: str
    message: str
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None
