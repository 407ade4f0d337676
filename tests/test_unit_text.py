"""Unit text is never arithmetic, and every spelling of a cell count reads the same (hypothesis).

``"7 ,5 kg"`` was once read as 35 kg and ``"7 kg 2"`` as 14 kg: pint evaluated the unit text as an
expression. The one reader now accepts a single non-negative decimal number, optional spaces and
a plain unit built from known unit words; anything else is refused naming the field. Cell counts
in ten to the ninth per litre have one canonical unit, whatever spelling the laboratory used
(``10*9/L``, ``10^9/L``, ``x10^9/L``, ``×10⁹/L``, ``10⁹/L``, ``G/L``), and the scores judge the
same number whichever was typed.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.assessment import read_measurement
from anakinra_iv.assessment.scores import calculate_score
from anakinra_iv.errors import AnakinraError
from anakinra_iv.units import magnitude_in, parse_quantity

# The only text a person can mean as one mass: digits with a decimal point, or complete thousands
# groups, then optional spaces, then one mass unit. Reference oracle for the property.
_WRITTEN_KG = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?)\s*(kg|g|mg|lb)\s*$"
)
_KG_PER = {"kg": 1.0, "g": 1e-3, "mg": 1e-6, "lb": 0.45359237}  # exact definitions of the units

_PIECES = st.sampled_from(
    [
        *"0123456789",
        *("7", "5", ",", ".", " ", "  ", "*", "/", "+", "-", "(", ")", "^", "e", "E"),
        *("kg", "kg", "g", "mg", "lb", "mg/dL", "x", "×", "10", "**", "%"),
    ]
)
TYPED = st.lists(_PIECES, min_size=1, max_size=8).map("".join)
"""Strings built from digits, commas, spaces, operators and unit words."""


def _read_kg(text: str) -> float | None:
    try:
        return float(parse_quantity(text, field="weight", unit="kg").magnitude)
    except AnakinraError as error:
        assert "'weight'" in str(error), str(error)
        return None


class TestNoArithmetic:
    @pytest.mark.parametrize(
        "text",
        [
            "7 ,5 kg",
            "7 ,5kg",
            "7 kg 2",
            "2 kg 2",
            "7 kg*2",
            "7 kg/2",
            "kg 2",
            "1e1 kg",
            "7 - 2 kg",
            "(7) kg",
            "2*3 kg",
            "7 kg kg",
            "+7 kg",
            "7 k g",
            "7 kg^2",
        ],
    )
    def test_reported_cases_are_refused(self, text: str) -> None:
        """The reported cases (35 kg, 14 kg, 2 kg were read) are refused naming the field."""
        assert _read_kg(text) is None

    @given(TYPED)
    def test_returns_the_written_number_or_refuses(self, text: str) -> None:
        """For any mix of digits, commas, spaces, operators and unit words the reader returns
        exactly the mass written (the oracle above, converted to kg) or refuses, naming the
        field; never any other number."""
        value = _read_kg(text)
        written = _WRITTEN_KG.match(text)
        if value is not None:
            assert written is not None, f"{text!r} was read as {value} kg"
            number = float(written.group(1).replace(",", ""))
            assert value == pytest.approx(number * _KG_PER[written.group(2)], rel=1e-12)
        elif written is not None:
            # a written number is refused only when it is zero (a weight must be positive)
            assert float(written.group(1).replace(",", "")) == 0

    @given(st.decimals(min_value="0.01", max_value=500, places=2), st.sampled_from(["", " ", "  "]))
    def test_plain_quantities_are_read(self, number: object, space: str) -> None:
        """What a person does type ('72.5 kg', '72.5kg') is read as written."""
        assert _read_kg(f"{number}{space}kg") == float(str(number))

    @given(
        st.sampled_from(["mg/dL", "umol/L", "mL/min", "mg/kg/day", "mg/h", "mg/day", "cm"]),
        st.integers(1, 500),
        st.sampled_from(["2", "*2", "/2", " 2", "^2", " ,5", "(2)", " x 2", "e2"]),
    )
    def test_every_unit_kind_refuses_a_trailing_number(
        self, unit: str, number: int, suffix: str
    ) -> None:
        """'1 mg/dL 2', '3 mg/h*2', '80 mL/min/2' ... are refused for every field kind."""
        with pytest.raises(AnakinraError, match="'field'"):
            parse_quantity(f"{number} {unit}{suffix}", field="field", unit=unit)


COUNT_SPELLINGS = [
    "10*9/L",
    "10^9/L",
    "x10^9/L",
    "x 10^9/L",
    "×10^9/L",
    "×10⁹/L",
    "x10⁹/L",
    "10⁹/L",
    "G/L",
    "10**9/L",
    "/nL",
    "10^9/l",
]
"""Every accepted spelling of ten to the ninth per litre (one litre of 10^9 cells = 1 per nL)."""


class TestCounts:
    @pytest.mark.parametrize("unit", COUNT_SPELLINGS)
    def test_each_spelling_is_the_canonical_unit(self, unit: str) -> None:
        """'150 <spelling>' is 150 x 10^9/L: never 150 x 10^18/L, never 150 per litre."""
        measured = read_measurement("platelets", f"150 {unit}")
        assert measured.magnitude == 150.0
        assert magnitude_in(measured.quantity, "1/L") == pytest.approx(150e9)

    def test_per_microlitre_spellings(self) -> None:
        """10^3/uL and K/uL are the same as 10^9/L (1 uL = 10^-6 L: 10^3/uL = 10^9/L)."""
        for text in ("150 10^3/uL", "150 K/uL", "150 x10³/µL", "150000 /uL", "150000 /mm3"):
            assert read_measurement("platelets", text).magnitude == 150.0, text

    @pytest.mark.parametrize("text", ["150 10e9/L", "150 10 9/L", "150 1e9/L", "150 10^9 L"])
    def test_ambiguous_powers_are_refused(self, text: str) -> None:
        """'10e9' is 10^10 as written; '10 9' is two numbers: refused, never guessed."""
        with pytest.raises(AnakinraError, match="platelets"):
            read_measurement("platelets", text)

    @given(
        st.decimals(min_value=1, max_value=900, places=1),
        st.sampled_from(COUNT_SPELLINGS),
        st.sampled_from(COUNT_SPELLINGS),
    )
    def test_every_spelling_stores_and_scores_the_same(
        self, count: object, first: str, second: str
    ) -> None:
        """The same count in any two spellings gives the same stored value and the same HScore,
        MAS 2016 and HLH-2004 results (platelets, leukocytes, neutrophils)."""
        a = read_measurement("platelets", f"{count} {first}")
        b = read_measurement("platelets", f"{count} {second}")
        assert a.magnitude == b.magnitude == float(str(count))
        for score, items in _score_items(str(count)):
            one = calculate_score(score, {k: f"{v} {first}" for k, v in items.items()})
            two = calculate_score(score, {k: f"{v} {second}" for k, v in items.items()})
            assert one.as_dict() == two.as_dict(), score


def _score_items(count: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("hscore", {"platelets": count, "leukocytes": count}),
        ("mas-2016", {"platelets": count}),
        ("hlh-2004", {"platelets": count, "neutrophils": str(min(float(count), 50.0))}),
    ]


class TestCountThresholds:
    @pytest.mark.parametrize("unit", COUNT_SPELLINGS)
    def test_mas_2016_platelet_criterion(self, unit: str) -> None:
        """Ravelli 2016: platelets <= 181 x 10^9/L is a criterion; 150 meets it, 200 does not."""
        low = calculate_score("mas-2016", {"platelets": f"150 {unit}"}).as_dict()
        high = calculate_score("mas-2016", {"platelets": f"200 {unit}"}).as_dict()
        assert _met(low, "platelets") is True
        assert _met(high, "platelets") is False


def _met(result: dict[str, object], item: str) -> object:
    criteria = result["criteria"]
    assert isinstance(criteria, list)
    return next(c["met"] for c in criteria if c["name"] == item)
