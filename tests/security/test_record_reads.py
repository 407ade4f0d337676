"""Every screen or answer that shows a patient's record is an access event.

An order (API or page), its compounding worksheet, a bag's worksheet, check page and label all
show the patient's name, MRN, weight and creatinine: each read is ``patient.read`` naming the
patient (the detail names the order or bag). The ward board, the worklists and the patient list
show many patients: one ``patient.list`` event per view (one insert: the board is a hot path).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from anakinra_iv.records.tables import AuditEvent
from tests.web.conftest import Api
from tests.workflow_support.fixtures import PASSWORD, compound_and_check, prescribe_step, verify


def _since(engine: Engine, seq: int) -> list[tuple[str, str, str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                AuditEvent.actor,
                AuditEvent.action,
                AuditEvent.entity_type,
                AuditEvent.entity_id,
                AuditEvent.reason,
            )
            .where(AuditEvent.seq > seq)
            .order_by(AuditEvent.seq)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _last(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) or 0)


def test_reading_an_order_or_a_bag_is_a_read_of_its_patient(api: Api, engine: Engine) -> None:
    """The viewer reads the order by API, the order page, the worksheet; the bag's worksheet,
    check page and label: six reads, each naming the patient (before: none)."""
    ward = api.ward
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    headers = api.headers("viewer")
    client = api.client
    start = _last(engine)
    assert client.get(f"/api/orders/{order_id}", headers=headers).status_code == 200
    client.post("/login", data={"username": "ph_ada", "password": PASSWORD})
    paths = [
        f"/orders/{order_id}",
        f"/orders/{order_id}/worksheet",
        f"/bags/{bag_id}/worksheet",
        f"/bags/{bag_id}/label",
    ]
    for path in paths:
        assert client.get(path).status_code == 200, path
    reads = [e for e in _since(engine, start) if e[1] == "patient.read"]
    patient = str(ward.patient_id)
    assert [(e[0], e[2], e[3]) for e in reads] == [("viewer", "patient", patient)] + [
        ("ph_ada", "patient", patient)
    ] * len(paths)
    assert reads[0][4] == f"GET /api/orders/{order_id} (order {order_id})"
    assert reads[3][4] == f"GET /bags/{bag_id}/worksheet (bag {bag_id})"


def test_a_missing_order_is_not_a_read(api: Api, engine: Engine) -> None:
    """404: nothing was shown, nothing is recorded."""
    start = _last(engine)
    assert api.get("viewer", "/api/orders/999").status_code == 404
    assert [e for e in _since(engine, start) if e[1] == "patient.read"] == []


def test_each_view_of_a_list_page_is_one_event(api: Api, engine: Engine) -> None:
    """The board, the nursing and pharmacy worklists and the patient list: exactly one
    ``patient.list`` event per view, naming the page and who viewed it."""
    client = api.client
    client.post("/login", data={"username": "ph_ada", "password": PASSWORD})
    start = _last(engine)
    pages = ["/", "/nursing", "/pharmacy", "/patients", "/"]
    for page in pages:
        assert client.get(page).status_code == 200, page
    events = _since(engine, start)
    assert [(e[0], e[1], e[3]) for e in events] == [("ph_ada", "patient.list", p) for p in pages]
