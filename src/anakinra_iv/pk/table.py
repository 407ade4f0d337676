"""Dataset records as columns: one array per item, one entry per record, in file order.

A NONMEM dataset at population scale has millions of records; holding each as a Python object
costs seconds. :class:`EventTable` keeps them as numpy arrays (a missing optional item is NaN)
and builds :class:`~anakinra_iv.pk.dataset.Record` objects only for the records asked for.

Examples
--------
>>> from anakinra_iv.pk.dataset import Record
>>> table = table_from_records([Record("7", 0.0, 1, 100.0, 1), Record("7", 2.0)], ())
>>> table.subject_ids, table.evid.tolist(), table.records_at([1])[0].time
(('7',), [1, 0], 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from anakinra_iv.pk._types import FloatArray, IntArray
from anakinra_iv.pk.dataset import Record

__all__ = ["OPTIONAL_ITEMS", "EventTable", "table_from_records"]

OPTIONAL_ITEMS = ("cmt", "f", "alag", "dur", "mrate")
"""Items whose absence (``None`` in a record) is NaN in the table."""


@dataclass(frozen=True, eq=False)
class EventTable:
    """Columns of a dataset (numbers in mg, h, mg/h; NaN where an optional item is missing).

    ``subject`` indexes ``subject_ids`` (IDs in order of first appearance); ``row`` is the 1-based
    data row of each record; ``covariates`` holds the extra columns by name.
    """

    subject_ids: tuple[str, ...]
    subject: IntArray
    time: FloatArray
    evid: IntArray
    amt: FloatArray
    cmt: FloatArray
    rate: FloatArray
    ii: FloatArray
    addl: IntArray
    ss: IntArray
    f: FloatArray
    alag: FloatArray
    dur: FloatArray
    mrate: FloatArray
    row: IntArray
    covariates: Mapping[str, FloatArray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def by_subject(self) -> tuple[IntArray, IntArray]:
        """``(order, starts)``: record positions grouped by subject (file order kept inside each
        subject), and where each subject's run starts in ``order`` (plus the end)."""
        subject = self.subject
        if np.all(subject[1:] >= subject[:-1]):  # IDs in blocks, the usual layout
            order: IntArray = np.arange(subject.shape[0], dtype=np.int64)
        else:
            order = np.argsort(subject, kind="stable").astype(np.int64)
        counts = np.bincount(self.subject, minlength=len(self.subject_ids))
        starts: IntArray = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return order, starts

    def records_at(self, positions: Iterable[int]) -> list[Record]:
        """The records at the given positions, as objects."""
        at = np.fromiter(positions, dtype=np.int64)

        def optional(values: FloatArray) -> list[float | None]:
            return [None if math.isnan(v) else v for v in values[at].tolist()]

        names = list(self.covariates)
        covariates = [optional(self.covariates[name]) for name in names]
        ids = self.subject_ids
        return [
            Record(
                id=ids[subject],
                time=time,
                evid=evid,
                amt=amt,
                cmt=None if cmt is None else int(cmt),
                rate=rate,
                ii=ii,
                addl=addl,
                ss=ss,
                f=f,
                alag=alag,
                dur=dur,
                mrate=mrate,
                covariates=dict(zip(names, values, strict=True)),
                row=row,
            )
            for (
                subject,
                time,
                evid,
                amt,
                cmt,
                rate,
                ii,
                addl,
                ss,
                f,
                alag,
                dur,
                mrate,
                row,
                *values,
            ) in zip(
                self.subject[at].tolist(),
                self.time[at].tolist(),
                self.evid[at].tolist(),
                self.amt[at].tolist(),
                optional(self.cmt),
                self.rate[at].tolist(),
                self.ii[at].tolist(),
                self.addl[at].tolist(),
                self.ss[at].tolist(),
                optional(self.f),
                optional(self.alag),
                optional(self.dur),
                optional(self.mrate),
                self.row[at].tolist(),
                *covariates,
                strict=True,
            )
        ]


def table_from_records(records: Sequence[Record], covariate_columns: Sequence[str]) -> EventTable:
    """Columns of the given records (the inverse of :meth:`EventTable.records_at`)."""
    codes: dict[str, int] = {}
    subject = np.fromiter((codes.setdefault(r.id, len(codes)) for r in records), np.int64)

    def column(values: Iterable[float | None]) -> FloatArray:
        return np.fromiter((math.nan if v is None else v for v in values), float)

    return EventTable(
        subject_ids=tuple(codes),
        subject=subject,
        time=column(r.time for r in records),
        evid=np.fromiter((r.evid for r in records), np.int64),
        amt=column(r.amt for r in records),
        cmt=column(r.cmt for r in records),
        rate=column(r.rate for r in records),
        ii=column(r.ii for r in records),
        addl=np.fromiter((r.addl for r in records), np.int64),
        ss=np.fromiter((r.ss for r in records), np.int64),
        f=column(r.f for r in records),
        alag=column(r.alag for r in records),
        dur=column(r.dur for r in records),
        mrate=column(r.mrate for r in records),
        row=np.fromiter((r.row for r in records), np.int64),
        covariates={
            name: column(r.covariates.get(name) for r in records) for name in covariate_columns
        },
    )
