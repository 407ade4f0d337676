"""The adult CAR-T protocol driven by CRS and ICANS grades over time (adult-cart-crs-icans v1).

A 70 kg adult with ICANS after CAR-T cells, on corticosteroids. The bedside records an ICANS
assessment (ICE with the other domains) and a CRS assessment at each round; the grades are
computed from the items (:mod:`anakinra_iv.assessment.toxicity`) and the protocol's rules read
them. At each review the advice is followed. Expected actions by hand from the protocol file:

- start: corticosteroids given, ICANS >= 2 and not fallen over 24 h (>= 2 assessments);
- escalate: a grade rising, after at least 8 h at the step;
- response: ICANS <= 1 and CRS 0; wean: response at every 8-hourly review over 24 h, 24 h at
  the step, and corticosteroids off (anakinra weaned last); transition (stop) at the lowest step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anakinra_iv.assessment.observation_file import Finding
from anakinra_iv.assessment.recommendation import Advice, InfusionPeriod, create_advice
from anakinra_iv.assessment.toxicity import (
    ToxicityAssessment,
    calculate_grades_over_time,
    create_grade_observations,
)
from anakinra_iv.dosing import create_patient, create_recommendation
from anakinra_iv.protocol import Protocol, get_protocol

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def hours(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def icans_items(ice: int, consciousness: str = "alert") -> dict[str, Any]:
    return {
        "age": 58,
        "ice_score": ice,
        "consciousness": consciousness,
        "seizure": "none",
        "motor_weakness": False,
        "raised_icp": "none",
        "attributable_to_other_cause": False,
    }


def crs_items(temperature: str, oxygen: str = "none") -> dict[str, Any]:
    return {
        "temperature": temperature,
        "fever_masked_by_treatment": False,
        "hypotension": False,
        "vasopressor_agents": [],
        "oxygen": oxygen,
    }


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return get_protocol("adult-cart-crs-icans")


@dataclass
class Course:
    """Assessments and findings so far, the step, and the infusion history."""

    protocol: Protocol
    assessments: list[ToxicityAssessment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    step: int | None = None
    history: list[InfusionPeriod] = field(default_factory=list)

    def record(self, h: float, ice: int, temperature: str, **icans: Any) -> None:
        self.assessments.append(
            ToxicityAssessment("icans-astct", hours(h), icans_items(ice, **icans))
        )
        self.assessments.append(ToxicityAssessment("crs-astct", hours(h), crs_items(temperature)))

    def flag(self, h: float, name: str, present: bool = True) -> None:
        self.findings.append(Finding(name, present, hours(h)))

    def review(self, h: float) -> Advice:
        grades = calculate_grades_over_time(self.assessments)
        observations, skipped = create_grade_observations(grades)
        assert skipped == ()
        return create_advice(
            self.protocol,
            observations,
            self.findings,
            step=self.step,
            at=hours(h),
            history=self.history,
        )

    def follow(self, h: float, advice: Advice) -> None:
        if advice.action == "start":
            self.step = self.protocol.regimen.default_step  # type: ignore[union-attr]
        elif advice.action in ("escalate", "wean"):
            self.step = advice.target_step
        elif advice.action == "transition":
            self.step = None
            return
        else:
            return
        assert self.step is not None
        self.history.append(InfusionPeriod(self.step, hours(h)))


class TestTimeline:
    def test_onset_escalation_response_wean(self, protocol: Protocol) -> None:
        """The whole course, review by review, with the action each rule gives by hand."""
        c = Course(protocol)
        c.flag(0, "corticosteroids_given")
        # onset: ICE 6 (grade 2), CRS grade 1 (38.6 Cel, nothing else)
        c.record(0, 6, "38.6 Cel")
        first = c.review(0)
        assert first.action == "not-indicated"  # one assessment: 'not improving' undecided
        assert any(f.code == "undecided-start-icans-refractory" for f in first.safety_flags)

        c.record(8, 5, "38.4 Cel")  # ICE 5: still grade 2, not fallen over 24 h
        start = c.review(8)
        assert start.action == "start" and start.reasons[0].rule == "start-icans-refractory"
        c.follow(8, start)
        assert c.step == 3  # 8 mg/kg/day

        c.record(16, 2, "37.9 Cel")  # ICE 2: grade 3, rising after 8 h at step 3
        up = c.review(16)
        assert (up.action, up.target_step) == ("escalate", 4)
        assert up.reasons[0].rule == "escalate-grade-rising"
        c.follow(16, up)

        c.record(24, 2, "37.2 Cel")  # grade 3 again, 8 h at step 4: neither rising nor 24 h
        assert c.review(24).action == "maintain"

        # response: ICANS 1 (ICE 8), CRS 0 (afebrile)
        for h, ice in ((32, 8), (40, 9), (48, 10)):
            c.record(h, ice, "36.9 Cel")
            assert c.review(h).action == "maintain"  # response not yet sustained 24 h

        c.record(56, 10, "36.8 Cel")
        steroids_on = c.review(56)
        assert steroids_on.action == "maintain"  # sustained, but corticosteroids still running

        c.flag(56, "corticosteroids_off")
        down = c.review(56)
        assert (down.action, down.target_step) == ("wean", 3)
        c.follow(56, down)

        for h, target in ((80, 2), (104, 1)):
            for r in range(int(h) - 16, int(h) + 1, 8):
                c.record(r, 10, "36.8 Cel")
            advice = c.review(h)
            assert (advice.action, advice.target_step) == ("wean", target)
            c.follow(h, advice)

        for r in (112, 120, 128):
            c.record(r, 10, "36.7 Cel")
        stop = c.review(128)
        assert stop.action == "transition" and stop.target_step is None
        assert stop.reasons[0].rule == "transition-after-lowest-step"

    def test_relapse_while_weaning_escalates(self, protocol: Protocol) -> None:
        """ICANS back to grade 2 (ICE 5) at step 2 after 8 h there: one step up to 3."""
        c = Course(protocol, step=2)
        c.history = [InfusionPeriod(3, hours(0)), InfusionPeriod(2, hours(24))]
        c.record(24, 10, "36.8 Cel")
        c.record(32, 5, "36.8 Cel")
        advice = c.review(32)
        assert (advice.action, advice.target_step) == ("escalate", 3)

    def test_icans_not_improving_after_24_h(self, protocol: Protocol) -> None:
        """ICANS 2 (ICE 4) unchanged for 24 h at step 3: one step up (10 mg/kg/day)."""
        c = Course(protocol, step=3, history=[InfusionPeriod(3, hours(0))])
        for h in (0, 8, 16, 24):
            c.record(h, 4, "37 Cel")
        advice = c.review(24)
        assert (advice.action, advice.target_step) == ("escalate", 4)
        assert advice.reasons[0].rule == "escalate-icans-not-improving"

    def test_improving_icans_is_not_escalated(self, protocol: Protocol) -> None:
        """ICANS 3 -> 2 over 24 h (falling): maintain, not escalate."""
        c = Course(protocol, step=3, history=[InfusionPeriod(3, hours(0))])
        c.record(0, 2, "37 Cel")
        c.record(12, 4, "37 Cel")
        c.record(24, 4, "37 Cel")
        assert c.review(24).action == "maintain"


class TestIndication:
    def test_crs_worsening_despite_tocilizumab_starts(self, protocol: Protocol) -> None:
        """CRS 2 (low-flow oxygen) then 3 (high flow) after tocilizumab: start."""
        c = Course(protocol)
        c.flag(0, "tocilizumab_given")
        c.assessments.append(
            ToxicityAssessment("crs-astct", hours(0), crs_items("38.9 Cel", "low_flow"))
        )
        c.assessments.append(
            ToxicityAssessment("crs-astct", hours(6), crs_items("39.1 Cel", "high_flow"))
        )
        advice = c.review(6)
        assert advice.action == "start" and advice.reasons[0].rule == "start-crs-refractory"

    def test_grade_one_icans_is_not_indicated(self, protocol: Protocol) -> None:
        """ICANS 1 (ICE 8) on corticosteroids: not indicated, and no dose plan."""
        c = Course(protocol)
        c.flag(0, "corticosteroids_given")
        c.record(0, 8, "37 Cel")
        c.record(8, 8, "37 Cel")
        advice = c.review(8)
        assert advice.action == "not-indicated" and advice.target_step is None
        observations, _ = create_grade_observations(calculate_grades_over_time(c.assessments))
        patient = create_patient(weight="70 kg", age=58, sex="male", creatinine="1 mg/dL")
        rec = create_recommendation(
            protocol, patient, observations, c.findings, step=None, at=hours(8)
        )
        assert rec.plan is None

    def test_without_corticosteroids_it_is_not_refractory(self, protocol: Protocol) -> None:
        """ICANS 3 twice but no corticosteroid recorded: not indicated (steroids first)."""
        c = Course(protocol)
        c.record(0, 2, "37 Cel")
        c.record(8, 2, "37 Cel")
        assert c.review(8).action == "not-indicated"

    def test_start_plan_is_eight_mg_per_kg_per_day(self, protocol: Protocol) -> None:
        """70 kg x 8 mg/kg/day = 560 mg/day = 23.33 mg/h (hand calculation)."""
        c = Course(protocol)
        c.flag(0, "corticosteroids_given")
        c.record(0, 5, "37 Cel")
        c.record(8, 5, "37 Cel")
        observations, _ = create_grade_observations(calculate_grades_over_time(c.assessments))
        patient = create_patient(weight="70 kg", age=58, sex="male", creatinine="1 mg/dL")
        rec = create_recommendation(
            protocol, patient, observations, c.findings, step=None, at=hours(8)
        )
        assert rec.advice.action == "start" and rec.plan is not None
        assert rec.plan.daily_dose.to("mg/day").magnitude == pytest.approx(560)
        assert rec.plan.rate.to("mg/h").magnitude == pytest.approx(560 / 24)
