"""CDS Hooks cards from recorded hook requests (tests/interop/hooks/*.json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest

from anakinra_iv.errors import UnknownItem
from anakinra_iv.interop.cds_hooks import calculate_cards, get_discovery

HOOKS = Path(__file__).parent / "hooks"
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _cards(name: str) -> list[dict[str, Any]]:
    request = json.loads((HOOKS / name).read_text())
    return calculate_cards(f"anakinra-{request['hook']}", request, now=NOW)["cards"]


def _rate(card: dict[str, Any]) -> float:
    resource = card["suggestions"][0]["actions"][0]["resource"]
    MedicationRequest.model_validate(resource)
    ratio = resource["dosageInstruction"][0]["doseAndRate"][1]["rateRatio"]
    return float(ratio["numerator"]["value"])


def test_discovery_lists_both_hooks_with_prefetch() -> None:
    """Discovery names an order-select and an order-sign service, each with its prefetch."""
    services = get_discovery()["services"]
    assert {s["hook"] for s in services} == {"order-select", "order-sign"}
    assert all(set(s["prefetch"]) == {"patient", "observations", "medications"} for s in services)


def test_dose_above_hard_maximum_is_critical_and_suggests_the_maximum() -> None:
    """125 mg/h = 3,000 mg/day > 2,400 mg/day (monteagudo-2020): suggest 2,400 / 24 = 100 mg/h."""
    (card,) = _cards("order-sign-hard-max.json")
    assert card["indicator"] == "critical"
    assert "monteagudo-2020" in card["detail"] and "published" in card["detail"]
    assert _rate(card) == 100


def test_dose_above_soft_limit_warns_and_suggests_the_highest_step_within_it() -> None:
    """2,000 mg/day > soft 1,600 mg/day (site): suggest step 4 = 1,600 / 24 = 66.67 mg/h."""
    (card,) = _cards("order-sign-soft-limit.json")
    assert card["indicator"] == "warning"
    assert "site-decision" in card["detail"]
    assert _rate(card) == pytest.approx(1600 / 24)
    assert card["overrideReasons"]


def test_renal_impairment_without_adjustment_suggests_the_scaled_rate() -> None:
    """Woman 80.6 y, 60 kg, SCr 2.0: CrCl = (140-80.6)x60/(72x2)x0.85 = 21 mL/min < 30;
    ratio 0.30 (yang-2003): 50 mg/h x 0.30 = 15 mg/h."""
    (card,) = _cards("order-sign-renal.json")
    assert card["summary"].startswith("Creatinine clearance 21 mL/min")
    assert "kineret-label" in card["detail"] and "yang-2003" in card["detail"]
    assert _rate(card) == pytest.approx(15)


def test_order_select_checks_only_the_selected_order_and_flags_missing_weight() -> None:
    """The unselected 500 mg/h order gives no card; the selected one warns of the missing weight."""
    (card,) = _cards("order-select-missing-weight.json")
    assert card["indicator"] == "warning"
    assert "No body weight" in card["summary"]


def test_stale_weight_interacting_drugs_and_neutropenia() -> None:
    """Weight 35 days old (> 7 days, info for a mg/day protocol); etanercept (TNF, label) and
    canakinumab flagged, stopped adalimumab not; ANC 800/uL = 0.8 x 10^9/L < 1.0 (TRIPS)."""
    cards = _cards("order-sign-context-flags.json")
    assert [c["indicator"] for c in cards] == ["info", "warning", "warning", "warning"]
    assert "35 days old" in cards[0]["summary"]
    assert "etanercept" in cards[1]["summary"] and "kineret-label" in cards[1]["detail"]
    assert "canakinumab" in cards[2]["summary"]
    assert "adalimumab" not in json.dumps(cards)
    assert "ANC 0.8" in cards[3]["summary"] and "precise-trips-2023" in cards[3]["detail"]


def test_order_within_limits_gets_no_card() -> None:
    """1,200 mg/day with a fresh weight, normal renal function and ANC: nothing to say."""
    assert _cards("order-sign-within-limits.json") == []


def test_every_card_cites_a_rule_and_a_source() -> None:
    """Each card's detail names its rule and at least one status and source; summary < 140."""
    for path in sorted(HOOKS.glob("*.json")):
        for card in _cards(path.name):
            assert "**Rule:**" in card["detail"] and "source `" in card["detail"]
            assert len(card["summary"]) < 140
            assert card["source"]["label"].startswith("anakinra-iv protocol ")


def test_unknown_service_is_refused() -> None:
    """A service id that is not offered raises UnknownItem."""
    with pytest.raises(UnknownItem):
        calculate_cards("patient-view", {}, now=NOW)
