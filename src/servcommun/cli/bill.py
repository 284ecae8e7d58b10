"""``servcommun bill``: every member's statement for a year."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servcommun.cli.app import app, config_here, deliver, fail, print_rich, said_written

if TYPE_CHECKING:  # imported by the command itself, not when the app starts
    from rich.console import RenderableType

    from servcommun.billing import Billed
    from servcommun.engine.result import Bill
    from servcommun.population_basis import PopulationBasis
    from servcommun.provenance import Inputs


class BillFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class CsvDialect(StrEnum):
    PLAIN = "plain"
    FR = "fr"


@app.command()
def bill(
    year: Annotated[int, typer.Option("--year", help="The billed year.", min=1900, max=2999)],
    service: Annotated[
        str | None, typer.Option(help="Service of servcommun.toml (default: its 'default').")
    ] = None,
    member: Annotated[
        list[str] | None,
        typer.Option("--member", help="Only this member (INSEE code or SIREN); repeatable."),
    ] = None,
    detail: Annotated[bool, typer.Option(help="Every line with its basis and article.")] = False,
    format: Annotated[BillFormat, typer.Option("--format", help="Output format.")] = (
        BillFormat.TABLE
    ),
    csv_dialect: Annotated[
        CsvDialect,
        typer.Option(
            help="CSV flavour: plain (comma, point) or fr (semicolon, decimal comma, BOM)."
        ),
    ] = (CsvDialect.PLAIN),
    output: Annotated[Path | None, typer.Option(help="Write to this file (atomically).")] = None,
    force: Annotated[bool, typer.Option(help="Replace --output if it exists.")] = False,
    strict: Annotated[bool, typer.Option(help="Exit 1 when a member needs review.")] = False,
) -> None:
    """Every member's statement for YEAR."""
    from servcommun.billing import billed
    from servcommun.cli.app import refuse_output
    from servcommun.diagnostics import InputError

    if format is BillFormat.XLSX and output is None:
        # a workbook is binary: never to a terminal, and no file name guessed for the user
        print("--format xlsx needs --output FILE.xlsx", file=sys.stderr)
        raise typer.Exit(2)
    try:
        if output is not None:
            refuse_output(output, force)
        config = config_here()
        year_billed = billed(config, service, year)
        result = year_billed.only(member or ())
        inputs = None
        if format is BillFormat.XLSX:  # the workbook records the files the bill came from
            from servcommun.pipeline import load
            from servcommun.provenance import inputs_of

            inputs = inputs_of(load(config, service, [year]).year(year), year, member or ())
        _emit_bill(result, year_billed, format, csv_dialect, detail, output, force, inputs)
    except InputError as error:
        fail(error.diagnostics)
    if strict and result.needs_review:
        print(f"{len(result.needs_review)} member(s) need review (--strict)", file=sys.stderr)
        raise typer.Exit(1)


def _emit_bill(
    result: Bill,
    billed: Billed,
    format: BillFormat,
    csv_dialect: CsvDialect,
    detail: bool,
    output: Path | None,
    force: bool,
    inputs: Inputs | None,
) -> None:
    """Render the bill in the format asked for, to stdout or ``output`` (a workbook with
    the ``inputs`` it was computed from)."""
    if format is BillFormat.XLSX:
        assert output is not None and inputs is not None  # checked and read before
        from servcommun.output import write_atomic
        from servcommun.render.xlsx import bill_xlsx

        write_atomic(output, bill_xlsx(result, list(billed.columns), inputs), force=force)
        said_written(output)
    elif format is BillFormat.JSON:
        from servcommun.population_basis import with_population
        from servcommun.render.json import bill_json, dumps

        deliver(dumps(with_population(bill_json(result), billed.population)), output, force)
    elif format is BillFormat.CSV:
        from servcommun.render.csv import bill_csv

        deliver(bill_csv(result, csv_dialect.value), output, force)
        if result.needs_review:  # rows without an amount: the accountant must not miss them
            count = len(result.needs_review)
            print(
                f"warning: {count} member{'s' if count > 1 else ''} need"
                f"{'' if count > 1 else 's'} review: listed in the CSV with "
                f"{'their' if count > 1 else 'its'} reason and no amount (status "
                f"'{'à examiner' if csv_dialect is CsvDialect.FR else 'needs review'}')",
                file=sys.stderr,
            )
    else:
        from servcommun.render.table import bill_table

        print_rich(
            lambda width: _with_population(
                bill_table(result, billed.title, billed.columns, detail=detail, width=width),
                billed.population,
            ),
            output,
            force,
        )


def _with_population(table: RenderableType, basis: PopulationBasis | None) -> RenderableType:
    """The table, then the population it was computed on."""
    if basis is None:
        return table
    from rich.console import Group
    from rich.text import Text

    vintage = f", millésime {basis.millesime}" if basis.millesime is not None else ""
    source = f", {basis.source}" if basis.source else ""
    return Group(
        table,
        Text(
            f"Population: {basis.kind}, in force on 1 January {basis.year}{vintage}{source}.",
            style="dim",
        ),
    )
