"""A nurse records bedside CAR-T assessments; the grades are calculated from the stored items,
shown over time, flagged when they rise, and read by the protocol's rules.

Expected grades are hand calculations from the ASTCT tables (Lee 2019): ICE 7-9 grade 1,
3-6 grade 2, 0-2 grade 3; CRS grade 3 for one vasopressor (vasopressin not counted as a
second), grade 4 for two vasopressors other than vasopressin.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from anakinra_iv.errors import AnakinraError, InvalidInput, PermissionDenied, list_problems
from anakinra_iv.units import Q_
from anakinra_iv.workflow.board import list_board
from anakinra_iv.workflow.commands import (
    CreatePatient,
    RecordToxicityAssessment,
    RequestRecommendation,
)
from anakinra_iv.workflow.services import (
    create_patient,
    list_toxicity_assessments,
    record_toxicity_assessment,
    request_recommendation,
)
from anakinra_iv.workflow.toxicity import get_toxicity_status
from tests.workflow_support.fixtures import Ward, start_cart

DOMAINS_CLEAR: dict[str, Any] = {
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": False,
    "raised_icp": "none",
    "attributable_to_other_cause": False,
}


def ice(
    orientation: int, naming: int = 3, commands: int = 1, writing: int = 1, attention: int = 1
) -> dict[str, Any]:
    """ICE items, the other domains normal."""
    return {
        "orientation": orientation,
        "naming": naming,
        "following_commands": commands,
        "writing": writing,
        "attention": attention,
        **DOMAINS_CLEAR,
    }


def crs(
    temperature: str = "39.2 Cel", agents: tuple[str, ...] = (), oxygen: str = "none"
) -> dict[str, Any]:
    """CRS inputs."""
    return {
        "temperature": temperature,
        "fever_masked_by_treatment": False,
        "hypotension": bool(agents),
        "vasopressor_agents": list(agents),
        "oxygen": oxygen,
    }


def record(
    ward: Ward,
    score: str,
    items: dict[str, Any],
    who: str = "nurse",
    patient_id: int | None = None,
    hours_ago: float = 0,
):  # type: ignore[no-untyped-def]
    return record_toxicity_assessment(
        RecordToxicityAssessment(
            ward.users[who],
            patient_id or ward.patient_id,
            score,
            items,
            ward.clock() - timedelta(hours=hours_ago),
        ),
        ward.uow(),
        ward.clock(),
    )


def stored(ward: Ward) -> tuple[int, int]:
    """(assessments stored, audit events)."""
    with ward.uow() as uow:
        return uow.toxicity.count(), len(uow.audit.list_events(limit=100_000))


class TestRecord:
    def test_ice_assessment_is_stored_graded_and_audited(self, ward: Ward) -> None:
        """ICE 2 + 3 + 1 + 0 + 0 = 6 -> ICANS grade 2 (ICE 3-6; Lee 2019)."""
        graded = record(ward, "icans-astct", ice(2, writing=0, attention=0))
        assert (graded.tool, graded.tool_total, graded.grade) == ("ice", 6.0, 2)
        with ward.uow() as uow:
            (row,) = uow.toxicity.list_for_patient(ward.patient_id)
            assert row.items["orientation"] == 2 and row.items["tool"] == "ice"
            assert "grade" not in row.items  # grades are calculated, never stored
            event = uow.audit.list_events(limit=1)[0]
            assert event.action == "toxicity_assessment.create" and '"grade":2' in event.new_value

    def test_crs_with_every_vasopressor_list(self, ward: Ward) -> None:
        """Fever with norepinephrine + vasopressin is grade 3 (vasopressin not a second
        vasopressor); norepinephrine + epinephrine is grade 4; 102.2 degF is stored as 39 Cel."""
        three = record(ward, "crs-astct", crs(agents=("norepinephrine", "vasopressin")))
        four = record(ward, "crs-astct", crs("102.2 [degF]", ("norepinephrine", "epinephrine")))
        assert (three.grade, four.grade) == (3, 4)
        assert four.items["temperature"] == "39 Cel"

    def test_oxygen_by_flow(self, ward: Ward) -> None:
        """Nasal cannula at 8 L/min (> 6 L/min, high flow) is grade 3 with fever."""
        items = {**crs(oxygen="nasal_cannula"), "oxygen_flow_l_per_min": "8"}
        assert record(ward, "crs-astct", items).grade == 3

    @pytest.mark.parametrize(
        ("score", "items", "field"),
        [
            ("icans-astct", {**ice(4), "orientation": 5}, "orientation"),
            ("icans-astct", {k: v for k, v in ice(4).items() if k != "naming"}, "naming"),
            ("icans-astct", {k: v for k, v in ice(4).items() if k != "seizure"}, "seizure"),
            ("icans-astct", {**ice(4), "eye_contact": "never"}, "eye_contact"),
            ("icans-astct", {**ice(4), "motor_weakness": "perhaps"}, "motor_weakness"),
            ("crs-astct", crs("38.5 kg"), "temperature"),
            ("crs-astct", crs("101.3 Cel"), "temperature"),
            ("crs-astct", crs("38,5 Cel"), "temperature"),
            ("crs-astct", {**crs(), "vasopressor_agents": ["noradrenalin"]}, "vasopressor_agents"),
            ("crs-astct", {k: v for k, v in crs().items() if k != "oxygen"}, "oxygen"),
            ("crs-astct", {**crs(oxygen="nasal_cannula")}, "oxygen_flow_l_per_min"),
            ("crs-astct", {**crs(), "grade": 1}, "grade"),
        ],
    )
    def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
        self, ward: Ward, score: str, items: dict[str, Any], field: str
    ) -> None:
        """Each refusal names the item; no row and no audit event is written."""
        before = stored(ward)
        with pytest.raises(AnakinraError) as caught:
            record(ward, score, items)
        assert field in [p.field for p in list_problems(caught.value)]
        assert stored(ward) == before

    def test_future_time_and_viewer_are_refused(self, ward: Ward) -> None:
        """An assessment after now is refused naming 'collected_at'; a viewer may not record."""
        with pytest.raises(InvalidInput) as caught:
            record(ward, "icans-astct", ice(4), hours_ago=-1)
        assert caught.value.field == "collected_at"
        with pytest.raises(PermissionDenied):
            record(ward, "icans-astct", ice(4), who="viewer")
        assert stored(ward)[0] == 0

    def test_child_is_assessed_with_capd(self, ward: Ward) -> None:
        """Below 12 years CAPD replaces ICE (santomasso-2021): ICE items are refused naming
        them; CAPD 'sometimes' (2 points) on all 8 items is 16, >= 9, which the data file grades
        3 (Lee 2019: CAPD >= 9 is grade 3)."""
        child = create_patient(
            CreatePatient(
                ward.users["prescriber"],
                "MRN-CHILD",
                "Child, Kim",
                date(2018, 6, 1),
                "female",
                Q_(25, "kg"),
            ),
            ward.uow(),
            ward.clock(),
        ).id
        with pytest.raises(AnakinraError) as caught:
            record(ward, "icans-astct", ice(4), patient_id=child)
        assert "orientation" in [p.field for p in list_problems(caught.value)]
        capd = dict.fromkeys(
            (
                "eye_contact",
                "purposeful_actions",
                "aware_of_surroundings",
                "communicates_needs",
                "restless",
                "inconsolable",
                "underactive",
                "slow_to_respond",
            ),
            "sometimes",
        )
        graded = record(ward, "icans-astct", {**capd, **DOMAINS_CLEAR}, patient_id=child)
        assert (graded.tool, graded.tool_total) == ("capd", 16.0)
        assert graded.grade == 3

    def test_unable_to_perform_ice(self, ward: Ward) -> None:
        """Unable to perform ICE (and awakens to touch) is grade 3 (Lee 2019)."""
        items = {
            **DOMAINS_CLEAR,
            "unable_to_perform_assessment": True,
            "consciousness": "awakens_to_touch",
        }
        assert record(ward, "icans-astct", items).grade == 3
        with pytest.raises(InvalidInput) as caught:
            record(ward, "icans-astct", {**ice(4), "unable_to_perform_assessment": True})
        assert caught.value.field == "unable_to_perform_assessment"


class TestOverTime:
    def test_grades_over_time_and_the_rise(self, ward: Ward) -> None:
        """ICE 10 (grade 0) 12 h ago, ICE 8 (grade 1) 6 h ago, ICE 2 (grade 3) now: listed
        oldest first; the latest rose from 1 to 3; CRS never assessed."""
        record(ward, "icans-astct", ice(4), hours_ago=12)
        record(ward, "icans-astct", ice(2), hours_ago=6)
        record(ward, "icans-astct", ice(0, naming=2, commands=0, writing=0, attention=0))
        graded = list_toxicity_assessments(ward.uow(), ward.users["viewer"], ward.patient_id)
        assert [g.grade for g in graded] == [0, 1, 3]
        status = get_toxicity_status(graded, ward.clock())
        assert (status.icans.value, status.icans.previous, status.icans.rose) == (3, 1, True)
        assert status.crs.value is None and status.rises == ("ICANS grade rose from 1 to 3",)

    def test_no_rise_when_the_grade_falls(self, ward: Ward) -> None:
        """Grade 3 then grade 1: no rise."""
        record(
            ward, "icans-astct", ice(0, naming=2, commands=0, writing=0, attention=0), hours_ago=6
        )
        record(ward, "icans-astct", ice(2))
        graded = list_toxicity_assessments(ward.uow(), ward.users["nurse"], ward.patient_id)
        status = get_toxicity_status(graded, ward.clock())
        assert (status.icans.value, status.icans.rose, status.rises) == (1, False, ())


class TestBoardAndAdvice:
    def test_board_shows_the_grades_and_flags_the_rise(self, ward: Ward) -> None:
        """The CAR-T order's row carries CRS 1 and ICANS 3 (up from 1) and the rise alert."""
        order_id = start_cart(ward)
        ward.clock.advance(hours=9)
        record(ward, "crs-astct", crs("38.4 Cel"), hours_ago=2)
        record(ward, "icans-astct", ice(2), hours_ago=1)
        record(ward, "icans-astct", ice(0, naming=2, commands=0, writing=0, attention=0))
        (row,) = [
            r
            for r in list_board(ward.uow(), ward.users["nurse"], ward.clock())
            if r.order.id == order_id
        ]
        assert row.toxicity is not None
        assert (row.toxicity.crs.value, row.toxicity.icans.value) == (1, 3)
        assert row.alerts[0] == "ICANS grade rose from 1 to 3"

    def test_rising_grade_on_anakinra_advises_one_step_up(self, ward: Ward) -> None:
        """Step 3 running for 9 h (>= the rule's 8 h at a step); ICANS grade 1 then 2: the
        protocol's rule escalate-grade-rising gives escalate to step 4; the grades are among
        the recommendation's stored inputs."""
        start_cart(ward)
        ward.clock.advance(hours=9)
        record(ward, "icans-astct", ice(2), hours_ago=4)
        record(ward, "icans-astct", ice(1, naming=2, writing=0, attention=0))
        view = request_recommendation(
            RequestRecommendation(ward.users["prescriber"], ward.patient_id, None),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )
        assert view.outputs["action"] == "escalate" and view.outputs["target_step"] == 4
        assert "escalate-grade-rising" in [r["rule"] for r in view.outputs["reasons"]]
        used = [(o["code"], o["value"]) for o in view.inputs["observations"]]
        assert ("icans_grade", "1") in used and ("icans_grade", "2") in used

    def test_steady_grade_keeps_the_step(self, ward: Ward) -> None:
        """ICANS grade 1 twice, CRS 0: no rule to escalate or wean fires; maintain."""
        start_cart(ward)
        ward.clock.advance(hours=9)
        record(ward, "icans-astct", ice(2), hours_ago=4)
        record(ward, "icans-astct", ice(2))
        view = request_recommendation(
            RequestRecommendation(ward.users["prescriber"], ward.patient_id, None),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )
        assert view.outputs["action"] == "maintain"


def test_course_report_shows_the_grades_beside_the_dose(ward: Ward) -> None:
    """The report's CAR-T section lists CRS 1 (fever only) before the infusion and ICANS 2
    (ICE 6) with the step-3 rate: 8 mg/kg/day x 70 kg / 24 h = 23.33 mg/h (hand calculation)."""
    from anakinra_iv.reports.course_report import create_course_report
    from anakinra_iv.reports.render import render_html
    from anakinra_iv.workflow.report import get_report_data

    record(ward, "crs-astct", crs("38.4 Cel"), hours_ago=1)
    start_cart(ward)
    ward.clock.advance(hours=2)
    record(ward, "icans-astct", ice(2, writing=0, attention=0))
    data = get_report_data(
        ward.uow(), ward.users["prescriber"], ward.patient_id, ward.clock(), None
    )
    shown = [(g.kind, g.grade, g.tool, g.rate_mg_per_h) for g in data.grades]
    assert shown[0] == ("CRS", 1, "", None)
    assert shown[1][:3] == ("ICANS", 2, "ICE 6")
    assert shown[1][3] == pytest.approx(8 * 70 / 24, abs=0.01)
    html = render_html(create_course_report(data))
    assert "CAR-T toxicity grades" in html and "ICE 6" in html and "23.3 mg/h" in html
