"""The patient-course report's data, read from the stored course."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from anakinra_iv.workflow.commands import ChangeDose, RecordObservation, RequestRecommendation
from anakinra_iv.workflow.report import DOSE_PLAN_KIND, REPORT_ANALYTES, get_report_data
from anakinra_iv.workflow.services import change_dose, record_observation, request_recommendation
from tests.workflow_support.fixtures import START, Ward, prescribe_step, start_running


def _lab(ward: Ward, value: str, code: str, at: datetime) -> None:
    record_observation(
        RecordObservation(ward.users["nurse"], ward.patient_id, value, at, code=code),
        ward.uow(),
        ward.clock(),
    )


def test_report_data_of_a_running_infusion(ward: Ward) -> None:
    """Order at step 3 (1,200 mg/day = 50 mg/h, bag 600 mg in 100 mL = 6 mg/mL); the prescribed
    plan is the one recommendation shown, and it led to the order."""
    order_id, bag_id = start_running(ward)
    ward.clock.advance(hours=6)
    data = get_report_data(
        ward.uow(), ward.users["admin"], ward.patient_id, ward.clock(), np.random.default_rng(7)
    )
    assert [(o.id, o.daily_dose_mg_per_day, o.rate_mg_per_h) for o in data.orders] == [
        (str(order_id), 1200, 50)
    ]
    assert [(b.id, b.drug_amount_mg, b.concentration_mg_per_ml) for b in data.bags] == [
        (str(bag_id), 600, 6)
    ]
    assert [s.rate_mg_per_h for s in data.segments] == [50]
    assert [s.name for s in data.labs] == list(REPORT_ANALYTES)
    (shown,) = data.recommendations
    assert "1,200 mg/day (50 mg/h)" in shown.shown
    assert shown.done.startswith(f"order {order_id}: ordered 1,200 mg/day")
    assert data.pk is not None and data.pk.subjects == 200


def test_same_seed_gives_the_same_band_and_no_rng_gives_none(ward: Ward) -> None:
    """The band is drawn only from the generator passed in."""
    start_running(ward)
    ward.clock.advance(hours=3)
    a, b = (
        get_report_data(
            ward.uow(),
            ward.users["viewer"],
            ward.patient_id,
            ward.clock(),
            np.random.default_rng(3),
        )
        for _ in range(2)
    )
    assert a.pk == b.pk
    none = get_report_data(ward.uow(), ward.users["viewer"], ward.patient_id, ward.clock(), None)
    assert none.pk is None


def test_review_recommendation_is_reported_without_an_order(ward: Ward) -> None:
    """A review asked for before any order shows its action and 'no order placed'."""
    request_recommendation(
        RequestRecommendation(ward.users["prescriber"], ward.patient_id, "adult-mas-civ"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    data = get_report_data(ward.uow(), ward.users["viewer"], ward.patient_id, ward.clock(), None)
    (shown,) = data.recommendations
    assert shown.kind == "review" and shown.shown.startswith("start")
    assert shown.done == "no order, dose change or stop up to this report"


def _review(ward: Ward) -> None:
    request_recommendation(
        RequestRecommendation(ward.users["prescriber"], ward.patient_id, "adult-mas-civ"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )


def test_review_then_order_reports_the_order_as_what_was_done(ward: Ward) -> None:
    """A review, then 1 h later an order at step 3 (1,200 mg/day): the review's 'done' is that
    order, and the order's own dose plan says it was ordered."""
    _review(ward)
    ward.clock.advance(hours=1)
    order_id = prescribe_step(ward)
    data = get_report_data(ward.uow(), ward.users["viewer"], ward.patient_id, ward.clock(), None)
    review, plan = data.recommendations
    assert review.kind == "review" and plan.kind == DOSE_PLAN_KIND
    assert (
        review.done
        == f"2026-01-05 09:00: order {order_id}: ordered 1,200 mg/day; order now "
        + ("pending_verification")
    )
    assert plan.done.startswith(f"order {order_id}: ordered 1,200 mg/day")


def test_an_override_stays_in_the_report_after_the_dose_is_lowered(ward: Ward) -> None:
    """Step 5 (2,000 mg/day, above the 1,600 mg/day soft maximum) with a reason, then lowered to
    step 3: the order no longer carries the reason, the report still lists the override."""
    order_id = prescribe_step(ward, 5, override_reason="refractory MAS")
    ward.clock.advance(hours=2)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=3, reason="ferritin falling"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    data = get_report_data(ward.uow(), ward.users["viewer"], ward.patient_id, ward.clock(), None)
    (override,) = data.overrides
    assert (override.order_id, override.reason, override.limit_status) == (
        str(order_id),
        "refractory MAS",
        "above_soft",
    )
    assert override.at == START and override.dose.startswith("step 5: 2,000 mg/day")
    first, second = data.recommendations
    assert "ordered 2,000 mg/day; override: refractory MAS" in first.done
    assert second.done.startswith(f"order {order_id}: dose changed to 1,200 mg/day")


def test_scores_over_time_from_stored_labs(ward: Ward) -> None:
    """Ferritin 8,500 ng/mL and 39.7 Cel at 08:00 (Fardet 2014: 50 + 49 = 99 points), ferritin
    4,000 at 08:00 next day (35 + 49 = 84); the registration creatinine feeds no score."""
    _lab(ward, "8500 ng/mL", "2276-4", START)
    _lab(ward, "39.7 Cel", "8310-5", START)
    ward.clock.advance(hours=24)
    _lab(ward, "4000 ng/mL", "2276-4", ward.clock())
    data = get_report_data(ward.uow(), ward.users["viewer"], ward.patient_id, ward.clock(), None)
    hscores = [s for s in data.scores if s.name == "hscore"]
    assert [(s.at, s.result.points if s.result else None) for s in hscores] == [
        (START, 99),
        (START + timedelta(hours=24), 84),
    ]
    assert hscores[1].values_used == (
        "temperature 39.7 Cel (2026-01-05 08:00)",
        "ferritin 4000 ng/mL (2026-01-06 08:00)",
    )
    assert {s.name for s in data.scores} == {"hscore", "ms-score", "mas-2016", "hlh-2004"}


def test_report_includes_the_orders_time_to_drug(ward: Ward) -> None:
    """An order started at the same moment as signed (start_running moves no clock) and a dose
    change signed 2 h later, not yet re-verified at +3 h: the report's time to drug has the
    total of 0 min and the dose change open after 60 min; the HTML shows both."""
    from anakinra_iv.reports.course_report import create_course_report
    from anakinra_iv.reports.render import render_html

    order_id, _ = start_running(ward)
    ward.clock.advance(hours=2)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=4, reason="ferritin up"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    ward.clock.advance(hours=1)
    data = get_report_data(ward.uow(), ward.users["admin"], ward.patient_id, ward.clock(), None)
    (timing,) = data.time_to_drug
    assert timing.order_id == order_id and timing.total is not None
    assert timing.total.minutes == 0 and not timing.total.open
    (change,) = timing.dose_changes
    assert change.open and change.total_minutes == 60
    html = render_html(create_course_report(data))
    assert "Time to drug" in html and "open, waiting 1 h" in html
