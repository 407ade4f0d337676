"""Every role against every action through the API: allowed (2xx) or denied (403), nothing
stored on a denial.

Run on SQLite only: the rules live in the services, which the other tests run on both engines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from anakinra_iv.bootstrap import create_services
from anakinra_iv.records.tables import Base
from anakinra_iv.web.app import create_app
from tests.web.conftest import Api, TestClient
from tests.workflow_support.databases import empty_engine
from tests.workflow_support.fixtures import (
    FakeClock,
    Ward,
    administer,
    compound_and_check,
    create_test_settings,
    prescribe_step,
    scan_codes,
    staff_ward,
    verify,
)

ROLES = ("prescriber", "pharmacist", "nurse", "admin", "viewer", "lead")


def _prepared_bag(ward: Ward) -> int:
    """A verified order with a bag prepared by the second pharmacist (so the first may check)."""
    from anakinra_iv.workflow.commands import PrepareBag
    from anakinra_iv.workflow.services import prepare_bag

    order_id = prescribe_step(ward)
    verify(ward, order_id)
    return prepare_bag(
        PrepareBag(ward.users["pharmacist2"], order_id, ward.clock(), ("L",)),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    ).id


def _verified(ward: Ward) -> int:
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    return order_id


def _ready_to_start(ward: Ward) -> tuple[int, int]:
    order_id = _verified(ward)
    return order_id, compound_and_check(ward, order_id)


def _running(ward: Ward) -> int:
    order_id, bag_id = _ready_to_start(ward)
    administer(ward, order_id, "start", bag_id=bag_id)
    return order_id


def _alert(ward: Ward) -> int:
    """An alert raised by the verification attempt limit (three mismatches, checks.yaml)."""
    from anakinra_iv.workflow.services import VerificationMismatch

    order_id = prescribe_step(ward)
    for _ in range(3):
        with pytest.raises(VerificationMismatch):
            verify(ward, order_id, "5 mg/h", "6 mg/mL")
    with ward.uow() as uow:
        return uow.alerts.list_open()[-1].id


Request = tuple[str, str, object]
ACTIONS: dict[str, tuple[Callable[[Ward], Request], frozenset[str]]] = {
    "create_patient": (
        lambda w: (
            "POST",
            "/api/patients",
            {
                "mrn": "M2",
                "name": "N",
                "birth_date": "1970-01-01",
                "sex": "male",
                "weight": "80 kg",
            },
        ),
        frozenset({"prescriber", "pharmacist", "nurse"}),
    ),
    "read_patient": (
        lambda w: ("GET", f"/api/patients/{w.patient_id}", None),
        frozenset(ROLES),
    ),
    "record_observation": (
        lambda w: (
            "POST",
            f"/api/patients/{w.patient_id}/observations",
            {"name": "ferritin", "value": "9000 ng/mL", "collected_at": "2026-01-05T07:00:00Z"},
        ),
        frozenset({"prescriber", "pharmacist", "nurse"}),
    ),
    "order": (
        lambda w: (
            "POST",
            "/api/orders",
            {"patient_id": w.patient_id, "protocol_id": "adult-mas-civ", "step": 3},
        ),
        frozenset({"prescriber"}),
    ),
    "change_dose": (
        lambda w: ("POST", f"/api/orders/{prescribe_step(w)}/dose", {"step": 4}),
        frozenset({"prescriber"}),
    ),
    "read_order": (
        lambda w: ("GET", f"/api/orders/{prescribe_step(w)}", None),
        frozenset(ROLES),
    ),
    "verify": (
        lambda w: (
            "POST",
            f"/api/orders/{prescribe_step(w)}/verify",
            {"rate_mg_per_h": 50, "concentration_mg_per_ml": 6},
        ),
        frozenset({"pharmacist"}),
    ),
    "prepare_bag": (
        lambda w: ("POST", f"/api/orders/{_verified(w)}/bags", {"syringe_lots": ["L1"]}),
        frozenset({"pharmacist"}),
    ),
    "check_bag": (
        lambda w: (
            "POST",
            f"/api/bags/{_prepared_bag(w)}/check",
            {"drug_amount_mg": 600, "final_volume_ml": 100, "syringe_lots": ["L"]},
        ),
        frozenset({"pharmacist"}),
    ),
    "reject": (
        lambda w: ("POST", f"/api/orders/{prescribe_step(w)}/reject", {"reason": "wrong patient"}),
        frozenset({"pharmacist"}),
    ),
    "query": (
        lambda w: ("POST", f"/api/orders/{prescribe_step(w)}/query", {"reason": "weight?"}),
        frozenset({"pharmacist"}),
    ),
    "cancel": (
        lambda w: ("POST", f"/api/orders/{prescribe_step(w)}/cancel", {"reason": "duplicate"}),
        frozenset({"prescriber"}),
    ),
    "discontinue": (
        lambda w: ("POST", f"/api/orders/{_running(w)}/discontinue", {"reason": "to SC"}),
        frozenset({"prescriber"}),
    ),
    "loading_dose": (
        lambda w: (
            "POST",
            f"/api/orders/{_verified(w)}/loading-dose",
            {"dose_mg": 100, "syringe_lot": "LD-1"},
        ),
        frozenset({"nurse"}),
    ),
    "resolve_alert": (
        lambda w: ("POST", f"/api/alerts/{_alert(w)}/resolve", {"note": "retrained"}),
        frozenset({"lead"}),
    ),
    "administer": (
        lambda w: (
            lambda o, b: (
                "POST",
                f"/api/orders/{o}/administrations",
                {"event": "start", "bag_id": b} | scan_codes(w, o, b),
            )
        )(*_ready_to_start(w)),
        frozenset({"nurse"}),
    ),
    "read_audit": (
        lambda w: ("GET", "/api/audit", None),
        frozenset({"admin"}),
    ),
}


@pytest.fixture
def fresh_api(tmp_path: Path) -> Iterator[Api]:
    """A staffed ward on its own SQLite file."""
    clock = FakeClock()
    with empty_engine("sqlite", tmp_path) as engine:
        Base.metadata.create_all(engine)
        services = create_services(create_test_settings(), engine=engine, clock=clock)
        ward = staff_ward(services, clock)
        with TestClient(create_app(services)) as client:
            yield Api(client, ward)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_against_action(fresh_api: Api, action: str, role: str) -> None:
    """Allowed roles succeed (2xx); every other role gets 403 'permission_denied'."""
    build, allowed = ACTIONS[action]
    method, url, body = build(fresh_api.ward)
    headers = fresh_api.headers(role)
    before = _audit_length(fresh_api.ward)
    response = fresh_api.client.request(method, url, json=body, headers=headers)
    if role in allowed:
        assert 200 <= response.status_code < 300, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "permission_denied"
        assert _audit_length(fresh_api.ward) == before
        with fresh_api.ward.uow() as uow:
            newest = uow.audit.list_events(limit=1)[0]
            assert (newest.action, newest.entity_id) == ("access.denied", f"{method} {url}")


def _audit_length(ward: Ward) -> int:
    """Clinical events only: sign-ins, record reads and refusals are access events."""
    with ward.uow() as uow:
        events = uow.audit.list_events(limit=100_000)
        return sum(1 for e in events if not e.action.startswith(("access.", "auth.", "patient.")))
