"""Server-rendered pages: sign-in, CSRF, disclaimer, role-dependent pages, live calculation."""

from __future__ import annotations

import re

from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD, prescribe_step

DISCLAIMER = "IV anakinra is off-label"


def _sign_in(api: Api, username: str) -> str:
    """Sign in through the form; return the CSRF token of the next page."""
    response = api.client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match is not None
    return match.group(1)


def test_pages_need_sign_in_and_show_the_intended_use(api: Api) -> None:
    """An anonymous visit is sent to /login, which already carries the disclaimer."""
    response = api.client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    login = api.client.get("/login")
    assert DISCLAIMER in login.text and "qualified clinicians" in login.text


def test_wrong_password_on_the_form_is_401(api: Api) -> None:
    """The sign-in form reports a wrong password without setting a cookie."""
    response = api.client.post("/login", data={"username": "rn_cy", "password": "x"})
    assert response.status_code == 401 and "wrong" in response.text
    assert "anakinra_session" not in response.cookies


def test_form_without_csrf_token_changes_nothing(api: Api) -> None:
    """A verification posted without the session's CSRF token is refused; the order stays
    pending."""
    order_id = prescribe_step(api.ward)
    _sign_in(api, "ph_ada")
    response = api.client.post(
        f"/orders/{order_id}/verify",
        data={"rate_mg_per_h": "50", "concentration_mg_per_ml": "6", "csrf_token": "forged"},
        follow_redirects=True,
    )
    assert "The form expired" in response.text
    with api.ward.uow() as uow:
        assert uow.orders.get(order_id).status == "pending_verification"


def test_pharmacist_verifies_through_the_page(api: Api) -> None:
    """With the right token the page verification works and the board shows the order."""
    order_id = prescribe_step(api.ward)
    csrf = _sign_in(api, "ph_ada")
    page = api.client.get(f"/orders/{order_id}")
    assert "Blind verification" in page.text and DISCLAIMER in page.text
    done = api.client.post(
        f"/orders/{order_id}/verify",
        data={"rate_mg_per_h": "50", "concentration_mg_per_ml": "6", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert 'id="order-status">verified' in done.text
    board = api.client.get("/")
    assert f"/orders/{order_id}" in board.text and "no checked bag ready to hang" in board.text


def test_live_calculation_fragment(api: Api) -> None:
    """The preview for step 3 shows 1,200 mg/day, 50 mg/h and the provenance table."""
    _sign_in(api, "dr_house")
    fragment = api.client.get(
        "/ui/preview",
        params={"patient_id": api.ward.patient_id, "protocol_id": "adult-mas-civ", "step": "3"},
    )
    assert "1,200 mg/day" in fragment.text and "50 mg/h" in fragment.text
    assert "Where each number comes from" in fragment.text
    bad = api.client.get(
        "/ui/preview",
        params={
            "patient_id": api.ward.patient_id,
            "protocol_id": "adult-mas-civ",
            "daily_dose": "3000 mg/day",
        },
    )
    assert 'role="alert"' in bad.text and "daily" in bad.text.lower()


def test_every_page_renders_and_audit_is_admin_only(api: Api) -> None:
    """Board, patients, patient, order entry, pharmacy, nursing and protocols render for a
    nurse; the audit page is refused (403) for a nurse and shows an intact chain to admin."""
    order_id = prescribe_step(api.ward)
    _sign_in(api, "rn_cy")
    for url in (
        "/",
        "/patients",
        f"/patients/{api.ward.patient_id}",
        "/pharmacy",
        "/nursing",
        "/protocols",
        f"/orders/{order_id}",
    ):
        response = api.client.get(url)
        assert response.status_code == 200, url
        assert DISCLAIMER in response.text, url
    assert api.client.get("/audit").status_code == 403
    api.client.cookies.clear()
    _sign_in(api, "admin")
    audit = api.client.get("/audit")
    assert audit.status_code == 200 and "intact" in audit.text
    assert f"dr_house ordered step 3, 1,200 mg/day (50 mg/h) as order {order_id}" in audit.text
