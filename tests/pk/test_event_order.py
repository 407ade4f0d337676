"""Records at equal times, resets and time-varying parameters, checked against closed forms and an
event loop of the tests' own (scipy ODE between hand-expanded doses, not the engine's queue)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from anakinra_iv.pk import get_model, read_dataset_text, simulate_dataset
from anakinra_iv.pk.analytic import one_compartment_bolus

from .helpers import PARAMETERS, assert_relative
from .oracles import Input, absorption_rhs, integrate_doses, observations, row, simulate

ONE_IV = PARAMETERS["one-compartment"]
ABS = PARAMETERS["one-compartment-absorption"]


def _iv(rows: list[dict[str, float | int | str]], extra: tuple[str, ...] = ()) -> np.ndarray:
    return simulate(rows, "one-compartment", ONE_IV, extra)


def _bolus(t: np.ndarray | float, dose: float) -> np.ndarray:
    return one_compartment_bolus(np.asarray(t, dtype=float), dose, ONE_IV["CL"], ONE_IV["V"])


class TestFileOrder:
    def test_observation_before_a_dose_at_the_same_time_does_not_see_it(self) -> None:
        """Observation, dose, observation at t = 2: 0 then D/V (file order; closed form)."""
        cp = _iv([*observations([2.0]), row(2.0, AMT=90, CMT=1), *observations([2.0])])
        np.testing.assert_allclose(cp, [0.0, 90 / ONE_IV["V"]], rtol=1e-14)

    def test_reset_then_dose_keeps_the_dose(self) -> None:
        """EVID 3 then a dose at t = 2: only the new dose remains (closed form)."""
        cp = _iv([row(0, AMT=100, CMT=1), row(2, EVID=3), row(2, AMT=50, CMT=1), *_obs([2, 3])])
        assert_relative(cp, _bolus([0.0, 1.0], 50), 1e-13)

    def test_dose_then_reset_removes_it(self) -> None:
        """A dose then EVID 3 at t = 2: nothing remains."""
        cp = _iv([row(0, AMT=100, CMT=1), row(2, AMT=50, CMT=1), row(2, EVID=3), *_obs([2, 3])])
        np.testing.assert_array_equal(cp, [0.0, 0.0])

    def test_evid4_is_evid3_then_evid1(self) -> None:
        """EVID 4 equals a reset record followed by the same dose (NONMEM help, EVID)."""
        base = [row(0, AMT=100, CMT=1, RATE=20, II=12, ADDL=2)]
        four = _iv([*base, row(5, EVID=4, AMT=60, CMT=1, RATE=30), *_obs([5, 6, 9, 30])])
        split = _iv([*base, row(5, EVID=3), row(5, AMT=60, CMT=1, RATE=30), *_obs([5, 6, 9, 30])])
        assert_relative(four, split, 1e-14)

    def test_lagged_dose_entering_at_an_observation_is_seen(self) -> None:
        """A dose with ALAG 2 enters before the observation at t = 2 (NONMEM, nmtests ID 15-16)."""
        cp = _iv([row(0, AMT=90, CMT=1, ALAG=2.0), *observations([2.0, 3.0])])
        assert_relative(cp, _bolus([0.0, 1.0], 90), 1e-13)


def _obs(times: list[float]) -> list[dict[str, float | int | str]]:
    return observations(times)


class TestResets:
    def test_reset_cancels_pending_additional_and_lagged_doses(self) -> None:
        """EVID 3 at 18 h re-initialises the system: the ADDL doses due at 24 and 36 h and a dose
        still in its lag time are not given (closed form: zero)."""
        rows = [
            row(0, AMT=100, CMT=1, II=12, ADDL=3),
            row(17, AMT=70, CMT=1, ALAG=4),
            row(18, EVID=3),
        ]
        np.testing.assert_array_equal(_iv(rows + _obs([18, 24, 30, 40])), 0.0)

    def test_evid4_restarts_from_its_own_dose(self) -> None:
        """EVID 4 mid-ADDL equals the EVID 4 record's dose alone, shifted (closed form)."""
        rows = [row(0, AMT=100, CMT=1, II=12, ADDL=3), row(18, EVID=4, AMT=40, CMT=1)]
        assert_relative(_iv(rows + _obs([18, 24, 40])), _bolus([0.0, 6.0, 22.0], 40), 1e-13)

    def test_additional_doses_of_an_evid4_record_do_not_reset(self) -> None:
        """EVID 4 with ADDL resets once; its repeats are plain doses (NONMEM, nmtests ID 20)."""
        rows = [row(0, AMT=100, CMT=1), row(6, EVID=4, AMT=40, CMT=1, II=12, ADDL=2)]
        cp = _iv(rows + _obs([20, 31]))
        expected = [
            float(_bolus(14.0, 40) + _bolus(2.0, 40)),
            float(sum(_bolus(t, 40) for t in (25.0, 13.0, 1.0))),
        ]
        assert_relative(cp, np.asarray(expected), 1e-13)

    def test_evid4_with_ss1_is_evid1_with_ss1(self) -> None:
        """EVID 4 with SS 1 acts as EVID 1 with SS 1, with or without a lag (mrgsolve #1010, #1262,
        checked against NONMEM)."""
        tail = _obs([5, 6, 7.5, 20, 30])
        for lag in (".", 2.0):
            dose = {"AMT": 100, "CMT": 1, "II": 12.0, "SS": 1, "ALAG": lag, "ADDL": 1}
            four = _iv([row(0, AMT=50, CMT=1), row(5, EVID=4, **dose), *tail])
            one = _iv([row(0, AMT=50, CMT=1), row(5, EVID=1, **dose), *tail])
            assert_relative(four, one, 1e-14)


class TestTimeVaryingParameters:
    def test_evid2_changes_clearance_from_its_record_on(self) -> None:
        """A bolus with CL 2 L/h, then EVID 2 at 6 h with CL 0.5: C = D/V·e^(−k1·6)·e^(−k2·(t−6))
        after 6 h and unchanged before (LOCF; closed form)."""
        rows = [
            row(0, AMT=100, CMT=1, CL=2.0),
            *[{**o, "CL": "."} for o in _obs([3.0, 6.0])],
            {"TIME": 6.0, "EVID": 2, "CL": 0.5},
            *[{**o, "CL": "."} for o in _obs([6.0, 10.0, 30.0])],
        ]
        cp = simulate(rows, "one-compartment", {"V": ONE_IV["V"], "CL": 2.0}, ("CL",))
        v = ONE_IV["V"]
        before = 100 / v * np.exp(-2.0 / v * np.array([3.0, 6.0, 6.0]))
        after = 100 / v * math.exp(-2.0 / v * 6) * np.exp(-0.5 / v * np.array([4.0, 24.0]))
        assert_relative(cp, np.concatenate([before, after]), 1e-13)

    def test_falling_crcl_lowers_clearance_from_that_record(self) -> None:
        """anakinra-adult with CRCL 100 then 20 mL/min from an EVID 2 record at 24 h, during a
        continuous IV infusion, equals the tests' own ODE event loop with each record's rate
        matrix (LOCF: the new clearance acts from 24 h on)."""
        model = get_model("anakinra-adult")
        structure = model.structure
        central = structure.central_cmt
        text = (
            "ID,TIME,EVID,AMT,CMT,RATE,CRCL\n"
            f"1,0,1,4800,{central},100,100\n1,12,0,0,.,0,.\n1,24,2,0,.,0,20\n"
            "1,24,0,0,.,0,.\n1,30,0,0,.,0,.\n1,47,0,0,.,0,.\n1,60,0,0,.,0,.\n"
        )
        result = simulate_dataset(
            read_dataset_text(text), model, covariates={"WT": 70.0}
        ).concentrations
        sets = [
            model.individual_parameters({"WT": np.array([70.0]), "CRCL": np.array([c])})
            for c in (100.0, 20.0)
        ]
        assert float(sets[1]["CL"][0]) < float(sets[0]["CL"][0])
        k = [structure.rate_matrix(p)[0] for p in sets]
        volume = float(structure.central_volume(sets[0])[0])
        expected = integrate_doses(
            [Input(0.0, central - 1, 4800.0, 48.0)],
            [(0.0, k[0]), (24.0, k[1])],
            volume,
            [12.0, 24.0, 30.0, 47.0, 60.0],
            central=central - 1,
        )
        constant = simulate_dataset(
            read_dataset_text(text.replace(",20\n", ",100\n")), model, covariates={"WT": 70.0}
        ).concentrations
        assert_relative(result[:2], constant[:2], 1e-14)  # nothing changes before the record
        assert np.all(result[2:] > constant[2:])  # lower clearance from 24 h: higher levels
        assert_relative(result, expected, 1e-6)


@st.composite
def _regimen(draw: st.DrawFn) -> tuple[list[dict[str, float | int | str]], list[Input]]:
    """Records (with F, ALAG, ADDL, RATE forms) and the same doses expanded by hand."""
    rows: list[dict[str, float | int | str]] = []
    inputs: list[Input] = []
    for _ in range(draw(st.integers(1, 3))):
        time = float(draw(st.integers(0, 40)))
        amt = float(draw(st.integers(10, 400)))
        cmt = draw(st.sampled_from([1, 2]))
        f = draw(st.sampled_from([1.0, 0.5, 0.8]))
        lag = draw(st.sampled_from([0.0, 1.5, 5.0]))
        kind = draw(st.sampled_from(["bolus", "rate", "dur"]))
        ii, addl = draw(st.sampled_from([(0.0, 0), (12.0, 2), (8.0, 3)]))
        items: dict[str, float | int | str] = {"AMT": amt, "CMT": cmt, "F": f, "ALAG": lag}
        duration = 0.0
        if kind == "rate":
            rate = float(draw(st.sampled_from([10, 40, 100])))
            items["RATE"] = rate
            duration = f * amt / rate  # NONMEM: F shortens a fixed-rate infusion
        elif kind == "dur":
            duration = float(draw(st.sampled_from([2.0, 6.0])))
            items |= {"RATE": -2, "DUR": duration}  # modelled duration keeps DUR
        if addl:
            items |= {"II": ii, "ADDL": addl}
        rows.append(row(time, **items))
        for k in range(addl + 1):
            inputs.append(Input(time + k * ii + lag, cmt - 1, f * amt, duration))
    return rows, inputs


@settings(max_examples=12, deadline=None)
@given(regimen=_regimen())
def test_engine_equals_an_independent_ode_event_loop(
    regimen: tuple[list[dict[str, float | int | str]], list[Input]],
) -> None:
    """Exact engine = scipy LSODA between hand-expanded doses (F, ALAG, ADDL, RATE > 0 and -2),
    to a relative 1e-6."""
    rows, inputs = regimen
    times = [float(t) for t in np.arange(0.5, 72.0, 2.5)]
    cp = simulate([*rows, *observations(times)], "one-compartment-absorption", ABS)
    expected = integrate_doses(inputs, [(0.0, absorption_rhs(ABS))], ABS["V"], times)
    assert_relative(cp, expected, 1e-6, floor=1e-6)
