"""The patient-course report's data, read from the stored course."""

from __future__ import annotations

import numpy as np

from anakinra_iv.workflow.commands import RequestRecommendation
from anakinra_iv.workflow.report import REPORT_ANALYTES, get_report_data
from anakinra_iv.workflow.services import request_recommendation
from tests.workflow_support.fixtures import Ward, start_running


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
    assert "1,200 mg/day (50 mg/h)" in shown.shown and shown.done.startswith(f"order {order_id}")
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
    assert shown.done == "no order placed"
