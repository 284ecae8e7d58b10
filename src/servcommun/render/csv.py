"""CSV of a bill: one row per statement line, for the accounting software.

``plain``: comma, decimal point, UTF-8. ``fr``: semicolon, decimal comma, UTF-8 with a
BOM, so that a spreadsheet set to French opens it in columns with numbers as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
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
)
"""The last four say how the statement is settled (``revenue-title`` or
``attribution-deduction``, empty when the tariff does not say): a statement deducted from
the member's attribution de compensation is not titled, and the accountant needs the
attribution before and after the deduction."""


def bill_csv(bill: Bill, dialect: str = "plain") -> str:
    french = dialect == "fr"
    return csv_text(
        COLUMNS,
        (
            (
                statement.member.id,
                statement.member.name,
                bill.year,
                line.code,
                line.label,
                say(line.basis),
                line.reference,
                line.titled,
                csv_amount(line.amount, dialect),
                _yes_no(statement.billed, french),
                *settled,
            )
            for statement in bill.statements
            for settled in [_settlement(statement.settlement, dialect)]
            for line in statement.lines
        ),
        dialect,
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
