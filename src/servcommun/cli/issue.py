"""``servcommun issue``: record the titres issued in the journal of the data directory."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from servcommun.cli.app import Lang, ServiceName, app, config_here, fail
from servcommun.cli.notes import day_option
from servcommun.language import N_, _
from servcommun.message import Message, msg, msg_n

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.issuance import Titled
    from servcommun.titres import TitreList


@app.command(
    help=N_(
        "Record the titres de recettes of YEAR as issued, in the journal of the data "
        "directory (journal/<service>.yaml): every titling month not issued yet, or "
        "--month; with --corrections, the corrections of the months issued."
    )
)
def issue(
    year: Annotated[int, typer.Option("--year", help=N_("The billed year."), min=1900, max=2999)],
    month: Annotated[
        str | None,
        typer.Option("--month", help=N_("Only this titling month, YYYY-MM.")),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help=N_(
                "Date of issue, YYYY-MM-DD (default: the first day of the titling month; "
                "required with --corrections)."
            ),
        ),
    ] = None,
    corrections: Annotated[
        bool,
        typer.Option(
            "--corrections", help=N_("Record the corrections of the months already issued.")
        ),
    ] = False,
    instalment: Annotated[
        int | None,
        typer.Option(
            "--instalment",
            help=N_("Only the titling month of this instalment of advances (1 for the first)."),
            min=1,
        ),
    ] = None,
    service: ServiceName = None,
    lang: Lang = None,
) -> None:
    del lang  # chosen before the command line is parsed
    from servcommun import __version__
    from servcommun.diagnostics import InputError
    from servcommun.issuance import titled
    from servcommun.journal import appended, entry_text
    from servcommun.language import document_language, speaking
    from servcommun.output import write_atomic

    day = day_option(date)
    if corrections and day is None:
        print(
            _("issue --corrections needs --date: the day the corrections are issued"),
            file=sys.stderr,
        )
        raise typer.Exit(2)
    try:
        config = config_here()
        if config.bundled:
            fail(
                [
                    _(
                        "servcommun issue records titres in the journal of a data directory: "
                        "run it where your servcommun.toml is (the bundled example is never "
                        "issued)"
                    )
                ]
            )
        state = titled(config, service, year)
        if instalment is not None:
            from servcommun.cli.titres import instalment_month

            month = instalment_month(state, instalment)
        if corrections:
            listing, months = _corrections(state, day, month)
            kind = "corrections"
        else:
            months = _months_to_issue(state, month)
            listing = state.titres(day, months)
            kind = "issue"
        journal = state.journal
        with speaking(document_language(state.bill.locale)):
            entry = entry_text(
                journal,
                kind=kind,
                service=state.service.id,
                year=year,
                months=months,
                titres=listing.titres,
                inputs=state.inputs,
                generator=f"servcommun {__version__}",
            )
            content = appended(journal, state.service.id, entry)
        _folder(journal.path.parent)
        write_atomic(journal.path, content, force=True)
    except InputError as error:
        fail(error.diagnostics)
    _said(state, listing, months, kind)
    from servcommun.cli.titres import say_advances

    say_advances(listing, state)


def _folder(folder: Path) -> None:
    """The journal's folder, made if need be (a folder that cannot be made is the user's
    to fix: a one-line message)."""
    from servcommun.diagnostics import Diagnostic, InputError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = msg("cannot make this folder: {reason}", reason=error.strerror or str(error))
        raise InputError([Diagnostic(str(folder), 1, 1, "output-unwritable", reason)]) from None


def _months_to_issue(state: Titled, month: str | None) -> list[str]:
    """The titling months to issue: ``month``, or every month of the year not issued yet;
    an already issued month is refused (its figures never change)."""
    from servcommun.diagnostics import Diagnostic, InputError
    from servcommun.titres import titling_months

    months = titling_months(state.bill, state.titling)
    issued = state.journal.months_issued(state.year)
    if month is not None:
        if month not in months:
            raise InputError(
                [
                    Diagnostic(
                        state.journal.display,
                        1,
                        1,
                        "unknown-month",
                        msg(
                            "no line of {year:year} is titled in {month} (months: {months})",
                            year=state.year,
                            month=month,
                            months=", ".join(months) or "—",
                        ),
                    )
                ]
            )
        if month in issued:
            raise _already(state, [month])
        return [month]
    left = [m for m in months if m not in issued]
    if not left:
        raise _already(state, issued)
    return left


def _already(state: Titled, months: list[str]) -> Exception:
    """An issued period is issued once: the refusal, saying what to do instead."""
    from servcommun.diagnostics import InputError

    entry = state.journal.entry_of(state.year, months[0])
    line = entry.line if entry is not None else 1
    problem: Diagnostic = _diagnostic(
        state,
        line,
        msg(
            "{months} of {year:year} already issued (entry {entry}): an issued titre never "
            "changes; servcommun titres --year {year:year} --corrections lists what corrects "
            "the figures since, servcommun issue --year {year:year} --corrections --date "
            "YYYY-MM-DD records it",
            months=", ".join(months),
            year=state.year,
            entry=str(entry.index if entry is not None else "?"),
        ),
    )
    return InputError([problem])


def _diagnostic(state: Titled, line: int, message: Message) -> Diagnostic:
    from servcommun.diagnostics import Diagnostic, source_line

    journal = state.journal
    return Diagnostic(
        journal.display, line, 1, "already-issued", message, source_line(journal.text, line)
    )


def _corrections(
    state: Titled, day: dt.date | None, month: str | None
) -> tuple[TitreList, list[str]]:
    """The corrections to record (of ``month`` only, when given), and their months; with
    none, nothing is written: said, exit 0."""
    from dataclasses import replace

    from servcommun.render.words import say

    listing = state.corrections(day)
    if month is not None:
        listing = replace(listing, titres=tuple(t for t in listing.titres if t.titled == month))
    if not listing.titres:
        print(
            say(
                msg(
                    "nothing to correct: the figures of {year:year} are those issued "
                    "(nothing written)",
                    year=state.year,
                )
            ),
            file=sys.stderr,
        )
        raise typer.Exit(0)
    return listing, sorted({t.titled for t in listing.titres})


def _said(state: Titled, listing: TitreList, months: list[str], kind: str) -> None:
    from servcommun.money import ZERO
    from servcommun.render.words import say

    titres = listing.titres
    values = {
        "journal": state.journal.display,
        "year": state.year,
        "months": ", ".join(months),
        "count": len(titres),
        "numbers": (
            "—"
            if not titres
            else titres[0].number
            if len(titres) == 1
            else f"{titres[0].number}–{titres[-1].number}"
        ),
        "total": sum((t.total for t in titres), ZERO),
    }
    if kind == "corrections":
        said = msg_n(
            "{journal}: corrections of {year:year} recorded ({months}): {count:count} titre "
            "({numbers}), {total:amount}",
            "{journal}: corrections of {year:year} recorded ({months}): {count:count} titres "
            "({numbers}), {total:amount}",
            n="count",
            **values,
        )
    else:
        said = msg_n(
            "{journal}: {year:year} issued ({months}): {count:count} titre ({numbers}), "
            "{total:amount}",
            "{journal}: {year:year} issued ({months}): {count:count} titres ({numbers}), "
            "{total:amount}",
            n="count",
            **values,
        )
    print(say(said), file=sys.stderr)
    if listing.unbilled:
        print(
            say(
                msg_n(
                    "warning: no titre for {members}: it needs review; once its figure is "
                    "decided, servcommun titres --corrections titles it",
                    "warning: no titre for {members}: they need review; once their figures "
                    "are decided, servcommun titres --corrections titles them",
                    n="count",
                    members=", ".join(f"{u.member.id} {u.member.name}" for u in listing.unbilled),
                    count=len(listing.unbilled),
                )
            ),
            file=sys.stderr,
        )
