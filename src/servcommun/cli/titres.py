"""``servcommun titres``: the titres de recettes to issue for a year, and its accruals."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servcommun.cli.app import (
    Force,
    Lang,
    Members,
    ServiceName,
    app,
    config_here,
    deliver,
    deliver_bytes,
    fail,
)
from servcommun.cli.bill import CsvDialect
from servcommun.cli.notes import day_option
from servcommun.language import N_, _
from servcommun.message import msg, msg_n

if TYPE_CHECKING:
    from servcommun.issuance import Titled
    from servcommun.titres import TitreList


class TitresFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


@app.command(
    help=N_(
        "The titres de recettes to issue for YEAR (one per debtor, titling month and "
        "imputation, summing to the bill), its accruals (produits à rattacher), and the "
        "members without a titre; with --corrections, the titres complémentaires and "
        "réductions/annulations that bring the issued figures to the current ones."
    )
)
def titres(
    year: Annotated[int, typer.Option("--year", help=N_("The billed year."), min=1900, max=2999)],
    corrections: Annotated[
        bool,
        typer.Option(
            "--corrections",
            help=N_("The corrections of the issued months, each naming the titre it corrects."),
        ),
    ] = False,
    instalment: Annotated[
        int | None,
        typer.Option(
            "--instalment",
            help=N_("Only the titres of this instalment of advances (1 for the first)."),
            min=1,
        ),
    ] = None,
    format: Annotated[TitresFormat, typer.Option("--format", help=N_("Output format."))] = (
        TitresFormat.CSV
    ),
    csv_dialect: Annotated[
        CsvDialect,
        typer.Option(
            help=N_("CSV flavour: plain (comma, point) or fr (semicolon, decimal comma, BOM).")
        ),
    ] = CsvDialect.PLAIN,
    output: Annotated[
        Path | None, typer.Option("--output", help=N_("Write to this file (atomically)."))
    ] = None,
    force: Force = False,
    service: ServiceName = None,
    member: Members = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help=N_("Date of issue, YYYY-MM-DD (default: the first day of the titling month)."),
        ),
    ] = None,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from dataclasses import replace

    from servcommun.cli.app import refuse_output
    from servcommun.diagnostics import InputError
    from servcommun.issuance import titled

    day = day_option(date)
    if format is TitresFormat.XLSX and output is None:
        print(_("--format xlsx needs --output FILE.xlsx"), file=sys.stderr)
        raise typer.Exit(2)
    try:
        if output is not None:
            refuse_output(output, force)
        state = titled(config_here(), service, year)
        months = None if instalment is None else [instalment_month(state, instalment)]
        listing = state.corrections(day) if corrections else state.titres(day, months)
        if months is not None:  # the titres of that instalment's month, issued or not
            listing = replace(
                listing, issued=tuple(t for t in listing.issued if t.titled in months)
            )
        listing = only_members(listing, state, member or ())
        _emit(listing, state, format, csv_dialect, output, force)
    except InputError as error:
        fail(error.diagnostics)
    _say_what_was_left(listing, state, corrections)


def instalment_month(state: Titled, number: int) -> str:
    """The titling month of instalment ``number`` of the service's advances; an
    ``InputError`` placed on the tariff when it calls none, or not that many."""
    from servcommun.diagnostics import Diagnostic, InputError

    plan = state.titling.advances
    found = plan.instalment(number) if plan is not None else None
    if found is not None:
        return found.month
    count = len(plan.instalments) if plan is not None else 0
    said = (
        msg(
            "no instalment {number:count}: the advances of {year:year} are called in "
            "{count:count} instalments; write --instalment 1 to {count:count}",
            number=number,
            year=state.year,
            count=count,
        )
        if count
        else msg(
            "the tariff calls no advances: write 'advances:' in the tariff (see "
            "docs/tariff-format.md), or leave out --instalment"
        )
    )
    raise InputError([Diagnostic(state.tariff_file, 1, 1, "unknown-instalment", said)])


def only_members(listing: TitreList, state: Titled, ids: list[str] | tuple[str, ...]) -> TitreList:
    """The titres of the members ``ids`` (each must be one of the bill's), or all."""
    from dataclasses import replace

    from servcommun.diagnostics import Diagnostic, InputError

    if not ids:
        return listing
    known = {s.member.id for s in state.bill.statements} | {
        r.member.id for r in state.bill.needs_review
    }
    missing = [member_id for member_id in ids if member_id not in known]
    if missing:
        raise InputError(
            [
                Diagnostic(
                    state.members_file,
                    1,
                    1,
                    "unknown-member",
                    msg("no member {ids} in this year's bill", ids=", ".join(missing)),
                )
            ]
        )
    wanted = set(ids)
    return replace(
        listing,
        titres=tuple(t for t in listing.titres if t.debtor.id in wanted),
        issued=tuple(t for t in listing.issued if t.debtor.id in wanted),
        unbilled=tuple(u for u in listing.unbilled if u.member.id in wanted),
    )


def _emit(
    listing: TitreList,
    state: Titled,
    format: TitresFormat,
    dialect: CsvDialect,
    output: Path | None,
    force: bool,
) -> None:
    if format is TitresFormat.XLSX:
        assert output is not None
        from servcommun.render.titres import titres_xlsx

        deliver_bytes(titres_xlsx(listing, state.bill.locale), output, force)
    elif format is TitresFormat.JSON:
        from servcommun.render.json import dumps
        from servcommun.render.titres import titres_json

        data = titres_json(listing, state.service.id, state.bill.currency, state.issuer)
        deliver(dumps(data), output, force)
    else:
        from servcommun.render.titres import titres_csv

        deliver(titres_csv(listing, dialect.value, state.bill.locale), output, force)


def say_advances(listing: TitreList, state: Titled) -> None:
    """On stderr: the advances of the journal nothing settles any more (located
    warnings), and what the final statements say besides their titres."""
    from servcommun.render.words import say

    for warning in state.warnings:
        print(str(warning), file=sys.stderr)
    for note in listing.notes:
        print(say(msg("note: {note}", note=note)), file=sys.stderr)
    for settled in listing.settled:
        print(
            say(
                msg(
                    "note: {member}: {reason}",
                    member=" ".join((settled.member.id, settled.member.name)),
                    reason=settled.reason,
                )
            ),
            file=sys.stderr,
        )


def _say_what_was_left(listing: TitreList, state: Titled, corrections: bool) -> None:
    """On stderr: how many titres, the members without one, the corrections waiting."""
    from servcommun.render.titres import titres_summary
    from servcommun.render.words import say

    print(titres_summary(listing), file=sys.stderr)
    say_advances(listing, state)
    if listing.unbilled:
        count = len(listing.unbilled)
        print(
            say(
                msg_n(
                    "warning: {count:count} member has no titre: listed with the reason "
                    "(kind 'review')",
                    "warning: {count:count} members have no titre: listed with the reason "
                    "(kind 'review')",
                    n="count",
                    count=count,
                )
            ),
            file=sys.stderr,
        )
    if not corrections and listing.months_issued and state.corrections().titres:
        print(
            say(
                msg(
                    "warning: figures of {year:year} changed since they were issued: "
                    "servcommun titres --year {year:year} --corrections lists the titres "
                    "that correct them",
                    year=listing.year,
                )
            ),
            file=sys.stderr,
        )
