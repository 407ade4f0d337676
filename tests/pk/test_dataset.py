"""Reading NONMEM-style datasets: every malformed record is refused, naming its row and column."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import DatasetError, ProblemList, UnknownItem, list_problems
from anakinra_iv.pk import read_dataset_text, simulate_dataset

HEADER = "ID,TIME,EVID,AMT,CMT,RATE,II,ADDL,SS\n"


def _problems(text: str, **kwargs: object) -> list[DatasetError]:
    with pytest.raises((DatasetError, ProblemList)) as caught:
        read_dataset_text(text, **kwargs)  # type: ignore[arg-type]
    found = list_problems(caught.value)
    assert all(isinstance(p, DatasetError) for p in found)
    return found  # type: ignore[return-value]


class TestReadDataset:
    def test_reads_records_in_file_order(self) -> None:
        """Values, defaults for absent columns, '.' as missing."""
        data = read_dataset_text("ID,TIME,AMT,CMT,F\n1,0,100,1,.\n1,1,.,2,.\n")
        first, second = data.records
        assert (first.evid, first.amt, first.f, first.row) == (1, 100.0, None, 1)
        assert (second.evid, second.time, second.row) == (0, 1.0, 2)

    def test_unknown_column(self) -> None:
        """A column the model does not read is refused with its name."""
        (problem,) = _problems(
            HEADER.replace("SS", "SS,FOO") + "1,0,1,100,1,0,0,0,0,1\n", allowed_covariates=("WT",)
        )
        assert problem.column == "FOO" and "unknown column" in problem.message

    def test_negative_time(self) -> None:
        """Negative TIME names row 2, column TIME."""
        (problem,) = _problems(HEADER + "1,0,1,100,1,0,0,0,0\n1,-1,0,0,1,0,0,0,0\n")
        assert (problem.row, problem.column) == (2, "TIME")
        assert "row 2, column TIME" in problem.message

    def test_dose_without_amount_or_rate(self) -> None:
        """EVID 1 with AMT 0 and RATE 0 is refused at column AMT."""
        (problem,) = _problems(HEADER + "1,0,1,0,1,0,0,0,0\n")
        assert (problem.row, problem.column) == (1, "AMT")

    def test_unsorted_time_within_an_id(self) -> None:
        """Time going back within an ID is refused at the later row."""
        (problem,) = _problems(
            HEADER + "1,5,1,100,1,0,0,0,0\n1,2,0,0,1,0,0,0,0\n2,0,0,0,1,0,0,0,0\n"
        )
        assert (problem.row, problem.column) == (2, "TIME")

    def test_several_problems_are_all_reported(self) -> None:
        """Not a number, bad EVID and ADDL without II: three problems, each with its row."""
        problems = _problems(
            HEADER + "1,x,1,100,1,0,0,0,0\n1,1,7,0,1,0,0,0,0\n1,2,1,100,1,0,0,3,0\n"
        )
        assert [(p.row, p.column) for p in problems] == [(1, "TIME"), (2, "EVID"), (3, "II")]

    def test_modelled_rate_needs_mrate(self) -> None:
        """RATE -1 without MRATE is refused."""
        (problem,) = _problems(HEADER + "1,0,1,100,1,-1,0,0,0\n")
        assert problem.column == "MRATE"


class TestSimulateDatasetErrors:
    def test_unknown_model(self) -> None:
        """An unknown model name is refused, listing the known ones."""
        data = read_dataset_text(HEADER + "1,0,1,100,1,0,0,0,0\n")
        with pytest.raises(UnknownItem, match="unknown model"):
            simulate_dataset(data, "four-compartment")

    def test_unknown_parameter(self) -> None:
        """A parameter the model does not have is refused."""
        data = read_dataset_text(HEADER + "1,0,1,100,1,0,0,0,0\n")
        with pytest.raises(UnknownItem, match="no parameter 'VMAX'"):
            simulate_dataset(data, "one-compartment", params={"CL": 1, "V": 10, "VMAX": 3})

    def test_missing_parameter(self) -> None:
        """A structural model without its parameters is refused, naming the one missing."""
        data = read_dataset_text(HEADER + "1,0,1,100,1,0,0,0,0\n")
        with pytest.raises(Exception, match="needs parameter 'V'"):
            simulate_dataset(data, "one-compartment", params={"CL": 1})

    def test_compartment_the_model_lacks(self) -> None:
        """CMT 3 in a one-compartment model names the row and column CMT."""
        data = read_dataset_text(HEADER + "1,0,1,100,3,0,0,0,0\n1,1,0,0,1,0,0,0,0\n")
        with pytest.raises(DatasetError) as caught:
            simulate_dataset(data, "one-compartment", params={"CL": 1, "V": 10})
        assert (caught.value.row, caught.value.column) == (1, "CMT")

    def test_covariate_column_not_read_by_the_model(self) -> None:
        """A WT column is refused for a structural model that has no covariates."""
        data = read_dataset_text("ID,TIME,AMT,WT\n1,0,100,70\n")
        with pytest.raises(DatasetError, match="column WT"):
            simulate_dataset(data, "one-compartment", params={"CL": 1, "V": 10})

    def test_parameter_columns_act_from_their_record(self) -> None:
        """A CL column changes clearance from its record on (LOCF)."""
        data = read_dataset_text(
            "ID,TIME,AMT,CMT,RATE,CL\n1,0,100,1,10,1\n1,5,0,1,0,.\n1,10,0,1,0,2\n1,20,0,1,0,.\n"
        )
        result = simulate_dataset(data, "one-compartment", params={"CL": 1, "V": 10})
        same = simulate_dataset(
            read_dataset_text("ID,TIME,AMT,CMT,RATE\n1,0,100,1,10\n1,5,0,1,0\n"),
            "one-compartment",
            params={"CL": 1, "V": 10},
        )
        assert result.concentrations[0] == pytest.approx(same.concentrations[0])
        assert len(result.concentrations) == 3
