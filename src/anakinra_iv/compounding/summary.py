"""The plan and its bag as plain data: the JSON contract of ``anakinra plan``."""

from __future__ import annotations

from typing import Any

from anakinra_iv.compounding.bag import BagRecipe
from anakinra_iv.compounding.pump import PumpEntry
from anakinra_iv.dosing import DosePlan
from anakinra_iv.units import Quantity, magnitude_in

__all__ = ["summarise_bag", "summarise_plan", "summarise_pump"]


def _number(quantity: Quantity | None, unit: str) -> float | None:
    return None if quantity is None else magnitude_in(quantity, unit)


def summarise_plan(
    plan: DosePlan,
    bag: BagRecipe | None,
    *,
    pump: PumpEntry | None = None,
    label: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The plan (and bag, pump programme, label) as JSON-ready data.

    Numbers are in the units their keys name.
    """
    data: dict[str, Any] = {
        "protocol_id": plan.protocol_id,
        "protocol_version": plan.protocol_version,
        "regimen_kind": plan.regimen_kind,
        "weight_kg": _number(plan.weight, "kg"),
        "crcl_ml_per_min": _number(plan.crcl.value, "mL/min") if plan.crcl else None,
        "crcl_method": plan.crcl.formula if plan.crcl else None,
        "step": plan.step,
        "step_count": plan.step_count,
        "loading_dose_mg": _number(plan.loading_dose, "mg"),
        "daily_dose_mg": _number(plan.daily_dose, "mg/day"),
        "rate_mg_per_h": _number(plan.rate, "mg/h"),
        "dose_mg_per_kg_per_day": _number(plan.dose_per_kg_per_day, "mg/kg/day"),
        "rate_mg_per_kg_per_h": _number(plan.rate_per_kg, "mg/kg/h"),
        "limit_status": plan.limit_status,
        "override_reason": plan.override_reason,
        "next_step_up_mg_per_day": _number(plan.next_step_up, "mg/day"),
        "next_step_down_mg_per_day": _number(plan.next_step_down, "mg/day"),
        "transition": plan.transition,
        "renal_adjustment": None
        if plan.renal_adjustment is None
        else {
            "category": plan.renal_adjustment.category,
            "ratio": plan.renal_adjustment.ratio.value,
            "suggested_daily_dose_mg": _number(
                plan.renal_adjustment.suggested_daily_dose, "mg/day"
            ),
            "suggested_rate_mg_per_h": _number(plan.renal_adjustment.suggested_rate, "mg/h"),
            "applied": plan.renal_adjustment.applied,
        },
        "intermittent": None
        if plan.intermittent is None
        else {
            "dose_mg": _number(plan.intermittent.dose, "mg"),
            "interval_h": _number(plan.intermittent.interval, "h"),
            "infusion_duration_h": _number(plan.intermittent.infusion_duration, "h"),
            "infusion_rate_mg_per_h": _number(plan.intermittent.infusion_rate, "mg/h"),
        },
        "bag": None if bag is None else summarise_bag(bag),
        "pump": None if pump is None or bag is None else summarise_pump(pump, bag),
        "label": list(label),
        "reasons": [{"text": r.text, "status": r.status, "source": r.source} for r in plan.reasons],
        "warnings": list(plan.warnings),
    }
    return data


def summarise_bag(bag: BagRecipe) -> dict[str, Any]:
    """One bag as JSON-ready data."""
    return {
        "dose_mg": _number(bag.dose, "mg"),
        "syringes": bag.syringes,
        "drug_volume_ml": _number(bag.drug_volume, "mL"),
        "drug_volume_exact_ml": _number(bag.drug_volume_exact, "mL"),
        "waste_mg": _number(bag.waste, "mg"),
        "diluent": bag.diluent,
        "base_bag_volume_ml": _number(bag.base_bag_volume, "mL"),
        "volume_to_remove_ml": _number(bag.volume_to_remove, "mL"),
        "final_volume_ml": _number(bag.final_volume, "mL"),
        "concentration_mg_per_ml": _number(bag.concentration, "mg/mL"),
        "rate_mg_per_h": _number(bag.rate_mg_per_h, "mg/h"),
        "rate_ml_per_h": _number(bag.rate_ml_per_h, "mL/h"),
        "rate_ml_per_h_display": bag.rate_ml_per_h_display,
        "hang_time_h": _number(bag.hang_time, "h"),
        "bags_per_24h": bag.bags_per_24h,
        "prepared_at": bag.prepared_at.isoformat(),
        "beyond_use": bag.beyond_use.isoformat(),
        "steps": list(bag.steps),
    }


def summarise_pump(entry: PumpEntry, bag: BagRecipe) -> dict[str, Any]:
    """The programme to key in, with the drug-library entry's limits."""
    unit = entry.dosing_unit
    return {
        "care_area": entry.care_area,
        "drug": entry.drug,
        "dosing_unit": unit,
        "concentration_mg_per_ml": _number(bag.concentration, "mg/mL"),
        "rate_mg_per_h": _number(bag.rate_mg_per_h, "mg/h"),
        "rate_ml_per_h_display": bag.rate_ml_per_h_display,
        "volume_to_be_infused_ml": _number(bag.final_volume, "mL"),
        "soft_min": _number(entry.soft_min, unit),
        "soft_max": _number(entry.soft_max, unit),
        "hard_min": _number(entry.hard_min, unit),
        "hard_max": _number(entry.hard_max, unit),
        "advisory": entry.advisory,
    }
