"""Barcode-checked administration through the REST API, on SQLite and PostgreSQL: a start or a
bag change needs this order's patient's wristband and a checked, unexpired, unhung bag of this
order at the verified concentration; every mismatch is refused naming the field, and the
refusal (with both scanned values) is committed to the audit trail while nothing of the
administration is."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from anakinra_iv.bootstrap import create_services
from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
from anakinra_iv.units import Q_
from anakinra_iv.web.app import create_app
from anakinra_iv.workflow.commands import ChangeDose, CreatePatient, PrepareBag
from anakinra_iv.workflow.services import change_dose, create_patient, prepare_bag
from tests.web.conftest import Api, TestClient
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
