"""How protocol values are printed: number and unit, with the footnote giving status and source."""

from __future__ import annotations

from anakinra_iv.protocol import Protocol, Provenance, Value
from anakinra_iv.reports.document import Cell, FootnoteBook

__all__ = ["cite", "get_value_map", "show_number", "show_value", "value_cell"]

_UNITS = {
    "1": "",
    "1e9/L": "x 10^9/L",
    "degC": "°C",
    "year": "years",
    "day": "days",
}


def show_number(number: float, decimals: int = 3) -> str:
    """A number with thousands separators, a leading zero and no trailing zero.

    >>> show_number(2400), show_number(0.5), show_number(8.3333, 1)
    ('2,400', '0.5', '8.3')
    """
    text = f"{round(number, decimals):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def show_value(value: Value) -> str:
    """A protocol value as printed (``'2,400 mg/day'``, ``'0.75'``, ``'1 x 10^9/L'``).

    >>> show_value(Value(value=1.0, unit="1e9/L", status="precedent", source="x"))
    '1 x 10^9/L'
    """
    unit = _UNITS.get(value.unit, value.unit)
    return f"{show_number(value.value)} {unit}".strip()


def get_value_map(protocol: Protocol) -> dict[int, str]:
    """``id()`` of every value object of ``protocol`` -> its path (``regimen.ladder[2]``)."""
    return {id(provenance): path for path, provenance in protocol.iter_values()}


def cite(book: FootnoteBook, paths: dict[int, str], item: Provenance) -> int:
    """Cite ``item`` (a value or rule of the protocol) in ``book``; the label is its path."""
    label = paths.get(id(item), type(item).__name__)
    return book.cite(label, item.status, item.source, item.note)


def value_cell(book: FootnoteBook, paths: dict[int, str], value: Value | None) -> Cell:
    """A table cell showing ``value`` with its footnote (``-`` when absent)."""
    if value is None:
        return Cell("-")
    return Cell(show_value(value), (cite(book, paths, value),))
