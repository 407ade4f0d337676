"""HLH-2004 (Henter 2007): inclusive signs, 5 of 8, infants, sCD25 assays, missing items."""

from __future__ import annotations

from typing import Any

import pytest

from anakinra_iv.assessment.criteria import ScoreResult
from anakinra_iv.assessment.scores import calculate_score

# No criterion met; molecular diagnosis absent.
NORMAL: dict[str, Any] = {
    "molecular_diagnosis": False,
    "temperature": "37 Cel",
    "splenomegaly": False,
    "hemoglobin": "130 g/L",
    "platelets": "250 10*9/L",
    "neutrophils": "4 10*9/L",
    "triglycerides": "1.2 mmol/L",
    "fibrinogen": "3 g/L",
    "hemophagocytosis": False,
    "nk_activity_low": False,
    "ferritin": "200 ng/mL",
    "soluble_cd25": "800 U/mL",
}


def met_of(result: ScoreResult, name: str) -> bool | None:
    return next(c.met for c in result.criteria if c.name == name)


class TestBoundaries:
    @pytest.mark.parametrize(
        ("item", "text", "criterion", "met"),
        [
            ("temperature", "38.49 Cel", "fever", False),
            ("temperature", "38.5 Cel", "fever", True),
            ("temperature", "38.51 Cel", "fever", True),
            ("ferritin", "499.9 ng/mL", "ferritin", False),
            ("ferritin", "500 ng/mL", "ferritin", True),
            ("ferritin", "500.1 ng/mL", "ferritin", True),
            ("soluble_cd25", "2399 U/mL", "soluble_cd25", False),
            ("soluble_cd25", "2400 U/mL", "soluble_cd25", True),
            ("soluble_cd25", "2401 U/mL", "soluble_cd25", True),
            ("triglycerides", "2.99 mmol/L", "triglycerides", False),
            ("triglycerides", "3.0 mmol/L", "triglycerides", True),
            ("triglycerides", "3.01 mmol/L", "triglycerides", True),
            ("triglycerides", "265.5 mg/dL", "triglycerides", True),  # 3.0 x 88.5
            ("fibrinogen", "1.49 g/L", "fibrinogen", True),
            ("fibrinogen", "1.5 g/L", "fibrinogen", True),
            ("fibrinogen", "1.51 g/L", "fibrinogen", False),
            ("hemoglobin", "89.9 g/L", "hemoglobin", True),
            ("hemoglobin", "90 g/L", "hemoglobin", False),
            ("hemoglobin", "90.1 g/L", "hemoglobin", False),
            ("platelets", "99.9 10*9/L", "platelets", True),
            ("platelets", "100 10*9/L", "platelets", False),
            ("platelets", "100.1 10*9/L", "platelets", False),
            ("neutrophils", "0.99 10*9/L", "neutrophils", True),
            ("neutrophils", "1.0 10*9/L", "neutrophils", False),
            ("neutrophils", "1.01 10*9/L", "neutrophils", False),
        ],
    )
    def test_each_threshold(self, item: str, text: str, criterion: str, met: bool) -> None:
        """Fever >= 38.5; ferritin >= 500; sCD25 >= 2400; TG >= 3.0; fib <= 1.5; Hb < 90;
        platelets < 100; neutrophils < 1.0 (scores.md, inclusive signs of the HLH-2004 table)."""
        assert met_of(calculate_score("hlh-2004", {**NORMAL, item: text}), criterion) is met

    @pytest.mark.parametrize(
        ("age_days", "hb", "met"),
        [(27, "99.9 g/L", True), (27, "100 g/L", False), (28, "99.9 g/L", False)],
    )
    def test_infant_haemoglobin(self, age_days: int, hb: str, met: bool) -> None:
        """Under 4 weeks (< 28 days) haemoglobin < 100 g/L counts; from 28 days, < 90 g/L."""
        items = {**NORMAL, "hemoglobin": hb, "age_days": age_days}
        assert met_of(calculate_score("hlh-2004", items), "hemoglobin") is met


class TestCounting:
    @pytest.mark.parametrize(("count", "met"), [(4, False), (5, True), (6, True)])
    def test_five_of_eight(self, count: int, met: bool) -> None:
        """At least 5 of the 8 criteria."""
        abnormal = [
            ("temperature", "39 Cel"),
            ("splenomegaly", True),
            ("ferritin", "3000 ng/mL"),
            ("hemophagocytosis", True),
            ("nk_activity_low", True),
            ("soluble_cd25", "5000 U/mL"),
        ]
        result = calculate_score("hlh-2004", {**NORMAL, **dict(abnormal[:count])})
        assert result.met is met and result.conclusive

    def test_cytopenias_need_two_lineages(self) -> None:
        """One low lineage is not the criterion; two are."""
        one = calculate_score("hlh-2004", {**NORMAL, "platelets": "50 10*9/L"})
        two = calculate_score(
            "hlh-2004", {**NORMAL, "platelets": "50 10*9/L", "neutrophils": "0.5 10*9/L"}
        )
        assert met_of(one, "cytopenias") is False and met_of(two, "cytopenias") is True

    def test_molecular_diagnosis_is_sufficient(self) -> None:
        """A molecular diagnosis consistent with HLH meets the criteria on its own."""
        result = calculate_score("hlh-2004", {**NORMAL, "molecular_diagnosis": True})
        assert result.met is True and result.conclusive


class TestSolubleCd25:
    def test_pg_per_ml_without_laboratory_threshold_is_undetermined(self) -> None:
        """pg/mL cannot be converted to U/mL: not judged, and the threshold is asked for."""
        result = calculate_score("hlh-2004", {**NORMAL, "soluble_cd25": "3000 pg/mL"})
        crit = next(c for c in result.criteria if c.name == "soluble_cd25")
        assert crit.met is None and "laboratory" in crit.note
        assert "soluble_cd25_threshold" in result.missing

    def test_pg_per_ml_judged_against_the_laboratory_threshold(self) -> None:
        """3000 pg/mL against a laboratory threshold of 2500 pg/mL: met; 1 ng/mL = 1000 pg/mL."""
        items = {**NORMAL, "soluble_cd25": "3000 pg/mL", "soluble_cd25_threshold": "2.5 ng/mL"}
        assert met_of(calculate_score("hlh-2004", items), "soluble_cd25") is True
        items["soluble_cd25_threshold"] = "3.5 ng/mL"
        assert met_of(calculate_score("hlh-2004", items), "soluble_cd25") is False


class TestMissing:
    def test_missing_items_could_reach_five(self) -> None:
        """Four met, NK and sCD25 missing: could reach 5 or 6, not conclusive."""
        items = {
            **NORMAL,
            "temperature": "39 Cel",
            "splenomegaly": True,
            "ferritin": "3000 ng/mL",
            "hemophagocytosis": True,
        }
        del items["nk_activity_low"], items["soluble_cd25"]
        result = calculate_score("hlh-2004", items)
        assert result.met is False and result.conclusive is False
        assert set(result.missing) == {"nk_activity_low", "soluble_cd25"}

    def test_missing_molecular_diagnosis_leaves_a_negative_open(self) -> None:
        """Without genetics a negative cannot be final: the molecular route stays open."""
        items = {k: v for k, v in NORMAL.items() if k != "molecular_diagnosis"}
        result = calculate_score("hlh-2004", items)
        assert result.met is False and result.conclusive is False

    def test_five_met_is_conclusive_despite_missing(self) -> None:
        """Five criteria met: missing items cannot undo it."""
        items = {
            "temperature": "39 Cel",
            "splenomegaly": True,
            "ferritin": "3000 ng/mL",
            "hemophagocytosis": True,
            "nk_activity_low": True,
        }
        result = calculate_score("hlh-2004", items)
        assert result.met is True and result.conclusive is True


class TestTriglyceridesInEitherUnit:
    @pytest.mark.parametrize(
        ("text", "met"),
        [
            ("265 mg/dL", True),
            ("264 mg/dL", False),
            ("3.0 mmol/L", True),
            ("2.995 mmol/L", True),
            ("2.99 mmol/L", False),
        ],
    )
    def test_265_mg_per_dl_counts(self, text: str, met: bool) -> None:
        """Henter 2007 states both 3.0 mmol/L and 265 mg/dL. At 88.5 mg/dL per mmol/L
        (triolein, fardet-2014) 265 mg/dL is 2.994 mmol/L, which the mmol/L test alone refused;
        either threshold now counts: 2.995 mmol/L = 265.06 mg/dL counts, 2.99 mmol/L =
        264.6 mg/dL does not."""
        result = calculate_score("hlh-2004", NORMAL | {"triglycerides": text})
        assert met_of(result, "triglycerides") is met
