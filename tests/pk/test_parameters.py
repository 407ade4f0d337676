"""Named parameter sets: provenance of every value, covariates, the public API."""

from __future__ import annotations

import pytest

import anakinra_iv.pk as pk
from anakinra_iv.errors import InvalidInput, UnknownItem
from anakinra_iv.pk import calculate_typical_clearance, get_model, list_models


def test_adult_model_flags_calibrated_iv_volumes() -> None:
    """anakinra-adult (§3.1): CL published (Yang 2003), the IV volumes calibrated (derived)."""
    model = get_model("anakinra-adult")
    assert (model.parameters["CL"].status, model.parameters["CL"].source) == (
        "published",
        "yang-2003",
    )
    assert {model.parameters[p].status for p in ("V1", "Q", "V2", "KA")} == {"derived"}
    assert {model.parameters[p].source for p in ("V1", "Q", "V2", "KA")} == {"pk-calibration"}
    exponent = model.parameters["CL"].exponent_provenance
    assert exponent is not None and exponent.status == "site-decision" and exponent.note


def test_urien_values_are_published() -> None:
    """anakinra-urien-2013 (Urien 2013): typical values and weight exponents are published."""
    model = get_model("anakinra-urien-2013")
    for name in ("CL", "V", "KA"):
        assert model.parameters[name].status == "published"
        assert model.parameters[name].source == "urien-2013"
    for name, exponent in (("CL", 0.47), ("V", 0.76)):
        provenance = model.parameters[name].exponent_provenance
        assert model.parameters[name].weight_exponent == exponent
        assert provenance is not None and provenance.status == "published"


def test_user_values_are_marked_as_site_decisions() -> None:
    """A value given with --param is a site decision (source site) that says it was given."""
    model = get_model("anakinra-adult").with_parameters({"v1": 7.0})
    value = model.parameters["V1"]
    assert (value.value, value.status, value.source) == (7.0, "site-decision", "site")
    assert "--param" in value.note and value.weight_exponent == 1.0


def test_alternative_disposition_half_lives() -> None:
    """anakinra-adult-alt: t½α ≈ 21 min and t½β ≈ 1.8 h (Granowitz 1992, §3.1)."""
    import numpy as np

    p = {k: v.value for k, v in get_model("anakinra-adult-alt").parameters.items()}
    k10, k12, k21 = p["CL"] / p["V1"], p["Q"] / p["V1"], p["Q"] / p["V2"]
    total = k10 + k12 + k21
    root = np.sqrt(total**2 - 4 * k10 * k21)
    alpha, beta = (total + root) / 2, (total - root) / 2
    assert np.log(2) / alpha * 60 == pytest.approx(21, abs=1.5)
    assert np.log(2) / beta == pytest.approx(1.8, abs=0.1)


def test_typical_clearance_for_rate_scaling() -> None:
    """CL = 8.2 × (WT/70)^0.75 × 10^(0.0062(CrCl − 100)) L/h, returned as a quantity."""
    cl = calculate_typical_clearance("anakinra-adult", "100 kg", "60 mL/min")
    assert str(cl.units) == "liter / hour"
    assert cl.magnitude == pytest.approx(8.2 * (100 / 70) ** 0.75 * 10 ** (0.0062 * -40))
    assert calculate_typical_clearance(get_model("anakinra-urien-2013"), "20 kg").magnitude == (
        pytest.approx(6.24 * (20 / 70) ** 0.47)
    )
    with pytest.raises(InvalidInput, match="creatinine"):
        calculate_typical_clearance("anakinra-adult", "70 kg")


def test_models_and_unknown_names() -> None:
    """The three anakinra sets and six structural models; an unknown name is refused."""
    names = [m.name for m in list_models()]
    assert names[:3] == ["anakinra-adult", "anakinra-adult-alt", "anakinra-urien-2013"]
    assert "three-compartment-absorption" in names and len(names) == 9
    with pytest.raises(UnknownItem, match="unknown model"):
        get_model("anakinra-child")


def test_public_api_is_complete_and_sorted() -> None:
    """pk.__all__ lists every public name, in ruff's order (classes, then functions)."""
    import types

    public = {
        a
        for a, v in vars(pk).items()
        if not a.startswith("_") and not isinstance(v, types.ModuleType) and a != "annotations"
    }
    assert set(pk.__all__) == public
    assert pk.__all__ == sorted(
        pk.__all__, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
