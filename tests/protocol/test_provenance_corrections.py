"""Protocol values whose status or source issue 9 corrected, and the checks that keep a protocol
file consistent with itself (SC transition, bag against beyond-use time).

Sources (the reference tables and the evidence registry): the hard minimum of 100 mg/day is a
site decision; "protect from light, do not shake" is the Kineret label; the
48 h wean interval is not in Pontali 2021; USP 797 Category 1 allows 12 h at room temperature
and 24 h refrigerated.
"""

from __future__ import annotations

from importlib import resources

import pytest

from anakinra_iv.dosing import calculate_dose_plan, create_patient
from anakinra_iv.errors import ProblemList, ProtocolError
from anakinra_iv.protocol import Protocol, get_protocol, list_protocols, read_protocol_text

ADULT = get_protocol("adult-mas-civ")


def _text(name: str) -> str:
    return resources.files("anakinra_iv.protocol.data").joinpath(name).read_text("utf-8")


def _fields(text: str) -> list[str | None]:
    with pytest.raises((ProblemList, ProtocolError)) as caught:
        read_protocol_text(text, name="site.yaml")
    error = caught.value
    problems = error.problems if isinstance(error, ProblemList) else [error]
    return [p.field for p in problems]


def test_hard_minimum_is_shown_as_a_site_decision_not_published() -> None:
    """The plan showed 'Hard limits 100 to 2400' with the maximum's status (published); each
    limit now carries its own: minimum site-decision, maximum published (monteagudo-2020)."""
    plan = calculate_dose_plan(ADULT, create_patient(weight="70 kg", age=54, sex="female"), step=3)
    minimum = next(r for r in plan.reasons if r.text.startswith("Hard minimum"))
    maximum = next(r for r in plan.reasons if r.text.startswith("Hard maximum"))
    assert (minimum.status, minimum.source) == ("site-decision", "site")
    assert (maximum.status, maximum.source) == ("published", "monteagudo-2020")


@pytest.mark.parametrize("protocol", list_protocols(), ids=lambda p: p.id)
def test_light_and_shaking_come_from_the_label_not_usp_797(protocol: Protocol) -> None:
    """Storage (a USP 797 matter) and handling (the Kineret label) are separate items, each with
    its own source; no storage text claims the label's words under USP 797."""
    handling = protocol.handling
    assert handling is not None and handling.source == "kineret-label"
    assert "light" in handling.text and "shake" in handling.text
    assert "light" not in protocol.storage.text


def test_48_h_wean_interval_is_not_attributed_to_pontali() -> None:
    """The wean and transition intervals are site decisions with source 'site'; Pontali 2021 is
    named in the note only as precedent for tapering."""
    for rule in ADULT.rules:
        if rule.id in ("wean-after-sustained-response", "transition-after-lowest-step"):
            assert rule.source == "site"
            assert rule.sustained_for is not None and rule.sustained_for.source == "site"
            assert "pontali-2021" in rule.sustained_for.note


def test_first_step_reason_cites_the_first_step_rule() -> None:
    """The first-step reason carried source 'site' even for the published sepsis rule (opal)."""
    sepsis = get_protocol("sepsis-trial-civ")
    plan = calculate_dose_plan(sepsis, create_patient(weight="70 kg", age=50, sex="male"))
    first = next(r for r in plan.reasons if r.text.startswith("First step"))
    assert (first.status, first.source) == ("published", "opal-1997")


def test_an_sc_transition_above_the_lowest_step_is_refused() -> None:
    """2 mg/kg SC q12h = 4 mg/kg/day after a 2 mg/kg/day infusion contradicts the text: a file
    starting the schedule there is refused, naming the entry."""
    text = _text("paediatric-mas-civ.v1.yaml").replace(
        "sc_schedule: [1 mg/kg SC q12h (max 100 mg per dose),",
        "sc_schedule: [2 mg/kg SC q12h (max 100 mg per dose),",
    )
    assert _fields(text) == ["transition.sc_schedule[0]"]


def test_a_bag_with_no_time_to_be_hung_is_refused() -> None:
    """A 12 h bag kept at room temperature with a 12 h beyond-use time has no time between
    making and hanging it: refused (the packaged file keeps it cold, 24 h refrigerated)."""
    text = _text("adult-mas-civ.v1.yaml").replace("until_hung: refrigerated", "")
    assert _fields(text) == ["bag.hang_time"]


def test_neutropenia_rules_count_only_a_new_fall() -> None:
    """Every packaged rule that holds on a low ANC counts only a fall that is new since the
    infusion started (PRECISE/TRIPS); the MAS protocols have one such rule each."""
    holding = 0
    for protocol in list_protocols():
        for rule in protocol.rules:
            conditions = [c for c in rule.all if c.analyte == "anc" and c.op in ("<", "<=")]
            if rule.action == "hold" and conditions:
                holding += 1
                assert all(c.new_since_start for c in conditions), (protocol.id, rule.id)
                assert rule.text.startswith("A new ANC")
    assert holding >= 2
