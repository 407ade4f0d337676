"""Fixtures: engines over both databases, a settable clock, services and a staffed ward."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.config import Settings
from anakinra_iv.records.tables import Base
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import AddUser, ApproveProtocol, CreatePatient
from anakinra_iv.workflow.services import add_user, approve_protocol, create_patient
from tests.workflow_support.databases import ENGINES, empty_engine

PASSWORD = "correct-horse-battery"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
TEST_SECRET_KEY = "tK4-vq9LwZ2xR7pN_c3mB8sJ0yHf6dUa5GeQi1oXr"
"""A strong key for tests only (43 random characters, as secrets.token_urlsafe(32) gives)."""
TEST_AUDIT_KEY = "aU7_hQ2nP9xL4vT0-zK6rW3mC8sY1bJ5dGfEo2iNq"
"""The audit key of tests (the database under test never holds it)."""


@dataclass
class FakeClock:
    """A clock that stands still until a test moves it."""

    current: datetime = START

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward and return the new time."""
        self.current = self.current + timedelta(**delta)
        return self.current


def create_test_settings(database_url: str = "sqlite://", **overrides: object) -> Settings:
    """Settings for tests: cheap argon2 costs, strong test keys, cookies over plain HTTP (the
    test client speaks http://testserver)."""
    values: dict[str, object] = dict(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        audit_key=TEST_AUDIT_KEY,
        cookie_secure=False,
        argon2_time_cost=1,
        argon2_memory_cost_kib=8,
        argon2_parallelism=1,
        lockout_threshold=3,
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Ward:
    """Services with one user per role (two pharmacists), an approved protocol, a patient."""

    services: Services
    clock: FakeClock
    users: dict[str, int] = field(default_factory=dict)
    patient_id: int = 0

    def uow(self):  # type: ignore[no-untyped-def]
        """A fresh unit of work."""
        return self.services.new_uow()


STAFF = {
    "prescriber": ("dr_house", "prescriber"),
    "pharmacist": ("ph_ada", "pharmacist"),
    "pharmacist2": ("ph_bo", "pharmacist"),
    "nurse": ("rn_cy", "nurse"),
    "admin": ("admin", "admin"),
    "viewer": ("viewer", "viewer"),
    "lead": ("ph_lead", "pharmacy_lead"),
}


def staff_ward(services: Services, clock: FakeClock) -> Ward:
    """Add the staff, approve adult-mas-civ and register a 70 kg, 54-year-old woman."""
    ward = Ward(services, clock)
    for key, (username, role) in STAFF.items():
        view = add_user(
            AddUser(None, username, frozenset({role}), PASSWORD),
            services.new_uow(),
            services.hasher,
            services.policy,
            clock(),
        )
        ward.users[key] = view.id
    approve_protocol(
        ApproveProtocol(ward.users["admin"], "adult-mas-civ", note="reviewed by the committee"),
        services.new_uow(),
        services.calculator,
        clock(),
    )
    patient = create_patient(
        CreatePatient(
            ward.users["prescriber"],
            mrn="MRN-0001",
            name="Doe, Jane",
            birth_date=date(1971, 3, 2),
            sex="female",
            weight=Q_(70, "kg"),
            creatinine=Q_(1.0, "mg/dL"),
        ),
        services.new_uow(),
        clock(),
    )
    ward.patient_id = patient.id
    return ward


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine with the current schema (create_all), on SQLite and on PostgreSQL."""
    with empty_engine(request.param, tmp_path) as engine:
        Base.metadata.create_all(engine)
        yield engine


@pytest.fixture
def clock() -> FakeClock:
    """A clock standing at 2026-01-05 08:00 UTC."""
    return FakeClock()


@pytest.fixture
def services(engine: Engine, clock: FakeClock) -> Services:
    """Services over the test engine with the real clinical core and the fake clock."""
    return create_services(create_test_settings(), engine=engine, clock=clock)


@pytest.fixture
def ward(services: Services, clock: FakeClock) -> Ward:
    """A staffed ward with one patient."""
    return staff_ward(services, clock)


def prescribe_step(ward: Ward, step: int = 3, **kwargs: object) -> int:
    """Order adult-mas-civ at ``step`` for the ward's patient; return the order id."""
    from anakinra_iv.workflow.commands import Prescribe
    from anakinra_iv.workflow.services import prescribe

    order = prescribe(
        Prescribe(ward.users["prescriber"], ward.patient_id, "adult-mas-civ", step=step, **kwargs),  # type: ignore[arg-type]
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    return order.id


def verify(ward: Ward, order_id: int, rate: str = "50 mg/h", conc: str = "6 mg/mL") -> None:
    """Verify blind with the given values as the first pharmacist."""
    from anakinra_iv.units import parse_quantity
    from anakinra_iv.workflow.commands import VerifyOrder
    from anakinra_iv.workflow.services import verify_order

    verify_order(
        VerifyOrder(
            ward.users["pharmacist"],
            order_id,
            parse_quantity(rate, field="rate", unit="mg/h"),
            parse_quantity(conc, field="concentration", unit="mg/mL"),
        ),
        ward.uow(),
        ward.clock(),
    )


def read_bag(ward: Ward, bag_id: int, who: str = "pharmacist2", **changes: object) -> None:
    """The blind second check: ``who`` enters what the bag says (drug amount, final volume,
    lots as stored), with ``changes`` replacing any of them."""
    from anakinra_iv.workflow.commands import CheckBag
    from anakinra_iv.workflow.services import check_bag

    with ward.uow() as uow:
        bag = uow.bags.get(bag_id)
        readings: dict[str, object] = {
            "drug_amount": Q_(bag.drug_amount_mg, "mg"),
            "final_volume": Q_(bag.final_volume_ml, "mL"),
            "syringe_lots": tuple(bag.syringe_lots),
        }
    readings.update(changes)
    check_bag(
        CheckBag(ward.users[who], bag_id, **readings),  # type: ignore[arg-type]
        ward.uow(),
        ward.clock(),
    )


def compound_and_check(ward: Ward, order_id: int) -> int:
    """Prepare a bag (first pharmacist) and check it (second pharmacist); return its id."""
    from anakinra_iv.workflow.commands import PrepareBag
    from anakinra_iv.workflow.services import prepare_bag

    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("LOT-A1", "LOT-A2")),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    read_bag(ward, bag.id)
    return bag.id


def administer(ward: Ward, order_id: int, event: str, **kwargs: object):  # type: ignore[no-untyped-def]
    """Record a nursing event as the nurse."""
    from anakinra_iv.workflow.commands import RecordAdministration
    from anakinra_iv.workflow.services import record_administration

    bag_id = kwargs.get("bag_id")
    if event in ("start", "bag_change") and isinstance(bag_id, int):
        for key, value in scan_codes(ward, order_id, bag_id).items():
            kwargs.setdefault(key, value)
    return record_administration(
        RecordAdministration(ward.users["nurse"], order_id, event, **kwargs),  # type: ignore[arg-type]
        ward.uow(),
        ward.clock(),
        ward.services.calculator,
    )


NO_SCAN: dict[str, object] = {
    "scanned_patient": None,
    "scanned_bag": None,
    "scan_override_reason": "scanner out of order",
}
"""A start or bag change without scans (an override): reaches the rules behind the scan."""


def scan_codes(ward: Ward, order_id: int, bag_id: int) -> dict[str, str]:
    """What a scanner types at the bedside for this order's patient and this bag: the codes
    printed on the wristband and the bag label."""
    from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code

    with ward.uow() as uow:
        mrn = uow.patients.get(uow.orders.get(order_id).patient_id).mrn
    return {
        "scanned_patient": create_wristband_code(mrn),
        "scanned_bag": create_bag_code(bag_id),
    }


def start_running(ward: Ward, step: int = 3) -> tuple[int, int]:
    """Order, verify, compound, check and start; return (order id, bag id)."""
    order_id = prescribe_step(ward, step)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    administer(ward, order_id, "start", bag_id=bag_id)
    return order_id, bag_id


def start_cart(ward: Ward, step: int = 3) -> int:
    """Approve adult-cart-crs-icans, order it at ``step``, verify, compound, check, start; the
    order id."""
    from anakinra_iv.workflow.commands import ApproveProtocol, Prescribe, VerifyOrder
    from anakinra_iv.workflow.services import approve_protocol, prescribe, verify_order

    approve_protocol(
        ApproveProtocol(ward.users["admin"], "adult-cart-crs-icans", note="test ward"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    order = prescribe(
        Prescribe(ward.users["prescriber"], ward.patient_id, "adult-cart-crs-icans", step=step),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    verify_order(
        VerifyOrder(
            ward.users["pharmacist"],
            order.id,
            Q_(order.rate_mg_per_h, "mg/h"),
            Q_(order.planned_concentration_mg_per_ml, "mg/mL"),
        ),
        ward.uow(),
        ward.clock(),
    )
    bag_id = compound_and_check(ward, order.id)
    administer(ward, order.id, "start", bag_id=bag_id)
    return order.id
