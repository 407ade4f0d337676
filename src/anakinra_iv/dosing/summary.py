"""The dose plan as plain data: the plan part of the JSON that commands and the API print.

Numbers are in the units their keys name and rounded to the precision they are shown with, so
that float noise (``199.99999999999997``, ``2.84e-14``) never reaches a reader.
"""

from __future__ import annotations

from typing import Any

from anakinra_iv.dosing.plan import DosePlan
from anakinra_iv.dosing.renal import RenalAdjustment
from anakinra_iv.units import Quantity, magnitude_in

__all__ = ["DECIMALS", "number_in", "round_number", "summarise_dose_plan"]

DECIMALS: dict[str, int] = {
    "kg": 2,
    "mL/min": 1,
    "mg": 2,
    "mg/day": 2,
    "mg/h": 3,
    "mg/kg/day": 3,
    "mg/kg/h": 4,
    "mg/kg": 3,
    "h": 2,
    "mL": 2,
    "mL/h": 3,
    "mg/mL": 4,
    "mL/day": 1,
    "mL/kg/day": 2,
    "mmol/day": 2,
    "mmol/kg/day": 3,
}
"""Decimals of each unit in JSON output (display precision; a pump rate keeps three)."""


def round_number(value: float, decimals: int) -> float:
    """``value`` rounded to ``decimals``, with ``-0.0`` and float noise turned into ``0.0``.

    >>> round_number(199.99999999999997, 2), round_number(2.84e-14, 2), round_number(-1e-12, 3)
    (200.0, 0.0, 0.0)
    """
    rounded = round(value, decimals)
    return 0.0 if rounded == 0 else float(rounded)


def number_in(quantity: Quantity | None, unit: str, decimals: int | None = None) -> float | None:
    """The magnitude of ``quantity`` in ``unit``, rounded for display (None stays None)."""
    if quantity is None:
        return None
    places = DECIMALS.get(unit, 4) if decimals is None else decimals
    return round_number(magnitude_in(quantity, unit), places)


def _renal(adjustment: RenalAdjustment | None) -> dict[str, Any] | None:
    if adjustment is None:
        return None
    return {
        "category": adjustment.category,
        "ratio": adjustment.ratio.value,
        "option": adjustment.option,
        "suggested_daily_dose_mg": number_in(adjustment.suggested_daily_dose, "mg/day"),
        "suggested_rate_mg_per_h": number_in(adjustment.suggested_rate, "mg/h"),
        "applied": adjustment.applied,
        "options": [
            {
                "option": o.kind,
                "daily_dose_mg": number_in(o.daily_dose, "mg/day"),
                "rate_mg_per_h": number_in(o.rate, "mg/h"),
                "dose_mg": number_in(o.dose, "mg"),
                "interval_h": number_in(o.interval, "h"),
                "basis": {
                    "value": o.basis.value,
                    "status": o.basis.status,
                    "source": o.basis.source,
                },
                "raised_to_minimum": o.raised_to_minimum,
                "text": o.text,
            }
            for o in adjustment.options
        ],
    }


def summarise_dose_plan(plan: DosePlan) -> dict[str, Any]:
    """The dose plan as JSON-ready data; numbers are in the units their keys name."""
    data: dict[str, Any] = {
        "protocol_id": plan.protocol_id,
        "protocol_version": plan.protocol_version,
        "regimen_kind": plan.regimen_kind,
        "weight_kg": number_in(plan.weight, "kg"),
        "crcl_ml_per_min": number_in(plan.crcl.value, "mL/min") if plan.crcl else None,
        "crcl_per_1_73_m2": plan.crcl.normalised if plan.crcl else None,
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
        "renal_adjustment": _renal(plan.renal_adjustment),
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
