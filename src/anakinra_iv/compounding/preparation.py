"""Preparing a small dose, the container for the patient's weight, and the fluid and sodium given.

A volume below the protocol's smallest measurable volume (``bag.min_measurable_volume``) is never
drawn from the 150 mg/mL product: one syringe is first diluted to the first of
``bag.dilution_volumes`` that makes the draw measurable (100 mg in 10 mL = 10 mg/mL, or in
100 mL = 1 mg/mL) and the dose drawn from that. Small patients get a small container
(``bag.volume_by_weight``: a syringe for a syringe driver). The fluid and sodium given with the
drug each day are counted, and a load above the protocol's limits (``loads``, per kg) is a
warning on the plan and the label.
"""

from __future__ import annotations

from dataclasses import dataclass

from anakinra_iv.compounding.rounding import round_to_precision
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import Protocol
from anakinra_iv.units import (
    Q_,
    SODIUM_CHLORIDE_MOLAR_MASS,
    Quantity,
    format_quantity,
    magnitude_in,
)

__all__ = [
    "Dilution",
    "Draw",
    "Loads",
    "calculate_draw",
    "calculate_loads",
    "choose_container",
]


@dataclass(frozen=True)
class Dilution:
    """One syringe made up to ``volume`` with the diluent, giving ``concentration``."""

    syringe_dose: Quantity
    syringe_volume: Quantity
    diluent_added: Quantity
    volume: Quantity
    concentration: Quantity


@dataclass(frozen=True)
class Draw:
    """What is drawn into the bag: from the product, or from a dilution of it."""

    volume: Quantity
    volume_exact: Quantity
    concentration: Quantity
    dilution: Dilution | None


@dataclass(frozen=True)
class Loads:
    """Fluid and sodium given with the drug per day, and warnings above the protocol's limits."""

    fluid_per_day: Quantity
    sodium_per_day: Quantity
    fluid_per_kg: Quantity
    sodium_per_kg: Quantity
    warnings: tuple[str, ...]


def choose_container(protocol: Protocol, weight: Quantity) -> tuple[Quantity | None, str]:
    """The final volume and container (``bag`` or ``syringe``) for a patient of ``weight``.

    >>> from anakinra_iv.protocol import get_protocol
    >>> choose_container(get_protocol("paediatric-mas-civ"), Q_(3, "kg"))
    (<Quantity(12.0, 'milliliter')>, 'syringe')
    """
    bag = protocol.bag
    for band in bag.volume_by_weight:
        if weight < band.below_weight.quantity:
            return band.final_volume.quantity.to("mL"), band.container
    base = None if bag.final_volume is None else bag.final_volume.quantity.to("mL")
    return base, "bag"


def calculate_draw(protocol: Protocol, dose: Quantity) -> Draw:
    """The volume drawn for ``dose``: from the product, or, below the smallest measurable
    volume, from one syringe diluted to the protocol's dilution volume.

    Raises
    ------
    InvalidInput
        Even diluted, the dose is below the smallest measurable volume.

    Examples
    --------
    >>> from anakinra_iv.protocol import get_protocol
    >>> draw = calculate_draw(get_protocol("paediatric-mas-civ"), Q_(3, "mg"))
    >>> draw.volume.magnitude, draw.concentration.magnitude, draw.dilution.volume.magnitude
    (0.3, 10.0, 10.0)
    """
    bag = protocol.bag
    product = bag.product_concentration.quantity.to("mg/mL")
    precision = magnitude_in(bag.draw_precision.quantity, "mL")
    exact = (dose / product).to("mL")
    minimum = None if bag.min_measurable_volume is None else bag.min_measurable_volume.quantity
    if minimum is None or exact >= minimum or not bag.dilution_volumes:
        drawn = Q_(round_to_precision(magnitude_in(exact, "mL"), precision), "mL")
        return Draw(drawn, exact, product, None)
    syringe_dose = bag.syringe_dose.quantity.to("mg")
    syringe_volume = bag.syringe_volume.quantity.to("mL")
    diluted = product
    for value in bag.dilution_volumes:
        volume = value.quantity.to("mL")
        diluted = (syringe_dose / volume).to("mg/mL")
        exact_diluted = (dose / diluted).to("mL")
        if exact_diluted >= minimum:
            dilution = Dilution(
                syringe_dose, syringe_volume, volume - syringe_volume, volume, diluted
            )
            drawn = Q_(round_to_precision(magnitude_in(exact_diluted, "mL"), precision), "mL")
            return Draw(drawn, exact_diluted, diluted, dilution)
    raise InvalidInput(
        f"'dose' {format_quantity(dose, 'mg')} is below the smallest measurable volume "
        f"({format_quantity(minimum, 'mL')}) even diluted to {format_quantity(diluted, 'mg/mL')}",
        field="dose",
        value=f"{dose:~P}",
    )


def calculate_loads(
    protocol: Protocol,
    *,
    dose: Quantity,
    final_volume: Quantity,
    containers_per_day: float,
    weight: Quantity,
) -> Loads:
    """Fluid and sodium per day: every container's volume, and the sodium chloride of the
    diluent (``bag.diluent_sodium_chloride``) and of the product (``product_sodium_chloride``
    per syringe volume) in it.

    >>> from anakinra_iv.protocol import get_protocol
    >>> loads = calculate_loads(get_protocol("adult-mas-civ"), dose=Q_(600, "mg"),
    ...     final_volume=Q_(100, "mL"), containers_per_day=2, weight=Q_(70, "kg"))
    >>> loads.fluid_per_day.magnitude, round(loads.sodium_per_day.magnitude, 2)
    (200.0, 30.69)
    """
    bag = protocol.bag
    fluid = (final_volume * containers_per_day / Q_(1, "day")).to("mL/day")
    product_volume = (dose / bag.product_concentration.quantity).to("mL")
    salt = Q_(0.0, "mg")
    if bag.diluent_sodium_chloride is not None:
        salt = salt + (bag.diluent_sodium_chloride.quantity * (final_volume - product_volume))
    if bag.product_sodium_chloride is not None:
        per_ml = bag.product_sodium_chloride.quantity / bag.syringe_volume.quantity
        salt = salt + per_ml * product_volume
    sodium = (salt / SODIUM_CHLORIDE_MOLAR_MASS * containers_per_day / Q_(1, "day")).to("mmol/day")
    fluid_per_kg = (fluid / weight).to("mL/kg/day")
    sodium_per_kg = (sodium / weight).to("mmol/kg/day")
    warnings: list[str] = []
    limits = protocol.loads
    if limits is not None:
        for name, value, limit, unit in (
            ("fluid", fluid_per_kg, limits.fluid, "mL/kg/day"),
            ("sodium", sodium_per_kg, limits.sodium, "mmol/kg/day"),
        ):
            if value > limit.quantity:
                warnings.append(
                    f"The {name} given with the drug, {format_quantity(value, unit, 2)}, is above "
                    f"the protocol's {format_quantity(limit.quantity, unit, 2)} ({limit.status}, "
                    f"{limit.source}): count it in the fluid balance"
                )
    return Loads(fluid, sodium, fluid_per_kg, sodium_per_kg, tuple(warnings))
