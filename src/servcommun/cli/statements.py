"""``servcommun statements``: a folder with one PDF statement per billed member."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from servcommun import __version__
from servcommun.cli.app import Lang, Members, ServiceName, app, config_here, fail
from servcommun.cli.bill import CsvDialect
from servcommun.cli.notes import say_note
from servcommun.language import N_, _
from servcommun.message import msg_n


@app.command(
    help=N_(
        "One PDF statement per billed member for YEAR, and index.csv listing every member "
        "(members needing review get no PDF: the index says why)."
    )
)
def statements(
    year: Annotated[int, typer.Option("--year", help=N_("The billed year."), min=1900, max=2999)],
    output: Annotated[
        Path, typer.Option(help=N_("Folder to create with the statements (written atomically)."))
    ],
    service: ServiceName = None,
    member: Members = None,
    csv_dialect: Annotated[
        CsvDialect,
        typer.Option(
            help=N_(
                "index.csv flavour: fr (semicolon, decimal comma, BOM: opens in a French "
                "spreadsheet) or plain."
            )
        ),
    ] = CsvDialect.FR,
    force: Annotated[
        bool,
        typer.Option("--force", help=N_("Replace --output if it exists and is not empty.")),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help=N_("Exit 1 when a member needs review."))
    ] = False,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help=N_(
                "Date of issue, YYYY-MM-DD (default: the first day of each statement's "
                "latest titling month)."
            ),
        ),
    ] = None,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun.billing import bill_in_cache, billed, service_inputs
    from servcommun.cli.app import refuse_output_folder
    from servcommun.cli.issued import issued_for_bill
    from servcommun.cli.notes import day_option
    from servcommun.cli.progress import with_progress
    from servcommun.diagnostics import InputError
    from servcommun.engine.result import Statement
    from servcommun.inputs import forget_loaded
    from servcommun.mailing import Recipient, issued_advances, issued_titres, mailing
    from servcommun.output import write_atomic, write_folder_atomic
    from servcommun.render.pdf import Issuer
    from servcommun.render.statements import statement_count, statement_files
    from servcommun.render.workers import statement_workers

    issued_on = day_option(date)
    # --member into a folder already made: its statements are replaced, nothing else
    some = bool(member) and output.is_dir() and any(output.iterdir())
    try:
        refuse_output_folder(output, force)
        with statement_workers() as workers:
            config = config_here()
            # The words first: worked out anew, they read the service's inputs, which
            # the bill then reuses, or which go before it comes from the cache (35 000
            # members: the roster's models and the bill held at once made the peak).
            inputs = service_inputs(config, config.service(service), year)  # read once
            words = mailing(config, service, year, inputs)
            if bill_in_cache(inputs):
                forget_loaded()
            year_billed = billed(config, service, year, inputs)
            result = year_billed.only(member or ())
            titres = issued_titres(config, service, year)
            advances = issued_advances(config, service, year) if words.advanced else {}
            # a year issued on other figures: said on stderr, and on each statement changed
            issued = issued_for_bill(config, service, result)
            changed = {m.member.id: m for m in issued.members} if issued is not None else {}
            issuer = Issuer(
                title=year_billed.title,
                deliberations=words.deliberations,
                carrier=year_billed.carrier,
                currency=result.currency,
                locale=result.locale,
                generator=f"servcommun {__version__}",
                population=year_billed.population,
                sender=words.sender,
                example=words.example,
                issued_on=issued_on,
            )
            count = statement_count(result)
            offers = dict(year_billed.offers)

            def recipient(statement: Statement) -> Recipient:
                return words.recipient(statement, offers, titres, changed, advances)

            forget_loaded()  # the bill and its words are made: the roster's models go
            _collect_what_each_statement_leaves()
            make_pdfs = workers.maker(count)
            files = statement_files(result, issuer, offers, csv_dialect.value, make_pdfs, recipient)
            progress = with_progress(files, count + 1, _("Statements"))  # PDFs, index.csv
            if some:
                for name, content in progress:
                    if name != "index.csv":  # the index of the whole bill stays
                        write_atomic(output / name, content, force=True)
            else:
                write_folder_atomic(output, progress, force=force)
    except InputError as error:
        fail(error.diagnostics)
    if some:
        say_note(
            msg_n(
                "{count:count} statement replaced in {folder}; the other statements and "
                "index.csv left as they are",
                "{count:count} statements replaced in {folder}; the other statements and "
                "index.csv left as they are",
                n="count",
                count=count,
                folder=str(output),
            )
        )
        return
    review = len(result.needs_review)
    written = {"count": count, "folder": str(output)}
    if review:
        say_note(
            msg_n(
                "{count:count} statement and index.csv written to {folder}; {review}",
                "{count:count} statements and index.csv written to {folder}; {review}",
                n="count",
                review=msg_n(
                    "{count:count} member needs review, listed in index.csv",
                    "{count:count} members need review, listed in index.csv",
                    n="count",
                    count=review,
                ),
                **written,
            )
        )
    else:
        say_note(
            msg_n(
                "{count:count} statement and index.csv written to {folder}",
                "{count:count} statements and index.csv written to {folder}",
                n="count",
                **written,
            )
        )
    if strict and review:
        say_note(
            msg_n(
                "{count:count} member needs review ({option})",
                "{count:count} members need review ({option})",
                n="count",
                count=review,
                option="--strict",
            )
        )
        raise typer.Exit(1)


def _collect_what_each_statement_leaves() -> None:
    """The cyclic collector is off for commands (``servcommun.cli``), but a PDF document
    leaves cycles (fpdf2's fonts and their glyph maps point at each other) that only it
    frees: on, with everything built so far (the bill) set aside for good, so that it
    scans each statement's garbage, not the whole bill again and again."""
    import gc

    if not gc.isenabled():  # a command's process (not a caller that manages its own)
        gc.freeze()
        gc.enable()
