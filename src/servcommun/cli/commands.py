"""The commands of the application: one module a command, importing it registers it.

Typer builds the options of every registered command each time the program runs (some
20 ms for all of them): ``application(arguments)`` registers only the command the
arguments name, and every command for ``--help``, a mistyped name or none at all.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import typer

from servcommun.cli.app import app

COMMANDS = (
    "bill",
    "check",
    "diff",
    "issue",
    "key",
    "plot",
    "population",
    "roster",
    "schema",
    "simulate",
    "statements",
    "thresholds",
    "titres",
)
"""The command modules of ``servcommun.cli``, in the order ``--help`` lists them."""


def language_asked(arguments: Sequence[str]) -> str | None:
    """The language ``--lang`` names in ``arguments`` (``--lang en``, ``--lang=en``), read
    before the command line is parsed: the help the parser prints is in it."""
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument == "--lang" and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith("--lang="):
            return argument.removeprefix("--lang=")
    return None


def application(arguments: Sequence[str] = ()) -> typer.Typer:
    """The app, with the command ``arguments`` name registered (all of them if none)."""
    named = arguments[0] if arguments and arguments[0] in COMMANDS else None
    for command in [named] if named else COMMANDS:
        importlib.import_module(f"servcommun.cli.{command}")
    return app
