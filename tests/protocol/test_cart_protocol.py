"""The adult CAR-T protocol (adult-cart-crs-icans v1): statuses of its values, its limits, and
the dose, bag and pump invariants every packaged protocol keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import pytest
from hypothesis import given
from tests import strategies

from anakinra_iv.compounding.bag import calculate_bag
from anakinra_iv.dosing import calculate_dose_plan, create_patient
from anakinra_iv.errors import DoseLimitExceeded, OverrideRequired, ProblemList, ProtocolError
from anakinra_iv.protocol import ContinuousRegimen, get_protocol, read_protocol_text
from anakinra_iv.units import Q_

CART = get_protocol("adult-cart-crs-icans")


def _text() -> str:
    name = "adult-cart-crs-icans.v1.yaml"
    return resources.files("anakinra_iv.protocol.data").joinpath(name).read_text("utf-8")


class TestValues:
    def test_no_continuous_rate_is_published(self) -> None:
        """No continuous IV use in CAR-T was found: every ladder step is derived, precedent or
        a site decision, never published (cart-t.md section 2)."""
        assert isinstance(CART.regimen, ContinuousRegimen)
        statuses = {v.status for v in CART.regimen.ladder}
        assert "published" not in statuses
        start = CART.regimen.ladder[CART.regimen.default_step - 1]
        assert (start.value, start.unit, start.status) == (8, "mg/kg/day", "derived")
        assert start.source == "fhcc-ohsu-cart"

    def test_intermittent_practice_is_listed_as_published(self) -> None:
        """200 mg IV every 8 h (OHSU) is the published practice; 8 mg/kg/day / 3 is derived."""
        ohsu, fhcc = CART.alternatives
        assert (ohsu.dose.value, ohsu.dose.unit, ohsu.interval.value) == (200, "mg", 8)
        assert ohsu.dose.status == "published" and fhcc.dose.status == "derived"
        assert fhcc.dose.value == pytest.approx(8 / 3, abs=1e-3)

    def test_envelope_is_a_precedent_hard_limit(self) -> None:
        """2 mg/kg/h (48 mg/kg/day) from the sepsis trials is the hard maximum, as precedent."""
        hard = CART.limits.hard_max
        assert (hard.value, hard.unit, hard.status) == (48, "mg/kg/day", "precedent")
        assert CART.limits.absolute_hard_max.value == 2400

    def test_indication_is_published_and_windows_are_site_decisions(self) -> None:
        """The Gazeau 2023 indication is published; how long is 'not improving' is not."""
        start = next(r for r in CART.rules if r.id == "start-icans-refractory")
        assert (start.status, start.source) == ("published", "gazeau-2023")
        window = start.all[2].window
        assert window is not None and window.status == "site-decision"

    def test_monitoring_asks_for_ice_at_every_neuro_assessment(self) -> None:
        """ICE (CAPD below 12) at each neurological assessment, graded as ICANS."""
        first = CART.monitoring[0]
        assert "ice" in first.scores and "icans-astct" in first.scores
        assert first.interval is not None and first.interval.status == "site-decision"

    def test_intermittent_option_above_the_cap_is_refused(self) -> None:
        """An alternative whose daily dose passes the absolute cap does not load."""
        text = _text().replace(
            "dose: {value: 200, unit: mg, status: published",
            "dose: {value: 900, unit: mg, status: published",
        )
        with pytest.raises((ProblemList, ProtocolError), match="absolute maximum"):
            read_protocol_text(text, name="site.yaml")


class TestLimits:
    def test_above_the_soft_maximum_needs_a_reason(self) -> None:
        """Step 5 (16 mg/kg/day) is beyond published CAR-T doses: a stated reason is needed."""
        patient = create_patient(weight="70 kg", age=50, sex="male", creatinine="1 mg/dL")
        with pytest.raises(OverrideRequired):
            calculate_dose_plan(CART, patient, step=5)
        plan = calculate_dose_plan(CART, patient, step=5, override_reason="refractory grade 4")
        assert plan.daily_dose.to("mg/day").magnitude == pytest.approx(16 * 70)

    def test_per_kg_envelope_binds_a_light_adult(self) -> None:
        """40 kg: 2 mg/kg/h = 1920 mg/day is allowed with a reason, 1921 is refused."""
        patient = create_patient(weight="40 kg", age=50, sex="female", creatinine="1 mg/dL")
        plan = calculate_dose_plan(
            CART, patient, daily_dose=Q_(1920, "mg/day"), override_reason="x"
        )
        assert plan.rate.to("mg/h").magnitude == pytest.approx(80)
        with pytest.raises(DoseLimitExceeded):
            calculate_dose_plan(CART, patient, daily_dose=Q_(1921, "mg/day"), override_reason="x")

    @given(
        strategies.adult_weights_kg,
        strategies.adult_ages,
        strategies.creatinine_mg_dl,
        strategies.sexes,
        strategies.daily_doses_mg,
    )
    def test_no_input_passes_either_hard_limit(
        self, weight: float, age: float, creatinine: float, sex: str, dose: float
    ) -> None:
        """Property: rate <= 2 mg/kg/h and <= 100 mg/h (2400 mg/day); the bag agrees:
        mg/h = mL/h x mg/mL."""
        patient = create_patient(
            weight=f"{weight} kg", age=age, sex=sex, creatinine=f"{creatinine} mg/dL"
        )
        try:
            plan = calculate_dose_plan(
                CART, patient, daily_dose=Q_(dose, "mg/day"), override_reason="test"
            )
        except DoseLimitExceeded:
            assert dose > min(2400, 48 * weight) - 1e-6 or dose < weight - 1e-6
            return
        rate = plan.rate.to("mg/h").magnitude
        assert rate <= 100 + 1e-9 and rate <= 2 * weight + 1e-9
        bag = calculate_bag(CART, plan, prepared_at=datetime(2024, 3, 1, tzinfo=UTC))
        mg_per_h = bag.rate_ml_per_h.to("mL/h").magnitude * bag.concentration.to("mg/mL").magnitude
        assert mg_per_h == pytest.approx(rate, rel=1e-6)
        assert bag.rate_mg_per_h.to("mg/h").magnitude == pytest.approx(rate, rel=1e-9)
