"""What the document formats (XLSX workbook, PDF statements) share: the date they carry,
months, member ids and populations in the language in use, and the columns by offer.

A document's embedded date derives from the billed year (31 December, midnight UTC),
never from the clock, so that the same inputs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

from servcommun import language
from servcommun.engine.result import Bill, Line, MemberRef, Statement
from servcommun.message import Message, msg_n


def document_datetime(year: int) -> dt.datetime:
    """The date embedded in a year's documents: the last day of the billed year."""
    return dt.datetime(year, 12, 31, tzinfo=dt.UTC)


def month_label(titled: str) -> str:
    """``2027-01`` → ``janvier 2027`` (``January 2027`` in English), as Babel writes a
    month standing alone in the language in use (``titled`` is kept as is if it is not a
    month)."""
    from babel.dates import format_date  # Babel's data is slow to load: only when needed

    try:
        year, month = (int(part) for part in titled.split("-"))
        return str(format_date(dt.date(year, month, 1), "LLLL y", locale=language.locale()))
    except ValueError:
        return titled


def long_date(day: dt.date) -> str:
    """``1er janvier 2027`` (``1 January 2027``): a date of issue, as Babel writes it in
    full in the language in use (French writes the first of a month « 1er »)."""
    from babel.dates import format_date

    said = str(format_date(day, "long", locale=language.locale()))
    if day.day == 1 and language.current() == "fr" and said.startswith("1 "):
        said = "1er" + said[1:]
    return said


def statement_number(year: int, member: MemberRef) -> str:
    """A statement's own number, the same on every run: ``2026-35236`` (the year billed and
    the member's id)."""
    return f"{year}-{member.id}"


def statement_date(statement: Statement, year: int, issued_on: dt.date | None = None) -> dt.date:
    """A statement's date of issue: ``issued_on`` (``--date``) when given, else the first
    day of its latest titling month (the titres it goes with are issued then), else the
    last day of the billed year — never the clock."""
    if issued_on is not None:
        return issued_on
    months = []
    for line in statement.lines:
        try:
            titled_year, month = (int(part) for part in line.titled.split("-"))
            months.append(dt.date(titled_year, month, 1))
        except ValueError:
            continue
    return max(months) if months else document_datetime(year).date()


def id_label(member: MemberRef) -> str:
    """What a member's id is, in the language in use: a commune's INSEE code (``35236``,
    ``2A004``), a SIREN (nine digits), or another identifier (a party of a cost-sharing
    key: ``ville``)."""
    if re.fullmatch(r"\d{5}|\d[AB]\d{3}", member.id):
        return language._("INSEE code")
    if re.fullmatch(r"\d{9}", member.id):
        return language._("SIREN")
    return language._("Identifier")


def population_text(population: int) -> Message:
    """``9 312 habitants`` (``9,312 inhabitants``), said in the language in use."""
    return msg_n(
        "{population:count} inhabitant",
        "{population:count} inhabitants",
        n="population",
        population=population,
    )


def slug(text: str) -> str:
    """``La Chapelle-de-Brain`` → ``la-chapelle-de-brain``: ASCII, for file names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "membre"


def column_of(line: Line) -> str:
    """The summary column a line counts in: its offer, or the budget line it shares."""
    return line.item or line.offer


def offer_columns(bill: Bill, offers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The offers that have a line in the bill, in the tariff's order, as ``(id, label)``;
    the first parts of line codes the tariff does not list as offers (a cost line of a
    cost-sharing budget) come after, labelled by their first line's label."""
    used = {column_of(line) for s in bill.statements for line in s.lines}
    columns = [(offer_id, label) for offer_id, label in offers if offer_id in used]
    known = {offer_id for offer_id, _ in offers}
    for statement in bill.statements:
        for line in statement.lines:
            offer_id = column_of(line)
            if offer_id not in known:
                known.add(offer_id)
                columns.append((offer_id, line.label))
    return columns


def holds(statement: Statement, offer_id: str) -> bool:
    return any(column_of(line) == offer_id for line in statement.lines)
