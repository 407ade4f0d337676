"""Clinician regimen text → dose list → NONMEM-style records.

A regimen is a ``;``-separated list of doses as a clinician writes them::

    100 mg sc                      100 mg sc q24h x 7            100 mg iv bolus
    200 mg iv over 1 h q6h x 8     100 mg/h civ for 72 h         2 mg/kg/h civ for 72 h at 12 h

Amounts are a mass (``mg``, ``g``, ``mcg``), a mass per kg (needs the weight), or for a continuous
infusion (``civ``) a rate (``mg/h``, ``mg/day``, ``mg/kg/h``). Modifiers: ``qNh`` (or ``every N h``)
repeats, ``x N`` gives the number of doses (without it the dose repeats to the end of the
simulation), ``for N h`` the infusion duration (or, with ``qNh``, the treatment length),
``over N h``
an intermittent infusion's duration, ``at N h`` the start. A text the parser does not understand is
refused with the token it stopped at.

Examples
--------
>>> regimen = parse_regimen("100 mg iv bolus; 2 mg/kg/h civ for 72 h", weight="70 kg")
>>> [(d.route, d.amount.to("mg").magnitude) for d in regimen.doses]
[('iv-bolus', 100.0), ('civ', 10080.0)]
>>> regimen.doses[1].rate.to("mg/h").magnitude
140.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from anakinra_iv.errors import AnakinraError, InvalidInput
from anakinra_iv.pk.dataset import Record
from anakinra_iv.pk.models import StructuralModel
from anakinra_iv.units import Q_, Quantity, magnitude_in, parse_quantity, read_number

__all__ = ["Regimen", "RegimenDose", "parse_regimen"]

_TOKEN = re.compile(r"\d[\d.,]*|[.,]\d[\d.,]*|[A-Za-zµμ]+(?:/[A-Za-zµμ]+)*|×|\S")


def _hours(unit_text: str | None) -> float | None:
    """Hours in one ``unit_text`` (h, min, days, weeks ...), read by the package's unit
    registry; None when it is not a time unit."""
    if unit_text is None:
        return None
    try:
        return magnitude_in(parse_quantity(f"1 {unit_text}", field="regimen", unit="h"), "h")
    except AnakinraError:
        return None


_SC_WORDS = ("sc", "subcut", "subcutaneous", "sq", "sub-q")
_ROUTES = ("sc", "iv-bolus", "iv-infusion", "civ")


@dataclass(frozen=True)
class RegimenDose:
    """One line of a regimen.

    ``amount`` is the mass per administration (for an infusion, what it delivers), ``rate`` the
    infusion rate (``None`` for a bolus or SC dose), ``count`` the number of administrations
    (``None``: repeated every ``interval`` to the end of the simulation).
    """

    route: str
    amount: Quantity
    start: Quantity
    rate: Quantity | None = None
    duration: Quantity | None = None
    interval: Quantity | None = None
    count: int | None = 1
    text: str = ""

    @property
    def is_iv(self) -> bool:
        """Given into the central compartment."""
        return self.route != "sc"


@dataclass(frozen=True)
class Regimen:
    """A parsed regimen: its doses in the order written."""

    doses: tuple[RegimenDose, ...]
    text: str = ""

    @property
    def is_iv_only(self) -> bool:
        """Every dose goes into the central compartment (no SC dose)."""
        return bool(self.doses) and all(d.is_iv for d in self.doses)

    def to_records(
        self,
        structure: StructuralModel,
        *,
        horizon_h: float | None = None,
        covariates: dict[str, float | None] | None = None,
        subject: str = "1",
    ) -> list[Record]:
        """NONMEM-style dose records for ``structure`` (SC into the depot, IV into the central).

        ``horizon_h`` realises open-ended repetitions and infusions (without ``x N`` or ``for``).
        """
        records: list[Record] = []
        for dose in self.doses:
            start = float(dose.start.to("h").magnitude)
            if dose.route == "sc":
                if structure.depot_cmt is None:
                    raise InvalidInput(
                        f"model '{structure.name}' has no absorption depot: '{dose.text}' (SC) "
                        "needs a model with absorption",
                        field="regimen",
                        value=dose.text,
                    )
                cmt = structure.depot_cmt
            else:
                cmt = structure.central_cmt
            amount = float(dose.amount.to("mg").magnitude)
            rate = 0.0 if dose.rate is None else float(dose.rate.to("mg/h").magnitude)
            if dose.route == "civ" and dose.duration is None:
                if horizon_h is None:
                    raise InvalidInput(
                        f"'{dose.text}': give the infusion duration ('for 72 h')", field="regimen"
                    )
                amount = rate * max(horizon_h - start, 0.0)
                if amount <= 0:
                    continue
            ii = 0.0 if dose.interval is None else float(dose.interval.to("h").magnitude)
            count = dose.count
            if count is None:
                if horizon_h is None:
                    raise InvalidInput(
                        f"'{dose.text}': give the number of doses ('x 7')", field="regimen"
                    )
                count = max(1, math.floor((horizon_h - start) / ii + 1e-9) + 1)
            records.append(
                Record(
                    id=subject,
                    time=start,
                    evid=1,
                    amt=amount,
                    cmt=cmt,
                    rate=rate,
                    ii=ii if count > 1 else 0.0,
                    addl=count - 1,
                    covariates=dict(covariates or {}),
                )
            )
        records.sort(key=lambda r: r.time)
        return records


class _Tokens:
    def __init__(self, item: str) -> None:
        self.item = item
        self.tokens = [t.lower() for t in _TOKEN.findall(item)]
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise self.error("the text ended early")
        self.position += 1
        return token

    def error(self, why: str) -> InvalidInput:
        token = self.peek()
        at = f"stopped at '{token}'" if token is not None else "stopped at the end"
        return InvalidInput(
            f"regimen: cannot read '{self.item.strip()}': {at} ({why})",
            field="regimen",
            value=token,
        )

    def number(self) -> float:
        token = self.peek()
        if token is None or not re.fullmatch(r"[\d.,]+", token):
            raise self.error("expected a number")
        value = read_number(token, field="regimen")
        self.position += 1
        return value

    def duration_h(self) -> float:
        value = self.number()
        hours = _hours(self.peek())
        if hours is None:
            raise self.error("expected a time unit such as h, min or days")
        self.position += 1
        return value * hours


def _amount(tokens: _Tokens, weight: Quantity | None) -> tuple[Quantity, bool]:
    """Read the amount; returns (quantity in mg or mg/h, is_rate)."""
    value = tokens.number()
    unit_text = tokens.peek()
    if unit_text is None or not re.fullmatch(r"[a-zµμ]+(?:/[a-zµμ]+)*", unit_text):
        raise tokens.error("expected a unit such as mg, mg/kg or mg/h")
    parts = unit_text.split("/")
    per_kg = len(parts) > 1 and parts[1] == "kg"
    mass_unit = {"mcg": "ug", "µg": "ug", "μg": "ug"}.get(parts[0], parts[0])
    time_part = (
        parts[2]
        if per_kg and len(parts) > 2
        else (parts[1] if not per_kg and len(parts) > 1 else None)
    )
    if (per_kg and len(parts) > 3) or (not per_kg and len(parts) > 2):
        raise tokens.error("unknown unit")
    try:
        mass = Q_(value, mass_unit).to("mg")
    except Exception:
        raise tokens.error("expected a mass unit such as mg") from None
    tokens.position += 1
    if per_kg:
        if weight is None:
            raise InvalidInput(
                f"regimen: '{tokens.item.strip()}' is per kg: give the weight", field="weight"
            )
        mass = mass * weight.to("kg").magnitude
    if time_part is None:
        return mass, False
    hours = _hours(time_part)
    if hours is None:
        tokens.position -= 1
        raise tokens.error("unknown time unit in the rate")
    return Q_(mass.magnitude / hours, "mg/h"), True


def _parse_item(item: str, weight: Quantity | None) -> RegimenDose:
    tokens = _Tokens(item)
    amount, is_rate = _amount(tokens, weight)
    route_word = tokens.peek()
    if route_word in _SC_WORDS:
        tokens.take()
        route = "sc"
    elif route_word == "civ":
        tokens.take()
        route = "civ"
    elif route_word == "iv":
        tokens.take()
        route = "civ" if is_rate else "iv-bolus"
        if tokens.peek() in ("bolus", "push") and not is_rate:
            tokens.take()
        elif tokens.peek() in ("infusion", "continuous"):
            tokens.take()
            route = "civ" if is_rate or tokens.peek() == "for" else "iv-infusion"
    else:
        raise tokens.error("expected a route: sc, iv bolus, iv over N h or civ")
    start = 0.0
    interval: float | None = None
    count: int | None = None
    duration: float | None = None
    over: float | None = None
    while tokens.peek() is not None:
        word = tokens.take()
        if word in ("q", "every"):
            interval = tokens.duration_h()
        elif word in ("x", "×"):
            number = tokens.number()
            if number < 1 or number != int(number):
                tokens.position -= 1
                raise tokens.error("the number of doses must be a whole number of 1 or more")
            count = int(number)
            if tokens.peek() in ("doses", "dose", "times"):
                tokens.take()
        elif word == "for":
            duration = tokens.duration_h()
        elif word == "over":
            over = tokens.duration_h()
        elif word == "at":
            start = tokens.duration_h()
        else:
            tokens.position -= 1
            raise tokens.error("expected q…h, x N, for N h, over N h or at N h")
    return _build(item, tokens, route, amount, is_rate, start, interval, count, duration, over)


def _build(
    item: str,
    tokens: _Tokens,
    route: str,
    amount: Quantity,
    is_rate: bool,
    start: float,
    interval: float | None,
    count: int | None,
    duration: float | None,
    over: float | None,
) -> RegimenDose:
    text = item.strip()

    def refuse(why: str) -> InvalidInput:
        return InvalidInput(f"regimen: cannot read '{text}': {why}", field="regimen", value=text)

    if route == "iv-bolus" and over is not None:
        route = "iv-infusion"
    if is_rate and route != "civ":
        raise refuse("a rate (mg/h) needs 'civ'")
    if count is not None and interval is None and count > 1:
        raise refuse("'x N' needs an interval such as q6h")
    if interval is not None and interval <= 0:
        raise refuse("the interval must be longer than 0 h")
    rate: Quantity | None = None
    infusion: float | None = None
    if route == "civ":
        infusion = duration if duration is not None else over
        if is_rate:
            rate = amount
            amount = Q_(rate.magnitude * (infusion or 0.0), "mg")
        else:
            if infusion is None:
                raise refuse("a continuous infusion of a mass needs 'over N h' or 'for N h'")
            rate = Q_(amount.magnitude / infusion, "mg/h")
        if interval is None and count is None:
            count = 1
    elif route == "iv-infusion":
        if over is None:
            raise refuse("an IV infusion needs 'over N h'")
        infusion = over
        rate = Q_(amount.magnitude / over, "mg/h")
    elif over is not None:
        raise refuse("'over' applies to IV infusions only")
    if route != "civ" and duration is not None:
        if interval is None:
            raise refuse("'for N h' needs an interval such as q24h")
        count = count or max(1, math.ceil(duration / interval - 1e-9))
    if interval is None:
        count = 1
    if infusion is not None and infusion <= 0:
        raise refuse("the infusion duration must be longer than 0 h")
    if amount.magnitude < 0 or (rate is not None and rate.magnitude <= 0):
        raise refuse("the dose must be greater than 0")
    if route != "civ" and amount.magnitude <= 0:
        raise refuse("the dose must be greater than 0")
    del tokens
    return RegimenDose(
        route=route,
        amount=amount,
        start=Q_(start, "h"),
        rate=rate,
        duration=None if infusion is None else Q_(infusion, "h"),
        interval=None if interval is None else Q_(interval, "h"),
        count=count,
        text=text,
    )


def parse_regimen(text: str, *, weight: Quantity | str | None = None) -> Regimen:
    """Parse clinician regimen text.

    Parameters
    ----------
    text
        ``;``-separated doses (see the module docstring).
    weight
        Body weight, needed for per-kg doses (``"70 kg"``).

    Raises
    ------
    InvalidInput
        The text is empty or not understood; the message quotes the dose and the token where
        reading stopped.
    """
    body_weight = None if weight is None else parse_quantity(weight, field="weight", unit="kg")
    items = [item for item in text.split(";") if item.strip()]
    if not items:
        raise InvalidInput("regimen: the text has no dose", field="regimen", value=text)
    doses = tuple(_parse_item(item, body_weight) for item in items)
    return Regimen(doses, text)
