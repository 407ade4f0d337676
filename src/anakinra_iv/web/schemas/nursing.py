"""Schema of a nursing event on the infusion."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from anakinra_iv.errors import AnakinraError, ProblemList
from anakinra_iv.web.schemas._base import (
    In,
    LongText,
    QuantityText,
    RecordId,
    Text16,
    Text200,
    collect,
    read_aware,
    read_quantity,
)
from anakinra_iv.workflow.commands import RecordAdministration

__all__ = ["AdministrationCreate"]


class AdministrationCreate(In):
    """A nursing event: ``start``, ``rate_change``, ``pause``, ``resume``, ``bag_change`` or
    ``stop``; ``rate_ml_per_h`` is the pump rate keyed in, checked against the drug library
    (a soft alert needs ``acknowledge_pump_alerts``). ``pause`` and ``stop`` need a
    ``reason``. ``start`` and ``bag_change`` need the codes scanned from the wristband
    (``scanned_patient``) and the bag label (``scanned_bag``), each checked against the order,
    or a ``scan_override_reason`` for a code that cannot be scanned."""

    event: Text16
    bag_id: RecordId | None = None
    rate_mg_per_h: QuantityText | None = None
    rate_ml_per_h: QuantityText | None = None
    acknowledge_pump_alerts: bool = Field(default=False, strict=True)
    reason: LongText | None = None
    at: datetime | None = None
    scanned_patient: Text200 | None = None
    scanned_bag: Text200 | None = None
    scan_override_reason: LongText | None = None

    def to_command(self, user_id: int, order_id: int) -> RecordAdministration:
        """The command."""
        problems: list[AnakinraError] = []
        rate = (
            None
            if self.rate_mg_per_h is None
            else collect(
                problems,
                lambda: read_quantity(self.rate_mg_per_h, field="rate_mg_per_h", unit="mg/h"),
            )
        )
        pump_rate = (
            None
            if self.rate_ml_per_h is None
            else collect(
                problems,
                lambda: read_quantity(self.rate_ml_per_h, field="rate_ml_per_h", unit="mL/h"),
            )
        )
        at = collect(problems, lambda: read_aware(self.at, "at"))
        ProblemList.raise_if_any(problems)
        return RecordAdministration(
            user_id,
            order_id,
            self.event,
            at,
            self.bag_id,
            rate,
            self.reason,
            pump_rate,
            self.acknowledge_pump_alerts,
            self.scanned_patient,
            self.scanned_bag,
            self.scan_override_reason,
        )
