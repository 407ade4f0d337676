"""Reading a file of observations and clinical findings (CSV), one result per row.

Columns: ``analyte`` (short name, alias or LOINC code, or a clinical flag such as
``suspected_serious_infection``), ``value`` (``"2400 ng/mL"``; for a flag ``true`` or ``false``),
optionally ``unit`` (then ``value`` is the bare number), ``collected_at`` (ISO 8601 with a
timezone) and optionally ``source``. Every bad row is reported, each naming its row and analyte.

Examples
--------
>>> observations, findings = read_observations_csv(
...     "analyte,value,collected_at\\n"
...     "ferritin,2400 ng/mL,2024-03-01T06:00Z\\n"
...     "platelets,95 10*9/L,2024-03-01T06:00Z\\n"
...     "suspected_serious_infection,false,2024-03-01T08:00Z\\n")
>>> [(o.analyte, o.magnitude) for o in observations], findings[0].present
([('ferritin', 2400.0), ('platelets', 95.0)], False)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from anakinra_iv.assessment.catalogue import is_flag
from anakinra_iv.assessment.observations import Observation, create_observation
from anakinra_iv.errors import AnakinraError, InvalidInput, ProblemList, UnknownItem

__all__ = ["Finding", "read_observations_csv", "read_timestamp"]

_TRUE = {"true", "yes", "1", "present"}
_FALSE = {"false", "no", "0", "absent"}
_REQUIRED = ("analyte", "value", "collected_at")


@dataclass(frozen=True)
class Finding:
    """A clinical finding recorded present or absent at a time (a flag the rules can test)."""

    name: str
    present: bool
    recorded_at: datetime
    source: str = ""


def read_timestamp(text: str, *, field: str) -> datetime:
    """Read an ISO 8601 time that carries a timezone (``Z`` or ``+01:00``).

    Raises
    ------
    InvalidInput
        Not ISO 8601, or without a timezone.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"'{field}' must be an ISO 8601 time such as 2024-03-01T06:00Z (got '{text}')",
            field=field,
            value=text,
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"'{field}' must carry a timezone, such as Z or +01:00 (got '{text}')",
            field=field,
            value=text,
        )
    return moment


def read_observations_csv(text: str) -> tuple[tuple[Observation, ...], tuple[Finding, ...]]:
    """Parse CSV text into observations and findings.

    Raises
    ------
    ProblemList, InvalidInput
        Missing columns, unknown analytes, unreadable values or times; each problem names its
        row (1 = first data row) and analyte.
    """
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or ()]
    absent = [c for c in _REQUIRED if c not in columns]
    if absent:
        raise InvalidInput(
            f"'observations' needs the columns {', '.join(_REQUIRED)} (missing: "
            f"{', '.join(absent)})",
            field="observations",
        )
    observations: list[Observation] = []
    findings: list[Finding] = []
    problems: list[AnakinraError] = []
    for number, raw in enumerate(reader, start=1):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        name = row["analyte"]
        field = f"observations row {number} ({name or 'no analyte'})"
        try:
            at = read_timestamp(row["collected_at"], field=f"{field} collected_at")
            if is_flag(name):
                findings.append(_finding(name, row["value"], at, row.get("source", ""), field))
                continue
            value = row["value"]
            if row.get("unit"):
                value = f"{value} {row['unit']}"
            observations.append(
                create_observation(
                    name, value, collected_at=at, source=row.get("source", ""), field=field
                )
            )
        except UnknownItem as e:
            problems.append(InvalidInput(f"'{field}': {e.message}", field=field, value=name))
        except AnakinraError as e:
            problems.append(e)
    ProblemList.raise_if_any(problems)
    return tuple(observations), tuple(findings)


def _finding(name: str, value: str, at: datetime, source: str, field: str) -> Finding:
    lowered = value.lower()
    if lowered not in _TRUE | _FALSE:
        raise InvalidInput(
            f"'{field}' is a clinical finding: its value must be true or false (got '{value}')",
            field=field,
            value=value,
        )
    return Finding(name.strip().lower(), lowered in _TRUE, at, source)
