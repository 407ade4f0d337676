"""The bedside assessment pages from the user's seat: a forged form changes nothing, a viewer
gets no form and is refused, every item left empty is refused by its label, and the page never
shows a grade for a refused entry."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Api

FILLED = {
    "orientation": "4",
    "naming": "3",
    "following_commands": "1",
    "writing": "1",
    "attention": "1",
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": "no",
    "raised_icp": "none",
    "attributable_to_other_cause": "no",
}


def _sign_in(api: Api, username: str) -> str:
    response = api.client.post(
        "/login",
        data={"username": username, "password": "correct-horse-battery", "next": "/"},
        follow_redirects=True,
    )
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match is not None
    return match.group(1)


def _count(api: Api) -> int:
    with api.ward.uow() as uow:
        return uow.toxicity.count()


def _post(api: Api, csrf: str, data: dict[str, str], kind: str = "icans"):  # type: ignore[no-untyped-def]
    return api.client.post(
        f"/patients/{api.ward.patient_id}/assessments/{kind}",
        data={**data, "collected_at": "2026-01-05T08:00", "csrf_token": csrf},
        follow_redirects=True,
    )


def test_forged_form_and_viewer_change_nothing(api: Api) -> None:
    """A forged CSRF token is refused; a viewer sees the assessments but no form, and a post
    is refused; nothing is stored."""
    _sign_in(api, "rn_cy")
    assert "The form expired" in _post(api, "forged", FILLED).text
    csrf = _sign_in(api, "viewer")
    page = api.client.get(f"/patients/{api.ward.patient_id}/assessments/icans")
    assert page.status_code == 200 and 'id="assessment-form"' not in page.text
    refused = _post(api, csrf, FILLED)
    assert "There is a problem" in refused.text
    assert _count(api) == 0
    assert api.client.get(f"/patients/{api.ward.patient_id}/assessments/mood").status_code == 404


@pytest.mark.parametrize("left_empty", sorted(FILLED))
def test_each_item_left_empty_is_refused_by_its_label(api: Api, left_empty: str) -> None:
    """Whichever single item is left empty, the entry is refused naming that item (linked to its
    field), nothing is stored and no grade is shown."""
    csrf = _sign_in(api, "rn_cy")
    response = _post(api, csrf, {k: v for k, v in FILLED.items() if k != left_empty})
    assert f'href="#f-{left_empty}"' in response.text
    assert "is missing" in response.text
    assert "No assessment recorded." in response.text
    assert re.search(r"ICANS grade \d", response.text) is None
    assert _count(api) == 0


def test_complete_entry_is_graded(api: Api) -> None:
    """ICE 10 with every domain normal is ICANS grade 0 (Lee 2019)."""
    csrf = _sign_in(api, "rn_cy")
    response = _post(api, csrf, FILLED)
    assert "Assessment recorded" in response.text and "ICANS grade 0" in response.text
    assert "ICE 10" in response.text and _count(api) == 1
