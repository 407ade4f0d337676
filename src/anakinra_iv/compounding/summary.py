"""The plan and its bag as plain data: the JSON contract of ``anakinra plan``."""

from __future__ import annotations

from typing import Any

from anakinra_iv.compounding.bag import BagRecipe
from anakinra_iv.compounding.pump import PumpEntry
from anakinra_iv.dosing import DosePlan, summarise_dose_plan
from anakinra_iv.dosing.summary import number_in as _number
from anakinra_iv.units import Quantity

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
    data["pump"] = None if pump is None or bag is None else summarise_pump(pump, bag, plan.weight)
    data["label"] = list(label)
    data["reasons"], data["warnings"] = reasons, warnings
    return data


def summarise_bag(bag: BagRecipe) -> dict[str, Any]:
    """One bag as JSON-ready data."""
    loads = bag.loads
    dilution = bag.dilution
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
        "start_by": None if bag.start_by is None else bag.start_by.isoformat(),
        "container": bag.container,
        "dilution": None
        if dilution is None
        else {
            "volume_ml": _number(dilution.volume, "mL"),
            "concentration_mg_per_ml": _number(dilution.concentration, "mg/mL"),
            "diluent_added_ml": _number(dilution.diluent_added, "mL"),
        },
        "fluid_ml_per_day": None if loads is None else _number(loads.fluid_per_day, "mL/day"),
        "fluid_ml_per_kg_per_day": None
        if loads is None
        else _number(loads.fluid_per_kg, "mL/kg/day"),
        "sodium_mmol_per_day": None if loads is None else _number(loads.sodium_per_day, "mmol/day"),
        "sodium_mmol_per_kg_per_day": None
        if loads is None
        else _number(loads.sodium_per_kg, "mmol/kg/day"),
        "warnings": list(bag.warnings),
        "steps": list(bag.steps),
        "loading": None
        if bag.loading is None
        else {
            "dose_mg": _number(bag.loading.dose, "mg"),
            "volume_ml": _number(bag.loading.volume, "mL"),
            "concentration_mg_per_ml": _number(bag.loading.concentration, "mg/mL"),
            "steps": list(bag.loading.steps),
        },
    }


def summarise_pump(
    entry: PumpEntry, bag: BagRecipe, weight: Quantity | None = None
) -> dict[str, Any]:
    """The programme to key in, with the drug-library entry's limits; the dose rate also in the
    entry's dosing unit (mg/kg/h for a weight-based entry, with the patient's ``weight``)."""
    unit = entry.dosing_unit
    in_unit = bag.rate_mg_per_h if unit == "mg/h" or weight is None else bag.rate_mg_per_h / weight
    return {
        "care_area": entry.care_area,
        "drug": entry.drug,
        "dosing_unit": unit,
        "concentration_mg_per_ml": _number(bag.concentration, "mg/mL"),
        "rate_mg_per_h": _number(bag.rate_mg_per_h, "mg/h"),
        "rate_in_dosing_unit": None
        if unit != "mg/h" and weight is None
        else _number(in_unit, unit),
        "rate_ml_per_h_display": bag.rate_ml_per_h_display,
        "volume_to_be_infused_ml": _number(bag.final_volume, "mL"),
        "soft_min": _number(entry.soft_min, unit),
        "soft_max": _number(entry.soft_max, unit),
        "hard_min": _number(entry.hard_min, unit),
        "hard_max": _number(entry.hard_max, unit),
        "advisory": entry.advisory,
    }
