"""``servcommun check``: validate tariffs, rosters and budgets; recompute worked examples."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servcommun.cli.app import app

if TYPE_CHECKING:
    from servcommun.diagnostics import Report
    from servcommun.discovery import Plan


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


@app.command()
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True,
            show_default=False,
            metavar="PATH",
            help="Files, or folders searched for YAML files (default: every file "
            "servcommun.toml names).",
        ),
    ] = None,
    format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            help="text (file:line:col: code message), json, or github "
            "(workflow commands that annotate a pull request).",
        ),
    ] = CheckFormat.TEXT,
    strict: Annotated[bool, typer.Option(help="Exit 1 on warnings too.")] = False,
) -> None:
    """Validate tariff files, rosters and budgets, and recompute the worked examples of
    the tariffs: every problem of every file, then a one-line summary. Exit 1 if any."""
    from servcommun import cache, discovery
    from servcommun.config import find_config
    from servcommun.render import diagnostics as render

    if not paths and find_config(Path.cwd().resolve()) is None:
        # a pre-commit hook in a repository without one: checking the bundled example
        # would pass whatever the user's files say
        print(
            "servcommun check: no files given and no servcommun.toml here or above: give "
            "the files or folders to check (servcommun check tariffs/ roster.yaml), or run "
            "it in a data directory",
            file=sys.stderr,
        )
        raise typer.Exit(2)
    plan = discovery.plan(paths or [], Path.cwd())
    # files checked before, byte for byte, have the same report: CI and pre-commit hooks
    # check unchanged tariffs on every commit (the checks are loaded only for new bytes)
    report = cache.cached("check", plan.inputs(), lambda: _run(plan))
    renderer = {
        CheckFormat.TEXT: render.text,
        CheckFormat.JSON: render.as_json,
        CheckFormat.GITHUB: render.github,
    }[format]
    sys.stdout.write(renderer(report))
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


def _run(plan: Plan) -> Report:
    from servcommun.checking import check as run_check

    return run_check(plan)
