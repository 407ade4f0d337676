"""Commands: ``protocols``, ``protocol show|validate``, ``plan`` and ``demo``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from anakinra_iv.cli._output import (
    OutputFormat,
    exit_with_problems,
    print_json,
    reporting_problems,
)
from anakinra_iv.errors import AnakinraError, InvalidInput, list_problems

if TYPE_CHECKING:
    from rich.console import Console

    from anakinra_iv.protocol import Protocol

# The command functions import the protocol, dosing and compounding packages (pint, pydantic,
# YAML) when they run, so that ``anakinra --help`` and the other commands do not pay for them.

__all__ = ["register"]

DISCLAIMER = (
    "Decision support for qualified clinicians. IV anakinra is off-label. Protocol values are "
    "templates for the institution to review and approve."
)

protocol_app = typer.Typer(help="Show or validate protocol files.", no_args_is_help=True)


def _console() -> Console:
    from rich.console import Console

    return Console(width=110, highlight=False)


def _protocol_rows(protocol: Protocol) -> list[dict[str, Any]]:
    rows = []
    for path, provenance in protocol.iter_values():
        value = getattr(provenance, "value", None)
        unit = getattr(provenance, "unit", None)
        text = getattr(provenance, "text", None)
        rows.append(
            {
                "path": path,
                "value": value,
                "unit": unit,
                "text": text,
                "status": provenance.status,
                "source": provenance.source,
                "note": provenance.note,
            }
        )
    return rows


def protocols_command(
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.text,
) -> None:
    """List the packaged protocols."""
    from rich.table import Table

    from anakinra_iv.protocol import list_protocols

    items: list[dict[str, Any]] = [
        {
            "id": p.id,
            "version": p.version,
            "title": p.title,
            "regimen": p.regimen_kind,
            "historical": p.historical,
            "site_decisions": p.count_site_decisions(),
        }
        for p in list_protocols()
    ]
    if format is OutputFormat.json:
        print_json(items)
        return
    table = Table(title="Protocols", caption=DISCLAIMER)
    for column in ("id", "version", "regimen", "site decisions", "title"):
        table.add_column(column)
    for item in items:
        table.add_row(
            item["id"],
            item["version"],
            item["regimen"] + (" (historical)" if item["historical"] else ""),
            str(item["site_decisions"]),
            item["title"],
        )
    _console().print(table)


@protocol_app.command("show")
def show_command(
    protocol_id: Annotated[str, typer.Argument(metavar="ID")],
    version: Annotated[str | None, typer.Option("--version")] = None,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.text,
) -> None:
    """Print a protocol with each value's status and source."""
    from rich.table import Table

    from anakinra_iv.protocol import get_protocol

    with reporting_problems():
        protocol = get_protocol(protocol_id, version)
    rows = _protocol_rows(protocol)
    count = protocol.count_site_decisions()
    if format is OutputFormat.json:
        print_json(
            {
                "id": protocol.id,
                "version": protocol.version,
                "title": protocol.title,
                "site_decision_count": count,
                "values": rows,
            }
        )
        return
    console = _console()
    console.print(f"[bold]{protocol.title}[/bold]  ({protocol.id} v{protocol.version})")
    console.print(protocol.description)
    table = Table(show_lines=False)
    for column in ("value", "status", "source", "where / note"):
        table.add_column(column, overflow="fold")
    for row in rows:
        shown = (
            f"{row['value']:g} {row['unit']}"
            if row["value"] is not None
            else (row["text"] or "(rule)")
        )
        where = row["path"] + (f" - {row['note']}" if row["note"] else "")
        table.add_row(shown, row["status"], row["source"], where)
    console.print(table)
    console.print(f"[bold]{count}[/bold] site-decision values need the institution's approval.")
    console.print(DISCLAIMER)


@protocol_app.command("validate")
def validate_command(file: Annotated[Path, typer.Argument(metavar="FILE")]) -> None:
    """Check a site's protocol file and report every problem at once."""
    from anakinra_iv.protocol import read_protocol_file

    with reporting_problems():
        protocol = read_protocol_file(file)
    typer.echo(
        f"{file}: valid - {protocol.id} v{protocol.version}, "
        f"{protocol.count_site_decisions()} site-decision values to approve"
    )


def _read_time(text: str | None, field: str) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as e:
        raise InvalidInput(
            f"'{field}' must be an ISO 8601 time such as 2026-01-05T08:00+00:00 (got '{text}')",
            field=field,
        ) from e
    return moment if moment.tzinfo else moment.astimezone()


def plan_command(
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="Protocol id (see `anakinra protocols`). [required]"),
    ] = None,
    weight: Annotated[
        str | None, typer.Option("--weight", help='Body weight with unit, e.g. "70 kg". [required]')
    ] = None,
    creatinine: Annotated[
        str | None,
        typer.Option(
            "--creatinine",
            help='Serum creatinine with unit, e.g. "1.0 mg/dL" or "88 umol/L" (for the renal '
            "rule; or give --crcl).",
        ),
    ] = None,
    crcl: Annotated[
        str | None,
        typer.Option("--crcl", help="Measured creatinine clearance, mL/min (instead of CG)."),
    ] = None,
    age: Annotated[str | None, typer.Option("--age", help="Age in years. [required]")] = None,
    sex: Annotated[str | None, typer.Option("--sex", help="female or male. [required]")] = None,
    height: Annotated[
        str | None,
        typer.Option("--height", help='Height with unit, e.g. "170 cm" (ideal/adjusted weight).'),
    ] = None,
    renal_replacement: Annotated[
        str,
        typer.Option(
            "--renal-replacement", help="none, haemodialysis or crrt (changes the renal rule)."
        ),
    ] = "none",
    sc_dose: Annotated[
        str | None,
        typer.Option(
            "--sc-daily-dose",
            help='SC anakinra the patient already receives, e.g. "400 mg/day" (first step).',
        ),
    ] = None,
    step: Annotated[
        int | None, typer.Option("--step", help="Ladder step (1 = lowest); or --daily-dose.")
    ] = None,
    daily_dose: Annotated[
        str | None,
        typer.Option(
            "--daily-dose",
            help='Daily dose, e.g. "1200 mg/day" (plain "1200 mg" is per day too), or '
            '"20 mg/kg/day"; or --step.',
        ),
    ] = None,
    override_reason: Annotated[
        str | None,
        typer.Option("--override-reason", help="Why a dose beyond a soft limit is ordered."),
    ] = None,
    apply_renal: Annotated[
        bool,
        typer.Option(
            "--apply-renal-adjustment", help="Apply the renal rule's suggested adjustment."
        ),
    ] = False,
    renal_option: Annotated[
        str | None,
        typer.Option(
            "--renal-option",
            help="Intermittent regimens: 'dose' (each dose scaled) or 'interval' (the label's "
            "every-other-day rule); default from the protocol.",
        ),
    ] = None,
    running: Annotated[
        bool,
        typer.Option(
            "--running", help="The infusion is already running (a dose change): no loading dose."
        ),
    ] = False,
    baseline_creatinine: Annotated[
        str | None,
        typer.Option("--baseline-creatinine", help="Lowest creatinine of the last 7 days."),
    ] = None,
    creatinine_48h_ago: Annotated[
        str | None,
        typer.Option("--creatinine-48h-ago", help="Lowest creatinine of the 48 h before."),
    ] = None,
    prepared_at: Annotated[
        str | None,
        typer.Option(
            "--prepared-at", help="When the bag is prepared, ISO 8601 (default now); sets BUD."
        ),
    ] = None,
    care_area: Annotated[
        str | None,
        typer.Option("--care-area", help="Pump care area (default: the protocol's first)."),
    ] = None,
    patient_name: Annotated[
        str, typer.Option("--patient-name", help="Name printed on the label.")
    ] = "",
    mrn: Annotated[str, typer.Option("--mrn", help="MRN printed on the label.")] = "",
    format: Annotated[
        OutputFormat, typer.Option("--format", help="text (readable) or json (the contract).")
    ] = OutputFormat.text,
) -> None:
    """Compute an explained dose plan, bag recipe, label and pump rate."""
    from anakinra_iv.compounding import calculate_bag, create_label, get_pump_entry, summarise_plan
    from anakinra_iv.dosing import calculate_dose_plan, create_patient, parse_daily_dose
    from anakinra_iv.protocol import get_protocol

    problems: list[AnakinraError] = []
    chosen = None
    if protocol is None:
        problems.append(InvalidInput("'protocol' is missing (--protocol ID)", field="protocol"))
    else:
        try:
            chosen = get_protocol(protocol)
        except AnakinraError as e:
            problems.append(e)
    patient = None
    try:
        patient = create_patient(
            weight=weight,
            age=age,
            sex=sex,
            creatinine=creatinine,
            measured_crcl=crcl,
            height=height,
            renal_replacement=renal_replacement,
            current_sc_daily_dose=sc_dose,
            baseline_creatinine=baseline_creatinine,
            creatinine_48h_ago=creatinine_48h_ago,
        )
    except AnakinraError as e:
        problems += list_problems(e)
    dose = None
    if daily_dose is not None:
        try:
            dose = parse_daily_dose(daily_dose)
        except AnakinraError as e:
            problems.append(e)
    if step is not None and daily_dose is not None:
        problems.append(InvalidInput("give either '--step' or '--daily-dose'", field="step"))
    moment = None
    try:
        moment = _read_time(prepared_at, "prepared_at")
    except AnakinraError as e:
        problems.append(e)
    if problems or chosen is None or patient is None or moment is None:
        exit_with_problems([p.message for p in problems])
    with reporting_problems():
        plan = calculate_dose_plan(
            chosen,
            patient,
            step=step,
            daily_dose=dose,
            override_reason=override_reason,
            apply_renal_adjustment=apply_renal,
            renal_option=renal_option,
            starting=not running,
        )
        bag = calculate_bag(chosen, plan, prepared_at=moment)
        pump = get_pump_entry(chosen, care_area or chosen.pump.care_areas[0])
    label = create_label(chosen, plan, bag, patient_name=patient_name or "____", mrn=mrn or "____")
    summary = summarise_plan(plan, bag, pump=pump, label=label.lines)
    if format is OutputFormat.json:
        print_json(summary)
        return
    _print_plan_text(chosen, summary)


def _shown(value: float | None, unit: str, decimals: int = 2) -> str:
    """A number of the plan's JSON as ISMP text: no trailing zero, a leading zero, a unit."""
    from anakinra_iv.units import Q_, format_quantity

    return "-" if value is None else format_quantity(Q_(value, unit), unit, decimals)


def _print_plan_text(protocol: Protocol, s: dict[str, Any]) -> None:
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{protocol.title}[/bold] ({s['protocol_id']} v{s['protocol_version']})")
    console.print(f"[italic]{DISCLAIMER}[/italic]")
    lines = []
    if s["crcl_ml_per_min"] is not None:
        per = "/1.73 m2" if s["crcl_per_1_73_m2"] else ""
        lines.append(f"CrCl: {_shown(s['crcl_ml_per_min'], 'mL/min', 1)}{per} ({s['crcl_method']})")
    if s["loading_dose_mg"] is not None:
        lines.append(f"Loading dose: {_shown(s['loading_dose_mg'], 'mg')} IV")
        loading = (s.get("bag") or {}).get("loading")
        if loading is not None:
            lines += [f"  {n}. {text}" for n, text in enumerate(loading["steps"], 1)]
    step = f"step {s['step']} of {s['step_count']}: " if s["step"] else ""
    lines.append(
        f"Daily dose: {step}{_shown(s['daily_dose_mg'], 'mg/day', 0)} "
        f"({_shown(s['dose_mg_per_kg_per_day'], 'mg/kg/day')})"
    )
    intermittent = s["intermittent"]
    if intermittent is not None:
        lines.append(
            f"Each dose: {_shown(intermittent['dose_mg'], 'mg')} every "
            f"{_shown(intermittent['interval_h'], 'h')}, over "
            f"{_shown(intermittent['infusion_duration_h'], 'h')}"
        )
    lines.append(f"Dose rate: {_shown(s['rate_mg_per_h'], 'mg/h')}   limits: {s['limit_status']}")
    renal = s["renal_adjustment"]
    if renal is not None:
        lines.append(
            f"Renal ({renal['category']}): {'applied' if renal['applied'] else 'suggested'} "
            f"option '{renal['option']}'"
        )
        for option in renal["options"]:
            lines.append(f"  - {option['option']}: {option['text']}")
    if s["next_step_up_mg_per_day"] is not None:
        lines.append(f"Next step up: {_shown(s['next_step_up_mg_per_day'], 'mg/day', 0)}")
    if s["next_step_down_mg_per_day"] is not None:
        lines.append(f"Next step down: {_shown(s['next_step_down_mg_per_day'], 'mg/day', 0)}")
    if s["transition"]:
        lines.append(f"Transition: {s['transition']}")
    for line in lines:
        console.print(line)
    bag = s["bag"]
    console.print("\n[bold]Bag recipe[/bold]")
    for i, text in enumerate(bag["steps"], start=1):
        console.print(f"  {i}. {text}")
    console.print(
        f"  Per 24 h: {bag['bags_per_24h']:g} {bag['container']}(s); start by "
        f"{bag['start_by']}; beyond use: {bag['beyond_use']}"
    )
    console.print(
        f"  Fluid with the drug: {_shown(bag['fluid_ml_per_day'], 'mL/day', 1)} "
        f"({_shown(bag['fluid_ml_per_kg_per_day'], 'mL/kg/day')}); sodium "
        f"{_shown(bag['sodium_mmol_per_day'], 'mmol/day', 1)} "
        f"({_shown(bag['sodium_mmol_per_kg_per_day'], 'mmol/kg/day')})"
    )
    pump = s["pump"]
    unit = pump["dosing_unit"]
    dose_rate = _shown(pump["rate_mg_per_h"], "mg/h")
    if unit != "mg/h" and pump["rate_in_dosing_unit"] is not None:
        dose_rate = f"{_shown(pump['rate_in_dosing_unit'], unit, 4)} ({dose_rate})"
    console.print("\n[bold]Pump programme[/bold]")
    console.print(
        f"  {pump['care_area']}: anakinra {_shown(pump['concentration_mg_per_ml'], 'mg/mL', 4)}"
        f" - dose rate {dose_rate} = {pump['rate_ml_per_h_display']}; VTBI "
        f"{_shown(pump['volume_to_be_infused_ml'], 'mL')}; hard max "
        f"{_shown(pump['hard_max'], unit, 4)}"
    )
    console.print("\n[bold]Label[/bold]")
    for text in s["label"]:
        console.print(f"  {text}")
    table = Table(title="Why", show_lines=False)
    for column in ("reason", "status", "source"):
        table.add_column(column, overflow="fold")
    for reason in s["reasons"]:
        table.add_row(reason["text"], reason["status"], reason["source"])
    console.print(table)
    for warning in s["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def demo_command() -> None:
    """Print a complete dose plan and bag recipe for a demo patient."""
    from anakinra_iv.compounding import calculate_bag, create_label, get_pump_entry, summarise_plan
    from anakinra_iv.dosing import calculate_dose_plan, create_patient
    from anakinra_iv.protocol import get_protocol

    protocol = get_protocol("adult-mas-civ")
    patient = create_patient(weight="70 kg", age=54, sex="female", creatinine="1.0 mg/dL")
    plan = calculate_dose_plan(protocol, patient, step=3)
    moment = datetime.now(UTC).replace(second=0, microsecond=0)
    bag = calculate_bag(protocol, plan, prepared_at=moment)
    label = create_label(protocol, plan, bag, patient_name="DEMO, Patient", mrn="DEMO-0001")
    pump = get_pump_entry(protocol, protocol.pump.care_areas[0])
    typer.echo("Demo patient: 54-year-old woman, 70 kg, creatinine 1.0 mg/dL, step 3.\n")
    _print_plan_text(protocol, summarise_plan(plan, bag, pump=pump, label=label.lines))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("protocols")(protocols_command)
    app.add_typer(protocol_app, name="protocol")
    app.command("plan")(plan_command)
    app.command("demo")(demo_command)
