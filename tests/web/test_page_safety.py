"""What the pages show and, above all, what they do not: no computed number to a pharmacist before
their blind verification, no message taken from the URL, a styled page for every error, forms
that keep what was typed and speak the labels' words, times in the site's zone with the date,
numbers at display precision, the audit trail in sentences."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.web.conftest import Api
from tests.web.test_pages import _sign_in
from tests.workflow_support.fixtures import (
    administer,
    compound_and_check,
    prescribe_step,
    start_running,
    verify,
)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _visible(html: str) -> str:
    """The page's text without tags (what a reader sees, roughly)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_pharmacist_sees_the_order_as_written_and_nothing_computed(api: Api) -> None:
    """Step 3 (1,200 mg/day = 50 mg/h, 6 mg/mL, 8.3 mL/h): the pharmacist's order page shows the
    step, weight, creatinine and the verify form, and none of 50 mg/h, 6 mg/mL, 8.3 mL/h,
    1,200 mg/day or the plan section; the patient page and board do not show them either; after
    the verification is accepted they appear."""
    order_id = prescribe_step(api.ward, 3)
    _sign_in(api, "ph_ada")
    page = api.client.get(f"/orders/{order_id}").text
    seen = _visible(page)
    assert "The order as written" in seen and "Step 3" in seen and "weight 70 kg" in seen
    assert "creatinine 1 mg/dL" in seen and 'name="rate_mg_per_h"' in page
    for leak in ("50 mg/h", "6 mg/mL", "8.3 mL/h", "1,200 mg/day", "Plan as calculated", "within"):
        assert leak not in seen, leak
    for url in (f"/patients/{api.ward.patient_id}", "/", "/pharmacy"):
        shown = _visible(api.client.get(url).text)
        for leak in ("50 mg/h", "6 mg/mL", "1,200 mg/day"):
            assert leak not in shown, (url, leak)
    verify(api.ward, order_id)
    after = _visible(api.client.get(f"/orders/{order_id}").text)
    assert "50 mg/h" in after and "6 mg/mL" in after and "Plan as calculated" in after


def test_the_preview_calculator_is_not_open_to_a_pharmacist(api: Api) -> None:
    """The live calculation of order entry would do a pharmacist's blind calculation for them:
    it answers a pharmacist with a refusal, never a plan."""
    _sign_in(api, "ph_ada")
    answer = api.client.get(
        f"/ui/preview?patient_id={api.ward.patient_id}&protocol_id=adult-mas-civ&step=3"
    )
    assert "50 mg/h" not in answer.text and "may not" in answer.text


def test_a_mismatch_on_the_page_says_only_does_not_match(api: Api) -> None:
    """Entering 500 mg/h and 6 mg/mL: the page says the values do not match, naming neither the
    order's values nor which one was wrong."""
    order_id = prescribe_step(api.ward, 3)
    csrf = _sign_in(api, "ph_ada")
    page = api.client.post(
        f"/orders/{order_id}/verify",
        data={"rate_mg_per_h": "500", "concentration_mg_per_ml": "6", "csrf_token": csrf},
        follow_redirects=True,
    )
    seen = _visible(page.text)
    assert "do not match" in seen and "attempt 1 of 3" in seen
    for leak in ("50 mg/h", "Rate (mg/h) 500", "concentration is", "rate is"):
        assert leak not in seen


def test_text_in_the_url_is_never_shown_as_a_message(api: Api) -> None:
    """/orders/1?error=...&msg=... shows neither text: messages come only from the server."""
    order_id = prescribe_step(api.ward)
    _sign_in(api, "rn_cy")
    page = api.client.get(f"/orders/{order_id}?error=Give+10x+dose&msg=Saved+by+admin")
    assert "Give 10x dose" not in page.text and "Saved by admin" not in page.text
    assert 'role="alert"' not in page.text.split("<main", 1)[1].split("The order as written")[0]


def test_a_forged_flash_cookie_is_ignored(api: Api) -> None:
    """A flash cookie not signed by the server shows nothing."""
    order_id = prescribe_step(api.ward)
    _sign_in(api, "rn_cy")
    api.client.cookies.set(
        "anakinra_flash", "eyJhbGciOiJub25lIn0.eyJvayI6IkhpamFja2VkIiwicGF0aCI6Ii9vcmRlcnMvMSJ9."
    )
    assert "Hijacked" not in api.client.get(f"/orders/{order_id}").text


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/no/such/page", 404, "There is no page at /no/such/page"),
        ("/orders/999999", 404, "order 999999 does not exist"),
        ("/orders/abc", 404, "There is no page"),
        ("/audit", 403, "may not read audit"),
    ],
)
def test_errors_are_styled_pages_not_json(api: Api, url: str, status: int, words: str) -> None:
    """A page that does not exist, a missing record and a refused role each get an HTML page
    with the app's layout and a way back, never a JSON body."""
    _sign_in(api, "rn_cy")
    response = api.client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text and "Back to the board" in response.text
    assert '{"code"' not in response.text


def test_a_refused_form_keeps_what_was_typed_and_uses_the_labels(api: Api) -> None:
    """Admitting a patient with weight '70 kg/h' (a rate, not a mass): the form comes back with
    every typed value, the error speaks of 'Weight' and links to the field; once the weight is
    fixed, the birth date in the future is refused the same way."""
    csrf = _sign_in(api, "rn_cy")
    typed = {
        "mrn": "MRN-77",
        "name": "Roe, Ann",
        "birth_date": "2999-01-01",
        "sex": "female",
        "weight": "70 kg/h",
        "creatinine": "0.9 mg/dL",
        "ward": "ICU 4",
        "bed": "12",
    }
    page = api.client.post("/patients", data=typed | {"csrf_token": csrf}, follow_redirects=True)
    assert "There is a problem" in page.text
    for value in typed.values():
        assert f'value="{value}"' in page.text or value == "female", value
    assert 'href="#f-weight"' in page.text
    errors = _visible(page.text.split("error-summary", 1)[1].split("</div>", 1)[0])
    assert "Weight must be in a unit" in errors and "weight'" not in errors
    page = api.client.post(
        "/patients", data=typed | {"weight": "70 kg", "csrf_token": csrf}, follow_redirects=True
    )
    errors = _visible(page.text.split("error-summary", 1)[1].split("</div>", 1)[0])
    assert 'href="#f-birth_date"' in page.text and "Birth date must not be in the future" in errors
    assert "birth_date" not in errors
    with api.ward.uow() as uow:
        assert uow.patients.find_by_mrn("MRN-77") is None


def test_the_verify_error_uses_the_label_not_rate_mg_per_h(api: Api) -> None:
    """A rate typed as '50 mL/h' (the wrong field's unit) is refused in the label's words."""
    order_id = prescribe_step(api.ward)
    csrf = _sign_in(api, "ph_ada")
    page = api.client.post(
        f"/orders/{order_id}/verify",
        data={"rate_mg_per_h": "50 mL/h", "concentration_mg_per_ml": "6", "csrf_token": csrf},
        follow_redirects=True,
    )
    errors = _visible(page.text.split("error-summary", 1)[1].split("</div>", 1)[0])
    assert "Rate (mg/h) must be in a unit convertible to mg/h" in errors
    assert "rate_mg_per_h" not in errors


def test_a_misspelt_lab_on_the_page_is_refused_not_saved(api: Api) -> None:
    """'feritin' typed in the observation form: refused with 'did you mean ferritin', the typed
    value kept, nothing stored."""
    csrf = _sign_in(api, "rn_cy")
    page = api.client.post(
        f"/patients/{api.ward.patient_id}/observations",
        data={
            "name": "feritin",
            "value": "2400 ng/mL",
            "collected_at": "2026-01-05T07:30",
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )
    assert "did you mean ferritin" in page.text and "Saved" not in page.text
    assert 'value="feritin"' in page.text
    with api.ward.uow() as uow:
        assert all(o.name != "feritin" for o in uow.observations.list_for_patient(1))


def test_times_are_shown_in_the_site_zone_with_the_date(api: Api) -> None:
    """With the site in Europe/Paris (UTC+1 in January), an infusion started 08:00 UTC shows as
    '5 Jan 2026 09:00 CET' on the order page; an observation typed as 10:30 local is stored as
    09:30 UTC."""
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    api.client.app.state.services = replace(  # type: ignore[attr-defined]
        api.ward.services, zone=ZoneInfo("Europe/Paris")
    )
    order_id, _ = start_running(api.ward)
    csrf = _sign_in(api, "rn_cy")
    page = _visible(api.client.get(f"/orders/{order_id}").text)
    assert "5 Jan 2026 09:00 CET" in page and "Times are shown in Europe/Paris" in page
    api.ward.clock.advance(hours=3)
    api.client.post(
        f"/patients/{api.ward.patient_id}/observations",
        data={
            "name": "crp",
            "value": "85 mg/L",
            "collected_at": "2026-01-05T10:30",
            "csrf_token": csrf,
        },
    )
    with api.ward.uow() as uow:
        crp = next(o for o in uow.observations.list_for_patient(1) if o.name == "crp")
        assert crp.collected_at.isoformat() == "2026-01-05T09:30:00+00:00"


def test_rates_are_shown_to_one_decimal(api: Api) -> None:
    """Step 4 runs at 1,600/24 = 66.666... mg/h: the order's figures show 66.7 mg/h (and its
    8.3 mL/h), never 66.67 or 66.66666666666667 (the core's own explanation of the division,
    under "Where each number comes from", is left as the core writes it)."""
    order_id = prescribe_step(api.ward, 4)
    verify(api.ward, order_id, "66.67 mg/h", "8 mg/mL")
    _sign_in(api, "rn_cy")
    page = api.client.get(f"/orders/{order_id}").text
    figures = _visible(page.split("Where each number comes from")[0])
    assert "1,600 mg/day = 66.7 mg/h" in figures and "Verified rate 66.7 mg/h" in figures
    assert "66.67" not in figures and "66.666" not in figures


def _cancel(api: Api, order_id: int) -> None:
    from anakinra_iv.workflow.commands import CancelOrder
    from anakinra_iv.workflow.services import cancel_order

    cancel_order(
        CancelOrder(api.ward.users["prescriber"], order_id, "ordered again"),
        api.ward.uow(),
        api.ward.clock(),
    )


def test_the_audit_page_reads_as_sentences_with_filters_and_pages(api: Api) -> None:
    """The admin reads 'ph_ada verified order N blind (entered 66.7 mg/h and 8 mg/mL)' (not
    66.66666666666667); a filter by order shows only that order's events; by user only theirs;
    pages of 50 link to older events."""
    first = prescribe_step(api.ward, 4)
    verify(api.ward, first, "66.66666666666667 mg/h", "8 mg/mL")
    _cancel(api, first)  # one open order per patient
    second = prescribe_step(api.ward, 3)
    _sign_in(api, "admin")
    page = _visible(api.client.get("/audit").text)
    assert f"ph_ada verified order {first} blind (entered 66.7 mg/h and 8 mg/mL)" in page
    assert "66.666" not in page
    by_order = _visible(api.client.get(f"/audit?order={second}").text)
    assert f"as order {second}" in by_order and f"verified order {first}" not in by_order
    by_user = _visible(api.client.get("/audit?actor=ph_ada").text)
    assert "ph_ada verified" in by_user and "dr_house ordered" not in by_user
    _cancel(api, second)
    for _ in range(25):  # 50 more events: an order and its cancellation, 25 times
        _cancel(api, prescribe_step(api.ward, 2))
    newest = api.client.get("/audit").text
    assert 'id="older"' in newest
    older = re.search(r'id="older" href="([^"]+)"', newest)
    assert older is not None
    assert api.client.get(older.group(1).replace("&amp;", "&")).status_code == 200


def test_the_protocol_page_reads_as_clinical_text(api: Api) -> None:
    """Values with units, status and source, in clinical words: 'Step 3 daily dose' '1,200
    mg/day'; the rule threshold 'Response: Ferritin, ratio to its peak ≤' '0.75' (no unit '1');
    never 'rules[2].all[0].threshold = 0.75 1' as the label."""
    _sign_in(api, "rn_cy")
    page = api.client.get("/protocols").text
    seen = _visible(page)
    assert "Step 3 daily dose 1,200 mg/day site-decision antin-1994" in seen
    assert "Response: Ferritin, ratio to its peak ≤ 0.75 site-decision" in seen
    assert "0.75 1" not in seen and "= 0.75" not in seen
    assert "Minimum age 18 years published" in seen


def test_label_shows_not_checked_until_the_check_and_the_checker_after(api: Api) -> None:
    """Before the second check the label says 'NOT CHECKED - do not hang' and names no checker;
    afterwards it names the checker; ward/bed, prescriber and start-by time are printed; a 4 x 3
    inch layout and an A4 layout exist."""
    from anakinra_iv.workflow.commands import PrepareBag
    from anakinra_iv.workflow.services import prepare_bag

    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    bag = prepare_bag(
        PrepareBag(api.ward.users["pharmacist"], order_id, api.ward.clock(), ("L1",)),
        api.ward.uow(),
        api.ward.services.calculator,
        api.ward.clock(),
    )
    _sign_in(api, "ph_ada")
    label = _visible(api.client.get(f"/bags/{bag.id}/label").text)
    assert "NOT CHECKED - do not hang" in label and "Checked by" not in label
    assert "Prescriber: dr_house" in label and "START BY 5 Jan 2026 20:00 UTC" in label
    assert "label-4x3.css" in api.client.get(f"/bags/{bag.id}/label").text
    assert "label-a4.css" in api.client.get(f"/bags/{bag.id}/label?size=a4").text
    api.ward.clock.advance(minutes=5)
    from tests.workflow_support.fixtures import read_bag

    read_bag(api.ward, bag.id)
    checked = _visible(api.client.get(f"/bags/{bag.id}/label").text)
    assert "NOT CHECKED" not in checked and "Checked by ph_bo" in checked


def test_the_nursing_form_offers_the_next_sensible_event(api: Api) -> None:
    """Verified and a checked bag: 'start' is preselected; running with a new checked bag:
    'bag change', and 'start' is not offered on a running order."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    first_bag = compound_and_check(api.ward, order_id)
    _sign_in(api, "rn_cy")
    page = api.client.get(f"/orders/{order_id}").text
    assert '<option value="start" selected>' in page
    api.client.cookies.clear()
    administer(api.ward, order_id, "start", bag_id=first_bag)
    running = order_id
    api.ward.clock.advance(hours=10)
    compound_and_check(api.ward, running)
    _sign_in(api, "rn_cy")
    page = api.client.get(f"/orders/{running}").text
    assert '<option value="bag_change" selected>' in page and 'value="start"' not in page
    api.ward.clock.advance(hours=timedelta(hours=1).total_seconds() / 3600)


@pytest.mark.parametrize(
    "text",
    ["Give 10x the dose", "<b>verified</b>", "Saved. Start 500 mg/h", "ok&role=admin"],
)
def test_no_query_text_reaches_the_page(api: Api, text: str) -> None:
    """Whatever is put in ?error= or ?msg= (any text, HTML included), the page never shows it."""
    from urllib.parse import quote

    _sign_in(api, "rn_cy")
    page = api.client.get(f"/patients?error={quote(text)}&msg={quote(text)}").text
    assert text not in page and quote(text) not in page
