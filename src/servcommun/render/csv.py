"""CSV of a bill: one row per statement line, for the accounting software.

``plain``: comma, decimal point, UTF-8. ``fr``: semicolon, decimal comma, UTF-8 with a
BOM, so that a spreadsheet set to French opens it in columns with numbers as numbers.
"""

from __future__ import annotations

import csv
import io

from servcommun.engine.result import Bill
from servcommun.render.amounts import plain

COLUMNS = ("member_id", "member_name", "year", "code", "label", "basis", "reference",
           "titled", "amount", "billed")


def bill_csv(bill: Bill, dialect: str = "plain") -> str:
    french = dialect == "fr"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for statement in bill.statements:
        for line in statement.lines:
            amount = plain(line.amount)
            writer.writerow((statement.member.id, statement.member.name, bill.year, line.code,
                             line.label, line.basis, line.reference, line.titled,
                             amount.replace(".", ",") if french else amount,
                             _yes_no(statement.billed, french)))
    return ("\ufeff" if french else "") + buffer.getvalue()


def _yes_no(value: bool, french: bool) -> str:
    if french:
        return "oui" if value else "non"
    return "yes" if value else "no"
