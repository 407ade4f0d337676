"""The package's single pint unit registry and the conversions done at the edges.

Doses, volumes, rates and weights cross module boundaries as :class:`pint.Quantity` values made by
this registry, never as bare floats. Text from a person or a file is parsed once, here, with
:func:`parse_quantity`, which names the field in every error. Laboratory units written in UCUM
(``Cel``, ``10*9/L``, ``[lb_av]``) go through :func:`ucum_to_pint` first.

Every number a person types is read by one function, :func:`read_number`. A decimal comma
(``"7,5"``) is refused, never read as a thousands separator (that would make 7.5 kg into 75 kg)
nor guessed as a decimal mark; a comma is accepted only as a complete thousands grouping
(``"1,200"`` is 1200). A space inside a number (``"1 200 mg"``) is refused as well, so that it is
never read as a product.

Canonical units inside the package: mass mg, volume mL, time h, body weight kg, dose rate mg/h,
volume rate mL/h, concentration mg/mL, creatinine clearance mL/min.

Examples
--------
>>> round(parse_quantity("154 lb", field="weight", unit="kg").magnitude, 3)
69.853
>>> creatinine = parse_quantity(
...     "106 umol/L", field="creatinine", unit="mg/dL", molar_mass=CREATININE_MOLAR_MASS
... )
>>> round(creatinine.magnitude, 3)
1.199
"""

from __future__ import annotations

import functools
import math
import os
import pickle
import re
from typing import Any, TypeAlias

import pint

from anakinra_iv.errors import InvalidInput, UnitMismatch

__all__ = [
    "CREATININE_MOLAR_MASS",
    "Q_",
    "SODIUM_CHLORIDE_MOLAR_MASS",
    "UNIT_CACHE_SETTING",
    "Quantity",
    "create_quantity",
    "create_registry",
    "format_quantity",
    "magnitude_in",
    "parse_quantity",
    "read_number",
    "ucum_to_pint",
    "ureg",
]

UNIT_CACHE_SETTING = "ANAKINRA_UNIT_CACHE"
"""Environment variable: the folder of pint's parsed-definitions cache (default: pint's folder in
the user's cache directory); ``off`` reads pint's definition file afresh in every process."""


def create_registry() -> pint.UnitRegistry[Any]:
    """A unit registry, built from pint's cache of its parsed definitions when it can be.

    Parsing pint's definition file is most of a short command's start-up; the cache (pickles keyed
    by the file's content) cuts it to a fraction. An unreadable, unwritable or half-written cache
    is not an error: the definitions are then parsed as without one.
    """
    folder = os.environ.get(UNIT_CACHE_SETTING, ":auto:").strip() or ":auto:"
    if folder.lower() != "off":
        try:
            return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=folder)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            pass
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


ureg: pint.UnitRegistry[Any] = create_registry()
"""The one registry. Quantities from another registry cannot be mixed with these."""

ureg.define("cells = [cell_count]")
# Unit text repeats endlessly ("mg/h", "mg/day"): parse each spelling once. UnitsContainer
# results are immutable, so sharing them is safe.
ureg.parse_units_as_container = functools.lru_cache(maxsize=1024)(  # type: ignore[method-assign]
    ureg.parse_units_as_container
)
Q_ = ureg.Quantity
Quantity: TypeAlias = pint.Quantity[Any]

CREATININE_MOLAR_MASS = Q_(113.12, "g/mol")
"""Molar mass of creatinine (C4H7N3O), so 1 mg/dL = 88.4 umol/L. A chemical constant."""

SODIUM_CHLORIDE_MOLAR_MASS = Q_(58.44, "g/mol")
"""Molar mass of sodium chloride (NaCl): 9 g/L is 154 mmol/L of sodium. A chemical constant."""

# UCUM codes that pint does not read as they are, mapped to pint expressions. Counts of cells are
# written in UCUM as powers of ten per volume ("10*9/L"); pint reads them as plain numbers per
# volume, which is what they are.
_UCUM_TO_PINT: dict[str, str] = {
    "Cel": "degC",
    "[degF]": "degF",
    "[lb_av]": "lb",
    "[oz_av]": "oz",
    "[in_i]": "inch",
    "10*9/L": "1e9 / L",
    "10*3/uL": "1e3 / uL",
    "10*6/uL": "1e6 / uL",
    "10*12/L": "1e12 / L",
    "/mm3": "1 / mm**3",
    "/uL": "1 / uL",
    "/L": "1 / L",
    "U/L": "U / L",
    "mL/min": "mL / min",
    "mL/min/{1.73_m2}": "mL / min",
    "{cells}/uL": "1 / uL",
    "g/dL": "g / dL",
    "mg/dL": "mg / dL",
    "ng/mL": "ng / mL",
    "ug/L": "ug / L",
    "ug/mL": "ug / mL",
    "mg/L": "mg / L",
    "mmol/L": "mmol / L",
    "umol/L": "umol / L",
    "pg/mL": "pg / mL",
    "kg": "kg",
    "g": "g",
    "mg": "mg",
    "mL": "mL",
    "L": "L",
    "h": "h",
    "min": "min",
    "d": "day",
    "a": "year",
    "%": "percent",
}

# Spellings a clinician types that pint reads otherwise or not at all.
_ALIASES: dict[str, str] = {
    "cc": "mL",
    "ml": "mL",
    "mls": "mL",
    "mcg": "ug",
    "µg": "ug",
    "μg": "ug",
    "µmol": "umol",
    "μmol": "umol",
    "lbs": "lb",
    "hr": "h",
    "hrs": "h",
    "hours": "h",
    "wk": "week",
    "°C": "degC",
    "°F": "degF",
}

_NUMBER_TOKEN = re.compile(r"^(?:\d[\d.,]*|[.,]\d[\d.,]*)")
_PLAIN_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_PLAIN_DECIMAL = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED_NUMBER = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")

# The words a unit may be built from: every spelling a clinician or a laboratory system writes
# for the units the package reads. A unit is one of these words, or several joined by "/" (or a
# product sign between two words); nothing else: no number, no operator, no parenthesis.
_UNIT_WORDS: frozenset[str] = frozenset(
    " ".join(
        (
            # mass
            "kg g mg ug mcg µg μg ng pg lb lbs oz [lb_av] [oz_av]",
            # volume
            "L l dL dl mL ml mls cc uL ul µL μL nL fL",
            # length and area
            "m cm mm in inch [in_i] ft m2 m² mm3 mm³",
            # time
            "s sec min h hr hrs hour hours d day days wk week weeks mo month months",
            "a y yr yrs year years",
            # amount of substance, catalytic and enzyme activity
            "mol mmol umol µmol μmol nmol pmol U kU mU IU kat ukat µkat μkat",
            # temperature and fractions
            "degC degF °C °F Cel [degF] % percent",
        )
    ).split()
)
_UNIT_WORD = r"(?:\[[A-Za-z_]+\]|[A-Za-zµμ°%]+[²³23]?)"
_UNIT_EXPRESSION = re.compile(
    rf"^(?:/\s*)?{_UNIT_WORD}(?:\s*(?:/|\*|·)\s*{_UNIT_WORD})*(?:\s*\{{[^{{}}]*\}})?$"
)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_COUNT_VOLUMES: dict[str, str] = {
    "L": "L",
    "l": "L",
    "dL": "dL",
    "mL": "mL",
    "ml": "mL",
    "uL": "uL",
    "ul": "uL",
    "µL": "uL",
    "μL": "uL",
    "nL": "nL",
    "mm3": "mm**3",
    "mm³": "mm**3",
}
_COUNT_POWER = re.compile(
    r"^(?:[x×X*]\s*)?10(?:\s*(?:\^|\*\*?)\s*(?P<power>\d{1,2})|(?P<superscript>[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2}))"
    r"\s*/\s*(?P<volume>[A-Za-zµμ]+[3³]?)$"
)
# Counts written with an SI prefix for the number of cells (G/L is 10^9/L, K/uL is 10^3/uL).
_COUNT_PREFIXED = re.compile(r"^(?P<prefix>[kKGT])\s*/\s*(?P<volume>[A-Za-zµμ]+[3³]?)$")
_COUNT_PREFIX_POWER = {"k": 3, "K": 3, "G": 9, "T": 12}
_COUNT_WORDS = re.compile(r"^(?:\{?cells\}?)\s*/\s*(?P<volume>[A-Za-zµμ]+[3³]?)$")


def read_number(text: str, *, field: str) -> float:
    """Read a number a person typed: the one reader of numbers from text in the package.

    A decimal point is the decimal mark. A comma is accepted only as a thousands separator in
    complete groups of three digits (``"1,200"``, ``"12,000.5"``); any other comma (``"7,5"``,
    ``"1,2"``, ``"2,50"``, ``"1,2000"``) is refused with a message that names the field and asks
    for a decimal point: reading it either way could be a tenfold error. Underscores, spaces
    inside the number, non-ASCII digits, ``nan`` and ``inf`` are refused too.

    >>> read_number("7.5", field="weight"), read_number("1,200", field="dose")
    (7.5, 1200.0)
    >>> read_number("7,5", field="weight")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    anakinra_iv.errors.InvalidInput: 'weight' = '7,5': use a decimal point, not a decimal comma...
    """
    shown = text.strip()
    if _PLAIN_NUMBER.match(shown):
        value = float(shown)
    elif _GROUPED_NUMBER.match(shown):
        value = float(shown.replace(",", ""))
    elif "," in shown:
        suggestion = shown.replace(",", ".") if shown.count(",") == 1 else ""
        if suggestion.startswith((".", "-.", "+.")):
            suggestion = suggestion.replace(".", "0.", 1)
        hint = f" ({suggestion})" if suggestion and "." not in shown else ""
        raise InvalidInput(
            f"'{field}' = '{shown}': use a decimal point, not a decimal comma{hint}; a comma is "
            "read only between groups of three digits (1,200)",
            field=field,
            value=text,
        )
    else:
        raise InvalidInput(
            f"'{field}' must be a number written with digits and a decimal point (got '{shown}')",
            field=field,
            value=text,
        )
    if not math.isfinite(value):
        raise InvalidInput(f"'{field}' must be a finite number (got '{shown}')", field=field)
    return value


def ucum_to_pint(code: str) -> str:
    """Translate a UCUM unit code into a pint unit expression.

    Codes pint understands as they are (``mg``, ``g/L``) pass through unchanged.

    >>> ucum_to_pint("Cel"), ucum_to_pint("10*9/L"), ucum_to_pint("10*6/mL")
    ('degC', '1e9 / L', '1e6 / mL')
    """
    code = code.strip()
    if code in _UCUM_TO_PINT:
        return _UCUM_TO_PINT[code]
    count = _read_count_unit(code)
    if count is not None:
        return count
    # strip UCUM annotations such as {FEU} or {DDU}: they name the assay, not the unit
    text = re.sub(r"\{[^}]*\}", "", code).replace("[", "").replace("]", "") or code
    # UCUM powers of ten: 10*9/uL is 1e9 per microlitre (pint would read 10*9 as 90)
    return re.sub(r"(?<![\d.])10[*^]([-+]?\d+)", r"1e\1", text)


def _normalise_unit_text(text: str) -> str:
    text = ucum_to_pint(text)
    if text.startswith("/"):  # a count per volume written without its 1 ("/nL")
        text = f"1 {text}"
    parts = re.split(r"(\s*/\s*|\s*\*\s*|\s+)", text)
    return "".join(_ALIASES.get(p, p) for p in parts)


def _parse_unit(unit_text: str, *, field: str) -> tuple[float, Any]:
    """Read a unit that may carry a scale factor (``1e9 / L``): return (factor, unit)."""
    try:
        return _parse_unit_cached(unit_text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError) as e:
        raise UnitMismatch(
            f"'{field}': unknown unit '{unit_text}'", field=field, value=unit_text
        ) from e
    except Exception as e:  # pint raises assorted errors on odd text
        raise UnitMismatch(
            f"'{field}': cannot read unit '{unit_text}'", field=field, value=unit_text
        ) from e


@functools.lru_cache(maxsize=512)
def _parse_unit_cached(unit_text: str) -> tuple[float, Any]:
    """Parsing is the slow part of reading a quantity; units repeat, so each is parsed once."""
    expression = ureg.parse_expression(_normalise_unit_text(unit_text))
    if not isinstance(expression, pint.Quantity):
        raise ValueError(unit_text)
    return float(expression.magnitude), expression.units


def parse_quantity(
    value: str | Quantity,
    *,
    field: str,
    unit: str,
    molar_mass: Quantity | None = None,
    positive: bool = True,
) -> Quantity:
    """Read ``value`` (text such as ``"70 kg"``, or a quantity) and return it in ``unit``.

    Parameters
    ----------
    value
        Text with a number and a unit, or a quantity of this registry. A number without a unit is
        refused: the unit is never guessed.
    field
        The input's name, used in every error message.
    unit
        The canonical unit to convert to; it also fixes the dimension expected. A unit with a
        scale factor (``1e9 / L``) converts to its plain unit (``1 / L``): read the number in the
        scaled unit with :func:`magnitude_in`.
    molar_mass
        Lets a substance concentration (``umol/L``) convert to a mass concentration (``mg/dL``).
    positive
        Refuse zero and negative values (the default).

    Raises
    ------
    InvalidInput
        No number, no unit, not finite, or not positive.
    UnitMismatch
        An unknown unit, or one that cannot be converted to ``unit``.
    """
    _, target = _parse_unit(unit, field=field)
    if isinstance(value, pint.Quantity):
        quantity = value
        shown = f"{value:~P}"
    else:
        shown = str(value).strip()
        number, factor, parsed_unit = _read_quantity_text(shown, field=field, unit=unit)
        quantity = Q_(number * factor if factor != 1 else number, parsed_unit)
    if not math.isfinite(float(quantity.magnitude)):
        raise InvalidInput(f"'{field}' must be a finite number (got '{shown}')", field=field)
    try:
        if molar_mass is not None and quantity.dimensionality != target.dimensionality:
            with ureg.context("chemistry", mw=molar_mass):
                converted = quantity.to(target)
        else:
            converted = quantity.to(target)
    except (pint.errors.DimensionalityError, ZeroDivisionError) as e:
        # pint's chemistry context divides by zero when asked to turn, say, kg into mg/dL
        raise UnitMismatch(
            f"'{field}' must be in a unit convertible to {unit} (got '{shown}')",
            field=field,
            value=value,
            limit=unit,
        ) from e
    if positive and float(converted.magnitude) <= 0:
        raise InvalidInput(
            f"'{field}' must be greater than 0 (got '{shown}')", field=field, value=value, limit=0
        )
    return converted


def _read_quantity_text(shown: str, *, field: str, unit: str) -> tuple[float, float, Any]:
    """Split text a person typed into (number, scale factor, unit), or refuse it naming the field.

    The text is one non-negative decimal number, optional spaces, then a unit expression built
    from :data:`_UNIT_WORDS` (or a count per volume, :func:`_read_count_unit`). Nothing is ever
    evaluated as arithmetic: a second number, a number after the unit, an operator, a
    parenthesis or an exponent is refused, so the reader returns the number the person wrote or
    nothing.
    """
    if not shown:
        raise InvalidInput(f"'{field}' is missing", field=field, value=shown)
    if shown[0] in "-+−":
        what = "cannot carry a sign" if shown[0] == "+" else "cannot be negative"
        raise InvalidInput(
            f"'{field}' {what}: write the number alone, such as '{_example(unit)}' (got '{shown}')",
            field=field,
            value=shown,
        )
    match = _NUMBER_TOKEN.match(shown)
    if match is None:
        raise InvalidInput(
            f"'{field}' must be a number with a unit such as '{_example(unit)}' (got '{shown}')",
            field=field,
            value=shown,
        )
    number_text, rest = match.group(0), shown[match.end() :]
    number = read_number(number_text, field=field)
    if re.match(r"[eE][-+]?\d", rest):
        raise InvalidInput(
            f"'{field}' = '{shown}': write the number in full, without an exponent "
            f"(such as '{_example(unit)}')",
            field=field,
            value=shown,
        )
    unit_text = rest.strip()
    if not unit_text:
        raise UnitMismatch(
            f"'{field}' needs a unit, for example '{_example(unit)}' (got '{shown}')",
            field=field,
            value=shown,
        )
    count = _read_count_unit(unit_text)
    if count is not None:
        factor, parsed_unit = _parse_unit(count, field=field)
        return number, factor, parsed_unit
    if unit_text[0].isdigit():
        raise InvalidInput(
            f"'{field}' = '{shown}': a space inside a number is ambiguous; write the number "
            "without spaces (1200), with a comma between groups of three digits (1,200)",
            field=field,
            value=shown,
        )
    if unit_text not in _UCUM_TO_PINT and _UNIT_EXPRESSION.match(unit_text) is None:
        raise InvalidInput(
            f"'{field}' = '{shown}': write one number and then its unit, such as "
            f"'{_example(unit)}'; '{unit_text}' is not a unit (no second number, operator or "
            "parenthesis)",
            field=field,
            value=shown,
        )
    if unit_text not in _UCUM_TO_PINT and not _is_unit_expression(unit_text):
        raise UnitMismatch(
            f"'{field}': unknown unit '{unit_text}' (write a unit such as '{_example(unit)}')",
            field=field,
            value=shown,
        )
    factor, parsed_unit = _parse_unit(unit_text, field=field)
    return number, factor, parsed_unit


def _is_unit_expression(text: str) -> bool:
    """True when ``text`` is a plain unit: words of :data:`_UNIT_WORDS` joined by '/' or a
    product sign, with an optional UCUM annotation (``{FEU}``) at the end."""
    if _UNIT_EXPRESSION.match(text) is None:
        return False
    bare = re.sub(r"\{[^{}]*\}", "", text)
    words = [w for w in re.split(r"\s*(?:/|\*|·)\s*", bare.strip()) if w]
    return bool(words) and all(w in _UNIT_WORDS or w in _ALIASES for w in words)


def _read_count_unit(text: str) -> str | None:
    """The canonical pint spelling of a count per volume, or None when ``text`` is not one.

    Every spelling of ten to the ninth per litre reads the same: ``10*9/L`` (UCUM), ``10^9/L``,
    ``x10^9/L``, ``×10⁹/L``, ``10⁹/L`` and ``G/L`` are all ``1e9 / L``; ``K/uL`` and ``10^3/uL``
    are ``1e3 / uL``. A power of ten is read as a power, never as a product or a second number.

    >>> _read_count_unit("×10⁹/L"), _read_count_unit("G/L"), _read_count_unit("x 10^3/µL")
    ('1e9 / L', '1e9 / L', '1e3 / uL')
    >>> _read_count_unit("mg/dL") is None
    True
    """
    power: int | None = None
    volume: str | None = None
    if (found := _COUNT_POWER.match(text)) is not None:
        digits = found.group("power") or found.group("superscript").translate(_SUPERSCRIPTS)
        power, volume = int(digits), found.group("volume")
    elif (found := _COUNT_PREFIXED.match(text)) is not None:
        power, volume = _COUNT_PREFIX_POWER[found.group("prefix")], found.group("volume")
    elif (found := _COUNT_WORDS.match(text)) is not None:
        power, volume = 0, found.group("volume")
    if power is None or volume not in _COUNT_VOLUMES:
        return None
    per = _COUNT_VOLUMES[volume]
    return f"1e{power} / {per}" if power else f"1 / {per}"


def create_quantity(value: float, unit: str) -> Quantity:
    """A quantity of ``value`` in ``unit``; the unit may carry a scale factor (``1e9 / L``).

    >>> magnitude_in(create_quantity(1.0, "1e9/L"), "1e3/uL")
    1.0
    """
    factor, parsed = _parse_unit(unit, field="unit")
    return Q_(value * factor if factor != 1 else value, parsed)


def magnitude_in(quantity: Quantity, unit: str) -> float:
    """The number a quantity has in ``unit``, for private numeric kernels and for display.

    ``unit`` may carry a scale factor, as cell counts do (``1e9 / L``).
    """
    factor, target = _parse_unit(unit, field="unit")
    return float(quantity.to(target).magnitude) / factor


def format_quantity(quantity: Quantity, unit: str, decimals: int = 2) -> str:
    """Format a quantity following ISMP display rules.

    Leading zero, no trailing zero, thousands separators, a space before the unit, ``mL`` and
    ``mcg``.

    >>> format_quantity(Q_(1200.0, "mg"), "mg")
    '1,200 mg'
    >>> format_quantity(Q_(0.5, "mg/mL"), "mg/mL")
    '0.5 mg/mL'
    >>> format_quantity(Q_(50.0, "mL/h"), "mL/h", 1)
    '50 mL/h'
    """
    number = round(magnitude_in(quantity, unit), decimals)
    text = f"{number:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    shown_unit = unit.replace("ug", "mcg").replace("ml", "mL")
    return f"{text} {shown_unit}"


def _example(unit: str) -> str:
    examples = {"kg": "70 kg", "mg/dL": "1.0 mg/dL", "mg": "1200 mg", "mg/day": "1200 mg/day"}
    return examples.get(unit, f"1 {unit}")
