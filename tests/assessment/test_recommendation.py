"""Recommendation scenarios on the adult continuous IV MAS protocol, written as timelines.

Labs are drawn at 06:00 each day and the team reviews at 08:00. At each review the advice is
taken and followed (start -> step 1, escalate -> one up, wean -> one down), and the expected
action is the one the protocol's rules (the template's site-decision defaults) give by hand:

- escalate: 24 h at a step and ferritin and CRP not falling;
- response: ferritin <= 75% of peak, CRP falling, no temperature >= 38.0 in 24 h;
- wean: response sustained 48 h (reviews at t, t-24 h, t-48 h) and 48 h at the step;
- transition: the same at the lowest step; relapse while weaning: ferritin >= 1.25 x nadir;
- hold: ANC < 1.0 x 10^9/L on two consecutive days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from anakinra_iv.assessment.observation_file import Finding
from anakinra_iv.assessment.observations import Observation, create_observation
from anakinra_iv.assessment.recommendation import Advice, InfusionPeriod, create_advice
from anakinra_iv.errors import InvalidInput
from anakinra_iv.protocol import Protocol, get_protocol

DAY0 = datetime(2024, 3, 1, tzinfo=UTC)
COLUMNS = ("ferritin", "crp", "temperature", "anc", "creatinine")
UNITS = ("ng/mL", "mg/L", "Cel", "10*9/L", "mg/dL")


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return get_protocol("adult-mas-civ")


@dataclass
class Course:
    """A patient's course: observations so far, the step, and the infusion history."""

    observations: list[Observation]
    step: int | None = None
    history: tuple[InfusionPeriod, ...] = ()

    def follow(self, advice: Advice) -> None:
        if advice.action in ("start", "escalate", "wean") and advice.target_step is not None:
            self.step = advice.target_step
            self.history += (InfusionPeriod(self.step, advice.at),)
        elif advice.action == "start":
            self.step = 1
            self.history += (InfusionPeriod(1, advice.at),)


def labs(timeline: str) -> list[tuple[int, list[Observation], str]]:
    """Parse 'day ferritin crp temp anc creatinine | expected' rows."""
    rows = []
    for line in timeline.strip().splitlines():
        values, expected = line.split("|")
        day, *numbers = values.split()
        at = DAY0 + timedelta(days=int(day), hours=6)
        obs = [
            create_observation(name, f"{n} {unit}", collected_at=at)
            for name, unit, n in zip(COLUMNS, UNITS, numbers, strict=True)
        ]
        rows.append((int(day), obs, expected.strip()))
    return rows


def run(protocol: Protocol, timeline: str, findings: tuple[Finding, ...] = ()) -> list[Advice]:
    """Review at 08:00 each day, follow the advice, check the expected action and step."""
    course = Course([])
    given: list[Advice] = []
    for day, obs, expected in labs(timeline):
        course.observations += obs
        at = DAY0 + timedelta(days=day, hours=8)
        advice = create_advice(
            protocol,
            course.observations,
            findings,
            step=course.step,
            at=at,
            history=course.history,
        )
        action, _, step = expected.partition(" ")
        assert advice.action == action, f"day {day}: {advice.action} ({advice.reasons})"
        if step:
            assert advice.target_step == int(step), f"day {day}: step {advice.target_step}"
        course.follow(advice)
        given.append(advice)
    return given


class TestResponder:
    TIMELINE = """
        0  10000  200  39.5  4.0  0.9 | start
        1  12000  220  39.1  4.0  0.9 | escalate 2
        2   8000  150  37.5  4.0  0.9 | maintain 2
        3   6000   80  37.0  4.0  0.9 | maintain 2
        4   4000   40  36.9  4.0  0.9 | wean 1
        5   3000   20  36.8  4.0  0.9 | maintain 1
        6   2500   10  36.8  4.0  0.9 | transition
    """

    def test_timeline(self, protocol: Protocol) -> None:
        """Rising day 1 -> up; response from day 2, sustained 48 h on day 4 -> down; 48 h at
        the lowest step on day 6 -> transition to SC."""
        advice = run(protocol, self.TIMELINE)
        wean = advice[4]
        assert wean.reasons[0].rule == "wean-after-sustained-response"
        assert wean.reasons[0].status == "site-decision"
        assert any("ferritin" in o for o in wean.reasons[0].observations)
        assert advice[6].reasons[0].rule == "transition-after-lowest-step"
        assert any("canakinumab" in r.text for r in advice[6].reasons)

    def test_next_review_follows_the_protocol_interval(self, protocol: Protocol) -> None:
        """Review interval 24 h (protocol file): next review one day after each review."""
        for advice in run(protocol, self.TIMELINE):
            assert advice.next_review_at == advice.at + timedelta(hours=24)


class TestNonResponder:
    TIMELINE = """
        0  10000  200  39.5  4.0  0.9 | start
        1  11000  210  39.5  4.0  0.9 | escalate 2
        2  12000  220  39.5  4.0  0.9 | escalate 3
        3  13000  230  39.5  4.0  0.9 | escalate 4
        4  14000  240  39.5  4.0  0.9 | escalate 5
        5  15000  250  39.5  4.0  0.9 | escalate 6
        6  16000  260  39.5  4.0  0.9 | maintain 6
    """

    def test_escalated_to_maximum_and_never_beyond(self, protocol: Protocol) -> None:
        """Up one step each day to step 6 (2400 mg/day, the hard maximum), then no further."""
        advice = run(protocol, self.TIMELINE)
        last = advice[-1]
        assert last.target_step == 6 == last.step_count
        assert any(f.code == "at-maximum" and f.severity == "critical" for f in last.safety_flags)
        assert "2400" in advice[5].reasons[-1].text


class TestRelapseOnWeaning:
    TIMELINE = """
        0  10000  200  39.5  4.0  0.9 | start
        1  12000  220  39.1  4.0  0.9 | escalate 2
        2   8000  150  37.5  4.0  0.9 | maintain 2
        3   6000   80  37.0  4.0  0.9 | maintain 2
        4   4000   40  36.9  4.0  0.9 | wean 1
        5   5500   60  38.4  4.0  0.9 | escalate 2
    """

    def test_ferritin_rise_while_weaning_goes_back_one_step(self, protocol: Protocol) -> None:
        """5500 / nadir 4000 = 1.375 >= 1.25 while weaning: relapse rule, back to step 2."""
        advice = run(protocol, self.TIMELINE)
        assert advice[-1].reasons[0].rule == "relapse"


class TestNeutropeniaHold:
    TIMELINE = """
        0  10000  200  39.5  3.0  0.9 | start
        1  12000  220  39.1  0.9  0.9 | escalate 2
        2  11000  230  38.9  0.8  0.9 | hold 2
    """

    def test_two_consecutive_days_below_1_hold(self, protocol: Protocol) -> None:
        """ANC 0.9 on day 1 warns; 0.9 and 0.8 on two consecutive days holds (TRIPS)."""
        advice = run(protocol, self.TIMELINE)
        assert any(f.code == "approaching-hold-neutropenia" for f in advice[1].safety_flags)
        hold = advice[2]
        assert hold.reasons[0].rule == "hold-neutropenia"
        assert hold.reasons[0].source == "precise-trips-2023"
        assert hold.safety_flags[0].severity == "critical"


class TestNeutropeniaAtBaselineIsTheDisease:
    """HLH-2004 counts cytopenia as a criterion (henter-2007); the PRECISE/TRIPS stop rule is a
    *new* ANC < 1.0 x 10^9/L on two consecutive days (precise-trips-2023)."""

    PRESENTED_NEUTROPENIC = """
        0  10000  200  39.5  0.6  0.9 | start
        1  12000  220  39.1  0.5  0.9 | escalate 2
        2  12500  230  38.9  0.5  0.9 | escalate 3
    """

    def test_neutropenia_hold_does_not_fire_on_the_disease(self, protocol: Protocol) -> None:
        """ANC 0.6 before the first infusion and 0.5 after: never a hold; the low ANC is reported
        as disease activity, not as a reason to hold (it advised HOLD before the start)."""
        advice = run(protocol, self.PRESENTED_NEUTROPENIC)
        assert [a.action for a in advice] == ["start", "escalate", "escalate"]
        for a in advice:
            codes = [f.code for f in a.safety_flags]
            assert "baseline-hold-neutropenia" in codes
            assert "approaching-hold-neutropenia" not in codes
            assert not any(f.severity == "critical" for f in a.safety_flags)

    def test_before_the_start_a_low_anc_never_holds(self, protocol: Protocol) -> None:
        """Two days of ANC 0.5 before any infusion (step None): start, not hold."""
        observations = [
            create_observation("anc", "0.5 10*9/L", collected_at=DAY0 + timedelta(days=d, hours=6))
            for d in (0, 1)
        ]
        advice = create_advice(
            protocol, observations, step=None, at=DAY0 + timedelta(days=1, hours=8)
        )
        assert advice.action == "start"
        assert any(f.code == "baseline-hold-neutropenia" for f in advice.safety_flags)

    def test_a_new_fall_after_the_start_still_holds(self, protocol: Protocol) -> None:
        """Baseline ANC 3.0, then 0.9 and 0.8 on two consecutive days after the start: hold
        (the TIMELINE of TestNeutropeniaHold with the infusion started on day 0)."""
        advice = run(protocol, TestNeutropeniaHold.TIMELINE)
        assert advice[2].action == "hold"
        assert not any(f.code == "baseline-hold-neutropenia" for f in advice[2].safety_flags)


class TestRenalDecline:
    TIMELINE = """
        0  10000  200  39.5  4.0  0.9 | start
        1  12000  220  39.1  4.0  1.2 | escalate 2
        2  12500  230  39.0  4.0  1.5 | escalate 3
    """

    def test_creatinine_rise_is_flagged(self, protocol: Protocol) -> None:
        """1.2 / 0.9 = 1.33 (no flag); 1.5 / 0.9 = 1.67 >= 1.5 flags the falling clearance."""
        advice = run(protocol, self.TIMELINE)
        assert not any(f.code == "creatinine-rising" for f in advice[1].safety_flags)
        assert any(f.code == "creatinine-rising" for f in advice[2].safety_flags)


class TestStopAndData:
    def test_suspected_infection_stops(self, protocol: Protocol) -> None:
        """A recorded suspected serious infection stops the infusion (label warning)."""
        finding = Finding("suspected_serious_infection", True, DAY0 + timedelta(days=1, hours=7))
        timeline = """
            0  10000  200  39.5  4.0  0.9 | start
            1   8000  150  37.5  4.0  0.9 | stop
        """
        run(protocol, timeline, (finding,))

    def test_missing_labs_maintain_and_say_what_is_missing(self, protocol: Protocol) -> None:
        """Without today's ferritin and CRP the escalation rule is undecided: maintain, flagged."""
        at = DAY0 + timedelta(days=1, hours=8)
        advice = create_advice(
            protocol, [], step=1, at=at, history=(InfusionPeriod(1, DAY0 + timedelta(hours=8)),)
        )
        assert advice.action == "maintain"
        codes = {f.code for f in advice.safety_flags}
        assert {"missing-ferritin", "undecided-escalate-no-response"} <= codes

    def test_step_outside_the_ladder_is_refused(self, protocol: Protocol) -> None:
        """Step 7 of a 6-step ladder names the field."""
        with pytest.raises(InvalidInput, match="'step' must be between 1 and 6"):
            create_advice(protocol, [], step=7, at=DAY0)
