"""``anakinra score`` and ``anakinra assess``: clinical scores and the titration advice.

``anakinra score NAME --input FILE.json --format json|text`` with NAME one of ``hscore``,
``ms-score``, ``mas-2016``, ``hlh-2004``, ``crs-astct``, ``ice``, ``capd``, ``icans-astct``. The
input is a JSON object of named items (quantities as text with a UCUM unit, booleans, counts,
categories, lists). JSON output keys: ``score``, ``points`` (HScore, ICE, CAPD), ``grade`` (CRS,
ICANS), ``met``, ``conclusive``, ``missing``, ``criteria`` (each with ``name``, ``value``,
``unit``, ``met``, ``missing``), ``score_range``, ``notes``, ``source``.

``anakinra assess --protocol ID --patient FILE.json --observations FILE.csv --step N
--at ISO8601 [--assessments FILE.json] --format json|text`` prints the advice for the review at
``--at``: ``action``, ``target_step``, ``dose_plan``, ``reasons``, ``safety_flags``,
``next_review_at``. ``--assessments`` is a JSON list of bedside assessments
(``{"score": "icans-astct", "at": ISO 8601, "items": {...}}``; scores ``crs-astct``,
``icans-astct``, ``ice``, ``capd``): each is graded, the conclusive grades join the observations
as ``crs_grade``, ``icans_grade``, ``ice_score``, ``capd_score`` (which the CAR-T protocol's rules
read), the JSON gains ``grades`` (every assessment with its result) and an assessment the
missing items leave undecided is not used and raises a warning flag.

Bad input exits with status 2 and one line per problem naming the item; nothing is printed on
standard output.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from anakinra_iv.cli._output import (
    OutputFormat,
    exit_with_problems,
    print_json,
    reporting_problems,
)
from anakinra_iv.errors import (
    AnakinraError,
    InvalidInput,
    ProblemList,
)

if TYPE_CHECKING:
    from anakinra_iv.assessment.criteria import ScoreResult
    from anakinra_iv.assessment.observation_file import Finding
    from anakinra_iv.assessment.observations import Observation
    from anakinra_iv.assessment.recommendation import InfusionPeriod
    from anakinra_iv.assessment.toxicity import GradeAt
    from anakinra_iv.dosing import Patient
    from anakinra_iv.protocol import Protocol

# The assessment, dosing and protocol packages are imported by the functions that use them, so
# that the command line starts without them.

__all__ = ["create_assessment", "read_json_object", "read_patient", "register"]

_PATIENT_KEYS = (
    "weight",
    "age",
    "sex",
    "height",
    "creatinine",
    "measured_crcl",
    "renal_replacement",
    "current_sc_daily_dose",
)
_IDENTITY_KEYS = ("id", "name", "mrn")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
]


def read_json_object(path: Path, field: str) -> dict[str, Any]:
    """Read a JSON object from ``path``; problems exit with status 2 naming ``field``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        exit_with_problems([f"'{field}': file not found: {path}"])
    except (OSError, UnicodeDecodeError) as e:
        exit_with_problems([f"'{field}': cannot read {path}: {e}"])
    except json.JSONDecodeError as e:
        exit_with_problems([f"'{field}': {path} is not valid JSON ({e.msg}, line {e.lineno})"])
    if not isinstance(data, dict):
        exit_with_problems([f"'{field}': {path} must hold a JSON object of named items"])
    return data


def _shown(value: object, unit: str | None) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{value} {unit}" if unit and unit != "count" else str(value)


def _print_score_text(result: ScoreResult) -> None:
    typer.echo(f"{result.title}  [{result.source}, {result.status}]")
    if result.points is not None:
        typer.echo(f"points: {result.points:g} (cut-off {result.cut_off})")
    elif result.score is not None:
        typer.echo(f"score: {result.score:g} (cut-off {result.cut_off})")
    if result.grade is not None:
        typer.echo(f"grade: {result.grade}")
    verdict = {True: "met", False: "not met", None: "undetermined"}[result.met]
    typer.echo(f"result: {verdict}" + ("" if result.conclusive else " (not conclusive)"))
    if result.score_range is not None and result.score_range[0] != result.score_range[1]:
        low, high = result.score_range
        typer.echo(f"range allowed by missing items: {low:g} to {high:g}")
    for c in result.criteria:
        mark = {True: "[x]", False: "[ ]", None: "[?]"}[c.met]
        points = f"  {c.points:g} points" if c.points is not None else ""
        indent = "    " if c.part_of else "  "
        typer.echo(f"{indent}{mark} {c.name}: {_shown(c.value, c.unit)}{points}")
    if result.missing:
        typer.echo(f"missing: {', '.join(result.missing)}")
    for note in result.notes:
        typer.echo(f"note: {note}")


def score(
    name: Annotated[str, typer.Argument(help="Score name (an unknown name lists the known ones).")],
    input_file: Annotated[
        Path, typer.Option("--input", help="JSON object of named items.", show_default=False)
    ],
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Calculate a clinical score or criteria set from a JSON file of items."""
    from anakinra_iv.assessment.definitions import list_score_names
    from anakinra_iv.assessment.scores import calculate_score

    if name not in list_score_names():
        exit_with_problems(
            [f"'score': unknown score '{name}' (known: {', '.join(list_score_names())})"]
        )
    items = read_json_object(input_file, "input")
    with reporting_problems():
        result = calculate_score(name, items)
    if output_format is OutputFormat.json:
        print_json(result.as_dict())
    else:
        _print_score_text(result)


def read_patient(data: dict[str, Any]) -> tuple[Patient, tuple[InfusionPeriod, ...]]:
    """The patient and the infusion history from the patient JSON.

    Raises
    ------
    ProblemList, InvalidInput
        Unknown keys, unreadable values, a malformed history; each names its field.
    """
    from anakinra_iv.assessment.observation_file import read_timestamp
    from anakinra_iv.assessment.recommendation import InfusionPeriod
    from anakinra_iv.dosing import create_patient

    problems: list[AnakinraError] = []
    allowed = (*_PATIENT_KEYS, *_IDENTITY_KEYS, "infusion_history")
    for key in data:
        if key not in allowed:
            problems.append(
                InvalidInput(f"'patient.{key}' is not a patient item ({', '.join(allowed)})")
            )
    history: list[InfusionPeriod] = []
    for i, entry in enumerate(data.get("infusion_history") or []):
        field = f"patient.infusion_history[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("step"), int):
            problems.append(InvalidInput(f"'{field}' needs an integer 'step' and 'started_at'"))
            continue
        try:
            at_text = str(entry.get("started_at", ""))
            history.append(
                InfusionPeriod(entry["step"], read_timestamp(at_text, field=f"{field}.started_at"))
            )
        except AnakinraError as e:
            problems.append(e)
    ProblemList.raise_if_any(problems)
    fields = {k: data[k] for k in _PATIENT_KEYS if k in data}
    return create_patient(**fields), tuple(history)


def create_assessment(
    protocol: Protocol,
    patient_data: dict[str, Any],
    observations: tuple[Observation, ...],
    findings: tuple[Finding, ...],
    *,
    step: int | None,
    at: datetime,
    override_reason: str | None = None,
) -> dict[str, Any]:
    """The advice and the dose plan it implies, as the JSON of ``anakinra assess``."""
    from anakinra_iv.dosing import create_recommendation, summarise_recommendation

    patient, history = read_patient(patient_data)
    recommendation = create_recommendation(
        protocol,
        patient,
        observations,
        findings,
        step=step,
        at=at,
        history=history,
        override_reason=override_reason,
    )
    return summarise_recommendation(recommendation, protocol)


def _print_assessment_text(data: dict[str, Any]) -> None:
    step = data["target_step"]
    typer.echo(f"{data['protocol_id']} v{data['protocol_version']} review at {data['at']}")
    typer.echo(
        f"action: {data['action'].upper()}"
        + (f" -> step {step} of {data['step_count']}" if step else "")
    )
    plan = data["dose_plan"]
    if plan:
        typer.echo(
            f"dose: {plan['daily_dose_mg']:g} mg/day = {round(plan['rate_mg_per_h'], 2):g} mg/h "
            f"({plan['limit_status']})"
        )
    for r in data["reasons"]:
        typer.echo(f"reason: {r['text']}  [{r['rule']}; {r['status']}; {r['source']}]")
        for used in r["observations"]:
            typer.echo(f"    {used}")
    for f in data["safety_flags"]:
        typer.echo(f"{f['severity']}: {f['text']}")
    typer.echo(f"next review: {data['next_review_at'] or 'not set by the protocol'}")
    typer.echo(data["note"])


def assess(
    protocol_id: Annotated[str, typer.Option("--protocol", help="Protocol id.")],
    patient_file: Annotated[
        Path, typer.Option("--patient", help="Patient JSON (weight, age, sex, ...).")
    ],
    observations_file: Annotated[
        Path, typer.Option("--observations", help="CSV: analyte,value,collected_at[,source].")
    ],
    at_text: Annotated[str, typer.Option("--at", help="Review time, ISO 8601 with timezone.")],
    step: Annotated[
        int | None, typer.Option("--step", help="Current ladder step (omit before the start).")
    ] = None,
    override_reason: Annotated[
        str | None,
        typer.Option("--override-reason", help="Reason for a dose above the soft limit."),
    ] = None,
    assessments_file: Annotated[
        Path | None,
        typer.Option("--assessments", help="JSON list of bedside CRS/ICANS/ICE/CAPD assessments."),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Advise the next step of a protocol at a review, with its basis and safety flags."""
    from anakinra_iv.assessment.observation_file import read_observations_csv, read_timestamp
    from anakinra_iv.assessment.toxicity import (
        calculate_grades_over_time,
        create_grade_observations,
        read_assessments,
    )
    from anakinra_iv.protocol import get_protocol

    patient_data = read_json_object(patient_file, "patient")
    try:
        text = observations_file.read_text(encoding="utf-8")
    except OSError as e:
        exit_with_problems([f"'observations': cannot read {observations_file}: {e}"])
    raw_assessments = _read_json_list(assessments_file) if assessments_file else []
    with reporting_problems():
        at = read_timestamp(at_text, field="at")
        protocol = get_protocol(protocol_id)
        observations, findings = read_observations_csv(text)
        grades = calculate_grades_over_time(read_assessments(raw_assessments))
        graded, skipped = create_grade_observations([g for g in grades if g.assessment.at <= at])
        data = create_assessment(
            protocol,
            patient_data,
            observations + graded,
            findings,
            step=step,
            at=at,
            override_reason=override_reason,
        )
    if assessments_file is not None:
        _add_grades(data, grades, skipped)
    if output_format is OutputFormat.json:
        print_json(data)
    else:
        _print_assessment_text(data)


def _read_json_list(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        exit_with_problems([f"'assessments': cannot read {path}: {e}"])
    except json.JSONDecodeError as e:
        exit_with_problems([f"'assessments': {path} is not valid JSON ({e.msg}, line {e.lineno})"])
    if not isinstance(data, list):
        exit_with_problems([f"'assessments': {path} must hold a JSON list of assessments"])
    return data


def _add_grades(
    data: dict[str, Any], grades: tuple[GradeAt, ...], skipped: tuple[GradeAt, ...]
) -> None:
    """The grades over time, and a warning for each assessment left undecided."""
    data["grades"] = [g.as_dict() for g in grades]
    data["safety_flags"] = [
        *data["safety_flags"],
        *(
            {
                "code": "inconclusive-assessment",
                "severity": "warning",
                "text": g.describe_skip(),
                "status": None,
                "source": None,
                "observations": [],
            }
            for g in skipped
        ),
    ]


def register(app: typer.Typer) -> None:
    """Add ``score`` and ``assess`` to the command line."""
    app.command("score")(score)
    app.command("assess")(assess)
