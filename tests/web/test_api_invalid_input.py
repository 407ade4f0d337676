"""Malformed and hostile bodies on every POST endpoint: a 422 naming the field, nothing stored.

Each test sends its invalid bodies one after another to a ward in the state the endpoint needs,
counts the rows of every clinical table and of the audit trail before and after each, and ends
with the valid body, which must then succeed: the refusals were for the field, not the state.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from anakinra_iv.records.tables import (
    AdministrationSegment,
    Alert,
    AuditEvent,
    Bag,
    BagCheck,
    LoadingDose,
    Observation,
    Order,
    Patient,
    Recommendation,
    Verification,
)
from tests.web.conftest import Api
from tests.workflow_support.fixtures import compound_and_check, prescribe_step, scan_codes, verify

TABLES = (
    Patient,
    Observation,
    Order,
    Verification,
    Bag,
    AdministrationSegment,
    Recommendation,
    BagCheck,
    LoadingDose,
    Alert,
    AuditEvent,
)
NUL = "\u0000"
HUGE_ID = 2**40

Raw = bytes
"""A body sent as these bytes, not encoded from an object."""


ACCESS_ACTIONS = ("auth.sign_in", "auth.sign_out", "patient.read", "access.denied")
"""Access events (a sign-in to get the token, a read, a refusal) are not stored writes."""


def _count_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        counts = {
            table.__tablename__: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in TABLES
        }
        access = select(func.count()).where(AuditEvent.action.in_(ACCESS_ACTIONS))
        counts[AuditEvent.__tablename__] -= connection.scalar(access) or 0
        return counts


def _send(api: Api, who: str, url: str, body: object) -> Any:
    """POST ``body``: bytes as they are, anything else as JSON (NaN and Infinity written out)."""
    content = body if isinstance(body, Raw) else json.dumps(body, allow_nan=True).encode()
    headers = api.headers(who) | {"Content-Type": "application/json"}
    return api.client.post(url, content=content, headers=headers)


def _assert_refused_and_nothing_stored(
    api: Api, engine: Engine, who: str, url: str, cases: list[tuple[object, str]]
) -> None:
    """Each body: 422, a 'code', the field named in 'field' and in the message; same rows."""
    for body, field in cases:
        before = _count_rows(engine)
        response = _send(api, who, url, body)
        after = _count_rows(engine)
        shown = repr(body)[:120]
        assert response.status_code == 422, (shown, response.text)
        answer = response.json()
        assert answer["code"], (shown, answer)
        fields = [answer["field"]] + [p["field"] for p in answer.get("problems", [])]
        assert field in fields, (shown, answer)
        assert f"'{field}" in answer["message"], (shown, answer)
        assert after == before, (shown, before, after)


def _with(base: dict[str, Any], **changes: object) -> dict[str, Any]:
    return base | changes


def _without(base: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in base.items() if k != key}


def _raw(base: dict[str, Any], key: str, token: str) -> Raw:
    """``base`` as JSON with ``key`` set to a bare token such as NaN."""
    return json.dumps(base | {key: "@@"}).replace('"@@"', token).encode()


COMMON_RAW: list[tuple[object, str]] = [
    (b"not json", "body"),
    (b'{"unterminated": ', "body"),
    (b"[1, 2]", "body"),
    (b"\xff\xfe\x00", "body"),
    (b"", "body"),
]
"""Bodies no endpoint can read: not JSON, a JSON array, not UTF-8, empty."""

PATIENT = {
    "mrn": "MRN-HOSTILE",
    "name": "Roe, Ann",
    "birth_date": "1980-05-01",
    "sex": "female",
    "weight": "70 kg",
    "creatinine": "1.0 mg/dL",
}


def test_create_patient_refuses_bad_bodies(api: Api, engine: Engine) -> None:
    """Weight of 0, in mL, unitless, a number, negative, NaN/Infinity, beyond any plausible
    body (the analyte catalogue's range), a creatinine in kg, control characters, oversize text,
    unknown fields and unreadable bodies are refused; nothing is stored."""
    cases: list[tuple[object, str]] = [
        (_with(PATIENT, weight="0 kg"), "weight"),
        (_with(PATIENT, weight="70 mL"), "weight"),
        (_with(PATIENT, weight="70"), "weight"),
        (_with(PATIENT, weight=70), "weight"),
        (_with(PATIENT, weight="-70 kg"), "weight"),
        (_with(PATIENT, weight="NaN kg"), "weight"),
        (_with(PATIENT, weight="1e400 kg"), "weight"),
        (_with(PATIENT, weight="1e308 kg"), "weight"),
        (_with(PATIENT, weight=["70 kg"]), "weight"),
        (_raw(PATIENT, "weight", "NaN"), "weight"),
        (_raw(PATIENT, "weight", "Infinity"), "weight"),
        (_without(PATIENT, "weight"), "weight"),
        (_with(PATIENT, creatinine="5 kg"), "creatinine"),
        (_with(PATIENT, creatinine="1e9 mg/dL"), "creatinine"),
        (_with(PATIENT, mrn=NUL), "mrn"),
        (_with(PATIENT, mrn="M" * 65), "mrn"),
        (_with(PATIENT, name=""), "name"),
        (_with(PATIENT, name="Roe\u0007"), "name"),
        (_with(PATIENT, birth_date="05/01/1980"), "birth_date"),
        (_with(PATIENT, birth_date="2100-01-01"), "birth_date"),
        (_with(PATIENT, sex="zz"), "sex"),
        (_with(PATIENT, renal_replacement="banana"), "renal_replacement"),
        (_with(PATIENT, is_admin=True), "is_admin"),
        *COMMON_RAW,
    ]
    _assert_refused_and_nothing_stored(api, engine, "nurse", "/api/patients", cases)
    created = api.post("nurse", "/api/patients", _with(PATIENT, name="Roe, Ann \u00e9\u4e2d"))
    assert created.status_code == 201, created.text


def test_record_observation_refuses_bad_bodies(api: Api, engine: Engine) -> None:
    """Creatinine in mL, in kg, without unit or as a number; a ferritin beyond the catalogue's
    plausible range or negative; times without zone or in the future; oversize codes."""
    url = f"/api/patients/{api.ward.patient_id}/observations"
    base = {"code": "2160-0", "value": "1.1 mg/dL", "collected_at": "2026-01-05T07:00:00Z"}
    ferritin = {"name": "ferritin", "value": "2400 ng/mL", "collected_at": base["collected_at"]}
    cases: list[tuple[object, str]] = [
        (_with(base, value="70 mL"), "value"),
        (_with(base, value="5 kg"), "value"),
        (_with(base, value="1.1"), "value"),
        (_with(base, value=1.1), "value"),
        (_with(base, value="NaN mg/dL"), "value"),
        (_with(base, value=NUL), "value"),
        (_with(ferritin, value="1e300 ng/mL"), "value"),
        (_with(ferritin, value="-1 ng/mL"), "value"),
        (_with(base, code="2" * 33), "code"),
        (_with(base, code=None), "code"),
        (_with(base, collected_at="2026-01-05T07:00:00"), "collected_at"),
        (_with(base, collected_at="2026-01-06T07:00:00Z"), "collected_at"),
        (_with(base, collected_at="yesterday"), "collected_at"),
        (_with(base, unit="mg/dL"), "unit"),
        *COMMON_RAW,
    ]
    _assert_refused_and_nothing_stored(api, engine, "nurse", url, cases)
    assert api.post("nurse", url, base).status_code == 201


ORDER_CASES: list[tuple[dict[str, object], str]] = [
    ({"daily_dose": "1200 mL"}, "daily_dose"),
    ({"daily_dose": "1200"}, "daily_dose"),
    ({"daily_dose": 1200}, "daily_dose"),
    ({"daily_dose": "-1200 mg"}, "daily_dose"),
    ({"daily_dose": "NaN mg"}, "daily_dose"),
    ({"daily_dose": "1e400 mg"}, "daily_dose"),
    ({"daily_dose": "1e12 mg"}, "daily_dose"),
    ({"step": 0}, "step"),
    ({"step": "3"}, "step"),
    ({"step": True}, "step"),
    ({"override_reason": "x" * 2001}, "override_reason"),
    ({"override_reason": f"reason{NUL}"}, "override_reason"),
    ({"priority": "stat"}, "priority"),
]
"""Bad fields shared by a new order and a dose change."""


def test_create_order_refuses_bad_bodies(api: Api, engine: Engine) -> None:
    """Daily doses in mL, unitless, negative, NaN, infinite or above the protocol's hard maximum
    (2,400 mg/day, monteagudo-2020); keys as text, booleans, zero or beyond the database."""
    base = {"patient_id": api.ward.patient_id, "protocol_id": "adult-mas-civ"}
    dose = _with(base, daily_dose="1200 mg")
    cases: list[tuple[object, str]] = [
        *[(_with(dose, **change), field) for change, field in ORDER_CASES],
        (_with(dose, patient_id=str(api.ward.patient_id)), "patient_id"),
        (_with(dose, patient_id=0), "patient_id"),
        (_with(dose, patient_id=HUGE_ID), "patient_id"),
        (_with(dose, patient_id=1.5), "patient_id"),
        (_with(dose, protocol_id="p" * 101), "protocol_id"),
        (_without(dose, "protocol_id"), "protocol_id"),
        (_raw(dose, "daily_dose", "Infinity"), "daily_dose"),
        *COMMON_RAW,
    ]
    _assert_refused_and_nothing_stored(api, engine, "prescriber", "/api/orders", cases)
    assert api.post("prescriber", "/api/orders", dose).status_code == 201


def test_change_dose_refuses_bad_bodies(api: Api, engine: Engine) -> None:
    """The same bad doses on a dose change, and a version beyond the database."""
    url = f"/api/orders/{prescribe_step(api.ward)}/dose"
    # 1600 mg/day: a dose other than the order's (step 3 is 1,200 mg/day; the same dose is refused)
    base = {"daily_dose": "1600 mg", "reason": "ferritin still rising"}
    cases: list[tuple[object, str]] = [
        *[(_with(base, **change), field) for change, field in ORDER_CASES],
        (_with(base, version=HUGE_ID), "version"),
        (_with(base, version="1"), "version"),
        (_with(base, reason=None), "reason"),
        *COMMON_RAW,
    ]
    _assert_refused_and_nothing_stored(api, engine, "prescriber", url, cases)
    assert api.post("prescriber", url, base).status_code == 200


def test_verify_refuses_bad_bodies(api: Api, engine: Engine) -> None:
    """A rate in mL/h, a concentration in mg/h, zero, NaN/Infinity, booleans and missing
    fields are refused before the blind comparison, so no attempt is recorded."""
    url = f"/api/orders/{prescribe_step(api.ward)}/verify"
    base = {"rate_mg_per_h": "50 mg/h", "concentration_mg_per_ml": "6 mg/mL"}
    cases: list[tuple[object, str]] = [
        (_with(base, rate_mg_per_h="50 mL/h"), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h="0 mg/h"), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h=-50), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h=True), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h=math.inf), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h="fifty"), "rate_mg_per_h"),
        (_raw(base, "rate_mg_per_h", "NaN"), "rate_mg_per_h"),
        (_with(base, concentration_mg_per_ml="6 mg/h"), "concentration_mg_per_ml"),
        (_with(base, concentration_mg_per_ml="1e400"), "concentration_mg_per_ml"),
        (_without(base, "concentration_mg_per_ml"), "concentration_mg_per_ml"),
        (_with(base, version=HUGE_ID), "version"),
        (_with(base, verified=True), "verified"),
        *COMMON_RAW,
    ]
    _assert_refused_and_nothing_stored(api, engine, "pharmacist", url, cases)
    verified = api.post("pharmacist", url, base)
    assert verified.status_code == 200 and verified.json()["status"] == "verified"


def test_prepare_bag_refuses_bad_bodies(api: Api, engine: Engine) -> None:
    """No lots, a lot that is not text, empty or oversize lots, a time without zone or in the
    future, unknown fields."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    url = f"/api/orders/{order_id}/bags"
    base = {"syringe_lots": ["LOT-1", "LOT-2"]}
    cases: list[tuple[object, str]] = [
        (_with(base, syringe_lots=[]), "syringe_lots"),
        (_with(base, syringe_lots="LOT-1"), "syringe_lots"),
        (_with(base, syringe_lots=[1, 2]), "syringe_lots.0"),
        (_with(base, syringe_lots=[""]), "syringe_lots"),
        (_with(base, syringe_lots=["L" * 101]), "syringe_lots.0"),
        (_with(base, syringe_lots=[f"LOT{NUL}"]), "syringe_lots.0"),
        (_with(base, prepared_at="2026-01-05T08:00:00"), "prepared_at"),
        (_with(base, prepared_at="2026-01-05T09:00:00Z"), "prepared_at"),
        (_with(base, concentration_mg_per_ml=6), "concentration_mg_per_ml"),
        *COMMON_RAW,
    ]
    _assert_refused_and_nothing_stored(api, engine, "pharmacist", url, cases)
    assert api.post("pharmacist", url, base).status_code == 201


def test_check_bag_refuses_bad_bodies(api: Api, engine: Engine) -> None:
    """A drug amount in mg/h, NaN or infinite, a volume in mg, no lots, unknown fields,
    unreadable bodies."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    bag = api.post("pharmacist", f"/api/orders/{order_id}/bags", {"syringe_lots": ["L1"]})
    url = f"/api/bags/{bag.json()['id']}/check"
    good = {"drug_amount_mg": "600 mg", "final_volume_ml": 100, "syringe_lots": ["L1"]}
    cases: list[tuple[object, str]] = [
        (good | {"drug_amount_mg": "6 mg/h"}, "drug_amount_mg"),
        (good | {"drug_amount_mg": "1e400"}, "drug_amount_mg"),
        (_raw(good, "drug_amount_mg", "NaN"), "drug_amount_mg"),
        (good | {"drug_amount_mg": False}, "drug_amount_mg"),
        (good | {"final_volume_ml": "100 mg"}, "final_volume_ml"),
        (good | {"syringe_lots": []}, "syringe_lots"),
        ({"drug_amount_mg": 600, "final_volume_ml": 100}, "syringe_lots"),
        (good | {"checked": True}, "checked"),
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (b"\xff\xfe\x00", "body"),
    ]
    _assert_refused_and_nothing_stored(api, engine, "pharmacist2", url, cases)
    checked = api.post("pharmacist2", url, good)
    assert checked.status_code == 200 and checked.json()["status"] == "checked"


@pytest.mark.parametrize("who", ["nurse"])
def test_administration_refuses_bad_bodies(api: Api, engine: Engine, who: str) -> None:
    """Unknown events; rates in mL/h, zero, infinite, above the verified rate and the protocol's
    hard maximum (150 mg/h > 2,400 mg/day / 24 h = 100 mg/h); a pump rate far above the drug
    library's hard limit; keys as text or beyond the database; times without zone or ahead."""
    order_id = prescribe_step(api.ward)
    verify(api.ward, order_id)
    bag_id = compound_and_check(api.ward, order_id)
    url = f"/api/orders/{order_id}/administrations"
    base = {"event": "start", "bag_id": bag_id, "rate_mg_per_h": "50 mg/h"} | scan_codes(
        api.ward, order_id, bag_id
    )
    cases: list[tuple[object, str]] = [
        (_with(base, event="explode"), "event"),
        (_with(base, event="s" * 17), "event"),
        (_without(base, "event"), "event"),
        (_with(base, rate_mg_per_h="50 mL/h"), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h="0 mg/h"), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h="1e400 mg/h"), "rate_mg_per_h"),
        (_with(base, rate_mg_per_h="150 mg/h"), "rate_mg_per_h"),
        (_raw(base, "rate_mg_per_h", "Infinity"), "rate_mg_per_h"),
        (_with(base, rate_ml_per_h="900 mL/h", acknowledge_pump_alerts=True), "rate_ml_per_h"),
        (_with(base, acknowledge_pump_alerts="yes"), "acknowledge_pump_alerts"),
        (_with(base, bag_id=str(bag_id)), "bag_id"),
        (_with(base, bag_id=HUGE_ID), "bag_id"),
        (_with(base, at="2026-01-05T08:00:00"), "at"),
        (_with(base, at="2026-01-05T09:00:00Z"), "at"),
        (_with(base, reason=f"pump{NUL}"), "reason"),
        (_with(base, nurse="rn_cy"), "nurse"),
        *COMMON_RAW,
    ]
    _assert_refused_and_nothing_stored(api, engine, who, url, cases)
    started = api.post(who, url, base)
    assert started.status_code == 201 and started.json()["status"] == "active"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/patients/{HUGE_ID}",
        f"/api/orders/{HUGE_ID}",
        "/api/orders/0",
        f"/api/patients/{HUGE_ID}/report.pdf",
        f"/api/audit?before_seq={HUGE_ID}",
        "/api/audit?entity_id=%00",
    ],
)
def test_keys_the_database_cannot_hold_are_refused(api: Api, url: str) -> None:
    """A key above 2**31 - 1 (a PostgreSQL integer) or below 1 is a 422 naming it, not a
    database overflow."""
    response = api.get("admin", url)
    assert response.status_code == 422, response.text
    assert response.json()["field"] in ("patient_id", "order_id", "before_seq", "entity_id")


def test_fhir_keys_the_database_cannot_hold_are_not_found(api: Api) -> None:
    """FHIR reads of such keys answer 404 with an OperationOutcome."""
    for url in (
        f"/fhir/r4/Patient/{HUGE_ID}",
        f"/fhir/r4/Patient/{HUGE_ID}/$everything",
        f"/fhir/r4/MedicationRequest/{HUGE_ID}",
        f"/fhir/r4/AuditEvent/{HUGE_ID}",
    ):
        response = api.get("admin", url)
        assert response.status_code == 404, (url, response.text)
        assert response.json()["resourceType"] == "OperationOutcome"


def test_unknown_api_paths_and_methods_answer_with_a_code(api: Api) -> None:
    """404 and 405 under /api carry 'code' and 'message' like every other API error."""
    missing = api.get("viewer", "/api/no-such-thing")
    wrong_method = api.client.delete("/api/orders/1", headers=api.headers("viewer"))
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "method_not_allowed")
    assert "/api/no-such-thing" in missing.json()["message"]


def test_a_bad_bearer_token_names_the_header(api: Api) -> None:
    """A malformed token is a 401 whose 'field' is the Authorization header."""
    response = api.client.get("/api/orders/1", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 401
    assert response.json()["field"] == "Authorization"
