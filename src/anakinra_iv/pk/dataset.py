"""NONMEM-style event records: reading, checking, grouping by subject.

A dataset is a table with one event per row. Columns: ``ID``, ``TIME`` (h), ``EVID`` (0
observation, 1 dose, 2 other, 3 reset, 4 reset and dose), ``AMT`` (mg), ``CMT``, ``RATE`` (mg/h; -1
rate from ``MRATE``, -2 duration from ``DUR``), ``II`` (h), ``ADDL``, ``SS`` (0, 1, 2), and the
optional per-dose ``F`` (bioavailability), ``ALAG`` (lag, h), ``DUR`` (h) and ``MRATE`` (mg/h).
Any other column must be a covariate or parameter the model knows (``WT``, ``CRCL``, ``CL``
...); ``DV`` and ``MDV`` are accepted and ignored. ``.`` or an empty cell is a missing value.

Problems are reported all at once, each naming its 1-based data row and its column.

Examples
--------
>>> data = read_dataset_text("ID,TIME,EVID,AMT,CMT\\n1,0,1,100,1\\n1,2,0,0,1\\n")
>>> [(r.evid, r.time) for r in data.records]
[(1, 0.0), (0, 2.0)]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from anakinra_iv.errors import AnakinraError, DatasetError, ProblemList
from anakinra_iv.units import read_number

if TYPE_CHECKING:
    from anakinra_iv.pk.table import EventTable

__all__ = [
    "KNOWN_COLUMNS",
    "Dataset",
    "Record",
    "read_dataset",
    "read_dataset_text",
]

KNOWN_COLUMNS = (
    "ID",
    "TIME",
    "EVID",
    "AMT",
    "CMT",
    "RATE",
    "II",
    "ADDL",
    "SS",
    "F",
    "ALAG",
    "DUR",
    "MRATE",
    "DV",
    "MDV",
)
_INTEGER_COLUMNS = ("EVID", "CMT", "ADDL", "SS")


@dataclass(frozen=True)
class Record:
    """One event record (numbers in mg, h, mg/h).

    ``covariates`` holds the values of the record's extra columns (``None`` where missing).
    ``row`` is the 1-based data row (header excluded) the record came from, for messages.
    """

    id: str
    time: float
    evid: int = 0
    amt: float = 0.0
    cmt: int | None = None
    rate: float = 0.0
    ii: float = 0.0
    addl: int = 0
    ss: int = 0
    f: float | None = None
    alag: float | None = None
    dur: float | None = None
    mrate: float | None = None
    covariates: Mapping[str, float | None] = field(default_factory=dict)
    row: int = 0

    @property
    def is_dose(self) -> bool:
        """EVID 1 or 4."""
        return self.evid in (1, 4)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Records in file order, held as columns (:class:`~anakinra_iv.pk.table.EventTable`), with
    the covariate columns they carry.

    ``records`` builds the record objects on first use; the simulator reads the columns.
    """

    table: EventTable
    covariate_columns: tuple[str, ...] = ()

    @classmethod
    def from_records(
        cls, records: Sequence[Record], covariate_columns: Sequence[str] = ()
    ) -> Dataset:
        """A dataset of the given records (file order)."""
        from anakinra_iv.pk.table import table_from_records

        return cls(table_from_records(records, covariate_columns), tuple(covariate_columns))

    @cached_property
    def records(self) -> tuple[Record, ...]:
        """Every record, in file order."""
        return tuple(self.table.records_at(range(len(self.table))))

    def subjects(self) -> list[tuple[str, list[Record]]]:
        """Records grouped by ID, in order of first appearance (records keep file order)."""
        groups: dict[str, list[Record]] = {}
        for record in self.records:
            groups.setdefault(record.id, []).append(record)
        return list(groups.items())

    @property
    def observations(self) -> list[Record]:
        """EVID 0 records in file order."""
        return [r for r in self.records if r.evid == 0]


def _number(text: str) -> float | None:
    text = text.strip()
    if text in ("", "."):
        return None
    return read_number(text, field="value")


def read_dataset(path: Path | str, *, allowed_covariates: Collection[str] | None = None) -> Dataset:
    """Read and check a dataset file; see :func:`read_dataset_text`."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DatasetError(
            f"cannot read dataset '{path}': {error.strerror}", value=str(path)
        ) from None
    from anakinra_iv.pk.csv_columns import read_columns

    data = data.removeprefix(b"\xef\xbb\xbf")  # what decoding as utf-8-sig drops
    found = read_columns(data, allowed_covariates)
    if found is not None:
        return found
    return _read_records(data.decode("utf-8"), allowed_covariates)


def read_dataset_text(text: str, *, allowed_covariates: Collection[str] | None = None) -> Dataset:
    """Parse CSV text into a :class:`Dataset`, refusing malformed records.

    Parameters
    ----------
    text
        CSV with a header row.
    allowed_covariates
        Extra column names the model accepts (covariates and parameters); ``None`` accepts any
        extra column here and leaves the check to :func:`anakinra_iv.pk.simulate_dataset`.

    Raises
    ------
    DatasetError, ProblemList
        Unknown column, missing ID/TIME, a value that is not a number, negative time, time going
        back within an ID, a dose without AMT or RATE, or inconsistent dose items; each names its
        row and column.
    """
    from anakinra_iv.pk.csv_columns import read_columns

    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the record reader reads the text as it is
        return _read_records(text, allowed_covariates)
    found = read_columns(data, allowed_covariates)
    if found is not None:
        return found
    return _read_records(text, allowed_covariates)


def _read_records(text: str, allowed_covariates: Collection[str] | None) -> Dataset:
    """The record-by-record reader: every check, every message (the reference for the columns)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DatasetError("the dataset is empty (no header row)") from None
    except csv.Error as error:
        raise _not_csv(reader.line_num, error) from None
    upper = check_header(header, allowed_covariates)
    covariate_columns = tuple(n for n in upper if n not in KNOWN_COLUMNS)
    problems: list[AnakinraError] = []
    try:
        records = list(_records(reader, upper, covariate_columns, problems))
    except csv.Error as error:
        raise _not_csv(reader.line_num, error) from None
    if not records and not problems:
        problems.append(DatasetError("the dataset has no records"))
    problems.extend(_check_order(records))
    ProblemList.raise_if_any(problems)
    return Dataset.from_records(records, covariate_columns)


def _not_csv(line: int, error: csv.Error) -> DatasetError:
    """A text the CSV reader cannot split (a lone carriage return, a NUL character ...)."""
    return DatasetError(f"line {line}: not readable as CSV ({error})", value=str(error))


def check_header(header: Sequence[str], allowed_covariates: Collection[str] | None) -> list[str]:
    """The column names in upper case, or the header's problems raised (unknown, missing ID or
    TIME, repeated)."""
    upper = [h.upper() for h in header]
    allowed = {c.upper() for c in allowed_covariates or ()}
    problems: list[AnakinraError] = []
    for name in upper:
        if allowed_covariates is not None and name not in KNOWN_COLUMNS and name not in allowed:
            known = ", ".join(KNOWN_COLUMNS[:13] + tuple(sorted(allowed)))
            problems.append(
                DatasetError(
                    f"column {name}: unknown column (known: {known})",
                    row=0,
                    column=name,
                    value=name,
                )
            )
    for required in ("ID", "TIME"):
        if required not in upper:
            problems.append(
                DatasetError(f"column {required}: required column missing", column=required)
            )
    if len(set(upper)) != len(upper):
        problems.append(DatasetError("the header repeats a column name"))
    ProblemList.raise_if_any(problems)
    return upper


def _records(
    reader: Iterable[list[str]],
    upper: list[str],
    covariate_columns: tuple[str, ...],
    problems: list[AnakinraError],
) -> Iterable[Record]:
    for row_number, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(upper):
            problems.append(
                DatasetError(
                    f"row {row_number}: has {len(cells)} values for {len(upper)} columns",
                    row=row_number,
                )
            )
            continue
        values: dict[str, float | None] = {}
        id_text = ""
        bad = False
        for name, cell in zip(upper, cells, strict=True):
            if name == "ID":
                id_text = cell.strip()
                if not id_text or id_text == ".":
                    problems.append(_problem(row_number, "ID", "missing subject ID", cell))
                    bad = True
                continue
            try:
                values[name] = _number(cell)
            except ValueError:
                problems.append(_problem(row_number, name, "not a number", cell))
                bad = True
        if bad:
            continue
        record = _make_record(row_number, id_text, values, covariate_columns, problems)
        if record is not None:
            yield record


def _problem(row: int, column: str, what: str, value: object) -> DatasetError:
    return DatasetError(
        f"row {row}, column {column}: {what} (got '{value}')", row=row, column=column, value=value
    )


def _make_record(
    row: int,
    id_text: str,
    values: dict[str, float | None],
    covariate_columns: tuple[str, ...],
    problems: list[AnakinraError],
) -> Record | None:
    found = len(problems)
    time = values.get("TIME")
    if time is None:
        problems.append(_problem(row, "TIME", "missing time", "."))
    elif time < 0:
        problems.append(_problem(row, "TIME", "time must not be negative", time))
    for name in _INTEGER_COLUMNS:
        value = values.get(name)
        if value is not None and value != round(value):
            problems.append(_problem(row, name, "must be a whole number", value))
    for name in ("AMT", "II", "ADDL", "DUR", "MRATE", "ALAG", "F"):
        value = values.get(name)
        if value is not None and value < 0:
            problems.append(_problem(row, name, "must not be negative", value))
    amt = values.get("AMT") or 0.0
    rate = values.get("RATE") or 0.0
    evid_value = values.get("EVID")
    evid = int(evid_value) if evid_value is not None else (1 if (amt > 0 or rate != 0) else 0)
    if evid not in (0, 1, 2, 3, 4):
        problems.append(_problem(row, "EVID", "EVID must be 0, 1, 2, 3 or 4", evid))
    ss = int(values.get("SS") or 0)
    ii = values.get("II") or 0.0
    addl = int(values.get("ADDL") or 0)
    cmt_value = values.get("CMT")
    cmt = int(cmt_value) if cmt_value is not None else None
    if evid in (1, 4):
        if amt <= 0 and rate == 0:
            problems.append(_problem(row, "AMT", "a dose record needs AMT or RATE", amt))
        if rate < 0 and rate not in (-1.0, -2.0):
            problems.append(_problem(row, "RATE", "RATE must be > 0, 0, -1 or -2", rate))
        if rate == -1 and not (values.get("MRATE") or 0) > 0:
            problems.append(
                _problem(
                    row, "MRATE", "RATE -1 needs a modelled rate MRATE > 0", values.get("MRATE")
                )
            )
        if rate == -2 and not (values.get("DUR") or 0) > 0:
            problems.append(
                _problem(row, "DUR", "RATE -2 needs a modelled duration DUR > 0", values.get("DUR"))
            )
        if ss not in (0, 1, 2):
            problems.append(_problem(row, "SS", "SS must be 0, 1 or 2", ss))
        if addl > 0 and ii <= 0:
            problems.append(_problem(row, "II", "ADDL needs an interdose interval II > 0", ii))
        constant_infusion = ss > 0 and amt == 0 and (rate > 0 or rate == -1) and ii == 0
        if ss > 0 and ii <= 0 and not constant_infusion:
            problems.append(_problem(row, "II", "a steady-state dose needs II > 0", ii))
        if cmt is not None and cmt < 1:
            problems.append(
                _problem(row, "CMT", "a dose needs a compartment number of 1 or more", cmt)
            )
    elif evid in (0, 2, 3) and (amt != 0 or ss != 0 or addl != 0):
        column = "AMT" if amt != 0 else ("SS" if ss != 0 else "ADDL")
        problems.append(
            _problem(
                row, column, f"EVID {evid} records must not carry dose items", values.get(column)
            )
        )
    if len(problems) > found or time is None:
        return None
    return Record(
        id=id_text,
        time=time,
        evid=evid,
        amt=amt,
        cmt=cmt,
        rate=rate,
        ii=ii,
        addl=addl,
        ss=ss,
        f=values.get("F"),
        alag=values.get("ALAG"),
        dur=values.get("DUR"),
        mrate=values.get("MRATE"),
        covariates={name: values.get(name) for name in covariate_columns},
        row=row,
    )


def _check_order(records: list[Record]) -> list[AnakinraError]:
    problems: list[AnakinraError] = []
    last: dict[str, float] = {}
    for record in records:
        before = last.get(record.id)
        if before is not None and record.time < before:
            problems.append(
                _problem(
                    record.row,
                    "TIME",
                    f"time goes back within ID {record.id} (previous record at {before:g} h)",
                    record.time,
                )
            )
        last[record.id] = record.time
    return problems
