"""FHIR import: LOINC and UCUM checked by the catalogue; problems by position; all or nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anakinra_iv.errors import AnakinraError, FhirImportError, list_problems
from anakinra_iv.interop.fhir_import import read_bundle, read_fhir_text, read_ndjson


def _observation(
    code: str = "2276-4", value: float = 2400, unit: str = "ng/mL", **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-01-05T06:00:00+01:00",
        "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit},
    }
    data.update(extra)
    return data


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": "urn:anakinra-iv:mrn", "value": "MRN-9"}],
    "name": [{"family": "Roe", "given": ["Ann"]}],
    "gender": "female",
    "birthDate": "1980-05-01",
}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def _messages(error: AnakinraError) -> list[str]:
    return [p.message for p in list_problems(error)]


def test_values_are_converted_to_the_catalogue_unit() -> None:
    """2.4 ug/mL ferritin = 2,400 ng/mL; 95,000 /uL platelets = 95 x 10^9/L (hand conversion)."""
    batch = read_bundle(
        _bundle(PATIENT, _observation(value=2.4, unit="ug/mL"), _observation("777-3", 95000, "/uL"))
    )
    assert [(o.analyte, o.value, o.unit) for o in batch.observations] == [
        ("ferritin", 2400.0, "ng/mL"),
        ("platelets", 95.0, "10*9/L"),
    ]
    assert batch.patient is not None and (batch.patient.mrn, batch.patient.name) == (
        "MRN-9",
        "Roe, Ann",
    )
    assert batch.observations[0].collected_at.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


def test_unknown_loinc_code_is_reported_not_guessed() -> None:
    """A code outside the curated catalogue is refused by position, with the code named."""
    with pytest.raises(FhirImportError) as caught:
        read_bundle(_bundle(PATIENT, _observation("1975-2", 1.0, "mg/dL")))
    assert caught.value.position == "entry[1]"
    assert "1975-2 is not in the catalogue" in caught.value.message


def test_malformed_resource_is_rejected_with_position_and_reason() -> None:
    """A value that is not a decimal fails the R4B model; the problem names entry[2] and field."""
    broken = _observation(valueQuantity={"value": "lots", "code": "ng/mL"})
    with pytest.raises(AnakinraError) as caught:
        read_bundle(_bundle(PATIENT, _observation(), broken))
    (message,) = _messages(caught.value)
    assert message.startswith("entry[2] (Observation) is malformed: valueQuantity.value")


def test_preliminary_results_are_refused() -> None:
    """Only final, amended or corrected results are imported."""
    with pytest.raises(FhirImportError, match="status must be final"):
        read_bundle(_bundle(_observation(status="preliminary")))


def test_every_problem_is_reported_and_nothing_is_returned() -> None:
    """Three bad entries give three problems; the good one is not returned on its own."""
    bad = [
        _observation(),
        {"id": "m"},
        _observation(value=2400, unit="kg"),
        _observation(effectiveDateTime="2026-01-05"),
    ]
    with pytest.raises(AnakinraError) as caught:
        read_bundle(_bundle(PATIENT, *bad))
    messages = _messages(caught.value)
    assert [m.split(" ")[0].rstrip(":") for m in messages] == ["entry[2]", "entry[3]", "entry[4]"]
    assert "no resourceType" in messages[0]
    assert "ng/mL" in messages[1]
    assert "timezone" in messages[2]


def test_other_resource_types_are_reported_as_skipped() -> None:
    """A Medication in the Bundle is listed as skipped, not read and not an error."""
    batch = read_bundle(_bundle(PATIENT, {"resourceType": "Medication", "id": "m"}, _observation()))
    assert batch.skipped == ("entry[1]: Medication",)
    assert len(batch.observations) == 1


def test_implausible_value_is_refused() -> None:
    """A negative CRP breaks the catalogue's plausibility rule."""
    with pytest.raises(FhirImportError, match="cannot be negative"):
        read_bundle(_bundle(_observation("1988-5", -3, "mg/L")))


def test_subject_must_be_the_batch_patient() -> None:
    """An observation about another patient is refused."""
    other = _observation(subject={"reference": "Patient/p2"})
    with pytest.raises(FhirImportError, match="is not the patient of this batch"):
        read_bundle(_bundle(PATIENT, other))


def test_ndjson_positions_are_line_numbers() -> None:
    """Line 3 is not JSON and line 4 has an unknown code: both reported by line number."""
    text = "\n".join(
        [
            json.dumps(PATIENT),
            json.dumps(_observation()),
            "{oops",
            json.dumps(_observation("0000-0")),
        ]
    )
    with pytest.raises(AnakinraError) as caught:
        read_ndjson(text)
    messages = _messages(caught.value)
    assert messages[0].startswith("line 3 is not JSON")
    assert messages[1].startswith("line 4 (Observation) LOINC code 0000-0")


def test_text_is_read_as_bundle_or_ndjson() -> None:
    """The same resources read as a Bundle or as NDJSON give the same batch."""
    resources = (PATIENT, _observation(), _observation("1988-5", 88, "mg/L"))
    from_bundle = read_fhir_text(json.dumps(_bundle(*resources)))
    from_lines = read_fhir_text("\n".join(json.dumps(r) for r in resources))
    strip = [(o.analyte, o.value, o.collected_at) for o in from_bundle.observations]
    assert strip == [(o.analyte, o.value, o.collected_at) for o in from_lines.observations]
