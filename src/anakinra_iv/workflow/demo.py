"""A demonstration ward: users of every role, an approved protocol, seven patients on two wards
and five days of their infusions.

Everything is created through the ordinary services, so the audit trail of a demo database is
as complete as that of a real one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import parse_quantity
from anakinra_iv.workflow.auth import AuthPolicy, PasswordHasher
from anakinra_iv.workflow.commands import AddUser, ApproveProtocol, CreatePatient
from anakinra_iv.workflow.demo_cart import seed_cart_patient
from anakinra_iv.workflow.demo_history import HISTORY_DAYS, DemoClock, seed_demo_history
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.services import add_user, approve_protocol, create_patient

__all__ = ["DEMO_PROTOCOL", "DEMO_USERS", "seed_demo_ward"]

DEMO_USERS: dict[str, str] = {
    "prescriber": "prescriber",
    "pharmacist": "pharmacist",
    "pharmacist2": "pharmacist",
    "nurse": "nurse",
    "admin": "admin",
    "viewer": "viewer",
    "lead": "pharmacy_lead",
}
"""Demo user name -> role."""

DEMO_PROTOCOL = "adult-mas-civ"


def seed_demo_ward(
    new_uow: Callable[[], UnitOfWork],
    hasher: PasswordHasher,
    policy: AuthPolicy,
    calculator: DoseCalculator,
    now: datetime,
    password: str,
) -> dict[str, int]:
    """Seed users, the approval of the demo protocol, seven patients on two wards and their last
    five days (:mod:`anakinra_iv.workflow.demo_history`), ending at ``now``, then a CAR-T
    patient with bedside CRS and ICANS assessments over the last 13 hours
    (:func:`~anakinra_iv.workflow.demo_cart.seed_cart_patient`).

    The demonstration clock starts five days before ``now`` and only moves forward, so the
    history's audit events are written in time order (the CAR-T patient's follow them, dated
    within the last 13 hours). Returns the user ids by name.
    """
    start = (now - timedelta(days=HISTORY_DAYS)).replace(hour=7, minute=0, second=0, microsecond=0)
    clock = DemoClock(start)
    ids: dict[str, int] = {}
    for username, role in DEMO_USERS.items():
        ids[username] = add_user(
            AddUser(None, username, frozenset({role}), password, username.title()),
            new_uow(),
            hasher,
            policy,
            clock(),
        ).id
    approve_protocol(
        ApproveProtocol(ids["admin"], DEMO_PROTOCOL, note="demonstration approval only"),
        new_uow(),
        calculator,
        clock(),
    )
    patients = [
        (
            "ana",
            "DEMO-001",
            "Rivera, Ana",
            date(1968, 4, 12),
            "female",
            "72 kg",
            "0.9",
            "ICU 4",
            "12",
        ),
        ("ben", "DEMO-002", "Okafor, Ben", date(1979, 9, 3), "male", "88 kg", "1.4", "ICU 4", "14"),
        (
            "eva",
            "DEMO-003",
            "Lindqvist, Eva",
            date(1990, 1, 25),
            "female",
            "61 kg",
            "0.7",
            "ICU 4",
            "15",
        ),
        ("p4", "DEMO-004", "Haddad, Omar", date(1955, 6, 30), "male", "81 kg", "1.1", "ICU 4", "3"),
        (
            "p5",
            "DEMO-005",
            "Moreau, Claire",
            date(1984, 11, 2),
            "female",
            "66 kg",
            "0.8",
            "HDU 2",
            "7",
        ),
        ("p6", "DEMO-006", "Novak, Petr", date(1972, 2, 17), "male", "93 kg", "1.2", "ICU 4", "9"),
        ("p7", "DEMO-007", "Sato, Yuki", date(1999, 8, 8), "female", "55 kg", "0.6", "HDU 2", "2"),
    ]
    patient_ids: dict[str, int] = {}
    for key, mrn, name, born, sex, weight, creatinine, ward, bed in patients:
        patient_ids[key] = create_patient(
            CreatePatient(
                ids["prescriber"],
                mrn,
                name,
                born,
                sex,
                parse_quantity(weight, field="weight", unit="kg"),
                parse_quantity(f"{creatinine} mg/dL", field="creatinine", unit="mg/dL"),
                ward=ward,
                bed=bed,
            ),
            new_uow(),
            clock(),
        ).id
    seed_demo_history(new_uow, calculator, ids, patient_ids, clock, now)
    seed_cart_patient(new_uow, calculator, ids, now)
    return ids
