"""``servcommun diff``: every member's amount under two grids, or in two years."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import Force, Lang, app, config_here, deliver, fail, print_rich
from servcommun.cli.notes import say_note, usage_error
from servcommun.language import N_
from servcommun.message import msg, msg_n


class DiffFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command(
    help=N_(
        "Per member: the amount under each side, the difference in euros and percent, and "
        "the totals. Sides: two --tariff files for one --year, or two --year."
    )
)
def diff(
    year: Annotated[
        list[int],
        typer.Option(
            "--year", min=1900, max=2999, help=N_("The billed year; twice to compare two years.")
        ),
    ],
    tariff: Annotated[
        list[Path] | None,
        typer.Option(
            "--tariff",
            help=N_(
                "A tariff file; twice to compare two grids (default: the "
                "service's version in force)."
            ),
        ),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            help=N_("Service of servcommun.toml (default: its 'default'); its roster is billed.")
        ),
    ] = None,
    changed: Annotated[
        bool, typer.Option("--changed", help=N_("Only the members whose amount changes (table)."))
    ] = False,
    format: Annotated[DiffFormat, typer.Option("--format", help=N_("Output format."))] = (
        DiffFormat.TABLE
    ),
    output: Annotated[
        Path | None, typer.Option(help=N_("Write to this file (atomically)."))
    ] = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.analysis import diff as compare
    from servcommun.cli.app import refuse_output
    from servcommun.diagnostics import InputError

    tariffs = tariff or []
    if len(year) > 2 or len(tariffs) > 2:
        usage_error(msg("diff compares two sides: at most two --year and two --tariff"))
    if len(year) < 2 and len(tariffs) < 2:
        usage_error(msg("give two --tariff files (one --year), or two --year"))
    try:
        if output is not None:
            refuse_output(output, force)
        comparison = compare(config_here(), service, year, tariffs)
    except InputError as error:
        fail(error.diagnostics)
    for file, count in comparison.stale:
        if count:
            say_note(
                msg_n(
                    "warning: {file}: {count:count} figure of its worked examples no longer "
                    "matches this grid; compared all the same (servcommun check {file} says "
                    "which, to update)",
                    "warning: {file}: {count:count} figures of its worked examples no longer "
                    "match this grid; compared all the same (servcommun check {file} says "
                    "which, to update)",
                    n="count",
                    file=file,
                    count=count,
                )
            )
    first = comparison.tariffs[0]
    if format is DiffFormat.JSON:
        from servcommun.render.diff import diff_json
        from servcommun.render.json import dumps

        deliver(
            dumps(
                diff_json(
                    comparison.diff,
                    service=first.service,
                    labels=comparison.labels,
                    files=comparison.files,
                )
            ),
            output,
            force,
        )
        return
    from servcommun.render.diff import diff_table

    print_rich(
        lambda width: diff_table(
            comparison.diff,
            title=first.title,
            labels=comparison.labels,
            currency=first.currency,
            locale=first.locale,
            changed_only=changed,
        ),
        output,
        force,
    )
