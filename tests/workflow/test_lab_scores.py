"""Scores from stored values, now and at each collection time of the course."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from anakinra_iv.assessment import get_analyte
from anakinra_iv.interop.course import CourseObservation
from anakinra_iv.workflow.lab_scores import (
    SCORE_NAMES,
    ScoresAt,
    calculate_scores_over_time,
    get_scored_analytes,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def _obs(name: str, value: float, at: datetime) -> CourseObservation:
    analyte = get_analyte(name)
    return CourseObservation(f"{name}@{at:%d%H}", analyte.loinc, name, value, analyte.unit, at)


COURSE = (
    _obs("ferritin", 8500, T0),
    _obs("platelets", 95, T0),
    _obs("fibrinogen", 210, T0),
    _obs("ast", 140, T0),
    _obs("temperature", 39.7, T0),
    _obs("crp", 180, T0 + timedelta(hours=12)),
    _obs("ferritin", 4000, T0 + DAY),
    _obs("platelets", 150, T0 + DAY),
    _obs("temperature", 38.0, T0 + DAY),
    _obs("triglycerides", 283, T0 + 2 * DAY),
    _obs("ferritin", 1500, T0 + 3 * DAY),
)


def _at(moments: tuple[ScoresAt, ...], index: int, name: str):  # type: ignore[no-untyped-def]
    outcome = next(o for o in moments[index].outcomes if o.name == name)
    assert outcome.result is not None
    return outcome, outcome.result


class TestCalculateScoresOverTime:
    def test_one_moment_per_collection_time_of_a_scored_value(self) -> None:
        """Scored values were collected at 0, 24 and 48 h (the 72 h ferritin is after `until`);
        CRP feeds none of the four scores, so 12 h is no moment."""
        moments = calculate_scores_over_time(COURSE, until=T0 + 2 * DAY)
        assert [m.at for m in moments] == [T0, T0 + DAY, T0 + 2 * DAY]
        assert [o.name for o in moments[0].outcomes] == list(SCORE_NAMES)

    def test_hscore_at_the_first_draw(self) -> None:
        """Fardet 2014 by hand: temperature 39.7 > 39.4 -> 49, ferritin 8,500 > 6,000 -> 50,
        fibrinogen 2.1 g/L <= 2.5 -> 30, AST 140 >= 30 -> 19, one cytopenia of three known -> 0:
        148 points. Missing items may add organomegaly 38, cytopenias up to 34, triglycerides 64,
        immunosuppression 18, marrow 35: at most 337, so < 169 is not conclusive."""
        moments = calculate_scores_over_time(COURSE, until=T0 + 2 * DAY)
        _, hscore = _at(moments, 0, "hscore")
        assert hscore.points == 148
        assert hscore.score_range == (148, 337)
        assert hscore.met is False and hscore.conclusive is False

    def test_hscore_uses_the_latest_value_of_each_item(self) -> None:
        """At 24 h: temperature 38.0 -> 0, ferritin 4,000 -> 35, platelets 150 -> no cytopenia,
        fibrinogen and AST carried from 0 h -> 30 + 19: 84 points (at most 84 + 38 + 24 + 64 +
        18 + 35 = 263). At 48 h triglycerides 283 mg/dL = 3.2 mmol/L -> 44: 128 (at most 243)."""
        moments = calculate_scores_over_time(COURSE, until=T0 + 2 * DAY)
        outcome, day2 = _at(moments, 1, "hscore")
        assert (day2.points, day2.score_range) == (84, (84, 263))
        fibrinogen = outcome.values[outcome.items_used.index("fibrinogen")]
        assert fibrinogen.collected_at == T0 and fibrinogen.value == 210
        _, day3 = _at(moments, 2, "hscore")
        assert (day3.points, day3.score_range) == (128, (128, 243))

    def test_clinical_items_never_recorded_are_missing_at_every_moment(self) -> None:
        """Organomegaly, immunosuppression and marrow findings are never stored: always missing,
        never scored as normal (the 0-point band)."""
        for moment in calculate_scores_over_time(COURSE):
            hscore = next(o for o in moment.outcomes if o.name == "hscore").result
            assert hscore is not None
            assert {"hepatomegaly", "splenomegaly", "immunosuppression"} <= set(hscore.missing)
            assert hscore.score_range is not None and hscore.score_range[1] > hscore.points  # type: ignore[operator]

    def test_mas_2016_counts_criteria_but_entry_is_open(self) -> None:
        """Ravelli 2016 at 0 h: ferritin 8,500 > 684; platelets 95 <= 181, AST 140 > 48,
        fibrinogen 210 <= 360 mg/dL: 3 of 4 criteria, but fever and sJIA are never recorded, so
        the classification is not established and not conclusive."""
        moments = calculate_scores_over_time(COURSE)
        _, mas = _at(moments, 0, "mas-2016")
        rule = mas.criteria[-1]
        assert (rule.name, rule.value) == ("at_least_2_of_4", 3)
        assert mas.met is False and mas.conclusive is False
        assert {"febrile", "sjia_known_or_suspected"} <= set(mas.missing)

    def test_hlh_2004_fever_and_ferritin_then_fever_resolves(self) -> None:
        """Henter 2007 at 0 h: fever 39.7 >= 38.5 and ferritin 8,500 >= 500 are met, neither the
        cytopenias (one of three known) nor fibrinogen 2.1 > 1.5 g/L establishes more: 2 of 8,
        not established. At 24 h temperature 38.0 < 38.5: fever is no longer met."""
        moments = calculate_scores_over_time(COURSE)
        _, first = _at(moments, 0, "hlh-2004")
        met = {c.name for c in first.criteria if c.met is True and c.part_of is None}
        assert {
            "fever",
            "ferritin",
        } <= met and "hypertriglyceridaemia_or_hypofibrinogenaemia" not in met
        assert first.met is False and first.conclusive is False
        _, second = _at(moments, 1, "hlh-2004")
        fever = next(c for c in second.criteria if c.name == "fever")
        assert fever.met is False and fever.value == 38.0

    def test_without_scored_values_there_is_no_moment(self) -> None:
        """CRP and body weight feed none of the scores."""
        values = (_obs("crp", 50, T0), _obs("body_weight", 70, T0))
        assert calculate_scores_over_time(values) == ()


def test_scored_analytes_of_hscore_are_its_laboratory_items() -> None:
    """The HScore reads eight stored quantities (scores.yaml, fardet-2014)."""
    assert get_scored_analytes(("hscore",)) == {
        "temperature",
        "hemoglobin",
        "leukocytes",
        "platelets",
        "ferritin",
        "triglycerides",
        "fibrinogen",
        "ast",
    }
