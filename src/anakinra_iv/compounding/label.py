"""Bag label text following ISMP rules.

Generic name in lower case, leading zero, no trailing zero, thousands separators, ``mL`` and
``mcg``, a space between number and unit; patient identified twice (name and MRN/DOB); dose rate
and volume rate both shown, never in one field; for a weight-based protocol the dose rate also in
the pump's dosing unit (mg/kg/h). The START BY time makes a bag finish before its beyond-use
time; the fluid and sodium given with the drug are on the label, with a warning above the
protocol's limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from anakinra_iv.compounding.bag import BagRecipe
from anakinra_iv.dosing import DosePlan
from anakinra_iv.protocol import Protocol
from anakinra_iv.units import format_quantity

__all__ = ["Label", "create_label"]


@dataclass(frozen=True)
class Label:
    """The label's lines, in print order."""

    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The label as one block of text."""
        return "\n".join(self.lines)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def create_label(
    protocol: Protocol,
    plan: DosePlan,
    bag: BagRecipe,
    *,
    patient_name: str,
    mrn: str,
    birth_date: date | None = None,
    prepared_by: str = "",
    checked_by: str = "",
) -> Label:
    """The label of ``bag`` for the named patient.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.dosing import create_patient, calculate_dose_plan
    >>> from anakinra_iv.compounding.bag import calculate_bag
    >>> protocol = get_protocol("adult-mas-civ")
    >>> patient = create_patient(weight="70 kg", age=54, sex="female", creatinine="1.0 mg/dL")
    >>> plan = calculate_dose_plan(protocol, patient, step=3)
    >>> at = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    >>> bag = calculate_bag(protocol, plan, prepared_at=at)
    >>> print(create_label(protocol, plan, bag, patient_name="Doe, Jane", mrn="123").lines[1])
    anakinra 600 mg in 0.9% sodium chloride - final volume 100 mL
    """
    dob = f"   DOB: {birth_date.isoformat()}" if birth_date else ""
    if plan.intermittent is not None:
        how = (
            f"IV infusion over {format_quantity(bag.hang_time, 'h')}, "
            f"{format_quantity(plan.intermittent.dose, 'mg')} every "
            f"{format_quantity(plan.intermittent.interval, 'h')}"
        )
    else:
        how = f"continuous IV infusion over {format_quantity(bag.hang_time, 'h')}"
    dose_rate = format_quantity(bag.rate_mg_per_h, "mg/h", 2)
    if protocol.is_weight_based:
        dose_rate += f" ({format_quantity(plan.rate_per_kg, 'mg/kg/h', 3)})"
    container = "syringe" if bag.container == "syringe" else "final volume"
    start_by = f"   START BY: {_when(bag.start_by)}" if bag.start_by is not None else ""
    lines = [
        f"PATIENT: {patient_name}   MRN: {mrn}{dob}",
        f"anakinra {format_quantity(bag.dose, 'mg')} in {bag.diluent} - {container} "
        f"{format_quantity(bag.final_volume, 'mL')}",
        f"Concentration: {format_quantity(bag.concentration, 'mg/mL', 3)}",
        f"DOSE RATE: {dose_rate}   PUMP RATE: {bag.rate_ml_per_h_display}",
        f"Route: {how}",
        f"Daily dose: {format_quantity(plan.daily_dose, 'mg/day')} "
        f"({format_quantity(plan.dose_per_kg_per_day, 'mg/kg/day', 2)})",
        f"Prepared: {_when(bag.prepared_at)}{start_by}   BEYOND USE: {_when(bag.beyond_use)}",
        f"Storage: {protocol.storage.text}",
    ]
    if protocol.handling is not None:
        lines.append(f"Handling: {protocol.handling.text}")
    if bag.loads is not None:
        lines.append(
            f"Fluid with the drug: {format_quantity(bag.loads.fluid_per_day, 'mL/day', 1)} "
            f"({format_quantity(bag.loads.fluid_per_kg, 'mL/kg/day', 2)}); sodium "
            f"{format_quantity(bag.loads.sodium_per_day, 'mmol/day', 1)} "
            f"({format_quantity(bag.loads.sodium_per_kg, 'mmol/kg/day', 2)})"
        )
    lines += [f"WARNING: {w}" for w in bag.warnings]
    lines += [
        f"Line: {protocol.line.text}",
        f"Prepared by: {prepared_by or '____'}   Checked by: {checked_by or '____'}",
        f"Protocol: {protocol.id} v{protocol.version} - off-label IV use",
    ]
    return Label(lines=tuple(lines))
