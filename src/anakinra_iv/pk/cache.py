"""Propagator caches bounded in bytes, together: one budget for every cache of the process.

A propagator pair for a batch of subjects holds 2·S·n² doubles (2.5 MB for 10,000 subjects and
four compartments), so a cache capped by its number of entries grows with the batch: 4,096
entries of that size are 10 GB. Here every cache entry is counted in bytes against one budget,
``ANAKINRA_PK_CACHE_MIB`` mebibytes (default 256) for all caches of the process together, and the
least recently used entries, whichever cache holds them, leave first. An entry larger than the
whole budget is computed and used but not kept.

Examples
--------
>>> import numpy as np
>>> cache = PropagatorCache()
>>> cache.put(0.5, (np.zeros((2, 2)), np.ones((2, 2))))
>>> cache.get(0.5)[1].sum(), cache.get(1.0)
(np.float64(4.0), None)
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import weakref
from collections import OrderedDict

import numpy as np

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk._types import FloatArray

__all__ = [
    "CACHE_SETTING",
    "DEFAULT_CACHE_MIB",
    "PropagatorCache",
    "get_cache_limit_bytes",
    "get_cached_bytes",
]

CACHE_SETTING = "ANAKINRA_PK_CACHE_MIB"
"""Environment variable: the bytes (in MiB) all propagator caches of a process may hold."""
DEFAULT_CACHE_MIB = 256.0

Entry = tuple[FloatArray, ...]


def get_cache_limit_bytes() -> int:
    """The budget of all propagator caches, from ``ANAKINRA_PK_CACHE_MIB`` (default 256 MiB).

    Raises
    ------
    InvalidInput
        The variable is not a number of MiB >= 0 (0 turns caching off).
    """
    return _limit_bytes(os.environ.get(CACHE_SETTING))


@functools.lru_cache(maxsize=8)
def _limit_bytes(text: str | None) -> int:
    if text is None or not text.strip():
        return int(DEFAULT_CACHE_MIB * 2**20)
    try:
        mib = float(text)
    except ValueError:
        mib = float("nan")
    if not (mib >= 0 and np.isfinite(mib)):
        raise InvalidInput(
            f"{CACHE_SETTING} must be a number of MiB >= 0 (got '{text}')",
            field=CACHE_SETTING,
            value=text,
        )
    return int(mib * 2**20)


class _Budget:
    """Every cached entry of the process, least recently used first, with its size.

    Caches are known by a serial number; a cache that is garbage-collected only leaves its number
    in ``dead`` (no lock is taken inside the collector), and its entries are swept out under the
    lock at the next use.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[int, float], int] = OrderedDict()
        self.caches: dict[int, weakref.ref[PropagatorCache]] = {}
        self.owned: dict[int, set[float]] = {}
        self.dead: list[int] = []
        self.serials = itertools.count()
        self.total = 0

    def register(self, cache: PropagatorCache) -> int:
        serial = next(self.serials)
        dead = self.dead

        def died(_: weakref.ref[PropagatorCache]) -> None:
            dead.append(serial)

        with self.lock:
            self.caches[serial] = weakref.ref(cache, died)
            self.owned[serial] = set()
        return serial

    def sweep(self) -> None:
        """Drop the entries of caches that no longer exist (call with the lock held)."""
        while self.dead:
            owner = self.dead.pop()
            for key in self.owned.pop(owner, ()):
                self.total -= self.entries.pop((owner, key))
            self.caches.pop(owner, None)

    def admit(self, owner: int, key: float, size: int, limit: int) -> bool:
        """Make room for an entry, evicting the oldest of any cache; False if it cannot fit
        (call with the lock held)."""
        self.sweep()
        if size > limit:
            return False
        while self.total + size > limit and self.entries:
            (holder, old), freed = self.entries.popitem(last=False)
            self.total -= freed
            self.owned[holder].discard(old)
            found = self.caches.get(holder)
            cache = found() if found is not None else None
            if cache is not None:
                cache.entries.pop(old, None)
        self.entries[(owner, key)] = size
        self.owned[owner].add(key)
        self.total += size
        return True


_BUDGET = _Budget()


class PropagatorCache:
    """Arrays by step length (h), under the process-wide byte budget."""

    def __init__(self) -> None:
        self.entries: dict[float, Entry] = {}
        self.serial = _BUDGET.register(self)

    def get(self, key: float) -> Entry | None:
        """The entry, marked as just used, or ``None``."""
        with _BUDGET.lock:
            found = self.entries.get(key)
            if found is not None:
                _BUDGET.entries.move_to_end((self.serial, key))
            return found

    def put(self, key: float, value: Entry) -> None:
        """Keep ``value`` if it fits the budget, evicting the least recently used entries."""
        size = sum(int(a.nbytes) for a in value)
        limit = get_cache_limit_bytes()
        with _BUDGET.lock:
            if key not in self.entries and _BUDGET.admit(self.serial, key, size, limit):
                self.entries[key] = value

    def __len__(self) -> int:
        return len(self.entries)


def get_cached_bytes() -> int:
    """Bytes held by all propagator caches of the process now."""
    with _BUDGET.lock:
        _BUDGET.sweep()
        return _BUDGET.total
