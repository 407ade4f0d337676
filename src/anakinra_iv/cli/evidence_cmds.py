"""``anakinra evidence``: list, filter and show the sources that protocol values cite.

``anakinra evidence [--route CI] [--disease MAS] [--format json|text]`` lists the registry;
``anakinra evidence show KEY [--format json|text]`` prints one entry. JSON output uses the field
names of the table (``key``, ``kind``, ``citation``, ``year``, ``pmid``, ``doi``, ``url``,
``population``, ``disease``, ``route``, ``loading_dose``, ``maintenance_dose``, ``max_dose``,
``duration``, ``outcome``, ``notes``); a field that does not apply is ``null``. An unknown route,
disease or key exits with status 2 and one line naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from anakinra_iv.cli._output import OutputFormat, print_json, reporting_problems

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from anakinra_iv.evidence import EvidenceEntry

__all__ = ["register"]

_ABSENT = "—"

evidence_app = typer.Typer(
    name="evidence",
    help="The evidence registry: every source a protocol, model or score value cites.",
    no_args_is_help=False,
)

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
]


@evidence_app.callback(invoke_without_command=True)
def list_sources(
    ctx: typer.Context,
    route: Annotated[
        str | None,
        typer.Option(help="Keep one route: CI, IVB, IV, SC, mixed, NF (not found), NA."),
    ] = None,
    disease: Annotated[
        str | None,
        typer.Option(help="Keep entries whose disease field contains this text, e.g. MAS."),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """List the registry's sources, optionally filtered by route and disease."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console

    from anakinra_iv.evidence import list_entries

    with reporting_problems():
        entries = list_entries(route=route, disease=disease)
    if output_format is OutputFormat.json:
        print_json([entry.as_dict() for entry in entries])
    else:
        Console().print(_list_table(entries))


@evidence_app.command("show")
def show_source(
    key: Annotated[str, typer.Argument(help="Evidence key, e.g. monteagudo-2020.")],
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Show every field of one source."""
    from rich.console import Console

    from anakinra_iv.evidence import get_entry

    with reporting_problems():
        entry = get_entry(key)
    if output_format is OutputFormat.json:
        print_json(entry.as_dict())
    else:
        Console().print(_entry_table(entry))


def register(app: typer.Typer) -> None:
    """Add the ``evidence`` command group to the ``anakinra`` app."""
    app.add_typer(evidence_app, name="evidence")


def _cell(value: object) -> Text:
    from rich.text import Text

    # Text, not markup: sources contain brackets ("[lb_av]") that rich would read as tags.
    return Text(_ABSENT if value is None else str(value))


def _list_table(entries: Sequence[EvidenceEntry]) -> Table:
    from rich.table import Table

    from anakinra_iv.evidence import NOT_FOUND

    table = Table(
        title=f"Evidence registry: {len(entries)} source{'' if len(entries) == 1 else 's'}",
        caption=f"'{NOT_FOUND}': the source does not give it. {_ABSENT}: does not apply. "
        "Details: anakinra evidence show KEY",
    )
    table.add_column("key", no_wrap=True)
    for header in ("year", "kind", "route", "disease", "maximum dose"):
        table.add_column(header, overflow="fold")
    for entry in entries:
        table.add_row(
            *(
                _cell(value)
                for value in (
                    entry.key,
                    entry.year,
                    entry.kind.value,
                    entry.route.value,
                    entry.disease,
                    entry.max_dose,
                )
            )
        )
    return table


def _entry_table(entry: EvidenceEntry) -> Table:
    from rich.table import Table
    from rich.text import Text

    from anakinra_iv.evidence import FIELD_NAMES

    table = Table(title=entry.key, show_header=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    values = entry.as_dict()
    for name in FIELD_NAMES:
        table.add_row(Text(name), _cell(values[name]))
    return table
