"""Population simulation: reproducible from the generator, full Ω, bands in order."""

from __future__ import annotations

import numpy as np
import pytest

from anakinra_iv.pk import get_model, simulate_population, simulate_regimen
from anakinra_iv.pk.parameters import Variability
from anakinra_iv.pk.population import sample_random_effects

REGIMEN = "100 mg iv bolus; 140 mg/h civ for 48 h"


def _run(seed: int, **kwargs: object) -> object:
    return simulate_population(
        REGIMEN,
        n_subjects=400,
        rng=np.random.default_rng(seed),
        weight="70 kg",
        crcl="100 mL/min",
        hours=48,
        step=0.5,
        **kwargs,
    )  # type: ignore[arg-type]


def test_same_generator_same_result() -> None:
    """Every draw comes from the generator passed in: same seed, same bands; other seed, others."""
    a, b, c = _run(1), _run(1), _run(2)
    np.testing.assert_array_equal(a.bands, b.bands)  # type: ignore[attr-defined]
    assert not np.array_equal(a.bands, c.bands)  # type: ignore[attr-defined]


def test_bands_are_ordered_and_centred_on_the_typical_patient() -> None:
    """5th ≤ 50th ≤ 95th; at steady state the median is near R/CL of the typical patient
    (log-normal CL: median Css = R/CL_typical)."""
    result = _run(3)
    low, mid, high = result.bands  # type: ignore[attr-defined]
    assert np.all(low <= mid) and np.all(mid <= high)
    typical = simulate_regimen(REGIMEN, weight="70 kg", crcl="100 mL/min", hours=48, step=0.5)
    assert mid[-1] == pytest.approx(typical.concentration[-1], rel=0.05)
    # 90 % interval of CL with ω² = 0.06: exp(±1.645·0.245) → Css band ratio ≈ 2.24
    assert high[-1] / low[-1] == pytest.approx(np.exp(2 * 1.645 * np.sqrt(0.06)), rel=0.15)


def test_residual_error_widens_the_bands() -> None:
    """Proportional + additive residual error adds spread."""
    plain, noisy = _run(4), _run(4, residual_error=True)
    width = plain.bands[2] - plain.bands[0]  # type: ignore[attr-defined]
    noisy_width = noisy.bands[2] - noisy.bands[0]  # type: ignore[attr-defined]
    assert noisy_width[-1] > width[-1]


def test_full_omega_matrix_gives_correlated_effects() -> None:
    """η ~ N(0, Ω) with an off-diagonal term reproduces Ω."""
    model = get_model("anakinra-adult")
    omega = ((0.06, 0.03, 0.0), (0.03, 0.04, 0.0), (0.0, 0.0, 0.16))
    from dataclasses import replace

    correlated = replace(model, variability=Variability(("CL", "V1", "KA"), omega))
    etas = sample_random_effects(correlated, 200_000, np.random.default_rng(5))
    assert etas is not None
    np.testing.assert_allclose(np.cov(etas.T), omega, atol=2e-3)


def test_weights_per_subject() -> None:
    """An array of weights gives each subject its own covariates (min and max bands differ)."""
    from anakinra_iv.units import Q_

    res = simulate_population(
        "100 mg sc q24h",
        n_subjects=3,
        rng=np.random.default_rng(0),
        model="anakinra-urien-2013",
        weight=Q_(np.array([20.0, 40.0, 60.0]), "kg"),
        hours=24,
        step=1,
        percentiles=(0, 100),
    )
    assert res.bands.shape == (2, 25)
    assert res.bands[1, 5] > res.bands[0, 5] * 1.2
