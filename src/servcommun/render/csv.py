"""CSV of a bill: one row per statement line, for the accounting software, then one row
per member needing review (its status and reason, no amount), so that every member active
in the year is in the file.

``plain``: comma, decimal point, UTF-8. ``fr``: semicolon, decimal comma, UTF-8 with a
BOM, so that a spreadsheet set to French opens it in columns with numbers as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from servcommun.engine.result import Bill, Settlement
from servcommun.render.amounts import plain
from servcommun.render.words import say

COLUMNS = (
    "member_id",
    "member_name",
    "year",
    "code",
    "label",
    "basis",
    "reference",
    "titled",
    "amount",
    "billed",
    "settlement",
    "attribution_year",
    "attribution_before",
    "attribution_after",
    "status",
    "reason",
)
"""``settlement`` and the three attribution columns say how the statement is settled
(``revenue-title`` or ``attribution-deduction``, empty when the tariff does not say): a
statement deducted from the member's attribution de compensation is not titled, and the
accountant needs the attribution before and after the deduction. ``status`` is
``billed``, ``not billed`` (a carrier's own share) or ``needs review`` (``facturé``,
``non facturé``, ``à examiner`` in the French dialect, as in the statements' index), with
the ``reason`` of the last two."""

STATUSES = {  # (plain, fr): the words of the statements' index.csv
    "billed": ("billed", "facturé"),
    "not-billed": ("not billed", "non facturé"),
    "review": ("needs review", "à examiner"),
}
CARRIER = ("carrier's own share", "part du porteur")


def bill_csv(bill: Bill, dialect: str = "plain") -> str:
    return csv_text(COLUMNS, _bill_rows(bill, dialect), dialect)


def _bill_rows(bill: Bill, dialect: str) -> Iterator[tuple[object, ...]]:
    french = dialect == "fr"
    words = 1 if french else 0
    for statement in bill.statements:
        member = statement.member
        settled = _settlement(statement.settlement, dialect)
        status = STATUSES["billed" if statement.billed else "not-billed"][words]
        reason = "" if statement.billed else CARRIER[words]
        billed = _yes_no(statement.billed, french)
        for line in statement.lines:
            yield (
                member.id,
                member.name,
                str(bill.year),
                line.code,
                line.label,
                say(line.basis),
                line.reference,
                line.titled,
                csv_amount(line.amount, dialect),
                billed,
                *settled,
                status,
                reason,
            )
        if not statement.lines:  # nothing owed is still a statement: the member is listed
            empty = ("", "", "", "", "")
            total = csv_amount(statement.total, dialect)
            yield (
                member.id,
                member.name,
                bill.year,
                *empty,
                total,
                billed,
                *settled,
                status,
                reason,
            )
    for review in bill.needs_review:  # no statement, no amount: the member and why
        yield (
            review.member.id,
            review.member.name,
            bill.year,
            *("", "", "", "", "", ""),
            _yes_no(False, french),
            *("", "", "", ""),
            STATUSES["review"][words],
            say(review.reason),
        )


def _settlement(settlement: Settlement | None, dialect: str) -> tuple[str, ...]:
    if settlement is None:
        return ("", "", "", "")
    before, after = settlement.attribution_before, settlement.attribution_after
    return (
        settlement.mode,
        "" if settlement.attribution_year is None else str(settlement.attribution_year),
        "" if before is None else csv_amount(before, dialect),
        "" if after is None else csv_amount(after, dialect),
    )


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[object]], dialect: str = "plain"
) -> str:
    """Rows as CSV in ``dialect`` (``plain`` or ``fr``): what every CSV export shares, so
    that another report (a diff of two bills, an index of statements) reads the same."""
    french = dialect == "fr"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(map(_inert_row, rows))
    return ("\ufeff" if french else "") + buffer.getvalue()


_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"^-?\d[\d \u00a0\u202f]*([.,]\d+)?$")


def _inert_row(row: Sequence[object]) -> Sequence[object]:
    """A row whose cells a spreadsheet will not run as formulas (OWASP's rule for CSV
    injection): text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    is written after a ``'``; a number (``-3500.00``, a credit) is left as it is. A row
    of text is searched whole first: a bill's CSV has a million cells, nearly none of
    them at risk."""
    try:
        joined = "\0" + "\0".join(row)  # type: ignore[arg-type]
    except TypeError:  # a cell that is not text (a count): each cell looked at
        return [_inert(cell) for cell in row]
    return [_inert(cell) for cell in row] if _AT_RISK.search(joined) else row


_AT_RISK = re.compile("\0[=+\\-@\t\r]")  # a cell's first character, after the "\0" before it


def _inert(cell: object) -> object:
    if isinstance(cell, str) and cell[:1] in _FORMULA_START and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def csv_amount(amount: Decimal, dialect: str = "plain") -> str:
    """``5532.50`` (plain) or ``5532,50`` (fr): two decimals, no grouping."""
    text = plain(amount)
    return text.replace(".", ",") if dialect == "fr" else text


def _yes_no(value: bool, french: bool) -> str:
    if french:
        return "oui" if value else "non"
    return "yes" if value else "no"
