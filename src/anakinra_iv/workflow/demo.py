"""A demonstration ward: users of every role, an approved protocol and a few patients.

Everything is created through the ordinary services, so the audit trail of a demo database is
as complete as that of a real one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Q_, parse_quantity
from anakinra_iv.workflow.auth import AuthPolicy, PasswordHasher
from anakinra_iv.workflow.commands import (
    AddUser,
    ApproveProtocol,
    CheckBag,
    CreatePatient,
    PrepareBag,
    Prescribe,
    RecordAdministration,
    RecordObservation,
    VerifyOrder,
)
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.services import (
    add_user,
    approve_protocol,
    check_bag,
    create_patient,
    prepare_bag,
    prescribe,
    record_administration,
    record_observation,
    verify_order,
)

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
    """Seed users, the approval of the demo protocol, three patients and one running infusion.

    Returns the user ids by name.
    """
    ids: dict[str, int] = {}
    for username, role in DEMO_USERS.items():
        ids[username] = add_user(
            AddUser(None, username, frozenset({role}), password, username.title()),
            new_uow(),
            hasher,
            policy,
            now,
        ).id
    approve_protocol(
        ApproveProtocol(ids["admin"], DEMO_PROTOCOL, note="demonstration approval only"),
        new_uow(),
        calculator,
        now,
    )
    patients = [
        ("DEMO-001", "Rivera, Ana", date(1968, 4, 12), "female", "72 kg", "0.9 mg/dL", "12"),
        ("DEMO-002", "Okafor, Ben", date(1979, 9, 3), "male", "88 kg", "1.4 mg/dL", "14"),
        ("DEMO-003", "Lindqvist, Eva", date(1990, 1, 25), "female", "61 kg", "0.7 mg/dL", "15"),
    ]
    patient_ids = []
    for mrn, name, born, sex, weight, creatinine, bed in patients:
        patient_ids.append(
            create_patient(
                CreatePatient(
                    ids["prescriber"],
                    mrn,
                    name,
                    born,
                    sex,
                    parse_quantity(weight, field="weight", unit="kg"),
                    parse_quantity(creatinine, field="creatinine", unit="mg/dL"),
                    ward="ICU 4",
                    bed=bed,
                ),
                new_uow(),
                now,
            ).id
        )
    for hours, ferritin in ((30, "18500 ng/mL"), (6, "14200 ng/mL")):
        record_observation(
            RecordObservation(
                ids["nurse"],
                patient_ids[0],
                ferritin,
                now - timedelta(hours=hours),
                "2276-4",
                "ferritin",
            ),
            new_uow(),
            now,
        )
    order = prescribe(
        Prescribe(ids["prescriber"], patient_ids[0], DEMO_PROTOCOL, step=3),
        new_uow(),
        calculator,
        now,
    )
    verify_order(
        VerifyOrder(
            ids["pharmacist"],
            order.id,
            Q_(order.rate_mg_per_h, "mg/h"),
            Q_(order.planned_concentration_mg_per_ml, "mg/mL"),
        ),
        new_uow(),
        now,
    )
    bag = prepare_bag(
        PrepareBag(ids["pharmacist"], order.id, now, ("DEMO-LOT-1",)), new_uow(), calculator, now
    )
    check_bag(
        CheckBag(
            ids["pharmacist2"],
            bag.id,
            Q_(bag.drug_amount_mg, "mg"),
            Q_(bag.final_volume_ml, "mL"),
            bag.syringe_lots,
        ),
        new_uow(),
        now,
    )
    record_administration(
        RecordAdministration(
            ids["nurse"],
            order.id,
            "start",
            now,
            bag.id,
            scanned_patient=create_wristband_code(patients[0][0]),
            scanned_bag=create_bag_code(bag.id),
        ),
        new_uow(),
        now,
        calculator,
    )
    prescribe(
        Prescribe(ids["prescriber"], patient_ids[1], DEMO_PROTOCOL, step=2),
        new_uow(),
        calculator,
        now,
    )
    return ids
