"""The CAR-T patient of the demonstration ward: an adult on ``adult-cart-crs-icans`` whose
infusion has run for 10 hours, with bedside CRS and ICANS assessments (the latest ICANS grade
up from 1 to 2) and the review asked for after it. Everything goes through the ordinary
services, so the grades are calculated from the recorded items as on a real ward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import (
    ApproveProtocol,
    CheckBag,
    CreatePatient,
    PrepareBag,
    Prescribe,
    RecordAdministration,
    RecordToxicityAssessment,
    RequestRecommendation,
    VerifyOrder,
)
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.services import (
    approve_protocol,
    check_bag,
    create_patient,
    prepare_bag,
    prescribe,
    record_administration,
    record_toxicity_assessment,
    request_recommendation,
    verify_order,
)

__all__ = ["CART_PROTOCOL", "MRN", "seed_cart_patient"]

CART_PROTOCOL = "adult-cart-crs-icans"

_NORMAL_DOMAINS: dict[str, Any] = {
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": False,
    "raised_icp": "none",
    "attributable_to_other_cause": False,
}


def _ice(
    orientation: int, naming: int, commands: int, writing: int, attention: int
) -> dict[str, Any]:
    return {
        "orientation": orientation,
        "naming": naming,
        "following_commands": commands,
        "writing": writing,
        "attention": attention,
        **_NORMAL_DOMAINS,
    }


def _crs(temperature: str, hypotension: bool, oxygen: str, flow: float | None) -> dict[str, Any]:
    items: dict[str, Any] = {
        "temperature": temperature,
        "fever_masked_by_treatment": False,
        "hypotension": hypotension,
        "vasopressor_agents": [],
        "oxygen": oxygen,
    }
    if flow is not None:
        items["oxygen_flow_l_per_min"] = flow
    return items


ASSESSMENTS: tuple[tuple[float, str, dict[str, Any]], ...] = (
    (12, "crs-astct", _crs("39.4 Cel", False, "none", None)),  # fever only: CRS 1
    (12, "icans-astct", _ice(3, 3, 1, 1, 0)),  # ICE 8: ICANS 1
    (6, "crs-astct", _crs("38.6 Cel", True, "nasal_cannula", 2)),  # fluids, 2 L/min: CRS 2
    (6, "icans-astct", _ice(3, 3, 1, 1, 0)),  # ICE 8: ICANS 1
    (1, "crs-astct", _crs("38.2 Cel", False, "nasal_cannula", 2)),  # 2 L/min: CRS 2
    (1, "icans-astct", _ice(2, 2, 1, 0, 0)),  # ICE 5: ICANS 2, up from 1
)
"""(hours before now, score, items) of the demonstration assessments."""


MRN = "DEMO-008"
"""The demonstration CAR-T patient's medical record number."""


def seed_cart_patient(
    new_uow: Callable[[], UnitOfWork],
    calculator: DoseCalculator,
    ids: dict[str, int],
    now: datetime,
) -> int:
    """Admit the CAR-T patient, run step 3 since 10 h ago, record the assessments and ask for
    the review; return the patient id."""
    approve_protocol(
        ApproveProtocol(ids["admin"], CART_PROTOCOL, note="demonstration approval only"),
        new_uow(),
        calculator,
        now,
    )
    admitted = now - timedelta(hours=13)
    patient = create_patient(
        CreatePatient(
            ids["prescriber"],
            MRN,
            "Moreau, Luc",
            date(1961, 7, 19),
            "male",
            Q_(78, "kg"),
            Q_(1.1, "mg/dL"),
            ward="ICU 4",
            bed="16",
            weight_collected_at=admitted,
        ),
        new_uow(),
        admitted,
    ).id
    # Illustrative step times (order signed 11 h ago, running 10 h ago), so the demonstration's
    # time-to-drug figures are not zero for this patient.
    signed = now - timedelta(hours=11)
    verified = signed + timedelta(minutes=20)
    prepared = verified + timedelta(minutes=15)
    checked = prepared + timedelta(minutes=10)
    started = now - timedelta(hours=10)
    order = prescribe(
        Prescribe(ids["prescriber"], patient, CART_PROTOCOL, step=3), new_uow(), calculator, signed
    )
    verify_order(
        VerifyOrder(
            ids["pharmacist"],
            order.id,
            Q_(order.rate_mg_per_h, "mg/h"),
            Q_(order.planned_concentration_mg_per_ml, "mg/mL"),
        ),
        new_uow(),
        verified,
    )
    bag = prepare_bag(
        PrepareBag(ids["pharmacist"], order.id, prepared, ("DEMO-LOT-4",)),
        new_uow(),
        calculator,
        prepared,
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
        checked,
    )
    record_administration(
        RecordAdministration(
            ids["nurse"],
            order.id,
            "start",
            started,
            bag.id,
            scanned_patient=create_wristband_code(MRN),
            scanned_bag=create_bag_code(bag.id),
        ),
        new_uow(),
        started,
        calculator,
    )
    for hours, score, items in ASSESSMENTS:
        at = now - timedelta(hours=hours)
        record_toxicity_assessment(
            RecordToxicityAssessment(ids["nurse"], patient, score, items, at), new_uow(), at
        )
    request_recommendation(
        RequestRecommendation(ids["prescriber"], patient, None), new_uow(), calculator, now
    )
    return patient
