"""The demonstration ward's last five days: orders that went from signature to a running infusion
at realistic speeds, bag changes (one missed, leaving a gap), a dose change during a running bag,
a pause, a rejected order and its re-order, and an infusion stopped.

Every step goes through the ordinary services with the time of a demonstration clock that moves
forward only (the steps of all patients are put in time order first), so the audit chain's events
follow each other in time as they would on a real ward. The step times are illustrations for the
"time to drug" page, not measurements of any service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import (
    ChangeDose,
    CheckBag,
    PrepareBag,
    Prescribe,
    RecordAdministration,
    RecordLoadingDose,
    RecordObservation,
    RejectOrder,
    VerifyOrder,
)
from anakinra_iv.workflow.ports import DoseCalculator
from anakinra_iv.workflow.services import (
    change_dose,
    check_bag,
    prepare_bag,
    prescribe,
    record_administration,
    record_loading_dose,
    record_observation,
    reject_order,
    verify_order,
)

__all__ = ["HISTORY_DAYS", "Course", "DemoClock", "seed_demo_history"]

HISTORY_DAYS = 5
"""How far back the demonstration's story starts."""


@dataclass
class DemoClock:
    """The demonstration's clock: it stands at ``current`` and moves forward only."""

    current: datetime

    def __call__(self) -> datetime:
        return self.current

    def move_to(self, moment: datetime) -> None:
        """Move forward to ``moment`` (never back)."""
        self.current = max(self.current, moment)


@dataclass(frozen=True)
class Course:
    """One patient's order in the story; times are minutes after the previous step."""

    patient_id: int
    signed: datetime
    waits: tuple[float, float, float, float]
    step: int = 3
    rejected_first: bool = False
    late_bag_changes: dict[int, float] = field(default_factory=dict)
    dose_change_after_h: float | None = None
    pause_after_h: float | None = None
    stop_after_h: float | None = None


@dataclass
class _Story:
    new_uow: Callable[[], UnitOfWork]
    calculator: DoseCalculator
    users: dict[str, int]
    clock: DemoClock
    until: datetime
    steps: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        if moment <= self.until:
            self.steps.append((moment, len(self.steps), action))

    def run(self) -> None:
        for moment, _, action in sorted(self.steps, key=lambda s: (s[0], s[1])):
            self.clock.move_to(moment)
            action()


def _bag(story: _Story, key: str, order_key: str) -> None:
    bag = prepare_bag(
        PrepareBag(
            story.users["pharmacist"],
            story.state[order_key].id,
            story.clock(),
            (f"DEMO-LOT-{len(story.state) + 1}",),
        ),
        story.new_uow(),
        story.calculator,
        story.clock(),
    )
    story.state[key] = bag


def _check(story: _Story, key: str) -> None:
    bag = story.state[key]
    check_bag(
        CheckBag(
            story.users["pharmacist2"],
            bag.id,
            Q_(bag.drug_amount_mg, "mg"),
            Q_(bag.final_volume_ml, "mL"),
            bag.syringe_lots,
        ),
        story.new_uow(),
        story.clock(),
    )


def _nurse(
    story: _Story, order_key: str, event: str, bag_key: str | None = None, **extra: Any
) -> None:
    if bag_key is not None and event in ("start", "bag_change"):
        # The nurse scans the wristband and the bag label, as the bedside check requires.
        with story.new_uow() as uow:
            mrn = uow.patients.get(story.state[order_key].patient_id).mrn
        extra = {
            "scanned_patient": create_wristband_code(mrn),
            "scanned_bag": create_bag_code(story.state[bag_key].id),
            **extra,
        }
    record_administration(
        RecordAdministration(
            story.users["nurse"],
            story.state[order_key].id,
            event,
            story.clock(),
            None if bag_key is None else story.state[bag_key].id,
            **extra,
        ),
        story.new_uow(),
        story.clock(),
        story.calculator,
    )


def _prescribe(story: _Story, course: Course, key: str) -> None:
    story.state[key] = prescribe(
        Prescribe(story.users["prescriber"], course.patient_id, "adult-mas-civ", step=course.step),
        story.new_uow(),
        story.calculator,
        story.clock(),
    )


def _verify(story: _Story, key: str, who: str = "pharmacist") -> None:
    order = story.state[key]
    story.state[key] = verify_order(
        VerifyOrder(
            story.users[who],
            order.id,
            Q_(order.rate_mg_per_h, "mg/h"),
            Q_(order.planned_concentration_mg_per_ml, "mg/mL"),
        ),
        story.new_uow(),
        story.clock(),
    )


def _loading(story: _Story, key: str) -> None:
    order = story.state[key]
    if order.loading_dose_mg:
        record_loading_dose(
            RecordLoadingDose(
                story.users["nurse"], order.id, Q_(order.loading_dose_mg, "mg"), "DEMO-LOT-LD"
            ),
            story.new_uow(),
            story.clock(),
        )


def _change_dose(story: _Story, key: str, step: int) -> None:
    story.state[key] = change_dose(
        ChangeDose(story.users["prescriber"], story.state[key].id, step=step, reason="ferritin up"),
        story.new_uow(),
        story.calculator,
        story.clock(),
    )


def _reject(story: _Story, key: str) -> None:
    reject_order(
        RejectOrder(story.users["pharmacist"], story.state[key].id, "weight is a week old"),
        story.new_uow(),
        story.clock(),
    )


def _ferritin(story: _Story, patient_id: int) -> None:
    for hours, ferritin in ((30, "18500 ng/mL"), (6, "14200 ng/mL")):
        record_observation(
            RecordObservation(
                story.users["nurse"],
                patient_id,
                ferritin,
                story.until - timedelta(hours=hours),
                "2276-4",
                "ferritin",
            ),
            story.new_uow(),
            story.clock(),
        )


def _add_course(story: _Story, name: str, course: Course) -> None:
    """Schedule one patient's order, its bags and its bedside events."""
    t = course.signed
    order = f"{name}:order"
    if course.rejected_first:
        story.at(t, lambda: _prescribe(story, course, order))
        story.at(t + timedelta(minutes=50), lambda: _reject(story, order))
        t += timedelta(minutes=85)
    story.at(t, lambda: _prescribe(story, course, order))
    verify, prepare, check, start = course.waits
    t += timedelta(minutes=verify)
    story.at(t, lambda: _verify(story, order))
    story.at(t + timedelta(minutes=12), lambda: _loading(story, order))
    t += timedelta(minutes=prepare)
    story.at(t, lambda: _bag(story, f"{name}:bag0", order))
    t += timedelta(minutes=check)
    story.at(t, lambda: _check(story, f"{name}:bag0"))
    t += timedelta(minutes=start)
    story.at(t, lambda: _nurse(story, order, "start", f"{name}:bag0"))
    started = t
    end = (
        story.until
        if course.stop_after_h is None
        else started + timedelta(hours=course.stop_after_h)
    )
    if course.dose_change_after_h is not None:
        d = started + timedelta(hours=course.dose_change_after_h)
        story.at(d, lambda: _change_dose(story, order, course.step + 1))
        story.at(d + timedelta(minutes=40), lambda: _verify(story, order, "pharmacist2"))
        story.at(d + timedelta(minutes=65), lambda: _nurse(story, order, "rate_change"))
    if course.pause_after_h is not None:
        p = started + timedelta(hours=course.pause_after_h)
        story.at(p, lambda: _nurse(story, order, "pause", reason="line replaced"))
        story.at(p + timedelta(minutes=40), lambda: _nurse(story, order, "resume"))
    hung = started
    number = 1
    while True:
        due = hung + timedelta(hours=12)
        change = due + timedelta(
            minutes=course.late_bag_changes.get(number, -10 + 7 * (number % 3))
        )
        if change >= end:
            break
        bag = f"{name}:bag{number}"
        story.at(change - timedelta(minutes=75), partial(_bag, story, bag, order))
        story.at(change - timedelta(minutes=50), partial(_check, story, bag))
        story.at(change, partial(_nurse, story, order, "bag_change", bag))
        hung, number = change, number + 1
    if course.stop_after_h is not None:
        story.at(end, lambda: _nurse(story, order, "stop", reason="response: ferritin falling"))


def seed_demo_history(
    new_uow: Callable[[], UnitOfWork],
    calculator: DoseCalculator,
    users: dict[str, int],
    patients: dict[str, int],
    clock: DemoClock,
    until: datetime,
) -> None:
    """Play the story from ``clock``'s time to ``until`` (the real time of seeding).

    ``patients`` names the patients: ``ana`` (order signed three hours ago, running), ``ben``
    (order waiting for verification), and ``p4``-``p7`` of the other wards' days.
    """
    day0 = clock().replace(hour=0, minute=0, second=0, microsecond=0)
    story = _Story(new_uow, calculator, users, clock, until)
    hour = timedelta(hours=1)
    courses = {
        "p4": Course(patients["p4"], day0 + 9 * hour, (35, 55, 20, 40), stop_after_h=70),
        "p5": Course(
            patients["p5"],
            day0 + 38 * hour,
            (25, 70, 15, 35),
            rejected_first=True,
            late_bag_changes={2: 95},
            dose_change_after_h=30,
        ),
        "p6": Course(patients["p6"], day0 + 70 * hour, (95, 120, 30, 45), pause_after_h=20),
        "p7": Course(patients["p7"], day0 + 104 * hour, (30, 45, 12, 25), stop_after_h=11),
        "ana": Course(patients["ana"], until - 3 * hour, (30, 45, 15, 40)),
    }
    for name, course in courses.items():
        _add_course(story, name, course)
    story.at(until - timedelta(hours=3, minutes=5), lambda: _ferritin(story, patients["ana"]))
    story.at(
        until - timedelta(minutes=40),
        lambda: _prescribe(story, Course(patients["ben"], until, (0, 0, 0, 0), step=2), "ben"),
    )
    story.run()
