"""The CDS Hooks service says what it could not use instead of skipping it silently.

An observation with an unknown unit, an unreadable value, no value, no time or a time without a
zone, a missing birth date or sex, and an order whose dose cannot be read each give a warning
card naming the input. The base request (order-sign-within-limits.json: 1200 mg/day for a 70 kg
woman of 54, all inputs readable) gives no card at all.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.interop.cds_hooks import calculate_cards

BASE = json.loads((Path(__file__).parent / "hooks" / "order-sign-within-limits.json").read_text())
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
INDEX = {"w": 0, "c": 1, "n": 2}  # observation ids of the base request
NAMES = {"w": "29463-7", "c": "2160-0", "n": "751-8"}


def _cards(request: dict[str, Any]) -> list[dict[str, Any]]:
    return list(calculate_cards("anakinra-order-sign", request, now=NOW)["cards"])


def _with_value(obs_id: str, value: dict[str, Any]) -> dict[str, Any]:
    request = copy.deepcopy(BASE)
    entry = request["prefetch"]["observations"]["entry"][INDEX[obs_id]]["resource"]
    entry["valueQuantity"] = value
    return request


def _not_used(cards: list[dict[str, Any]]) -> list[str]:
    return [c["summary"] for c in cards if c["summary"].startswith("Not used")]


def test_the_base_request_gives_no_card() -> None:
    """Every input readable, dose within limits: no card (so each card below is the defect)."""
    assert _cards(BASE) == []


@pytest.mark.parametrize(
    ("obs_id", "value"),
    [
        ("w", {"value": 70, "code": "furlongs"}),
        ("w", {"value": "7,5", "code": "kg"}),
        ("w", {"value": 70}),
        ("c", {"value": 1.0, "code": "mg/dL/2"}),
        ("c", {"code": "mg/dL"}),
        ("n", {"value": 3.2, "code": "10e9/L"}),
    ],
)
def test_unreadable_observation_is_named(obs_id: str, value: dict[str, Any]) -> None:
    """The reported class: an unknown unit or unreadable value of weight, creatinine or ANC
    gives a warning card naming the observation (LOINC code and id)."""
    cards = _cards(_with_value(obs_id, value))
    shown = _not_used(cards)
    assert any(NAMES[obs_id] in s and f"Observation/{obs_id}" in s for s in shown), cards
    assert all(
        c["indicator"] in ("warning", "critical") for c in cards if "Not used" in c["summary"]
    )


def test_time_without_zone_is_named() -> None:
    request = copy.deepcopy(BASE)
    request["prefetch"]["observations"]["entry"][1]["resource"]["effectiveDateTime"] = (
        "2026-01-05T06:00:00"
    )
    assert any("Observation/c" in s for s in _not_used(_cards(request)))


def test_missing_birth_date_and_unreadable_dose_are_named() -> None:
    """No birthDate: the renal rule cannot run; an order rate in 'mg/fortnight': not read."""
    request = copy.deepcopy(BASE)
    del request["prefetch"]["patient"]["birthDate"]
    dosage = request["context"]["draftOrders"]["entry"][0]["resource"]["dosageInstruction"][0]
    dosage["doseAndRate"] = [{"rateQuantity": {"value": 1200, "code": "mg/fortnight"}}]
    shown = _not_used(_cards(request))
    assert any("patient.birthDate" in s for s in shown), shown
    assert any("dose of MedicationRequest/mr-7" in s for s in shown), shown


@given(
    obs_id=st.sampled_from(["w", "c", "n"]),
    number=st.sampled_from(["7,5", "1 2", "abc", "", "1e3", "2*3", "-1"]),
    unit=st.sampled_from(["kg", "mg/dL", "10*9/L", "furlongs", "kg 2", "", "x"]),
)
def test_every_unusable_observation_gives_a_card(obs_id: str, number: str, unit: str) -> None:
    """Property: every number drawn here is one the reader refuses (a decimal comma, two
    numbers, a word, nothing, an exponent, arithmetic, a sign), so whatever the unit, the
    observation is never dropped silently: a card names it."""
    cards = _cards(_with_value(obs_id, {"value": number, "code": unit}))
    named = [s for s in _not_used(cards) if f"Observation/{obs_id}" in s]
    assert named, cards
