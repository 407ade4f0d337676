"""The patient page: report button and report, timeline figure, recommendation asked for,
scores from stored labs, predicted band; the board's review and lab due; the pump check."""

from __future__ import annotations

from tests.web.conftest import Api
from tests.web.test_pages import _sign_in
from tests.workflow_support.fixtures import (
    compound_and_check,
    prescribe_step,
    scan_codes,
    start_running,
)


def test_report_button_serves_pdf_and_html_to_the_page_user(api: Api) -> None:
    """The button links to the cookie-authenticated report; PDF starts with %PDF."""
    start_running(api.ward)
    api.ward.clock.advance(hours=4)
    _sign_in(api, "rn_cy")
    pid = api.ward.patient_id
    page = api.client.get(f"/patients/{pid}")
    assert f'href="/patients/{pid}/report.pdf"' in page.text
    pdf = api.client.get(f"/patients/{pid}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    html = api.client.get(f"/patients/{pid}/report.html")
    assert html.status_code == 200 and "Doe, Jane" in html.text


def test_report_page_route_needs_the_session(api: Api) -> None:
    """Without a session cookie the page route sends the browser to sign in."""
    response = api.client.get(f"/patients/{api.ward.patient_id}/report.pdf", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_timeline_figure_as_png_and_svg(api: Api) -> None:
    """PNG signature and an SVG document; another format is 404."""
    start_running(api.ward)
    _sign_in(api, "rn_cy")
    pid = api.ward.patient_id
    png = api.client.get(f"/patients/{pid}/timeline.png")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = api.client.get(f"/patients/{pid}/timeline.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert api.client.get(f"/patients/{pid}/timeline.gif").status_code == 404


def test_prescriber_asks_for_a_recommendation_and_sees_scores(api: Api) -> None:
    """With ferritin 2,400 ng/mL the HScore row shows 35 points (Fardet 2014) with the rest
    missing; the recommendation asked for says start at step 1 (400 mg/day)."""
    pid = api.ward.patient_id
    csrf = _sign_in(api, "dr_house")
    api.client.post(
        f"/patients/{pid}/observations",
        data={
            "code": "2276-4",
            "value": "2400 ng/mL",
            "collected_at": "2026-01-05T07:00",
            "csrf_token": csrf,
        },
    )
    page = api.client.post(
        f"/patients/{pid}/recommendations",
        data={"protocol_id": "adult-mas-civ", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "No recommendation asked for yet" not in page.text
    assert "<strong>start</strong>" in page.text and "400 mg/day" in page.text
    assert "35 points" in page.text and "immunosuppression" in page.text


def test_nurse_cannot_ask_for_a_recommendation(api: Api) -> None:
    """The page action is refused for a nurse with the permission message; nothing stored."""
    csrf = _sign_in(api, "rn_cy")
    page = api.client.post(
        f"/patients/{api.ward.patient_id}/recommendations",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert 'role="alert"' in page.text or "not allowed" in page.text
    with api.ward.uow() as uow:
        assert list(uow.recommendations.list_for_patient(api.ward.patient_id)) == []


def test_page_shows_predicted_band_and_board_review_due(api: Api) -> None:
    """Running 3 h at 50 mg/h: the page states the band; the board shows review due next day."""
    start_running(api.ward)
    api.ward.clock.advance(hours=3)
    _sign_in(api, "rn_cy")
    page = api.client.get(f"/patients/{api.ward.patient_id}")
    assert "5th–95th percentile" in page.text and "mg/L" in page.text
    board = api.client.get("/")
    assert "6 Jan 2026 08:00 UTC" in board.text


def test_api_recommendation_roles(api: Api) -> None:
    """POST /api/patients/{id}/recommendations: 201 for a prescriber, 403 for a nurse."""
    url = f"/api/patients/{api.ward.patient_id}/recommendations"
    body = {"protocol_id": "adult-mas-civ"}
    done = api.post("prescriber", url, body)
    assert done.status_code == 201 and done.json()["outputs"]["action"] == "start"
    assert api.post("nurse", url, body).status_code == 403


def test_api_pump_hard_stop_is_422_naming_the_field(api: Api) -> None:
    """50 mL/h keyed for 50 mg/h at 6 mg/mL: 422 pump_hard_stop on rate_ml_per_h."""
    order_id = prescribe_step(api.ward)
    from tests.workflow_support.fixtures import verify

    verify(api.ward, order_id)
    bag_id = compound_and_check(api.ward, order_id)
    response = api.post(
        "nurse",
        f"/api/orders/{order_id}/administrations",
        {"event": "start", "bag_id": bag_id, "rate_ml_per_h": 50}
        | scan_codes(api.ward, order_id, bag_id),
    )
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (
        "pump_hard_stop",
        "rate_ml_per_h",
    )
