"""Pharmacy: bag recipe, beyond-use time, label and pump programme."""

from anakinra_iv.compounding.bag import BagRecipe, calculate_bag, round_to_precision
from anakinra_iv.compounding.label import Label, create_label
from anakinra_iv.compounding.pump import (
    PumpCheck,
    PumpEntry,
    PumpFinding,
    check_pump_programme,
    get_pump_entry,
)
from anakinra_iv.compounding.summary import summarise_bag, summarise_plan, summarise_pump

__all__ = [
    "BagRecipe",
    "Label",
    "PumpCheck",
    "PumpEntry",
    "PumpFinding",
    "calculate_bag",
    "check_pump_programme",
    "create_label",
    "get_pump_entry",
    "round_to_precision",
    "summarise_bag",
    "summarise_plan",
    "summarise_pump",
]
