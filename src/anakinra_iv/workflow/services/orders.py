"""Use cases of orders: prescribe and change the dose, with the prescriber's renal decision.

When the protocol's renal rule fires for the patient, the order is not signed until the
prescriber decides: ``apply`` the suggested adjusted dose, or ``keep`` the dose with a reason.
The decision is stored with the order and in its audit event.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from anakinra_iv.errors import InvalidInput, InvalidTransition, OverrideRequired
from anakinra_iv.records.audit import AuditEntry
from anakinra_iv.records.tables import Order, Patient, Recommendation, User
from anakinra_iv.records.unit_of_work import UnitOfWork
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import ChangeDose, Prescribe
from anakinra_iv.workflow.lifecycle import OrderEvent, OrderStatus, get_next_status
from anakinra_iv.workflow.open_orders import require_no_open_order
from anakinra_iv.workflow.ports import DoseCalculator, PlanRequest, PlanResult
from anakinra_iv.workflow.roles import Action
from anakinra_iv.workflow.services._checks import VerificationMismatch
from anakinra_iv.workflow.services._common import (
    build_order_view,
    load_actor,
    require_expected_version,
    save_order,
    to_unit,
)
from anakinra_iv.workflow.views import OrderView

__all__ = [
    "RENAL_DECISIONS",
    "RenalDecisionRequired",
    "VerificationMismatch",
    "build_plan_request",
    "change_dose",
    "check_renal_decision",
    "get_age_years",
    "prescribe",
    "read_plan_request",
]

RENAL_DECISIONS = ("apply", "keep")
"""The prescriber's answers when the renal rule fires: apply the suggestion, or keep the dose."""


class RenalDecisionRequired(OverrideRequired):
    """The renal rule fired: the prescriber must apply the suggested dose or keep it with a
    reason before the order is signed."""


def check_renal_decision(
    renal: dict[str, Any] | None, decision: str | None, reason: str | None
) -> tuple[str | None, str | None]:
    """The (decision, reason) to store; refuse a missing or incomplete decision.

    ``renal`` is the plan's ``renal_adjustment`` summary (None when the rule does not fire, and
    then nothing is stored).

    >>> check_renal_decision(None, "apply", None)
    (None, None)
    >>> check_renal_decision({"category": "x"}, "keep", " dialysis tonight ")
    ('keep', 'dialysis tonight')
    """
    if decision is not None and decision not in RENAL_DECISIONS:
        raise InvalidInput(
            f"'renal_decision' must be one of {', '.join(RENAL_DECISIONS)} (got '{decision}')",
            field="renal_decision",
            value=decision,
        )
    if renal is None:
        return None, None
    if decision is None:
        suggested = renal.get("suggested_daily_dose_mg")
        shown = f"{suggested:,.0f} mg/day" if isinstance(suggested, int | float) else "a lower dose"
        raise RenalDecisionRequired(
            f"'renal_decision' is required: the renal rule fires ({renal.get('category')}); "
            f"apply the suggested {shown}, or keep the dose and give the reason",
            field="renal_decision",
        )
    text = (reason or "").strip() or None
    if decision == "keep" and text is None:
        raise InvalidInput(
            "'renal_reason' is required to keep the dose when the renal rule fires",
            field="renal_reason",
        )
    return decision, text


def get_age_years(birth_date: date, today: date) -> float:
    """Completed years of age on ``today``.

    >>> born = date(1970, 6, 15)
    >>> get_age_years(born, date(2024, 6, 14)), get_age_years(born, date(2024, 6, 15))
    (53.0, 54.0)
    """
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return float(years)


def build_plan_request(
    uow: UnitOfWork,
    patient: Patient,
    now: datetime,
    *,
    protocol_id: str,
    step: int | None,
    daily_dose: Any,
    override_reason: str | None,
    protocol_version: str | None = None,
    apply_renal_adjustment: bool = False,
) -> PlanRequest:
    weight = uow.observations.find_latest(patient.id, "29463-7")
    if weight is None:
        raise InvalidInput(f"patient {patient.id} has no weight recorded", field="weight")
    creatinine = uow.observations.find_latest(patient.id, "2160-0")
    return PlanRequest(
        protocol_id=protocol_id,
        protocol_version=protocol_version,
        weight=Q_(weight.magnitude, weight.unit),
        age_years=get_age_years(patient.birth_date, now.date()),
        sex=patient.sex,
        creatinine=None if creatinine is None else Q_(creatinine.magnitude, creatinine.unit),
        height=None if patient.height_cm is None else Q_(patient.height_cm, "cm"),
        renal_replacement=patient.renal_replacement,
        step=step,
        daily_dose=daily_dose,
        override_reason=override_reason or None,
        apply_renal_adjustment=apply_renal_adjustment,
    )


def read_plan_request(inputs: dict[str, Any]) -> PlanRequest:
    """The plan request stored with an order, read back (the inverse of ``to_json``)."""

    def quantity(text: str | None) -> Any:
        if text is None:
            return None
        number, unit = text.split(" ", 1)
        return Q_(float(number), unit)

    return PlanRequest(
        protocol_id=inputs["protocol_id"],
        protocol_version=inputs.get("protocol_version"),
        weight=quantity(inputs["weight"]),
        age_years=float(inputs["age_years"]),
        sex=inputs["sex"],
        creatinine=quantity(inputs.get("creatinine")),
        height=quantity(inputs.get("height")),
        renal_replacement=inputs.get("renal_replacement", "none"),
        step=inputs.get("step"),
        daily_dose=quantity(inputs.get("daily_dose")),
        override_reason=inputs.get("override_reason"),
        infusion_running=bool(inputs.get("infusion_running", False)),
        apply_renal_adjustment=bool(inputs.get("apply_renal_adjustment", False)),
    )


def _require_approved(uow: UnitOfWork, plan: PlanResult) -> None:
    if uow.approvals.find_latest(plan.protocol_id, plan.protocol_version) is None:
        raise InvalidTransition(
            f"protocol '{plan.protocol_id}' version {plan.protocol_version} has not been "
            "approved for use here; an admin must approve it first",
            field="protocol_id",
            value=plan.protocol_id,
        )


def _check_dose_input(step: int | None, daily_dose: Any) -> None:
    if step is not None and daily_dose is not None:
        raise InvalidInput("give either 'step' or 'daily_dose', not both", field="step")


def _plan_fields(plan: PlanResult) -> dict[str, Any]:
    return {
        "protocol_id": plan.protocol_id,
        "protocol_version": plan.protocol_version,
        "step": plan.step,
        "daily_dose_mg": to_unit(plan.daily_dose, "mg/day", field="daily_dose"),
        "rate_mg_per_h": to_unit(plan.rate, "mg/h", field="rate"),
        "loading_dose_mg": None
        if plan.loading_dose is None
        else to_unit(plan.loading_dose, "mg", field="loading_dose"),
        "planned_concentration_mg_per_ml": to_unit(
            plan.concentration, "mg/mL", field="concentration"
        ),
        "planned_rate_ml_per_h": to_unit(plan.rate_ml_per_h, "mL/h", field="rate_ml_per_h"),
        "limit_status": plan.limit_status,
    }


def _store_recommendation(
    uow: UnitOfWork,
    actor: User,
    order: Order,
    request: PlanRequest,
    plan: PlanResult,
    now: datetime,
) -> None:
    uow.recommendations.add(
        Recommendation(
            patient_id=order.patient_id,
            order_id=order.id,
            kind="dose_plan",
            inputs=request.to_json(),
            outputs=plan.summary,
            shown_to_id=actor.id,
            created_at=now,
        ),
        flush=False,
    )


def prescribe(
    cmd: Prescribe, uow: UnitOfWork, calculator: DoseCalculator, now: datetime
) -> OrderView:
    """Order a continuous infusion; the plan comes from the clinical core.

    The plan is calculated inside the transaction that writes the order, from the inputs that
    transaction reads, so the order always stores the plan of its own inputs. Calculating
    before the transaction would need the inputs read twice (to calculate, then again to check
    them while writing), which costs the server more than the calculation it would move out of
    the transaction; the calculator's memory of recent plans keeps that calculation short.
    """
    _check_dose_input(cmd.step, cmd.daily_dose)
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.PRESCRIBE)
        patient = uow.patients.get(cmd.patient_id)
        require_no_open_order(uow, patient.id)
        request = build_plan_request(
            uow,
            patient,
            now,
            protocol_id=cmd.protocol_id,
            step=cmd.step,
            daily_dose=cmd.daily_dose,
            override_reason=cmd.override_reason,
            apply_renal_adjustment=cmd.renal_decision == "apply",
        )
        plan = calculator.calculate_plan(request, now=now)
        _require_approved(uow, plan)
        renal_decision, renal_reason = check_renal_decision(
            plan.summary.get("renal_adjustment"), cmd.renal_decision, cmd.renal_reason
        )
        fields = _plan_fields(plan) | {
            "renal_decision": renal_decision,
            "renal_reason": renal_reason,
        }
        stored_request = replace(
            request,
            protocol_version=plan.protocol_version,
            apply_renal_adjustment=renal_decision == "apply",
        )
        order = uow.orders.add(
            Order(
                patient_id=patient.id,
                prescriber_id=actor.id,
                status=OrderStatus.PENDING_VERIFICATION.value,
                needs_verification=True,
                override_reason=cmd.override_reason or None,
                plan_inputs=stored_request.to_json(),
                plan_summary=plan.summary,
                created_at=now,
                updated_at=now,
                **fields,
            )
        )
        _store_recommendation(uow, actor, order, stored_request, plan, now)
        uow.audit.append(
            AuditEntry(
                actor.username,
                "order.create",
                "order",
                str(order.id),
                None,
                {"patient_id": patient.id, "status": order.status, **fields},
                cmd.override_reason or "",
            ),
            now=now,
        )
        view = build_order_view(uow, order, segments=(), bags=())
        uow.commit()
    return view


_DOSE_KEYS = ("daily_dose_mg", "rate_mg_per_h", "planned_concentration_mg_per_ml")
"""What makes a dose: the same numbers written as a step or as a daily dose are the same dose."""


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def _refuse_same_dose(
    order: Order, old: dict[str, Any], new: dict[str, Any], cmd: ChangeDose
) -> None:
    """A dose change that gives the order's current dose changes nothing: it is refused by
    name, before anything is stored (no audit event, no new verification, no new bag). A
    queried order may be sent back at the same dose: that answers the query."""
    if order.status != OrderStatus.QUERIED and all(_same(old[key], new[key]) for key in _DOSE_KEYS):
        field = "step" if cmd.step is not None else "daily_dose"
        written = (
            f" (step {order.step})" if order.step is not None and cmd.step is not None else ""
        )  # as written only: the message never gives a calculated figure away
        raise InvalidInput(
            f"'{field}': order {order.id} already has this dose{written}; nothing was changed. "
            "Enter a different step or daily dose, or leave the order as it is",
            field=field,
            value=cmd.step,
        )


def change_dose(
    cmd: ChangeDose, uow: UnitOfWork, calculator: DoseCalculator, now: datetime
) -> OrderView:
    """Change an order's dose; the order then waits for a fresh blind verification."""
    _check_dose_input(cmd.step, cmd.daily_dose)
    with uow:
        actor = load_actor(uow, cmd.user_id, Action.CHANGE_DOSE)
        order = uow.orders.get(cmd.order_id)
        require_expected_version(order, cmd.expected_version)
        next_status = get_next_status(order.status, OrderEvent.CHANGE_DOSE)
        patient = uow.patients.get(order.patient_id)
        request = build_plan_request(
            uow,
            patient,
            now,
            protocol_id=order.protocol_id,
            protocol_version=order.protocol_version,
            step=cmd.step,
            daily_dose=cmd.daily_dose,
            override_reason=cmd.override_reason,
            apply_renal_adjustment=cmd.renal_decision == "apply",
        )
        # A dose change of a running infusion gives no second loading dose.
        running = bool(uow.segments.list_for_order(order.id))
        request = replace(request, infusion_running=running)
        plan = calculator.calculate_plan(request, now=now)
        _require_approved(uow, plan)
        renal_decision, renal_reason = check_renal_decision(
            plan.summary.get("renal_adjustment"), cmd.renal_decision, cmd.renal_reason
        )
        request = replace(request, apply_renal_adjustment=renal_decision == "apply")
        fields = _plan_fields(plan) | {
            "renal_decision": renal_decision,
            "renal_reason": renal_reason,
        }
        old = {key: getattr(order, key) for key in fields} | {"status": order.status}
        _refuse_same_dose(order, old, fields, cmd)
        for key, value in fields.items():
            setattr(order, key, value)
        order.status = next_status.value
        order.needs_verification = True
        order.dose_changed_by_id = actor.id
        if old["status"] == OrderStatus.QUERIED:
            order.status_reason, order.status_by_id, order.status_at = None, None, None
        order.override_reason = cmd.override_reason or None
        order.plan_inputs = request.to_json()
        order.plan_summary = plan.summary
        order.updated_at = now
        save_order(uow, order)
        _store_recommendation(uow, actor, order, request, plan, now)
        uow.audit.append(
            AuditEntry(
                actor.username,
                "order.change_dose",
                "order",
                str(order.id),
                old,
                fields | {"status": order.status},
                cmd.reason,
            ),
            now=now,
        )
        view = build_order_view(uow, order)
        uow.commit()
    return view
