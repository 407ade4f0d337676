"""Model files: every number's provenance resolves; a file breaking the rules is refused."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from anakinra_iv.errors import DatasetError, ProblemList, list_problems
from anakinra_iv.evidence import has_entry
from anakinra_iv.pk.catalog import NAMED_MODELS, get_model, read_model_file, read_model_text
from anakinra_iv.pk.parameters import PkModel
from anakinra_iv.protocol.values import STATUSES


def _packaged(name: str) -> dict[str, Any]:
    text = resources.files("anakinra_iv.pk").joinpath("data", f"{name}.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return raw


def _read(raw: dict[str, Any]) -> PkModel:
    return read_model_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))


def _provenances(model: PkModel) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for p in model.parameters.values():
        found.append((f"parameters.{p.name}", p.status, p.source))
        if p.weight_exponent is not None:
            assert p.exponent_provenance is not None, p.name
            e = p.exponent_provenance
            found.append((f"parameters.{p.name}.weight_exponent", e.status, e.source))
    for key, c in model.covariates.items():
        assert c.reference_provenance is not None, key
        found.append(
            (f"covariates.{key}", c.reference_provenance.status, c.reference_provenance.source)
        )
    assert model.variability is not None and model.residual is not None
    assert set(model.variability.variances) == set(model.variability.parameters)
    for key, v in [*model.variability.variances.items(), *model.residual.provenance.items()]:
        found.append((key, v.status, v.source))
    return found


@pytest.mark.parametrize("name", NAMED_MODELS)
def test_every_value_has_a_status_and_a_registry_source(name: str) -> None:
    """Each number of each anakinra model: one of the five statuses, a source in the registry."""
    found = _provenances(get_model(name))
    assert len(found) >= 10
    for where, status, source in found:
        assert status in STATUSES, where
        assert has_entry(source), where


def test_calibrated_values_carry_an_explaining_note() -> None:
    """derived and site-decision values say how they were made (the former free-text sources)."""
    model = get_model("anakinra-adult")
    for p in model.parameters.values():
        if p.status != "published":
            assert "calibrated" in p.note.lower(), p.name


def test_unknown_source_is_refused_naming_model_parameter_and_field() -> None:
    """A source that is not an evidence key ('Yang 2003') is refused with the parameter named."""
    raw = _packaged("anakinra-adult")
    raw["parameters"]["CL"]["source"] = "Yang 2003"
    with pytest.raises(DatasetError) as caught:
        _read(raw)
    message = str(caught.value)
    assert "anakinra-adult" in message and "parameter 'CL'" in message and "'Yang 2003'" in message
    assert caught.value.field == "parameters.CL.source"


def test_unknown_status_is_refused_naming_model_parameter_and_field() -> None:
    """The old words 'confirmed' and 'inferred' are not statuses: refused, parameter named."""
    raw = _packaged("anakinra-urien-2013")
    raw["parameters"]["KA"]["status"] = "confirmed"
    raw["parameters"]["V"]["weight_exponent"]["status"] = "inferred"
    with pytest.raises(ProblemList) as caught:
        _read(raw)
    problems = list_problems(caught.value)
    assert [p.field for p in problems] == [
        "parameters.V.weight_exponent.status",
        "parameters.KA.status",
    ]
    assert "anakinra-urien-2013: parameter 'KA': 'status' must be one of" in problems[1].message
    assert "'confirmed'" in problems[1].message


@pytest.mark.parametrize(
    ("section", "key", "field"),
    [
        ("variability", "CL", "variability.CL.source"),
        ("residual", "additive", "residual.additive.source"),
    ],
)
def test_variances_and_residual_error_are_checked_too(section: str, key: str, field: str) -> None:
    """A variance or residual SD citing an unknown source is refused like a parameter."""
    raw = _packaged("anakinra-adult")
    raw[section][key]["source"] = "assumed"
    with pytest.raises(DatasetError) as caught:
        _read(raw)
    assert caught.value.field == field


def test_missing_provenance_and_bare_numbers_are_refused() -> None:
    """A value without status, or a bare number where a value belongs, does not load."""
    raw = _packaged("anakinra-adult")
    del raw["parameters"]["Q"]["status"]
    raw["parameters"]["V2"] = 10.0
    with pytest.raises(ProblemList) as caught:
        _read(raw)
    fields = [p.field for p in list_problems(caught.value)]
    assert fields == ["parameters.Q.status", "parameters.V2"]


def test_units_are_checked_and_converted() -> None:
    """CL given as 137 mL/min is read as 8.22 L/h (137 × 60 / 1000); a volume in L/h is refused."""
    raw = _packaged("anakinra-adult")
    raw["parameters"]["CL"].update(value=137, unit="mL/min")
    cl = _read(raw).parameters["CL"]
    assert (cl.value, cl.unit) == (pytest.approx(8.22), "L/h")
    raw["parameters"]["V1"]["unit"] = "L/h"
    with pytest.raises(DatasetError) as caught:
        _read(raw)
    assert caught.value.field == "parameters.V1.unit"


def test_read_model_file_matches_packaged(tmp_path: Path) -> None:
    """A copy of a packaged file read from disk gives the same numbers and provenance."""
    path = tmp_path / "copy.yaml"
    path.write_text(
        yaml.safe_dump(_packaged("anakinra-adult-alt"), allow_unicode=True, sort_keys=False)
    )
    copy, packaged = read_model_file(path), get_model("anakinra-adult-alt")
    assert copy.parameters == packaged.parameters
    assert copy.variability == packaged.variability
