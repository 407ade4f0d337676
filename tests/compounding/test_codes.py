"""Codes of the bag label and the wristband: the check value catches every single-character
error and every transposition, and every code survives printing and scanning."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from tests.strategies import bag_ids, medical_record_numbers, printable_ascii

from anakinra_iv.compounding.codes import (
    MAX_CODE_LENGTH,
    calculate_check,
    create_bag_code,
    create_wristband_code,
    is_valid_code,
    read_code,
    strip_scanner_wrapping,
)
from anakinra_iv.errors import InvalidInput
from anakinra_iv.reports.barcode_image import SYMBOLOGIES, create_code_png

codes = st.one_of(bag_ids.map(create_bag_code), medical_record_numbers.map(create_wristband_code))


def test_the_check_of_a_small_code_by_hand() -> None:
    """B12 + check: values (ord - 32) B=34, 1=17, 2=18; the check 5B adds 5=21, B=34; weights
    5**k mod 97 = 1, 5, 25, 28, 43; 34 + 85 + 450 + 588 + 1462 = 2619 = 27 * 97 (hand
    calculation), so the weighted sum is 0 modulo 97."""
    assert calculate_check("B12") == "5B"
    assert create_bag_code(12) == "B125B"
    assert is_valid_code("B125B")


@given(codes, st.data())
def test_any_single_character_change_is_detected(code: str, data: st.DataObject) -> None:
    """Changing any one character (check characters included) into any other printable
    character leaves a code that does not check."""
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    other = data.draw(printable_ascii.filter(lambda c: c != code[position]))
    changed = code[:position] + other + code[position + 1 :]
    assert not is_valid_code(changed)
    with pytest.raises(InvalidInput, match="does not check|neither"):
        read_code(changed)


@given(codes, st.data())
def test_any_transposition_is_detected(code: str, data: st.DataObject) -> None:
    """Swapping any two different characters, neighbours or not, leaves a code that does not
    check."""
    i = data.draw(st.integers(min_value=0, max_value=len(code) - 2))
    j = data.draw(st.integers(min_value=i + 1, max_value=len(code) - 1))
    if code[i] == code[j]:
        return
    swapped = list(code)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert not is_valid_code("".join(swapped))


@given(medical_record_numbers)
def test_a_wristband_code_carries_its_medical_record_number(mrn: str) -> None:
    """The code read back gives the MRN exactly, within the longest code that is checked."""
    code = create_wristband_code(mrn)
    assert len(code) <= MAX_CODE_LENGTH
    scanned = read_code(code)
    assert (scanned.kind, scanned.value) == ("wristband", mrn)


def test_a_character_a_scanner_cannot_type_is_refused() -> None:
    """An MRN with a character outside printable ASCII gets no code (it could not be scanned
    back as printed), rather than a code that would not match."""
    with pytest.raises(InvalidInput, match="cannot type"):
        create_wristband_code("MRN-ÄÖ")


@pytest.mark.parametrize(
    "typed",
    ["B125B", "(91)B125B", "91B125B", "]d291B125B", "\x1d91B125B", "  B125B\n", "]C0B125B"],
)
def test_what_scanners_add_around_a_bag_code_is_removed(typed: str) -> None:
    """Symbology identifier, FNC1 and the GS1 application identifier 91 are not part of the
    code; a wristband whose MRN begins with 91 keeps its digits."""
    assert strip_scanner_wrapping(typed) == "B125B"
    mrn_91 = create_wristband_code("91-0001")
    assert read_code(mrn_91).value == "91-0001"


def _decode(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return [r.text for r in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)]


@settings(max_examples=25, deadline=None)
@given(codes, st.sampled_from(SYMBOLOGIES))
def test_round_trip_code_image_scan(code: str, symbology: str) -> None:
    """code -> printed PNG -> decoded by zxing-cpp -> read: the same code and identifier."""
    bag = code.startswith("B")
    png = create_code_png(code, symbology, bag=bag)  # type: ignore[arg-type]
    decoded = _decode(png)
    assert len(decoded) == 1
    assert read_code(decoded[0]).text == code


def test_the_bag_code_is_a_gs1_datamatrix_by_default() -> None:
    """The default bag symbol is GS1 DataMatrix (symbology identifier ]d2) carrying AI 91."""
    png = create_code_png("B125B", "gs1-datamatrix", bag=True)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [(r.format, r.symbology_identifier, r.text) for r in found] == [
        (zxingcpp.BarcodeFormat.DataMatrix, "]d2", "(91)B125B")
    ]
