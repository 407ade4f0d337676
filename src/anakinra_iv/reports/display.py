"""How numbers, quantities and times are shown: the one place pages, labels and reports format.

ISMP display rules: a leading zero (0.5, never .5), no trailing zero (5 mg, never 5.0 mg),
thousands separators (1,200), a space between number and unit, ``mL`` and ``mcg``. Dose rates and
pump rates are shown to 0.1 (mg/h and mL/h, the pumps' display precision); other units to the
number of decimals :data:`DECIMALS` gives. Rounding is half up on the decimal value, never on the
binary float (8.35 mL/h shows as 8.4 mL/h).

Times are stored in UTC and shown in the site's time zone, always with the date and the zone's
abbreviation: ``5 Jan 2026 09:00 CET``.

>>> show_quantity(66.66666666666667, "mg/h"), show_quantity(8.35, "mL/h")
('66.7 mg/h', '8.4 mL/h')
>>> show_quantity(1200, "mg/day"), show_quantity(0.5, "mg/mL"), show_quantity(None, "mg")
('1,200 mg/day', '0.5 mg/mL', '—')
>>> from datetime import UTC, datetime
>>> from zoneinfo import ZoneInfo
>>> show_time(datetime(2026, 1, 5, 8, 0, tzinfo=UTC), ZoneInfo("Europe/Paris"))
'5 Jan 2026 09:00 CET'
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from anakinra_iv.units import Quantity, magnitude_in

__all__ = [
    "DECIMALS",
    "MISSING",
    "show_amount",
    "show_date",
    "show_duration",
    "show_number",
    "show_quantity",
    "show_time",
    "show_value",
]

MISSING = "—"
"""What is shown for a value that is not there."""

DECIMALS: dict[str, int] = {
    "mg/h": 1,
    "mL/h": 1,
    "mg/kg/h": 3,
    "mg/day": 1,
    "mg/kg/day": 2,
    "mg": 1,
    "mg/mL": 2,
    "mL": 2,
    "mg/L": 2,
    "mL/min": 0,
    "kg": 1,
    "h": 1,
}
"""Display decimals per unit (trailing zeros are always dropped); 2 for any other unit."""

_UNIT_SPELLING = {"ml": "mL", "ug": "mcg", "1e9/L": "x 10^9/L", "degC": "°C", "Cel": "°C"}


def show_number(value: float, decimals: int = 2) -> str:
    """A number rounded half up, with thousands separators, a leading zero and no trailing zero.

    >>> show_number(2400), show_number(0.5), show_number(8.3333, 1), show_number(-0.001)
    ('2,400', '0.5', '8.3', '0')
    """
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(quantum, ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_PLURALS = {"year": "years", "day": "days", "week": "weeks", "syringe": "syringes"}


def show_quantity(value: float | None, unit: str, decimals: int | None = None) -> str:
    """A number with its unit, at the unit's display precision (:data:`MISSING` if None).

    >>> show_quantity(18, "year"), show_quantity(1, "day")
    ('18 years', '1 day')
    """
    if value is None:
        return MISSING
    places = DECIMALS.get(unit, 2) if decimals is None else decimals
    number = show_number(value, places)
    shown = _UNIT_SPELLING.get(unit, unit)
    if number != "1":
        shown = _PLURALS.get(shown, shown)
    return f"{number} {shown}".strip()


def show_amount(quantity: Quantity | None, unit: str, decimals: int | None = None) -> str:
    """A pint quantity in ``unit``, as :func:`show_quantity` shows it.

    >>> from anakinra_iv.units import Q_
    >>> show_amount(Q_(1600, "mg/day").to("mg/h"), "mg/h")
    '66.7 mg/h'
    """
    return show_quantity(None if quantity is None else magnitude_in(quantity, unit), unit, decimals)


def show_value(value: float | None, unit: str) -> str:
    """Like :func:`show_quantity`; a unit of ``1`` (a ratio) is not printed.

    >>> show_value(0.75, "1"), show_value(38, "degC")
    ('0.75', '38 °C')
    """
    return show_quantity(value, "" if unit == "1" else unit)


def show_time(moment: datetime | None, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """A moment in ``zone`` with its date and the zone's abbreviation."""
    if moment is None:
        return MISSING
    local = moment.astimezone(zone)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{local.day} {local:%b %Y} {local.strftime(clock)} {local.tzname() or ''}".strip()


def show_date(day: date | None) -> str:
    """A calendar date as people read it (``2 Mar 1971``).

    >>> show_date(date(1971, 3, 2))
    '2 Mar 1971'
    """
    return MISSING if day is None else f"{day.day} {day:%b %Y}"


def show_duration(span: timedelta | float | None) -> str:
    """A duration in days, hours and minutes (a float is hours).

    >>> show_duration(timedelta(minutes=135)), show_duration(50.5), show_duration(-1)
    ('2 h 15 min', '2 d 2 h', 'overdue 1 h')
    >>> show_duration(timedelta(seconds=-20))
    'now'
    """
    if span is None:
        return MISSING
    hours = span if isinstance(span, int | float) else span.total_seconds() / 3600
    minutes = round(abs(hours) * 60)
    if minutes == 0:
        return "now"
    prefix = "overdue " if hours < 0 else ""
    days, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    if days:
        return f"{prefix}{days} d {h} h".replace(" 0 h", "")
    if h:
        return f"{prefix}{h} h {m} min".replace(" 0 min", "")
    return f"{prefix}{m} min"
