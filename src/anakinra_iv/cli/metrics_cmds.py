"""Command: ``metrics``, time to drug per period and ward, as CSV or JSON.

Reads the database named by the settings. With ``--user`` it acts as that person (roles
prescriber, pharmacist, admin or pharmacy lead are allowed); without it, as the operator at the
server's command line, who holds the database credentials already (as for ``audit verify`` and
``backup``). Heavy libraries are imported inside the command.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from anakinra_iv.cli._output import exit_with_problems, print_json, reporting_problems

__all__ = ["MetricsFormat", "register"]


class MetricsFormat(StrEnum):
    """What ``metrics`` writes."""

    csv = "csv"
    json = "json"


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        exit_with_problems([f"'{name}' must be a date written YYYY-MM-DD (got {text!r})"])


def metrics_command(
    date_from: Annotated[
        str, typer.Option("--from", help="First day (YYYY-MM-DD, in the site's time zone).")
    ],
    date_to: Annotated[str, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")],
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Username of the person asking (roles are checked); default: the operator.",
        ),
    ] = None,
    output_format: Annotated[
        MetricsFormat, typer.Option("--format", help="csv (one row per interval) or json.")
    ] = MetricsFormat.csv,
    period: Annotated[
        str, typer.Option("--period", help="Cut the range into: day, week or range (whole).")
    ] = "range",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output).")
    ] = None,
) -> None:
    """Time to drug: median, 90th percentile and worst of each step, per period and ward."""
    import json

    from anakinra_iv.cli.interop_cmds import _services, _user_id
    from anakinra_iv.reports.time_to_drug_export import (
        create_time_to_drug_json,
        write_time_to_drug_csv,
    )
    from anakinra_iv.workflow.time_to_drug import get_time_to_drug

    first, last = _day(date_from, "from"), _day(date_to, "to")
    if out is not None and out.suffix.lower() != f".{output_format.value}":
        exit_with_problems(
            [f"'out' {out.name} must end in .{output_format.value}: that format is written"]
        )
    with reporting_problems():
        services = _services()
        try:
            report = get_time_to_drug(
                services.new_uow(),
                None if user is None else _user_id(services, user),
                first,
                last,
                services.now(),
                services.zone,
                period=period,
            )
        finally:
            services.engine.dispose()
    if output_format is MetricsFormat.csv:
        text = write_time_to_drug_csv(report.summaries)
    else:
        payload = create_time_to_drug_json(
            report.first,
            report.last,
            report.period,
            report.zone,
            report.computed_at,
            report.summaries,
            report.orders,
        )
        if out is None:
            print_json(payload)
            return
        text = json.dumps(payload, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add ``metrics`` to the command line."""
    app.command("metrics")(metrics_command)
