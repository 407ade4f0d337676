"""Every printout (the compounding worksheet of a bag to make and of a bag made, the label at
both sizes) in the site's zone and at one rounding: no time printed in UTC when the site is in
Europe/Paris, and every quantity at the display precision the label and the rest of the sheet use
(a step never says 66.67 mg/h where the table and the label say 66.7 mg/h).

Hand figures: step 4 of adult-mas-civ is 1,600 mg/day = 1600 / 24 = 66.67 mg/h, shown 66.7 mg/h
(display precision 0.1 mg/h, ``reports/display.py``); a bag made at 08:00 UTC on 5 Jan 2026
starts by 20:00 UTC = 21:00 CET (the recipe's start-by time is preparation + 12 h).
"""

from __future__ import annotations

import re
from dataclasses import replace
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anakinra_iv.reports.display import DECIMALS
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import PrepareBag, Prescribe, VerifyOrder
from anakinra_iv.workflow.services import prepare_bag, prescribe, verify_order
from tests.web.conftest import Api
from tests.web.test_blind_paths import _new_patient
from tests.web.test_pages import _sign_in
from tests.workflow_support.fixtures import prescribe_step, verify

_COUNT = [0]

_FOOTER = re.compile(r"Times are shown in [^.;]*[.;][^.]*\.")
_QUANTITY = re.compile(r"(\d[\d,]*(?:\.(\d+))?) (mg/h|mL/h|mg/mL|mg/day)\b")


def _visible(html: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return _FOOTER.sub("", text)


def _paris(api: Api) -> None:
    api.client.app.state.services = replace(  # type: ignore[attr-defined]
        api.ward.services, zone=ZoneInfo("Europe/Paris")
    )


def _printouts(api: Api, order_id: int, bag_id: int) -> dict[str, str]:
    _sign_in(api, "ph_ada")
    urls = [
        f"/orders/{order_id}/worksheet",
        f"/bags/{bag_id}/worksheet",
        f"/bags/{bag_id}/label?size=4x3",
        f"/bags/{bag_id}/label?size=a4",
    ]
    pages = {}
    for url in urls:
        answer = api.client.get(url)
        assert answer.status_code == 200, (url, answer.text[:300])
        pages[url] = _visible(answer.text)
    return pages


def _bag(api: Api, order_id: int) -> int:
    view = prepare_bag(
        PrepareBag(api.ward.users["pharmacist"], order_id, api.ward.clock(), ("LOT-A1", "LOT-A2")),
        api.ward.uow(),
        api.ward.services.calculator,
        api.ward.clock(),
    )
    return view.id


def test_the_step_4_worksheet_prints_local_times_and_one_rounding(api: Api) -> None:
    """The reported case: step 4 (66.67 mg/h) in Europe/Paris: the worksheet's steps say
    66.7 mg/h like its table and the label, and 'start by 5 Jan 2026 21:00 CET', never UTC."""
    _paris(api)
    order_id = prescribe_step(api.ward, 4)
    verify(api.ward, order_id, "66.67 mg/h", "8 mg/mL")
    bag_id = _bag(api, order_id)
    for url, page in _printouts(api, order_id, bag_id).items():
        assert "UTC" not in page, url
        assert "66.67" not in page and "66.7 mg/h" in page, url
    sheet = _visible(api.client.get(f"/bags/{bag_id}/worksheet").text)
    assert "start by 5 Jan 2026 21:00 CET" in sheet and "Start by 5 Jan 2026 21:00 CET" in sheet


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(daily=st.integers(min_value=300, max_value=2400), hour=st.integers(0, 23))
def test_no_printout_shows_utc_or_a_second_rounding(api: Api, daily: int, hour: int) -> None:
    """Property: whatever the daily dose and the hour the bag is made, no printout prints a
    time in UTC for a Paris site, and no rate or concentration with more decimals than the
    display precision of its unit."""
    _paris(api)
    _COUNT[0] += 1
    patient_id = _new_patient(api.ward, 5000 + _COUNT[0])
    api.ward.clock.advance(hours=hour + 1)
    ward = api.ward
    order = prescribe(
        Prescribe(
            ward.users["prescriber"],
            patient_id,
            "adult-mas-civ",
            daily_dose=Q_(daily, "mg/day"),
            override_reason="team decision",
        ),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with ward.uow() as uow:
        row = uow.orders.get(order.id)
        rate, concentration = row.rate_mg_per_h, row.planned_concentration_mg_per_ml
    verify_order(
        VerifyOrder(
            ward.users["pharmacist"], order.id, Q_(rate, "mg/h"), Q_(concentration, "mg/mL")
        ),
        ward.uow(),
        ward.clock(),
    )
    bag_id = _bag(api, order.id)
    for url, page in _printouts(api, order.id, bag_id).items():
        assert "UTC" not in page, url
        for match in _QUANTITY.finditer(page):
            decimals = len(match.group(2) or "")
            assert decimals <= DECIMALS[match.group(3)], (url, match.group(0))
