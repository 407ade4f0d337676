"""The error table: every domain error has an HTTP status and a code."""

from __future__ import annotations

import inspect

import pytest

import anakinra_iv.errors as errors_module
from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList
from anakinra_iv.web.errors import ERROR_TABLE, describe_error


def test_every_error_class_of_the_package_is_mapped() -> None:
    """Each AnakinraError subclass in errors.py finds a row other than the catch-all."""
    classes = [
        c
        for _, c in inspect.getmembers(errors_module, inspect.isclass)
        if issubclass(c, AnakinraError) and c is not AnakinraError
    ]
    rows = [cls for cls, _, _ in ERROR_TABLE[:-1]]
    for cls in classes:
        assert any(issubclass(cls, row) for row in rows), cls


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors_module.PermissionDenied("no"), 403, "permission_denied"),
        (errors_module.UnknownItem("no"), 404, "not_found"),
        (errors_module.ConflictError("no"), 409, "conflict"),
        (errors_module.InvalidTransition("no"), 409, "invalid_transition"),
        (errors_module.UnitMismatch("no", field="weight"), 422, "invalid_input"),
    ],
)
def test_statuses_follow_the_issue(error: AnakinraError, status: int, code: str) -> None:
    """403 role, 404 missing, 409 conflict or wrong state, 422 invalid input."""
    assert describe_error(error)[0] == status
    assert describe_error(error)[1]["code"] == code


def test_problem_list_body_lists_each_field() -> None:
    """Two problems give 'problems' with both fields; 'field' is the first one's."""
    error = ProblemList([InvalidInput("a", field="weight"), InvalidInput("b", field="sex")])
    status, body = describe_error(error)
    assert status == 422 and body["field"] == "weight"
    assert [p["field"] for p in body["problems"]] == ["weight", "sex"]
