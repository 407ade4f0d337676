"""NONMEM event semantics over an exact (or ODE) propagation kernel.

The engine walks one subject's records — or the shared records of a batch of subjects whose
parameters differ — in time order and turns them into state changes:

- EVID 0 observation (an output), 1 dose, 2 other (covariates only), 3 reset, 4 reset then dose.
- A dose is a bolus (RATE 0) or a zero-order infusion: RATE > 0 fixed (duration = F·AMT/RATE),
  RATE -1 (rate MRATE, duration F·AMT/MRATE) or RATE -2 (duration DUR, rate F·AMT/DUR).
- F scales the amount; ALAG delays the dose. Both come from the record's F/ALAG columns, else the
  model's ``F1``/``ALAG1`` for depot doses, else 1 and 0.
- ADDL repeats the dose every II hours (lazily, so large ADDL costs nothing).
- SS 1 replaces the state by the periodic steady state of the dose repeated every II (bolus,
  infusion shorter, equal or longer than II — overlapping infusions keep running after the
  record), SS 2 adds it to the current state (whose infusions and pending doses go on). With ALAG
  the state is the one at phase II − ALAG of the cycle ("steady state is computed as if there
  were no ALAG, then advanced to II − ALAG", NONMEM help, SS dose event record) and the record's
  own dose enters at TIME + ALAG; a lag of II or more with SS is refused rather than guessed.
  F applies to every implied dose, so a fixed-rate infusion is shortened to F·AMT/RATE in each
  cycle, while a modelled duration (RATE -2) keeps DUR and carries F·AMT.
- AMT 0, RATE > 0 (or RATE -1 with MRATE), II 0 with SS is a steady-state constant infusion: the
  state is set to (SS 1) or increased by (SS 2) the steady state of that rate, and the infusion
  "terminates at the event time of the SS dose record" (NONMEM help, SS dose event record). F does
  not apply to it ("bioavailability fractions apply to all types of doses except continuous
  steady-state infusions", PREDPP guide). RATE -2 cannot describe one and is refused.
- Records at equal times are processed in file order; doses implied by ADDL or ALAG and infusion
  ends at a time are processed before the records at that time (NONMEM and mrgsolve's default), so
  an observation at the time a lagged dose enters sees it.
- SS 1 "zeroes out" the amounts from prior dose records and cancels "infusions in progress or
  pending additional doses" (NONMEM help, SS data item); doses still waiting for their lag time
  are cancelled too, being amounts from prior dose records. A reset (EVID 3, and EVID 4 before
  its dose) re-initialises the system, which the same help describes as the total form of that
  reset: it empties every compartment, stops running infusions and cancels pending ADDL and lagged
  doses. The ADDL doses of an EVID 4 record are plain doses: only the record itself resets. EVID 4
  with SS 1 is the same as EVID 1 with SS 1; with SS 2 the reset leaves nothing to add to.
- Covariates and per-record parameters act from their record on (last observation carried
  forward), so a falling creatinine clearance changes clearance from that time. This is the
  project's contract; NONMEM's own default computes each advance with the values of the record
  that ends it (mrgsolve's ``nocb``), so over the one interval that ends at a record carrying a new
  value the two conventions differ. An EVID 2 record changes covariates without a dose.

Outputs are either the EVID 0 records (dataset mode) or a regular time grid (regimen mode), in
which case the grid points between two events are evaluated in blocks from the segment's start
state, without stepping through them one by one.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from anakinra_iv.errors import DatasetError
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.analytic import GRID_BLOCK, AnalyticKernel
from anakinra_iv.pk.dataset import Record
from anakinra_iv.pk.models import StructuralModel

__all__ = [
    "DoseValues",
    "EventEngine",
    "GridSink",
    "Kernel",
    "KernelFactory",
    "TimelineDivergesError",
]

_EPS = 1e-9

Numbers = FloatArray | float
"""A record's number: one value, or one per subject of a batch."""


class Kernel(Protocol):
    """What the engine needs from a propagation method (exact or ODE)."""

    def advance(self, amounts: FloatArray, dt: float, rates: FloatArray | None) -> FloatArray: ...

    def concentration(self, amounts: FloatArray) -> FloatArray: ...

    def on_grid(
        self, amounts: FloatArray, rates: FloatArray | None, step: float, out: FloatArray
    ) -> object: ...

    def periodic_state(
        self, bolus: FloatArray | None, pieces: Sequence[tuple[float, FloatArray | None]]
    ) -> FloatArray: ...

    def constant_input_state(self, rates: FloatArray) -> FloatArray: ...


KernelFactory = Callable[[FloatArray, int, FloatArray], Kernel]
"""Builds a kernel from (rate matrices, central index, central volumes)."""


def analytic_kernel(k: FloatArray, central: int, volume: FloatArray) -> Kernel:
    """The default, exact kernel."""
    return AnalyticKernel(k, central, volume)


class GridSink(Protocol):
    """Receives grid outputs block by block: a writable buffer, then a commit.

    A sink may also define ``left_limit(index, values)``: it then receives, for each grid time at
    which an event happens, the concentrations just before the event (the grid value itself is
    the one just after, as for a data record placed after the dose).
    """

    def buffer(self, start: int, stop: int) -> FloatArray: ...

    def commit(self, start: int, stop: int) -> None: ...


class TimelineDivergesError(Exception):
    """Subjects of one batch would need different event times (lag, infusion duration)."""


@dataclass
class _Dose:
    index: int  # reduced state index
    amount: FloatArray  # (S,) mg after F
    rate: FloatArray | None  # (S,) mg/h, None for a bolus
    duration: float  # h (0 for a bolus)
    lag: float
    ii: float
    record: Record


@dataclass
class _Infusion:
    index: int
    rate: FloatArray


@dataclass(frozen=True)
class DoseValues:
    """Per-subject dose numbers of a batch whose subjects share one schedule.

    Arrays of shape (records, subjects): ``amt`` (mg), ``rate`` and ``mrate`` (mg/h). They replace
    the records' own AMT, RATE and MRATE; everything that decides event times (TIME, EVID, CMT,
    II, ADDL, SS, F, ALAG, DUR and the infusion durations) stays the shared records'.
    """

    amt: FloatArray
    rate: FloatArray
    mrate: FloatArray


class EventEngine:
    """Run one batch of subjects through their records.

    Parameters
    ----------
    model
        Structural model.
    records
        The batch's records in file order (one subject, or one schedule shared by all subjects).
    parameter_sets
        Parameter dictionaries of arrays of shape (subjects,).
    record_parameters
        For each record, the index of the parameter set in force from that record on.
    subjects
        Batch size.
    kernel_factory
        Propagation method, exact by default.
    values
        Per-subject AMT, RATE and MRATE for a batch of subjects sharing the records' schedule.
    strict
        Require event times (lag, infusion durations) to be equal across the batch to the last
        bit, so that each subject sees exactly the times it would alone; by default a relative
        1e-9 is tolerated (one schedule simulated for a population).
    """

    def __init__(
        self,
        model: StructuralModel,
        records: Sequence[Record],
        parameter_sets: Sequence[Mapping[str, FloatArray]],
        record_parameters: Sequence[int],
        subjects: int,
        kernel_factory: KernelFactory = analytic_kernel,
        values: DoseValues | None = None,
        strict: bool = False,
    ) -> None:
        self.model = model
        self.values = values
        self.tolerance = 0.0 if strict else _EPS
        self.records = list(records)
        self.parameter_sets = list(parameter_sets)
        self.record_parameters = list(record_parameters)
        self.subjects = subjects
        self.kernel_factory = kernel_factory
        self.n_transit = model.transit_count(self.parameter_sets[0])
        for params in self.parameter_sets[1:]:
            if model.transit_count(params) != self.n_transit:
                raise DatasetError(
                    "the number of transit compartments NTR must not change", column="NTR"
                )
        self.n_full = model.n_states(self.n_transit)
        self._check_compartments()
        self.active = self._active_states()
        self.position = {full: i for i, full in enumerate(self.active)}
        self.central = self.position[model.central_cmt - 1]
        self._kernels: dict[int, Kernel] = {}

    # -- set-up --------------------------------------------------------------------------------
    def _check_compartments(self) -> None:
        for record in self.records:
            if record.is_dose and record.cmt is not None and record.cmt > self.n_full:
                raise DatasetError(
                    f"row {record.row}, column CMT: model '{self.model.name}' has compartments "
                    f"1 to {self.n_full} (got {record.cmt})",
                    row=record.row,
                    column="CMT",
                    value=record.cmt,
                )

    def dose_cmt(self, record: Record) -> int:
        """0-based full-state index a dose record goes into."""
        if record.cmt is not None:
            return record.cmt - 1
        default = self.model.depot_cmt or self.model.central_cmt
        return default - 1

    def _active_states(self) -> list[int]:
        """States reachable from a dosed compartment (others stay zero), always with central."""
        pattern = self.model.rate_matrix({k: v[:1] for k, v in self.parameter_sets[0].items()})[0]
        reached = {self.model.central_cmt - 1}
        reached.update(self.dose_cmt(r) for r in self.records if r.is_dose)
        frontier = list(reached)
        while frontier:
            source = frontier.pop()
            for target in np.nonzero(pattern[:, source])[0]:
                if int(target) not in reached:
                    reached.add(int(target))
                    frontier.append(int(target))
        return sorted(reached)

    def kernel(self, index: int) -> Kernel:
        """Kernel of parameter set ``index`` restricted to the active states."""
        found = self._kernels.get(index)
        if found is None:
            params = self.parameter_sets[index]
            full = self.model.rate_matrix(params)
            sub = full[:, self.active][:, :, self.active]
            volume = np.broadcast_to(self.model.central_volume(params), (self.subjects,))
            found = self.kernel_factory(np.ascontiguousarray(sub), self.central, volume)
            self._kernels[index] = found
        return found

    # -- run -----------------------------------------------------------------------------------
    def run(
        self,
        *,
        grid: tuple[float, int] | None = None,
        sink: GridSink | None = None,
        on_observation: Callable[[int, FloatArray], None] | None = None,
    ) -> None:
        """Process every record.

        Parameters
        ----------
        grid
            ``(step h, count)``: outputs at 0, step, ..., (count-1)·step, delivered to ``sink``.
        on_observation
            Called with (record position, concentrations (S,)) at each EVID 0 record.
        """
        n = len(self.active)
        self.x = np.zeros((self.subjects, n))
        self.infusions: dict[int, _Infusion] = {}
        self._rates: FloatArray | None = None
        self._queue: list[tuple[float, int, int, str, object]] = []
        self._seq = 0
        self._serial = 0
        self._epoch = 0
        self.grid = grid
        self.sink = sink
        self.next_output = 0
        self.param_index = self.record_parameters[0] if self.records else 0
        end_time = (grid[1] - 1) * grid[0] if grid else math.inf
        self.t = 0.0 if grid else (self.records[0].time if self.records else 0.0)
        for position, record in enumerate(self.records):
            self._push(record.time, 1, "record", position, seq=position)
        left = len(self.records)
        while self._queue and (left > 0 or grid is not None):
            time, _, _, kind, payload = heapq.heappop(self._queue)
            if time > end_time + _EPS:
                break
            if time > self.t:
                self._advance_to(time)
            if kind == "record":
                assert isinstance(payload, int)
                self._record(payload, on_observation)
                left -= 1
            elif kind == "dose":
                assert isinstance(payload, tuple)
                dose, remaining, epoch = payload
                if epoch != self._epoch:
                    continue  # cancelled by a reset or an SS 1 dose since it was scheduled
                self._start(dose, time)
                if remaining > 0:
                    self._push(time + dose.ii, 0, "dose", (dose, remaining - 1, epoch))
            elif kind == "end":
                assert isinstance(payload, int)
                if self.infusions.pop(payload, None) is not None:
                    self._rates = None
        if grid is not None:
            self._advance_to(end_time, inclusive=True)

    def _push(
        self, time: float, group: int, kind: str, payload: object, seq: int | None = None
    ) -> None:
        if seq is None:
            self._seq += 1
            seq = -1_000_000_000 + self._seq
        heapq.heappush(self._queue, (time, group, seq, kind, payload))

    @property
    def current(self) -> Kernel:
        return self.kernel(self.param_index)

    def rates(self) -> FloatArray | None:
        if not self.infusions:
            return None
        if self._rates is None:
            rates = np.zeros((self.subjects, len(self.active)))
            for infusion in self.infusions.values():
                rates[:, infusion.index] += infusion.rate
            self._rates = rates
        return self._rates

    def _advance_to(self, time: float, inclusive: bool = False) -> None:
        kernel = self.current
        rates = self.rates()
        if self.grid is not None and self.sink is not None:
            step, count = self.grid
            limit = count if inclusive else min(count, math.ceil(time / step - _EPS))
            start = self.next_output
            if limit > start:
                offset = max(0.0, start * step - self.t)
                x = kernel.advance(self.x, offset, rates) if offset > _EPS else self.x
                while start < limit:
                    stop = min(limit, start + GRID_BLOCK)
                    kernel.on_grid(x, rates, step, self.sink.buffer(start, stop))
                    self.sink.commit(start, stop)
                    if stop < limit:
                        x = kernel.advance(x, (stop - start) * step, rates)
                    start = stop
                self.next_output = limit
        if time > self.t:
            self.x = kernel.advance(self.x, time - self.t, rates)
            self.t = time
            if self.grid is not None and self.sink is not None and not inclusive:
                index = self.next_output
                left_limit = getattr(self.sink, "left_limit", None)
                if left_limit is not None and abs(index * self.grid[0] - time) <= _EPS * max(
                    1.0, time
                ):
                    left_limit(index, kernel.concentration(self.x))

    # -- records -------------------------------------------------------------------------------
    def _record(
        self, position: int, on_observation: Callable[[int, FloatArray], None] | None
    ) -> None:
        record = self.records[position]
        self.param_index = self.record_parameters[position]
        if record.evid == 0:
            if on_observation is not None:
                on_observation(position, self.current.concentration(self.x))
            return
        if record.evid in (3, 4):
            self._reset()
        if record.evid in (1, 4):
            self._dose_record(record, position)

    def _reset(self) -> None:
        """Empty every compartment, stop running infusions, cancel pending (ADDL, lagged) doses."""
        self.x = np.zeros_like(self.x)
        self.infusions.clear()
        self._rates = None
        self._epoch += 1

    def _uniform(self, values: FloatArray | float, what: str) -> float:
        array = np.asarray(values, dtype=float)
        first = float(array.flat[0])
        if array.size > 1 and float(np.ptp(array)) > self.tolerance * max(1.0, abs(first)):
            raise TimelineDivergesError(what)
        return first

    def _numbers(self, record: Record, position: int) -> tuple[Numbers, Numbers, Numbers]:
        """AMT, RATE and MRATE of the record: per subject in a batch with values, else its own."""
        if self.values is None:
            return record.amt, record.rate, record.mrate or 0.0
        values = self.values
        return values.amt[position], values.rate[position], values.mrate[position]

    def _realise(self, record: Record, position: int) -> _Dose:
        params = self.parameter_sets[self.param_index]
        full_index = self.dose_cmt(record)
        is_depot = self.model.depot_cmt is not None and full_index == self.model.depot_cmt - 1
        ones = np.ones(self.subjects)
        if record.f is not None:
            f = ones * record.f
        elif is_depot and "F1" in params:
            f = ones * params["F1"]
        else:
            f = ones
        if record.alag is not None:
            lag = record.alag
        elif is_depot and "ALAG1" in params:
            lag = self._uniform(params["ALAG1"], "lag time")
        else:
            lag = 0.0
        amt, given_rate, mrate = self._numbers(record, position)
        amount = f * amt
        rate: FloatArray | None = None
        duration = 0.0
        if record.rate > 0:
            rate = ones * given_rate
            duration = self._uniform(amount / given_rate, "infusion duration")
        elif record.rate == -1:
            assert record.mrate is not None
            rate = ones * mrate
            duration = self._uniform(amount / mrate, "infusion duration")
        elif record.rate == -2:
            assert record.dur is not None
            duration = record.dur
            rate = amount / duration
        return _Dose(self.position[full_index], amount, rate, duration, lag, record.ii, record)

    def _dose_record(self, record: Record, position: int) -> None:
        dose = self._realise(record, position)
        if record.ss in (1, 2):
            if record.amt == 0 and (record.rate > 0 or record.rate == -1) and record.ii == 0:
                self._constant_steady_state(dose, record, position)
                return
            self._steady_state(dose, record)
        first = record.time + dose.lag
        if dose.lag > 0:
            self._push(first, 0, "dose", (dose, record.addl, self._epoch))
            return
        self._start(dose, record.time)
        if record.addl > 0:
            self._push(first + record.ii, 0, "dose", (dose, record.addl - 1, self._epoch))

    def _start(self, dose: _Dose, time: float) -> None:
        if dose.rate is None:
            self.x = self.x.copy()
            self.x[:, dose.index] += dose.amount
            return
        if dose.duration <= 0 or not np.any(dose.amount > 0):
            return
        self._add_infusion(dose.index, dose.rate, time + dose.duration)

    def _add_infusion(self, index: int, rate: FloatArray, end: float) -> None:
        self._serial += 1
        self.infusions[self._serial] = _Infusion(index, rate)
        self._rates = None
        self._push(end, 0, "end", self._serial)

    # -- steady state --------------------------------------------------------------------------
    def _unit_rates(self, dose: _Dose) -> FloatArray:
        rates = np.zeros((self.subjects, len(self.active)))
        assert dose.rate is not None
        rates[:, dose.index] = dose.rate
        return rates

    def _constant_steady_state(self, dose: _Dose, record: Record, position: int) -> None:
        rates = np.zeros((self.subjects, len(self.active)))
        _, given_rate, mrate = self._numbers(record, position)
        # F does not apply to a steady-state constant infusion (PREDPP guide); RATE -1 reads MRATE.
        rates[:, dose.index] = mrate if record.rate == -1 else given_rate
        state = self.current.constant_input_state(rates)
        if record.ss == 1:
            self._reset()
            self.x = state
        else:
            self.x = self.x + state

    def _steady_state(self, dose: _Dose, record: Record) -> None:
        kernel = self.current
        ii, lag = record.ii, dose.lag
        if lag >= ii:
            raise DatasetError(
                f"row {record.row}, column ALAG: a steady-state dose needs a lag time shorter than "
                f"II ({lag:g} h >= {ii:g} h)",
                row=record.row,
                column="ALAG",
                value=lag,
            )
        running: list[float] = []  # end times (relative to the dose start at phase 0)
        if dose.rate is None:
            bolus = np.zeros((self.subjects, len(self.active)))
            bolus[:, dose.index] = dose.amount
            pre = kernel.periodic_state(bolus, [(ii, None)])
            state = pre if lag == 0 else kernel.advance(pre + bolus, ii - lag, None)
        else:
            unit = self._unit_rates(dose)
            duration = dose.duration
            whole = math.floor(duration / ii + _EPS)
            rest = duration - whole * ii
            if abs(rest) < _EPS * ii:
                rest = 0.0
            pieces: list[tuple[float, FloatArray | None]] = [
                (rest, unit * (whole + 1)),
                (ii - rest, unit * whole if whole else None),
            ]
            pre = kernel.periodic_state(None, pieces)
            ends = [duration - k * ii for k in range(0, whole + 2) if duration - k * ii > _EPS]
            if lag == 0:
                state = pre
                running = [
                    duration - k * ii for k in range(1, whole + 1) if duration - k * ii > _EPS
                ]
            else:
                state = self._through_cycle(pre, ends, ii - lag, unit)
                running = [e - (ii - lag) for e in ends if e > ii - lag + _EPS]
        if record.ss == 1:
            self._reset()
            self.x = state
        else:
            self.x = self.x + state
        if dose.rate is not None:
            for remaining in running:
                self._add_infusion(dose.index, dose.rate, record.time + remaining)

    def _through_cycle(
        self, state: FloatArray, ends: list[float], until: float, unit: FloatArray
    ) -> FloatArray:
        """Advance from phase 0 (infusions with the given end phases running) to phase ``until``."""
        kernel = self.current
        now = 0.0
        for end in sorted(e for e in ends if e < until):
            count = sum(1 for e in ends if e > now + _EPS)
            state = kernel.advance(state, end - now, unit * count if count else None)
            now = end
        count = sum(1 for e in ends if e > now + _EPS)
        return kernel.advance(state, until - now, unit * count if count else None)
