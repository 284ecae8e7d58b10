"""What the document formats (XLSX workbook, PDF statements) share: the date they carry,
French wording of months, member ids and populations, and the columns by offer.

A document's embedded date derives from the billed year (31 December, midnight UTC),
never from the clock, so that the same inputs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

from servcommun.engine.result import Bill, Line, MemberRef, Statement


def document_datetime(year: int) -> dt.datetime:
    """The date embedded in a year's documents: the last day of the billed year."""
    return dt.datetime(year, 12, 31, tzinfo=dt.UTC)


def month_label(titled: str, locale: str = "fr_FR") -> str:
    """``2027-01`` → ``janvier 2027`` (``titled`` is kept as is if it is not a month)."""
    from babel.dates import format_date  # Babel's data is slow to load: only when needed

    try:
        year, month = (int(part) for part in titled.split("-"))
        return str(format_date(dt.date(year, month, 1), "MMMM y", locale=locale))
    except ValueError:
        return titled


def id_label(member: MemberRef) -> str:
    """What a member's id is: a commune's INSEE code (``35236``, ``2A004``), a SIREN (nine
    digits), or another identifier (a party of a cost-sharing key: ``ville``)."""
    if re.fullmatch(r"\d{5}|\d[AB]\d{3}", member.id):
        return "Code INSEE"
    if re.fullmatch(r"\d{9}", member.id):
        return "SIREN"
    return "Identifiant"


def population_text(population: int) -> str:
    """``9 312 habitants`` (narrow no-break space between thousands, as fr_FR writes it)."""
    return f"{population:,} habitants".replace(",", "\u202f")


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
