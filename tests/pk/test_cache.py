"""Propagator caches are bounded in bytes, all together, by ``ANAKINRA_PK_CACHE_MIB``."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk.analytic import AnalyticKernel
from anakinra_iv.pk.cache import (
    CACHE_SETTING,
    PropagatorCache,
    get_cache_limit_bytes,
    get_cached_bytes,
)


def _kernel(subjects: int, seed: int = 0) -> AnalyticKernel:
    """Two compartments (central, peripheral) with rates drawn per subject."""
    rng = np.random.default_rng(seed)
    k10, k12, k21 = (rng.uniform(0.05, 0.5, subjects) for _ in range(3))
    k = np.zeros((subjects, 2, 2))
    k[:, 0, 0] = -(k10 + k12)
    k[:, 1, 0] = k12
    k[:, 0, 1] = k21
    k[:, 1, 1] = -k21
    return AnalyticKernel(k, 0, np.full(subjects, 10.0))


def test_default_is_256_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the setting the budget is 256 MiB."""
    monkeypatch.delenv(CACHE_SETTING, raising=False)
    assert get_cache_limit_bytes() == 256 * 2**20


@pytest.mark.parametrize("text", ["-1", "lots", "nan", "inf"])
def test_a_bad_setting_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """A negative, non-numeric or infinite budget is an error naming the variable."""
    monkeypatch.setenv(CACHE_SETTING, text)
    with pytest.raises(InvalidInput, match=CACHE_SETTING) as caught:
        get_cache_limit_bytes()
    assert caught.value.field == CACHE_SETTING


@settings(max_examples=25, deadline=None)
@given(
    budget_kib=st.sampled_from([0, 4, 16, 64]),
    steps=st.lists(st.sampled_from([0.1, 0.25, 0.5, 1.0, 2.0, 7.5, 12.0]), min_size=1),
    subjects=st.integers(1, 40),
)
def test_caches_stay_within_the_budget_and_give_the_same_propagators(
    budget_kib: int, steps: list[float], subjects: int
) -> None:
    """Whatever the budget (0 turns caching off), the bytes held by all caches of the process
    never exceed it, and the propagators equal freshly computed ones (the cache only saves
    work)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_SETTING, str(budget_kib / 1024))
        kernels = [_kernel(subjects, seed) for seed in (1, 2)]
        fresh = [_kernel(subjects, seed) for seed in (1, 2)]
        for i, dt in enumerate(steps):
            kernel = kernels[i % 2]
            e, g = kernel.propagators(dt)
            assert get_cached_bytes() <= budget_kib * 1024
            full = fresh[i % 2]._augmented(dt)
            np.testing.assert_array_equal(e, full[:, :2, :2])
            np.testing.assert_array_equal(g, full[:, :2, 2:])


def test_least_recently_used_leaves_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for two entries, using the first again keeps it when a third arrives."""
    entry = (np.zeros(64), np.zeros(64))  # 1 KiB
    monkeypatch.setenv(CACHE_SETTING, str(2.5 / 1024))
    cache = PropagatorCache()
    cache.put(1.0, entry)
    cache.put(2.0, entry)
    assert cache.get(1.0) is not None
    cache.put(3.0, entry)
    assert (cache.get(1.0) is not None, cache.get(2.0), cache.get(3.0) is not None) == (
        True,
        None,
        True,
    )


def test_an_entry_larger_than_the_budget_is_used_but_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kernel of 1,000 subjects under a 1 KiB budget still advances exactly, keeping nothing."""
    monkeypatch.setenv(CACHE_SETTING, str(1 / 1024))
    kernel = _kernel(1000)
    amounts = np.ones((1000, 2))
    once = kernel.advance(amounts, 3.0, None)
    assert len(kernel._propagators) == 0
    np.testing.assert_array_equal(once, kernel.advance(amounts, 3.0, None))


def test_a_collected_kernel_gives_its_bytes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """When a kernel is garbage-collected, its entries leave the budget."""
    monkeypatch.setenv(CACHE_SETTING, "64")
    kernel = _kernel(500)
    kernel.propagators(1.0)
    held = get_cached_bytes()
    assert held >= 2 * 500 * 2 * 2 * 8
    del kernel
    gc.collect()
    assert get_cached_bytes() <= held - 2 * 500 * 2 * 2 * 8
