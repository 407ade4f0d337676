"""Shared output rules of the command line.

Bad input exits with status 2 and one line per problem on standard error, naming the field;
nothing is printed on standard output.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, NoReturn

import typer

from anakinra_iv.errors import AnakinraError, list_problems

__all__ = ["OutputFormat", "exit_with_problems", "print_json", "reporting_problems"]

INPUT_ERROR_EXIT = 2


class OutputFormat(StrEnum):
    """Output formats shared by the commands."""

    json = "json"
    text = "text"


def exit_with_problems(problems: list[str]) -> NoReturn:
    """Print each problem on its own line on standard error and exit with status 2."""
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    raise typer.Exit(INPUT_ERROR_EXIT)


@contextmanager
def reporting_problems() -> Iterator[None]:
    """Turn package errors raised inside the block into the exit-2 contract."""
    try:
        yield
    except AnakinraError as error:
        exit_with_problems([p.message for p in list_problems(error)])


def print_json(payload: Any, default: Callable[[Any], Any] | None = None) -> None:
    """Write ``payload`` as indented JSON on standard output."""
    sys.stdout.write(json.dumps(payload, indent=2, default=default or str) + "\n")
