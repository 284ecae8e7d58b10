"""``servcommun check``: validate tariffs, rosters and budgets; recompute worked examples."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servcommun.cli.app import Lang, app
from servcommun.language import N_, _

if TYPE_CHECKING:
    from servcommun.diagnostics import Report
    from servcommun.discovery import Plan


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


@app.command(
    help=N_(
        "Validate tariff files, rosters and budgets, and recompute the worked examples of "
        "the tariffs: every problem of every file, then a one-line summary. Exit 1 if any."
    )
)
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True,
            show_default=False,
            metavar=N_("PATH"),
            help=N_(
                "Files, or folders searched for YAML files (default: every file "
                "servcommun.toml names)."
            ),
        ),
    ] = None,
    format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            help=N_(
                "text (file:line:col: code message), json, or github "
                "(workflow commands that annotate a pull request)."
            ),
        ),
    ] = CheckFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help=N_("Exit 1 on warnings too."))] = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun import cache, discovery
    from servcommun.config import find_config
    from servcommun.render import diagnostics as render

    if not paths and find_config(Path.cwd().resolve()) is None:
        # a pre-commit hook in a repository without one: checking the bundled example
        # would pass whatever the user's files say
        print(
            _(
                "servcommun check: no files given and no servcommun.toml here or above: give "
                "the files or folders to check (servcommun check tariffs/ roster.yaml), or run "
                "it in a data directory"
            ),
            file=sys.stderr,
        )
        raise typer.Exit(2)
    plan = discovery.plan(paths or [], Path.cwd())
    # files checked before, byte for byte, have the same report: CI and pre-commit hooks
    # check unchanged tariffs on every commit (the checks are loaded only for new bytes)
    from servcommun.diagnostics import Report

    report = cache.cached("check", plan.inputs(), lambda: _run(plan), Report)
    if format is CheckFormat.GITHUB:
        # annotations attach to the pull request by the path from the repository's root
        sys.stdout.write(render.github(report, _repository_path))
        _step_summary(render.markdown_summary(report))
    else:
        renderer = {CheckFormat.TEXT: render.text, CheckFormat.JSON: render.as_json}[format]
        sys.stdout.write(renderer(report))
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


def _repository_root() -> Path | None:
    """The root GitHub Actions checked the repository out in (``GITHUB_WORKSPACE``), else
    the git work tree holding the working directory."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        return Path(workspace).resolve()
    here = Path.cwd().resolve()
    return next((folder for folder in (here, *here.parents) if (folder / ".git").exists()), None)


def _repository_path(file: str) -> str:
    """``file`` (as a diagnostic names it, from the working directory) from the root of
    the repository, where a pull request's annotations are attached."""
    root = _repository_root()
    path = (Path.cwd() / file).resolve()
    if root is None or not path.is_relative_to(root):
        return file
    return path.relative_to(root).as_posix()


def _step_summary(markdown: str) -> None:
    """The report as the job's summary page, when GitHub Actions gives one to write."""
    where = os.environ.get("GITHUB_STEP_SUMMARY")
    if where:
        with open(where, "a", encoding="utf-8") as summary_file:
            summary_file.write(markdown)


def _run(plan: Plan) -> Report:
    from servcommun.checking import check as run_check

    return run_check(plan)
