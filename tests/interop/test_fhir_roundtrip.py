"""Round trips: course -> Bundle -> import gives the same observations; a stored course goes out
to an in-process FHIR server and comes back; import into the database is all or nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from anakinra_iv.errors import AnakinraError
from anakinra_iv.interop.course import Course, CourseObservation, CoursePatient
from anakinra_iv.interop.fhir_client import get_remote_resource, push_bundle
from anakinra_iv.interop.fhir_export import create_course_bundle, write_bundle_json, write_ndjson
from anakinra_iv.interop.fhir_import import read_fhir_text
from anakinra_iv.workflow.course import get_patient_course, import_batch
from tests.interop.conftest import T0, make_course
from tests.interop.fake_fhir_server import TestClient, create_fake_fhir_server
from tests.workflow_support.fixtures import Ward, start_running

BASE = "http://localhost/fhir/r4"


def _observed(course: Course) -> list[tuple[str | None, float, str, datetime]]:
    return [(o.code, o.value, o.unit, o.collected_at) for o in course.observations]


def test_export_then_import_gives_the_same_data(course: Course) -> None:
    """Patient and every observation come back with the same code, value, unit and time."""
    batch = read_fhir_text(write_bundle_json(create_course_bundle(make_course(), base_url=BASE)))
    assert batch.patient is not None
    assert (batch.patient.mrn, batch.patient.birth_date, batch.patient.sex) == (
        course.patient.mrn,
        course.patient.birth_date,
        course.patient.sex,
    )
    assert [(o.loinc, o.value, o.unit, o.collected_at) for o in batch.observations] == _observed(
        course
    )


@given(
    ferritin=st.floats(min_value=1, max_value=100_000, allow_nan=False).map(lambda v: round(v, 3)),
    crp=st.floats(min_value=0, max_value=999, allow_nan=False).map(lambda v: round(v, 2)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 365),
)
def test_any_plausible_value_round_trips_exactly(ferritin: float, crp: float, minutes: int) -> None:
    """Invariant: import(export(x)) == x for plausible values at any time (NDJSON path)."""
    at = T0 + timedelta(minutes=minutes)
    course = Course(
        CoursePatient("9", "MRN-9", "Roe, Ann", T0.date(), "male"),
        (
            CourseObservation("1", "2276-4", "ferritin", ferritin, "ng/mL", at),
            CourseObservation("2", "1988-5", "crp", crp, "mg/L", at),
        ),
    )
    batch = read_fhir_text(write_ndjson(course))
    assert [(o.value, o.collected_at) for o in batch.observations] == [(ferritin, at), (crp, at)]


def test_push_to_fhir_server_and_read_back(course: Course) -> None:
    """Every resource PUT to the in-process server reads back equal to what was sent."""
    bundle = create_course_bundle(course, base_url=BASE)
    with TestClient(create_fake_fhir_server()) as client:
        written = push_bundle(client, bundle)
        assert len(written) == len(bundle.entry) == 17
        for entry in bundle.entry:
            kind, ident = entry.resource.get_resource_type(), entry.resource.id
            back = get_remote_resource(client, kind, ident)
            assert back.model_dump_json(exclude_none=True) == entry.resource.model_dump_json(
                exclude_none=True
            )
        assert client.get("Patient/unknown").status_code == 404


def _stored_course(ward: Ward) -> Course:
    start_running(ward)
    ward.clock.advance(hours=2)
    return get_patient_course(ward.uow(), ward.users["admin"], ward.patient_id)


def test_stored_course_exports_with_its_order_bag_and_segment(sqlite_ward: Ward) -> None:
    """Step 3 = 1,200 mg/day = 50 mg/h; the bag holds 50 mg/h x 12 h = 600 mg; one segment."""
    course = _stored_course(sqlite_ward)
    (order,) = course.orders
    (bag,) = course.bags
    assert (order.daily_dose_mg_per_day, order.rate_mg_per_h) == (1200, 50)
    assert (bag.drug_amount_mg, bag.syringe_lots) == (600, ("LOT-A1", "LOT-A2"))
    assert [s.event for s in course.segments] == ["start"]
    assert {e.entity_type for e in course.audit_events} >= {"patient", "order", "bag"}
    bundle = create_course_bundle(course, base_url=BASE)
    with TestClient(create_fake_fhir_server()) as client:
        push_bundle(client, bundle)
        request = get_remote_resource(client, "MedicationRequest", order.id)
    assert request.dosageInstruction[0].doseAndRate[1].rateRatio.numerator.value == 50


def test_import_into_the_database_is_all_or_nothing(sqlite_ward: Ward) -> None:
    """A batch with one bad entry stores nothing; the corrected batch stores every observation."""
    ward = sqlite_ward
    lab = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2276-4"}]},
        "effectiveDateTime": "2026-01-05T06:00:00Z",
        "valueQuantity": {"value": 2.4, "system": "http://unitsofmeasure.org", "code": "ug/mL"},
    }
    bad = dict(lab, code={"coding": [{"system": "http://loinc.org", "code": "1975-2"}]})
    lines = [json.dumps(lab), json.dumps(bad)]
    before = get_patient_course(ward.uow(), ward.users["admin"], ward.patient_id).observations
    with pytest.raises(AnakinraError, match="line 2"):
        batch = read_fhir_text("\n".join(lines))
    batch = read_fhir_text(lines[0])
    result = import_batch(
        batch, ward.users["nurse"], ward.uow(), ward.clock(), patient_id=ward.patient_id
    )
    after = get_patient_course(ward.uow(), ward.users["admin"], ward.patient_id).observations
    assert len(after) == len(before) + 1 == len(before) + len(result.observation_ids)
    ferritin = [o for o in after if o.code == "2276-4"]
    assert [(o.value, o.unit) for o in ferritin] == [(2400.0, "ng/mL")]


def test_failure_while_storing_rolls_back_the_whole_batch(sqlite_ward: Ward) -> None:
    """An observation collected in the future is refused by the service; earlier ones roll back."""
    ward = sqlite_ward
    future = (ward.clock() + timedelta(days=1)).isoformat()
    resources = [
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
            "effectiveDateTime": when,
            "valueQuantity": {"value": 80, "system": "http://unitsofmeasure.org", "code": "mg/L"},
        }
        for when in ("2026-01-05T06:00:00Z", future)
    ]
    batch = read_fhir_text("\n".join(json.dumps(r) for r in resources))
    before = len(get_patient_course(ward.uow(), ward.users["admin"], ward.patient_id).observations)
    with pytest.raises(AnakinraError, match="collected_at"):
        import_batch(
            batch, ward.users["nurse"], ward.uow(), ward.clock(), patient_id=ward.patient_id
        )
    after = len(get_patient_course(ward.uow(), ward.users["admin"], ward.patient_id).observations)
    assert after == before


def test_new_patient_is_created_from_the_bundle(sqlite_ward: Ward) -> None:
    """A Bundle of a new patient (with a body weight) registers them and files the labs."""
    ward = sqlite_ward
    stored = _stored_course(ward)
    bundle = create_course_bundle(stored, base_url=BASE)
    text = write_bundle_json(bundle).replace("MRN-0001", "MRN-0002")
    keep = [
        e
        for e in json.loads(text)["entry"]
        if e["resource"]["resourceType"] in ("Patient", "Observation")
    ]
    batch = read_fhir_text(
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": keep})
    )
    result = import_batch(batch, ward.users["prescriber"], ward.uow(), ward.clock())
    assert result.created_patient and result.patient_id != ward.patient_id
    copy = get_patient_course(ward.uow(), ward.users["admin"], result.patient_id)
    assert copy.patient.mrn == "MRN-0002"
    assert {o.code for o in copy.observations} == {o.code for o in stored.observations}


def test_cli_export_and_import(sqlite_ward: Ward, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`fhir export` writes a Bundle; `fhir import` of a bad file exits 2 naming the entry."""
    ward = sqlite_ward
    start_running(ward)
    url = str(ward.services.engine.url)
    monkeypatch.setenv("ANAKINRA_DATABASE_URL", url)
    runner = CliRunner()
    out = tmp_path / "course.json"
    args = ["fhir", "export", "--patient", str(ward.patient_id), "--out", str(out)]
    result = runner.invoke(app, [*args, "--user", "admin"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["resourceType"] == "Bundle"
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"resourceType": "Observation", "status": "final"}\n')
    result = runner.invoke(app, ["fhir", "import", str(bad), "--user", "nurse"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "error: resource (Observation) is malformed: code" in result.stderr
    result = runner.invoke(app, [*args, "--user", "nobody"])
    assert result.exit_code == 2 and "'user' 'nobody' does not exist" in result.stderr
