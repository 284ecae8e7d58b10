"""CSV of a bill: one row per statement line, for the accounting software, then one row
per member needing review (its status and reason, no amount), so that every member active
in the year is in the file.

``plain``: comma, decimal point, UTF-8, the column names and status words of a program
(``member_id``, ``needs review``); its texts (bases, reasons) are said in the language in
use. ``fr``: semicolon, decimal comma, UTF-8 with a BOM, so that a spreadsheet set to
French opens it in columns with numbers as numbers; a document for the finance office,
it speaks the tariff locale's language unless ``--lang`` was given: its headings and
words from the catalogue (« Identifiant du membre », « à examiner »).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from functools import cache
from typing import TextIO

from servcommun import language
from servcommun.engine.result import Bill, Settlement
from servcommun.language import N_
from servcommun.money import CENT
from servcommun.render.amounts import plain
from servcommun.render.words import sayer

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

HEADINGS = (  # the French dialect's headings of COLUMNS, said in the document's language
    N_("Member id"),
    N_("Member name"),
    N_("Financial year"),
    N_("Line code"),
    N_("Label"),
    N_("Basis"),
    N_("Article"),
    N_("Titled"),
    N_("Amount"),
    N_("Billed"),
    N_("Settlement"),
    N_("Attribution year"),
    N_("Attribution before"),
    N_("Attribution after"),
    N_("Status"),
    N_("Reason"),
)

STATUSES = {  # the words of a program (plain), translated in the French dialect
    "billed": N_("billed"),
    "not-billed": N_("not billed"),
    "review": N_("needs review"),
}
CARRIER = N_("carrier's own share")
YES_NO = ("no", "yes")  # the plain dialect's; the French one says them (oui, non)
SAID_YES_NO = (N_("No"), N_("Yes"))


def bill_csv(bill: Bill, dialect: str = "plain") -> str:
    if dialect != "fr":
        return csv_text(COLUMNS, _bill_rows(bill, dialect), dialect)
    with language.speaking(language.document_language(bill.locale)):
        header = [language._(heading) for heading in HEADINGS]
        return csv_text(header, _bill_rows(bill, dialect), dialect)


def _bill_rows(bill: Bill, dialect: str) -> Iterator[tuple[object, ...]]:
    french = dialect == "fr"

    def word(text: str) -> str:
        return language._(text) if french else text

    billed_status, not_billed_status = word(STATUSES["billed"]), word(STATUSES["not-billed"])
    carrier = language._(CARRIER)
    no, yes = (language._(said) for said in SAID_YES_NO) if french else YES_NO
    said = sayer()  # the same bases on many lines (« tranche moins de 1 500 »): said once
    year = str(bill.year)
    for statement in bill.statements:
        member = statement.member
        settled = _settlement(statement.settlement, dialect)
        status = billed_status if statement.billed else not_billed_status
        reason = "" if statement.billed else carrier
        billed = yes if statement.billed else no
        for line in statement.lines:
            yield (
                member.id,
                member.name,
                year,
                line.code,
                line.label,
                said(line.basis),
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
    review_status = word(STATUSES["review"])
    for review in bill.needs_review:  # no statement, no amount: the member and why
        yield (
            review.member.id,
            review.member.name,
            bill.year,
            *("", "", "", "", "", ""),
            no,
            *("", "", "", ""),
            review_status,
            said(review.reason),
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
    buffer = io.StringIO(newline="")
    _write_csv(buffer, header, rows, dialect)
    return buffer.getvalue()


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], dialect: str = "plain"
) -> bytes:
    """``csv_text`` in UTF-8, encoded as it is written: an index of 35 000 statements is
    never held as text besides (the buffer's, the text's, a copy of it)."""
    content = io.BytesIO()
    text = io.TextIOWrapper(content, encoding="utf-8", newline="", write_through=True)
    _write_csv(text, header, rows, dialect)
    text.flush()
    text.detach()  # the bytes stay open to be read
    return content.getvalue()


def _write_csv(
    out: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]], dialect: str
) -> None:
    french = dialect == "fr"
    if french:
        out.write("\ufeff")  # the byte order mark: a French spreadsheet reads UTF-8
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(map(_inert_row, rows))


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
    """``5532.50`` (plain) or ``5532,50`` (fr, whatever the language: the dialect is the
    number form of a French spreadsheet): two decimals, no grouping."""
    if dialect != "fr":
        return plain(amount)
    return _french_number()(amount.quantize(CENT))


@cache
def _french_number() -> Callable[[Decimal], str]:
    """Babel's fr_FR form of ``0.00``, its pattern parsed once and each amount written once
    (a bill's CSV writes some hundred thousand amounts, far fewer distinct ones)."""
    from babel import Locale  # Babel's data is slow to load: only when needed
    from babel.numbers import parse_pattern

    pattern, french = parse_pattern("0.00"), Locale.parse("fr_FR")
    seen: dict[str, str] = {}  # by its text: -0.00 and 0.00 are equal decimals

    def written(amount: Decimal) -> str:
        key = str(amount)
        text = seen.get(key)
        if text is None:
            text = seen[key] = str(pattern.apply(amount, french))
        return text

    return written
