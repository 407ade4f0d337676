"""The schema of a protocol file (frozen pydantic models).

A protocol says who it is for, how the drug is given (a continuous infusion titrated along a
ladder, or intermittent doses), its limits, the rules a review applies, and how the pharmacy
makes the bag. Every clinical number is a :class:`~anakinra_iv.protocol.values.Value` and every
rule a :class:`Rule` with its own status and source; nothing here is a bare number.

Rules are data evaluated by :mod:`anakinra_iv.assessment`. A :class:`Condition` reads one
measure of one analyte (or one clinical flag) and compares it with a threshold:

=====================  =====================================================================
measure                meaning
=====================  =====================================================================
latest                 the most recent value
ratio_to_peak          latest / highest value since the infusion started
ratio_to_nadir         latest / lowest value since the infusion started
ratio_to_baseline      latest / first value
change_from_previous   latest - the value before it (negative = falling)
slope_per_day          least-squares slope over ``window`` (per day)
max_over_window        highest value within ``window`` before the review
min_over_window        lowest value within ``window`` before the review
change_over_window     latest - the value at the start of ``window`` (a grade not falling: >= 0)
consecutive_days       the condition ``op threshold`` held on each of the last ``days`` days
flag                   a clinical flag recorded true (``analyte`` names the flag)
=====================  =====================================================================

The baseline of a patient is the last value before the first infusion (without an infusion
history, the first value known). A condition marked ``new_since_start`` holds only when the
comparison did *not* already hold at baseline: "a new ANC below 1.0" does not fire for a patient
who presented neutropenic, which is the disease (HLH-2004 counts cytopenia as a criterion), not a
reaction to the drug. Before the infusion starts every value is baseline, so such a condition
never holds then.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from anakinra_iv.protocol.values import Provenance, Value, iter_provenance

__all__ = [
    "Action",
    "BagStrategy",
    "Condition",
    "ContinuousRegimen",
    "DoseLimits",
    "IntermittentOption",
    "IntermittentRegimen",
    "LabPanel",
    "LoadLimits",
    "Measure",
    "MonitoringItem",
    "PaediatricRenal",
    "Population",
    "Protocol",
    "PumpLimits",
    "RenalRule",
    "Rule",
    "TextItem",
    "Transition",
    "VolumeBand",
]

Measure = Literal[
    "latest",
    "ratio_to_peak",
    "ratio_to_nadir",
    "ratio_to_baseline",
    "change_from_previous",
    "slope_per_day",
    "max_over_window",
    "min_over_window",
    "consecutive_days",
    "flag",
    "change_over_window",
]
Action = Literal["start", "escalate", "maintain", "wean", "transition", "hold", "stop"]
Comparison = Literal["<", "<=", ">", ">=", "==", "!="]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextItem(Provenance):
    """A statement of the protocol (a line instruction, a first-step rule) with its provenance."""

    text: str = Field(min_length=1)


class Population(_Frozen):
    """Who the protocol is for."""

    description: str
    kind: Literal["adult", "paediatric"]
    min_age: Value
    max_age: Value | None = None
    min_weight: Value | None = None
    max_weight: Value | None = None
    conditions: tuple[str, ...] = ()
    provenance: Provenance


class DoseLimits(_Frozen):
    """Lower and upper soft and hard limits of the daily dose (mg/day or mg/kg/day).

    ``absolute_hard_max`` (mg/day) caps weight-based protocols: no path produces more.
    ``per_kg_hard_max`` (mg/kg/day) caps a protocol dosed in mg/day for a light patient.
    """

    soft_min: Value | None = None
    soft_max: Value | None = None
    hard_min: Value
    hard_max: Value
    absolute_hard_max: Value
    per_kg_hard_max: Value | None = None


class ContinuousRegimen(_Frozen):
    """A continuous infusion titrated along a ladder of daily doses."""

    kind: Literal["continuous"] = "continuous"
    dose_unit: Literal["mg/day", "mg/kg/day"]
    ladder: tuple[Value, ...] = Field(min_length=1)
    first_step: TextItem
    default_step: int = Field(default=1, ge=1)
    start_at_or_above_sc_dose: bool = False
    duration: Value | None = None


class IntermittentRegimen(_Frozen):
    """Doses repeated every ``interval``, each infused over ``infusion_duration``."""

    kind: Literal["intermittent"] = "intermittent"
    dose: Value
    interval: Value
    infusion_duration: Value
    max_per_dose: Value | None = None
    duration: Value | None = None


class IntermittentOption(IntermittentRegimen):
    """An intermittent regimen offered beside a continuous one (the published practice it was
    derived from, for example), with its name and what it is."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: TextItem


class Condition(_Frozen):
    """One test of one analyte's measure (or one clinical flag) against a threshold."""

    analyte: str
    measure: Measure
    op: Comparison = ">="
    threshold: Value | None = None
    window: Value | None = None
    days: Value | None = None
    new_since_start: bool = False

    @model_validator(mode="after")
    def _complete(self) -> Condition:
        if self.measure != "flag" and self.threshold is None:
            raise ValueError(f"condition on '{self.analyte}' ({self.measure}) needs a threshold")
        windowed = ("slope_per_day", "max_over_window", "min_over_window", "change_over_window")
        if self.measure in windowed and self.window is None:
            raise ValueError(f"condition on '{self.analyte}' ({self.measure}) needs a window")
        if self.measure == "consecutive_days" and self.days is None:
            raise ValueError(f"condition on '{self.analyte}' (consecutive_days) needs days")
        return self


class Rule(Provenance):
    """A review rule: when its conditions hold, it proposes ``action``.

    Rules are evaluated in file order; the first whose conditions hold wins, so holds and stops
    come first. Before the infusion starts only hold, stop and ``start`` rules are evaluated; a
    protocol with ``start`` rules (an indication) advises starting only when one holds.
    ``state`` names a state the rule establishes (``response``) that later rules can require
    through ``requires_state`` for at least ``sustained_for``.
    """

    id: str
    action: Action | None = None
    state: str | None = None
    text: str
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()
    requires_state: str | None = None
    sustained_for: Value | None = None
    min_time_at_step: Value | None = None
    only_when_weaning: bool = False
    at_lowest_step: bool | None = None

    @model_validator(mode="after")
    def _does_something(self) -> Rule:
        if self.action is None and self.state is None:
            raise ValueError(f"rule '{self.id}' needs an action or a state")
        return self


class Transition(Provenance):
    """What follows the lowest step: SC anakinra or canakinumab.

    Each ``sc_schedule`` entry reads ``<dose> <mg or mg/kg> SC q<N>h``; the first gives no more
    per day than the lowest step of the ladder (checked when the file is read), and no single SC
    dose exceeds ``sc_max_per_dose``.
    """

    text: str
    sc_schedule: tuple[str, ...] = ()
    sc_dose: Value | None = None
    sc_max_per_dose: Value | None = None
    alternatives: tuple[str, ...] = ()


class PaediatricRenal(_Frozen):
    """Renal function below ``below_age``: the bedside Schwartz eGFR (mL/min per 1.73 m2).

    Cockcroft-Gault is valid only for adults; a child's renal function is estimated from height
    and creatinine, and compared with thresholds of its own (per 1.73 m2 of body surface).
    """

    below_age: Value
    threshold: Value
    esrd_below: Value


class RenalRule(_Frozen):
    """Renal function: which weight Cockcroft-Gault uses and how the dose is adjusted.

    A continuous infusion's rate is scaled by the clearance ratio (``severe_ratio``,
    ``esrd_ratio``). An intermittent regimen changes the per-dose amount by that ratio (``dose``)
    or lengthens the interval by ``interval_factor`` (``interval``: the label's every-other-day
    dosing); ``intermittent_option`` names the option applied by default, and both are offered.
    Above ``obesity_threshold`` x ideal body weight (with a height), Cockcroft-Gault uses the
    adjusted body weight.
    """

    crcl_weight: Literal["actual", "ideal", "adjusted"]
    crcl_weight_provenance: Provenance
    adjusted_weight_factor: Value | None = None
    obesity_threshold: Value | None = None
    threshold: Value
    severe_ratio: Value
    esrd_ratio: Value
    esrd_below: Value
    interval_factor: Value | None = None
    intermittent_option: TextItem | None = None
    paediatric: PaediatricRenal | None = None
    requires_confirmation: bool = True
    crrt_note: TextItem | None = None

    @model_validator(mode="after")
    def _known_option(self) -> RenalRule:
        option = self.intermittent_option
        if option is not None and option.text not in ("dose", "interval"):
            raise ValueError(f"intermittent_option must be dose or interval (got '{option.text}')")
        if option is not None and option.text == "interval" and self.interval_factor is None:
            raise ValueError("intermittent_option 'interval' needs interval_factor")
        return self


class VolumeBand(_Frozen):
    """Below ``below_weight``, a bag (or syringe) of ``final_volume``: small patients get small
    volumes."""

    below_weight: Value
    final_volume: Value
    container: Literal["bag", "syringe"] = "bag"


class BagStrategy(_Frozen):
    """How the pharmacy makes a bag."""

    strategy: Literal["fixed_final_volume", "standard_concentration"]
    diluent: TextItem
    final_volume: Value | None = None
    volume_by_weight: tuple[VolumeBand, ...] = ()
    standard_concentrations: tuple[Value, ...] = ()
    drug_volume_counts_in_final_volume: bool = True
    drug_volume_provenance: Provenance
    overfill: Value
    hang_time: Value
    until_hung: Literal["room_temperature", "refrigerated"] = "room_temperature"
    until_hung_provenance: Provenance | None = None
    syringe_dose: Value
    syringe_volume: Value
    product_concentration: Value
    draw_precision: Value
    min_measurable_volume: Value | None = None
    dilution_volumes: tuple[Value, ...] = ()
    rate_display_precision: Value
    diluent_sodium_chloride: Value | None = None
    product_sodium_chloride: Value | None = None

    @model_validator(mode="after")
    def _strategy_complete(self) -> BagStrategy:
        if self.strategy == "fixed_final_volume" and self.final_volume is None:
            raise ValueError("a fixed_final_volume bag needs final_volume")
        if self.strategy == "standard_concentration" and not self.standard_concentrations:
            raise ValueError("a standard_concentration bag needs standard_concentrations")
        return self


class PumpLimits(_Frozen):
    """Drug-library entry limits that are not dose limits (per care area)."""

    care_areas: tuple[str, ...] = Field(min_length=1)
    max_rate_ml_per_h: Value
    dosing_unit: Literal["mg/h"] = "mg/h"
    advisory: str = ""


class MonitoringItem(TextItem):
    """A bedside assessment the protocol asks for: the scores it records and how often."""

    scores: tuple[str, ...] = ()
    interval: Value | None = None


class LoadLimits(_Frozen):
    """Daily fluid and sodium given with the drug, above which the plan warns (per kg)."""

    fluid: Value
    sodium: Value


class LabPanel(_Frozen):
    """What is measured, and how often."""

    analytes: tuple[str, ...]
    interval: Value
    stale_after: Value
    provenance: Provenance


class Protocol(_Frozen):
    """A versioned protocol: the unit an institution reviews and approves."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = Field(min_length=1)
    title: str
    description: str = ""
    disease: tuple[str, ...] = ()
    population: Population
    route: Literal["IV"]
    loading_dose: Value | None = None
    loading_dose_max: Value | None = None
    loading_dose_on_sc: TextItem | None = None
    regimen: ContinuousRegimen | IntermittentRegimen = Field(discriminator="kind")
    alternatives: tuple[IntermittentOption, ...] = ()
    limits: DoseLimits
    review_interval: Value | None = None
    rules: tuple[Rule, ...] = ()
    transition: Transition | None = None
    renal: RenalRule
    bag: BagStrategy
    beyond_use: Value
    beyond_use_refrigerated: Value | None = None
    storage: TextItem
    handling: TextItem | None = None
    line: TextItem
    labs: LabPanel | None = None
    monitoring: tuple[MonitoringItem, ...] = ()
    loads: LoadLimits | None = None
    pump: PumpLimits
    historical: bool = False
    sources: tuple[str, ...] = ()

    @property
    def regimen_kind(self) -> str:
        """``continuous`` or ``intermittent``."""
        return self.regimen.kind

    @property
    def is_weight_based(self) -> bool:
        """True when doses are per kilogram."""
        if isinstance(self.regimen, ContinuousRegimen):
            return self.regimen.dose_unit == "mg/kg/day"
        return "kg" in self.regimen.dose.unit

    def iter_values(self) -> list[tuple[str, Provenance]]:
        """Every value and rule of the protocol with its path, in file order."""
        return list(iter_provenance(self))

    def count_site_decisions(self) -> int:
        """How many values and rules are site decisions (no published value exists)."""
        return self._site_decision_count

    @cached_property
    def _site_decision_count(self) -> int:
        # A protocol is frozen, so it is counted once per protocol object.
        return sum(1 for _, p in self.iter_values() if p.is_site_decision)
