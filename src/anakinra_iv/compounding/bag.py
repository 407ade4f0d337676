"""The bag recipe: syringes to open, volume to draw, diluent, final volume, rate in mL/h, BUD.

A continuous infusion bag holds ``rate x hang time`` of drug; an intermittent one holds one dose
and runs over the infusion duration. The drug volume to draw is rounded to the protocol's drawing
precision (0.01 mL); the dose on the label is the ordered dose. The pump rate in mL/h is kept
exactly and shown to the protocol's display precision (0.1 mL/h).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from anakinra_iv.dosing import DosePlan
from anakinra_iv.errors import DoseLimitExceeded, InvalidInput
from anakinra_iv.protocol import Protocol
from anakinra_iv.units import Q_, Quantity, format_quantity, magnitude_in

__all__ = ["BagRecipe", "calculate_bag", "round_to_precision"]


@dataclass(frozen=True)
class BagRecipe:
    """How to make and run one bag."""

    dose: Quantity
    syringes: int
    syringe_dose: Quantity
    drug_volume: Quantity
    drug_volume_exact: Quantity
    waste: Quantity
    diluent: str
    base_bag_volume: Quantity
    volume_to_remove: Quantity
    final_volume: Quantity
    concentration: Quantity
    rate_mg_per_h: Quantity
    rate_ml_per_h: Quantity
    rate_ml_per_h_display: str
    hang_time: Quantity
    bags_per_24h: float
    prepared_at: datetime
    beyond_use: datetime
    steps: tuple[str, ...]


def round_to_precision(value: float, precision: float) -> float:
    """Round half up to a multiple of ``precision`` (0.01 mL, 0.1 mL/h), without float drift.

    >>> round_to_precision(1.335, 0.01), round_to_precision(8.35, 0.1)
    (1.34, 8.4)
    """
    step = Decimal(str(precision))
    return float((Decimal(str(value)) / step).quantize(Decimal(1), ROUND_HALF_UP) * step)


def calculate_bag(protocol: Protocol, plan: DosePlan, *, prepared_at: datetime) -> BagRecipe:
    """The recipe of one bag for ``plan`` prepared at ``prepared_at`` (timezone-aware).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.dosing import create_patient, calculate_dose_plan
    >>> protocol = get_protocol("adult-mas-civ")
    >>> patient = create_patient(weight="70 kg", age=54, sex="female", creatinine="1.0 mg/dL")
    >>> plan = calculate_dose_plan(protocol, patient, step=3)
    >>> at = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    >>> bag = calculate_bag(protocol, plan, prepared_at=at)
    >>> bag.syringes, bag.drug_volume.magnitude, bag.concentration.magnitude
    (6, 4.0, 6.0)
    >>> bag.rate_ml_per_h_display
    '8.3 mL/h'
    """
    if prepared_at.tzinfo is None:
        raise InvalidInput(
            f"'prepared_at' must carry a time zone (got '{prepared_at.isoformat()}')",
            field="prepared_at",
        )
    if plan.protocol_id != protocol.id:
        raise InvalidInput(
            f"'plan' is for {plan.protocol_id}, not {protocol.id}", field="protocol_id"
        )
    bag = protocol.bag
    if plan.intermittent is not None:
        dose = plan.intermittent.dose.to("mg")
        hang = plan.intermittent.infusion_duration.to("h")
        bags_per_day = 24 / magnitude_in(plan.intermittent.interval, "h")
    else:
        hang = bag.hang_time.quantity.to("h")
        dose = (plan.rate * hang).to("mg")
        bags_per_day = 24 / magnitude_in(hang, "h")
    _refuse_above_hard_max(protocol, plan)

    syringe_dose = bag.syringe_dose.quantity.to("mg")
    syringes = math.ceil(magnitude_in(dose, "mg") / magnitude_in(syringe_dose, "mg") - 1e-9)
    exact_volume = (dose / bag.product_concentration.quantity).to("mL")
    precision = magnitude_in(bag.draw_precision.quantity, "mL")
    drawn = round_to_precision(magnitude_in(exact_volume, "mL"), precision)
    drug_volume = Q_(drawn, "mL")
    waste = (syringes * syringe_dose - dose).to("mg")
    overfill = bag.overfill.quantity.to("mL")
    diluent = bag.diluent.text

    if bag.strategy == "fixed_final_volume":
        assert bag.final_volume is not None
        base = bag.final_volume.quantity.to("mL")
        if bag.drug_volume_counts_in_final_volume:
            remove = overfill + drug_volume
            final = base
        else:
            remove = Q_(0.0, "mL")
            final = base + overfill + drug_volume
    else:
        concentration = bag.standard_concentrations[0].quantity.to("mg/mL")
        final = (dose / concentration).to("mL")
        base = final - drug_volume
        remove = Q_(0.0, "mL")
    if final <= drug_volume:
        raise InvalidInput(
            f"'final_volume' {format_quantity(final, 'mL')} cannot hold "
            f"{format_quantity(drug_volume, 'mL')} of drug",
            field="final_volume",
        )
    concentration = (dose / final).to("mg/mL")
    rate_ml = (plan.rate / concentration).to("mL/h")
    display_precision = magnitude_in(bag.rate_display_precision.quantity, "mL/h")
    shown = round_to_precision(magnitude_in(rate_ml, "mL/h"), display_precision)
    decimals = max(0, -math.floor(math.log10(display_precision)))
    beyond_use = prepared_at + timedelta(hours=magnitude_in(protocol.beyond_use.quantity, "h"))

    steps = [
        f"Open {syringes} anakinra {format_quantity(syringe_dose, 'mg')}/"
        f"{format_quantity(bag.syringe_volume.quantity, 'mL')} syringes",
        f"Draw {drawn:.2f} mL ({format_quantity(dose, 'mg')}); discard "
        f"{format_quantity(waste, 'mg')}",
    ]
    if magnitude_in(remove, "mL") > 0:
        steps.append(
            f"From a {format_quantity(base, 'mL')} bag of {diluent}, withdraw and discard "
            f"{magnitude_in(remove, 'mL'):.2f} mL"
        )
    else:
        steps.append(f"Take a {format_quantity(base, 'mL')} bag of {diluent}")
    steps.append(
        f"Add the drug: final volume {format_quantity(final, 'mL')}, "
        f"{format_quantity(concentration, 'mg/mL', 3)}"
    )
    steps.append(
        f"Run at {shown:.{decimals}f} mL/h ({format_quantity(plan.rate, 'mg/h', 2)}) over "
        f"{format_quantity(hang, 'h')}"
    )
    return BagRecipe(
        dose=dose,
        syringes=syringes,
        syringe_dose=syringe_dose,
        drug_volume=drug_volume,
        drug_volume_exact=exact_volume,
        waste=waste,
        diluent=diluent,
        base_bag_volume=base,
        volume_to_remove=remove,
        final_volume=final,
        concentration=concentration,
        rate_mg_per_h=plan.rate.to("mg/h"),
        rate_ml_per_h=rate_ml,
        rate_ml_per_h_display=f"{shown:.{decimals}f} mL/h",
        hang_time=hang,
        bags_per_24h=bags_per_day,
        prepared_at=prepared_at,
        beyond_use=beyond_use,
        steps=tuple(steps),
    )


def _refuse_above_hard_max(protocol: Protocol, plan: DosePlan) -> None:
    """Last line of defence: a plan above the hard maximum is never turned into a bag."""
    cap = protocol.limits.absolute_hard_max.quantity.to("mg/day")
    hard = protocol.limits.hard_max.quantity
    if protocol.is_weight_based:
        hard = hard * plan.weight
    limit = min(cap, hard.to("mg/day"))
    if plan.daily_dose.to("mg/day") > limit * (1 + 1e-9):
        raise DoseLimitExceeded(
            f"'daily_dose' {format_quantity(plan.daily_dose, 'mg/day')} is above the hard "
            f"maximum of {format_quantity(limit, 'mg/day')}: no bag is made",
            field="daily_dose",
            value=f"{plan.daily_dose:~P}",
            limit=f"{limit:~P}",
        )
