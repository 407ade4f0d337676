"""Simulating a dataset batch by batch: subjects that share an event pattern advance together.

Two subjects share a pattern when their records agree on everything that decides *when* things
happen — TIME, EVID, CMT, II, ADDL, SS, F, ALAG, DUR, the kind of RATE and each infusion's
duration — and differ only in amounts, rates and covariates. The event engine then walks the
shared records once for the whole batch, with per-subject doses (:class:`DoseValues`) and
per-subject parameters, so the Python work per record is paid once per batch instead of once per
subject, and each propagator is one batched matrix exponential for every subject of the batch
(propagators are batched by step length). Each subject's arithmetic is the one it would get alone:
the same propagators, applied in the same order; event times must agree to the last bit
(``strict``), else the batch is split.

A batch that fails (a bad covariate, a compartment the model lacks, event times that differ) is
split in halves until the subject at fault is found, and that subject is simulated alone by
:func:`simulate_subject`, the record-by-record path, which raises the error it always raised. The
first subject in file order that fails is the one reported, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from anakinra_iv.errors import AnakinraError, DatasetError, InvalidInput
from anakinra_iv.pk._types import BoolArray, FloatArray, IntArray
from anakinra_iv.pk.dataset import Record
from anakinra_iv.pk.engine import (
    DoseValues,
    EventEngine,
    KernelFactory,
    TimelineDivergesError,
    analytic_kernel,
)
from anakinra_iv.pk.parameters import PkModel
from anakinra_iv.pk.prefetch import prefetch_propagators
from anakinra_iv.pk.table import EventTable

__all__ = ["parameter_sets", "simulate_subject", "simulate_table"]

Observer = Callable[[int, FloatArray], None]
_ALONE_CHUNK = 256
"""Subjects run alone whose propagators are computed together (bounded memory)."""


def parameter_sets(
    model: PkModel,
    records: Sequence[Record],
    defaults: Mapping[str, float],
    renal: str | None,
) -> tuple[list[dict[str, FloatArray]], list[int]]:
    """Per-record parameters of one subject (LOCF covariates, parameter columns), deduplicated."""
    names = sorted({name for r in records for name in r.covariates})
    carried: dict[str, float | None] = {}
    for name in names:
        first = next(
            (r.covariates.get(name) for r in records if r.covariates.get(name) is not None), None
        )
        carried[name] = first if first is not None else defaults.get(name)
    sets: list[dict[str, FloatArray]] = []
    keys: list[tuple[tuple[str, float | None], ...]] = []
    indices: list[int] = []
    for record in records:
        for name in names:
            value = record.covariates.get(name)
            if value is not None:
                carried[name] = value
        values = {**defaults, **{k: v for k, v in carried.items() if v is not None}}
        key = tuple(sorted(values.items()))
        if keys and keys[-1] == key:
            indices.append(len(sets) - 1)
            continue
        covariates = {
            k: np.asarray([v], dtype=float) for k, v in values.items() if k in model.covariates
        }
        try:
            params = model.individual_parameters(covariates, renal=renal)
        except InvalidInput as error:
            raise DatasetError(
                f"row {record.row}: {error.message}", row=record.row, column=error.field
            ) from None
        for name, value in values.items():
            if name in model.structure.parameter_names and name not in model.covariates:
                params[name] = np.asarray([value], dtype=float)
        try:
            model.structure.check_parameters(params)
        except InvalidInput as error:
            raise DatasetError(
                f"row {record.row}: {error.message}", row=record.row, column=error.field
            ) from None
        sets.append(params)
        keys.append(key)
        indices.append(len(sets) - 1)
    return sets, indices


def simulate_subject(
    model: PkModel,
    records: Sequence[Record],
    defaults: Mapping[str, float],
    renal: str | None,
    factory: KernelFactory,
) -> dict[int, float]:
    """One subject record by record: concentration (mg/L) by record position for EVID 0."""
    sets, indices = parameter_sets(model, records, defaults, renal)
    engine = EventEngine(model.structure, records, sets, indices, 1, factory)
    model.check_routes(engine.dose_cmt(r) + 1 for r in records if r.is_dose)
    found: dict[int, float] = {}

    def observe(position: int, values: FloatArray) -> None:
        found[position] = float(values[0])

    engine.run(on_observation=observe)
    return found


class _Batches:
    """The dataset's subjects, their carried covariates and their event patterns."""

    def __init__(
        self,
        table: EventTable,
        model: PkModel,
        defaults: Mapping[str, float],
        renal: str | None,
        factory: KernelFactory,
    ) -> None:
        self.table = table
        self.model = model
        self.defaults = dict(defaults)
        self.renal = renal
        self.factory = factory
        self.order, self.starts = table.by_subject()
        self.in_blocks = bool(self.order.size == 0 or self.order[-1] == self.order.size - 1)
        self.in_blocks = self.in_blocks and bool(np.all(np.diff(self.order) == 1))
        self.names = sorted(table.covariates)
        self.carried = {name: self._carried(name) for name in self.names}
        self.changed = self._changed()
        self.out = np.full(len(table), np.nan)

    def _in_subject_order(self, values: FloatArray) -> FloatArray:
        return values if self.in_blocks else values[self.order]

    def _carried(self, name: str) -> FloatArray:
        """A covariate's value in force at each record (subject order): the last value carried
        forward, the first one carried back, the default where a subject never has one (else
        NaN)."""
        values = self._in_subject_order(self.table.covariates[name])
        valid = ~np.isnan(values)
        if np.all(valid):  # given on every record: nothing to carry
            return values
        size = values.size
        index = np.arange(size)
        lengths = np.diff(self.starts)
        segment = np.repeat(self.starts[:-1], lengths)
        ends = segment + np.repeat(lengths, lengths)
        last = np.maximum.accumulate(np.where(valid, index, -1))
        first = np.minimum.accumulate(np.where(valid, index, size)[::-1])[::-1]
        head = first[segment]
        source = np.where(last >= segment, last, np.where(head < ends, head, -1))
        column = np.where(source >= 0, values[np.maximum(source, 0)], np.nan)
        default = self.defaults.get(name)
        result: FloatArray = column if default is None else np.where(source >= 0, column, default)
        return result

    def _changed(self) -> BoolArray:
        """Whether any covariate in force differs from the subject's previous record (subject
        order; False at each subject's first record)."""
        changed = np.zeros(self.order.size, dtype=bool)
        for values in self.carried.values():
            before, after = values[:-1], values[1:]
            differs = after != before
            if np.isnan(values).any():
                differs &= ~(np.isnan(after) & np.isnan(before))
            changed[1:] |= differs
        changed[self.starts[:-1]] = False
        return changed

    def patterns(self) -> list[IntArray]:
        """Subjects grouped by event pattern, each group in file order, groups by first subject.

        Subjects are first sorted by a fingerprint (a 64-bit sum of row hashes of each record's
        pattern items and its place in the subject's sequence); each group is then compared item
        by item with its first subject, and a fingerprint collision is split by exact items.
        """
        import polars as pl

        items = self._pattern_items()
        lengths = np.diff(self.starts)
        place = np.arange(self.order.size) - np.repeat(self.starts[:-1], lengths)
        hashes = pl.DataFrame({**items, "place": place}).hash_rows(seed=11).to_numpy()
        sums = np.add.reduceat(hashes, self.starts[:-1], dtype=np.uint64)
        groups: dict[tuple[int, int], list[int]] = {}
        for s, key in enumerate(zip(lengths.tolist(), sums.tolist(), strict=True)):
            groups.setdefault(key, []).append(s)
        exact = [g for members in groups.values() for g in self._exact(members, items)]
        return sorted(exact, key=lambda g: int(g[0]))

    def _pattern_items(self) -> dict[str, FloatArray]:
        """The items that decide event times, in subject order, leaving out those constant over
        the whole table (NaN written as -inf, so that equal means equal)."""
        t = self.table
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(t.rate > 0, t.amt / t.rate, np.where(t.rate == -1, t.amt / t.mrate, 0))
        kind = np.select([t.rate > 0, t.rate == -1, t.rate == -2], [1.0, 2.0, 3.0], 0.0)
        items = (t.time, t.evid, t.cmt, kind, t.ii, t.addl, t.ss, t.f, t.alag, t.dur, ratio)
        found: dict[str, FloatArray] = {}
        for k, item in enumerate((*items, t.amt == 0)):
            values = np.asarray(item, dtype=float)
            if values.size == 0 or values.strides[0] == 0:
                continue  # one value broadcast over the table
            gaps = np.isnan(values)
            if np.all(gaps) or np.all(values == values[0]):
                continue
            if np.any(gaps):
                values = np.where(gaps, -np.inf, values)
            found[f"item{k}"] = self._in_subject_order(values)
        return found

    def _exact(self, members: list[int], items: Mapping[str, FloatArray]) -> list[IntArray]:
        """The subjects of one fingerprint, split where their items differ."""
        subjects = np.asarray(members, dtype=np.int64)
        length = int(self.starts[members[0] + 1] - self.starts[members[0]])
        offsets = self.starts[subjects][:, None] + np.arange(length)
        same = np.ones(subjects.size, dtype=bool)
        for values in items.values():
            block = values[offsets]
            same &= np.all(block == block[0], axis=1)
        if np.all(same):
            return [subjects]
        split: dict[bytes, list[int]] = {}
        for s in members:
            key = b"".join(v[self.starts[s] : self.starts[s + 1]].tobytes() for v in items.values())
            split.setdefault(key, []).append(s)
        return [np.asarray(g, dtype=np.int64) for g in split.values()]

    def run(self) -> FloatArray:
        """Concentration (mg/L) at every EVID 0 record (NaN elsewhere), by record position."""
        failures: list[tuple[int, Exception]] = []
        groups = self.patterns()
        for group in groups:
            if group.size > 1:
                found = self._first_failure(group)
                failures += [found] if found is not None else []
        alone = np.asarray([int(g[0]) for g in groups if g.size == 1], dtype=np.int64)
        for start in range(0, alone.size, _ALONE_CHUNK):
            failures += self._run_each(alone[start : start + _ALONE_CHUNK])
        if failures:
            raise min(failures, key=lambda f: f[0])[1]
        return self.out

    def _run_each(self, subjects: IntArray) -> list[tuple[int, Exception]]:
        """Subjects that share their pattern with no other: each runs alone, but the propagators
        of all their steps between records are computed first in one batch."""
        failures: list[tuple[int, Exception]] = []
        ready: list[tuple[int, EventEngine, Observer]] = []
        for subject in subjects.tolist():
            try:
                ready.append((subject, *self._prepare(np.asarray([subject]))))
            except (AnakinraError, TimelineDivergesError) as error:
                failures += _found(self._run_alone(subject, error))
        if self.factory is analytic_kernel:
            prefetch_propagators(
                [(engine.kernel(0), engine.records) for _, engine, _ in ready],
                [len(engine.parameter_sets) == 1 for _, engine, _ in ready],
            )
        for subject, engine, observe in ready:
            try:
                engine.run(on_observation=observe)
            except (AnakinraError, TimelineDivergesError) as error:
                failures += _found(self._run_alone(subject, error))
        return failures

    def _first_failure(self, subjects: IntArray) -> tuple[int, Exception] | None:
        """Run the batch; where it fails, halve it until the first failing subject is found."""
        try:
            self._run_batch(subjects)
            return None
        except (AnakinraError, TimelineDivergesError) as error:
            if subjects.size == 1:
                return self._run_alone(int(subjects[0]), error)
        middle = subjects.size // 2
        return self._first_failure(subjects[:middle]) or self._first_failure(subjects[middle:])

    def _run_alone(self, subject: int, error: Exception) -> tuple[int, Exception] | None:
        positions = self.order[self.starts[subject] : self.starts[subject + 1]]
        records = self.table.records_at(positions)
        try:
            found = simulate_subject(self.model, records, self.defaults, self.renal, self.factory)
        except AnakinraError as alone:
            return subject, alone
        for position, value in found.items():
            self.out[positions[position]] = value
        return None

    def _run_batch(self, subjects: IntArray) -> None:
        engine, observe = self._prepare(subjects)
        engine.run(on_observation=observe)

    def _prepare(self, subjects: IntArray) -> tuple[EventEngine, Observer]:
        """The engine of a batch, and where its observations go."""
        length = int(self.starts[subjects[0] + 1] - self.starts[subjects[0]])
        offsets = self.starts[subjects][:, None] + np.arange(length)
        # (R, S): each record of the pattern, then each subject's position of it in the table
        positions = np.ascontiguousarray((offsets if self.in_blocks else self.order[offsets]).T)
        sets, indices = self._parameter_sets(offsets)
        t = self.table
        records = t.records_at(positions[:, 0])
        doses = [p for p, r in enumerate(records) if r.is_dose]
        numbers = [np.zeros((length, subjects.size)) for _ in range(3)]
        for number, column in zip(numbers, (t.amt, t.rate, t.mrate), strict=True):
            number[doses] = column[positions[doses]]
        values = DoseValues(amt=numbers[0], rate=numbers[1], mrate=np.nan_to_num(numbers[2]))
        engine = EventEngine(
            self.model.structure,
            records,
            sets,
            indices,
            subjects.size,
            self.factory,
            values=values,
            strict=True,
        )
        self.model.check_routes(engine.dose_cmt(r) + 1 for r in records if r.is_dose)
        out = self.out

        def observe(position: int, concentrations: FloatArray) -> None:
            out[positions[position]] = concentrations

        return engine, observe

    def _parameter_sets(self, offsets: IntArray) -> tuple[list[dict[str, FloatArray]], list[int]]:
        """A parameter set from each record where any subject's covariates change (offsets (S, R)
        into subject order)."""
        changes = np.any(self.changed[offsets], axis=0)
        sets: list[dict[str, FloatArray]] = []
        indices: list[int] = []
        for position in range(offsets.shape[1]):
            if position == 0 or changes[position]:
                sets.append(self._parameters(offsets[:, position]))
            indices.append(len(sets) - 1)
        return sets, indices

    def _parameters(self, at: IntArray) -> dict[str, FloatArray]:
        """Individual parameters of a batch from the covariates in force at ``at`` (one record of
        each subject, subject order)."""
        model = self.model
        subjects = at.size
        given: dict[str, FloatArray] = {
            name: np.full(subjects, value) for name, value in self.defaults.items()
        }
        for name, values in self.carried.items():
            given[name] = values[at]
        covariates: dict[str, FloatArray] = {}
        for name in model.covariates:
            found = given.get(name)
            if found is None or np.any(np.isnan(found)):
                raise InvalidInput(f"covariate {name} is missing", field=name)
            covariates[name] = found
        params = model.individual_parameters(covariates, renal=self.renal, subjects=subjects)
        for name, array in given.items():
            if name in model.structure.parameter_names and name not in model.covariates:
                typical = params.get(name)
                missing = np.isnan(array)
                if typical is None and np.any(missing):
                    raise InvalidInput(f"parameter {name} is missing", field=name)
                params[name] = array if typical is None else np.where(missing, typical, array)
        model.structure.check_parameters(params)
        return params


def _found(failure: tuple[int, Exception] | None) -> list[tuple[int, Exception]]:
    return [] if failure is None else [failure]


def simulate_table(
    table: EventTable,
    model: PkModel,
    defaults: Mapping[str, float],
    renal: str | None,
    factory: KernelFactory,
) -> FloatArray:
    """Concentration (mg/L) at every EVID 0 record of ``table`` (NaN at other records).

    Raises the error of the first subject (in file order) that cannot be simulated, as the
    record-by-record path does.
    """
    return _Batches(table, model, defaults, renal, factory).run()
