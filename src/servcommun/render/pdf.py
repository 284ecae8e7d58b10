"""PDF statement of one member for a year (fpdf2): issuer, member, each line with its
basis and article, total, titling months, and the deliberations the tariff rests on.

French labels and amounts (``5 532,50 €``, as Babel writes fr_FR: narrow no-break space
between thousands). The text is set in DejaVu Sans, shipped in ``render/fonts`` (free
licence, ``fonts/LICENSE``): the PDF core fonts only know cp1252, which has neither the
narrow no-break space nor the arrows of the bases, and a fresh machine has no system
font to count on. fpdf2 embeds only the glyphs used, so a statement weighs ~30 kB.

The PDF's creation date is 31 December of the billed year and its file id is a hash of
its content: the same inputs give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

from fpdf import FPDF, FontFace

from servcommun.engine.result import Statement
from servcommun.message import Message
from servcommun.money import ZERO
from servcommun.population_basis import PopulationBasis
from servcommun.render.amounts import money
from servcommun.render.documents import (
    column_of,
    document_datetime,
    id_label,
    month_label,
    population_text,
)
from servcommun.render.words import say

FONT = "DejaVu"
GREY = (110, 110, 110)
HEADER_FILL = (231, 230, 230)
CELL_PADDING = (1.2, 1.5)  # mm: top and bottom, left and right
ARTICLE_MAX_WIDTH = 38  # mm: a longer reference wraps on words


@dataclass(frozen=True)
class Issuer:
    """Who issues the statements: the service (tariff title), its carrier if the tariff
    names one, the deliberations the tariff rests on, and how amounts are written."""

    title: str
    deliberations: tuple[Message, ...]
    carrier: str | None = None
    currency: str = "EUR"
    locale: str = "fr_FR"
    generator: str = "servcommun"
    population: PopulationBasis | None = None  # the kind (and vintage) the bill used


def statement_pdf(
    statement: Statement, year: int, issuer: Issuer, offers: Mapping[str, str]
) -> bytes:
    """One member's statement for ``year`` as PDF bytes. ``offers`` maps an offer id to
    its label, to say which offer each line belongs to."""
    member = statement.member

    def amount(value: Decimal) -> str:
        return money(value, issuer.currency, issuer.locale)

    pdf = _StatementPDF(f"Relevé de contribution {year} — {member.name} ({member.id})")
    pdf.set_creation_date(document_datetime(year))
    pdf.set_title(f"Relevé de contribution {year} — {member.name}")
    pdf.set_subject(issuer.title)
    pdf.set_author(issuer.carrier or issuer.title)
    pdf.set_creator(issuer.generator)
    pdf.set_lang("fr-FR")
    pdf.add_page()
    _issuer_heading(pdf, issuer)
    _member_heading(pdf, statement, year, issuer.population)
    amount_width = _lines_table(pdf, statement, offers, amount, issuer.locale)

    _section(pdf, "Titrage (titres de recettes par mois)", ())
    for month, subtotal in _by_titling_month(statement).items():
        pdf.cell(32, 5, month_label(month, issuer.locale))
        pdf.cell(amount_width, 5, amount(subtotal), align="R", new_x="LMARGIN", new_y="NEXT")
    settlement = statement.settlement
    if settlement is not None:
        where = f" ({settlement.reference})" if settlement.reference else ""
        after = settlement.attribution_after
        if settlement.attribution_before is None or after is None:
            said = f"Par titre de recettes{where}."
        else:
            said = (
                f"Par imputation sur l'attribution de compensation "
                f"{settlement.attribution_year}{where} : "
                f"{amount(settlement.attribution_before)} − "
                f"{amount(settlement.deducted or Decimal(0))} = {amount(after)}."
            )
        _section(pdf, "Règlement", (said,))
    if statement.notes:
        _section(pdf, "Observations", [say(note) for note in statement.notes])
    if issuer.deliberations:
        _section(pdf, "Délibérations", [f"• {say(d)}" for d in issuer.deliberations])
    return bytes(pdf.output())


def _issuer_heading(pdf: FPDF, issuer: Issuer) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 5.5, issuer.title, align="L", new_x="LMARGIN", new_y="NEXT")
    if issuer.carrier:
        pdf.set_font(FONT, "", 9)
        pdf.cell(0, 5, f"Porteur du service : {issuer.carrier}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_draw_color(*GREY)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(5)


def _member_heading(
    pdf: FPDF, statement: Statement, year: int, basis: PopulationBasis | None
) -> None:
    member = statement.member
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, f"Relevé de contribution — exercice {year}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _field(pdf, "Membre", member.name)
    _field(pdf, id_label(member), member.id)
    if member.population is not None:
        _field(pdf, "Population", population_text(member.population) + _basis_text(basis))
    if not statement.billed:
        _field(pdf, "Statut", "part du porteur, non facturée")
    pdf.ln(4)


def _basis_text(basis: PopulationBasis | None) -> str:
    """« (population totale en vigueur au 1er janvier 2026, millésime 2022) »."""
    if basis is None:
        return ""
    vintage = f", millésime {basis.millesime}" if basis.millesime is not None else ""
    return f" (population {basis.kind} en vigueur au 1er janvier {basis.year}{vintage})"


def _lines_table(
    pdf: FPDF,
    statement: Statement,
    offers: Mapping[str, str],
    amount: Callable[[Decimal], str],
    locale: str,
) -> float:
    """Every line with its basis, article, titling month and amount, then the total;
    returns the width of the amount column."""
    rows = []
    for line in statement.lines:
        offer = offers.get(column_of(line))
        label = f"{offer} — {line.label}" if offer and offer != line.label else line.label
        rows.append(
            (
                label,
                say(line.basis),
                line.reference,
                month_label(line.titled, locale),
                amount(line.amount),
            )
        )
    headings = ("Prestation", "Base de calcul", "Article", "Titrage", "Montant")
    widths = _column_widths(pdf, headings, rows, amount(statement.total))
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        line_height=4.6,
        padding=CELL_PADDING,
        v_align="TOP",
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row(headings)
        for row in rows:
            table.row(row)
        total_row = table.row()
        bold = FontFace(emphasis="BOLD")
        total_row.cell("Total", colspan=4, style=bold)
        total_row.cell(amount(statement.total), style=bold, align="RIGHT")
    pdf.ln(2)
    return widths[-1]


def _section(pdf: FPDF, title: str, paragraphs: Sequence[str]) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")


def _column_widths(
    pdf: FPDF, headings: Sequence[str], rows: Sequence[Sequence[str]], total: str
) -> tuple[float, ...]:
    """Article, month and amount as wide as their longest text (amounts never wrap); the
    label and the basis share the rest of the page."""
    slack = 2 * CELL_PADDING[1] + 1

    def widest(column: int, *extra: str) -> float:
        texts = [row[column] for row in rows] + [headings[column], *extra]
        return max(pdf.get_string_width(text) for text in texts) + slack

    pdf.set_font(FONT, "B", 9)  # the headings and the total are bold: measure them so
    amount_width = widest(4, total)
    titled_width = widest(3)
    article_width = min(widest(2), ARTICLE_MAX_WIDTH)
    rest = pdf.epw - amount_width - titled_width - article_width
    return (rest * 0.47, rest * 0.53, article_width, titled_width, amount_width)


def _by_titling_month(statement: Statement) -> dict[str, Decimal]:
    months: dict[str, Decimal] = {}
    for line in statement.lines:
        months[line.titled] = months.get(line.titled, ZERO) + line.amount
    return dict(sorted(months.items()))


def _field(pdf: FPDF, name: str, value: str) -> None:
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*GREY)
    pdf.cell(32, 6, f"{name} :")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")


class _StatementPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        fonts = resources.files("servcommun.render") / "fonts"
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text} — page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)
