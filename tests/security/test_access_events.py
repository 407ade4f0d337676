"""Access is audited (issue 15 §6): sign-ins, sign-outs, refusals (403) and reads of a
patient's record are events in the audit trail, naming who and what."""

from __future__ import annotations

from sqlalchemy import Engine, select

from anakinra_iv.records.tables import AuditEvent
from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD


def _events(engine: Engine, since: int = 0) -> list[tuple[str, str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                AuditEvent.actor, AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_id
            )
            .where(AuditEvent.seq > since)
            .order_by(AuditEvent.seq)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _last_seq(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) or 0)


def test_sign_in_read_refusal_and_sign_out_are_recorded(api: Api, engine: Engine) -> None:
    """A nurse signs in (API), reads the patient (API, FHIR), is refused the audit trail (403)
    and an order (403 as a form), signs out: one event each, in that order."""
    patient = api.ward.patient_id
    start = _last_seq(engine)
    headers = api.headers("nurse")
    assert api.client.get(f"/api/patients/{patient}", headers=headers).status_code == 200
    assert (
        api.client.get(f"/fhir/r4/Patient/{patient}/$everything", headers=headers).status_code
        == 200
    )
    assert api.client.get("/api/audit", headers=headers).status_code == 403
    assert (
        api.client.post(
            "/api/orders",
            json={"patient_id": patient, "protocol_id": "adult-mas-civ", "step": 3},
            headers=headers,
        ).status_code
        == 403
    )
    assert api.client.post("/api/auth/logout", headers=headers).status_code == 204
    assert _events(engine, start) == [
        ("rn_cy", "auth.sign_in", "user", str(api.ward.users["nurse"])),
        ("rn_cy", "patient.read", "patient", str(patient)),
        ("rn_cy", "fhir.export", "patient", str(patient)),  # $everything is a disclosure
        ("rn_cy", "access.denied", "route", "GET /api/audit"),
        ("rn_cy", "access.denied", "route", "POST /api/orders"),
        ("rn_cy", "auth.sign_out", "user", str(api.ward.users["nurse"])),
    ]


def test_page_reads_and_refused_page_actions_are_recorded(api: Api, engine: Engine) -> None:
    """A viewer opening the patient page and the report is a read and a disclosure; the same
    viewer trying
    to record an observation through the page form (answered with a redirect) is a refusal."""
    client = api.client
    client.post("/login", data={"username": "viewer", "password": PASSWORD})
    start = _last_seq(engine)
    patient = api.ward.patient_id
    assert client.get(f"/patients/{patient}").status_code == 200
    assert client.get(f"/patients/{patient}/report.html").status_code == 200
    page = client.get(f"/patients/{patient}").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        f"/patients/{patient}/observations",
        data={
            "csrf_token": csrf,
            "name": "ferritin",
            "value": "2400 ng/mL",
            "collected_at": "2026-01-05T07:00",
        },
    )
    actions = [(a, e) for _, a, _, e in _events(engine, start)]
    read, refused = (
        ("patient.read", str(patient)),
        ("access.denied", f"POST /patients/{patient}/observations"),
    )
    report = ("report.view", str(patient))  # a report seen is recorded as a disclosure
    # page, report, page again (for its form), the refusal, the page the refusal redirects to
    assert actions == [read, report, read, refused, read]
