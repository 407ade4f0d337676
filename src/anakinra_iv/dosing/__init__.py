"""Dosing: the patient, renal function and the explained dose plan."""

from anakinra_iv.dosing.clearance import (
    calculate_absolute_clearance,
    calculate_ideal_body_weight,
    describe_missing_renal_input,
    describe_unsteady_creatinine,
)
from anakinra_iv.dosing.limits import calculate_dose_cap, calculate_hard_minimum
from anakinra_iv.dosing.patient import Patient, create_patient, parse_daily_dose
from anakinra_iv.dosing.plan import (
    DosePlan,
    IntermittentDose,
    LimitStatus,
    Reason,
    calculate_dose_plan,
)
from anakinra_iv.dosing.recommendation import (
    Recommendation,
    create_recommendation,
    summarise_recommendation,
)
from anakinra_iv.dosing.renal import (
    CreatinineClearance,
    IntermittentSchedule,
    RenalAdjustment,
    RenalOption,
    calculate_creatinine_clearance,
    calculate_dosing_weight,
    calculate_renal_adjustment,
)
from anakinra_iv.dosing.summary import number_in, summarise_dose_plan

__all__ = [
    "CreatinineClearance",
    "DosePlan",
    "IntermittentDose",
    "IntermittentSchedule",
    "LimitStatus",
    "Patient",
    "Reason",
    "Recommendation",
    "RenalAdjustment",
    "RenalOption",
    "calculate_absolute_clearance",
    "calculate_creatinine_clearance",
    "calculate_dose_cap",
    "calculate_dose_plan",
    "calculate_dosing_weight",
    "calculate_hard_minimum",
    "calculate_ideal_body_weight",
    "calculate_renal_adjustment",
    "create_patient",
    "create_recommendation",
    "describe_missing_renal_input",
    "describe_unsteady_creatinine",
    "number_in",
    "parse_daily_dose",
    "summarise_dose_plan",
    "summarise_recommendation",
]
