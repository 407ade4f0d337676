"""Roles and separation of duties."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import InvalidInput, PermissionDenied
from anakinra_iv.workflow.roles import (
    Action,
    Role,
    is_allowed,
    read_roles,
    require_allowed,
    require_different_person,
)

EXPECTED = {
    Action.PRESCRIBE: {"prescriber"},
    Action.CHANGE_DOSE: {"prescriber"},
    Action.CANCEL: {"prescriber"},
    Action.DISCONTINUE: {"prescriber"},
    Action.VERIFY: {"pharmacist"},
    Action.PREPARE_BAG: {"pharmacist"},
    Action.CHECK_BAG: {"pharmacist"},
    Action.ADMINISTER: {"nurse"},
    Action.MANAGE_USERS: {"admin"},
    Action.APPROVE_PROTOCOL: {"admin"},
    Action.READ_AUDIT: {"admin"},
    Action.RESOLVE_ALERT: {"pharmacy_lead"},
    Action.READ_METRICS: {"prescriber", "pharmacist", "admin", "pharmacy_lead"},
    Action.READ: {"prescriber", "pharmacist", "nurse", "admin", "viewer", "pharmacy_lead"},
}


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("role", list(Role))
def test_single_role_matrix_follows_the_issue(role: Role, action: Action) -> None:
    """Each single role is allowed exactly the actions the issue gives it."""
    assert is_allowed({role.value}, action) == (role.value in EXPECTED[action])


def test_admin_never_orders_even_with_a_prescriber_role() -> None:
    """An admin who is also a prescriber is still refused ordering and dose changes."""
    for action in (Action.PRESCRIBE, Action.CHANGE_DOSE):
        assert not is_allowed({"admin", "prescriber"}, action)
        with pytest.raises(PermissionDenied, match="may not"):
            require_allowed("boss", {"admin", "prescriber"}, action)


def test_same_person_is_refused_by_separation_of_duties() -> None:
    """The same user id on both sides of a rule raises; different ids pass; a rule may name
    several earlier people (who ordered and who changed the dose), any of whom is refused."""
    require_different_person(1, 2, rule="r")
    require_different_person(1, (2, None), rule="r")
    with pytest.raises(PermissionDenied, match="r"):
        require_different_person(3, 3, rule="r")
    with pytest.raises(PermissionDenied, match="r"):
        require_different_person(3, (1, 3), rule="r")


def test_unknown_role_name_is_refused_naming_the_field() -> None:
    """'surgeon' is not a role; the error names 'role'."""
    with pytest.raises(InvalidInput, match="'role' must be one of") as caught:
        read_roles("surgeon")
    assert caught.value.field == "role"
