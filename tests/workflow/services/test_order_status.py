"""Rejecting, querying, cancelling and discontinuing an order, the loading dose, and the stop
with its reason, on SQLite and PostgreSQL: each stores its reason and who gave it, is audited,
and stores nothing when refused."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import (
    ConflictError,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import (
    CancelOrder,
    ChangeDose,
    Discontinue,
    QueryOrder,
    RecordLoadingDose,
    RejectOrder,
)
from anakinra_iv.workflow.services import (
    LoadingDoseNotVerified,
    cancel_order,
    change_dose,
    discontinue_order,
    query_order,
    record_loading_dose,
    reject_order,
)
from tests.workflow_support.fixtures import (
    Ward,
    administer,
    prescribe_step,
    start_running,
    verify,
)


def _audit(ward: Ward) -> list[str]:
    with ward.uow() as uow:
        return [e.action for e in uow.audit.list_events(limit=100_000)]


def _status(ward: Ward, order_id: int) -> tuple[str, str | None, bool]:
    with ward.uow() as uow:
        order = uow.orders.get(order_id)
        return order.status, order.status_reason, order.needs_verification


def test_reject_closes_the_order_with_the_reason(ward: Ward) -> None:
    """A pharmacist rejects an unverified order: status 'rejected', the reason and the pharmacist
    stored, an 'order.reject' event; it can no longer be verified or changed."""
    order_id = prescribe_step(ward)
    view = reject_order(
        RejectOrder(ward.users["pharmacist"], order_id, "weight is from last year"),
        ward.uow(),
        ward.clock(),
    )
    assert (view.status, view.status_reason, view.status_by) == (
        "rejected",
        "weight is from last year",
        "ph_ada",
    )
    assert _audit(ward)[0] == "order.reject"
    with pytest.raises(InvalidTransition):
        verify(ward, order_id)
    with pytest.raises(InvalidTransition):
        change_dose(
            ChangeDose(ward.users["prescriber"], order_id, step=2),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_blank_reason_is_refused_and_nothing_is_stored(ward: Ward, reason: str) -> None:
    """Reject, query and cancel without a reason are refused naming 'reason'; the order and the
    audit trail are unchanged."""
    order_id = prescribe_step(ward)
    before = _audit(ward)
    for call in (
        lambda: reject_order(
            RejectOrder(ward.users["pharmacist"], order_id, reason), ward.uow(), ward.clock()
        ),
        lambda: query_order(
            QueryOrder(ward.users["pharmacist"], order_id, reason), ward.uow(), ward.clock()
        ),
        lambda: cancel_order(
            CancelOrder(ward.users["prescriber"], order_id, reason), ward.uow(), ward.clock()
        ),
    ):
        with pytest.raises(InvalidInput) as caught:
            call()
        assert caught.value.field == "reason"
    assert _audit(ward) == before
    assert _status(ward, order_id) == ("pending_verification", None, True)


def test_query_goes_back_to_the_prescriber_who_answers_with_a_new_dose(ward: Ward) -> None:
    """Queried: not verifiable; the prescriber's dose change puts it back to verification
    (clearing the query); then the pharmacist verifies the new dose."""
    order_id = prescribe_step(ward, 3)
    query_order(
        QueryOrder(ward.users["pharmacist"], order_id, "step 3 on day one?"),
        ward.uow(),
        ward.clock(),
    )
    assert _status(ward, order_id) == ("queried", "step 3 on day one?", True)
    with pytest.raises(InvalidTransition):
        verify(ward, order_id)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=1, reason="start low"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    assert _status(ward, order_id) == ("pending_verification", None, True)
    verify(ward, order_id, "16.67 mg/h", "2 mg/mL")  # 400 mg/day / 24 h; 200 mg in 100 mL
    assert _status(ward, order_id)[0] == "verified"


def test_the_pharmacist_who_ordered_it_does_not_reject_it(ward: Ward) -> None:
    """A prescriber-pharmacist cannot reject (or query) an order they wrote."""
    from anakinra_iv.workflow.commands import AddUser, Prescribe
    from anakinra_iv.workflow.services import add_user, prescribe
    from tests.workflow_support.fixtures import PASSWORD

    both = add_user(
        AddUser(None, "dr_both", frozenset({"prescriber", "pharmacist"}), PASSWORD),
        ward.uow(),
        ward.services.hasher,
        ward.services.policy,
        ward.clock(),
    )
    order = prescribe(
        Prescribe(both.id, ward.patient_id, "adult-mas-civ", step=3),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with pytest.raises(PermissionDenied):
        reject_order(RejectOrder(both.id, order.id, "mine"), ward.uow(), ward.clock())


def test_cancel_is_for_orders_that_never_ran(ward: Ward) -> None:
    """A verified order can be cancelled; a running one cannot (it is discontinued)."""
    verified = prescribe_step(ward)
    verify(ward, verified)
    view = cancel_order(
        CancelOrder(ward.users["prescriber"], verified, "patient transferred"),
        ward.uow(),
        ward.clock(),
    )
    assert view.status == "cancelled" and not view.needs_verification
    running, _ = start_running(ward)
    with pytest.raises(InvalidTransition, match="'cancel' is not allowed"):
        cancel_order(CancelOrder(ward.users["prescriber"], running, "x"), ward.uow(), ward.clock())


def test_discontinue_then_the_nurse_stops_the_running_pump(ward: Ward) -> None:
    """Discontinued with 'transition to SC anakinra': the pump still runs at 50 mg/h until the
    nurse records the stop (reason required); a second stop is refused."""
    order_id, _ = start_running(ward)
    view = discontinue_order(
        Discontinue(ward.users["prescriber"], order_id, "transition to SC anakinra"),
        ward.uow(),
        ward.clock(),
    )
    assert view.status == "discontinued" and view.is_running_now
    ward.clock.advance(minutes=20)
    with pytest.raises(InvalidInput, match="'reason' is required to stop"):
        administer(ward, order_id, "stop")
    stopped = administer(ward, order_id, "stop", reason="SC dose given")
    assert stopped.status == "discontinued" and not stopped.is_running_now
    assert stopped.segments[-1].rate_mg_per_h == 0
    with pytest.raises(InvalidTransition, match="not running"):
        administer(ward, order_id, "stop", reason="again")
    assert _audit(ward)[:2] == ["administration.stop", "order.discontinue"]


def test_a_stop_needs_a_reason_and_nothing_is_stored_without_one(ward: Ward) -> None:
    """A nurse's stop without a reason is refused naming 'reason'; the infusion keeps running."""
    order_id, _ = start_running(ward)
    before = _audit(ward)
    with pytest.raises(InvalidInput) as caught:
        administer(ward, order_id, "stop", reason="  ")
    assert caught.value.field == "reason"
    assert _audit(ward) == before and _status(ward, order_id)[0] == "active"


def _loading(ward: Ward, order_id: int, who: str = "nurse", dose: float = 100, **kw: object):  # type: ignore[no-untyped-def]
    return record_loading_dose(
        RecordLoadingDose(ward.users[who], order_id, Q_(dose, "mg"), "LD-77", **kw),  # type: ignore[arg-type]
        ward.uow(),
        ward.clock(),
    )


def test_loading_dose_is_recorded_once_with_time_lot_and_nurse(ward: Ward) -> None:
    """The protocol's 100 mg loading dose (adult-mas-civ) given by IV push: stored with its time,
    lot and nurse, audited; a second one is a conflict naming the order."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    ward.clock.advance(minutes=5)
    view = _loading(ward, order_id)
    assert view.loading_dose is not None
    given = view.loading_dose
    assert (given.dose_mg, given.syringe_lot, given.given_by) == (100.0, "LD-77", "rn_cy")
    assert given.given_at == ward.clock()
    assert _audit(ward)[0] == "order.loading_dose"
    with pytest.raises(ConflictError, match=f"order {order_id}"):
        _loading(ward, order_id)


def test_loading_dose_refusals_store_nothing(ward: Ward) -> None:
    """Before verification, a dose other than the verified 100 mg (a tenfold 1,000 mg), a
    pharmacist instead of a nurse: each refused, nothing stored."""
    order_id = prescribe_step(ward)
    before = _audit(ward)
    with pytest.raises(InvalidTransition, match="pending_verification"):
        _loading(ward, order_id)
    verify(ward, order_id)
    before = _audit(ward)
    with pytest.raises(LoadingDoseNotVerified) as caught:
        _loading(ward, order_id, dose=1000)
    assert caught.value.field == "dose_mg"
    with pytest.raises(PermissionDenied):
        _loading(ward, order_id, who="pharmacist2")
    assert _audit(ward) == before
    with ward.uow() as uow:
        assert uow.loading_doses.find_for_order(order_id) is None
