"""``anakinra simulate``, ``anakinra models``, ``anakinra compare-routes``.

``anakinra simulate --data DATASET.csv --model NAME [--param KEY=VALUE ...]
[--covariate KEY=VALUE ...] [--output FILE] --format csv|json`` writes one row per observation
record (EVID 0), in input order, with columns ``ID``, ``TIME``, ``CP`` (central amount / central
volume: mg/L for AMT in mg and volumes in L).

``anakinra simulate --regimen "100 mg iv bolus; 100 mg/h civ for 72 h" --model anakinra-adult
--weight "70 kg" --crcl 90 --hours 96 --step 0.25 --format csv|json`` writes the same columns, one
row per time step (``--crcl`` in mL/min).

``anakinra models [NAME] [--format text|json]`` lists the models, each number (typical values,
weight exponents, covariate references, variances, residual error, renal-function numbers) with
its status, its evidence-registry source key and its note.

``anakinra compare-routes --daily-dose "1200 mg" --weight "70 kg" --crcl 90 --out FIG.png``
draws continuous IV vs IV bolus q6h vs SC q6h/q12h/q24h (FIG.png and FIG.svg) and prints the
metrics table.

Bad input (malformed dataset, unknown model or parameter, unreadable regimen) exits with status 2,
one line per problem on standard error naming the row and column, and writes no output file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from anakinra_iv.cli._output import OutputFormat, exit_with_problems, print_json, reporting_problems
from anakinra_iv.errors import InvalidInput

if TYPE_CHECKING:
    from anakinra_iv.pk.routes import RouteComparison

# The pk package (numpy, scipy, polars) and the unit registry are imported by the commands when
# they run, so that the command line starts without them.

__all__ = ["SIMULATE_EXAMPLE", "register"]

SIMULATE_EXAMPLE = [
    "simulate",
    "--regimen",
    "100 mg iv bolus; 100 mg/h civ for 72 h",
    "--weight",
    "70 kg",
    "--crcl",
    "90",
    "--hours",
    "96",
    "--format",
    "csv",
]
"""The example the command's own help gives (a test runs it)."""


class TableFormat(StrEnum):
    """Formats of the simulation table."""

    csv = "csv"
    json = "json"


def _pairs(items: list[str] | None, what: str) -> dict[str, float]:
    from anakinra_iv.units import read_number

    values: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(
                f"--{what} must look like KEY=VALUE (got '{item}')", field=what, value=item
            )
        values[key.strip().upper()] = read_number(value, field=f"{what} {key.strip()}")
    return values


def _crcl(text: str | None) -> str | None:
    from anakinra_iv.units import read_number

    if text is None:
        return None
    try:
        return f"{read_number(text, field='crcl')} mL/min"
    except InvalidInput:
        return text


def _read_daily_dose(text: str, weight: str) -> str:
    """A daily dose in the grammar of ``plan`` (mg/day, plain mg per day, mg/kg/day), as the
    amount per day ``compare_routes`` takes ("1200 mg")."""
    from anakinra_iv.dosing import parse_daily_dose
    from anakinra_iv.units import parse_quantity

    dose = parse_daily_dose(text)
    if dose.check("[mass]/[mass]/[time]"):
        dose = dose * parse_quantity(weight, field="weight", unit="kg")
    return f"{dose.to('mg/day').magnitude!r} mg"


def _table(rows: list[dict[str, Any]], output_format: TableFormat) -> str:
    if output_format is TableFormat.json:
        return json.dumps(rows, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ID", "TIME", "CP"])
    for row in rows:
        writer.writerow([row["ID"], f"{row['TIME']:.10g}", f"{row['CP']:.10g}"])
    return buffer.getvalue()


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, output)


def simulate(
    model: Annotated[
        str, typer.Option(help="Model name (see `anakinra models`).")
    ] = "anakinra-adult",
    data: Annotated[Path | None, typer.Option("--data", help="NONMEM-style dataset (CSV).")] = None,
    regimen: Annotated[
        str | None,
        typer.Option(
            help='Regimen text, e.g. "100 mg iv bolus; 100 mg/h civ for 72 h" (the model also '
            "needs --weight, and --crcl for its renal covariate)."
        ),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Typical value, KEY=VALUE (repeatable).")
    ] = None,
    covariate: Annotated[
        list[str] | None,
        typer.Option(
            "--covariate", help="Covariate for records without it, KEY=VALUE (repeatable)."
        ),
    ] = None,
    weight: Annotated[str | None, typer.Option(help='Body weight, e.g. "70 kg".')] = None,
    crcl: Annotated[str | None, typer.Option(help="Creatinine clearance, mL/min.")] = None,
    hours: Annotated[float, typer.Option(help="Regimen: simulated hours.")] = 96.0,
    step: Annotated[float, typer.Option(help="Regimen: output step, hours.")] = 0.25,
    renal: Annotated[
        str | None,
        typer.Option(
            help="Renal function option: R1, R2, R2-IV (default: the model's; R2-IV "
            "for a regimen given only IV)."
        ),
    ] = None,
    age: Annotated[
        float | None, typer.Option(help="Age in years, checked against the model's range.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write here instead of standard output.")
    ] = None,
    output_format: Annotated[
        TableFormat, typer.Option("--format", help="csv or json.", case_sensitive=False)
    ] = TableFormat.csv,
) -> None:
    """Simulate a NONMEM-style dataset (--data) or a regimen (--regimen): ID, TIME, CP.

    Example: anakinra simulate --regimen "100 mg iv bolus; 100 mg/h civ for 72 h"
    --weight "70 kg" --crcl 90 --hours 96 --format csv
    """
    from anakinra_iv.pk import get_model, read_dataset, simulate_dataset, simulate_regimen
    from anakinra_iv.units import parse_quantity

    if (data is None) == (regimen is None):
        exit_with_problems(["give exactly one of --data DATASET.csv or --regimen TEXT"])
    if output is not None and output.suffix.lower() != f".{output_format.value}":
        exit_with_problems(
            [
                f"'output' {output.name} does not end in .{output_format.value}, the format "
                f"written (--format {output_format.value})"
            ]
        )
    csv_text: str | None = None
    with reporting_problems():
        params = _pairs(param, "param")
        covariates = _pairs(covariate, "covariate")
        pk_model = get_model(model)
        if params:
            pk_model = pk_model.with_parameters(params)
        if data is not None:
            allowed = (*pk_model.covariates, *pk_model.structure.parameter_names)
            dataset = read_dataset(data, allowed_covariates=allowed)
            if weight is not None:
                covariates.setdefault(
                    "WT", float(parse_quantity(weight, field="weight", unit="kg").magnitude)
                )
            crcl_text = _crcl(crcl)
            if crcl_text is not None:
                covariates.setdefault(
                    "CRCL",
                    float(
                        parse_quantity(
                            crcl_text, field="crcl", unit="mL/min", positive=False
                        ).magnitude
                    ),
                )
            result = simulate_dataset(dataset, pk_model, covariates=covariates, renal=renal)
            # CSV straight from the columns (millions of rows in a second); JSON row by row
            csv_text = result.to_csv() if output_format is TableFormat.csv else None
            rows = result.rows() if csv_text is None else []
        else:
            assert regimen is not None
            rows = simulate_regimen(
                regimen,
                model=pk_model,
                weight=weight,
                crcl=_crcl(crcl),
                hours=hours,
                step=step,
                covariates=covariates,
                renal=renal,
                age=age,
            ).rows()
        text = _table(rows, output_format) if csv_text is None else csv_text
    _write(text, output)


def models(
    name: Annotated[str | None, typer.Argument(help="Show one model.")] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text or json.", case_sensitive=False)
    ] = OutputFormat.text,
) -> None:
    """List the PK models: anakinra parameter sets (status, source, note) and structural models."""
    from anakinra_iv.pk import get_model, list_models
    from anakinra_iv.pk.describe import describe_model, format_model

    with reporting_problems():
        chosen = [get_model(name)] if name else list_models()
    if output_format is OutputFormat.json:
        print_json([describe_model(m) for m in chosen])
    else:
        typer.echo("\n\n".join(format_model(m) for m in chosen))


def _comparison_rows(comparison: RouteComparison) -> list[dict[str, Any]]:
    return [
        {
            "label": row.label,
            "regimen": row.regimen,
            "cmax_mg_l": row.metrics.cmax_mg_l,
            "tmax_h": row.metrics.tmax_h,
            "cmin_mg_l": row.metrics.cmin_mg_l,
            "cavg_mg_l": row.metrics.cavg_mg_l,
            "auc_mg_h_l": row.metrics.auc_mg_h_l,
            "peak_trough_ratio": row.metrics.peak_trough_ratio,
            "t90_h": row.metrics.t90_h,
            "time_below_h": row.metrics.time_below_h,
        }
        for row in comparison.rows
    ]


def _comparison_text(comparison: RouteComparison) -> str:
    start, end = comparison.metrics_window_h
    lines = [
        comparison.title,
        f"metrics over {start:g}-{end:g} h; "
        f"steady-state average Css (IV) = {comparison.css_mg_l:.3g} mg/L",
        f"{'scenario':<32} {'Cmax':>8} {'Cmin':>8} {'Cavg':>8} {'peak/trough':>11} "
        f"{'T90%Css h':>9}  regimen",
    ]
    for row in comparison.rows:
        m = row.metrics
        t90 = "-" if m.t90_h is None else f"{m.t90_h:.2f}"
        ratio = "inf" if m.peak_trough_ratio == float("inf") else f"{m.peak_trough_ratio:.3g}"
        lines.append(
            f"{row.label:<32} {m.cmax_mg_l:>8.3g} {m.cmin_mg_l:>8.3g} {m.cavg_mg_l:>8.3g} "
            f"{ratio:>11} {t90:>9}  {row.regimen}"
        )
    lines.append("concentrations in mg/L")
    return "\n".join(lines)


def compare_routes_command(
    daily_dose: Annotated[
        str,
        typer.Option(
            "--daily-dose",
            help='Daily dose, as for `plan`: "1200 mg/day" (plain "1200 mg" is per day too) or '
            '"20 mg/kg/day".',
        ),
    ],
    weight: Annotated[str, typer.Option(help='Body weight, e.g. "70 kg".')],
    out: Annotated[
        Path, typer.Option(help="Figure file (.png or .svg); both formats are written.")
    ],
    crcl: Annotated[str | None, typer.Option(help="Creatinine clearance, mL/min.")] = None,
    model: Annotated[str, typer.Option(help="Model with IV and SC routes.")] = "anakinra-adult",
    days: Annotated[int, typer.Option(help="Days simulated; metrics over the last 24 h.")] = 3,
    renal: Annotated[
        str | None,
        typer.Option(help="Renal option: R1, R2, R2-IV (default: the model's IV-derived one)."),
    ] = None,
    age: Annotated[
        float | None, typer.Option(help="Age in years, checked against the model's range.")
    ] = None,
    interruption_rate: Annotated[
        str | None,
        typer.Option(
            "--interruption-rate",
            help="Also show interruptions (bag-change gaps, a pause, a missed bag) of this "
            'continuous rate, e.g. "140 mg/h": OUT-interruptions.png/.svg.',
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", help="Table format: text or json.", case_sensitive=False),
    ] = OutputFormat.text,
) -> None:
    """Compare routes at equal daily dose: figure (PNG and SVG) and a metrics table."""
    from anakinra_iv.pk import calculate_typical_clearance, compare_interruptions, compare_routes
    from anakinra_iv.reports.pk_plots import plot_comparison

    with reporting_problems():
        if out.suffix.lower() not in (".png", ".svg"):
            raise InvalidInput(f"--out must end in .png or .svg (got '{out.name}')", field="out")
        per_day = _read_daily_dose(daily_dose, weight)
        comparison = compare_routes(
            per_day,
            weight=weight,
            crcl=_crcl(crcl),
            model=model,
            days=days,
            renal=renal,
            age=age,
        )
        interruptions = None
        if interruption_rate is not None:
            interruptions = compare_interruptions(
                interruption_rate,
                weight=weight,
                crcl=_crcl(crcl),
                model=model,
                renal=renal,
                age=age,
            )
        clearance = calculate_typical_clearance(model, weight, _crcl(crcl), renal=renal, route="iv")
    written = plot_comparison(comparison, out)
    if interruptions is not None:
        written += plot_comparison(
            interruptions, out.with_name(f"{out.stem}-interruptions{out.suffix}")
        )
    if output_format is OutputFormat.json:
        print_json(
            {
                "title": comparison.title,
                "typical_clearance_l_h": clearance.to("L/h").magnitude,
                "css_mg_l": comparison.css_mg_l,
                "metrics_window_h": list(comparison.metrics_window_h),
                "routes": _comparison_rows(comparison),
                "interruptions": None if interruptions is None else _comparison_rows(interruptions),
                "figures": [str(p) for p in written],
            }
        )
        return
    typer.echo(_comparison_text(comparison))
    if interruptions is not None:
        typer.echo("")
        typer.echo(_comparison_text(interruptions))
    typer.echo(f"typical clearance {clearance.to('L/h').magnitude:.3g} L/h")
    typer.echo("figures: " + ", ".join(str(p) for p in written))


def register(app: typer.Typer) -> None:
    """Add the pharmacokinetic commands."""
    app.command("simulate")(simulate)
    app.command("models")(models)
    app.command("compare-routes")(compare_routes_command)
