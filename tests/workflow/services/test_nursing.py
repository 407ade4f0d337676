"""Administration as constant-rate segments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anakinra_iv.errors import InvalidInput, InvalidTransition, PermissionDenied
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import ChangeDose, RecordAdministration
from anakinra_iv.workflow.services import (
    PumpAlertNotAcknowledged,
    PumpProgrammeRefused,
    RateNotVerified,
    change_dose,
    record_administration,
)
from tests.workflow_support.fixtures import (
    NO_SCAN,
    Ward,
    administer,
    compound_and_check,
    prescribe_step,
    start_running,
    verify,
)


def test_whole_course_is_a_chain_of_segments(ward: Ward) -> None:
    """start 50 mg/h (8.33 mL/h at 6 mg/mL), dose change to 1600 mg/day verified at
    66.67 mg/h (11.11 mL/h), bag change, pause (rate 0), resume, stop (rate 0); each segment
    ends where the next begins."""
    order_id, _ = start_running(ward)
    ward.clock.advance(hours=2)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=4, reason="no response"),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    verify(ward, order_id, "66.67 mg/h", "8 mg/mL")
    administer(ward, order_id, "rate_change", rate=Q_(1600 / 24, "mg/h"))
    ward.clock.advance(hours=3)
    new_bag = compound_and_check(ward, order_id)
    administer(ward, order_id, "bag_change", bag_id=new_bag)
    ward.clock.advance(hours=1)
    administer(ward, order_id, "pause", reason="line occluded")
    ward.clock.advance(minutes=20)
    administer(ward, order_id, "resume")
    ward.clock.advance(hours=1)
    view = administer(ward, order_id, "stop", reason="course complete")
    events = [s.event for s in view.segments]
    assert events == ["start", "rate_change", "bag_change", "pause", "resume", "stop"]
    rates = [round(s.rate_mg_per_h, 2) for s in view.segments]
    assert rates == [50.0, 66.67, 66.67, 0.0, 66.67, 0.0]
    assert view.segments[0].rate_ml_per_h == pytest.approx(50 / 6)
    assert view.segments[1].rate_ml_per_h == pytest.approx((1600 / 24) / 6)  # old bag, 6 mg/mL
    assert view.segments[2].rate_ml_per_h == pytest.approx((1600 / 24) / 8)  # new bag, 8 mg/mL
    assert all(
        a.ended_at == b.started_at for a, b in zip(view.segments, view.segments[1:], strict=False)
    )
    assert view.status == "stopped" and view.segments[-1].ended_at is None
    assert [b.status for b in view.bags] == ["removed", "removed"]


def test_nurse_cannot_run_an_unverified_rate(ward: Ward) -> None:
    """A typed 500 mg/h against a verified 50 mg/h is refused; nothing is stored."""
    order_id, _ = start_running(ward)
    with pytest.raises(RateNotVerified, match="differs from the verified rate"):
        administer(ward, order_id, "rate_change", rate=Q_(500, "mg/h"))
    with ward.uow() as uow:
        assert len(uow.segments.list_for_order(order_id)) == 1


def test_rate_change_before_reverification_keeps_the_old_rate(ward: Ward) -> None:
    """After a dose change that is not yet verified, the new rate is refused."""
    order_id, _ = start_running(ward)
    change_dose(
        ChangeDose(ward.users["prescriber"], order_id, step=4),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with pytest.raises(RateNotVerified):
        administer(ward, order_id, "rate_change", rate=Q_(1600 / 24, "mg/h"))


def test_start_needs_a_checked_bag(ward: Ward) -> None:
    """A prepared but unchecked bag cannot be hung."""
    from anakinra_iv.workflow.commands import PrepareBag
    from anakinra_iv.workflow.services import prepare_bag

    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("L",)),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    with pytest.raises(InvalidTransition, match="second check"):
        administer(ward, order_id, "start", bag_id=bag.id, **NO_SCAN)


def test_expired_bag_is_refused(ward: Ward) -> None:
    """A bag prepared 08:00 and kept cold has a 24-h beyond-use time (USP 797 Category 1
    refrigerated): it cannot be hung at 08:00 the next day."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    ward.clock.advance(hours=24)
    with pytest.raises(InvalidTransition, match="beyond-use"):
        administer(ward, order_id, "start", bag_id=bag_id, **NO_SCAN)


def test_bag_that_cannot_finish_before_its_beyond_use_time_is_not_started(ward: Ward) -> None:
    """A 12-h bag with a 24-h beyond-use time must start within 12 h of its preparation: at
    12 h 01 min it would run 1 min past its beyond-use time (hand calculation), so it is refused
    and nothing is recorded."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    with ward.uow() as uow:
        status = uow.bags.get(bag_id).status
    ward.clock.advance(hours=12, minutes=1)
    with pytest.raises(InvalidTransition, match="cannot finish before its beyond-use time"):
        administer(ward, order_id, "start", bag_id=bag_id)
    with ward.uow() as uow:
        assert not uow.segments.list_for_order(order_id)
        assert uow.bags.get(bag_id).status == status


def test_pause_needs_a_reason(ward: Ward) -> None:
    """A pause without a reason is refused naming 'reason'."""
    order_id, _ = start_running(ward)
    with pytest.raises(InvalidInput) as caught:
        administer(ward, order_id, "pause")
    assert caught.value.field == "reason"


def test_only_a_nurse_records_administration(ward: Ward) -> None:
    """A pharmacist cannot start the infusion."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    with pytest.raises(PermissionDenied):
        record_administration(
            RecordAdministration(ward.users["pharmacist"], order_id, "start", bag_id=bag_id),
            ward.uow(),
            ward.clock(),
            ward.services.calculator,
        )


def test_events_out_of_order_or_in_the_future_are_refused(ward: Ward) -> None:
    """Resume of a running infusion is a wrong-state transition; a future time is refused."""
    order_id, _ = start_running(ward)
    with pytest.raises(InvalidTransition):
        administer(ward, order_id, "resume")
    with pytest.raises(InvalidInput, match="future"):
        administer(ward, order_id, "pause", reason="x", at=ward.clock().replace(year=2030))


def test_dose_rate_typed_as_pump_rate_is_a_hard_stop(ward: Ward) -> None:
    """50 mg/h keyed as 50 mL/h at 6 mg/mL (8.3 mL/h expected): refused naming rate_ml_per_h,
    and no segment is stored."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    with pytest.raises(PumpProgrammeRefused) as caught:
        administer(ward, order_id, "start", bag_id=bag_id, pump_rate=Q_(50, "mL/h"))
    assert caught.value.field == "rate_ml_per_h" and "8.3 mL/h" in caught.value.message
    with ward.uow() as uow:
        assert uow.segments.find_last(order_id) is None


def test_rate_above_the_soft_limit_needs_acknowledgement(ward: Ward) -> None:
    """Step 5 = 2,000 mg/day = 83.33 mg/h, above the soft maximum 1,600 mg/day = 66.67 mg/h:
    the start is refused until the nurse acknowledges, then recorded with the verdict."""
    order_id = prescribe_step(ward, 5, override_reason="refractory MAS")
    verify(ward, order_id, "83.33 mg/h", "10 mg/mL")
    bag_id = compound_and_check(ward, order_id)
    with pytest.raises(PumpAlertNotAcknowledged) as caught:
        administer(ward, order_id, "start", bag_id=bag_id)
    assert caught.value.field == "rate_mg_per_h" and "soft" in caught.value.message
    view = administer(ward, order_id, "start", bag_id=bag_id, acknowledge_pump_alerts=True)
    assert view.current_segment.rate_ml_per_h == pytest.approx(2000 / 24 / 10)
    with ward.uow() as uow:
        (event,) = uow.audit.list_events(limit=1)
        assert '"soft_alert"' in event.new_value


def test_pump_rate_keyed_as_shown_passes(ward: Ward) -> None:
    """8.3 mL/h (the programme shown: 50 mg/h / 6 mg/mL, rounded to 0.1 mL/h) is accepted."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    view = administer(ward, order_id, "start", bag_id=bag_id, pump_rate=Q_(8.3, "mL/h"))
    assert view.current_segment is not None and view.current_segment.rate_ml_per_h == 8.3


def test_a_bag_cannot_be_hung_before_it_was_checked(ward: Ward) -> None:
    """A start dated before the bag's second check is refused naming 'at'; nothing is stored."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag_id = compound_and_check(ward, order_id)
    ward.clock.advance(minutes=30)
    with pytest.raises(InvalidInput, match="'at'.*before bag"):
        administer(ward, order_id, "start", bag_id=bag_id, at=ward.clock() - timedelta(days=1))
    view = administer(ward, order_id, "start", bag_id=bag_id)
    assert [s.event for s in view.segments] == ["start"]


def test_a_new_order_does_not_run_while_a_discontinued_infusion_still_runs(ward: Ward) -> None:
    """Discontinuing closes an order at once, so a new one may be written, verified and made up;
    but its bag is not started while the old infusion still runs (the patient would receive both);
    once the nurse stops the old infusion, the new bag starts."""
    from anakinra_iv.errors import ConflictError
    from anakinra_iv.workflow.commands import Discontinue
    from anakinra_iv.workflow.services import discontinue_order

    old, _ = start_running(ward)
    discontinue_order(
        Discontinue(ward.users["prescriber"], old, "switching protocol"),
        ward.uow(),
        ward.clock(),
    )
    new = prescribe_step(ward)
    verify(ward, new)
    bag = compound_and_check(ward, new)
    with pytest.raises(ConflictError, match=f"still has order {old} running"):
        administer(ward, new, "start", bag_id=bag)
    with ward.uow() as uow:
        assert list(uow.segments.list_for_order(new)) == []
    ward.clock.advance(minutes=1)
    administer(ward, old, "stop", reason="switching protocol")
    view = administer(ward, new, "start", bag_id=bag)
    assert view.status == "active"
