"""One open continuous anakinra order per patient.

A patient on two infusions would receive both, so a second open order is refused: by the
service before it writes (:func:`require_no_open_order`, a clear 409 naming the open order) and
by the database whatever the path (the unique index on ``orders.open_patient_id``). That column
holds the patient's id while the order is open and NULL once it is closed; it is kept here, from
the order's status and :data:`~anakinra_iv.workflow.lifecycle.CLOSED_STATUSES`, every time an
order is written, so a new closed status needs no database change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from anakinra_iv.errors import ConflictError
from anakinra_iv.records.tables import Order
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.lifecycle import is_open

__all__ = ["require_no_open_order", "set_open_flag"]


def set_open_flag(order: Order) -> None:
    """Set ``open_patient_id`` from the order's status."""
    order.open_patient_id = order.patient_id if is_open(order.status) else None


@event.listens_for(Order, "before_insert")
@event.listens_for(Order, "before_update")
def _keep_open_flag(_mapper: Any, _connection: Any, target: Order) -> None:
    set_open_flag(target)


def require_no_open_order(uow: UnitOfWork, patient_id: int) -> None:
    """Raise ConflictError naming the patient's open order, if there is one."""
    found = uow.orders.find_open_for_patient(patient_id)
    if found is not None:
        raise ConflictError(
            f"patient {patient_id} already has open order {found.id} ('{found.status}'): one "
            f"continuous anakinra infusion per patient; change the dose of order {found.id}, "
            "or stop or discontinue it before ordering another",
            field="patient_id",
            value=patient_id,
        )
