"""REST and FHIR of bedside CAR-T assessments: record through the API (bad input refused
naming the field, nothing stored), list with calculated grades, export the grades as FHIR
Observations coded in the local code system the CapabilityStatement names (no LOINC code was
verified for them, so none is sent)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate

from anakinra_iv.assessment.catalogue import get_catalogue
from anakinra_iv.interop.fhir_mapping import LOINC
from tests.web.conftest import Api

LOCAL = get_catalogue().local_code_system
ICE_6 = {
    "orientation": 2,
    "naming": 3,
    "following_commands": 1,
    "writing": 0,
    "attention": 0,
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": False,
    "raised_icp": "none",
    "attributable_to_other_cause": False,
}


def _post(api: Api, body: dict[str, Any], who: str = "nurse"):  # type: ignore[no-untyped-def]
    return api.post(who, f"/api/patients/{api.ward.patient_id}/toxicity-assessments", body)


def test_record_list_and_refuse(api: Api) -> None:
    """ICE 2 + 3 + 1 + 0 + 0 = 6 -> ICANS grade 2 (Lee 2019, ICE 3-6); a typed grade, a
    decimal comma and a missing item are refused (422/400 naming the field) and not stored."""
    at = api.ward.clock().isoformat()
    created = _post(api, {"score": "icans-astct", "items": ICE_6, "collected_at": at})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["tool"], body["tool_total"], body["grade"]) == ("ice", 6.0, 2)
    for items, field in (
        ({**ICE_6, "grade": 0}, "grade"),
        ({k: v for k, v in ICE_6.items() if k != "attention"}, "attention"),
    ):
        refused = _post(api, {"score": "icans-astct", "items": items, "collected_at": at})
        assert refused.status_code in (400, 422)
        assert field in refused.text
    comma = {
        "temperature": "38,5 Cel",
        "fever_masked_by_treatment": False,
        "hypotension": False,
        "vasopressor_agents": [],
        "oxygen": "none",
    }
    refused = _post(api, {"score": "crs-astct", "items": comma, "collected_at": at})
    assert refused.status_code in (400, 422) and "temperature" in refused.text
    listed = api.get("viewer", f"/api/patients/{api.ward.patient_id}/toxicity-assessments")
    assert [a["grade"] for a in listed.json()] == [2]


def test_grades_export_as_observations_in_the_local_code_system(api: Api) -> None:
    """The $everything Bundle holds the ICANS grade 2 and ICE 6 as Observations coded in the
    local system (never LOINC), each readable on its own; the CapabilityStatement names it."""
    at = api.ward.clock().isoformat()
    assessment = _post(api, {"score": "icans-astct", "items": ICE_6, "collected_at": at}).json()
    bundle = api.get("viewer", f"/fhir/r4/Patient/{api.ward.patient_id}/$everything")
    data = bundle.json()
    Bundle.model_validate(data)
    graded = "Bundle.entry.resource.ofType(Observation).where(category.coding.code = 'survey')"
    assert evaluate(data, f"{graded}.count()") == [2]
    assert evaluate(data, f"{graded}.all(code.coding.system = '{LOCAL}')") == [True]
    assert evaluate(data, f"{graded}.code.coding.where(system = '{LOINC}').count()") == [0]
    values = evaluate(data, f"{graded}.select(code.coding.code + '=' + valueInteger.toString())")
    assert sorted(values) == ["icans-grade-astct=2", "ice-score=6"]
    one = api.get("viewer", f"/fhir/r4/Observation/assessment-{assessment['id']}-icans-grade-astct")
    assert one.status_code == 200 and one.json()["valueInteger"] == 2
    metadata = api.get("viewer", "/fhir/r4/metadata").json()
    assert metadata["resourceType"] == "CapabilityStatement"
    observation = next(r for r in metadata["rest"][0]["resource"] if r["type"] == "Observation")
    assert LOCAL is not None and LOCAL in observation["documentation"]
    assert "icans-grade-astct" in observation["documentation"]


def test_exported_grades_are_skipped_on_import(api: Api) -> None:
    """Re-importing the exported Bundle keeps working: the grade Observations are listed as
    skipped (grades are calculated from recorded items, never imported as values)."""
    from anakinra_iv.interop.fhir_import import read_bundle

    at = api.ward.clock().isoformat()
    _post(api, {"score": "icans-astct", "items": ICE_6, "collected_at": at})
    data = api.get("viewer", f"/fhir/r4/Patient/{api.ward.patient_id}/$everything").json()
    batch = read_bundle(data)
    assert {o.analyte for o in batch.observations} == {"body_weight", "creatinine"}
    assert sum("calculated from a bedside assessment" in s for s in batch.skipped) == 2
