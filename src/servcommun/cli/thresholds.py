"""``servcommun thresholds``: members near a population bracket boundary, and what
crossing it would change for them."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from servcommun.cli.app import Force, Lang, ServiceName, app, config_here, deliver, fail, print_rich
from servcommun.language import N_


class ThresholdsFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command(
    help=N_("Members within N inhabitants of a bracket boundary: their totals on each side.")
)
def thresholds(
    within: Annotated[
        int, typer.Option("--within", min=0, help=N_("Distance to a boundary, in inhabitants."))
    ] = 100,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", min=1900, max=2999, help=N_("Population year (default: the current year).")
        ),
    ] = None,
    service: ServiceName = None,
    format: Annotated[ThresholdsFormat, typer.Option("--format", help=N_("Output format."))] = (
        ThresholdsFormat.TABLE
    ),
    output: Annotated[
        Path | None, typer.Option(help=N_("Write to this file (atomically)."))
    ] = None,
    force: Force = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.analysis import thresholds as near_members
    from servcommun.cli.app import refuse_output
    from servcommun.diagnostics import InputError
    from servcommun.pipeline import load, today

    year = year if year is not None else today().year
    try:
        if output is not None:
            refuse_output(output, force)
        loaded = load(config_here(), service, [year]).year(year)
        near = near_members(loaded, year, within)
    except InputError as error:
        fail(error.diagnostics)
    tariff = loaded.tariff
    if format is ThresholdsFormat.JSON:
        from servcommun.render.json import dumps
        from servcommun.render.thresholds import thresholds_json

        deliver(
            dumps(
                thresholds_json(
                    near, service=tariff.service, year=year, within=within, currency=tariff.currency
                )
            ),
            output,
            force,
        )
        return
    from servcommun.render.thresholds import thresholds_table

    print_rich(
        lambda width: thresholds_table(
            near,
            title=tariff.title,
            year=year,
            within=within,
            currency=tariff.currency,
            locale=tariff.locale,
        ),
        output,
        force,
    )
