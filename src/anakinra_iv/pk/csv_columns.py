"""Fast reading of NONMEM-style datasets straight into columns, with polars' CSV parser.

The record reader of :mod:`anakinra_iv.pk.dataset` is the reference: it checks every cell and
names every problem with its row and column, at a few microseconds per cell. This module parses
the same file into numpy columns and runs the same checks as array operations. It accepts a file
only when it can show the result equals the record reader's; anything else — a blank line, a lone
carriage return, a row with too few or too many cells, a cell polars cannot parse as a number, a
"nan" or "inf", or any row with a problem — is handed back (``None``) to the record reader, which
reads it again and reports exactly as before. Speed for the common case, the old messages for
every other one. ``tests/pk/test_csv_columns.py`` checks both readers agree on generated files.

Examples
--------
>>> dataset = read_columns(b"ID,TIME,AMT,CMT\\n1,0,100,1\\n1,2,.,1\\n", None)
>>> dataset.table.evid.tolist(), dataset.table.amt.tolist()
([1, 0], [100.0, 0.0])
>>> read_columns(b"ID,TIME,AMT\\n1,x,100\\n", None) is None  # the record reader names the cell
True
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np

from anakinra_iv.pk._types import BoolArray, FloatArray, IntArray
from anakinra_iv.pk.dataset import KNOWN_COLUMNS, Dataset, check_header
from anakinra_iv.pk.table import EventTable

if TYPE_CHECKING:
    import polars as pl

__all__ = ["read_columns"]

_LARGEST_WHOLE = 2.0**53
"""Whole-number columns above this cannot be held exactly; such files go to the record reader."""

Column = FloatArray | IntArray
"""A parsed column: integers where polars read whole numbers without gaps, else decimals."""


def read_columns(data: bytes, allowed_covariates: Collection[str] | None) -> Dataset | None:
    """The dataset in ``data`` (UTF-8 CSV bytes, no byte-order mark), or ``None`` where the record
    reader must read it.

    Header problems are raised here as the record reader raises them.
    """
    end = data.find(b"\n")
    if end <= 0 or b'"' in data[:end] or not _plain(data):
        return None
    try:
        header_text = data[:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    header = [h.strip() for h in next(csv.reader(io.StringIO(header_text)))]
    upper = check_header(header, allowed_covariates)
    covariate_columns = tuple(n for n in upper if n not in KNOWN_COLUMNS)
    parsed = _parse(data, upper)
    if parsed is None:
        return None
    table = _table(*parsed, covariate_columns)
    if table is None:
        return None
    return Dataset(table, covariate_columns)


def _plain(data: bytes) -> bool:
    """No lone carriage return (a line break to the record reader, part of a cell to polars)."""
    return b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")


def _parse(data: bytes, names: list[str]) -> tuple[dict[str, Column], IntArray, list[str]] | None:
    """Numeric columns (integers, or decimals with NaN where missing), each record's raw-ID code,
    and the raw IDs in order of first appearance; or ``None``.

    Columns are read as polars infers them (whole numbers parse faster than decimals), TIME as a
    decimal (so that "-0" keeps its sign, as ``float`` does); then with "." as missing; then as
    decimals throughout if a later cell does not fit the inferred type.
    """
    import polars as pl

    frame = None
    inferred = {"ID": pl.Categorical, "TIME": pl.Float64}
    decimal = {n: (pl.Categorical if n == "ID" else pl.Float64) for n in names}
    # without "." as missing first: a file without it parses a third faster
    for schema, nulls in ((inferred, None), (inferred, ["", "."]), (decimal, ["", "."])):
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                skip_rows=1,
                new_columns=names,
                schema_overrides=schema,
                null_values=nulls,
                raise_if_empty=True,
            )
        except Exception:  # a cell that does not fit: try the next reading, then the records
            continue
        if all(frame[n].dtype.is_numeric() for n in names if n != "ID"):
            break
        frame = None
    if frame is None or frame.height == 0 or frame["ID"].null_count():
        return None
    decimals = [n for n in names if n != "ID" and frame[n].dtype.is_float()]
    if decimals:
        odd = [pl.col(n).is_not_null() & ~pl.col(n).is_finite() for n in decimals]
        if frame.select(pl.any_horizontal(odd)).to_series().any():
            return None  # "nan" or "inf" in a cell: not a number to the record reader
    if frame[names[-1]].null_count() and (b'"' in data or _short_rows(data, len(names))):
        return None  # a line may have fewer cells than the header: polars fills them with nulls
    columns = {n: _numpy(frame[n]) for n in names if n != "ID"}
    physical = frame["ID"].to_physical()
    first = physical.arg_unique().to_numpy()  # first occurrences, in order of appearance
    codes = physical.to_numpy().astype(np.int64)
    rank = np.zeros(int(codes.max()) + 1, dtype=np.int64)
    rank[codes[first]] = np.arange(first.size)
    raw_ids = frame["ID"].gather(first).cast(pl.String).to_list()
    return columns, rank[codes], raw_ids


def _numpy(series: pl.Series) -> Column:
    """The column as numpy: a read-only broadcast where every cell holds one value (no copy);
    whole numbers without gaps stay integers; otherwise decimals with NaN where missing."""
    if series.null_count() == 0 and series.len() and series.min() == series.max():
        return np.broadcast_to(series[:1].to_numpy(), (series.len(),))
    result: Column = series.to_numpy()
    return result


def _short_rows(data: bytes, width: int) -> bool:
    """Whether a line has fewer cells than the header (polars would fill them with nulls)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(buffer == ord("\n")) + 1))
    starts = starts[starts < buffer.size]
    commas = np.add.reduceat(buffer == ord(","), starts, dtype=np.int64)
    return bool(np.any(commas < width - 1))


def _table(
    columns: dict[str, Column],
    codes: IntArray,
    raw_ids: list[str],
    covariate_columns: tuple[str, ...],
) -> EventTable | None:
    """The checked columns, or ``None`` if any row would draw a problem from the record reader."""
    size = codes.shape[0]
    subject_ids: dict[str, int] = {}
    remap = np.empty(len(raw_ids), dtype=np.int64)
    for k, raw in enumerate(raw_ids):
        stripped = raw.strip()
        if not stripped or stripped == ".":
            return None
        remap[k] = subject_ids.setdefault(stripped, len(subject_ids))
    subject = remap[codes] if len(subject_ids) < len(raw_ids) else codes
    missing = np.broadcast_to(math.nan, (size,))  # read-only, no memory
    zeros = np.broadcast_to(0.0, (size,))

    def get(name: str) -> FloatArray:
        found = columns.get(name)
        return missing if found is None else found.astype(float, copy=False)

    time = get("TIME")
    bad = np.isnan(time) | (time < 0)
    for name in ("EVID", "CMT", "ADDL", "SS"):
        values = columns.get(name)
        if values is not None:
            if values.dtype.kind == "f":
                bad |= (values != np.floor(values)) & ~np.isnan(values)
            bad |= np.abs(values) > _LARGEST_WHOLE
    for name in ("AMT", "II", "ADDL", "DUR", "MRATE", "ALAG", "F"):
        if name in columns:
            bad |= columns[name] < 0
    amt = _or_zero(columns.get("AMT"), zeros)
    rate = _or_zero(columns.get("RATE"), zeros)
    evid = _whole(columns.get("EVID"), ((amt > 0) | (rate != 0)).astype(np.int64))
    bad |= (evid < 0) | (evid > 4)
    nought = np.broadcast_to(np.int64(0), (size,))
    ss = _whole(columns.get("SS"), nought)
    addl = _whole(columns.get("ADDL"), nought)
    ii = _or_zero(columns.get("II"), zeros)
    cmt, dur, mrate = get("CMT"), get("DUR"), get("MRATE")
    dose = (evid == 1) | (evid == 4)
    at = np.flatnonzero(dose)
    if at.size:
        bad[at] |= _dose_problems(
            amt[at], rate[at], ss[at], ii[at], addl[at], cmt[at], mrate[at], dur[at]
        )
    bad |= ~dose & ((amt != 0) | (ss != 0) | (addl != 0))  # EVID 0, 2, 3
    bad |= _time_goes_back(subject, time)
    if bool(np.any(bad)):
        return None
    return EventTable(
        subject_ids=tuple(subject_ids),
        subject=subject,
        time=time,
        evid=evid,
        amt=amt,
        cmt=cmt,
        rate=rate,
        ii=ii,
        addl=addl,
        ss=ss,
        f=get("F"),
        alag=get("ALAG"),
        dur=dur,
        mrate=mrate,
        row=np.arange(1, size + 1, dtype=np.int64),
        covariates={name: get(name) for name in covariate_columns},
    )


def _or_zero(values: Column | None, zeros: FloatArray) -> FloatArray:
    """``value or 0.0`` of the record reader: missing (NaN) and -0.0 become 0.0."""
    if values is None:
        return zeros
    if values.dtype.kind != "f":
        return values.astype(float)
    result: FloatArray = np.nan_to_num(values.astype(float, copy=False), nan=0.0) + 0.0
    return result


def _whole(values: Column | None, default: IntArray) -> IntArray:
    """A whole-number column as integers, ``default`` where missing (non-whole cells are refused
    by the checks; here they only must not overflow)."""
    if values is None:
        return default
    if values.dtype.kind != "f":
        return values.astype(np.int64, copy=False)
    gaps = np.isnan(values) | (np.abs(values) > _LARGEST_WHOLE)
    result: IntArray = np.where(gaps, default, np.where(gaps, 0.0, values).astype(np.int64))
    return result


def _dose_problems(
    amt: FloatArray,
    rate: FloatArray,
    ss: IntArray,
    ii: FloatArray,
    addl: IntArray,
    cmt: FloatArray,
    mrate: FloatArray,
    dur: FloatArray,
) -> BoolArray:
    """Where a dose record's items are refused by the record reader (meaningful at doses)."""
    constant = (ss > 0) & (amt == 0) & ((rate > 0) | (rate == -1)) & (ii == 0)
    bad = (amt <= 0) & (rate == 0)
    bad |= (rate < 0) & (rate != -1) & (rate != -2)
    bad |= (rate == -1) & ~(np.nan_to_num(mrate) > 0)
    bad |= (rate == -2) & ~(np.nan_to_num(dur) > 0)
    bad |= (ss != 0) & (ss != 1) & (ss != 2)
    bad |= (addl > 0) & (ii <= 0)
    bad |= (ss > 0) & (ii <= 0) & ~constant
    bad |= cmt < 1  # False where CMT is missing (NaN)
    result: BoolArray = bad
    return result


def _time_goes_back(subject: IntArray, time: FloatArray) -> BoolArray:
    """Records whose time is before the previous record of the same ID."""
    back = np.zeros(subject.shape[0], dtype=bool)
    if np.all(subject[1:] >= subject[:-1]):  # IDs in blocks: no sort needed
        back[1:] = (subject[1:] == subject[:-1]) & (time[1:] < time[:-1])
        return back
    order = np.argsort(subject, kind="stable")
    same = subject[order][1:] == subject[order][:-1]
    back[order[1:]] = same & (time[order][1:] < time[order][:-1])
    return back
