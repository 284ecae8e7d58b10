"""CSV of a bill: one row per statement line, for the accounting software.

``plain``: comma, decimal point, UTF-8. ``fr``: semicolon, decimal comma, UTF-8 with a
BOM, so that a spreadsheet set to French opens it in columns with numbers as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from servcommun.engine.result import Bill
from servcommun.render.amounts import plain

COLUMNS = ("member_id", "member_name", "year", "code", "label", "basis", "reference",
           "titled", "amount", "billed")


def bill_csv(bill: Bill, dialect: str = "plain") -> str:
    french = dialect == "fr"
    return csv_text(COLUMNS, (
        (statement.member.id, statement.member.name, bill.year, line.code, line.label,
         line.basis, line.reference, line.titled, csv_amount(line.amount, dialect),
         _yes_no(statement.billed, french))
        for statement in bill.statements for line in statement.lines), dialect)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]],
             dialect: str = "plain") -> str:
    """Rows as CSV in ``dialect`` (``plain`` or ``fr``): what every CSV export shares, so
    that another report (a diff of two bills, an index of statements) reads the same."""
    french = dialect == "fr"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if french else "") + buffer.getvalue()


def csv_amount(amount: Decimal, dialect: str = "plain") -> str:
    """``5532.50`` (plain) or ``5532,50`` (fr): two decimals, no grouping."""
    text = plain(amount)
    return text.replace(".", ",") if dialect == "fr" else text


def _yes_no(value: bool, french: bool) -> str:
    if french:
        return "oui" if value else "non"
    return "yes" if value else "no"
