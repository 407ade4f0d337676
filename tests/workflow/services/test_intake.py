"""A patient and several observations stored in one unit of work, all or nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from anakinra_iv.errors import AnakinraError, ConflictError, InvalidInput, UnknownItem
from anakinra_iv.units import Q_
from anakinra_iv.workflow.commands import (
    CreatePatient,
    RecordObservation,
    RecordPatientObservations,
)
from anakinra_iv.workflow.services import create_patient, record_patient_observations
from tests.workflow_support.fixtures import Ward


def _new(ward: Ward, mrn: str = "MRN-0002", weight: float | None = 82.0, **kw: object):  # type: ignore[no-untyped-def]
    return CreatePatient(
        ward.users["prescriber"],
        mrn,
        "Roe, Ann",
        date(1980, 6, 1),
        "male",
        None if weight is None else Q_(weight, "kg"),
        **kw,  # type: ignore[arg-type]
    )


def _lab(ward: Ward, value: str, hours_ago: float, code: str = "2276-4") -> RecordObservation:
    at = ward.clock() - timedelta(hours=hours_ago)
    return RecordObservation(ward.users["prescriber"], 0, value, at, code=code)


def _count(ward: Ward) -> tuple[int, int]:
    with ward.uow() as uow:
        return uow.patients.count(), len(uow.observations.list_for_patient(ward.patient_id))


def test_new_patient_and_labs_are_stored_together(ward: Ward) -> None:
    """Registration (weight collected 3 h ago) plus two labs: 3 observations, the weight at the
    time it was collected, not the time of registration."""
    weighed = ward.clock() - timedelta(hours=3)
    result = record_patient_observations(
        RecordPatientObservations(
            ward.users["prescriber"],
            (_lab(ward, "2400 ng/mL", 2), _lab(ward, "120 mg/L", 2, "1988-5")),
            patient=_new(ward, weight_collected_at=weighed),
        ),
        ward.uow(),
        ward.clock(),
    )
    assert result.created_patient and len(result.observation_ids) == 2
    with ward.uow() as uow:
        stored = uow.observations.list_for_patient(result.patient_id)
        assert [(o.code, o.magnitude) for o in stored] == [
            ("29463-7", 82.0),
            ("2276-4", 2400.0),
            ("1988-5", 120.0),
        ]
        assert stored[0].collected_at == weighed


def test_one_bad_observation_stores_no_patient_and_no_lab(ward: Ward) -> None:
    """A lab collected in the future is refused; the new patient is not registered either."""
    before = _count(ward)
    with pytest.raises(InvalidInput, match="collected_at"):
        record_patient_observations(
            RecordPatientObservations(
                ward.users["prescriber"],
                (_lab(ward, "2400 ng/mL", 2), _lab(ward, "2500 ng/mL", -1)),
                patient=_new(ward),
            ),
            ward.uow(),
            ward.clock(),
        )
    assert _count(ward) == before


def test_failure_after_the_patient_is_added_rolls_it_back(ward: Ward) -> None:
    """The MRN is free but the registration is invalid (birth date in the future): nothing."""
    before = _count(ward)
    future = ward.clock().date() + timedelta(days=1)
    with pytest.raises(AnakinraError, match="birth_date"):
        record_patient_observations(
            RecordPatientObservations(
                ward.users["prescriber"],
                (_lab(ward, "2400 ng/mL", 2),),
                patient=CreatePatient(
                    ward.users["prescriber"], "MRN-0003", "Poe, Al", future, "male", Q_(70, "kg")
                ),
            ),
            ward.uow(),
            ward.clock(),
        )
    assert _count(ward) == before


def test_known_mrn_with_other_birth_date_is_a_conflict(ward: Ward) -> None:
    """MRN-0001 is the ward's patient, born 1971-03-02: a batch saying 1980-06-01 is refused."""
    before = _count(ward)
    with pytest.raises(ConflictError, match="MRN-0001"):
        record_patient_observations(
            RecordPatientObservations(
                ward.users["nurse"],
                (_lab(ward, "2400 ng/mL", 2),),
                patient=_new(ward, "MRN-0001"),
                label="entry 1 (Patient)",
            ),
            ward.uow(),
            ward.clock(),
        )
    assert _count(ward) == before


def test_known_patient_gets_the_weight_and_labs(ward: Ward) -> None:
    """A batch naming the ward's patient by MRN adds its weight (newer than the 70 kg at
    registration) and labs to that patient."""
    ward.clock.advance(hours=2)
    weighed = ward.clock() - timedelta(hours=1)
    patient = CreatePatient(
        ward.users["nurse"],
        "MRN-0001",
        "Doe, Jane",
        date(1971, 3, 2),
        "female",
        Q_(68, "kg"),
        weight_collected_at=weighed,
    )
    result = record_patient_observations(
        RecordPatientObservations(
            ward.users["nurse"], (_lab(ward, "2400 ng/mL", 2),), patient=patient
        ),
        ward.uow(),
        ward.clock(),
    )
    assert (result.patient_id, result.created_patient) == (ward.patient_id, False)
    with ward.uow() as uow:
        weight = uow.observations.find_latest(ward.patient_id, "29463-7")
        assert weight is not None and (weight.magnitude, weight.collected_at) == (68.0, weighed)


def test_new_patient_without_weight_is_refused(ward: Ward) -> None:
    """A new MRN and no body weight: the error names the batch entry."""
    with pytest.raises(UnknownItem, match="entry 2"):
        record_patient_observations(
            RecordPatientObservations(
                ward.users["prescriber"],
                (),
                patient=_new(ward, weight=None),
                label="entry 2 (Patient)",
            ),
            ward.uow(),
            ward.clock(),
        )


def test_create_patient_takes_the_weight_collection_time(ward: Ward) -> None:
    """CreatePatient with weight_collected_at stores the weight at that time (1 day ago)."""
    weighed = ward.clock() - timedelta(days=1)
    view = create_patient(
        _new(ward, "MRN-0009", weight_collected_at=weighed), ward.uow(), ward.clock()
    )
    assert [(o.code, o.collected_at) for o in view.observations] == [("29463-7", weighed)]


def test_weight_collected_in_the_future_is_refused(ward: Ward) -> None:
    """A weight 'collected' tomorrow names the field weight_collected_at."""
    with pytest.raises(AnakinraError) as caught:
        create_patient(
            _new(ward, "MRN-0010", weight_collected_at=ward.clock() + timedelta(days=1)),
            ward.uow(),
            ward.clock(),
        )
    assert "weight_collected_at" in str(caught.value)
