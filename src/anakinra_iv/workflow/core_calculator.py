"""The :class:`~anakinra_iv.workflow.ports.DoseCalculator` backed by the clinical core.

Every number comes from :mod:`anakinra_iv.protocol`, :mod:`anakinra_iv.dosing` and
:mod:`anakinra_iv.compounding`; this adapter only translates between the workflow's requests and
the core's values.

>>> from datetime import datetime, timezone
>>> from anakinra_iv.units import Q_
>>> request = PlanRequest("adult-mas-civ", weight=Q_(70, "kg"), age_years=54, sex="female",
...                       creatinine=Q_(1.0, "mg/dL"), step=3)
>>> plan = CoreCalculator().calculate_plan(request, now=datetime(2026, 1, 5, tzinfo=timezone.utc))
>>> plan.daily_dose.magnitude, plan.rate.magnitude, plan.concentration.magnitude
(1200.0, 50.0, 6.0)

A dose plan is a function of the protocol version and the request alone, so the adapter keeps
the most recent plans it calculated (:data:`PLAN_MEMORY`) and reuses one when the same request
comes back: preparing a bag for an order reuses the plan calculated when it was ordered. A plan
the core refused is never kept (the refusal is raised again each time), and the bag itself is
calculated anew for every preparation, so its hard-maximum refusal and beyond-use time are
always checked. Drug-library entries depend only on the protocol version and care area and are
kept the same way.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from anakinra_iv.assessment import InfusionPeriod, Observation, create_observation
from anakinra_iv.compounding import (
    PumpEntry,
    calculate_bag,
    check_pump_programme,
    create_label,
    get_pump_entry,
    summarise_bag,
    summarise_plan,
)
from anakinra_iv.dosing import DosePlan, Patient, calculate_dose_plan, create_patient
from anakinra_iv.dosing.recommendation import create_recommendation, summarise_recommendation
from anakinra_iv.errors import AnakinraError, InvalidInput
from anakinra_iv.protocol import Protocol, get_protocol, list_protocols
from anakinra_iv.workflow.ports import (
    BagResult,
    LabelBag,
    PlanRequest,
    PlanResult,
    ProtocolInfo,
    PumpFinding,
    PumpRequest,
    PumpVerdict,
    ReviewRequest,
)

__all__ = ["PLAN_MEMORY", "CoreCalculator"]

PLAN_MEMORY = 512
"""How many recent dose plans one calculator keeps for reuse (least recently used go first)."""


def _info(protocol: Protocol) -> ProtocolInfo:
    return ProtocolInfo(
        protocol_id=protocol.id,
        version=protocol.version,
        title=protocol.title,
        regimen_kind=protocol.regimen_kind,
        site_decisions=protocol.count_site_decisions(),
    )


def _plan_key(protocol: Protocol, request: PlanRequest) -> str:
    """The identity of a plan: the protocol version it resolves to and every input."""
    inputs = request.to_json() | {"protocol_id": protocol.id, "protocol_version": protocol.version}
    return json.dumps(inputs, sort_keys=True)


class CoreCalculator:
    """The clinical core behind the workflow's port (safe to share between threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: OrderedDict[str, DosePlan] = OrderedDict()
        self._pump_entries: dict[tuple[str, str, str], PumpEntry] = {}

    def _protocol(self, request: PlanRequest) -> Protocol:
        protocol = get_protocol(request.protocol_id, request.protocol_version)
        if protocol.regimen_kind != "continuous":
            raise InvalidInput(
                f"'protocol_id': protocol '{protocol.id}' is an intermittent regimen; "
                "orders here are continuous infusions",
                field="protocol_id",
                value=protocol.id,
            )
        return protocol

    def _patient(self, request: PlanRequest) -> Patient:
        return create_patient(
            weight=request.weight,
            age=request.age_years,
            sex=request.sex,
            creatinine=request.creatinine,
            height=request.height,
            renal_replacement=request.renal_replacement,
        )

    def _plan(self, request: PlanRequest) -> tuple[Protocol, DosePlan]:
        protocol = self._protocol(request)
        key = _plan_key(protocol, request)
        with self._lock:
            kept = self._plans.get(key)
            if kept is not None:
                self._plans.move_to_end(key)
        if kept is not None:
            return protocol, kept
        plan = calculate_dose_plan(
            protocol,
            self._patient(request),
            step=request.step,
            daily_dose=request.daily_dose,
            override_reason=request.override_reason,
            starting=not request.infusion_running,
            apply_renal_adjustment=request.apply_renal_adjustment,
        )
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > PLAN_MEMORY:
                self._plans.popitem(last=False)
        return protocol, plan

    def _pump_entry(self, protocol: Protocol, care_area: str) -> PumpEntry:
        key = (protocol.id, protocol.version, care_area)
        with self._lock:
            entry = self._pump_entries.get(key)
        if entry is None:
            entry = get_pump_entry(protocol, care_area)
            with self._lock:
                self._pump_entries[key] = entry
        return entry

    def calculate_plan(self, request: PlanRequest, *, now: datetime) -> PlanResult:
        """The dose plan, with the bag it would be given in if prepared ``now``."""
        protocol, plan = self._plan(request)
        bag = calculate_bag(protocol, plan, prepared_at=now)
        return PlanResult(
            protocol_id=plan.protocol_id,
            protocol_version=plan.protocol_version,
            step=plan.step,
            daily_dose=plan.daily_dose,
            rate=plan.rate,
            loading_dose=plan.loading_dose,
            limit_status=plan.limit_status,
            concentration=bag.concentration,
            rate_ml_per_h=bag.rate_ml_per_h,
            summary=summarise_plan(plan, bag),
        )

    def calculate_bag(self, request: PlanRequest, *, prepared_at: datetime) -> BagResult:
        """The recipe of a bag prepared at ``prepared_at``."""
        protocol, plan = self._plan(request)
        bag = calculate_bag(protocol, plan, prepared_at=prepared_at)
        return BagResult(
            drug_amount=bag.dose,
            final_volume=bag.final_volume,
            concentration=bag.concentration,
            rate_ml_per_h=bag.rate_ml_per_h,
            hang_time=bag.hang_time,
            beyond_use=bag.beyond_use,
            recipe=summarise_bag(bag),
        )

    def get_protocol_info(self, protocol_id: str, version: str | None = None) -> ProtocolInfo:
        """Identity and site-decision count of a protocol version."""
        return _info(get_protocol(protocol_id, version))

    def list_protocol_infos(self) -> list[ProtocolInfo]:
        """Every packaged protocol version."""
        return [_info(p) for p in list_protocols()]

    def create_label_lines(
        self, request: PlanRequest, bag: LabelBag, *, patient_name: str, mrn: str
    ) -> tuple[str, ...]:
        """The label of a stored bag, recomputed from the order's inputs."""
        protocol, plan = self._plan(request)
        recipe = calculate_bag(protocol, plan, prepared_at=bag.prepared_at)
        label = create_label(
            protocol,
            plan,
            recipe,
            patient_name=patient_name,
            mrn=mrn,
            birth_date=bag.birth_date,
            prepared_by=bag.prepared_by,
            checked_by=bag.checked_by,
        )
        return label.lines

    def calculate_review(self, request: ReviewRequest, *, now: datetime) -> dict[str, Any]:
        """Advice and dose plan from ``create_recommendation``, as ``summarise_recommendation``
        shows it (:mod:`anakinra_iv.dosing.recommendation`).

        Observations the catalogue cannot read are left out and listed under ``not_read``.
        """
        protocol = self._protocol(request.plan)
        patient = self._patient(request.plan)
        observations: list[Observation] = []
        not_read: list[str] = []
        for key, value, at in request.observations:
            try:
                observations.append(create_observation(key, value, collected_at=at))
            except AnakinraError:
                not_read.append(f"{key} {value}")
        recommendation = create_recommendation(
            protocol,
            patient,
            observations,
            step=request.step,
            at=now,
            history=tuple(InfusionPeriod(step, at) for step, at in request.history),
        )
        summary = summarise_recommendation(recommendation, protocol)
        summary["not_read"] = not_read
        shown: dict[str, Any] = json.loads(json.dumps(summary, default=str))
        return shown

    def check_pump_programme(self, request: PumpRequest) -> PumpVerdict:
        """The check against the drug-library entry of the protocol's first care area."""
        protocol = get_protocol(request.protocol_id, request.protocol_version)
        care_area = protocol.pump.care_areas[0]
        check = check_pump_programme(
            self._pump_entry(protocol, care_area),
            rate_mg_per_h=request.rate,
            rate_ml_per_h=request.pump_rate,
            concentration=request.concentration,
            weight=request.weight,
        )
        return PumpVerdict(
            check.status,
            care_area,
            tuple(PumpFinding(f.severity, f.field, f.message) for f in check.findings),
        )
