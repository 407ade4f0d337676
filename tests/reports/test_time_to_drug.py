"""Time to drug from hand-built event sequences; every expected minute is hand arithmetic on the
times written in the test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given

from anakinra_iv.reports.time_to_drug import (
    ORDER_STEPS,
    BagRecord,
    DoseChangeRecord,
    OrderRecord,
    SegmentRecord,
    calculate_order_timing,
    calculate_order_timings,
)
from anakinra_iv.reports.time_to_drug_summary import (
    calculate_interval_stats,
    calculate_summaries,
)
from tests.strategies import order_event_sequences

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def bag(
    bag_id: int, prepared: float, checked: float | None, *, volume: float = 240, hang_h: float = 24
) -> BagRecord:
    """A bag prepared and checked at the given minutes, beyond use 30 h after preparation."""
    return BagRecord(
        bag_id,
        at(prepared),
        None if checked is None else at(checked),
        volume,
        hang_h,
        at(prepared) + timedelta(hours=30),
    )


def seg(
    seq: int, event: str, minute: float, rate_mg: float, rate_ml: float, bag_id: int | None
) -> SegmentRecord:
    """A segment recorded at the minute it documents."""
    return SegmentRecord(seq, event, at(minute), rate_mg, rate_ml, bag_id, at(minute))


class TestOrderSteps:
    def test_steps_of_a_started_order_are_the_differences_of_its_times(self) -> None:
        """Signed 0, verified 25, prepared 70, checked 85, started 130 min: steps 0, 25, 45,
        15, 45 and total 130 (hand subtraction); loading dose at 40 = 15 min after verify."""
        record = OrderRecord(
            1,
            10,
            "ICU 4",
            "active",
            at(0),
            verified_at=at(25),
            loading_given_at=at(40),
            bags=(bag(1, 70, 85),),
            segments=(seg(1, "start", 130, 50, 10, 1),),
        )
        timing = calculate_order_timing(record, at(200))
        assert [s.minutes for s in timing.steps] == [0, 25, 45, 15, 45]
        assert timing.total is not None and timing.total.minutes == 130
        assert not timing.total.open and timing.outcome == "running"
        assert timing.loading is not None and timing.loading.minutes == 15

    def test_open_order_is_reported_open_with_its_wait_so_far_not_as_fast(self) -> None:
        """Verified at 30 min, no bag at 120 min: 'prepare' open after 90 min, total open at
        120 min; the summary counts no finished total and one open one."""
        record = OrderRecord(2, 11, "ICU 4", "verified", at(0), verified_at=at(30))
        timing = calculate_order_timing(record, at(120))
        assert timing.outcome == "open" and timing.open_step == "prepare"
        assert timing.steps[-1].open and timing.steps[-1].minutes == 90
        assert timing.total is not None and timing.total.open and timing.total.minutes == 120
        summary = calculate_summaries([timing], date(2026, 1, 5), date(2026, 1, 5), PARIS)[0]
        total = summary.get("total")
        assert (total.count, total.open, total.median_minutes) == (0, 1, None)
        assert summary.get("verify").median_minutes == 30
        assert summary.open_orders == 1

    def test_rejected_then_reordered_counts_from_the_first_signature(self) -> None:
        """Order 1 signed 0, rejected 40; order 2 signed 60, verified 80, prepared 100,
        checked 110, started 140: one order, reorder step 60, total 140; the rejected order
        is counted as rejected and has no intervals of its own."""
        rejected = OrderRecord(1, 10, "ICU 4", "rejected", at(0), closed_at=at(40))
        reorder = OrderRecord(
            2,
            10,
            "ICU 4",
            "active",
            at(60),
            verified_at=at(80),
            bags=(bag(5, 100, 110),),
            segments=(seg(1, "start", 140, 50, 10, 5),),
        )
        timings = calculate_order_timings([reorder, rejected], at(300))
        first, second = timings
        assert first.outcome == "rejected" and first.steps == () and first.total is None
        assert second.rejected_orders == (1,)
        assert [s.minutes for s in second.steps] == [60, 20, 20, 10, 30]
        assert second.total is not None and second.total.minutes == 140
        summary = calculate_summaries(timings, date(2026, 1, 5), date(2026, 1, 5), PARIS)[0]
        assert (summary.orders, summary.rejected) == (1, 1)
        assert summary.get("total").median_minutes == 140
        assert summary.slowest_step == "reorder"

    def test_cancelled_order_is_left_out_of_every_interval(self) -> None:
        """Cancelled before it ran: outcome cancelled, no steps, not an order of the summary."""
        record = OrderRecord(3, 12, "ICU 4", "cancelled", at(0), closed_at=at(15))
        timing = calculate_order_timing(record, at(60))
        summary = calculate_summaries([timing], date(2026, 1, 5), date(2026, 1, 5), PARIS)[0]
        assert timing.outcome == "cancelled" and summary.orders == 0 and summary.cancelled == 1

    def test_start_documented_before_the_check_is_clamped_not_negative(self) -> None:
        """Checked at 60, start documented at 50: the start step is 0 min and counted as
        clamped; the total is still signed -> checked = 60 min."""
        record = OrderRecord(
            4,
            13,
            "ICU 4",
            "active",
            at(0),
            verified_at=at(20),
            bags=(bag(1, 40, 60),),
            segments=(seg(1, "start", 50, 50, 10, 1),),
        )
        timing = calculate_order_timing(record, at(100))
        assert timing.steps[-1].minutes == 0 and timing.clamped == 1
        assert timing.total is not None and timing.total.minutes == 60


class TestDoseAndBagChanges:
    def test_dose_change_during_a_running_bag(self) -> None:
        """Running from 60 min; change signed at 300, re-verified 330, new rate recorded at
        345: verify 30, run 15, total 45 min; no gap (the drug ran throughout)."""
        record = OrderRecord(
            5,
            14,
            "ICU 4",
            "active",
            at(0),
            verified_at=at(20),
            bags=(bag(1, 30, 40),),
            segments=(seg(1, "start", 60, 50, 10, 1), seg(2, "rate_change", 345, 75, 15, 1)),
            dose_changes=(DoseChangeRecord(at(300), at(330)),),
        )
        timing = calculate_order_timing(record, at(400))
        (change,) = timing.dose_changes
        assert (change.verify_minutes, change.run_minutes, change.total_minutes) == (30, 15, 45)
        assert not change.open and timing.gaps == ()

    def test_dose_change_not_yet_verified_is_open(self) -> None:
        """Signed at 300, not verified at 390: open, 90 min so far."""
        record = OrderRecord(
            6,
            15,
            "ICU 4",
            "active",
            at(0),
            verified_at=at(20),
            bags=(bag(1, 30, 40),),
            segments=(seg(1, "start", 60, 50, 10, 1),),
            dose_changes=(DoseChangeRecord(at(300), None),),
        )
        (change,) = calculate_order_timing(record, at(390)).dose_changes
        assert change.open and change.total_minutes == 90

    def test_missed_bag_change_leaves_a_gap(self) -> None:
        """Bag 1 (120 mL at 10 mL/h, hang time 12 h) hung at 0 min runs empty at 720 min and is
        due then; bag 2 is hung at 810: the change is 90 min late and 90 min had no drug."""
        record = OrderRecord(
            7,
            16,
            "ICU 4",
            "active",
            at(-60),
            verified_at=at(-50),
            bags=(bag(1, -40, -30, volume=120, hang_h=12), bag(2, 700, 710, volume=120, hang_h=12)),
            segments=(seg(1, "start", 0, 50, 10, 1), seg(2, "bag_change", 810, 50, 10, 2)),
        )
        timing = calculate_order_timing(record, at(900))
        first = timing.bag_changes[0]
        assert first.due_at == at(720) and first.hung_at == at(810)
        assert first.delay_minutes == 90 and not first.open
        assert [(g.why, g.minutes) for g in timing.gaps] == [("bag empty", 90)]

    def test_bag_changed_early_is_not_late_and_pause_is_a_gap(self) -> None:
        """Bag 1 due at 720 is changed at 600 (delay 0); a pause 650-680 is a 30 min gap."""
        record = OrderRecord(
            8,
            17,
            "ICU 4",
            "active",
            at(-60),
            verified_at=at(-50),
            bags=(bag(1, -40, -30, volume=240, hang_h=12), bag(2, 500, 510)),
            segments=(
                seg(1, "start", 0, 50, 10, 1),
                seg(2, "bag_change", 600, 50, 10, 2),
                seg(3, "pause", 650, 0, 0, 2),
                seg(4, "resume", 680, 50, 10, 2),
            ),
        )
        timing = calculate_order_timing(record, at(700))
        assert timing.bag_changes[0].delay_minutes == 0
        assert [(g.why, g.minutes) for g in timing.gaps] == [("pause", 30)]

    def test_interruptions_per_patient_day(self) -> None:
        """One infusion running all of 5 Jan (Paris day) with a 72 min pause: 72 minutes per
        patient-day (1440 min infused / 1440 = 1 day)."""
        start = datetime(2026, 1, 4, 22, 0, tzinfo=UTC)  # 23:00 Paris, 4 Jan
        record = OrderRecord(
            9,
            18,
            "ICU 4",
            "active",
            start - timedelta(hours=2),
            verified_at=start - timedelta(hours=1),
            bags=(
                BagRecord(
                    1,
                    start - timedelta(minutes=40),
                    start - timedelta(minutes=20),
                    10_000,
                    48,
                    start + timedelta(hours=48),
                ),
            ),
            segments=(
                SegmentRecord(1, "start", start, 50, 10, 1, start),
                SegmentRecord(
                    2, "pause", start + timedelta(hours=10), 0, 0, 1, start + timedelta(hours=10)
                ),
                SegmentRecord(
                    3,
                    "resume",
                    start + timedelta(hours=10, minutes=72),
                    50,
                    10,
                    1,
                    start + timedelta(hours=10, minutes=72),
                ),
            ),
        )
        timing = calculate_order_timing(record, start + timedelta(hours=30))
        summary = calculate_summaries([timing], date(2026, 1, 5), date(2026, 1, 5), PARIS)[0]
        assert summary.patient_days == 1
        assert summary.interruption_minutes_per_patient_day == 72


class TestStatistics:
    def test_median_p90_worst_by_hand(self) -> None:
        """1..10 min: median 5.5; p90 (inclusive, linear) at rank 0.9*9 = 8.1 -> 9.1; worst 10."""
        stats = calculate_interval_stats("verify", [float(v) for v in range(10, 0, -1)])
        assert stats.median_minutes == 5.5
        assert stats.p90_minutes is not None and abs(stats.p90_minutes - 9.1) < 1e-9
        assert stats.worst_minutes == 10 and stats.count == 10

    def test_one_value_is_its_own_percentile(self) -> None:
        """A single interval of 7 min is median, p90 and worst."""
        stats = calculate_interval_stats("check", [7.0])
        assert (stats.median_minutes, stats.p90_minutes, stats.worst_minutes) == (7, 7, 7)

    def test_orders_fall_in_the_site_day_they_were_signed(self) -> None:
        """Signed 23:30 UTC on 5 Jan = 00:30 on 6 Jan in Paris: counted on 6 Jan, not 5 Jan."""
        record = OrderRecord(
            10, 19, "ICU 4", "pending_verification", datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
        )
        timing = calculate_order_timing(record, datetime(2026, 1, 6, 1, 0, tzinfo=UTC))
        days = calculate_summaries([timing], date(2026, 1, 5), date(2026, 1, 6), PARIS, "day")
        assert [(s.period_start.day, s.orders) for s in days] == [(5, 0), (6, 1)]


@given(order_event_sequences())
def test_intervals_are_never_negative_and_steps_add_up_to_the_total(
    case: tuple[list[OrderRecord], datetime],
) -> None:
    """For any stored event sequence: each interval >= 0; the steps sum to the total."""
    records, now = case
    for timing in calculate_order_timings(records, now):
        assert [s.step for s in timing.steps] == list(ORDER_STEPS[: len(timing.steps)])
        assert all(s.minutes >= 0 for s in timing.steps)
        if timing.total is not None:
            assert abs(sum(s.minutes for s in timing.steps) - timing.total.minutes) < 1e-6
            if timing.started_at is not None:
                expected = (timing.started_at - timing.first_signed_at).total_seconds() / 60
                assert abs(timing.total.minutes - expected) < 1e-6
        if timing.loading is not None:
            assert timing.loading.minutes >= 0
        assert all(g.minutes > 0 for g in timing.gaps)
        assert all(b.delay_minutes >= 0 for b in timing.bag_changes)
        for change in timing.dose_changes:
            assert change.total_minutes >= 0
            assert (change.verify_minutes or 0) >= 0 and (change.run_minutes or 0) >= 0


def test_dose_changed_before_the_start_is_verified_again() -> None:
    """Signed 0, verified 20, dose changed 30 (before any bag ran), re-verified 70, bag
    prepared 100, checked 110, started 130: verify ends at 70 (70 min), prepare 30, check 10,
    start 20; the pre-start change is not a dose change of a running infusion."""
    record = OrderRecord(
        11,
        20,
        "ICU 4",
        "active",
        at(0),
        verified_at=at(20),
        bags=(bag(1, 100, 110),),
        segments=(seg(1, "start", 130, 50, 10, 1),),
        dose_changes=(DoseChangeRecord(at(30), at(70)),),
    )
    timing = calculate_order_timing(record, at(200))
    assert [s.minutes for s in timing.steps] == [0, 70, 30, 10, 20]
    assert timing.dose_changes == ()


def test_dose_changed_before_the_start_and_not_verified_waits_at_verify() -> None:
    """Verified at 20, dose changed at 30 and not verified again by 90: open at 'verify'."""
    record = OrderRecord(
        12,
        21,
        "ICU 4",
        "pending_verification",
        at(0),
        verified_at=at(20),
        dose_changes=(DoseChangeRecord(at(30), None),),
    )
    timing = calculate_order_timing(record, at(90))
    assert timing.open_step == "verify" and timing.steps[-1].minutes == 90
