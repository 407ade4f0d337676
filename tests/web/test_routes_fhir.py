"""REST: GET /fhir/r4/{type}/{id}, the $everything Bundle and the course report download."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from fhir.resources.R4B.bundle import Bundle

from tests.web.conftest import Api
from tests.workflow_support.fixtures import start_running

FHIR_JSON = "application/fhir+json"


def test_each_exported_type_is_served_and_validates(api: Api) -> None:
    """Patient, order, bag, dispense, segment, verification and observation read back as R4."""
    order_id, bag_id = start_running(api.ward)
    bundle = api.get("admin", f"/fhir/r4/Patient/{api.ward.patient_id}/$everything")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith(FHIR_JSON)
    parsed = Bundle.model_validate_json(bundle.content)
    ids = {(e.resource.get_resource_type(), e.resource.id) for e in parsed.entry}
    for kind, ident in sorted(ids):
        response = api.get("viewer", f"/fhir/r4/{kind}/{ident}")
        if kind == "AuditEvent":
            assert response.status_code == 403  # only administrators read the audit trail
            assert api.get("admin", f"/fhir/r4/{kind}/{ident}").status_code == 200
            continue
        assert response.status_code == 200, (kind, ident, response.text)
        assert response.json()["resourceType"] == kind
    assert ("MedicationRequest", str(order_id)) in ids and ("Medication", str(bag_id)) in ids


def test_missing_resource_is_an_operation_outcome(api: Api) -> None:
    """An unknown id or type answers 404 with an OperationOutcome."""
    for url in ("/fhir/r4/Observation/9999", "/fhir/r4/Encounter/1"):
        response = api.get("viewer", url)
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"


def test_fhir_needs_a_signed_in_user(api: Api) -> None:
    """Without a bearer token the server refuses (401)."""
    assert api.client.get(f"/fhir/r4/Patient/{api.ward.patient_id}").status_code == 401


def test_course_report_downloads_as_a_pdf_that_opens(api: Api) -> None:
    """The report endpoint returns a PDF that pypdfium2 opens and renders."""
    start_running(api.ward)
    response = api.get("viewer", f"/api/patients/{api.ward.patient_id}/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(io.BytesIO(response.content))
    assert len(pdf) >= 2
    assert "Patient-course report" in pdf[0].get_textpage().get_text_range()
    html = api.get("viewer", f"/api/patients/{api.ward.patient_id}/report.html")
    assert "MRN-0001" in html.text and "data:image/png;base64," in html.text
