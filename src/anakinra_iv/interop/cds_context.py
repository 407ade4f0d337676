"""What a CDS Hooks request says: the anakinra orders in ``draftOrders`` and the patient context
from ``prefetch`` (patient, observations, active medications), read from FHIR R4 JSON.

Only the curated LOINC codes are read (body weight 29463-7, creatinine 2160-0, ANC 751-8); an
observation without a UCUM unit that the catalogue accepts is ignored, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict

from anakinra_iv.assessment.catalogue import get_analyte
from anakinra_iv.assessment.observations import read_measurement
from anakinra_iv.errors import AnakinraError, InvalidInput
from anakinra_iv.interop.fhir_mapping import LOINC, RXNORM
from anakinra_iv.protocol import Value
from anakinra_iv.protocol.values import Status
from anakinra_iv.units import Q_, Quantity, parse_quantity, read_number, ucum_to_pint
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "CdsSettings",
    "DraftOrder",
    "InteractingDrug",
    "Measured",
    "PatientContext",
    "Skipped",
    "get_cds_settings",
    "read_draft_orders",
    "read_patient_context",
]


class InteractingDrug(BaseModel):
    """A class of drugs flagged when given with anakinra."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str
    status: Status
    source: str
    note: str = ""
    names: tuple[str, ...]


class CdsSettings(BaseModel):
    """The service's settings (``data/cds.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weight_stale_after: Value
    neutropenia_fallback: Value
    interacting_drugs: tuple[InteractingDrug, ...]
    anakinra_names: tuple[str, ...]


@cache
def get_cds_settings() -> CdsSettings:
    """The packaged settings."""
    text = resources.files("anakinra_iv.interop").joinpath("data/cds.yaml").read_text()
    return CdsSettings.model_validate(read_yaml(text))


@dataclass(frozen=True)
class Measured:
    """A value with its collection time."""

    quantity: Quantity
    at: datetime


@dataclass(frozen=True)
class Skipped:
    """An input of the request that the checks could not use, and why (never guessed)."""

    field: str
    reason: str


@dataclass(frozen=True)
class PatientContext:
    """What the checks need to know about the patient, and what of it could not be used."""

    birth_date: date | None
    sex: str | None
    weight: Measured | None
    creatinine: Measured | None
    anc: Measured | None
    medications: tuple[str, ...]
    skipped: tuple[Skipped, ...] = ()


@dataclass(frozen=True)
class DraftOrder:
    """An anakinra MedicationRequest of the request, with its daily dose."""

    resource: dict[str, Any]
    daily_dose: Quantity | None
    protocol_uri: str | None


def _entries(bundle: Any) -> list[dict[str, Any]]:
    if not isinstance(bundle, dict):
        return []
    if bundle.get("resourceType") != "Bundle":
        return [bundle]
    return [
        e["resource"] for e in bundle.get("entry") or [] if isinstance(e, dict) and "resource" in e
    ]


def _names(concept: Any) -> list[str]:
    if not isinstance(concept, dict):
        return []
    names = [str(concept.get("text") or "")]
    names += [str(c.get("display") or "") for c in concept.get("coding") or []]
    return [n.lower() for n in names if n]


def _is_anakinra(resource: dict[str, Any]) -> bool:
    concept = resource.get("medicationCodeableConcept") or {}
    codes = {(c.get("system"), c.get("code")) for c in concept.get("coding") or []}
    if (RXNORM, "72435") in codes:
        return True
    words = get_cds_settings().anakinra_names
    return any(word in name for name in _names(concept) for word in words)


def _quantity(data: dict[str, Any]) -> Quantity:
    unit = data.get("code") or data.get("unit") or ""
    return parse_quantity(
        f"{data.get('value')} {unit}",
        field="dose",
        unit="mg/day",
        positive=False,
    )


def _daily_dose(resource: dict[str, Any]) -> Quantity | None:
    """The order's daily dose: calculated rateRatio (mg/h) first, else an ordered mg/d rate."""
    for dosage in resource.get("dosageInstruction") or []:
        ranked = sorted(
            dosage.get("doseAndRate") or [],
            key=lambda d: 0 if "calculated" in str(d.get("type")) else 1,
        )
        for item in ranked:
            try:
                if "rateRatio" in item:
                    ratio = item["rateRatio"]
                    numerator = Q_(
                        read_number(str(ratio["numerator"]["value"]), field="dose"),
                        ucum_to_pint(ratio["numerator"]["code"]),
                    )
                    denominator = Q_(
                        read_number(str(ratio["denominator"]["value"]), field="dose"),
                        ucum_to_pint(ratio["denominator"]["code"]),
                    )
                    rate: Quantity = (numerator / denominator).to("mg/day")
                    return rate
                if "rateQuantity" in item:
                    return _quantity(item["rateQuantity"])
            except (AnakinraError, KeyError, TypeError, ValueError, ArithmeticError):
                continue
            except Exception:  # pint raises its own errors for wrong dimensions
                continue
    return None


def read_draft_orders(context: dict[str, Any], *, only_selected: bool) -> list[DraftOrder]:
    """The anakinra MedicationRequests of ``context.draftOrders`` (the selected ones for
    ``order-select``)."""
    selected = set(context.get("selections") or [])
    orders = []
    for resource in _entries(context.get("draftOrders")):
        if resource.get("resourceType") != "MedicationRequest" or not _is_anakinra(resource):
            continue
        if only_selected and selected and f"MedicationRequest/{resource.get('id')}" not in selected:
            continue
        uris = resource.get("instantiatesUri") or []
        orders.append(DraftOrder(resource, _daily_dose(resource), uris[0] if uris else None))
    return orders


def _latest(
    observations: list[dict[str, Any]], analyte: str, skipped: list[Skipped]
) -> Measured | None:
    """The latest readable observation of ``analyte``; each one that cannot be read is added to
    ``skipped`` with the reason."""
    entry = get_analyte(analyte)
    code = entry.loinc
    name = f"{entry.display} (LOINC {code})"
    found: list[Measured] = []
    for obs in observations:
        codes = {
            c.get("code")
            for c in (obs.get("code") or {}).get("coding") or []
            if c.get("system") == LOINC
        }
        if code not in codes:
            continue
        value = obs.get("valueQuantity") or {}
        when = obs.get("effectiveDateTime")
        where = f"{name} Observation/{obs.get('id', '?')}"
        if "value" not in value or value.get("value") is None:
            skipped.append(Skipped(where, "it has no valueQuantity value"))
            continue
        unit = value.get("code") or value.get("unit")
        if not unit:
            skipped.append(Skipped(where, f"value {value['value']} has no unit; none is guessed"))
            continue
        if not when:
            skipped.append(Skipped(where, "it has no effectiveDateTime"))
            continue
        try:
            measured = read_measurement(analyte, f"{value['value']} {unit}")
            at = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
        except AnakinraError as error:
            skipped.append(Skipped(where, f"'{value['value']} {unit}' not read: {error.message}"))
            continue
        except ValueError:
            skipped.append(Skipped(where, f"effectiveDateTime '{when}' is not a date and time"))
            continue
        if at.tzinfo is None:
            skipped.append(Skipped(where, f"effectiveDateTime '{when}' has no time zone"))
            continue
        found.append(Measured(measured.quantity, at))
    return max(found, key=lambda m: m.at) if found else None


def read_patient_context(prefetch: dict[str, Any]) -> PatientContext:
    """The patient, latest weight, creatinine and ANC, and active medication names."""
    patient = prefetch.get("patient") or {}
    birth = patient.get("birthDate")
    try:
        birth_date = date.fromisoformat(birth) if birth else None
    except ValueError as e:
        raise InvalidInput(
            f"'patient.birthDate' is not a date (got '{birth}')", field="birthDate"
        ) from e
    observations = [
        o for o in _entries(prefetch.get("observations")) if o.get("resourceType") == "Observation"
    ]
    medications: list[str] = []
    for resource in _entries(prefetch.get("medications")):
        if resource.get("resourceType") != "MedicationRequest":
            continue
        if resource.get("status") not in ("active", "on-hold", "draft"):
            continue
        medications += _names(resource.get("medicationCodeableConcept"))
    skipped: list[Skipped] = []
    weight = _latest(observations, "body_weight", skipped)
    creatinine = _latest(observations, "creatinine", skipped)
    anc = _latest(observations, "anc", skipped)
    if birth_date is None:
        skipped.append(Skipped("patient.birthDate", "missing: the renal rule needs the age"))
    if patient.get("gender") not in ("male", "female"):
        skipped.append(
            Skipped("patient.gender", "not male or female: the renal rule needs the sex")
        )
    if creatinine is None:
        skipped.append(
            Skipped("creatinine (LOINC 2160-0)", "no readable value: the renal rule not checked")
        )
    return PatientContext(
        birth_date,
        patient.get("gender"),
        weight,
        creatinine,
        anc,
        tuple(medications),
        tuple(skipped),
    )
