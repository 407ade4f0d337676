"""The stored course as interop values; the patient of a stored record; FHIR import intake."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import UnknownItem
from anakinra_iv.workflow.course import get_patient_course
from anakinra_iv.workflow.queries import find_patient_id
from tests.workflow_support.fixtures import Ward, start_running


def test_course_holds_order_bag_segment_and_audit_for_admin_only(ward: Ward) -> None:
    """Step 3: 1,200 mg/day = 50 mg/h; bag 600 mg (50 mg/h x 12 h); the nurse sees no audit."""
    order_id, bag_id = start_running(ward)
    course = get_patient_course(ward.uow(), ward.users["admin"], ward.patient_id)
    (order,) = course.orders
    (bag,) = course.bags
    assert (order.id, order.daily_dose_mg_per_day, order.rate_mg_per_h) == (str(order_id), 1200, 50)
    assert (bag.id, bag.drug_amount_mg) == (str(bag_id), 600)
    assert [s.event for s in course.segments] == ["start"]
    assert {"patient", "order", "bag"} <= {e.entity_type for e in course.audit_events}
    nurse = get_patient_course(ward.uow(), ward.users["nurse"], ward.patient_id)
    assert nurse.audit_events == () and nurse.orders == course.orders


def test_patient_of_each_stored_record(ward: Ward) -> None:
    """Observation, order and bag all lead back to the ward's one patient."""
    order_id, bag_id = start_running(ward)
    with ward.uow() as uow:
        observation_id = uow.observations.list_for_patient(ward.patient_id)[0].id
    viewer = ward.users["viewer"]
    for record, record_id in (
        ("patient", ward.patient_id),
        ("observation", observation_id),
        ("order", order_id),
        ("bag", bag_id),
    ):
        assert find_patient_id(ward.uow(), viewer, record, record_id) == ward.patient_id


def test_unknown_record_or_id_is_not_found(ward: Ward) -> None:
    """An id that does not exist, or a kind of record that has no patient, is UnknownItem."""
    with pytest.raises(UnknownItem, match="bag 999"):
        find_patient_id(ward.uow(), ward.users["viewer"], "bag", 999)
    with pytest.raises(UnknownItem) as caught:
        find_patient_id(ward.uow(), ward.users["viewer"], "user", 1)
    assert caught.value.field == "record"
