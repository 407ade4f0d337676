"""The ward board reads each kind of record for all its orders at once.

Its cost in SQL statements is flat: the same number for one patient on the board as for five, each
with segments, bags, observations and a stored recommendation. And reading in bulk changes nothing
on the board: every row equals the record read one order at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from anakinra_iv.units import Q_
from anakinra_iv.workflow.blinding import present_order
from anakinra_iv.workflow.board import list_board
from anakinra_iv.workflow.commands import CreatePatient, RecordObservation, RequestRecommendation
from anakinra_iv.workflow.queries import read_patient_view
from anakinra_iv.workflow.services import create_patient, record_observation, request_recommendation
from anakinra_iv.workflow.services._common import build_order_view
from tests.workflow_support.fixtures import Ward, prescribe_step, start_running


@contextmanager
def counting_statements(ward: Ward) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    engine = ward.services.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _add_patient_on_infusion(ward: Ward, number: int) -> None:
    """Register a patient, record a CRP, start an infusion and store a review recommendation."""
    patient = create_patient(
        CreatePatient(
            ward.users["prescriber"],
            mrn=f"MRN-B{number:03d}",
            name=f"Doe, Patient {number}",
            birth_date=date(1960 + number, 1, 1),
            sex="male",
            weight=Q_(60 + number, "kg"),
            creatinine=Q_(0.9, "mg/dL"),
        ),
        ward.uow(),
        ward.clock(),
    )
    ward.patient_id = patient.id
    record_observation(
        RecordObservation(ward.users["nurse"], patient.id, "80 mg/L", ward.clock(), code="1988-5"),
        ward.uow(),
        ward.clock(),
    )
    start_running(ward)
    request_recommendation(
        RequestRecommendation(ward.users["prescriber"], patient.id),
        ward.uow(),
        ward.services.calculator,
        ward.clock.advance(minutes=5),
    )


def _add_pending_order(ward: Ward) -> None:
    """Register a patient and order an infusion that awaits verification."""
    pending = create_patient(
        CreatePatient(
            ward.users["prescriber"],
            mrn="MRN-0099",
            name="Doe, Pending",
            birth_date=date(1980, 1, 1),
            sex="female",
            weight=Q_(80, "kg"),
            creatinine=Q_(1.1, "mg/dL"),
        ),
        ward.uow(),
        ward.clock(),
    )
    ward.patient_id = pending.id
    prescribe_step(ward)


def _statements_of_board(ward: Ward) -> int:
    with counting_statements(ward) as sent:
        list_board(ward.uow(), ward.users["nurse"], ward.clock())
    return len(sent)


def test_board_statement_count_does_not_grow_with_patients(ward: Ward) -> None:
    _add_patient_on_infusion(ward, 1)
    one = _statements_of_board(ward)
    for number in range(2, 6):
        _add_patient_on_infusion(ward, number)
    _add_pending_order(ward)  # and one awaiting verification: no segment, no bag
    five = _statements_of_board(ward)
    assert len(list_board(ward.uow(), ward.users["nurse"], ward.clock())) == 6
    assert five == one
    # the orders, the still-running discontinued ones, and one query per kind of record: a
    # handful, not a handful per order
    assert one <= 12


def test_board_rows_equal_the_records_read_one_at_a_time(ward: Ward) -> None:
    for number in range(1, 4):
        _add_patient_on_infusion(ward, number)
    _add_pending_order(ward)  # awaiting verification: blinded for the pharmacist
    for reader in ("nurse", "pharmacist"):
        rows = list_board(ward.uow(), ward.users[reader], ward.clock())
        assert len(rows) == 4
        with ward.uow() as uow:
            for row in rows:
                order = uow.orders.get(row.order.id)
                alone = build_order_view(uow, order)
                alone = present_order(alone, ward.users[reader], frozenset({reader}))
                assert row.order == alone
                assert row.patient == read_patient_view(uow, order.patient_id)
