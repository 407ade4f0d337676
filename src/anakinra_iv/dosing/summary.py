"""The dose plan as plain data: the plan part of the JSON that commands and the API print."""

from __future__ import annotations

from typing import Any

from anakinra_iv.dosing.plan import DosePlan
from anakinra_iv.units import Quantity, magnitude_in

__all__ = ["number_in", "summarise_dose_plan"]


def number_in(quantity: Quantity | None, unit: str) -> float | None:
    """The magnitude of ``quantity`` in ``unit``, or None."""
    return None if quantity is None else magnitude_in(quantity, unit)


def summarise_dose_plan(plan: DosePlan) -> dict[str, Any]:
    """The dose plan as JSON-ready data; numbers are in the units their keys name."""
    data: dict[str, Any] = {
        "protocol_id": plan.protocol_id,
        "protocol_version": plan.protocol_version,
        "regimen_kind": plan.regimen_kind,
        "weight_kg": number_in(plan.weight, "kg"),
        "crcl_ml_per_min": number_in(plan.crcl.value, "mL/min") if plan.crcl else None,
        "crcl_method": plan.crcl.formula if plan.crcl else None,
        "step": plan.step,
        "step_count": plan.step_count,
        "loading_dose_mg": number_in(plan.loading_dose, "mg"),
        "daily_dose_mg": number_in(plan.daily_dose, "mg/day"),
        "rate_mg_per_h": number_in(plan.rate, "mg/h"),
        "dose_mg_per_kg_per_day": number_in(plan.dose_per_kg_per_day, "mg/kg/day"),
        "rate_mg_per_kg_per_h": number_in(plan.rate_per_kg, "mg/kg/h"),
        "limit_status": plan.limit_status,
        "override_reason": plan.override_reason,
        "next_step_up_mg_per_day": number_in(plan.next_step_up, "mg/day"),
        "next_step_down_mg_per_day": number_in(plan.next_step_down, "mg/day"),
        "transition": plan.transition,
        "renal_adjustment": None
        if plan.renal_adjustment is None
        else {
            "category": plan.renal_adjustment.category,
            "ratio": plan.renal_adjustment.ratio.value,
            "suggested_daily_dose_mg": number_in(
                plan.renal_adjustment.suggested_daily_dose, "mg/day"
            ),
            "suggested_rate_mg_per_h": number_in(plan.renal_adjustment.suggested_rate, "mg/h"),
            "applied": plan.renal_adjustment.applied,
        },
        "intermittent": None
        if plan.intermittent is None
        else {
            "dose_mg": number_in(plan.intermittent.dose, "mg"),
            "interval_h": number_in(plan.intermittent.interval, "h"),
            "infusion_duration_h": number_in(plan.intermittent.infusion_duration, "h"),
            "infusion_rate_mg_per_h": number_in(plan.intermittent.infusion_rate, "mg/h"),
        },
        "reasons": [{"text": r.text, "status": r.status, "source": r.source} for r in plan.reasons],
        "warnings": list(plan.warnings),
    }
    return data
