"""Blind checks cannot be brute-forced: after the site's attempt limit (3, ``checks.yaml``,
status site-decision) the order or bag is locked for that pharmacist, the pharmacy lead is
alerted, and the lead's resolution lifts the lock."""

from __future__ import annotations

import pytest
import yaml

from anakinra_iv.units import Q_
from anakinra_iv.workflow.checks import get_check_tolerances
from anakinra_iv.workflow.commands import CheckBag, PrepareBag, ResolveAlert
from anakinra_iv.workflow.services import (
    CheckLocked,
    VerificationMismatch,
    check_bag,
    prepare_bag,
    resolve_alert,
)
from tests.workflow_support.fixtures import Ward, prescribe_step, read_bag, verify


def test_the_limit_is_site_decision_data() -> None:
    """The limits live in checks.yaml with a status and a source, never in code."""
    from importlib.resources import files

    raw = yaml.safe_load((files("anakinra_iv.workflow") / "data" / "checks.yaml").read_text())
    for key in ("blind_verification_attempts", "bag_check_attempts"):
        assert raw[key]["status"] == "site-decision" and raw[key]["source"] == "site"
    assert (
        get_check_tolerances().verification_attempts == raw["blind_verification_attempts"]["value"]
    )


def _rows(ward: Ward) -> tuple[int, int, int]:
    with ward.uow() as uow:
        return (
            uow.verifications.count(),
            uow.alerts.count(),
            len(uow.audit.list_events(limit=100_000)),
        )


def test_three_mismatches_lock_the_order_for_that_pharmacist_and_alert_the_lead(
    ward: Ward,
) -> None:
    """Mismatches 1 and 2 say 'attempt n of 3'; the third locks and raises one alert; a fourth
    attempt, even with the right values, is refused (403-class) and stores nothing; another
    pharmacist can still verify."""
    limit = get_check_tolerances().verification_attempts
    order_id = prescribe_step(ward)
    for attempt in range(1, limit + 1):
        with pytest.raises(VerificationMismatch) as caught:
            verify(ward, order_id, "5 mg/h", "6 mg/mL")
        assert f"attempt {attempt} of {limit}" in caught.value.message
    assert "locked for you" in caught.value.message
    with ward.uow() as uow:
        (alert,) = uow.alerts.list_open()
        assert (alert.kind, alert.order_id) == ("verification_locked", order_id)
        assert alert.user_id == ward.users["pharmacist"]
    before = _rows(ward)
    with pytest.raises(CheckLocked, match="pharmacy lead"):
        verify(ward, order_id, "50 mg/h", "6 mg/mL")
    assert _rows(ward) == before
    from anakinra_iv.workflow.commands import VerifyOrder
    from anakinra_iv.workflow.services import verify_order

    verify_order(
        VerifyOrder(ward.users["pharmacist2"], order_id, Q_(50, "mg/h"), Q_(6, "mg/mL")),
        ward.uow(),
        ward.clock(),
    )


def test_the_lead_resolves_the_alert_and_the_count_starts_again(ward: Ward) -> None:
    """After the lead's resolution the locked pharmacist may verify again; only the lead may
    resolve (a pharmacist may not), and a resolved alert cannot be resolved twice."""
    from anakinra_iv.errors import InvalidTransition, PermissionDenied

    limit = get_check_tolerances().verification_attempts
    order_id = prescribe_step(ward)
    for _ in range(limit):
        with pytest.raises(VerificationMismatch):
            verify(ward, order_id, "5 mg/h", "6 mg/mL")
    with ward.uow() as uow:
        alert_id = uow.alerts.list_open()[0].id
    with pytest.raises(PermissionDenied):
        resolve_alert(
            ResolveAlert(ward.users["pharmacist2"], alert_id, "ok"), ward.uow(), ward.clock()
        )
    ward.clock.advance(minutes=10)
    view = resolve_alert(
        ResolveAlert(ward.users["lead"], alert_id, "recalculated together"),
        ward.uow(),
        ward.clock(),
    )
    assert (view.resolved_by, view.resolution) == ("ph_lead", "recalculated together")
    with pytest.raises(InvalidTransition):
        resolve_alert(ResolveAlert(ward.users["lead"], alert_id, "x"), ward.uow(), ward.clock())
    ward.clock.advance(minutes=1)
    with pytest.raises(VerificationMismatch) as caught:
        verify(ward, order_id, "5 mg/h", "6 mg/mL")
    assert f"attempt 1 of {limit}" in caught.value.message
    verify(ward, order_id)


def test_the_second_check_is_limited_the_same_way(ward: Ward) -> None:
    """Three wrong readings of a bag lock it for that checker and alert the lead."""
    limit = get_check_tolerances().bag_check_attempts
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    bag = prepare_bag(
        PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), ("L1",)),
        ward.uow(),
        ward.services.calculator,
        ward.clock(),
    )
    wrong = CheckBag(ward.users["pharmacist2"], bag.id, Q_(60, "mg"), Q_(100, "mL"), ("L1",))
    for _ in range(limit):
        with pytest.raises(VerificationMismatch):
            check_bag(wrong, ward.uow(), ward.clock())
    with ward.uow() as uow:
        (alert,) = uow.alerts.list_open()
        assert (alert.kind, alert.bag_id) == ("bag_check_locked", bag.id)
    with pytest.raises(CheckLocked):
        read_bag(ward, bag.id)
