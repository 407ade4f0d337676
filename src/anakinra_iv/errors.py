"""One error tree for the whole package.

Every error names the field it is about, the value that was refused and, where one applies, the
limit it broke, so that a message can be shown to a clinician as it is::

    AnakinraError
    ├── InvalidInput (ValueError)            a value at an edge is missing, malformed or implausible
    │   ├── UnitMismatch                     unknown unit, or a unit of the wrong dimension
    │   ├── DatasetError                     a data file is malformed (row, column)
    │   └── FhirImportError                  a FHIR resource cannot be imported (position, reason)
    ├── ProtocolError (ValueError)           a protocol file breaks the schema or provenance rules
    ├── UnknownItem (LookupError)            an unknown protocol, model, score, record ...
    ├── DoseLimitExceeded (ValueError)       a dose or rate beyond a hard limit: refused
    ├── OverrideRequired (ValueError)        a soft limit is breached and no reason was given
    ├── ProblemList (ValueError)             several of the above at once (``problems``)
    ├── PermissionDenied (PermissionError)   the user's role or separation of duties forbids it
    ├── InvalidTransition                    the action does not fit the current state
    └── ConflictError                        somebody else changed the record first

The shell (command line, web) maps these to exit codes and HTTP statuses; nothing below it
raises anything else for a problem with the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "AnakinraError",
    "ConflictError",
    "DatasetError",
    "DoseLimitExceeded",
    "FhirImportError",
    "InvalidInput",
    "InvalidTransition",
    "OverrideRequired",
    "PermissionDenied",
    "ProblemList",
    "ProtocolError",
    "UnitMismatch",
    "UnknownItem",
    "list_problems",
]


class AnakinraError(Exception):
    """Base of every error the package raises on purpose.

    Parameters
    ----------
    message
        A complete sentence for a person, naming the field.
    field
        The name of the input the problem is about (``"weight"``, ``"bag.rate_ml_per_h"``).
    value
        The value that was refused, as given.
    limit
        The limit it broke, where there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        limit: object = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.limit = limit

    def __str__(self) -> str:
        return self.message


class InvalidInput(AnakinraError, ValueError):
    """A value at an edge is missing, malformed or implausible."""


class UnitMismatch(InvalidInput):
    """A unit is unknown, or of the wrong dimension for the field."""


class DatasetError(InvalidInput):
    """A data file (a NONMEM-style dataset, a registry table) is malformed.

    ``row`` (1-based data row) and ``column`` say where.
    """

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message, field=column, value=value)
        self.row = row
        self.column = column


class FhirImportError(InvalidInput):
    """A FHIR resource cannot be imported; ``position`` says which entry."""

    def __init__(self, message: str, *, position: str | None = None, value: object = None) -> None:
        super().__init__(message, field=position, value=value)
        self.position = position


class ProtocolError(AnakinraError, ValueError):
    """A protocol file breaks the schema or the provenance rules."""


class UnknownItem(AnakinraError, LookupError):
    """Something was asked for by a name or id that does not exist."""


class DoseLimitExceeded(AnakinraError, ValueError):
    """A dose or rate beyond a hard limit. It is refused, never rounded down silently."""


class OverrideRequired(AnakinraError, ValueError):
    """A soft limit is breached and no override reason was given."""


class PermissionDenied(AnakinraError, PermissionError):
    """The user's role, or separation of duties, forbids the action."""


class InvalidTransition(AnakinraError):
    """The action does not fit the current state of the record."""


class ConflictError(AnakinraError):
    """Somebody else changed the record first (optimistic locking)."""


class ProblemList(AnakinraError, ValueError):
    """Several problems found at once; ``problems`` keeps each, in the order found."""

    def __init__(self, problems: Sequence[AnakinraError]) -> None:
        self.problems: list[AnakinraError] = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def raise_if_any(cls, problems: Iterable[AnakinraError]) -> None:
        """Raise a ProblemList if ``problems`` is not empty (a single problem is raised as is)."""
        found = list(problems)
        if len(found) == 1:
            raise found[0]
        if found:
            raise cls(found)

    def __iter__(self) -> Iterator[AnakinraError]:
        return iter(self.problems)


def list_problems(error: AnakinraError) -> list[AnakinraError]:
    """The single problems inside ``error`` (itself, unless it is a ProblemList)."""
    if isinstance(error, ProblemList):
        return [p for inner in error.problems for p in list_problems(inner)]
    return [error]
