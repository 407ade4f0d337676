"""A bounded concurrent workflow over HTTP that records every acknowledged write, for the
SIGKILL test and the figures: each client registers patients and takes each through order,
verification, compounding, check and start, every POST with an Idempotency-Key."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import httpx

from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
from tests.workflow_support.fixtures import PASSWORD, STAFF


@dataclass
class Ledger:
    """Writes the server acknowledged (2xx received), and requests whose answer never came."""

    acknowledged: list[tuple[str, int, str]] = field(default_factory=list)
    unanswered: list[tuple[str, str, dict[str, object], str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def sign_in(base: str) -> dict[str, dict[str, str]]:
    """A bearer header per staff member."""
    headers = {}
    for who, (username, _) in STAFF.items():
        token = httpx.post(
            f"{base}/api/auth/token", data={"username": username, "password": PASSWORD}
        ).json()["access_token"]
        headers[who] = {"Authorization": f"Bearer {token}"}
    return headers


def _course(
    client: httpx.Client, headers: dict[str, dict[str, str]], ledger: Ledger, tag: str
) -> None:
    steps: list[tuple[str, str, str, dict[str, object]]] = []
    ids: dict[str, int] = {}

    def send(kind: str, who: str, url: str, body: dict[str, object]) -> dict[str, object] | None:
        key = uuid.uuid4().hex
        steps.append((kind, who, url, body))
        try:
            response = client.post(
                url, json=body, headers=headers[who] | {"Idempotency-Key": key}, timeout=30
            )
        except httpx.HTTPError:
            with ledger.lock:
                ledger.unanswered.append((who, url, body, key))
            raise
        if response.status_code >= 300:
            with ledger.lock:
                ledger.refused.append(f"{kind}: {response.status_code} {response.text[:200]}")
            raise RuntimeError(kind)
        answer: dict[str, object] = response.json()
        with ledger.lock:
            ledger.acknowledged.append((kind, int(answer["id"]), str(answer.get("status", ""))))  # type: ignore[call-overload]
        return answer

    patient = send(
        "patient",
        "prescriber",
        "/api/patients",
        {
            "mrn": f"CRASH-{tag}",
            "name": "Crash, Test",
            "birth_date": "1962-02-02",
            "sex": "male",
            "weight": "80 kg",
            "creatinine": "1.0 mg/dL",
        },
    )
    assert patient is not None
    order = send(
        "order",
        "prescriber",
        "/api/orders",
        {"patient_id": patient["id"], "protocol_id": "adult-mas-civ", "step": 3},
    )
    assert order is not None
    ids["order"] = int(order["id"])  # type: ignore[call-overload]
    send(
        "verify",
        "pharmacist",
        f"/api/orders/{ids['order']}/verify",
        {"rate_mg_per_h": "50 mg/h", "concentration_mg_per_ml": "6 mg/mL"},
    )
    bag = send("bag", "pharmacist", f"/api/orders/{ids['order']}/bags", {"syringe_lots": ["L1"]})
    assert bag is not None
    readings = {  # what the checker reads off the bag
        "drug_amount_mg": f"{bag['drug_amount_mg']:g} mg",
        "final_volume_ml": f"{bag['final_volume_ml']:g} mL",
        "syringe_lots": ["L1"],
    }
    send("check", "pharmacist2", f"/api/bags/{bag['id']}/check", readings)
    send(
        "start",
        "nurse",
        f"/api/orders/{ids['order']}/administrations",
        {
            "event": "start",
            "bag_id": bag["id"],
            "scanned_patient": create_wristband_code(str(patient["mrn"])),
            "scanned_bag": create_bag_code(int(bag["id"])),  # type: ignore[call-overload]
        },
    )


def run_clients(base: str, clients: int, courses: int, ledger: Ledger) -> None:
    """``clients`` threads, up to ``courses`` courses each; a thread stops at its first
    connection error (the server was killed)."""
    headers = sign_in(base)

    def worker(n: int) -> None:
        with httpx.Client(base_url=base) as client:
            for c in range(courses):
                try:
                    _course(client, headers, ledger, f"{n}-{c}-{uuid.uuid4().hex[:6]}")
                except (httpx.HTTPError, RuntimeError):
                    return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
