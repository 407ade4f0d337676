"""Use case of review: a prescriber asks for the protocol's recommendation, which is calculated
from the stored observations (and the CRS and ICANS grades calculated from the stored bedside
assessments) and stored exactly as shown (inputs and outputs)."""

from __future__ import annotations

from datetime import datetime

from anakinra_iv.errors import InvalidInput, PermissionDenied
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Order, Recommendation
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.workflow.blinding import read_blinding
from anakinra_iv.workflow.commands import RequestRecommendation
from anakinra_iv.workflow.lifecycle import is_closed
from anakinra_iv.workflow.ports import DoseCalculator, ReviewRequest
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._common import load_actor
from anakinra_iv.workflow.services.orders import build_plan_request
from anakinra_iv.workflow.services.toxicity import read_graded_assessments
from anakinra_iv.workflow.toxicity import create_ward_grade_observations
from anakinra_iv.workflow.views import RecommendationView

__all__ = ["REVIEW_KIND", "request_recommendation"]

REVIEW_KIND = "review"
"""The kind of a stored recommendation asked for at a review (orders store ``dose_plan``)."""


def _history(uow: UnitOfWork, orders: list[Order]) -> tuple[tuple[int, datetime], ...]:
    """(step, first running segment) of every order that ran at a ladder step, oldest first."""
    periods = []
    for order in sorted(orders, key=lambda o: o.id):
        segments = uow.segments.list_for_order(order.id)
        running = [s for s in segments if s.rate_mg_per_h > 0]
        if order.step is not None and running:
            periods.append((order.step, running[0].started_at))
    return tuple(periods)


def request_recommendation(
    cmd: RequestRecommendation, uow: UnitOfWork, calculator: DoseCalculator, now: datetime
) -> RecommendationView:
    """Calculate the recommendation at ``now`` and store it as shown.

    The protocol is the command's or that of the patient's open order; the current step is the
    open order's. The recommendation is advice: it changes no order.
    """
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.PRESCRIBE)
        patient = uow.patients.get(cmd.patient_id)
        if patient.id in read_blinding(uow, actor).patients:
            # The recommendation carries the dose plan: a blind check's answer.
            raise PermissionDenied(
                f"patient {patient.id}: you may not ask for a recommendation while you owe a "
                "blind check of this patient's order or bag (blinding follows the person, "
                "whatever role the request is made in)",
                field="patient_id",
                value=patient.id,
            )
        orders = list(uow.orders.list_for_patient(patient.id))
        current = next((o for o in orders if not is_closed(o.status)), None)
        protocol_id = cmd.protocol_id or (None if current is None else current.protocol_id)
        if protocol_id is None:
            raise InvalidInput(
                "'protocol_id' is needed: the patient has no open order to take it from",
                field="protocol_id",
            )
        plan = build_plan_request(
            uow,
            patient,
            now,
            protocol_id=protocol_id,
            step=None,
            daily_dose=None,
            override_reason=None,
        )
        graded = create_ward_grade_observations(read_graded_assessments(uow, patient.id))
        request = ReviewRequest(
            plan,
            tuple(
                (o.code or o.name, f"{o.magnitude:g} {o.unit}", o.collected_at)
                for o in uow.observations.list_for_patient(patient.id)
                if o.collected_at <= now
            )
            + tuple(
                (g.analyte, f"{g.magnitude:g}", g.collected_at)
                for g in graded
                if g.collected_at <= now
            ),
            step=None if current is None else current.step,
            history=_history(uow, orders),
        )
        outputs = calculator.calculate_review(request, now=now)
        row = uow.recommendations.add(
            Recommendation(
                patient_id=patient.id,
                order_id=None,
                kind=REVIEW_KIND,
                inputs=request.to_json(),
                outputs=outputs,
                shown_to_id=actor.id,
                created_at=now,
            )
        )
        uow.flush()
        uow.audit.append(
            AuditEntry(
                actor.username,
                "recommendation.create",
                "patient",
                str(patient.id),
                None,
                {"recommendation": row.id, "action": outputs.get("action")},
            ),
            now=now,
        )
        view = RecommendationView.from_row(row)
        uow.commit()
    return view
