"""Labs in the right units, plausible patients, one patient per person (issue 15 §2-3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from anakinra_iv.records.tables import Observation, Patient
from anakinra_iv.workflow.patient_checks import normalise_mrn
from tests.web.conftest import Api

WRONG_UNITS = ["5 kg", "3 mL", "2 mol", "10 mg/h"]
LABS = ["ferritin", "crp", "anc", "platelets"]


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_labs_in_units_that_do_not_convert_are_refused(api: Api, engine: Engine) -> None:
    """Ferritin, CRP, ANC and platelets in kg, mL, mol or mg/h: 16 refusals (422) naming
    'value' and the analyte; nothing stored, so nothing reaches a recommendation."""
    url = f"/api/patients/{api.ward.patient_id}/observations"
    before = _count(engine, Observation)
    for lab in LABS:
        for value in WRONG_UNITS:
            body = {"name": lab, "value": value, "collected_at": "2026-01-05T07:00:00Z"}
            response = api.post("nurse", url, body)
            assert response.status_code == 422, (lab, value, response.text)
            assert response.json()["field"] == "value" and lab in response.json()["message"]
    assert _count(engine, Observation) == before


@pytest.mark.parametrize(
    ("name", "typed", "stored"),
    [
        ("ferritin", "2.4 ug/mL", "2400 ng/mL"),
        ("crp", "12 mg/dl", "120 mg/L"),
        ("platelets", "95000 /mm3", "95 10*9/L"),
        ("creatinine", "1,250 umol/L", "14.14 mg/dL"),
    ],
)
def test_labs_are_stored_in_the_catalogue_unit(
    api: Api, name: str, typed: str, stored: str
) -> None:
    """Hand conversions: 2.4 ug/mL = 2400 ng/mL; 12 mg/dL = 120 mg/L; 95,000/mm3 = 95 x 10^9/L;
    1,250 umol/L (a thousands comma) = 1250 / 88.4 = 14.14 mg/dL (creatinine 113.12 g/mol)."""
    url = f"/api/patients/{api.ward.patient_id}/observations"
    body = {"name": name, "value": typed, "collected_at": "2026-01-05T07:00:00Z"}
    response = api.post("nurse", url, body)
    assert response.status_code == 201, response.text
    assert response.json()["value"] == stored


def test_ambiguous_comma_and_unknown_lab_are_refused(api: Api) -> None:
    """'1,2 mg/dL' could be 1.2 or 12 (a tenfold error either way): refused, asking for a decimal
    point; a misspelt lab is refused naming 'name'."""
    url = f"/api/patients/{api.ward.patient_id}/observations"
    at = "2026-01-05T07:00:00Z"
    comma = api.post("nurse", url, {"name": "creatinine", "value": "1,2 mg/dL", "collected_at": at})
    typo = api.post("nurse", url, {"name": "ferritine", "value": "900 ng/mL", "collected_at": at})
    assert comma.status_code == 422 and "decimal point" in comma.json()["message"]
    assert typo.status_code == 422 or typo.status_code == 404
    assert typo.json()["field"] == "name"


def _patient(**overrides: object) -> dict[str, object]:
    return {
        "mrn": "MRN-7000",
        "name": "Roe, Ann",
        "birth_date": "1980-05-01",
        "sex": "female",
        "weight": "70 kg",
    } | overrides


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("height", "1e12 cm"),
        ("height", "1.75 cm"),
        ("birth_date", "0001-01-01"),
        ("birth_date", "1899-12-31"),
        ("weight", "0.01 kg"),
        ("weight", "7000 kg"),
        ("creatinine", "500 mg/dL"),
    ],
)
def test_implausible_patient_fields_are_refused(
    api: Api, engine: Engine, field: str, value: str
) -> None:
    """Each implausible field: 422 naming it; no patient stored."""
    before = _count(engine, Patient)
    response = api.post("prescriber", "/api/patients", _patient(**{field: value}))
    assert response.status_code == 422, response.text
    fields = [response.json()["field"]] + [p["field"] for p in response.json().get("problems", [])]
    assert field in fields
    assert _count(engine, Patient) == before


@pytest.mark.parametrize(
    "look_alike",
    [
        "MRN-0001\u200b",
        "mrn-0001",
        "MRN\u20110001",
        "MRN\u22120001",
        "ＭＲＮ－０００１",
        " MRN-0001 ",
    ],
    ids=[
        "zero-width-space",
        "lower-case",
        "non-breaking-hyphen",
        "minus-sign",
        "full-width",
        "spaces",
    ],
)
def test_look_alike_mrn_is_the_same_patient(api: Api, engine: Engine, look_alike: str) -> None:
    """The ward's patient is MRN-0001; a registration under a look-alike is 409 naming 'mrn',
    and nothing is stored."""
    before = _count(engine, Patient)
    response = api.post("prescriber", "/api/patients", _patient(mrn=look_alike))
    assert response.status_code == 409 and response.json()["field"] == "mrn", response.text
    assert _count(engine, Patient) == before


_INVISIBLE = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u2060", " ", "\u00a0"]
)
_DASH = st.sampled_from(["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\uff0d"])


@given(
    letters=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=5),
    digits=st.text(alphabet="0123456789", min_size=1, max_size=8),
    dash=_DASH,
    noise=st.lists(st.tuples(st.integers(0, 20), _INVISIBLE), max_size=4),
    lower=st.booleans(),
)
def test_any_look_alike_of_an_mrn_normalises_to_it(
    letters: str, digits: str, dash: str, noise: list[tuple[int, str]], lower: bool
) -> None:
    """Property: an MRN written with any dash, any invisible or space characters anywhere and
    either case has the normal form of the plain one; the normal form is a fixed point."""
    plain = f"{letters}-{digits}"
    typed = f"{letters.lower() if lower else letters}{dash}{digits}"
    for position, char in noise:
        at = position % (len(typed) + 1)
        typed = typed[:at] + char + typed[at:]
    assert normalise_mrn(typed, case="upper") == normalise_mrn(plain, case="upper") == plain
    assert normalise_mrn(normalise_mrn(typed)) == normalise_mrn(typed)
