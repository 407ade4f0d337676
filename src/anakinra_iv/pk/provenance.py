"""Reading the clinical numbers of the pharmacokinetic data files, each with its provenance.

Every number in ``pk/data/*.yaml`` is written as a value: ``value``, ``unit``, ``status`` (one of
the project's five: published, precedent, regulatory, derived, site-decision), ``source`` (an
evidence-registry key) and an optional ``note`` explaining it. A :class:`ValueReader` checks each
one and collects every problem of a file, so that a file is refused with all its problems at once,
each naming the file, the item and the field.

Examples
--------
>>> reader = ValueReader("demo")
>>> v = reader.read({"value": 8.2, "unit": "L/h", "status": "published", "source": "yang-2003"},
...                 where="parameters.CL", label="parameter 'CL'", unit="L/h")
>>> v.status, v.source, v.value
('published', 'yang-2003', 8.2)
>>> reader.read({"value": 5, "unit": "L", "status": "inferred", "source": "pk-calibration"},
...             where="parameters.V1", label="parameter 'V1'")
>>> reader.problems[0].message
"demo: parameter 'V1': 'status' must be one of published, precedent, regulatory, derived, \
site-decision (got 'inferred')"
>>> reader.problems[0].field
'parameters.V1.status'
"""

from __future__ import annotations

import pint
from pydantic import ValidationError

from anakinra_iv.errors import DatasetError, ProblemList
from anakinra_iv.evidence import has_entry
from anakinra_iv.protocol.values import STATUSES, Value

__all__ = ["ValueReader"]

_VALUE_KEYS = ("value", "unit", "status", "source", "note")


class ValueReader:
    """Reads values with provenance from one data file and collects the problems found.

    Parameters
    ----------
    origin
        What the file is, for messages (a model name, ``renal.yaml``).
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[DatasetError] = []

    def problem(self, where: str, label: str, message: str, value: object = None) -> None:
        """Record a problem about ``label`` at the dotted path ``where``."""
        self.problems.append(
            DatasetError(f"{self.origin}: {label}: {message}", column=where, value=value)
        )

    def read(self, raw: object, *, where: str, label: str, unit: str | None = None) -> Value | None:
        """The value at ``where``, or ``None`` (and recorded problems) if it is not valid.

        Parameters
        ----------
        raw
            The mapping read from YAML.
        where
            Its dotted path in the file (``parameters.CL``), used as the problems' field.
        label
            How messages name it (``parameter 'CL'``).
        unit
            When given, the value must convert to this unit.
        """
        if not isinstance(raw, dict):
            self.problem(
                where,
                label,
                f"must be a mapping with {', '.join(_VALUE_KEYS[:4])} (got {raw!r})",
                raw,
            )
            return None
        found = len(self.problems)
        status, source = raw.get("status"), raw.get("source")
        if status is None:
            self.problem(f"{where}.status", label, "'status' is missing")
        elif status not in STATUSES:
            self.problem(
                f"{where}.status",
                label,
                f"'status' must be one of {', '.join(STATUSES)} (got {status!r})",
                status,
            )
        if source is None:
            self.problem(f"{where}.source", label, "'source' is missing")
        elif not isinstance(source, str) or not has_entry(source):
            self.problem(
                f"{where}.source",
                label,
                f"'source' cites {source!r}, which is not in the evidence registry",
                source,
            )
        try:
            value = Value.model_validate(raw)
        except ValidationError as error:
            for item in error.errors():
                name = ".".join(str(part) for part in item["loc"])
                if name in ("status", "source") and len(self.problems) > found:
                    continue
                self.problem(
                    f"{where}.{name}",
                    label,
                    f"'{name}': {item['msg']} (got {item.get('input')!r})",
                    item.get("input"),
                )
            return None
        if len(self.problems) > found:
            return None
        if unit is not None:
            try:
                value.quantity.to(unit)
            except pint.errors.DimensionalityError:
                self.problem(
                    f"{where}.unit", label, f"'unit' must convert to {unit} (got {value.unit!r})"
                )
                return None
        return value

    def raise_if_any(self) -> None:
        """Refuse the file if any problem was found (several at once as a ProblemList)."""
        ProblemList.raise_if_any(self.problems)
