"""``servcommun bill``: every member's statement for a year."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servcommun.cli.app import (
    STDOUT,
    Force,
    Lang,
    Members,
    ServiceName,
    app,
    config_here,
    deliver,
    deliver_bytes,
    fail,
    print_rich,
)
from servcommun.cli.notes import say_note
from servcommun.language import N_, _
from servcommun.message import msg, msg_n

if TYPE_CHECKING:  # imported by the command itself, not when the app starts
    from rich.console import RenderableType

    from servcommun.billing import Billed
    from servcommun.engine.result import Bill
    from servcommun.issuance import IssuedYear
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


_EXTENSIONS = {".csv": BillFormat.CSV, ".json": BillFormat.JSON, ".xlsx": BillFormat.XLSX}


def _format_for(asked: BillFormat | None, output: Path | None) -> BillFormat:
    """The format asked for, else the one the ``--output`` file's extension names (a
    table for any other); a format the extension contradicts is a usage error, not a
    workbook written as ``bill.csv``."""
    named = _EXTENSIONS.get(output.suffix.lower()) if output is not None else None
    if asked is None:
        return named or BillFormat.TABLE
    if named is not None and named is not asked:
        from servcommun.cli.notes import usage_error
        from servcommun.message import msg

        usage_error(
            msg(
                "--format {asked} does not write a {suffix} file: give --output a name "
                "ending in its format's extension, or leave --format out",
                asked=asked.value,
                suffix=output.suffix if output is not None else "",
            )
        )
    return asked


@app.command(help=N_("Every member's statement for YEAR."))
def bill(
    year: Annotated[int, typer.Option("--year", help=N_("The billed year."), min=1900, max=2999)],
    service: ServiceName = None,
    member: Members = None,
    detail: Annotated[
        bool, typer.Option("--detail", help=N_("Every line with its basis and article."))
    ] = False,
    format: Annotated[
        BillFormat | None,
        typer.Option(
            "--format",
            help=N_("Output format (default: the --output file's extension, else table)."),
        ),
    ] = None,
    csv_dialect: Annotated[
        CsvDialect,
        typer.Option(
            help=N_("CSV flavour: plain (comma, point) or fr (semicolon, decimal comma, BOM).")
        ),
    ] = (CsvDialect.PLAIN),
    output: Annotated[
        Path | None, typer.Option(help=N_("Write to this file (atomically)."))
    ] = None,
    force: Force = False,
    strict: Annotated[
        bool, typer.Option("--strict", help=N_("Exit 1 when a member needs review."))
    ] = False,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.billing import billed
    from servcommun.cli.app import refuse_output

    format = _format_for(format, output)
    from servcommun.cli.issued import issued_for_bill
    from servcommun.diagnostics import InputError

    if format is BillFormat.XLSX and output is None:
        # a workbook is binary: never to a terminal, and no file name guessed for the user
        print(_("--format xlsx needs --output FILE.xlsx"), file=sys.stderr)
        raise typer.Exit(2)
    try:
        if output is not None:
            refuse_output(output, force)
        config = config_here()
        year_billed = billed(config, service, year)
        result = year_billed.only(member or ())
        issued = issued_for_bill(config, service, result)  # the journal's figures, if issued
        inputs = None
        if format is BillFormat.XLSX:  # the workbook records the files the bill came from
            from servcommun.pipeline import load
            from servcommun.provenance import inputs_of

            inputs = inputs_of(load(config, service, [year]).year(year), year, member or ())
        else:
            from servcommun.inputs import forget_loaded

            forget_loaded()  # the bill and its words are made: the roster's models go
        _emit_bill(result, year_billed, format, csv_dialect, detail, output, force, inputs, issued)
    except InputError as error:
        fail(error.diagnostics)
    if strict and result.needs_review:
        say_note(
            msg_n(
                "{count:count} member needs review ({option})",
                "{count:count} members need review ({option})",
                n="count",
                count=len(result.needs_review),
                option="--strict",
            )
        )
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
    issued: IssuedYear | None = None,
) -> None:
    """Render the bill in the format asked for, to stdout or ``output`` (a workbook with
    the ``inputs`` it was computed from)."""
    if format is BillFormat.XLSX:
        assert output is not None and inputs is not None  # checked and read before
        from servcommun.render.xlsx import bill_xlsx

        deliver_bytes(bill_xlsx(result, list(billed.columns), inputs), output, force)
    elif format is BillFormat.JSON:
        from servcommun.cli.issued import with_issued
        from servcommun.population_basis import with_population
        from servcommun.render.json import bill_json, dumps, write_json

        data = with_issued(with_population(bill_json(result), billed.population), issued)
        if output is None or output == STDOUT:
            write_json(data, sys.stdout)  # a statement at a time: never the whole text
        else:
            deliver(dumps(data), output, force)
    elif format is BillFormat.CSV:
        from servcommun.render.csv import bill_csv

        deliver(bill_csv(result, csv_dialect.value), output, force)
        if result.needs_review:  # rows without an amount: the accountant must not miss them
            say_note(
                msg_n(
                    "warning: {count:count} member needs review: listed in the CSV with its "
                    "reason and no amount (status '{status}')",
                    "warning: {count:count} members need review: listed in the CSV with their "
                    "reason and no amount (status '{status}')",
                    n="count",
                    count=len(result.needs_review),
                    # the status column's value, as the dialect writes it
                    status="à examiner" if csv_dialect is CsvDialect.FR else "needs review",
                )
            )
    else:
        from servcommun.cli.issued import with_issued_note
        from servcommun.render.table import bill_table

        print_rich(
            lambda width: with_issued_note(
                _with_population(
                    bill_table(result, billed.title, billed.columns, detail=detail, width=width),
                    billed.population,
                ),
                issued,
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

    from servcommun.render.words import say

    values = {"kind": basis.kind, "year": basis.year, "millesime": basis.millesime}
    if basis.millesime is not None and basis.source:
        said = msg(
            "Population: {kind}, in force on 1 January {year:year}, millésime "
            "{millesime:year}, {source}.",
            source=basis.source,
            **values,
        )
    elif basis.millesime is not None:
        said = msg(
            "Population: {kind}, in force on 1 January {year:year}, millésime {millesime:year}.",
            **values,
        )
    elif basis.source:
        said = msg(
            "Population: {kind}, in force on 1 January {year:year}, {source}.",
            source=basis.source,
            **values,
        )
    else:
        said = msg("Population: {kind}, in force on 1 January {year:year}.", **values)
    return Group(table, Text(say(said), style="dim"))
