"""The dose limits of a protocol for one patient: hard limits refuse, soft limits need a reason.

A daily dose above the hard maximum (per kg x weight for weight-based protocols), the absolute
cap, or the per-kg maximum of a protocol dosed in mg/day is refused
(:class:`~anakinra_iv.errors.DoseLimitExceeded`), as is one below the hard minimum. A soft-limit
breach needs an override reason (:class:`~anakinra_iv.errors.OverrideRequired`), except a dose
below the soft minimum that the protocol's own renal rule derived. Each limit is shown with its
own status and source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from anakinra_iv.errors import DoseLimitExceeded, OverrideRequired
from anakinra_iv.protocol import Protocol, Value
from anakinra_iv.units import Quantity, format_quantity

__all__ = [
    "LimitStatus",
    "Reason",
    "calculate_dose_cap",
    "calculate_hard_minimum",
    "check_dose_limits",
    "create_reason",
    "describe_limit",
    "get_dose_cap_limit",
]

LimitStatus = Literal["within", "above_soft", "refused"]

_TOLERANCE = 1e-9  # relative: float arithmetic must not turn "at the limit" into "above it"


@dataclass(frozen=True)
class Reason:
    """Why a number is what it is: the rule, its status and its source."""

    text: str
    status: str
    source: str


def create_reason(text: str, value: Value) -> Reason:
    """A reason citing ``value``'s own status and source."""
    return Reason(text=text, status=value.status, source=value.source)


def _above(value: Quantity, limit: Quantity) -> bool:
    return bool(value > limit * (1 + _TOLERANCE))


def _below(value: Quantity, limit: Quantity) -> bool:
    return bool(value < limit * (1 - _TOLERANCE))


def calculate_dose_cap(protocol: Protocol, weight: Quantity) -> Quantity:
    """The highest daily dose this patient may receive (mg/day): the hard maximum (per kg x
    weight), the absolute cap and the per-kg maximum, whichever is lowest.

    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.units import Q_
    >>> calculate_dose_cap(get_protocol("adult-mas-civ"), Q_(25, "kg")).magnitude
    1200.0
    """
    limits = protocol.limits
    hard = limits.hard_max.quantity
    if protocol.is_weight_based:
        hard = hard * weight
    caps = [hard.to("mg/day"), limits.absolute_hard_max.quantity.to("mg/day")]
    if limits.per_kg_hard_max is not None:
        caps.append((limits.per_kg_hard_max.quantity * weight).to("mg/day"))
    return min(caps)


def get_dose_cap_limit(protocol: Protocol, weight: Quantity) -> Value:
    """Which limit the cap of :func:`calculate_dose_cap` is, with its provenance."""
    limits = protocol.limits
    candidates: list[tuple[Quantity, Value]] = [
        ((limits.hard_max.quantity * (weight if protocol.is_weight_based else 1)), limits.hard_max),
        (limits.absolute_hard_max.quantity, limits.absolute_hard_max),
    ]
    if limits.per_kg_hard_max is not None:
        candidates.append((limits.per_kg_hard_max.quantity * weight, limits.per_kg_hard_max))
    return min(candidates, key=lambda c: c[0].to("mg/day").magnitude)[1]


def describe_limit(protocol: Protocol, limit: Value) -> str:
    """The name of one of the protocol's upper limits: absolute, per-kg or hard maximum."""
    limits = protocol.limits
    if limit is limits.absolute_hard_max:
        return "absolute maximum"
    if limit is limits.per_kg_hard_max:
        return "per-kg maximum"
    return "hard maximum"


def calculate_hard_minimum(protocol: Protocol, weight: Quantity) -> Quantity:
    """The lowest daily dose (mg/day) the protocol allows this patient."""
    minimum = protocol.limits.hard_min.quantity
    if protocol.is_weight_based:
        minimum = minimum * weight
    return minimum.to("mg/day")


def _refuse_above(protocol: Protocol, daily: Quantity, weight: Quantity) -> None:
    limits = protocol.limits
    basis = "mg/kg/day" if protocol.is_weight_based else "mg/day"
    shown = (daily / weight).to(basis) if protocol.is_weight_based else daily.to(basis)
    per_kg = (daily / weight).to("mg/kg/day")
    over: Value | None = None
    if _above(shown, limits.hard_max.quantity):
        over = limits.hard_max
    elif _above(daily, limits.absolute_hard_max.quantity.to("mg/day")):
        over = limits.absolute_hard_max
    elif limits.per_kg_hard_max is not None and _above(per_kg, limits.per_kg_hard_max.quantity):
        over = limits.per_kg_hard_max
    if over is None:
        return
    raise DoseLimitExceeded(
        f"'daily_dose' {format_quantity(daily, 'mg/day')} "
        f"({format_quantity(per_kg, 'mg/kg/day', 2)}) is above the hard maximum of "
        f"{format_quantity(over.quantity, over.unit)} ({over.status}, {over.source}): refused",
        field="daily_dose",
        value=f"{daily:~P}",
        limit=f"{over.value:g} {over.unit}",
    )


def check_dose_limits(
    protocol: Protocol,
    daily: Quantity,
    weight: Quantity,
    override_reason: str | None,
    *,
    renal_derived: bool = False,
    soft: bool = True,
) -> tuple[LimitStatus, list[Reason]]:
    """The limit status of ``daily`` (mg/day) for a patient of ``weight``, with its reasons.

    ``renal_derived`` marks a dose the protocol's renal rule produced: below the soft minimum it
    needs no override (the rule itself is the reason). With ``soft`` false only the hard limits
    are checked (a dose that is not the one given, such as the dose before a renal adjustment).

    Raises
    ------
    DoseLimitExceeded
        Above a hard maximum or below the hard minimum.
    OverrideRequired
        A soft limit is breached and ``override_reason`` is empty.
    """
    limits = protocol.limits
    per_kg = protocol.is_weight_based
    basis = "mg/kg/day" if per_kg else "mg/day"
    shown = (daily / weight).to(basis) if per_kg else daily.to(basis)

    def text(q: Quantity) -> str:
        return format_quantity(q, basis, 2)

    _refuse_above(protocol, daily, weight)
    if _below(shown, limits.hard_min.quantity):
        raise DoseLimitExceeded(
            f"'daily_dose' {text(shown)} is below the hard minimum of "
            f"{text(limits.hard_min.quantity)} ({limits.hard_min.status}, "
            f"{limits.hard_min.source}): refused",
            field="daily_dose",
            value=f"{daily:~P}",
            limit=f"{limits.hard_min.value:g} {limits.hard_min.unit}",
        )
    reasons = [
        create_reason(f"Hard minimum {text(limits.hard_min.quantity)}", limits.hard_min),
        create_reason(f"Hard maximum {text(limits.hard_max.quantity)}", limits.hard_max),
    ]
    if limits.per_kg_hard_max is not None and not per_kg:
        cap = limits.per_kg_hard_max
        reasons.append(
            create_reason(
                f"Hard maximum per kg {format_quantity(cap.quantity, cap.unit)} = "
                f"{format_quantity(cap.quantity * weight, 'mg/day')} at "
                f"{format_quantity(weight, 'kg', 1)}",
                cap,
            )
        )
    if not soft:
        return "within", reasons
    if limits.soft_max is not None and _above(shown, limits.soft_max.quantity):
        breached = ("above the soft maximum", limits.soft_max)
    elif limits.soft_min is not None and _below(shown, limits.soft_min.quantity):
        if renal_derived:
            reasons.append(
                create_reason(
                    f"{text(shown)} is below the soft minimum of "
                    f"{text(limits.soft_min.quantity)} by the protocol's own renal rule: no "
                    "override needed",
                    limits.soft_min,
                )
            )
            return "within", reasons
        breached = ("below the soft minimum", limits.soft_min)
    else:
        return "within", reasons
    words, limit = breached
    if not override_reason or not override_reason.strip():
        raise OverrideRequired(
            f"'override_reason' is required: {text(shown)} is {words} of "
            f"{text(limit.quantity)} ({limit.status})",
            field="override_reason",
            value=f"{daily:~P}",
            limit=f"{limit.value:g} {limit.unit}",
        )
    reasons.append(
        create_reason(
            f"{text(shown)} is {words} of {text(limit.quantity)}; override reason: "
            f"{override_reason.strip()}",
            limit,
        )
    )
    return "above_soft", reasons
