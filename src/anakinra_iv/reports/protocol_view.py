"""A protocol as a clinician reads it: sections in clinical words, each value with its unit,
status and source (the same values, in the same order, as ``anakinra protocol show``).

Every value and rule the protocol file holds appears exactly once; its label says what it is
("Step 3 daily dose", "Response: ferritin, ratio to its peak <= 0.75") instead of the file path
(``rules[2].all[0].threshold``), which stays available as a key for those who maintain the file.

>>> from anakinra_iv.protocol import get_protocol
>>> view = create_protocol_view(get_protocol("adult-mas-civ"))
>>> [s.title for s in view][:3]
['Patients', 'Loading dose', 'Dose ladder']
>>> row = next(r for s in view for r in s.rows if r.path == "rules[2].all[0].threshold")
>>> row.label, row.value
('Response: Ferritin, ratio to its peak ≤', '0.75')
"""

from __future__ import annotations

from dataclasses import dataclass

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.errors import UnknownItem
from anakinra_iv.protocol import Protocol, Provenance, Value
from anakinra_iv.protocol.schema import Condition, Rule
from anakinra_iv.reports.display import show_value

__all__ = ["ProtocolRow", "ProtocolSection", "create_protocol_view"]


@dataclass(frozen=True)
class ProtocolRow:
    """One value or statement: what it is, as shown, and where it comes from."""

    label: str
    value: str
    status: str
    source: str
    note: str
    path: str
    is_rule: bool = False


@dataclass(frozen=True)
class ProtocolSection:
    """A section of the protocol (dose ladder, limits, rules, ...)."""

    title: str
    rows: tuple[ProtocolRow, ...]


_SECTIONS = (
    ("population", "Patients"),
    ("loading_dose", "Loading dose"),
    ("loading_dose_max", "Loading dose"),
    ("loading_dose_on_sc", "Loading dose"),
    ("regimen", "Dose ladder"),
    ("alternatives", "Intermittent alternatives"),
    ("limits", "Dose limits"),
    ("review_interval", "Review and titration rules"),
    ("rules", "Review and titration rules"),
    ("transition", "Transition to subcutaneous dosing"),
    ("renal", "Renal function"),
    ("bag", "Bag and pump rate"),
    ("beyond_use", "Beyond use, storage and line"),
    ("beyond_use_refrigerated", "Beyond use, storage and line"),
    ("storage", "Beyond use, storage and line"),
    ("handling", "Beyond use, storage and line"),
    ("line", "Beyond use, storage and line"),
    ("labs", "Laboratory monitoring"),
    ("monitoring", "Bedside monitoring"),
    ("loads", "Fluid and sodium given with the drug"),
    ("pump", "Pump drug library"),
)

_FIELD_WORDS = {
    "min_age": "Minimum age",
    "max_age": "Maximum age",
    "min_weight": "Minimum weight",
    "max_weight": "Maximum weight",
    "provenance": "Population",
    "loading_dose": "Loading dose (IV push before the infusion)",
    "loading_dose_max": "Largest loading dose",
    "loading_dose_on_sc": "Already on SC anakinra",
    "per_kg_hard_max": "Per-kg hard maximum (refused above)",
    "obesity_threshold": "Adjusted weight above this multiple of ideal weight",
    "interval_factor": "Interval multiplied by (intermittent regimens)",
    "below_age": "Children's formula (bedside Schwartz) below the age of",
    "sc_max_per_dose": "Largest SC dose",
    "until_hung_provenance": "Kept until hung",
    "min_measurable_volume": "Smallest volume drawn directly",
    "dilution_volumes": "Dilution volume",
    "diluent_sodium_chloride": "Sodium chloride in the diluent",
    "product_sodium_chloride": "Sodium chloride per syringe",
    "beyond_use_refrigerated": "Beyond use after preparation, refrigerated",
    "handling": "Handling",
    "fluid": "Warn above a daily fluid load of",
    "sodium": "Warn above a daily sodium load of",
    "first_step": "Starting step",
    "duration": "Course duration",
    "dose": "Dose",
    "interval": "Interval",
    "infusion_duration": "Infused over",
    "max_per_dose": "Largest single dose",
    "soft_min": "Soft minimum (needs a reason below)",
    "soft_max": "Soft maximum (needs a reason above)",
    "hard_min": "Hard minimum (refused below)",
    "hard_max": "Hard maximum (refused above)",
    "absolute_hard_max": "Absolute cap (refused above)",
    "review_interval": "Review every",
    "sc_dose": "SC dose",
    "crcl_weight_provenance": "Weight used for creatinine clearance",
    "adjusted_weight_factor": "Adjusted body weight factor",
    "threshold": "Renal rule applies below a creatinine clearance of",
    "severe_ratio": "Rate scaled by (below the threshold)",
    "esrd_ratio": "Rate scaled by (end-stage or haemodialysis)",
    "esrd_below": "End-stage below a creatinine clearance of",
    "crrt_note": "On continuous renal replacement",
    "diluent": "Diluent",
    "final_volume": "Final volume",
    "drug_volume_provenance": "Drug volume counted in the final volume",
    "overfill": "Bag overfill",
    "hang_time": "Hang time of one bag",
    "syringe_dose": "Syringe dose",
    "syringe_volume": "Syringe volume",
    "product_concentration": "Product concentration",
    "draw_precision": "Volumes drawn to",
    "rate_display_precision": "Pump rate shown to",
    "beyond_use": "Beyond use after preparation",
    "storage": "Storage",
    "line": "Line",
    "interval_labs": "Panel every",
    "stale_after": "Labs stale after",
    "max_rate_ml_per_h": "Largest pump rate",
}

_MEASURES = {
    "latest": "latest value",
    "ratio_to_peak": "ratio to its peak",
    "ratio_to_nadir": "ratio to its lowest value",
    "ratio_to_baseline": "ratio to its first value",
    "change_from_previous": "change from the previous value",
    "slope_per_day": "change per day",
    "max_over_window": "highest value over the window",
    "min_over_window": "lowest value over the window",
    "consecutive_days": "on consecutive days",
    "flag": "present",
}
_OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def _analyte(name: str) -> str:
    try:
        return get_analyte(name).display
    except UnknownItem:
        return name.replace("_", " ")


def _rule_name(rule: Rule) -> str:
    name = rule.action or rule.state or rule.id
    return name.replace("_", " ").capitalize()


def _condition(rule: Rule, condition: Condition, part: str) -> str:
    what = f"{_rule_name(rule)}: {_analyte(condition.analyte)}"
    measure = _MEASURES.get(condition.measure, condition.measure)
    if part == "threshold":
        return f"{what}, {measure} {_OPS.get(condition.op, condition.op)}"
    if part == "window":
        return f"{what}, window"
    return f"{what}, days"


def _labels(protocol: Protocol) -> dict[int, str]:
    """``id()`` of each provenance object of the protocol -> its label."""
    labels: dict[int, str] = {}
    for index, step in enumerate(getattr(protocol.regimen, "ladder", ()), start=1):
        labels[id(step)] = f"Step {index} daily dose"
    for rule in protocol.rules:
        labels[id(rule)] = f"{_rule_name(rule)} rule"
        for condition in (*rule.all, *rule.any):
            for part in ("threshold", "window", "days"):
                item = getattr(condition, part)
                if item is not None:
                    labels[id(item)] = _condition(rule, condition, part)
        if rule.sustained_for is not None:
            labels[id(rule.sustained_for)] = f"{_rule_name(rule)}: sustained for"
        if rule.min_time_at_step is not None:
            labels[id(rule.min_time_at_step)] = f"{_rule_name(rule)}: at least this long at a step"
    if protocol.labs is not None:
        labels[id(protocol.labs.interval)] = _FIELD_WORDS["interval_labs"]
        labels[id(protocol.labs.provenance)] = "Laboratory panel"
    if protocol.transition is not None:
        labels[id(protocol.transition)] = "Transition"
    for index, value in enumerate(getattr(protocol.bag, "standard_concentrations", ())):
        labels[id(value)] = f"Standard concentration {index + 1}"
    return labels


def _context_texts(protocol: Protocol) -> dict[int, str]:
    """What a bare provenance (a setting, not a number) stands for, in words."""
    texts = {
        id(protocol.population.provenance): protocol.population.description,
        id(protocol.renal.crcl_weight_provenance): f"{protocol.renal.crcl_weight} body weight",
        id(protocol.bag.drug_volume_provenance): "yes"
        if protocol.bag.drug_volume_counts_in_final_volume
        else "no",
    }
    if protocol.labs is not None:
        texts[id(protocol.labs.provenance)] = ", ".join(_analyte(a) for a in protocol.labs.analytes)
    return texts


def _shown(item: Provenance, texts: dict[int, str]) -> str:
    if isinstance(item, Value):
        return show_value(item.value, item.unit)
    text = getattr(item, "text", None)
    return str(text) if text else texts.get(id(item), "")


def _fallback_label(path: str) -> str:
    last = path.split(".")[-1].split("[")[0]
    return _FIELD_WORDS.get(last, last.replace("_", " ").capitalize())


def create_protocol_view(protocol: Protocol) -> tuple[ProtocolSection, ...]:
    """The protocol's values in clinical sections, in file order."""
    labels = _labels(protocol)
    texts = _context_texts(protocol)
    titles = dict(_SECTIONS)
    sections: dict[str, list[ProtocolRow]] = {}
    for path, item in protocol.iter_values():
        head = path.split(".")[0].split("[")[0]
        title = titles.get(head, "Other values")
        is_rule = isinstance(item, Rule)
        sections.setdefault(title, []).append(
            ProtocolRow(
                labels.get(id(item), _fallback_label(path)),
                _shown(item, texts),
                item.status,
                item.source,
                item.note or "",
                path,
                is_rule,
            )
        )
    return tuple(ProtocolSection(title, tuple(rows)) for title, rows in sections.items())
