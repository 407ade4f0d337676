"""The bag recipe: syringes to open, volume to draw, diluent, final volume, rate in mL/h, BUD.

A continuous infusion bag holds ``rate x hang time`` of drug; an intermittent one holds one dose
and runs over the infusion duration. The drug volume to draw is rounded to the protocol's drawing
precision (0.01 mL); below the smallest measurable volume the drug is first diluted
(:mod:`anakinra_iv.compounding.preparation`). The dose on the label is the ordered dose. The
pump rate in mL/h is kept exactly and shown to the protocol's display precision (0.1 mL/h).

The bag finishes before its beyond-use time: the beyond-use time is the room-temperature one, or
the refrigerated one when the protocol keeps the bag cold until it is hung, and the bag must be
started by ``beyond_use - hang_time`` (the START BY time on the label).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from anakinra_iv.compounding.preparation import (
    Dilution,
    Loads,
    calculate_draw,
    calculate_loads,
    choose_container,
)
from anakinra_iv.compounding.rounding import round_to_precision
from anakinra_iv.dosing import DosePlan, calculate_dose_cap
from anakinra_iv.errors import DoseLimitExceeded, InvalidInput
from anakinra_iv.protocol import IntermittentRegimen, Protocol
from anakinra_iv.units import Q_, Quantity, format_quantity, magnitude_in

__all__ = [
    "BagRecipe",
    "LoadingPreparation",
    "calculate_bag",
    "calculate_beyond_use",
    "calculate_loading_preparation",
    "round_to_precision",
]


@dataclass(frozen=True)
class LoadingPreparation:
    """How to draw the loading dose, by the same rules as the bag.

    The volume is drawn from the product, or, when it is below the protocol's smallest
    measurable volume (a small infant's 6 mg is 0.04 mL of 150 mg/mL), from one syringe diluted
    to the protocol's dilution volume. The volume is rounded to the drawing precision, as the
    bag's is.
    """

    dose: Quantity
    volume: Quantity
    concentration: Quantity
    dilution: Dilution | None
    steps: tuple[str, ...]


def calculate_loading_preparation(protocol: Protocol, dose: Quantity) -> LoadingPreparation:
    """The loading dose's draw: measurable, from the product or its dilution.

    Examples
    --------
    >>> from anakinra_iv.protocol import get_protocol
    >>> prep = calculate_loading_preparation(get_protocol("paediatric-mas-civ"), Q_(6, "mg"))
    >>> prep.volume.magnitude, prep.concentration.magnitude
    (0.6, 10.0)
    """
    bag = protocol.bag
    draw = calculate_draw(protocol, dose.to("mg"))
    syringe = f"{format_quantity(bag.syringe_dose.quantity, 'mg')}/"
    syringe += f"{format_quantity(bag.syringe_volume.quantity, 'mL')}"
    volume = f"{magnitude_in(draw.volume, 'mL'):.2f}".rstrip("0").rstrip(".")
    steps = [f"Open 1 anakinra {syringe} syringe for the loading dose (separate from the bag)"]
    if draw.dilution is not None:
        d = draw.dilution
        steps.append(
            f"Dilute: {format_quantity(d.syringe_dose, 'mg')} "
            f"({format_quantity(d.syringe_volume, 'mL')}) + "
            f"{format_quantity(d.diluent_added, 'mL')} {bag.diluent.text} = "
            f"{format_quantity(d.volume, 'mL')} at {format_quantity(d.concentration, 'mg/mL')} "
            "(the dose is below the smallest measurable volume of the undiluted product)"
        )
        steps.append(
            f"Draw {volume} mL of the dilution ({format_quantity(dose, 'mg')}); discard the rest"
        )
    else:
        steps.append(f"Draw {volume} mL ({format_quantity(dose, 'mg')}) of the undiluted product")
    steps.append(f"Give {format_quantity(dose, 'mg')} IV before the infusion starts")
    return LoadingPreparation(
        dose.to("mg"), draw.volume, draw.concentration, draw.dilution, tuple(steps)
    )


@dataclass(frozen=True)
class BagRecipe:
    """How to make and run one bag (or syringe, for a small patient).

    ``drug_volume`` is drawn from the product, or from ``dilution`` when there is one.
    """

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
    start_by: datetime | None = None
    container: str = "bag"
    dilution: Dilution | None = None
    loads: Loads | None = None
    warnings: tuple[str, ...] = ()
    loading: LoadingPreparation | None = None


def calculate_beyond_use(protocol: Protocol, prepared_at: datetime) -> tuple[datetime, datetime]:
    """The beyond-use time of a bag prepared at ``prepared_at``, and the time it must be started
    by so that it finishes before it (beyond-use time minus hang time).

    >>> from datetime import datetime, timezone
    >>> from anakinra_iv.protocol import get_protocol
    >>> at = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    >>> bud, start_by = calculate_beyond_use(get_protocol("adult-mas-civ"), at)
    >>> bud.isoformat(), start_by.isoformat()
    ('2026-01-06T08:00:00+00:00', '2026-01-05T20:00:00+00:00')
    """
    limit = protocol.beyond_use
    if protocol.bag.until_hung == "refrigerated" and protocol.beyond_use_refrigerated is not None:
        limit = protocol.beyond_use_refrigerated
    beyond_use = prepared_at + timedelta(hours=magnitude_in(limit.quantity, "h"))
    hang = protocol.bag.hang_time.quantity
    if isinstance(protocol.regimen, IntermittentRegimen):
        hang = protocol.regimen.infusion_duration.quantity
    return beyond_use, beyond_use - timedelta(hours=magnitude_in(hang, "h"))


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
    draw = calculate_draw(protocol, dose)
    drug_volume = draw.volume
    waste = (syringes * syringe_dose - dose).to("mg")
    overfill = bag.overfill.quantity.to("mL")
    diluent = bag.diluent.text
    base_volume, container = choose_container(protocol, plan.weight)

    if bag.strategy == "fixed_final_volume":
        assert base_volume is not None
        base = base_volume
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
    shown_text = format_quantity(Q_(shown, "mL/h"), "mL/h", decimals)
    beyond_use, start_by = calculate_beyond_use(protocol, prepared_at)
    loads = calculate_loads(
        protocol,
        dose=dose,
        final_volume=final,
        containers_per_day=bags_per_day,
        weight=plan.weight,
    )
    steps = _steps(
        protocol,
        plan,
        syringes=syringes,
        dose=dose,
        draw_volume=drug_volume,
        dilution=draw.dilution,
        waste=waste,
        base=base,
        remove=remove,
        final=final,
        concentration=concentration,
        container=container,
        rate_text=shown_text,
        hang=hang,
        start_by=start_by,
    )
    return BagRecipe(
        dose=dose,
        syringes=syringes,
        syringe_dose=syringe_dose,
        drug_volume=drug_volume,
        drug_volume_exact=draw.volume_exact,
        waste=waste,
        diluent=diluent,
        base_bag_volume=base,
        volume_to_remove=remove,
        final_volume=final,
        concentration=concentration,
        rate_mg_per_h=plan.rate.to("mg/h"),
        rate_ml_per_h=rate_ml,
        rate_ml_per_h_display=shown_text,
        hang_time=hang,
        bags_per_24h=bags_per_day,
        prepared_at=prepared_at,
        beyond_use=beyond_use,
        steps=tuple(steps),
        start_by=start_by,
        container=container,
        dilution=draw.dilution,
        loads=loads,
        warnings=loads.warnings,
        loading=None
        if plan.loading_dose is None
        else calculate_loading_preparation(protocol, plan.loading_dose),
    )


def _steps(
    protocol: Protocol,
    plan: DosePlan,
    *,
    syringes: int,
    dose: Quantity,
    draw_volume: Quantity,
    dilution: Dilution | None,
    waste: Quantity,
    base: Quantity,
    remove: Quantity,
    final: Quantity,
    concentration: Quantity,
    container: str,
    rate_text: str,
    hang: Quantity,
    start_by: datetime,
) -> list[str]:
    bag = protocol.bag
    syringe_dose = bag.syringe_dose.quantity.to("mg")
    diluent = bag.diluent.text
    drawn = f"{magnitude_in(draw_volume, 'mL'):.2f}".rstrip("0").rstrip(".")
    steps = [
        f"Open {syringes} anakinra {format_quantity(syringe_dose, 'mg')}/"
        f"{format_quantity(bag.syringe_volume.quantity, 'mL')} syringe{'s' if syringes > 1 else ''}"
    ]
    if dilution is not None:
        steps.append(
            f"Dilute: {format_quantity(dilution.syringe_dose, 'mg')} "
            f"({format_quantity(dilution.syringe_volume, 'mL')}) + "
            f"{format_quantity(dilution.diluent_added, 'mL')} {diluent} = "
            f"{format_quantity(dilution.volume, 'mL')} at "
            f"{format_quantity(dilution.concentration, 'mg/mL')} (the dose is below the smallest "
            "measurable volume of the undiluted product)"
        )
        steps.append(
            f"Draw {drawn} mL of the dilution ({format_quantity(dose, 'mg')}); discard the rest"
        )
    else:
        steps.append(
            f"Draw {drawn} mL ({format_quantity(dose, 'mg')}); discard "
            f"{format_quantity(waste, 'mg')}"
        )
    vessel = "syringe" if container == "syringe" else "bag"
    if magnitude_in(remove, "mL") > 0:
        removed = f"{magnitude_in(remove, 'mL'):.2f}".rstrip("0").rstrip(".")
        steps.append(
            f"From a {format_quantity(base, 'mL')} {vessel} of {diluent}, withdraw and discard "
            f"{removed} mL"
        )
    else:
        steps.append(f"Take a {format_quantity(base, 'mL')} {vessel} of {diluent}")
    steps.append(
        f"Add the drug: final volume {format_quantity(final, 'mL')}, "
        f"{format_quantity(concentration, 'mg/mL', 3)}"
    )
    pump = "syringe driver" if container == "syringe" else "pump"
    steps.append(
        f"Run on a {pump} at {rate_text} ({format_quantity(plan.rate, 'mg/h', 2)}) over "
        f"{format_quantity(hang, 'h')}; start by {start_by.strftime('%Y-%m-%d %H:%M %Z').strip()}"
    )
    return steps


def _refuse_above_hard_max(protocol: Protocol, plan: DosePlan) -> None:
    """Last line of defence: a plan above the hard maximum is never turned into a bag."""
    limit = calculate_dose_cap(protocol, plan.weight)
    if plan.daily_dose.to("mg/day") > limit * (1 + 1e-9):
        raise DoseLimitExceeded(
            f"'daily_dose' {format_quantity(plan.daily_dose, 'mg/day')} is above the hard "
            f"maximum of {format_quantity(limit, 'mg/day')}: no bag is made",
            field="daily_dose",
            value=f"{plan.daily_dose:~P}",
            limit=f"{limit:~P}",
        )
