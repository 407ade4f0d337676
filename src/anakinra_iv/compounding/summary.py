"""The plan and its bag as plain data: the JSON contract of ``anakinra plan``."""

from __future__ import annotations

from typing import Any

from anakinra_iv.compounding.bag import BagRecipe
from anakinra_iv.compounding.pump import PumpEntry
from anakinra_iv.dosing import DosePlan, summarise_dose_plan
from anakinra_iv.dosing.summary import number_in as _number

__all__ = ["summarise_bag", "summarise_plan", "summarise_pump"]


def summarise_plan(
    plan: DosePlan,
    bag: BagRecipe | None,
    *,
    pump: PumpEntry | None = None,
    label: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The plan (and bag, pump programme, label) as JSON-ready data.

    Numbers are in the units their keys name; the plan's own keys come from
    :func:`anakinra_iv.dosing.summarise_dose_plan`.
    """
    data = summarise_dose_plan(plan)
    reasons, warnings = data.pop("reasons"), data.pop("warnings")
    data["bag"] = None if bag is None else summarise_bag(bag)
    data["pump"] = None if pump is None or bag is None else summarise_pump(pump, bag)
    data["label"] = list(label)
    data["reasons"], data["warnings"] = reasons, warnings
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
