"""A medical record number is one person: look-alikes are the same patient or refused.

The ward's patient is ``MRN-0001``. Characters that render as nothing (every
Default_Ignorable_Code_Point) are removed, so the number is the same patient (409). Characters
that would make a different-looking-but-equal or equal-looking-but-different number (a digit of
another script, a Cyrillic or Greek letter, a combining mark, a superscript that NFKC would
rewrite into another digit) are refused (422), never folded. Nothing is stored in either case,
so one person cannot get a second record and so a second open order.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from anakinra_iv.errors import InvalidInput
from anakinra_iv.records.tables import Patient
from anakinra_iv.workflow.patient_checks import (
    DEFAULT_IGNORABLE,
    is_default_ignorable,
    normalise_mrn,
)
from tests.web.conftest import Api

INVISIBLE = {
    "variation-selector-16": "\ufe0f",
    "variation-selector-15": "\ufe0e",
    "variation-selector-1": "\ufe00",
    "variation-selector-17": "\U000e0100",
    "combining-grapheme-joiner": "\u034f",
    "hangul-choseong-filler": "\u115f",
    "hangul-filler": "\u3164",
    "mongolian-fvs": "\u180b",
    "mongolian-fvs-4": "\u180f",
    "khmer-inherent-aq": "\u17b4",
    "khmer-inherent-aa": "\u17b5",
    "tag-letter": "\U000e0041",
}
"""The probe's invisible characters (all Default_Ignorable): the same patient."""

REFUSED = {
    "cyrillic-em": "\u041cRN-0001",
    "greek-nu": "MR\u039d-0001",
    "arabic-indic-digit": "MRN-000\u0661",
    "devanagari-digit": "MRN-000\u0967",
    "combining-acute": "MRN-0001\u0301",
    "superscript-one": "MRN-000\u00b9",
    "braille-blank": "MRN-0001\u2800",
    "musical-null-notehead": "MRN-0001\U0001d159",
    "roman-numeral": "MRN-000\u2160",
}
"""Look-alikes NFKC leaves different or rewrites into another number: refused."""


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Patient)) or 0)


def _patient(mrn: str) -> dict[str, object]:
    return {
        "mrn": mrn,
        "name": "Doe, Jane",
        "birth_date": "1971-03-02",
        "sex": "female",
        "weight": "70 kg",
    }


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_an_invisible_character_is_the_same_patient(api: Api, engine: Engine, char: str) -> None:
    """``MRN-0001`` with an invisible character appended or inside: 409 naming 'mrn'."""
    before = _count(engine)
    for typed in (f"MRN-0001{char}", f"MRN-{char}0001"):
        response = api.post("prescriber", "/api/patients", _patient(typed))
        assert response.status_code == 409, (typed, response.text)
        assert response.json()["field"] == "mrn"
    assert _count(engine) == before


@pytest.mark.parametrize("typed", REFUSED.values(), ids=REFUSED.keys())
def test_a_look_alike_that_is_another_number_is_refused(
    api: Api, engine: Engine, typed: str
) -> None:
    """A homoglyph, a foreign digit, a combining mark or a superscript: 422 naming 'mrn' and
    the character; nothing stored (before: 201 and a second record for the same person)."""
    before = _count(engine)
    response = api.post("prescriber", "/api/patients", _patient(typed))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == "mrn"
    assert "U+" in body["message"]
    assert _count(engine) == before


def test_a_superscript_is_not_rewritten_into_another_patient(api: Api, engine: Engine) -> None:
    """NFKC reads ``MRN-000¹`` as ``MRN-0001``: the ward's patient. It is refused rather than
    matched (or, for a new number, stored as a different one)."""
    response = api.post("prescriber", "/api/patients", _patient("MRN-770\u00b9"))
    assert response.status_code == 422 and "SUPERSCRIPT ONE" in response.json()["message"]
    assert _count(engine) == 1


def test_default_ignorable_table_matches_unicode_categories() -> None:
    """The hand-copied Default_Ignorable ranges hold the characters Python knows to be
    format controls (Cf) that render as nothing, and no letter, digit or visible mark."""
    for low, high in DEFAULT_IGNORABLE:
        for point in range(low, min(high, low + 256) + 1):
            category = unicodedata.category(chr(point))
            assert category[0] not in "NPSZ", hex(point)
    for char in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u061c"):
        assert is_default_ignorable(char)


_PLAIN = st.builds(
    lambda letters, digits: f"{letters}-{digits}",
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=5),
    st.text(alphabet="0123456789", min_size=1, max_size=8),
)
_IGNORABLE = st.sampled_from(
    [chr(p) for low, high in DEFAULT_IGNORABLE for p in range(low, min(high, low + 8) + 1)]
)
_WIDTH_FORMS = ("<wide>", "<narrow>")  # full-width ASCII is folded (the doctests show it)
_NON_ASCII_DIGITS = st.characters(categories=["Nd"]).filter(
    lambda c: not c.isascii() and not unicodedata.decomposition(c).startswith(_WIDTH_FORMS)
)
_NON_ASCII_LETTERS = st.characters(categories=["Lu", "Ll", "Lo", "Lt", "Lm"]).filter(
    lambda c: (
        not c.isascii()
        and not unicodedata.decomposition(c).startswith(_WIDTH_FORMS)
        and not is_default_ignorable(c)
    )  # the Hangul fillers render as nothing: removed
)
_MARKS = st.characters(categories=["Mn", "Mc", "Me"]).filter(lambda c: not is_default_ignorable(c))
_COMPATIBILITY = st.characters().filter(
    lambda c: (
        not c.isascii()
        and unicodedata.decomposition(c).startswith("<")
        and not unicodedata.decomposition(c).startswith(("<wide>", "<narrow>", "<noBreak>"))
        and not c.isspace()
        and not is_default_ignorable(c)
        and unicodedata.category(c) not in ("Pd", "Cf")
    )
)


@given(
    plain=_PLAIN,
    noise=st.lists(st.tuples(st.integers(0, 20), _IGNORABLE), min_size=1, max_size=4),
)
def test_any_invisible_noise_normalises_to_the_plain_number(
    plain: str, noise: list[tuple[int, str]]
) -> None:
    """Property: any Default_Ignorable characters anywhere leave the plain number."""
    typed = plain
    for position, char in noise:
        at = position % (len(typed) + 1)
        typed = typed[:at] + char + typed[at:]
    assert normalise_mrn(typed, case="upper") == plain


@given(
    plain=_PLAIN,
    position=st.integers(0, 20),
    intruder=st.one_of(_NON_ASCII_DIGITS, _NON_ASCII_LETTERS, _MARKS, _COMPATIBILITY),
    replace=st.booleans(),
)
def test_any_look_alike_character_is_refused_never_folded(
    plain: str, position: int, intruder: str, replace: bool
) -> None:
    """Property: a foreign digit, a letter outside ASCII, a combining mark or a compatibility
    character (superscript, circled, ligature, roman numeral...) inserted or substituted
    anywhere is refused naming 'mrn' and the code point; the number is never silently read as
    another."""
    at = position % len(plain)
    typed = plain[:at] + intruder + plain[at + (1 if replace else 0) :]
    with pytest.raises(InvalidInput) as refused:
        normalise_mrn(typed, case="upper")
    assert refused.value.field == "mrn"
    assert f"U+{ord(intruder):04X}" in str(refused.value)


@given(typed=st.text(max_size=30))
def test_every_accepted_number_is_printable_ascii_and_a_fixed_point(typed: str) -> None:
    """Property over any text: the normal form, when there is one, is printable ASCII without
    spaces, and normalising it again changes nothing."""
    try:
        normal = normalise_mrn(typed, case="upper")
    except InvalidInput:
        return
    assert normal.isascii() and (normal == "" or normal.isprintable())
    assert " " not in normal
    assert normalise_mrn(normal, case="upper") == normal
