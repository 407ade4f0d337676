"""The CSV writer of simulation tables: digit for digit ``format(x, ".10g")`` and Python's csv.

Reference: Python's own formatting (``format(x, ".10g")``, correctly rounded) and its csv writer,
which the command line used row by row before the table was written from columns.
"""

from __future__ import annotations

import csv
import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.pk.csv_format import format_g10
from anakinra_iv.pk.simulate import DatasetSimulation

BOUNDARIES = [
    0.0, -0.0, 1e-4, np.nextafter(1e-4, 0.0), 9.9999999995e9, 9999999999.5, 9999999999.4,
    999999999.95, 0.00012345678905, 1.0000000005, 2.5, 123.45678905, 1e10, 1e-7, 5e-324,
    1.7976931348623157e308, -1.5, 12345.678901234, 0.1 + 0.2, 1 / 3, 2.0**60, 96.0,
]  # fmt: skip


def _python(values: np.ndarray) -> list[str]:
    return [format(float(v), ".10g") for v in values]


def test_boundaries() -> None:
    """Zeros, the 1e-4 and 1e10 edges, values half-way at the tenth digit, extremes."""
    values = np.asarray(BOUNDARIES, dtype=float)
    assert format_g10(values).to_list() == _python(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
def test_any_finite_double(values: list[float]) -> None:
    """Any finite double, every magnitude and sign."""
    array = np.asarray(values, dtype=float)
    assert format_g10(array).to_list() == _python(array)


@settings(max_examples=200, deadline=None)
@given(
    mantissa=st.integers(10**9, 10**10 - 1),
    exponent=st.integers(-13, 0),
    nudge=st.sampled_from([-2, -1, 0, 1, 2]),
)
def test_ten_digit_decimals_and_their_neighbours(mantissa: int, exponent: int, nudge: int) -> None:
    """Decimals of ten digits, their half-way points and the doubles next to them: where the
    rounding of the tenth digit is decided."""
    exact = float(f"{mantissa}e{exponent}")
    half = float(f"{mantissa}5e{exponent - 1}")
    values = [exact, half]
    for _ in range(abs(nudge)):
        values = [np.nextafter(v, np.inf if nudge > 0 else -np.inf) for v in values]
    array = np.asarray(values, dtype=float)
    assert format_g10(array).to_list() == _python(array)


def _old_table(result: DatasetSimulation) -> str:
    """The command line's former writer: csv.writer, one row at a time, TIME and CP as .10g."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ID", "TIME", "CP"])
    for row in result.rows():
        writer.writerow([row["ID"], f"{row['TIME']:.10g}", f"{row['CP']:.10g}"])
    return buffer.getvalue()


@settings(max_examples=100, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["1", "2", "a,b", 'say "x"', "007", "z"]), min_size=1),
    data=st.data(),
)
def test_table_equals_the_row_writer(ids: list[str], data: st.DataObject) -> None:
    """IDs (quoted where they must be), times and concentrations as the row writer wrote them."""
    subject_ids = tuple(dict.fromkeys(ids))
    size = data.draw(st.integers(0, 30))
    subject = np.asarray(data.draw(st.lists(st.integers(0, len(subject_ids) - 1), **_n(size))))
    times = data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 24.0, 1 / 3, -0.0]), **_n(size)))
    cp = data.draw(st.lists(st.floats(0, 1e6, allow_subnormal=False), **_n(size)))
    result = DatasetSimulation(
        model="m",
        times=np.asarray(times, dtype=float),
        concentrations=np.asarray(cp, dtype=float),
        subject_ids=subject_ids,
        subject=subject.astype(np.int64),
        data_rows=np.arange(1, size + 1),
    )
    assert result.to_csv() == _old_table(result)


def _n(size: int) -> dict[str, int]:
    return {"min_size": size, "max_size": size}
