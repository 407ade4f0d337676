"""Covariate models: the renal numbers of renal.yaml, their provenance, groups and factors."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pytest
import yaml

from anakinra_iv.errors import DatasetError, InvalidInput, ProblemList
from anakinra_iv.evidence import has_entry
from anakinra_iv.pk.covariates import (
    allometric,
    get_renal_data,
    read_renal_text,
    renal_factor,
    renal_group,
)
from anakinra_iv.protocol.values import STATUSES


def _packaged() -> dict[str, Any]:
    text = resources.files("anakinra_iv.pk").joinpath("data", "renal.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return raw


def test_renal_numbers_are_those_of_yang_2003() -> None:
    """Yang 2003: ratios 0.84/0.50/0.30/0.25, IV ESRD 20/137, slope 0.0062, groups 30/50/80."""
    data = get_renal_data()
    assert dict(data.group_ratios) == {
        "normal": 1.0,
        "mild": 0.84,
        "moderate": 0.50,
        "severe": 0.30,
        "esrd": 0.25,
    }
    assert data.iv_esrd_ratio == 20 / 137
    assert (data.slope_per_ml_min, data.reference_ml_min, data.cap_ml_min) == (0.0062, 100, 150)
    assert (data.severe_below_ml_min, data.moderate_below_ml_min, data.mild_up_to_ml_min) == (
        30,
        50,
        80,
    )


def test_every_renal_number_has_provenance() -> None:
    """Each number: one of five statuses, a registry source; the ESRD bound is a site decision."""
    values = get_renal_data().values
    assert len(values) == 14
    for key, value in values.items():
        assert value.status in STATUSES and has_entry(value.source), key
    esrd = values["group_bounds.esrd_below"]
    assert (esrd.value, esrd.status, esrd.source) == (15, "site-decision", "site")
    assert "assumption" in esrd.note.lower()
    assert {v.source for k, v in values.items() if k != "group_bounds.esrd_below"} == {"yang-2003"}


@pytest.mark.parametrize(
    ("crcl", "group"),
    [
        (0, "esrd"),
        (14.9, "esrd"),
        (15, "severe"),
        (29.9, "severe"),
        (30, "moderate"),
        (49.9, "moderate"),
        (50, "mild"),
        (80, "mild"),
        (80.1, "normal"),
    ],
)
def test_renal_groups(crcl: float, group: str) -> None:
    """Yang 2003 groups: < 30 severe, 30-49 moderate, 50-80 mild, > 80 normal; ESRD < 15 (site)."""
    assert renal_group(crcl) == group


def test_renal_factors() -> None:
    """R1 = 10^(0.0062 (min(CrCl, 150) - 100)); R2 group ratios; R2-IV ESRD 20/137 (hand)."""
    factors = renal_factor("R1", np.array([40.0, 100.0, 150.0, 220.0]))
    np.testing.assert_allclose(factors, 10 ** (0.0062 * np.array([-60.0, 0.0, 50.0, 50.0])))
    np.testing.assert_allclose(
        renal_factor("R2", np.array([10.0, 20, 40, 65, 90])), [0.25, 0.3, 0.5, 0.84, 1]
    )
    assert float(renal_factor("R2-IV", 10.0)) == pytest.approx(20 / 137)
    with pytest.raises(InvalidInput, match="R1, R2, R2-IV"):
        renal_factor("R3", 50.0)


def test_allometric_scaling() -> None:
    """(140/70)^0.75 = 2^0.75 = 1.6818; a weight of 0 is refused."""
    assert float(allometric(140.0, 0.75, 70.0)) == pytest.approx(2**0.75)
    with pytest.raises(InvalidInput, match="WT"):
        allometric(0.0, 0.75, 70.0)


def test_unknown_source_or_status_is_refused_naming_the_number() -> None:
    """A renal number citing no registry entry, or with an old status word, does not load."""
    raw = _packaged()
    raw["group_ratios"]["mild"]["source"] = "Yang et al. 2003"
    raw["regression"]["slope"]["status"] = "confirmed"
    with pytest.raises(ProblemList) as caught:
        read_renal_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    text = str(caught.value)
    assert "renal.yaml: 'regression.slope': 'status' must be one of" in text
    assert "renal.yaml: 'group_ratios.mild': 'source' cites 'Yang et al. 2003'" in text


def test_missing_numbers_and_unordered_bounds_are_refused() -> None:
    """A missing ratio is named; group bounds that are not ascending are refused."""
    raw = _packaged()
    del raw["group_ratios"]["severe"]
    with pytest.raises(DatasetError) as caught:
        read_renal_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    assert caught.value.field == "group_ratios.severe"
    raw = _packaged()
    raw["group_bounds"]["esrd_below"]["value"] = 35
    with pytest.raises(DatasetError, match="ascending") as caught:
        read_renal_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    assert caught.value.field == "group_bounds"
