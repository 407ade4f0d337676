"""GET /api/metrics/time-to-drug on both databases: intervals from the stored events (the fake
clock moved by hand between steps), JSON and CSV, roles, and bad dates refused naming the field."""

from __future__ import annotations

import csv
import io

from anakinra_iv.workflow.commands import PrepareBag
from anakinra_iv.workflow.services import prepare_bag
from tests.web.conftest import Api
from tests.workflow_support.fixtures import (
    administer,
    prescribe_step,
    read_bag,
    verify,
)

URL = "/api/metrics/time-to-drug?from=2026-01-05&to=2026-01-05"


def _run_order(api: Api) -> int:
    """Signed 08:00, verified +20, bag prepared +45, checked +15, started +30 (total 110)."""
    ward = api.ward
    order_id = prescribe_step(ward)
    ward.clock.advance(minutes=20)
    verify(ward, order_id)
    ward.clock.advance(minutes=45)
    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("LOT-A1", "LOT-A2")),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    ward.clock.advance(minutes=15)
    read_bag(ward, bag.id)
    ward.clock.advance(minutes=30)
    administer(ward, order_id, "start", bag_id=bag.id)
    ward.clock.advance(minutes=60)
    return order_id


def test_json_gives_each_step_of_the_order_and_the_summary(api: Api) -> None:
    """Steps 20, 45, 15, 30 min and total 110 (hand sums of the clock's moves); one order,
    none open; the slowest step is 'prepare' (45 min)."""
    order_id = _run_order(api)
    response = api.get("pharmacist", URL)
    assert response.status_code == 200, response.text
    body = response.json()
    (order,) = body["orders"]
    assert order["order_id"] == order_id and order["outcome"] == "running"
    minutes = {name: step["minutes"] for name, step in order["steps"].items()}
    assert minutes == {"reorder": 0, "verify": 20, "prepare": 45, "check": 15, "start": 30}
    assert order["total"] == {
        "from": "2026-01-05T08:00:00+00:00",
        "to": "2026-01-05T09:50:00+00:00",
        "minutes": 110,
        "open": False,
    }
    (summary,) = body["summaries"]
    assert (summary["orders"], summary["open_orders"], summary["slowest_step"]) == (1, 0, "prepare")
    assert summary["intervals"]["total"]["median_minutes"] == 110


def test_csv_has_one_row_per_interval(api: Api) -> None:
    """format=csv: a header and one row per interval; 'check' has median, p90, worst 15.0."""
    _run_order(api)
    response = api.get("admin", URL + "&format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["interval"] for r in rows][:6] == [
        "reorder",
        "verify",
        "prepare",
        "check",
        "start",
        "total",
    ]
    check = next(r for r in rows if r["interval"] == "check")
    assert (check["median_minutes"], check["p90_minutes"], check["worst_minutes"]) == (
        "15.0",
        "15.0",
        "15.0",
    )


def test_open_order_is_open_and_roles_are_checked(api: Api) -> None:
    """An order only signed is open with 30 min waited at verification; the pharmacy lead and
    the prescriber may read the figures; a nurse and a viewer are refused (403)."""
    prescribe_step(api.ward)
    api.ward.clock.advance(minutes=30)
    body = api.get("lead", URL).json()
    (order,) = body["orders"]
    assert order["outcome"] == "open" and order["open_step"] == "verify"
    assert order["steps"]["verify"] == {
        "from": "2026-01-05T08:00:00+00:00",
        "to": None,
        "minutes": 30,
        "open": True,
    }
    total = body["summaries"][0]["intervals"]["total"]
    assert (total["count"], total["open"], total["median_minutes"]) == (0, 1, None)
    assert api.get("prescriber", URL).status_code == 200
    assert api.get("nurse", URL).status_code == 403
    assert api.get("viewer", URL).status_code == 403


def test_bad_dates_are_refused_naming_the_field(api: Api) -> None:
    """'5/1/2026' and a 'to' before 'from' are 422 naming the field; nothing is computed."""
    bad = api.get("pharmacist", "/api/metrics/time-to-drug?from=5/1/2026")
    assert bad.status_code == 422 and "'from'" in bad.text
    backwards = api.get("pharmacist", "/api/metrics/time-to-drug?from=2026-01-06&to=2026-01-05")
    assert backwards.status_code == 422 and "'to'" in backwards.text


def test_page_and_chart_for_a_pharmacist_and_a_typed_bad_date(api: Api) -> None:
    """Signed in as the pharmacist: the page lists the ward with 1 order and links five charts;
    a chart is a PNG; 'from=yesterday' is a 422 page naming 'from' and showing no table."""
    from tests.web.test_pages import _sign_in

    _run_order(api)
    _sign_in(api, "ph_ada")
    page = api.client.get("/time-to-drug?from=2026-01-05&to=2026-01-05")
    assert page.status_code == 200
    assert 'data-fact="orders">1<' in page.text and page.text.count('class="ttd-charts"') == 1
    assert page.text.count("/time-to-drug/") == 5
    chart = api.client.get("/time-to-drug/prepare.png?from=2026-01-05&to=2026-01-05")
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    bad = api.client.get("/time-to-drug?from=yesterday")
    assert bad.status_code == 422 and "from" in bad.text and 'class="ttd"' not in bad.text
