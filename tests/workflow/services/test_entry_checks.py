"""One catalogue check for every entry path, duplicate lots refused by name (any spelling),
one row per syringe from the worksheet, and an import of the same observations twice storing
them once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anakinra_iv.errors import InvalidInput
from anakinra_iv.interop.fhir_import import ImportedObservation
from anakinra_iv.workflow.commands import (
    PrepareBag,
    RecordObservation,
    RecordPatientObservations,
    SyringeEntry,
)
from anakinra_iv.workflow.services import (
    prepare_bag,
    record_observation,
    record_patient_observations,
)
from anakinra_iv.workflow.services.pharmacy import normalise_lot, read_distinct_lots
from tests.workflow_support.fixtures import Ward, prescribe_step, verify


def _observation_count(ward: Ward) -> int:
    with ward.uow() as uow:
        return uow.observations.count()


@pytest.mark.parametrize(
    ("name", "code", "suggestion"),
    [("feritin", None, "ferritin"), ("Ferritn", None, "ferritin"), (None, "2276-5", None)],
)
def test_a_misspelt_analyte_is_refused_with_the_closest_names(
    ward: Ward, name: str | None, code: str | None, suggestion: str | None
) -> None:
    """'feritin' (the web form's typo) is refused naming the field and suggesting 'ferritin';
    an unknown LOINC code is refused too; nothing is stored."""
    before = _observation_count(ward)
    with pytest.raises(InvalidInput) as caught:
        record_observation(
            RecordObservation(
                ward.users["nurse"], ward.patient_id, "2400 ng/mL", ward.clock(), code, name
            ),
            ward.uow(),
            ward.clock(),
        )
    assert caught.value.field == ("name" if name else "code")
    if suggestion:
        assert f"did you mean {suggestion}" in caught.value.message
    assert _observation_count(ward) == before


def test_the_value_is_checked_for_the_analyte(ward: Ward) -> None:
    """Ferritin in mg/dL (a unit of another dimension for ferritin's assay) and a code that
    disagrees with the name are refused."""
    for code, name, value in (
        (None, "ferritin", "2400 kg"),
        ("2276-4", "crp", "2400 ng/mL"),
    ):
        with pytest.raises(InvalidInput):
            record_observation(
                RecordObservation(
                    ward.users["nurse"], ward.patient_id, value, ward.clock(), code, name
                ),
                ward.uow(),
                ward.clock(),
            )


def test_the_same_observations_imported_twice_are_stored_once(ward: Ward) -> None:
    """The second intake of the same ferritin and CRP (code, time, value) adds nothing and counts
    them as duplicates; a new value at the same time is stored."""
    at = ward.clock() - timedelta(hours=2)
    batch = RecordPatientObservations(
        ward.users["nurse"],
        (
            RecordObservation(0, 0, "2400 ng/mL", at, code="2276-4"),
            RecordObservation(0, 0, "85 mg/L", at, code="1988-5"),
        ),
        patient_id=ward.patient_id,
    )
    first = record_patient_observations(batch, ward.uow(), ward.clock())
    second = record_patient_observations(batch, ward.uow(), ward.clock())
    assert (len(first.observation_ids), first.duplicates) == (2, 0)
    assert (second.observation_ids, second.duplicates) == ((), 2)
    changed = RecordPatientObservations(
        ward.users["nurse"],
        (RecordObservation(0, 0, "2500 ng/mL", at, code="2276-4"),),
        patient_id=ward.patient_id,
    )
    assert len(record_patient_observations(changed, ward.uow(), ward.clock()).observation_ids) == 1


def test_fhir_import_of_one_file_twice_adds_nothing_the_second_time(ward: Ward) -> None:
    """Through the FHIR import path (course.import_batch), the same batch twice: once stored."""
    from anakinra_iv.interop.fhir_import import ImportBatch
    from anakinra_iv.workflow.course import import_batch

    at = ward.clock() - timedelta(hours=1)
    batch = ImportBatch(
        None,
        (
            ImportedObservation(
                "entry[0]", "ferritin", "2276-4", 2400.0, "ng/mL", "2400 ng/mL", at, None
            ),
        ),
    )
    first = import_batch(batch, ward.users["nurse"], ward.uow(), ward.clock(), patient_id=1)
    before = _observation_count(ward)
    second = import_batch(batch, ward.users["nurse"], ward.uow(), ward.clock(), patient_id=1)
    assert len(first.observation_ids) == 1 and second.observation_ids == ()
    assert _observation_count(ward) == before


_LOT = st.text(alphabet="ABCDEFGHJK0123456789", min_size=2, max_size=8)


@given(
    lots=st.lists(_LOT, min_size=1, max_size=6, unique_by=normalise_lot),
    pick=st.integers(min_value=0, max_value=5),
    spelling=st.sampled_from(["same", "lower", "spaced"]),
)
def test_any_lot_listed_twice_in_any_spelling_is_refused_by_name(
    lots: list[str], pick: int, spelling: str
) -> None:
    """Property: distinct lots pass unchanged; adding one of them again (same, lower case, or
    with spaces) is refused naming that lot."""
    assert read_distinct_lots(tuple(lots)) == tuple(lots)
    lot = lots[pick % len(lots)]
    again = {"same": lot, "lower": lot.lower(), "spaced": f" {lot[:1]} {lot[1:]} "}[spelling]
    with pytest.raises(InvalidInput) as caught:
        read_distinct_lots((*lots, again))
    assert caught.value.field == "syringe_lots" and "listed twice" in caught.value.message


def test_worksheet_rows_one_per_syringe_with_expiry(ward: Ward) -> None:
    """Step 3: a 600 mg bag opens ceil(600 / 100) = 6 syringes. Five rows are refused; a syringe
    expiring before the bag's beyond-use date is refused; one lot on two rows is a lot used
    twice (allowed here) but not with two expiry dates; six good rows are stored with the
    distinct lots."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    good = date(2027, 6, 30)

    def prepare(entries: tuple[SyringeEntry, ...]):  # type: ignore[no-untyped-def]
        return prepare_bag(
            PrepareBag(ward.users["pharmacist"], order_id, ward.clock(), (), entries),
            ward.uow(),
            ward.services.calculator,
            ward.clock(),
        )

    six = tuple(SyringeEntry("AB1", good) for _ in range(3)) + tuple(
        SyringeEntry("CD2", good) for _ in range(3)
    )
    with pytest.raises(InvalidInput, match="opens 6 syringes"):
        prepare(six[:5])
    with pytest.raises(InvalidInput, match="before the bag's beyond-use"):
        prepare((*six[:5], SyringeEntry("EF3", ward.clock().date() - timedelta(days=1))))
    with pytest.raises(InvalidInput, match="two expiry dates"):
        prepare((*six[:5], SyringeEntry("AB1", date(2027, 1, 1))))
    bag = prepare(six)
    assert bag.syringe_lots == ("AB1", "CD2") and len(bag.syringes) == 6
    assert bag.syringes[0] == {"lot": "AB1", "expiry": "2027-06-30"}


@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=14))
def test_any_name_the_catalogue_does_not_know_is_refused(name: str) -> None:
    """Property: a name that is no analyte's name, alias or code is refused naming the field;
    a known one is read as its analyte."""
    from anakinra_iv.assessment.catalogue import get_catalogue
    from anakinra_iv.workflow.services.patients import find_catalogued_analyte

    known = {
        key for analyte in get_catalogue().analytes for key in (analyte.name, *analyte.aliases)
    }
    if name.replace("-", "_") in known:
        assert find_catalogued_analyte(name, field="name").name
        return
    with pytest.raises(InvalidInput) as caught:
        find_catalogued_analyte(name, field="name")
    assert caught.value.field == "name" and f"'{name}'" in caught.value.message
