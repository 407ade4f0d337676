"""Races: two requests that only one may win, sent at the same instant (a barrier), with the
ward prepared through the services before each round. Used by the race tests and by
``bench/security_figures.py`` (against a running server)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import count

from anakinra_iv.units import Q_, parse_quantity
from anakinra_iv.workflow.commands import (
    AddUser,
    CreatePatient,
    PrepareBag,
    Prescribe,
    VerifyOrder,
)
from anakinra_iv.workflow.services import (
    add_user,
    create_patient,
    prepare_bag,
    prescribe,
    verify_order,
)
from tests.workflow_support.fixtures import PASSWORD, Ward, read_bag, scan_codes

Post = Callable[[str, str, dict[str, object]], tuple[int, str]]
"""Send a POST as a staff member: (who, url, JSON body) -> (status, error code or 'ok')."""

_mrns = count(1)
_lock = threading.Lock()


def add_third_pharmacist(ward: Ward) -> None:
    """A third pharmacist, so that two can race to check a bag the first prepared."""
    view = add_user(
        AddUser(None, "ph_cat", frozenset({"pharmacist"}), PASSWORD),
        ward.uow(),
        ward.services.hasher,
        ward.services.policy,
        ward.clock(),
    )
    ward.users["pharmacist3"] = view.id


def new_patient(ward: Ward) -> int:
    """A fresh patient (one open order per patient: each round needs its own)."""
    with _lock:
        mrn = f"RACE-{next(_mrns)}-{id(ward) % 10000}"
    return create_patient(
        CreatePatient(
            ward.users["prescriber"],
            mrn,
            "Race, Pat",
            date(1965, 5, 5),
            "female",
            Q_(70, "kg"),
            Q_(1.0, "mg/dL"),
        ),
        ward.uow(),
        ward.clock(),
    ).id


def new_order(ward: Ward, *, verified: bool = True) -> int:
    """An order of a fresh patient at step 3 (50 mg/h, 6 mg/mL), verified if asked."""
    order = prescribe(
        Prescribe(ward.users["prescriber"], new_patient(ward), "adult-mas-civ", step=3),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    if verified:
        verify_order(
            VerifyOrder(
                ward.users["pharmacist"],
                order.id,
                parse_quantity("50 mg/h", field="rate", unit="mg/h"),
                parse_quantity("6 mg/mL", field="c", unit="mg/mL"),
            ),
            ward.uow(),
            ward.clock(),
        )
    return order.id


def new_bag(ward: Ward, order_id: int, *, checked: bool = True) -> int:
    """A bag of the order prepared by the first pharmacist, checked by the second if asked."""
    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("LOT-R",)),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    if checked:
        read_bag(ward, bag.id)
    return bag.id


def _bag_readings(ward: Ward, bag_id: int) -> dict[str, object]:
    """What a checker reads off the bag, as the check's request body."""
    with ward.uow() as uow:
        bag = uow.bags.get(bag_id)
        return {
            "drug_amount_mg": f"{bag.drug_amount_mg:g} mg",
            "final_volume_ml": f"{bag.final_volume_ml:g} mL",
            "syringe_lots": list(bag.syringe_lots),
        }


@dataclass(frozen=True)
class Race:
    """A named race: how to prepare a round, and the two requests it then sends."""

    name: str
    prepare: Callable[[Ward], list[tuple[str, str, dict[str, object]]]]


def _same_bag(ward: Ward) -> list[tuple[str, str, dict[str, object]]]:
    order = new_order(ward)
    bag = new_bag(ward, order)
    start = {"event": "start", "bag_id": bag, "rate_mg_per_h": "50 mg/h"} | scan_codes(
        ward, order, bag
    )
    return [("nurse", f"/api/orders/{order}/administrations", start)] * 2


def _two_bags(ward: Ward) -> list[tuple[str, str, dict[str, object]]]:
    order = new_order(ward)
    bags = [new_bag(ward, order), new_bag(ward, order)]
    return [
        (
            "nurse",
            f"/api/orders/{order}/administrations",
            {"event": "start", "bag_id": b} | scan_codes(ward, order, b),
        )
        for b in bags
    ]


def _two_orders(ward: Ward) -> list[tuple[str, str, dict[str, object]]]:
    patient = new_patient(ward)
    body = {"patient_id": patient, "protocol_id": "adult-mas-civ", "step": 3}
    return [("prescriber", "/api/orders", body)] * 2


def _verify_verify(ward: Ward) -> list[tuple[str, str, dict[str, object]]]:
    order = new_order(ward, verified=False)
    body = {"rate_mg_per_h": "50 mg/h", "concentration_mg_per_ml": "6 mg/mL"}
    return [
        ("pharmacist", f"/api/orders/{order}/verify", body),
        ("pharmacist2", f"/api/orders/{order}/verify", body),
    ]


def _check_check(ward: Ward) -> list[tuple[str, str, dict[str, object]]]:
    bag = new_bag(ward, new_order(ward), checked=False)
    return [
        ("pharmacist2", f"/api/bags/{bag}/check", _bag_readings(ward, bag)),
        ("pharmacist3", f"/api/bags/{bag}/check", _bag_readings(ward, bag)),
    ]


def _dose_verify(ward: Ward) -> list[tuple[str, str, dict[str, object]]]:
    order = new_order(ward, verified=False)
    return [
        (
            "prescriber",
            f"/api/orders/{order}/dose",
            {"step": 4, "reason": "rising ferritin", "version": 1},
        ),
        (
            "pharmacist",
            f"/api/orders/{order}/verify",
            {"rate_mg_per_h": "50 mg/h", "concentration_mg_per_ml": "6 mg/mL", "version": 1},
        ),
    ]


RACES: tuple[Race, ...] = (
    Race("two nurses start the same bag", _same_bag),
    Race("two nurses start two bags of one order", _two_bags),
    Race("two orders for one patient", _two_orders),
    Race("two pharmacists verify one order", _verify_verify),
    Race("two pharmacists check one bag", _check_check),
    Race("dose change against verification", _dose_verify),
)


def run_race(
    post: Post, requests: list[tuple[str, str, dict[str, object]]]
) -> list[tuple[int, str]]:
    """Send the requests at the same instant; return (status, code) of each, in order."""
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, str]] = [(0, "")] * len(requests)

    def send(index: int) -> None:
        who, url, body = requests[index]
        barrier.wait()
        results[index] = post(who, url, body)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
