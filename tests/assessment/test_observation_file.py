"""The observations CSV: rows, flags, units column, and problems naming their row."""

from __future__ import annotations

import pytest

from anakinra_iv.assessment.observation_file import read_observations_csv, read_timestamp
from anakinra_iv.errors import InvalidInput, ProblemList


def test_rows_with_unit_column_and_flags() -> None:
    """A separate unit column and a flag row are read; 8.9 g/dL stays 8.9 g/dL."""
    obs, findings = read_observations_csv(
        "analyte,value,unit,collected_at,source\n"
        "hb,8.9,g/dL,2024-03-01T06:00+01:00,lab\n"
        "suspected_serious_infection,yes,,2024-03-01T09:00Z,ward\n"
    )
    assert obs[0].analyte == "hemoglobin" and obs[0].magnitude == 8.9 and obs[0].source == "lab"
    assert findings[0].present is True


def test_every_bad_row_is_reported_by_row_and_analyte() -> None:
    """Unknown analyte, bad value, naive time: three problems, each naming its row."""
    with pytest.raises(ProblemList) as caught:
        read_observations_csv(
            "analyte,value,collected_at\n"
            "bilirubin,1 mg/dL,2024-03-01T06:00Z\n"
            "ferritin,-5 ng/mL,2024-03-01T06:00Z\n"
            "crp,10 mg/L,2024-03-01T06:00\n"
        )
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 3
    assert "row 1 (bilirubin)" in messages[0]
    assert "row 2 (ferritin)" in messages[1] and "negative" in messages[1]
    assert "row 3 (crp)" in messages[2] and "timezone" in messages[2]


def test_missing_columns() -> None:
    """A file without collected_at is refused, naming the column."""
    with pytest.raises(InvalidInput, match="missing: collected_at"):
        read_observations_csv("analyte,value\nferritin,1 ng/mL\n")


def test_timestamp_needs_a_timezone() -> None:
    """ISO 8601 with Z is read; without a timezone it is refused."""
    assert read_timestamp("2024-03-01T06:00Z", field="at").utcoffset() is not None
    with pytest.raises(InvalidInput, match="'at' must carry a timezone"):
        read_timestamp("2024-03-01T06:00", field="at")
