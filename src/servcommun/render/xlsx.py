"""XLSX workbook of a bill, for the finance office: a summary sheet (a row per member,
totals by offer and overall as formulas that add up), a detail sheet (every line), and a
sheet recording the inputs (tariff and roster files with their SHA-256, tariff version,
deliberations, year, options).

Amounts are numbers with a currency number format, never text. They are handed to the
writer as ``Decimal`` and written from their exact text (``5532.50``); a spreadsheet
holds them as binary doubles, which represent every amount to the cent it can show.
Formulas carry their computed value, so that a reader that does not recalculate (a
viewer, openpyxl) sees the same totals. The file is byte-identical for the same inputs:
its creation date is 31 December of the billed year and its zip entries carry a fixed
date.

The workbook speaks the tariff locale's language unless ``--lang`` was given: its sheet
names, headings and words from the catalogue, its amounts' number format as the language
writes them (``#,##0.00 "€"`` in French, ``"€"#,##0.00`` in English).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]  # typed, but ships no py.typed
from xlsxwriter.utility import (  # type: ignore[import-untyped]
    xl_col_to_name,
    xl_rowcol_to_cell,
)
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from servcommun import language
from servcommun.engine.result import Bill
from servcommun.language import N_
from servcommun.message import msg, msg_n
from servcommun.money import CENT, ZERO
from servcommun.provenance import Inputs
from servcommun.render.amounts import currency_pattern, money
from servcommun.render.csv import STATUSES
from servcommun.render.documents import document_datetime, holds, offer_columns
from servcommun.render.words import say

SUMMARY, DETAIL, INPUTS = N_("Summary"), N_("Detail"), N_("Parameters")

_MIN_WIDTH, _MAX_WIDTH = 8, 50
_LINE_HEIGHT = 15  # points, for the default 11-point font
_HEADING_WIDTH = 24


def bill_xlsx(bill: Bill, offers: Sequence[tuple[str, str]], inputs: Inputs) -> bytes:
    """The workbook of ``bill`` as bytes, in the language of its tariff's locale (unless
    ``--lang``). ``offers`` are the tariff's ``(id, label)`` in its order (the summary has
    a column for each one the bill uses)."""
    with language.speaking(language.document_language(bill.locale)):
        return _workbook(bill, offers, inputs)


CELL_MAX = 32767  # the characters a spreadsheet cell holds (Excel's limit)


class Sheet(Worksheet):  # type: ignore[misc]
    """A worksheet that says where it cuts a text longer than a cell holds, at the end
    of the cell, instead of cutting it silently (xlsxwriter's way)."""

    def _write_string(self, row: int, col: int, string: str, *rest: Any) -> int:
        if len(string) > CELL_MAX:
            said = say(
                msg(
                    " […] (cut: {length:count} characters in all; the CSV and the JSON "
                    "have the whole text)",
                    length=len(string),
                )
            )
            string = string[: CELL_MAX - len(said)] + said
        return int(super()._write_string(row, col, string, *rest))


def _workbook(bill: Bill, offers: Sequence[tuple[str, str]], inputs: Inputs) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    year = bill.year
    workbook.set_properties(
        {
            "title": f"{inputs.tariff_title} — {year}",
            "subject": say(msg("Contributions of the financial year {year:year}", year=year)),
            "author": inputs.generator,
            "comments": say(
                msg(
                    "Service {service}, financial year {year:year}", service=bill.service, year=year
                )
            ),
            "created": document_datetime(year),
        }
    )
    formats = _Formats(workbook, bill.currency)
    _summary(workbook.add_worksheet(language._(SUMMARY), Sheet), bill, offers, formats)
    _detail(workbook.add_worksheet(language._(DETAIL), Sheet), bill, formats)
    _inputs(workbook.add_worksheet(language._(INPUTS), Sheet), bill, inputs, formats)
    workbook.close()
    return buffer.getvalue()


class _Formats:
    """Every cell is aligned to the top, so that a row with a wrapped text reads across;
    amounts in the number format of the language in use, with the currency's sign."""

    def __init__(self, workbook: Any, currency: str) -> None:
        from babel.numbers import get_currency_symbol

        sign = get_currency_symbol(currency, locale=language.locale())
        money = currency_pattern().replace("\xa0", " ").replace("¤", f'"{sign}"')

        def add(**properties: object) -> Any:
            return workbook.add_format({"valign": "top", **properties})

        self.plain = add()
        self.header = add(bold=True, bottom=1, bg_color="#E7E6E6", text_wrap=True)
        self.money = add(num_format=money)
        self.total_label = add(bold=True, top=1)
        self.total_money = add(bold=True, top=1, num_format=money)
        self.integer = add(num_format="#,##0")
        self.text = add(num_format="@")  # ids stay text: "01004"
        self.wrap = add(text_wrap=True)
        self.billed, self.not_billed, self.review = (
            language._(STATUSES[key]) for key in ("billed", "not-billed", "review")
        )


class _Widths:
    """Column widths from the longest text written, within bounds; rows tall enough for
    the wrapped texts (a spreadsheet does not always fit them itself on opening)."""

    def __init__(self) -> None:
        self.widths: dict[int, int] = {}
        self.wrapped: list[tuple[int, int, str]] = []

    def see(
        self, column: int, text: object, *, at_least: int = _MIN_WIDTH, row: int | None = None
    ) -> None:
        width = max(len(str(text)) + 2, at_least, self.widths.get(column, 0))
        self.widths[column] = min(width, _MAX_WIDTH)
        if row is not None:
            self.wrapped.append((row, column, str(text)))

    def apply(self, sheet: Any, formats: _Formats) -> None:
        for column, width in sorted(self.widths.items()):
            sheet.set_column(column, column, width, formats.plain)
        lines: dict[int, int] = {}
        for row, column, text in self.wrapped:
            needed = -(-len(text) // max(self.widths[column] - 2, 1))  # ceiling
            lines[row] = max(lines.get(row, 1), needed)
        for row, count in sorted(lines.items()):
            if count > 1:
                sheet.set_row(row, _LINE_HEIGHT * count)


def _amount(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _amount_width(bill: Bill) -> int:
    """Wide enough for the largest amount, its sign, grouping and currency, in bold: a
    spreadsheet shows ``####`` in a column too narrow for a number."""
    largest = max(
        (abs(a) for s in bill.statements for a in (s.total, *(line.amount for line in s.lines))),
        default=ZERO,
    )
    return max(len(money(-max(largest, bill.total), bill.currency)) + 3, 12)


def _header(sheet: Any, titles: Sequence[str], formats: _Formats, widths: _Widths) -> None:
    for column, title in enumerate(titles):
        sheet.write_string(0, column, title, formats.header)
        widths.see(column, title[:_HEADING_WIDTH])  # a longer heading wraps
        widths.wrapped.append((0, column, title))
    sheet.freeze_panes(1, 0)
    sheet.repeat_rows(0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)


def _summary(sheet: Any, bill: Bill, offers: Sequence[tuple[str, str]], formats: _Formats) -> None:
    columns = offer_columns(bill, offers)
    first_amount = 4
    total_column = first_amount + len(columns)
    widths = _Widths()
    _header(
        sheet,
        (
            language._("Member"),
            language._("Name"),
            language._("Population"),
            language._("Status"),
            *(label for _, label in columns),
            language._("Total"),
            language._("Remark"),
        ),
        formats,
        widths,
    )
    sheet.freeze_panes(1, 2)
    row = 0
    for statement in bill.statements:
        row += 1
        member = statement.member
        sheet.write_string(row, 0, member.id, formats.text)
        sheet.write_string(row, 1, member.name)
        widths.see(1, member.name)
        if member.population is not None:
            sheet.write_number(row, 2, member.population, formats.integer)
        sheet.write_string(row, 3, formats.billed if statement.billed else formats.not_billed)
        for index, (offer_id, _) in enumerate(columns):
            if holds(statement, offer_id):
                sheet.write_number(
                    row,
                    first_amount + index,
                    _amount(statement.offer_total(offer_id)),
                    formats.money,
                )
        row_range = (
            f"{xl_rowcol_to_cell(row, first_amount)}:{xl_rowcol_to_cell(row, total_column - 1)}"
        )
        sheet.write_formula(
            row, total_column, f"=SUM({row_range})", formats.money, _amount(statement.total)
        )
        if statement.notes:
            notes = " ".join(say(note) for note in statement.notes)
            sheet.write_string(row, total_column + 1, notes, formats.wrap)
            widths.see(total_column + 1, notes, row=row)
    last_statement_row = row
    for review in bill.needs_review:
        row += 1
        sheet.write_string(row, 0, review.member.id, formats.text)
        sheet.write_string(row, 1, review.member.name)
        widths.see(1, review.member.name)
        if review.member.population is not None:
            sheet.write_number(row, 2, review.member.population, formats.integer)
        sheet.write_string(row, 3, formats.review)
        reason = say(review.reason)
        sheet.write_string(row, total_column + 1, reason, formats.wrap)
        widths.see(total_column + 1, reason, row=row)
    widths.see(3, formats.review)
    last_row = row
    row += 1
    billed_count = sum(1 for s in bill.statements if s.billed)
    billed_members = msg_n(
        "{count:count} member billed",
        "{count:count} members billed",
        n="count",
        count=billed_count,
    )
    sheet.write_string(row, 0, language._("Total"), formats.total_label)
    sheet.write_string(row, 1, say(billed_members), formats.total_label)
    sheet.write_blank(row, 2, None, formats.total_label)
    sheet.write_blank(row, 3, None, formats.total_label)
    # SUMIF on the status, so that a carrier's own share (listed, not billed) and the
    # members to review stay out of the totals
    status = f"$D$2:$D${last_row + 1}"
    for index, (offer_id, _label) in enumerate([*columns, ("", "")]):
        column = first_amount + index
        value = (
            bill.total
            if not offer_id
            else sum((s.offer_total(offer_id) for s in bill.statements if s.billed), ZERO)
        )
        if last_statement_row == 0:
            sheet.write_number(row, column, _amount(value), formats.total_money)
            continue
        letter = xl_col_to_name(column)
        sheet.write_formula(
            row,
            column,
            f'=SUMIF({status},"{formats.billed}",{letter}2:{letter}{last_row + 1})',
            formats.total_money,
            _amount(value),
        )
    sheet.write_blank(row, total_column + 1, None, formats.total_label)
    for column in range(first_amount, total_column + 1):
        widths.see(column, "", at_least=_amount_width(bill))
    widths.see(0, language._("Member"), at_least=10)
    widths.apply(sheet, formats)


DETAIL_TITLES = (
    N_("Member"),
    N_("Name"),
    N_("Financial year"),
    N_("Line code"),
    N_("Label"),
    N_("Basis"),
    N_("Article"),
    N_("Titled"),
    N_("Amount"),
    N_("Status"),
)


def _detail(sheet: Any, bill: Bill, formats: _Formats) -> None:
    widths = _Widths()
    _header(sheet, [language._(title) for title in DETAIL_TITLES], formats, widths)
    row = 0
    for statement in bill.statements:
        member = statement.member
        for line in statement.lines:
            row += 1
            texts = (
                member.id,
                member.name,
                None,
                line.code,
                line.label,
                say(line.basis),
                line.reference,
                line.titled,
            )
            for column, text in enumerate(texts):
                if text is not None:
                    wrapped = column in (4, 5)  # label, basis
                    sheet.write_string(
                        row,
                        column,
                        text,
                        formats.text if column == 0 else formats.wrap if wrapped else None,
                    )
                    widths.see(column, text, row=row if wrapped else None)
            sheet.write_number(row, 2, bill.year)
            sheet.write_number(row, 8, _amount(line.amount), formats.money)
            sheet.write_string(row, 9, formats.billed if statement.billed else formats.not_billed)
    widths.see(8, "", at_least=_amount_width(bill))
    widths.see(9, formats.not_billed)
    if row:
        sheet.autofilter(0, 0, row, len(DETAIL_TITLES) - 1)
    widths.apply(sheet, formats)


def _inputs(sheet: Any, bill: Bill, inputs: Inputs, formats: _Formats) -> None:
    widths = _Widths()
    _header(sheet, (language._("Parameter"), language._("Value")), formats, widths)
    start = dt.date.fromisoformat(inputs.tariff_valid_from)
    until = inputs.tariff_valid_until
    in_force = (
        msg("from {start:date} to {end:date}", start=start, end=dt.date.fromisoformat(until))
        if until
        else msg("from {start:date} (open-ended)", start=start)
    )
    rows: list[tuple[str, object]] = [
        (language._("Billed year"), bill.year),
        (language._("Service"), inputs.service),
        (language._("Tariff"), inputs.tariff_title),
        (language._("Tariff in force"), say(in_force)),
    ]
    deliberation = language._("Deliberation")
    rows += [(deliberation, say(text)) for text in inputs.deliberations]
    for file in inputs.files:
        role = _FILE_ROLES.get(file.role)
        if role is None:
            said = (
                say(msg("{role} file", role=file.role)),
                say(msg("{role} SHA-256", role=file.role)),
            )
        else:
            said = (language._(role[0]), language._(role[1]))
        rows += [(said[0], file.path), (said[1], file.sha256)]
    rows += [
        (
            language._("Members asked for"),
            ", ".join(inputs.members) if inputs.members else language._("all"),
        ),
        (language._("Members billed"), sum(1 for s in bill.statements if s.billed)),
        (language._("Members to review"), len(bill.needs_review)),
        (language._("Currency"), bill.currency),
        (language._("Made by"), inputs.generator),
        (
            language._("Document date"),
            say(
                msg(
                    "{date:date} (the end of the billed year, so that the same data give "
                    "the same files)",
                    date=document_datetime(bill.year).date(),
                )
            ),
        ),
    ]
    note = language._("Note")
    rows += [(note, text) for text in inputs.notes]
    for row, (name, value) in enumerate(rows, start=1):
        sheet.write_string(row, 0, name)
        widths.see(0, name)
        if isinstance(value, int):
            sheet.write_number(row, 1, value)
        else:
            sheet.write_string(row, 1, str(value), formats.wrap)
            widths.see(1, value, row=row)
    widths.apply(sheet, formats)


_FILE_ROLES = {  # the names of a file and of its fingerprint, by its role
    "tariff": (N_("Tariff file"), N_("Tariff SHA-256")),
    "roster": (N_("Roster file"), N_("Roster SHA-256")),
    "budget": (N_("Budget file"), N_("Budget SHA-256")),
    "consumption": (N_("Consumption file"), N_("Consumption SHA-256")),
    "index": (N_("Index file"), N_("Index SHA-256")),
}
