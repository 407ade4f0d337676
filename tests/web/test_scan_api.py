"""Barcode-checked administration through the REST API, on SQLite and PostgreSQL: a start or a
bag change needs this order's patient's wristband and a checked, unexpired, unhung bag of this
order at the verified concentration; every mismatch is refused naming the field, and the
refusal (with both scanned values) is committed to the audit trail while nothing of the
administration is."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from hypothesis import given

from anakinra_iv.bootstrap import create_services
from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
from anakinra_iv.errors import AnakinraError
from anakinra_iv.units import Q_
from anakinra_iv.web.app import create_app
from anakinra_iv.workflow.commands import ChangeDose, CreatePatient, PrepareBag
from anakinra_iv.workflow.services import change_dose, create_patient, prepare_bag
from anakinra_iv.workflow.services.scanning import read_override_reason
from tests.strategies import invisible_reasons
from tests.web.conftest import Api, TestClient
from tests.web.test_pages import _sign_in
from tests.workflow_support.fixtures import (
    Ward,
    compound_and_check,
    create_test_settings,
    prescribe_step,
    verify,
)

MRN = "MRN-0001"
"""The ward's patient (tests/workflow_support/fixtures.py)."""


def _ready(ward: Ward) -> tuple[int, int]:
    """A verified order of the ward's patient with one checked bag: (order id, bag id)."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    return order_id, compound_and_check(ward, order_id)


def _other_patient_ready(ward: Ward) -> tuple[int, int]:
    """A second patient (MRN-0002) with a verified order and a checked bag."""
    other = create_patient(
        CreatePatient(
            ward.users["prescriber"],
            mrn="MRN-0002",
            name="Roe, Richard",
            birth_date=date(1960, 5, 6),
            sex="male",
            weight=Q_(70, "kg"),
            creatinine=Q_(1.0, "mg/dL"),
            ward="ICU",
        ),
        ward.uow(),
        ward.clock(),
    )
    first, ward.patient_id = ward.patient_id, other.id
    try:
        return _ready(ward)
    finally:
        ward.patient_id = first


def _start(api: Api, order_id: int, **body: Any):  # type: ignore[no-untyped-def]
    return api.post("nurse", f"/api/orders/{order_id}/administrations", {"event": "start"} | body)


def _fields(answer: dict[str, Any]) -> set[str]:
    return {answer.get("field")} | {p["field"] for p in answer.get("problems", [])}


def _refusals(api: Api, order_id: int) -> list[dict[str, Any]]:
    events = api.get("admin", f"/api/audit?limit=50&entity_type=order&entity_id={order_id}").json()
    return [e for e in events if e["action"] == "administration.scan_refused"]


def _assert_nothing_administered(api: Api, order_id: int, bag_id: int) -> None:
    order = api.get("viewer", f"/api/orders/{order_id}").json()
    assert order["status"] == "verified" and order["segments"] == []
    assert [b["status"] for b in order["bags"] if b["id"] == bag_id] == ["checked"]


def test_both_codes_scanned_start_the_infusion_and_name_the_bag(api: Api) -> None:
    """The codes as the scanner types them (GS1 DataMatrix with AI 91 for the bag): the bag
    hung is the one scanned, and the audit event records the scans."""
    order_id, bag_id = _ready(api.ward)
    started = _start(
        api,
        order_id,
        scanned_patient=create_wristband_code(MRN),
        scanned_bag="]d291" + create_bag_code(bag_id),
    )
    assert started.status_code == 201, started.text
    assert started.json()["status"] == "active"
    assert [s["bag_id"] for s in started.json()["segments"]] == [bag_id]
    event = api.get("admin", f"/api/audit?limit=1&entity_type=order&entity_id={order_id}")
    scan = event.json()[0]["new_value"]["scan"]
    assert scan == {
        "outcome": "scanned",
        "scanned_patient": create_wristband_code(MRN),
        "scanned_bag": "]d291" + create_bag_code(bag_id),
        "override_reason": None,
    }


@pytest.mark.parametrize("case", ["wrong patient", "wrong order", "expired", "unchecked"])
def test_each_mismatch_is_a_hard_stop_with_an_audit_row(api: Api, case: str) -> None:
    """A wrong patient's wristband, another order's bag, a bag past its beyond-use time (24 h
    after preparation, USP 797 refrigerated) and a bag without its second check are each
    refused naming the field and what did not match; the refusal event holds both scanned
    values; the order, its segments and the bag are unchanged."""
    ward = api.ward
    order_id, bag_id = _ready(ward)
    wristband, bag_code = create_wristband_code(MRN), create_bag_code(bag_id)
    if case == "wrong patient":
        wristband = create_wristband_code("MRN-0002")
        field, words = "scanned_patient", "WRONG PATIENT"
    elif case == "wrong order":
        _, other_bag = _other_patient_ready(ward)
        bag_code = create_bag_code(other_bag)
        field, words = "scanned_bag", f"belongs to order {order_id + 1}, not order {order_id}"
    elif case == "expired":
        ward.clock.advance(hours=24)
        field, words = "scanned_bag", "EXPIRED"
    else:
        unchecked = prepare_bag(
            PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("L1", "L2")),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )
        bag_code = create_bag_code(unchecked.id)
        field, words = "scanned_bag", "has not passed its second check"
    refused = _start(api, order_id, scanned_patient=wristband, scanned_bag=bag_code)
    # A bag whose state forbids hanging it is a transition refused (409), as before scanning;
    # a code that names another patient or order is invalid input (422).
    expected = 409 if case in ("expired", "unchecked") else 422
    assert refused.status_code == expected, refused.text
    answer = refused.json()
    assert answer["code"] == ("invalid_transition" if expected == 409 else "scan_mismatch")
    assert _fields(answer) - {None} == {field}
    assert words in refused.text
    _assert_nothing_administered(api, order_id, bag_id)
    [event] = _refusals(api, order_id)
    assert event["new_value"]["scanned_patient"] == wristband
    assert event["new_value"]["scanned_bag"] == bag_code
    assert words in " ".join(event["new_value"]["problems"])


def test_a_bag_already_hung_is_refused_at_a_bag_change(api: Api) -> None:
    """Scanning the bag that is running for a bag change is refused: it is already hung."""
    order_id, bag_id = _ready(api.ward)
    codes = {"scanned_patient": create_wristband_code(MRN), "scanned_bag": create_bag_code(bag_id)}
    assert _start(api, order_id, **codes).status_code == 201
    again = api.post(
        "nurse",
        f"/api/orders/{order_id}/administrations",
        {"event": "bag_change"} | codes,
    )
    assert again.status_code == 409 and "already hung" in again.text
    assert _fields(again.json()) - {None} == {"scanned_bag"}
    assert len(_refusals(api, order_id)) == 1


def test_codes_that_do_not_check_or_are_swapped_are_refused(api: Api) -> None:
    """A misread code (one character changed) and the two codes scanned into each other's
    fields are refused naming each field."""
    order_id, bag_id = _ready(api.ward)
    misread = create_bag_code(bag_id)[:-1] + "#"
    refused = _start(api, order_id, scanned_patient=create_wristband_code(MRN), scanned_bag=misread)
    assert refused.status_code == 422 and "does not check" in refused.text
    swapped = _start(
        api,
        order_id,
        scanned_patient=create_bag_code(bag_id),
        scanned_bag=create_wristband_code(MRN),
    )
    assert swapped.status_code == 422
    assert _fields(swapped.json()) - {None} == {"scanned_patient", "scanned_bag"}
    _assert_nothing_administered(api, order_id, bag_id)
    assert len(_refusals(api, order_id)) == 2


def test_scans_are_required_unless_a_reason_is_given(api: Api) -> None:
    """Without scans the start is refused naming both fields; with an override reason it is
    recorded, audited as an override and counted as one."""
    order_id, bag_id = _ready(api.ward)
    missing = _start(api, order_id, bag_id=bag_id)
    assert missing.status_code == 422
    assert _fields(missing.json()) - {None} == {"scanned_patient", "scanned_bag"}
    _assert_nothing_administered(api, order_id, bag_id)
    done = _start(api, order_id, bag_id=bag_id, scan_override_reason="wristband torn, replaced")
    assert done.status_code == 201, done.text
    event = api.get("admin", f"/api/audit?limit=1&entity_type=order&entity_id={order_id}")
    assert event.json()[0]["new_value"]["scan"]["outcome"] == "override"
    assert event.json()[0]["new_value"]["scan"]["override_reason"] == "wristband torn, replaced"


def test_an_override_never_passes_a_code_that_did_not_match(api: Api) -> None:
    """A wrong wristband stays a hard stop when an override reason is also given."""
    order_id, bag_id = _ready(api.ward)
    refused = _start(
        api,
        order_id,
        scanned_patient=create_wristband_code("MRN-0002"),
        scanned_bag=create_bag_code(bag_id),
        scan_override_reason="in a hurry",
    )
    assert refused.status_code == 422 and "WRONG PATIENT" in refused.text


def test_the_scanned_bag_must_be_the_bag_chosen(api: Api) -> None:
    """A bag id in the body and a different bag scanned: refused, naming the scanned bag."""
    order_id, bag_id = _ready(api.ward)
    second = compound_and_check(api.ward, order_id)
    refused = _start(
        api,
        order_id,
        bag_id=bag_id,
        scanned_patient=create_wristband_code(MRN),
        scanned_bag=create_bag_code(second),
    )
    assert refused.status_code == 422 and "is not the bag chosen" in refused.text


def test_a_bag_at_another_concentration_than_the_verified_one_is_refused(api: Api) -> None:
    """A bag made at step 3 (600 mg in 100 mL = 6 mg/mL) and checked; the dose is then changed
    to step 4 and verified at 8 mg/mL (1600 mg/day, 800 mg in 100 mL; hand calculation): the
    old bag, still checked, is refused by its scan as not the verified concentration."""
    ward = api.ward
    order_id, old_bag = _ready(ward)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=4, reason="no response"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    verify(ward, order_id, rate="66.67 mg/h", conc="8 mg/mL")
    refused = _start(
        api,
        order_id,
        scanned_patient=create_wristband_code(MRN),
        scanned_bag=create_bag_code(old_bag),
    )
    assert refused.status_code == 422, refused.text
    assert "holds 6 mg/mL, not the verified concentration" in refused.text
    assert "(8 mg/mL)" in refused.text


def test_the_site_may_make_scanning_optional(api: Api) -> None:
    """With ANAKINRA_REQUIRE_SCAN off a start without scans is recorded as not scanned; a code
    that is scanned is still checked."""
    ward = api.ward
    settings = create_test_settings(require_scan=False)
    services = create_services(settings, engine=ward.services.engine, clock=ward.clock)
    order_id, bag_id = _ready(ward)
    with TestClient(create_app(services)) as client:
        optional = Api(client, ward)
        wrong = _start(optional, order_id, bag_id=bag_id, scanned_patient="PMRN-0002XX")
        assert wrong.status_code == 422
        done = _start(optional, order_id, bag_id=bag_id)
        assert done.status_code == 201, done.text
    event = api.get("admin", f"/api/audit?limit=1&entity_type=order&entity_id={order_id}")
    assert event.json()[0]["new_value"]["scan"]["outcome"] == "not_scanned"


def test_the_stored_checks_are_bound_by_the_audit_chain(api: Api) -> None:
    """A refused scan and a scanned start leave rows in administration_scans that the audit
    chain covers: the chain verifies, and a refusal edited behind the application is named."""
    from sqlalchemy import text

    order_id, bag_id = _ready(api.ward)
    _start(api, order_id, scanned_patient=create_wristband_code("MRN-0002"))
    _start(
        api,
        order_id,
        scanned_patient=create_wristband_code(MRN),
        scanned_bag=create_bag_code(bag_id),
    )
    with api.ward.uow() as uow:
        assert uow.audit.verify_chain().ok
    with api.ward.services.engine.begin() as connection:
        connection.execute(text("UPDATE administration_scans SET outcome = 'scanned'"))
    with api.ward.uow() as uow:
        problems = " ".join(uow.audit.verify_chain().problems)
    assert "administration_scans" in problems


@given(reason=invisible_reasons())
def test_an_override_reason_a_person_cannot_read_is_never_a_reason(reason: str) -> None:
    """Any mix of Unicode whitespace, control and format characters (zero-width, bidi controls)
    and blank letters, with fewer than three visible letters or digits, is refused naming
    'scan_override_reason'."""
    problems: list[AnakinraError] = []
    assert read_override_reason(reason, problems) is None
    assert [p.field for p in problems] == ["scan_override_reason"]


def test_a_readable_reason_is_stored_without_invisible_characters() -> None:
    """Zero-width characters are dropped and any whitespace collapses to one space."""
    problems: list[AnakinraError] = []
    reason = read_override_reason("\u200bwrist\u00adband\u00a0\ttorn\ufeff ", problems)
    assert (reason, problems) == ("wristband torn", [])


@pytest.mark.parametrize(
    "reason",
    [
        "\u00a0\u200b\t",
        "\u200b",
        "   ",
        "\u2060\ufeff\u3164",
        "ok\u200b",
        "scanner \u202ebroken\u202c",
    ],
)
def test_an_invisible_or_bidi_override_reason_is_refused_and_audited(api: Api, reason: str) -> None:
    """The reasons of the bedside probe: blank to a person (NBSP, zero-width space, tab, word
    joiner, BOM, Hangul filler, two letters) or read reversed (U+202E): refused naming the reason
    field, nothing administered, the refusal audited."""
    order_id, bag_id = _ready(api.ward)
    refused = _start(api, order_id, bag_id=bag_id, scan_override_reason=reason)
    assert refused.status_code == 422, refused.text
    assert "scan_override_reason" in _fields(refused.json())
    if "\u202e" in reason:
        assert "bidirectional" in refused.text
    _assert_nothing_administered(api, order_id, bag_id)
    [event] = _refusals(api, order_id)
    assert "\u202e" not in str(event["new_value"])


def _dose_changed(ward: Ward, order_id: int, *, verified: bool) -> None:
    """Step 3 -> step 4 (66.7 mg/h at 8 mg/mL instead of 50 mg/h at 6 mg/mL; hand calculation:
    1600 mg/day / 24 h, 800 mg in 100 mL)."""
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=4, reason="no response"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    if verified:
        verify(ward, order_id, rate="66.67 mg/h", conc="8 mg/mL")


def test_an_override_does_not_hang_a_bag_at_another_concentration(api: Api) -> None:
    """Nothing scanned, the old 6 mg/mL bag chosen after the dose was verified at 8 mg/mL and the
    pump rate worked out for it at the bedside (66.7 / 6 = 11.1 mL/h): refused as on a scan,
    naming the bag chosen, and audited with the override reason."""
    ward = api.ward
    order_id, old_bag = _ready(ward)
    _dose_changed(ward, order_id, verified=True)
    refused = _start(
        api,
        order_id,
        bag_id=old_bag,
        rate_mg_per_h="66.7",
        rate_ml_per_h="11.1",
        scan_override_reason="label smudged",
    )
    assert refused.status_code == 422, refused.text
    assert "holds 6 mg/mL, not the verified concentration" in refused.text
    assert "PREVIOUS DOSE" in refused.text
    assert "bag_id" in _fields(refused.json())
    _assert_nothing_administered(api, order_id, old_bag)
    [event] = _refusals(api, order_id)
    assert event["new_value"]["bag_id"] == old_bag
    assert event["new_value"]["override_reason"] == "label smudged"


@pytest.mark.parametrize("case", ["hung", "unchecked", "removed", "old order", "expired"])
def test_override_refusals_are_audited_and_listed(api: Api, case: str) -> None:
    """Each bag the scanned path refuses is refused with an override too, and the refusal is
    on the audit trail (bag chosen, reason, problem) and on /admin/scans."""
    ward = api.ward
    order_id, bag_id = _ready(ward)
    override = {"scan_override_reason": "label wet"}
    event, words, status = "start", "", 409
    if case in ("hung", "removed"):
        spare = compound_and_check(ward, order_id)
        assert _start(api, order_id, bag_id=bag_id, **override).status_code == 201
        event = "bag_change"
        if case == "removed":
            changed = api.post(
                "nurse",
                f"/api/orders/{order_id}/administrations",
                {"event": "bag_change", "bag_id": spare} | override,
            )
            assert changed.status_code == 201, changed.text
            words = "taken down"
        else:
            words = "already hung"
    elif case == "unchecked":
        bag_id = prepare_bag(
            PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("L1", "L2")),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        ).id
        words = "has not passed its second check"
    elif case == "old order":
        _, bag_id = _other_patient_ready(ward)
        words, status = "belongs to order", 422
    else:
        ward.clock.advance(hours=24)
        words = "EXPIRED"
    refused = api.post(
        "nurse",
        f"/api/orders/{order_id}/administrations",
        {"event": event, "bag_id": bag_id} | override,
    )
    assert refused.status_code == status, refused.text
    assert words in refused.text
    [audited] = _refusals(api, order_id)
    assert audited["new_value"]["bag_id"] == bag_id
    assert audited["new_value"]["override_reason"] == "label wet"
    assert words in " ".join(audited["new_value"]["problems"])
    _sign_in(api, "admin")
    page = api.client.get("/admin/scans")
    assert page.status_code == 200 and words in html.unescape(page.text)


def test_a_bag_of_the_previous_dose_is_labelled_and_listed_as_such(api: Api) -> None:
    """A checked step-3 bag (600 mg in 100 mL = 6 mg/mL at 8.3 mL/h = 50 mg/h; hand calculation)
    keeps its own figures on its label after the dose is changed and verified at 66.7 mg/h,
    says PREVIOUS DOSE - do not hang, and the nurse's bag choice says so too."""
    ward = api.ward
    order_id, bag_id = _ready(ward)
    _sign_in(api, "rn_cy")
    before = api.client.get(f"/bags/{bag_id}/label").text
    assert "DOSE RATE 50 mg/h · PUMP RATE 8.3 mL/h" in before
    assert "PREVIOUS DOSE" not in before
    _dose_changed(ward, order_id, verified=True)
    label = api.client.get(f"/bags/{bag_id}/label")
    assert label.status_code == 200
    assert "DOSE RATE 50 mg/h · PUMP RATE 8.3 mL/h" in label.text
    assert "66.7 mg/h · PUMP" not in label.text
    assert "PREVIOUS DOSE - do not hang" in label.text
    order_page = api.client.get(f"/orders/{order_id}").text
    assert f"#{bag_id} (6 mg/mL" in order_page
    assert "PREVIOUS DOSE (50 mg/h), do not hang" in order_page


def test_a_bag_of_the_previous_dose_is_not_hung_while_the_change_awaits_verification(
    api: Api,
) -> None:
    """Running at step 3; the dose is changed to step 4 and not yet verified: a second checked
    step-3 bag, scanned, is refused at a bag change naming the pending change."""
    ward = api.ward
    order_id, bag_id = _ready(ward)
    spare = compound_and_check(ward, order_id)
    assert (
        _start(api, order_id, bag_id=bag_id, scan_override_reason="wristband torn").status_code
        == 201
    )
    _dose_changed(ward, order_id, verified=False)
    refused = api.post(
        "nurse",
        f"/api/orders/{order_id}/administrations",
        {
            "event": "bag_change",
            "scanned_patient": create_wristband_code(MRN),
            "scanned_bag": create_bag_code(spare),
        },
    )
    assert refused.status_code == 422, refused.text
    assert "PREVIOUS DOSE" in refused.text and "awaits verification" in refused.text
    assert len(_refusals(api, order_id)) == 1
