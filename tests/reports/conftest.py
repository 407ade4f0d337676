"""A hand-built patient course for the report tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from anakinra_iv.assessment import calculate_score, get_score_definition
from anakinra_iv.reports.course_data import (
    CourseReportData,
    LabSeries,
    ReportBag,
    ReportOrder,
    ReportOverride,
    ReportRecommendation,
    ReportScore,
    ReportSegment,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


SCORED = ("hscore", "ms-score", "mas-2016", "hlh-2004")


def make_scores(labs: tuple[LabSeries, ...]) -> tuple[ReportScore, ...]:
    """Each score on each day from that day's values of the labs (the items a score reads)."""
    rows = []
    for day in range(len(labs[0].points)):
        at = labs[0].points[day][0]
        values = {s.name: f"{s.points[day][1]:g} {s.unit}" for s in labs}
        for name in SCORED:
            definition = get_score_definition(name)
            items = {k: v for k, v in values.items() if k in definition.items}
            rows.append(
                ReportScore(
                    at,
                    name,
                    definition.title,
                    calculate_score(name, items),
                    tuple(f"{k} {v}" for k, v in items.items()),
                )
            )
    return tuple(rows)


def make_report_data() -> CourseReportData:
    """Two days at 50 mg/h with a 1 h pause and a bag change; daily labs; one override."""
    segments = (
        ReportSegment("1", "start", T0, T0 + 12 * H, 50, 100 / 12, "1", None),
        ReportSegment("1", "bag_change", T0 + 12 * H, T0 + 20 * H, 50, 100 / 12, "2", None),
        ReportSegment("1", "pause", T0 + 20 * H, T0 + 21 * H, 0, 0, "2", "line occluded"),
        ReportSegment("1", "resume", T0 + 21 * H, T0 + 24 * H, 50, 100 / 12, "2", None),
        ReportSegment("1", "stop", T0 + 24 * H, None, 0, 0, None, "response"),
    )
    days = [T0 + d * 24 * H for d in range(3)]

    def series(name: str, display: str, unit: str, values: list[float]) -> LabSeries:
        return LabSeries(name, display, unit, tuple(zip(days, values, strict=True)))

    labs = (
        series("ferritin", "Ferritin", "ng/mL", [12000, 8000, 5000]),
        series("crp", "C-reactive protein", "mg/L", [180, 120, 60]),
        series("fibrinogen", "Fibrinogen", "mg/dL", [120, 150, 210]),
        series("platelets", "Platelets", "10*9/L", [45, 60, 90]),
        series("ast", "Aspartate aminotransferase", "U/L", [400, 250, 120]),
        series("temperature", "Body temperature", "Cel", [39.8, 38.4, 37.1]),
    )
    return CourseReportData(
        patient_name="Doe, Jane",
        mrn="MRN-0001",
        birth_date=date(1971, 3, 2),
        sex="female",
        generated_at=T0 + 48 * H,
        orders=(
            ReportOrder(
                "1",
                "adult-mas-civ v1",
                T0 - H,
                "dr_house",
                5,
                2000,
                83.33,
                "stopped",
                "above_soft",
                "refractory to SC anakinra",
            ),
        ),
        segments=segments,
        bags=(
            ReportBag(
                "1",
                "1",
                "removed",
                T0 - H,
                "ph_ada",
                "ph_bo",
                ("LOT-A1", "LOT-A2"),
                600,
                100,
                6,
                T0 + 11 * H,
            ),
            ReportBag(
                "2",
                "1",
                "removed",
                T0 + 11 * H,
                "ph_ada",
                "ph_bo",
                ("LOT-B7",),
                600,
                100,
                6,
                T0 + 23 * H,
            ),
        ),
        labs=labs,
        overrides=(
            ReportOverride(
                T0 - H,
                "1",
                "step 5: 2,000 mg/day (83.33 mg/h)",
                "above_soft",
                "refractory to SC anakinra",
            ),
        ),
        scores=make_scores(labs),
        recommendations=(
            ReportRecommendation(
                T0 - H,
                "dose_plan",
                "step 5: 2,000 mg/day (83.33 mg/h)",
                "order 1: 2,000 mg/day, now stopped",
            ),
        ),
    )


@pytest.fixture
def report_data() -> CourseReportData:
    """The hand-built course."""
    return make_report_data()
