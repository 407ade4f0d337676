"""The column reader gives what the record reader gives: the same records, or the same problems.

``read_dataset_text`` first tries :func:`anakinra_iv.pk.csv_columns.read_columns` (polars, array
checks) and falls back to the record reader, the reference, for anything it cannot take exactly.
These tests generate files — mostly valid NONMEM records, some with a cell, a row or a line ending
spoilt — and require the public reader to agree with the record reader on every one of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.errors import AnakinraError, list_problems
from anakinra_iv.pk import read_dataset, read_dataset_text
from anakinra_iv.pk.csv_columns import read_columns
from anakinra_iv.pk.dataset import Dataset, _read_records

OPTIONAL = ("EVID", "AMT", "CMT", "RATE", "II", "ADDL", "SS", "F", "ALAG", "DUR", "MRATE", "WT")
ODD_CELLS = (
    "x", "nan", "inf", "-inf", "1e400", "1_0", " 3", "3 ", "+2", "2.", ".5", "-0", "", ".",
    "1e3", "0x10", "1.5.2", '"4"', "-3", "2.5", "99999999999999999999", "\t1",
)  # fmt: skip


def _outcome(read: object, text: str) -> tuple[str, object]:
    """("ok", records and covariate columns) or ("error", the problems' row, column, message)."""
    try:
        dataset = read(text)  # type: ignore[operator]
    except AnakinraError as error:
        return "error", [(p.row, p.field, p.message) for p in list_problems(error)]  # type: ignore[attr-defined]
    assert isinstance(dataset, Dataset)
    return "ok", (dataset.records, dataset.covariate_columns)


@st.composite
def _record(draw: st.DrawFn, columns: list[str]) -> dict[str, str]:
    """Cells of a plausible record (a dose, an observation, a reset ...)."""
    evid = draw(st.sampled_from(["0", "1", "1", "2", "3", "4", "."]))
    cells = {name: draw(st.sampled_from(["0", ".", "0.0"])) for name in columns}
    cells["EVID"] = evid
    if evid in ("1", "4", "."):
        cells["AMT"] = draw(st.sampled_from(["100", "50.5", "0", "12"]))
        rate = draw(st.sampled_from(["0", "10", "-1", "-2", "."]))
        cells["RATE"] = rate
        cells["MRATE"] = draw(st.sampled_from(["20", "."])) if rate == "-1" else "."
        cells["DUR"] = draw(st.sampled_from(["2", "."])) if rate == "-2" else "."
        cells["CMT"] = draw(st.sampled_from(["1", "2", "."]))
        cells["SS"] = draw(st.sampled_from(["0", "0", "1", "2"]))
        cells["II"] = draw(st.sampled_from(["0", "12", "."]))
        cells["ADDL"] = draw(st.sampled_from(["0", "0", "2"]))
        cells["F"] = draw(st.sampled_from([".", "0.5", "1"]))
        cells["ALAG"] = draw(st.sampled_from([".", "0", "1.5"]))
    cells["WT"] = draw(st.sampled_from(["70", ".", "55.5"]))
    return cells


@st.composite
def _text(draw: st.DrawFn) -> str:
    """A dataset text: header, records in ID blocks or interleaved, then maybe one spoilt part."""
    others = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    columns = ["ID", "TIME", *others]
    names = [draw(st.sampled_from([c, c.lower(), f" {c}"])) for c in columns]
    rows: list[list[str]] = []
    clock: dict[str, float] = {}
    for _ in range(draw(st.integers(1, 12))):
        subject = draw(st.sampled_from(["1", "2", "10", "a"]))
        clock[subject] = clock.get(subject, 0.0) + draw(st.sampled_from([0.0, 0.5, 1.0, 24.0]))
        cells = draw(_record(columns))
        time = clock[subject]
        cells |= {"ID": subject, "TIME": f"{time:g}"}
        rows.append([cells.get(c, "0") for c in columns])
    spoil = draw(
        st.sampled_from(["none", "none", "cell", "cell", "short", "long", "blank", "crlf", "cr"])
    )
    if spoil == "cell":
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(columns) - 1))
        rows[r][c] = draw(st.sampled_from(ODD_CELLS))
    elif spoil in ("short", "long"):
        r = draw(st.integers(0, len(rows) - 1))
        rows[r] = rows[r][:-1] if spoil == "short" else [*rows[r], "0"]
    lines = [",".join(names), *(",".join(r) for r in rows)]
    if spoil == "blank":
        lines.insert(draw(st.integers(1, len(lines))), "")
    end = {"crlf": "\r\n", "cr": "\r"}.get(spoil, "\n")
    return end.join(lines) + end


@settings(max_examples=300, deadline=None)
@given(text=_text(), allowed=st.sampled_from([None, ("WT",), ()]))
def test_column_reader_agrees_with_the_record_reader(
    text: str, allowed: tuple[str, ...] | None
) -> None:
    """Same records (values, missing items, rows, covariates), or the same problems in the same
    order, with the same rows, columns and messages."""
    mine = _outcome(lambda t: read_dataset_text(t, allowed_covariates=allowed), text)
    reference = _outcome(lambda t: _read_records(t, allowed), text)
    assert mine == reference


@pytest.mark.parametrize(
    "text",
    [
        "ID,TIME,AMT,CMT,WT\n1,0,100,1,70\n1,1,.,2,.\n2,0,50,1,80\n",
        "ID,TIME,EVID,AMT,RATE,II,ADDL,SS\n7,0,1,100,10,12,2,1\n7,5,0,0,0,0,0,0\n",
        "ID,TIME,AMT\r\n1,0,100\r\n1,2,.\r\n",
        "id,time,amt,cmt\n" + "".join(f"{s},{t},{100 if t == 0 else 0},1\n" for s in range(1, 40)
                                         for t in range(0, 24, 6)),
    ],
)  # fmt: skip
def test_plain_files_are_read_as_columns(text: str) -> None:
    """Valid files without oddities are taken by the column reader (not handed back)."""
    found = read_columns(text.encode(), None)
    assert found is not None
    assert found.records == _read_records(text, None).records


def test_a_file_with_a_byte_order_mark_reads_as_without(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark at the start of a file is dropped, as before."""
    path = tmp_path / "data.csv"
    text = "ID,TIME,AMT\n1,0,100\n1,2,0\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_dataset(path).records == _read_records(text, None).records
