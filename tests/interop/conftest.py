"""Fixtures of the interoperability tests: a hand-built course and a staffed ward on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.interop.course import (
    Course,
    CourseAuditEvent,
    CourseBag,
    CourseObservation,
    CourseOrder,
    CoursePatient,
    CourseSegment,
)
from anakinra_iv.records.database import create_database_engine
from anakinra_iv.records.tables import Base
from tests.workflow_support.fixtures import FakeClock, Ward, create_test_settings, staff_ward

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def make_course() -> Course:
    """A woman of 70 kg on adult-mas-civ step 3 (1,200 mg/day = 50 mg/h; 600 mg in 100 mL)."""
    hours = timedelta(hours=1)
    patient = CoursePatient("1", "MRN-0001", "Doe, Jane", date(1971, 3, 2), "female")
    observations = (
        CourseObservation("1", "29463-7", "body_weight", 70.0, "kg", T0 - 2 * hours),
        CourseObservation("2", "2276-4", "ferritin", 2400.0, "ng/mL", T0 - hours),
        CourseObservation("3", "1988-5", "crp", 120.0, "mg/L", T0 - hours),
        CourseObservation("4", "777-3", "platelets", 95.0, "10*9/L", T0 - hours),
        CourseObservation("5", "8310-5", "temperature", 38.6, "Cel", T0 - hours),
    )
    order = CourseOrder(
        id="1",
        protocol_id="adult-mas-civ",
        protocol_version="1",
        status="stopped",
        prescriber="dr_house",
        created_at=T0,
        updated_at=T0 + hours,
        step=3,
        daily_dose_mg_per_day=1200.0,
        rate_mg_per_h=50.0,
        weight_kg=70.0,
        dose_mg_per_kg_per_day=1200 / 70,
        weight_based=False,
        limit_status="within",
        override_reason=None,
        verified_by="ph_ada",
    )
    bag = CourseBag(
        id="1",
        order_id="1",
        status="removed",
        prepared_by="ph_ada",
        prepared_at=T0 + hours,
        checked_by="ph_bo",
        checked_at=T0 + 1.5 * hours,
        syringe_lots=("LOT-A1", "LOT-A2"),
        drug_amount_mg=600.0,
        final_volume_ml=100.0,
        concentration_mg_per_ml=6.0,
        rate_ml_per_h=100 / 12,
        beyond_use=T0 + 13 * hours,
    )
    segments = (
        CourseSegment(
            "1", 1, "start", "1", 50.0, 100 / 12, T0 + 2 * hours, T0 + 8 * hours, None, "rn_cy"
        ),
        CourseSegment(
            "1", 2, "pause", "1", 0.0, 0.0, T0 + 8 * hours, T0 + 9 * hours, "line blocked", "rn_cy"
        ),
        CourseSegment(
            "1", 3, "resume", "1", 50.0, 100 / 12, T0 + 9 * hours, T0 + 12 * hours, None, "rn_cy"
        ),
        CourseSegment("1", 4, "stop", None, 0.0, 0.0, T0 + 12 * hours, None, "response", "rn_cy"),
    )
    audit = (
        CourseAuditEvent(1, T0, "dr_house", "order.prescribe", "order", "1", ""),
        CourseAuditEvent(2, T0 + hours, "ph_ada", "order.verify", "order", "1", ""),
    )
    return Course(patient, observations, (order,), (bag,), segments, audit)


@pytest.fixture
def course() -> Course:
    """The hand-built course."""
    return make_course()


@pytest.fixture
def sqlite_services(tmp_path: Path) -> Iterator[tuple[Services, FakeClock]]:
    """Services on a fresh SQLite file, with the fake clock."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'ward.sqlite3'}")
    Base.metadata.create_all(engine)
    clock = FakeClock()
    try:
        yield create_services(create_test_settings(), engine=engine, clock=clock), clock
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_ward(sqlite_services: tuple[Services, FakeClock]) -> Ward:
    """A staffed ward (one user per role, adult-mas-civ approved, one patient) on SQLite."""
    services, clock = sqlite_services
    return staff_ward(services, clock)
