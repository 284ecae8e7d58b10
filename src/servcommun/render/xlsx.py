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
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]  # typed, but ships no py.typed
from xlsxwriter.utility import (  # type: ignore[import-untyped]
    xl_col_to_name,
    xl_rowcol_to_cell,
)

from servcommun.engine.result import Bill
from servcommun.money import CENT, ZERO
from servcommun.provenance import Inputs
from servcommun.render.documents import document_datetime, holds, offer_columns
from servcommun.render.words import say

SUMMARY, DETAIL, INPUTS = "Synthèse", "Détail", "Paramètres"
BILLED, NOT_BILLED, REVIEW = "facturé", "non facturé", "à examiner"
CURRENCY_SIGNS = {"EUR": "€"}

_MIN_WIDTH, _MAX_WIDTH = 8, 50
_LINE_HEIGHT = 15  # points, for the default 11-point font
_HEADING_WIDTH = 24


def bill_xlsx(bill: Bill, offers: Sequence[tuple[str, str]], inputs: Inputs) -> bytes:
    """The workbook of ``bill`` as bytes. ``offers`` are the tariff's ``(id, label)`` in
    its order (the summary has a column for each one the bill uses)."""
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
    workbook.set_properties(
        {
            "title": f"{inputs.tariff_title} — {bill.year}",
            "subject": f"Contributions de l'exercice {bill.year}",
            "author": inputs.generator,
            "comments": f"Service {bill.service}, exercice {bill.year}",
            "created": document_datetime(bill.year),
        }
    )
    formats = _Formats(workbook, bill.currency)
    _summary(workbook.add_worksheet(SUMMARY), bill, offers, formats)
    _detail(workbook.add_worksheet(DETAIL), bill, formats)
    _inputs(workbook.add_worksheet(INPUTS), bill, inputs, formats)
    workbook.close()
    return buffer.getvalue()


class _Formats:
    """Every cell is aligned to the top, so that a row with a wrapped text reads across."""

    def __init__(self, workbook: Any, currency: str) -> None:
        sign = CURRENCY_SIGNS.get(currency, currency)
        money = f'#,##0.00 "{sign}"'

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
    return max(len(f"-{max(largest, bill.total):,.2f} €") + 3, 12)


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
            "Membre",
            "Nom",
            "Population",
            "Statut",
            *(label for _, label in columns),
            "Total",
            "Observation",
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
        sheet.write_string(row, 3, BILLED if statement.billed else NOT_BILLED)
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
        sheet.write_string(row, 3, REVIEW)
        reason = say(review.reason)
        sheet.write_string(row, total_column + 1, reason, formats.wrap)
        widths.see(total_column + 1, reason, row=row)
    widths.see(3, REVIEW)
    last_row = row
    row += 1
    billed_count = sum(1 for s in bill.statements if s.billed)
    sheet.write_string(row, 0, "Total", formats.total_label)
    sheet.write_string(row, 1, f"{billed_count} membres facturés", formats.total_label)
    sheet.write_blank(row, 2, None, formats.total_label)
    sheet.write_blank(row, 3, None, formats.total_label)
    # SUMIF on the status, so that a carrier's own share (listed, not billed) and the
    # members to review stay out of the totals
    status = f"$D$2:$D${last_row + 1}"
    for index, (offer_id, _) in enumerate([*columns, ("", "Total")]):
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
            f'=SUMIF({status},"{BILLED}",{letter}2:{letter}{last_row + 1})',
            formats.total_money,
            _amount(value),
        )
    sheet.write_blank(row, total_column + 1, None, formats.total_label)
    for column in range(first_amount, total_column + 1):
        widths.see(column, "", at_least=_amount_width(bill))
    widths.see(0, "Membre", at_least=10)
    widths.apply(sheet, formats)


DETAIL_TITLES = (
    "Membre",
    "Nom",
    "Exercice",
    "Code ligne",
    "Libellé",
    "Base de calcul",
    "Article",
    "Titrage",
    "Montant",
    "Statut",
)


def _detail(sheet: Any, bill: Bill, formats: _Formats) -> None:
    widths = _Widths()
    _header(sheet, DETAIL_TITLES, formats, widths)
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
            sheet.write_string(row, 9, BILLED if statement.billed else NOT_BILLED)
    widths.see(8, "", at_least=_amount_width(bill))
    widths.see(9, NOT_BILLED)
    if row:
        sheet.autofilter(0, 0, row, len(DETAIL_TITLES) - 1)
    widths.apply(sheet, formats)


def _inputs(sheet: Any, bill: Bill, inputs: Inputs, formats: _Formats) -> None:
    widths = _Widths()
    _header(sheet, ("Paramètre", "Valeur"), formats, widths)
    until = inputs.tariff_valid_until
    rows: list[tuple[str, object]] = [
        ("Exercice facturé", bill.year),
        ("Service", inputs.service),
        ("Tarif", inputs.tariff_title),
        (
            "Tarif en vigueur",
            f"du {_french_date(inputs.tariff_valid_from)} "
            + (f"au {_french_date(until)}" if until else "(sans terme)"),
        ),
    ]
    rows += [("Délibération", deliberation) for deliberation in inputs.deliberations]
    for file in inputs.files:
        role = _FILE_ROLES.get(file.role, file.role)
        rows += [(f"Fichier {role}", file.path), (f"SHA-256 {role}", file.sha256)]
    rows += [
        ("Membres demandés", ", ".join(inputs.members) if inputs.members else "tous"),
        ("Membres facturés", sum(1 for s in bill.statements if s.billed)),
        ("Membres à examiner", len(bill.needs_review)),
        ("Devise", bill.currency),
        ("Produit par", inputs.generator),
        (
            "Date du document",
            f"31/12/{bill.year} (fin de l'exercice facturé, pour des "
            "fichiers identiques à données identiques)",
        ),
    ]
    rows += [("Note", note) for note in inputs.notes]
    for row, (name, value) in enumerate(rows, start=1):
        sheet.write_string(row, 0, name)
        widths.see(0, name)
        if isinstance(value, int):
            sheet.write_number(row, 1, value)
        else:
            sheet.write_string(row, 1, str(value), formats.wrap)
            widths.see(1, value, row=row)
    widths.apply(sheet, formats)


_FILE_ROLES = {
    "tariff": "tarif",
    "roster": "des membres",
    "budget": "budget",
    "consumption": "des consommations",
    "index": "d'indice",
}


def _french_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"
