"""Scannable codes of what is printed: the bag label and the patient's wristband.

A code is a kind letter (``B`` a bag, ``P`` a patient), the identifier (a bag's record number,
a patient's medical record number) and two check characters::

    B12 + check -> "B12" + two characters from 0-9 A-Z

The check is a pure system in the manner of ISO/IEC 7064 over the 95 printable ASCII
characters, with the prime modulus 97 and the weights 5**k (5 is a primitive root of 97, of
order 96). Every character of the code, the check characters included, is weighted, and the
weighted sum of a valid code is 0 modulo 97. Because 97 is prime and larger than the alphabet,
and the weights of two positions differ while the code has at most 96 characters:

* any single character changed into another printable character changes the sum by
  (a - b) * 5**i, which is not 0 modulo 97: detected;
* any two different characters swapped (neighbours or not) change it by
  (a - b) * (5**i - 5**j), not 0 modulo 97: detected.

The two check characters are chosen from 0-9 and A-Z so that a scanner in keyboard mode types
them on any layout; every residue modulo 97 is reachable with them.

>>> code = create_bag_code(12)
>>> code
'B125B'
>>> read_code(code)
ScannedCode(kind='bag', value='12', text='B125B')
>>> is_valid_code("B215B"), is_valid_code("B12B5")
(False, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from anakinra_iv.errors import InvalidInput

__all__ = [
    "CHECK_CHARACTERS",
    "MAX_CODE_LENGTH",
    "CodeKind",
    "ScannedCode",
    "calculate_check",
    "create_bag_code",
    "create_wristband_code",
    "is_valid_code",
    "read_code",
    "strip_scanner_wrapping",
    "to_gs1_element_string",
]

CodeKind = Literal["bag", "wristband"]

_MODULUS: Final = 97
_RADIX: Final = 5
_FIRST: Final = 0x20
_LAST: Final = 0x7E
CHECK_CHARACTERS: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""The characters a check is written with."""
MAX_CODE_LENGTH: Final = _MODULUS - 1
"""The longest code whose every transposition is detected (the order of the weights)."""

_PREFIX: Final[dict[CodeKind, str]] = {"bag": "B", "wristband": "P"}
_GS1_INTERNAL_AI: Final = "91"
"""GS1 application identifier 91: company internal information (a hospital's own bag number)."""


def _value(character: str) -> int:
    code = ord(character)
    if not _FIRST <= code <= _LAST:
        raise InvalidInput(
            f"'code' holds {character!r}, which a barcode scanner cannot type: only printable "
            "ASCII characters are encoded",
            field="code",
            value=character,
        )
    return code - _FIRST


def _weighted_sum(text: str, start: int = 0) -> int:
    total = 0
    weight = pow(_RADIX, start, _MODULUS)
    for character in text:
        total = (total + _value(character) * weight) % _MODULUS
        weight = weight * _RADIX % _MODULUS
    return total


def _pairs() -> dict[int, str]:
    """Residue r -> the two check characters (x, y) with x + 5 y = r (mod 97), first found."""
    found: dict[int, str] = {}
    for y in CHECK_CHARACTERS:
        for x in CHECK_CHARACTERS:
            found.setdefault((_value(x) + _value(y) * _RADIX) % _MODULUS, x + y)
    return found


_CHECK_PAIRS: Final = _pairs()


def calculate_check(payload: str) -> str:
    """The two check characters that make ``payload`` + check sum to 0 modulo 97.

    >>> calculate_check("B12")
    '5B'
    """
    if len(payload) + 2 > MAX_CODE_LENGTH:
        raise InvalidInput(
            f"'code' would be longer than {MAX_CODE_LENGTH} characters (got {len(payload) + 2})",
            field="code",
            value=payload,
        )
    n = len(payload)
    # x * 5**n + y * 5**(n+1) = 5**n (x + 5 y) must equal -S: x + 5 y = -S / 5**n.
    inverse = pow(pow(_RADIX, n, _MODULUS), -1, _MODULUS)
    wanted = (-_weighted_sum(payload)) * inverse % _MODULUS
    return _CHECK_PAIRS[wanted]


def is_valid_code(text: str) -> bool:
    """True when ``text`` is printable ASCII, at most 96 characters, and its check holds."""
    if not 3 <= len(text) <= MAX_CODE_LENGTH:
        return False
    if any(not _FIRST <= ord(c) <= _LAST for c in text):
        return False
    return _weighted_sum(text) == 0 and all(c in CHECK_CHARACTERS for c in text[-2:])


def _create(kind: CodeKind, identifier: str) -> str:
    payload = _PREFIX[kind] + identifier
    return payload + calculate_check(payload)


def create_bag_code(bag_id: int) -> str:
    """The code printed on the label of bag ``bag_id``."""
    if bag_id < 1:
        raise InvalidInput(f"'bag_id' must be positive (got {bag_id})", field="bag_id")
    return _create("bag", str(bag_id))


def create_wristband_code(mrn: str) -> str:
    """The code printed on the wristband of the patient with medical record number ``mrn``."""
    if not mrn or mrn != mrn.strip():
        raise InvalidInput(
            f"'mrn' {mrn!r} is empty or starts or ends with a space: no wristband code",
            field="mrn",
            value=mrn,
        )
    return _create("wristband", mrn)


def to_gs1_element_string(code: str) -> str:
    """The GS1 element string of a bag code: AI (91), company internal information.

    >>> to_gs1_element_string("B125B")
    '(91)B125B'
    """
    return f"({_GS1_INTERNAL_AI}){code}"


_SYMBOLOGY_IDENTIFIERS: Final = ("]d1", "]d2", "]C0", "]C1", "]Q1", "]Q3")
_GROUP_SEPARATOR: Final = "\x1d"


def strip_scanner_wrapping(text: str) -> str:
    """What a scanner typed, without what it adds around the code: surrounding white space, a
    symbology identifier (``]d2``), an FNC1 group separator and the GS1 application identifier
    91 of a bag, written plain or in brackets.

    >>> strip_scanner_wrapping("]d291B125B\\n"), strip_scanner_wrapping("(91)B125B")
    ('B125B', 'B125B')
    >>> strip_scanner_wrapping("P91-000")
    'P91-000'
    """
    text = text.strip().replace(_GROUP_SEPARATOR, "").replace("<GS>", "")
    for identifier in _SYMBOLOGY_IDENTIFIERS:
        if text.startswith(identifier):
            text = text[len(identifier) :]
            break
    for prefix in (f"({_GS1_INTERNAL_AI})", _GS1_INTERNAL_AI):
        rest = text[len(prefix) :]
        if text.startswith(prefix) and rest[:1] == _PREFIX["bag"]:
            return rest
    return text


@dataclass(frozen=True)
class ScannedCode:
    """A code read and checked: its kind, the identifier it carries, and the code itself."""

    kind: CodeKind
    value: str
    text: str


def read_code(typed: str, *, field: str = "code") -> ScannedCode:
    """The code a scanner (or a person) typed, checked; a code that does not check is refused
    with a message naming ``field``."""
    text = strip_scanner_wrapping(typed)
    if not text:
        raise InvalidInput(f"'{field}' is empty: scan the code", field=field)
    if not is_valid_code(text):
        raise InvalidInput(
            f"'{field}' {text} does not check: misread, mistyped or not a code of this system",
            field=field,
            value=text,
        )
    for kind, prefix in _PREFIX.items():
        if text.startswith(prefix):
            return ScannedCode(kind, text[len(prefix) : -2], text)
    raise InvalidInput(
        f"'{field}' {text} is neither a bag label nor a wristband code", field=field, value=text
    )
