"""FHIR export: every resource validated by the R4B models; business invariants in FHIRPath."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate

from anakinra_iv.errors import UnknownItem
from anakinra_iv.interop.course import Course
from anakinra_iv.interop.fhir_export import (
    EXPORTED_TYPES,
    create_course_bundle,
    get_resource,
    write_bundle_json,
    write_ndjson,
)
from anakinra_iv.interop.fhir_mapping import LOINC, UCUM

BASE = "http://localhost/fhir/r4"


def _bundle_json(course: Course) -> dict:  # type: ignore[type-arg]
    return json.loads(write_bundle_json(create_course_bundle(course, base_url=BASE)))


def test_bundle_parses_back_into_r4b_models(course: Course) -> None:
    """The written JSON validates as an R4B Bundle, with each exported type present."""
    bundle = Bundle.model_validate(_bundle_json(course))
    types = {e.resource.get_resource_type() for e in bundle.entry}
    assert types == set(EXPORTED_TYPES)


def test_calculated_rate_is_the_daily_dose_over_24_hours(course: Course) -> None:
    """Calculated rateRatio is 50 mg per 1 h and the ordered dose 1,200 mg/d (1,200 / 24 = 50)."""
    data = _bundle_json(course)
    path = "Bundle.entry.resource.ofType(MedicationRequest).dosageInstruction.doseAndRate"
    calculated = evaluate(data, f"{path}.where(type.coding.code = 'calculated').rateRatio")
    ordered = evaluate(data, f"{path}.where(type.coding.code = 'ordered').rateQuantity")
    assert calculated[0]["numerator"]["value"] * 24 == ordered[0]["value"] == 1200
    assert (calculated[0]["numerator"]["code"], calculated[0]["denominator"]["code"]) == ("mg", "h")
    assert ordered[0]["code"] == "mg/d"


def test_every_observation_has_loinc_and_ucum(course: Course) -> None:
    """FHIRPath: all Observations carry a LOINC coding and a UCUM valueQuantity."""
    data = _bundle_json(course)
    observations = "Bundle.entry.resource.ofType(Observation)"
    assert evaluate(data, f"{observations}.all(code.coding.system = '{LOINC}')") == [True]
    assert evaluate(data, f"{observations}.all(valueQuantity.system = '{UCUM}')") == [True]
    assert evaluate(data, f"{observations}.count()") == [5]
    vitals = evaluate(
        data, f"{observations}.where(category.coding.code = 'vital-signs').code.coding.code"
    )
    assert sorted(vitals) == ["29463-7", "8310-5"]


def test_medication_batch_expires_at_the_beyond_use_time(course: Course) -> None:
    """expirationDate = prepared + 12 h (USP 797 Category 1); lots are the syringe lots."""
    medication = get_resource(course, "Medication", "1")
    bag = course.bags[0]
    assert medication.batch.expirationDate == bag.prepared_at + timedelta(hours=12)
    assert medication.batch.lotNumber == "LOT-A1; LOT-A2"
    strength = medication.ingredient[0].strength
    assert float(strength.numerator.value) / float(strength.denominator.value) == 6.0


def test_one_administration_per_segment_and_stop_at_zero(course: Course) -> None:
    """Four segments give four administrations; each ends when the next starts; stop is 0 mg/h."""
    data = _bundle_json(course)
    admins = evaluate(data, "Bundle.entry.resource.ofType(MedicationAdministration)")
    assert len(admins) == 4
    for current, following in itertools.pairwise(admins):
        assert current["effectivePeriod"]["end"] == following["effectivePeriod"]["start"]
    assert admins[-1]["dosage"]["rateRatio"]["numerator"]["value"] == 0
    assert evaluate(
        data,
        "Bundle.entry.resource.ofType(MedicationAdministration)"
        ".where(dosage.rateRatio.numerator.value > 0).count()",
    ) == [2]


def test_every_reference_resolves_inside_the_bundle(course: Course) -> None:
    """Each literal reference Type/id names a resource of the same Bundle."""
    data = _bundle_json(course)
    present = {e["fullUrl"].removeprefix(BASE + "/") for e in data["entry"]}
    references = evaluate(data, "Bundle.entry.resource.descendants().reference")
    assert references and set(references) <= present


def test_verifier_is_recorded_in_provenance(course: Course) -> None:
    """The verifying pharmacist and the bag checker each appear in a Provenance."""
    data = _bundle_json(course)
    who = evaluate(data, "Bundle.entry.resource.ofType(Provenance).agent.who.display")
    assert sorted(who) == ["ph_ada", "ph_bo"]


def test_ndjson_has_one_resource_per_line(course: Course) -> None:
    """NDJSON lines = resources in the Bundle (1 + 5 + 1 + 1 + 1 + 1 + 1 + 4 + 2 = 17)."""
    lines = write_ndjson(course).splitlines()
    assert len(lines) == 17
    assert {json.loads(line)["resourceType"] for line in lines} == set(EXPORTED_TYPES)


def test_unknown_type_or_id_is_refused(course: Course) -> None:
    """A type that is not exported, or an id not in the course, raises UnknownItem."""
    with pytest.raises(UnknownItem, match="'type' must be one of"):
        get_resource(course, "Encounter", "1")
    with pytest.raises(UnknownItem, match="Observation/99 is not in the record"):
        get_resource(course, "Observation", "99")


def test_bag_diluent_is_the_protocol_diluent(course: Course) -> None:
    """The second ingredient of the bag is adult-mas-civ's diluent, 0.9% sodium chloride."""
    medication = get_resource(course, "Medication", "1")
    assert medication.ingredient[1].itemCodeableConcept.text == "0.9% sodium chloride"
    assert medication.ingredient[1].isActive is False
