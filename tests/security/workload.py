"""A bounded workflow load for the fault and backup tests: whole patient courses, written
through the services by several threads at once."""

from __future__ import annotations

import threading
from datetime import date
from itertools import count

from anakinra_iv.units import Q_, parse_quantity
from anakinra_iv.workflow.commands import (
    CheckBag,
    CreatePatient,
    PrepareBag,
    Prescribe,
    VerifyOrder,
)
from anakinra_iv.workflow.services import (
    check_bag,
    create_patient,
    prepare_bag,
    prescribe,
    verify_order,
)
from tests.workflow_support.fixtures import Ward

_numbers = count(1000)
_lock = threading.Lock()


def _next_mrn(prefix: str) -> str:
    with _lock:
        return f"{prefix}-{next(_numbers)}"


def run_course(ward: Ward, prefix: str = "LOAD") -> int:
    """Register a patient, order, verify, compound and check a bag; return the order id."""
    now = ward.clock()
    patient = create_patient(
        CreatePatient(
            ward.users["prescriber"],
            mrn=_next_mrn(prefix),
            name="Load, Test",
            birth_date=date(1960, 1, 1),
            sex="male",
            weight=Q_(80, "kg"),
            creatinine=Q_(1.0, "mg/dL"),
        ),
        ward.uow(),
        now,
    )
    order = prescribe(
        Prescribe(ward.users["prescriber"], patient.id, "adult-mas-civ", step=3),
        ward.uow(),
        ward.services.calculator,
        now,
    )
    verify_order(
        VerifyOrder(
            ward.users["pharmacist"],
            order.id,
            parse_quantity(f"{order.rate_mg_per_h} mg/h", field="rate", unit="mg/h"),
            parse_quantity(
                f"{order.planned_concentration_mg_per_ml} mg/mL", field="c", unit="mg/mL"
            ),
        ),
        ward.uow(),
        now,
    )
    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order.id, now, ("LOT-1",)),
        ward.uow(),
        ward.services.calculator,
        now,
    )
    readings = CheckBag(  # what the second pharmacist reads off the bag
        ward.users["pharmacist2"],
        bag.id,
        Q_(bag.drug_amount_mg, "mg"),
        Q_(bag.final_volume_ml, "mL"),
        bag.syringe_lots,
    )
    check_bag(readings, ward.uow(), now)
    return order.id


def run_load(ward: Ward, threads: int, courses: int, stop: threading.Event) -> list[BaseException]:
    """Start ``threads`` threads running up to ``courses`` courses each (or until ``stop``);
    return the errors once all have finished."""
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        for _ in range(courses):
            if stop.is_set():
                return
            try:
                run_course(ward, prefix=f"T{k}")
            except BaseException as error:  # collected and asserted by the caller
                errors.append(error)
                return

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors
