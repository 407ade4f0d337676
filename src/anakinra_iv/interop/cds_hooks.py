"""CDS Hooks service for anakinra MedicationRequests (``order-select`` and ``order-sign``).

Pure card logic: a hook request (JSON) and ``now`` in, a response with ``cards`` out. Each card
cites the rule and its source (status and evidence-registry key) and, where a corrected order
exists, suggests it as an ``update`` action. Checks, in order: dose above the hard maximum
(critical), above the soft limit (warning), renal impairment without adjustment (warning),
missing or stale weight, concurrent TNF inhibitor or other IL-1 blocker (warning), neutropenia.

Examples
--------
>>> [s["id"] for s in get_discovery()["services"]]
['anakinra-order-select', 'anakinra-order-sign']
"""

from __future__ import annotations

import copy
import math
import uuid
from datetime import datetime
from typing import Any

from fhir.resources.R4B.medicationrequest import MedicationRequest

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.dosing import (
    calculate_creatinine_clearance,
    calculate_renal_adjustment,
    create_patient,
)
from anakinra_iv.errors import AnakinraError, UnknownItem
from anakinra_iv.interop.cds_context import (
    DraftOrder,
    PatientContext,
    get_cds_settings,
    read_draft_orders,
    read_patient_context,
)
from anakinra_iv.interop.fhir_mapping import LOINC
from anakinra_iv.protocol import ContinuousRegimen, Protocol, Provenance, get_protocol
from anakinra_iv.units import Quantity, format_quantity, magnitude_in

__all__ = ["SERVICE_HOOKS", "calculate_cards", "get_discovery"]

SERVICE_HOOKS = {"anakinra-order-select": "order-select", "anakinra-order-sign": "order-sign"}
_PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&code="
    + ",".join(
        f"{LOINC}|{get_analyte(name).loinc}" for name in ("body_weight", "creatinine", "anc")
    )
    + "&_sort=-date",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active,on-hold",
}
_TOLERANCE = 1e-6
_NOT_GUESSED = Provenance(
    status="site-decision",
    source="site",
    note="An input that cannot be read is reported, never guessed or silently dropped.",
)


def get_discovery() -> dict[str, Any]:
    """The discovery document of ``GET /cds-services``."""
    return {
        "services": [
            {
                "hook": hook,
                "id": service,
                "title": f"anakinra-iv {hook} checks",
                "description": "Checks a continuous IV anakinra order against its protocol: hard "
                "and soft dose limits, renal function, weight, interacting drugs, neutropenia.",
                "prefetch": _PREFETCH,
            }
            for service, hook in SERVICE_HOOKS.items()
        ]
    }


def _protocol(order: DraftOrder, default_id: str) -> Protocol:
    prefix = "urn:anakinra-iv:protocol:"
    if order.protocol_uri and order.protocol_uri.startswith(prefix):
        pid, _, version = order.protocol_uri.removeprefix(prefix).partition(":")
        try:
            return get_protocol(pid, version or None)
        except UnknownItem:
            pass
    return get_protocol(default_id)


def _card(
    key: str,
    indicator: str,
    summary: str,
    detail: str,
    cite: Provenance | list[Provenance],
    protocol: Protocol,
    suggestions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    cites = cite if isinstance(cite, list) else [cite]
    sources = "; ".join(f"{c.status}, source `{c.source}`" for c in cites)
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:anakinra-iv:cds:{key}")),
        "summary": summary[:139],
        "indicator": indicator,
        "detail": f"{detail}\n\n**Rule:** `{key.split(':')[0]}` ({sources}).",
        "source": {"label": f"anakinra-iv protocol {protocol.id} v{protocol.version}"},
    }
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one"
    return card


def _corrected(order: DraftOrder, daily: Quantity, label: str) -> dict[str, Any]:
    """A suggestion replacing the order's rate with ``daily`` (validated as R4B)."""
    resource = copy.deepcopy(order.resource)
    rate = magnitude_in(daily, "mg/h")
    per_day = magnitude_in(daily, "mg/day")
    for dosage in resource.get("dosageInstruction") or []:
        dosage["text"] = f"anakinra {per_day:g} mg/day by continuous IV infusion = {rate:g} mg/h"
        for item in dosage.get("doseAndRate") or []:
            if "rateRatio" in item:
                item["rateRatio"] = {
                    "numerator": {
                        "value": rate,
                        "unit": "mg",
                        "system": "http://unitsofmeasure.org",
                        "code": "mg",
                    },
                    "denominator": {
                        "value": 1,
                        "unit": "h",
                        "system": "http://unitsofmeasure.org",
                        "code": "h",
                    },
                }
            elif "rateQuantity" in item:
                item["rateQuantity"] = {
                    "value": per_day,
                    "unit": "mg/day",
                    "system": "http://unitsofmeasure.org",
                    "code": "mg/d",
                }
    MedicationRequest.model_validate(resource)
    return {
        "label": label,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:anakinra-iv:suggestion:{label}")),
        "actions": [{"type": "update", "description": label, "resource": resource}],
    }


def _limit(value: Quantity, protocol: Protocol, weight: Quantity | None) -> Quantity | None:
    if value.check("1/[time]"):
        return None if weight is None else (value * weight).to("mg/day")
    return value.to("mg/day")


def _dose_cards(
    order: DraftOrder, protocol: Protocol, ctx: PatientContext, tag: str
) -> list[dict[str, Any]]:
    daily = order.daily_dose
    if daily is None:
        return []
    weight = ctx.weight.quantity if ctx.weight else None
    limits = protocol.limits
    shown = format_quantity(daily, "mg/day")
    candidates = [
        (limits.absolute_hard_max, _limit(limits.absolute_hard_max.quantity, protocol, weight))
    ]
    candidates.append((limits.hard_max, _limit(limits.hard_max.quantity, protocol, weight)))
    known = [(v, q) for v, q in candidates if q is not None]
    if known:
        value, cap = min(known, key=lambda vq: magnitude_in(vq[1], "mg/day"))
        if daily > cap * (1 + _TOLERANCE):
            suggestion = _corrected(
                order,
                cap,
                f"Set the rate to the hard maximum {format_quantity(cap.to('mg/h'), 'mg/h', 2)}",
            )
            return [
                _card(
                    f"hard-max:{tag}",
                    "critical",
                    f"anakinra {shown} is above the hard maximum of "
                    f"{format_quantity(cap, 'mg/day')}",
                    f"The order runs at {format_quantity(daily.to('mg/h'), 'mg/h', 2)}. The "
                    f"protocol's hard maximum is {value.value:g} {value.unit}: the order cannot "
                    "be signed as written.",
                    value,
                    protocol,
                    [suggestion],
                )
            ]
    if limits.soft_max is not None:
        soft = _limit(limits.soft_max.quantity, protocol, weight)
        if soft is not None and daily > soft * (1 + _TOLERANCE):
            below = _highest_step_within(protocol, soft, weight)
            suggestions = []
            if below is not None:
                suggestions.append(
                    _corrected(
                        order,
                        below,
                        f"Use {format_quantity(below, 'mg/day')} (the highest step within the "
                        "soft limit)",
                    )
                )
            card = _card(
                f"soft-max:{tag}",
                "warning",
                f"anakinra {shown} is above the soft limit of {format_quantity(soft, 'mg/day')}",
                f"Above {limits.soft_max.value:g} {limits.soft_max.unit} the protocol needs a "
                "stated reason. Sign with an override reason, or choose a lower step.",
                limits.soft_max,
                protocol,
                suggestions,
            )
            card["overrideReasons"] = [
                {"code": "no-response", "display": "No response at the lower step"},
                {"code": "severity", "display": "Life-threatening disease activity"},
            ]
            return [card]
    return []


def _highest_step_within(
    protocol: Protocol, limit: Quantity, weight: Quantity | None
) -> Quantity | None:
    regimen = protocol.regimen
    if not isinstance(regimen, ContinuousRegimen):
        return None
    doses = [_limit(step.quantity, protocol, weight) for step in regimen.ladder]
    within = [d for d in doses if d is not None and d <= limit * (1 + _TOLERANCE)]
    return max(within, key=lambda d: magnitude_in(d, "mg/day")) if within else None


def _renal_card(
    order: DraftOrder, protocol: Protocol, ctx: PatientContext, now: datetime, tag: str
) -> list[dict[str, Any]]:
    if (
        order.daily_dose is None
        or ctx.weight is None
        or ctx.creatinine is None
        or ctx.birth_date is None
    ):
        return []
    age = (now.date() - ctx.birth_date).days / 365.25
    try:
        patient = create_patient(
            weight=ctx.weight.quantity, age=age, sex=ctx.sex, creatinine=ctx.creatinine.quantity
        )
        crcl = calculate_creatinine_clearance(patient, protocol)
        adjustment = calculate_renal_adjustment(
            protocol, patient, crcl, order.daily_dose, apply=False
        )
    except AnakinraError as error:
        return [_not_used_card(protocol, "renal rule", error.message, tag)]
    if (
        adjustment is None
        or crcl is None
        or not _is_ladder_dose(order.daily_dose, protocol, ctx.weight.quantity)
    ):
        return []
    suggested = adjustment.suggested_daily_dose.to("mg/day")
    return [
        _card(
            f"renal:{tag}",
            "warning",
            f"Creatinine clearance {magnitude_in(crcl.value, 'mL/min'):.0f} mL/min: the rate is "
            "not adjusted",
            f"{adjustment.text}. Estimated by {crcl.formula}. The protocol scales the rate by the "
            f"clearance ratio {adjustment.ratio.value:g} on the prescriber's confirmation.",
            [protocol.renal.threshold, adjustment.ratio],
            protocol,
            [
                _corrected(
                    order,
                    suggested,
                    f"Scale to {format_quantity(suggested, 'mg/day')} ({adjustment.category})",
                )
            ],
        )
    ]


def _is_ladder_dose(daily: Quantity, protocol: Protocol, weight: Quantity) -> bool:
    regimen = protocol.regimen
    if not isinstance(regimen, ContinuousRegimen):
        return True
    for step in regimen.ladder:
        dose = _limit(step.quantity, protocol, weight)
        if dose is not None and math.isclose(
            magnitude_in(dose, "mg/day"), magnitude_in(daily, "mg/day"), rel_tol=0.01
        ):
            return True
    return False


def _weight_cards(
    protocol: Protocol, ctx: PatientContext, now: datetime, tag: str
) -> list[dict[str, Any]]:
    settings = get_cds_settings()
    per_kg = protocol.is_weight_based
    if ctx.weight is None:
        return [
            _card(
                f"weight-missing:{tag}",
                "critical" if per_kg else "warning",
                "No body weight is recorded: dose limits and renal function cannot be checked",
                "Record a measured body weight (LOINC 29463-7) before signing"
                + (": this protocol doses per kilogram." if per_kg else "."),
                settings.weight_stale_after,
                protocol,
            )
        ]
    age = now - ctx.weight.at
    limit = settings.weight_stale_after.quantity
    if age.total_seconds() / 3600 > magnitude_in(limit, "h"):
        return [
            _card(
                f"weight-stale:{tag}",
                "warning" if per_kg else "info",
                f"The body weight is {age.days} days old (older than {limit.magnitude:g} days)",
                f"The last weight was recorded on {ctx.weight.at.date().isoformat()}. Weigh the "
                "patient again before the dose is based on it.",
                settings.weight_stale_after,
                protocol,
            )
        ]
    return []


def _drug_cards(protocol: Protocol, ctx: PatientContext, tag: str) -> list[dict[str, Any]]:
    cards = []
    for drug in get_cds_settings().interacting_drugs:
        found = sorted({m for m in ctx.medications if any(n in m for n in drug.names)})
        if found:
            cite = Provenance(status=drug.status, source=drug.source, note=drug.note)
            cards.append(
                _card(
                    f"{drug.id}:{tag}",
                    "warning",
                    f"Concurrent {drug.label}: {', '.join(found)}",
                    f"{drug.note} Stop one of them, or record why both are needed.",
                    cite,
                    protocol,
                )
            )
    return cards


def _neutropenia_cards(protocol: Protocol, ctx: PatientContext, tag: str) -> list[dict[str, Any]]:
    if ctx.anc is None:
        return []
    threshold = get_cds_settings().neutropenia_fallback
    for rule in protocol.rules:
        for condition in (*rule.all, *rule.any):
            if condition.analyte == "anc" and condition.op in ("<", "<=") and condition.threshold:
                threshold = condition.threshold
    shown = magnitude_in(ctx.anc.quantity, threshold.unit)  # Value.quantity cannot scale 1e9/L
    if shown >= threshold.value:
        return []
    return [
        _card(
            f"neutropenia:{tag}",
            "warning",
            f"Neutropenia: ANC {shown:g} x 10^9/L is below {threshold.value:g} x 10^9/L",
            f"Collected {ctx.anc.at.isoformat()}. The protocol holds the infusion when ANC stays "
            "below this threshold on two consecutive days; the label warns of neutropenia.",
            threshold,
            protocol,
        )
    ]


def _not_used_card(protocol: Protocol, field: str, reason: str, tag: str) -> dict[str, Any]:
    return _card(
        f"input-not-used:{tag}:{field}",
        "warning",
        f"Not used: {field}",
        f"{field} could not be used ({reason}). The checks that need it were not done; correct "
        "the record rather than relying on this service for them.",
        _NOT_GUESSED,
        protocol,
    )


def _skipped_cards(
    order: DraftOrder, protocol: Protocol, ctx: PatientContext, tag: str
) -> list[dict[str, Any]]:
    """One card per input the request carried (or lacked) that the checks could not use."""
    cards = [_not_used_card(protocol, s.field, s.reason, tag) for s in ctx.skipped]
    if order.daily_dose is None:
        where = f"dose of MedicationRequest/{order.resource.get('id', '?')}"
        cards.append(
            _not_used_card(
                protocol,
                where,
                "no rateRatio in mg/h or rateQuantity in mg/day could be read; the dose limits "
                "were not checked",
                tag,
            )
        )
    return cards


def calculate_cards(
    service_id: str,
    request: dict[str, Any],
    *,
    now: datetime,
    default_protocol_id: str = "adult-mas-civ",
) -> dict[str, Any]:
    """The CDS Hooks response (``{"cards": [...]}``) of ``service_id`` to ``request``.

    Raises
    ------
    UnknownItem
        ``service_id`` is not one of :data:`SERVICE_HOOKS`.
    """
    hook = SERVICE_HOOKS.get(service_id)
    if hook is None:
        raise UnknownItem(f"'service' {service_id!r} is not a CDS service here", field="service")
    context = request.get("context") or {}
    orders = read_draft_orders(context, only_selected=hook == "order-select")
    if not orders:
        return {"cards": []}
    ctx = read_patient_context(request.get("prefetch") or {})
    instance = str(request.get("hookInstance", ""))
    cards: list[dict[str, Any]] = []
    for index, order in enumerate(orders):
        protocol = _protocol(order, default_protocol_id)
        tag = f"{instance}:{order.resource.get('id', index)}"
        cards += _dose_cards(order, protocol, ctx, tag)
        cards += _renal_card(order, protocol, ctx, now, tag)
        cards += _weight_cards(protocol, ctx, now, tag)
        cards += _drug_cards(protocol, ctx, tag)
        cards += _neutropenia_cards(protocol, ctx, tag)
        cards += _skipped_cards(order, protocol, ctx, tag)
    return {"cards": cards}
