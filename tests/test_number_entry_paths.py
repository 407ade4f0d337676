"""Every place a number is read from a person refuses an ambiguous decimal comma (hypothesis).

``"7,5 kg"`` once became 75 kg (a tenfold dose). One reader, :func:`anakinra_iv.units.read_number`,
now refuses any comma that is not a complete thousands grouping and names the field; these
properties drive it through every entry path: the core readers, the command line, observation
files, NONMEM-style datasets, FHIR import and CDS Hooks prefetch (the REST API and the web
forms: ``tests/web/test_number_entry.py``).
Expected behaviour: issue 9 item 1 (``"1,200 mg"`` may be 1200; ``"7,5"``, ``"1,2"``, ``"2,50"``
are refused naming the field and asking for a decimal point).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from anakinra_iv.assessment.observation_file import read_observations_csv
from anakinra_iv.cli.main import app
from anakinra_iv.dosing import create_patient, parse_daily_dose
from anakinra_iv.errors import AnakinraError, list_problems
from anakinra_iv.interop.cds_context import read_patient_context
from anakinra_iv.interop.fhir_import import read_fhir_text
from anakinra_iv.pk import parse_regimen, read_dataset_text
from anakinra_iv.units import parse_quantity, read_number

runner = CliRunner()
DIGITS = "0123456789"
DECIMAL_HINT = "decimal point"

_short_decimals = st.tuples(
    st.integers(0, 999).map(str), st.text(DIGITS, min_size=1, max_size=2)
).map(lambda t: f"{t[0]},{t[1]}")
_long_decimals = st.tuples(
    st.integers(0, 999).map(str), st.text(DIGITS, min_size=4, max_size=6)
).map(lambda t: f"{t[0]},{t[1]}")
_bad_groups = st.tuples(
    st.integers(1000, 99999).map(str), st.text(DIGITS, min_size=3, max_size=3)
).map(lambda t: f"{t[0]},{t[1]}")
AMBIGUOUS = st.one_of(
    _short_decimals, _long_decimals, _bad_groups, st.sampled_from(["7,5", "1,2", "2,50"])
)
"""Numbers whose comma is not a complete thousands grouping: a decimal comma or a bad group."""


def _refused(error: AnakinraError, field: str) -> None:
    messages = [p.message for p in list_problems(error)]
    assert any(f"'{field}" in m and DECIMAL_HINT in m for m in messages), messages


class TestReader:
    @given(AMBIGUOUS)
    def test_read_number_refuses_every_ambiguous_comma(self, text: str) -> None:
        """The one reader refuses it, naming the field and asking for a decimal point."""
        with pytest.raises(AnakinraError) as caught:
            read_number(text, field="weight")
        _refused(caught.value, "weight")

    @given(st.integers(min_value=1000, max_value=10**9), st.sampled_from(["", ".5", ".25"]))
    def test_complete_thousands_groupings_are_read(self, whole: int, fraction: str) -> None:
        """'1,200' is 1200 and '12,345.5' is 12345.5: a thousands grouping is unambiguous."""
        assert read_number(f"{whole:,}{fraction}", field="dose") == float(f"{whole}{fraction}")

    @given(AMBIGUOUS, st.sampled_from(["kg", "mg/dL", "mg/kg/day", "mg/h", "mL/min"]))
    def test_parse_quantity(self, number: str, unit: str) -> None:
        """Every quantity typed with a unit goes through the reader."""
        with pytest.raises(AnakinraError) as caught:
            parse_quantity(f"{number} {unit}", field="x", unit=unit)
        _refused(caught.value, "x")

    @given(st.integers(1, 9), st.integers(100, 999))
    def test_a_space_inside_a_number_is_refused(self, thousands: int, rest: int) -> None:
        """'1 200 mg' is never read as 200 mg (the unit text '200 mg' would be a product)."""
        with pytest.raises(AnakinraError, match="'dose'.*space inside a number"):
            parse_quantity(f"{thousands} {rest} mg", field="dose", unit="mg")


PATIENT_FIELDS = [
    ("weight", "kg"),
    ("creatinine", "mg/dL"),
    ("height", "cm"),
    ("measured_crcl", "mL/min"),
    ("current_sc_daily_dose", "mg/kg/day"),
    ("baseline_creatinine", "mg/dL"),
    ("creatinine_48h_ago", "mg/dL"),
]


class TestCoreReaders:
    @pytest.mark.parametrize(("field", "unit"), PATIENT_FIELDS)
    @given(number=AMBIGUOUS)
    def test_create_patient(self, field: str, unit: str, number: str) -> None:
        """Each quantity of a patient (and the age) refuses the comma, naming its field."""
        values: dict[str, object] = {"weight": "70 kg", "age": 50, "sex": "female"}
        values[field] = f"{number} {unit}"
        with pytest.raises(AnakinraError) as caught:
            create_patient(**values)  # type: ignore[arg-type]
        _refused(caught.value, "crcl" if field == "measured_crcl" else field)

    @given(AMBIGUOUS)
    def test_age(self, number: str) -> None:
        """An age typed with a comma is refused as well."""
        with pytest.raises(AnakinraError) as caught:
            create_patient(weight="70 kg", age=number, sex="male")
        _refused(caught.value, "age")

    @given(AMBIGUOUS, st.sampled_from(["mg", "mg/day", "mg/kg/day", "mg/h"]))
    def test_daily_dose(self, number: str, unit: str) -> None:
        """'2,5 mg/kg/day' is refused, never read as 25."""
        with pytest.raises(AnakinraError) as caught:
            parse_daily_dose(f"{number} {unit}")
        _refused(caught.value, "daily_dose")

    @given(AMBIGUOUS)
    def test_regimen_text(self, number: str) -> None:
        """A simulated regimen: '1,2 mg iv bolus' is refused (it was read as 1.2)."""
        with pytest.raises(AnakinraError) as caught:
            parse_regimen(f"{number} mg iv bolus", weight="70 kg")
        _refused(caught.value, "regimen")

    def test_regimen_thousands(self) -> None:
        """'1,200 mg iv bolus' is 1200 mg (it was read as 1.2 mg, a thousandfold error)."""
        regimen = parse_regimen("1,200 mg iv bolus", weight="70 kg")
        assert regimen.doses[0].amount.to("mg").magnitude == 1200


class TestFiles:
    @given(AMBIGUOUS, st.booleans())
    def test_observation_file(self, number: str, separate_unit: bool) -> None:
        """A CSV value '7,5' (quoted, with the unit in the value or its own column)."""
        if separate_unit:
            text = f'analyte,value,unit,collected_at\nferritin,"{number}",ng/mL,2024-03-01T06:00Z\n'
        else:
            text = f'analyte,value,collected_at\nferritin,"{number} ng/mL",2024-03-01T06:00Z\n'
        with pytest.raises(AnakinraError) as caught:
            read_observations_csv(text)
        _refused(caught.value, "observations row 1 (ferritin)")

    @given(AMBIGUOUS)
    def test_nonmem_dataset(self, number: str) -> None:
        """A quoted dose amount in a dataset is refused, naming the row and column."""
        text = f'ID,TIME,AMT,EVID,CMT\n1,0,"{number}",1,1\n1,1,0,0,1\n'
        with pytest.raises(AnakinraError) as caught:
            read_dataset_text(text)
        assert "AMT" in str(caught.value)

    @given(AMBIGUOUS)
    def test_fhir_observation(self, number: str) -> None:
        """A FHIR valueQuantity whose value is the text '7,5' is refused, naming its position;
        nothing of the batch is imported."""
        resource = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
            "effectiveDateTime": "2026-01-05T06:00:00Z",
            "valueQuantity": {
                "value": number,
                "system": "http://unitsofmeasure.org",
                "code": "kg",
            },
        }
        with pytest.raises(AnakinraError, match=r"resource \(Observation\)"):
            read_fhir_text(json.dumps(resource))

    @given(AMBIGUOUS)
    def test_cds_hooks_prefetch(self, number: str) -> None:
        """A prefetched weight '7,5 kg' is not read (never as 75 kg): the card is not built on
        it."""
        prefetch = {
            "patient": {"resourceType": "Patient", "birthDate": "2020-01-01", "gender": "male"},
            "observations": {
                "resourceType": "Bundle",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Observation",
                            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                            "effectiveDateTime": "2026-01-05T06:00:00Z",
                            "valueQuantity": {"value": number, "code": "kg"},
                        }
                    }
                ],
            },
        }
        assert read_patient_context(prefetch).weight is None


CLI_PLAN = ["plan", "--protocol", "adult-mas-civ", "--age", "54", "--sex", "female"]
CLI_OPTIONS = [
    ("--weight", "kg", "weight"),
    ("--creatinine", "mg/dL", "creatinine"),
    ("--crcl", "mL/min", "crcl"),
    ("--height", "cm", "height"),
    ("--sc-daily-dose", "mg/day", "current_sc_daily_dose"),
    ("--daily-dose", "mg/day", "daily_dose"),
    ("--baseline-creatinine", "mg/dL", "baseline_creatinine"),
]


class TestCommandLine:
    @pytest.mark.parametrize(("option", "unit", "field"), CLI_OPTIONS)
    @settings(max_examples=15)
    @given(number=AMBIGUOUS)
    def test_plan_options(self, option: str, unit: str, field: str, number: str) -> None:
        """Each option of 'anakinra plan' exits 2 naming the field; nothing on stdout."""
        args = [*CLI_PLAN, "--weight", "70 kg"] if option != "--weight" else list(CLI_PLAN)
        result = runner.invoke(app, [*args, option, f"{number} {unit}"])
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        assert f"'{field}" in result.stderr and DECIMAL_HINT in result.stderr

    @pytest.mark.parametrize(
        ("option", "unit"), [("--daily-dose", " mg"), ("--weight", " kg"), ("--crcl", "")]
    )
    @settings(max_examples=10)
    @given(number=AMBIGUOUS)
    def test_compare_routes(
        self, option: str, unit: str, number: str, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """compare-routes refuses the comma in its daily dose, weight and CrCl; no figure."""
        out = tmp_path_factory.mktemp("fig") / "routes.png"
        values = {"--daily-dose": "1200 mg", "--weight": "70 kg", "--crcl": "90"}
        values[option] = f"{number}{unit}"
        args = ["compare-routes", "--out", str(out)]
        for key, value in values.items():
            args += [key, value]
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and DECIMAL_HINT in result.stderr
        assert not out.exists()

    @settings(max_examples=10)
    @given(number=AMBIGUOUS)
    def test_simulate_parameters(self, number: str) -> None:
        """--param CL=7,5 is refused naming the parameter."""
        result = runner.invoke(
            app,
            [
                "simulate",
                "--model",
                "one-compartment",
                "--regimen",
                "100 mg iv bolus",
                "--param",
                f"CL={number}",
                "--param",
                "V=20",
            ],
        )
        assert result.exit_code == 2 and "param CL" in result.stderr
        assert DECIMAL_HINT in result.stderr


_ARITHMETIC_FORMS = [
    " ,{b} {u}",
    " {u} {b}",
    " {u}*{b}",
    " {u}/{b}",
    "e{b} {u}",
    " {u}^{b}",
    "*{b} {u}",
]
ARITHMETIC = st.tuples(
    st.integers(1, 200), st.integers(1, 9), st.sampled_from(_ARITHMETIC_FORMS)
).map(lambda t: (str(t[0]), str(t[1]), t[2]))
"""A number, then unit text that pint would evaluate as arithmetic ('7 ,5 kg' was 35 kg,
'7 kg 2' was 14 kg): the number, a second number and the shape joining them."""


def arithmetic(parts: tuple[str, str, str], unit: str) -> str:
    """The text of an ARITHMETIC example in ``unit``."""
    first, second, form = parts
    return first + form.format(b=second, u=unit)


def _refused_as_text(error: AnakinraError, field: str) -> None:
    messages = [p.message for p in list_problems(error)]
    assert any(f"'{field}" in m for m in messages), messages


class TestUnitTextIsNotArithmetic:
    """Every entry path refuses unit text with a second number or an operator, naming the field."""

    @pytest.mark.parametrize(("field", "unit"), PATIENT_FIELDS)
    @given(parts=ARITHMETIC)
    def test_create_patient(self, field: str, unit: str, parts: tuple[str, str, str]) -> None:
        values: dict[str, object] = {"weight": "70 kg", "age": 50, "sex": "female"}
        values[field] = arithmetic(parts, unit)
        with pytest.raises(AnakinraError) as caught:
            create_patient(**values)  # type: ignore[arg-type]
        _refused_as_text(caught.value, "crcl" if field == "measured_crcl" else field)

    @given(ARITHMETIC, st.sampled_from(["mg/day", "mg/kg/day", "mg/h"]))
    def test_daily_dose(self, parts: tuple[str, str, str], unit: str) -> None:
        with pytest.raises(AnakinraError) as caught:
            parse_daily_dose(arithmetic(parts, unit))
        _refused_as_text(caught.value, "daily_dose")

    @given(ARITHMETIC)
    def test_observation_file(self, parts: tuple[str, str, str]) -> None:
        text = arithmetic(parts, "ng/mL")
        csv = f'analyte,value,collected_at\nferritin,"{text}",2024-03-01T06:00Z\n'
        with pytest.raises(AnakinraError) as caught:
            read_observations_csv(csv)
        _refused_as_text(caught.value, "observations row 1 (ferritin)")

    @given(ARITHMETIC)
    def test_fhir_observation_unit(self, parts: tuple[str, str, str]) -> None:
        """A FHIR valueQuantity whose code is 'kg 2' or 'kg*2': refused, nothing imported."""
        first, second, form = parts
        code = form.format(b=second, u="kg").strip()
        resource = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
            "effectiveDateTime": "2026-01-05T06:00:00Z",
            "valueQuantity": {"value": first, "system": "http://unitsofmeasure.org", "code": code},
        }
        with pytest.raises(AnakinraError, match=r"resource \(Observation\)"):
            read_fhir_text(json.dumps(resource))

    @settings(max_examples=15)
    @given(ARITHMETIC)
    def test_plan_weight(self, parts: tuple[str, str, str]) -> None:
        """'anakinra plan --weight "7 ,5 kg"' exits 2 naming the weight; nothing on stdout."""
        result = runner.invoke(app, [*CLI_PLAN, "--weight", arithmetic(parts, "kg")])
        assert result.exit_code == 2, result.stdout
        assert result.stdout == "" and "'weight'" in result.stderr
