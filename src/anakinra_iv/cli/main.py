"""Entry point of the ``anakinra`` command.

Each area of the package keeps its commands in its own module, which exposes
``register(app: typer.Typer) -> None``; this module only assembles them.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="anakinra",
    help=(
        "Continuous IV anakinra protocols: dosing, pharmacy, pharmacokinetics, assessment. "
        "Decision support for qualified clinicians; IV anakinra is off-label; protocol values "
        "are an institution's to review and approve."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help and usage errors: rich's formatter would more than double the start-up time
    # of ``--help`` (bench/cli_startup.py).
    rich_markup_mode=None,
)

# Modules that add commands. Listed by name so that each area stays in its own file.
COMMAND_MODULES: tuple[str, ...] = (
    "evidence_cmds",
    "protocol_cmds",
    "assess_cmds",
    "pk_cmds",
    "workflow_cmds",
    "interop_cmds",
    "metrics_cmds",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"anakinra_iv.cli.{_name}").register(app)


def main() -> None:
    """Run the command line."""
    app()


if __name__ == "__main__":
    main()
