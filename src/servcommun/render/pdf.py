"""PDF statement of one member for a year (fpdf2), fit to send as a French collectivité
sends its *avis des sommes à payer*: the issuer (name, address, SIRET) and the addressee
(its identity, Chorus Pro references), the statement's number and object, each line with
its basis and article, the total in figures and in words, the titling months and the
accounting imputation, how it is settled, a note for every special case the engine
applied, the service's deliberations and the member's own, the legal basis and the
appeal mention, the place and date of issue and the signature block; a banner on every
page when the data is an example's.

A statement speaks the language of its tariff's locale unless ``--lang`` was given
(``language.document_language``): its words from the catalogue, its amounts, dates and
months as Babel writes them (``5 532,50 €`` in French, with a narrow no-break space
between thousands; ``€5,532.50`` in English). The text is set in DejaVu Sans, shipped
in ``render/fonts`` (free licence, ``fonts/LICENSE``): the PDF core fonts only know
cp1252, which has neither the narrow no-break space nor the arrows of the bases, and a
fresh machine has no system font to count on. fpdf2 embeds only the glyphs used, so a
statement weighs ~30 kB. The fonts are parsed once for a run, and each set of glyphs
cut once (fpdf2 alone parses both files and cuts from the whole fonts for every
document): the bytes are fpdf2's own.

The PDF's creation date is 31 December of the billed year, its date of issue ``--date``
or the first day of its latest titling month, and its file id a hash of its content:
the same inputs give byte-identical files.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, BinaryIO, ClassVar, NamedTuple

from fontTools import subset as font_subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from servcommun import language
from servcommun.engine.result import Settlement, Statement
from servcommun.language import N_
from servcommun.message import Message, msg, msg_n
from servcommun.money import ZERO
from servcommun.population_basis import PopulationBasis
from servcommun.render.amount_words import amount_in_words
from servcommun.render.amounts import money
from servcommun.render.documents import (
    column_of,
    document_datetime,
    id_label,
    long_date,
    month_label,
    population_text,
    statement_date,
    statement_number,
)
from servcommun.render.words import say
from servcommun.titres import STATEMENT

if TYPE_CHECKING:
    from servcommun.mailing import FinalView, PostalAddress, Recipient, Sender
    from servcommun.titres import Booking, Debtor

# fpdf2 imports numpy when it is installed (it is, for the plots) to parse images faster;
# a statement has no image, and numpy would cost a statements run, and each of its
# workers, some 0.2 s and 12 MB: fpdf2 is imported as if numpy were absent (a later
# import of numpy, by a plot in the same process, is not affected).
_NUMPY_LOADED = "numpy" in sys.modules
if not _NUMPY_LOADED:
    sys.modules["numpy"] = None  # type: ignore[assignment]
try:
    from fpdf import FPDF, FontFace, output
    from fpdf.enums import TableBordersLayout, TextEmphasis
    from fpdf.fonts import SubsetMap, TTFFont
    from fpdf.line_break import BREAKING_SPACE_SYMBOLS_STR
    from fpdf.output import OutputProducer
    from fpdf.util import Padding
finally:
    if not _NUMPY_LOADED:
        del sys.modules["numpy"]

FONT = "DejaVu"
GREY = (110, 110, 110)
HEADER_FILL = (231, 230, 230)
BANNER_FILL = (250, 222, 214)
BANNER_TEXT = (150, 30, 20)
CELL_PADDING = (1.0, 1.5)  # mm: top and bottom, left and right
ARTICLE_MAX_WIDTH = 40  # mm: a longer reference wraps on words
MARGIN = 16  # mm, left, right and bottom
TOP = 15  # mm: the top margin, below the example's banner
RIGHT_COLUMN = 110  # mm from the page's left edge: the addressee, the signature
TEXT = 8.5  # pt: the body of the statement
LEADING = 3.9  # mm: a line of body text
LABEL_WIDTH = 34  # mm: the labels of the reference fields (« Titres de recettes : »)
HEADINGS = (N_("Item"), N_("Basis"), N_("Article"), N_("Titled"), N_("Amount"))
EXAMPLE = N_("EXAMPLE — illustrative data")
TO_CONFIRM = N_("assumption to confirm with the public accountant")
LEGAL_BASIS = "L5211-4-2"  # CGCT: the services communs and how their effects are settled


@dataclass(frozen=True)
class Issuer:
    """What every statement of a run says alike: the service (tariff title), its carrier
    if the tariff names one, the service's deliberations, the tariff's currency and
    locale, the issuer's identity (``sender``: None when ``servcommun.toml`` names no
    issuer), whether the data is an example's, the date of issue asked for (``--date``),
    and the language the statements speak (``None``: the tariff locale's, unless
    ``--lang`` was given — ``speaking_in`` settles it, before the statements are made,
    by this process or by workers)."""

    title: str
    deliberations: tuple[Message, ...]
    carrier: str | None = None
    currency: str = "EUR"
    locale: str = "fr_FR"
    generator: str = "servcommun"
    population: PopulationBasis | None = None  # the kind (and vintage) the bill used
    language: str | None = None
    sender: Sender | None = None
    example: bool = False
    issued_on: dt.date | None = None

    def spoken(self) -> str:
        """The language of the statements: the one settled, else the tariff locale's
        (unless ``--lang`` was given)."""
        return self.language or language.document_language(self.locale)

    def speaking_in(self) -> Issuer:
        """This issuer with the language of its statements settled: a worker process
        (forked or not) makes them in the language the command chose."""
        return self if self.language is not None else replace(self, language=self.spoken())


class Letter(NamedTuple):
    """A statement to make, and what it says of its member beyond the bill."""

    statement: Statement
    recipient: Recipient | None = None


def statement_pdf(
    statement: Statement,
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    recipient: Recipient | None = None,
) -> bytes:
    """One member's statement for ``year`` as PDF bytes, in the issuer's language.
    ``offers`` maps an offer id to its label, to say which offer each line belongs to;
    ``recipient``: the member's identity, bookings and titres (none: the statement names
    the member by its name and id only).

    The fonts are parsed once for the process (fpdf2 would parse both DejaVu files for
    every document), in their common glyphs first: a statement using a character outside
    them is set again in the whole fonts, which give the same bytes for the same text."""
    faces = _faces(whole=False)
    pdf = _statement_pdf(statement, year, issuer, offers, faces, recipient)
    if any(font.missing_glyphs for font in _fonts_of(pdf)):
        pdf = _statement_pdf(statement, year, issuer, offers, _faces(whole=True), recipient)
    return bytes(pdf.output(output_producer_class=_SubsetsCutOnce))


def _fonts_of(pdf: FPDF) -> list[TTFFont]:
    return [font for font in pdf.fonts.values() if isinstance(font, TTFFont)]


def _statement_pdf(
    statement: Statement,
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    faces: Sequence[_Face],
    recipient: Recipient | None = None,
) -> _StatementPDF:
    """The document of one statement, in the issuer's language (its footers too)."""
    spoken = issuer.spoken()
    with language.speaking(spoken):
        return _statement_document(statement, year, issuer, offers, faces, spoken, recipient)


def _statement_document(
    statement: Statement,
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    faces: Sequence[_Face],
    spoken: str,
    recipient: Recipient | None,
) -> _StatementPDF:
    member = statement.member
    debtor = recipient.debtor if recipient is not None else None

    def amount(value: Decimal) -> str:
        return money(value, issuer.currency)

    footer = msg(
        "Contribution statement {year:year} — {name} ({id})",
        year=year,
        name=member.name,
        id=member.id,
    )
    banner = language._(EXAMPLE) if issuer.example else ""
    pdf = _StatementPDF(say(footer), faces, spoken, banner)
    pdf.set_creation_date(document_datetime(year))
    pdf.set_title(
        say(msg("Contribution statement {year:year} — {name}", year=year, name=member.name))
    )
    pdf.set_subject(issuer.title)
    pdf.set_author(issuer.sender.name if issuer.sender else issuer.carrier or issuer.title)
    pdf.set_creator(issuer.generator)
    pdf.set_lang(language.locale().replace("_", "-"))  # fr-FR, en-GB
    pdf.add_page()
    _letterhead(pdf, issuer, statement, debtor)
    _reference(pdf, statement, year, issuer, offers, recipient)
    _lines_table(pdf, statement, offers, amount)
    words = amount_in_words(statement.total, spoken, issuer.currency)
    _labelled(pdf, language._("Amount in words"), words)
    _titling_and_booking(pdf, statement, recipient, amount)
    _section(pdf, language._("Settlement"), _settlement_paragraphs(statement, issuer))
    remarks = [say(note) for note in _remarks(statement, issuer, recipient)]
    if remarks:
        _section(pdf, language._("Remarks"), [BULLET + remark for remark in remarks])
    _section(pdf, language._("Deliberations"), _deliberation_paragraphs(issuer, debtor))
    _section(pdf, language._("Legal basis and appeal"), _legal_paragraphs(statement, issuer))
    _signature(pdf, statement, year, issuer)
    return pdf


# -- the head of the statement: who writes to whom, about what ---------------------------


def _letterhead(pdf: FPDF, issuer: Issuer, statement: Statement, debtor: Debtor | None) -> None:
    """The issuer on the left (its name, the service, address, SIRET), the addressee on
    the right, where a window envelope shows it (its addressee, name and address), with
    its references below (SIRET, INSEE code, Chorus Pro service and engagement)."""
    top = pdf.get_y()
    left_width = RIGHT_COLUMN - MARGIN - 6
    sender = issuer.sender
    pdf.set_font(FONT, "B", 11)
    _text(pdf, left_width, 5, sender.name if sender else issuer.title)
    pdf.set_font(FONT, "", TEXT)
    if sender is not None:
        pdf.set_text_color(*GREY)
        _text(pdf, left_width, LEADING, issuer.title)
        pdf.set_text_color(0, 0, 0)
    if issuer.carrier and (sender is None or issuer.carrier != sender.name):
        _text(
            pdf, left_width, LEADING, say(msg("Service carrier: {carrier}", carrier=issuer.carrier))
        )
    if sender is not None:
        pdf.ln(1)
        for text in (
            *_address_lines(sender.address),
            say(msg("SIRET {siret}", siret=sender.siret)),
        ):
            _text(pdf, left_width, LEADING, text)
    left_end = pdf.get_y()

    member = statement.member
    width = pdf.w - MARGIN - RIGHT_COLUMN
    pdf.set_y(top + 8)
    if debtor is not None and debtor.addressee:
        pdf.set_font(FONT, "", 9.5)
        _text(pdf, width, 4.6, debtor.addressee, x=RIGHT_COLUMN)
    pdf.set_font(FONT, "B", 10)
    _text(pdf, width, 5, member.name, x=RIGHT_COLUMN)
    pdf.set_font(FONT, "", 9.5)
    if debtor is not None and debtor.address:
        _text(pdf, width, 4.6, debtor.address, x=RIGHT_COLUMN)
    if debtor is not None and (debtor.postcode or debtor.city):
        place = " ".join(part for part in (debtor.postcode, debtor.city) if part)
        _text(pdf, width, 4.6, place, x=RIGHT_COLUMN)
    pdf.set_y(pdf.get_y() + 1.5)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*GREY)
    for reference in _member_references(statement, debtor):
        _text(pdf, width, 3.5, say(reference), x=RIGHT_COLUMN)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(MARGIN, max(left_end, pdf.get_y()) + 5)


def _address_lines(address: PostalAddress) -> list[str]:
    return [*address.lines, f"{address.postcode} {address.city}"]


def _member_references(statement: Statement, debtor: Debtor | None) -> list[Message]:
    member = statement.member
    found = [msg("{label}: {id}", label=id_label(member), id=member.id)]
    if debtor is not None:
        if debtor.siret:
            found.append(msg("SIRET {siret}", siret=debtor.siret))
        elif debtor.siren and debtor.siren != member.id:
            found.append(msg("SIREN {siren}", siren=debtor.siren))
        if debtor.chorus_service:
            found.append(msg("Chorus Pro service: {code}", code=debtor.chorus_service))
        if debtor.engagement:
            found.append(msg("Engagement number: {number}", number=debtor.engagement))
    return found


def _reference(
    pdf: FPDF,
    statement: Statement,
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    recipient: Recipient | None,
) -> None:
    """The statement's title, number (and the titres issued for it), object, population."""
    pdf.set_font(FONT, "B", 14)
    heading = say(msg("Contribution statement — financial year {year:year}", year=year))
    pdf.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    number = statement_number(year, statement.member)
    _field(pdf, language._("Statement no."), number)
    if recipient is not None and recipient.titres:
        titres = language.ngettext("Revenue title", "Revenue titles", len(recipient.titres))
        _field(pdf, titres, ", ".join(recipient.titres))
    billed = dict.fromkeys(line.offer for line in statement.lines if line.offer != STATEMENT)
    said = msg(
        "Shared service contribution — {service}: {offers} — financial year {year:year}",
        service=issuer.title,
        offers=", ".join(offers.get(offer, offer) for offer in billed),
        year=year,
    )
    _field(pdf, language._("Object"), say(said), bold=True)
    population = statement.member.population
    if population is not None:
        _field(pdf, language._("Population"), say(population_text(population)))
    if not statement.billed:
        _field(pdf, language._("Status"), language._("carrier's own share, not billed"))
    pdf.ln(2)


def _field(pdf: FPDF, name: str, value: str, *, bold: bool = False) -> None:
    """A reference field: its name in grey, its value beside it (wrapping under itself)."""
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*GREY)
    pdf.cell(LABEL_WIDTH, 4.8, say(msg("{name}:", name=name)))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B" if bold else "", 9)
    _text(pdf, 0, 4.8, value)
    pdf.set_x(pdf.l_margin)


# -- the amounts --------------------------------------------------------------------------


def _lines_table(
    pdf: FPDF,
    statement: Statement,
    offers: Mapping[str, str],
    amount: Callable[[Decimal], str],
) -> None:
    """Every line with its basis, article, titling month and amount, then the total."""
    rows = []
    for line in statement.lines:
        offer = offers.get(column_of(line))
        label = f"{offer} — {line.label}" if offer and offer != line.label else line.label
        rows.append(
            (
                label,
                say(line.basis),
                line.reference,
                month_label(line.titled),
                amount(line.amount),
            )
        )
    headings = tuple(language._(heading) for heading in HEADINGS)
    widths = _column_widths(pdf, headings, rows, amount(statement.total))
    pdf.set_font(FONT, "", TEXT)
    plain = pdf.font_face()
    bold = replace(plain, emphasis=TextEmphasis.B)
    total = [(language._("Total"), 4, "L"), (amount(statement.total), 1, "R")]
    heading = FontFace(plain.family, TextEmphasis.B, plain.size_pt, plain.color, HEADER_FILL)
    table: list[_Row] = [(heading, _cells(headings))]
    table.extend((plain, _cells(row)) for row in rows)
    table.append((bold, total))
    _table(pdf, widths, table)
    pdf.ln(1.5)


def _column_widths(
    pdf: FPDF, headings: Sequence[str], rows: Sequence[Sequence[str]], total: str
) -> tuple[float, ...]:
    """Article, month and amount as wide as their longest text (amounts never wrap); the
    label and the basis share the rest of the page as their longest texts ask, the
    label between 42 and 60 % of it."""
    slack = 2 * CELL_PADDING[1] + 1

    def widest(column: int, *extra: str) -> float:
        texts = [row[column] for row in rows] + [headings[column], *extra]
        return max(pdf.get_string_width(text) for text in texts) + slack

    pdf.set_font(FONT, "B", TEXT)  # the headings and the total are bold: measure them so
    amount_width = widest(4, total)
    titled_width = widest(3)
    article_width = min(widest(2), ARTICLE_MAX_WIDTH)
    rest = pdf.epw - amount_width - titled_width - article_width
    pdf.set_font(FONT, "", TEXT)
    label, basis = widest(0), widest(1)
    share = min(max(label / (label + basis), 0.42), 0.6)
    return (rest * share, rest * (1 - share), article_width, titled_width, amount_width)


ALIGNS = ("L", "L", "L", "L", "R")  # the columns of the lines: the amounts on the right

_Row = tuple[FontFace, Sequence[tuple[str, int, str]]]
"""A row of a table: its style, and its cells (text, columns spanned, alignment)."""


def _cells(texts: Sequence[str]) -> list[tuple[str, int, str]]:
    """A row's cells, one a column, aligned as the lines' columns are."""
    return [(text, 1, align) for text, align in zip(texts, ALIGNS, strict=True)]


def _table(pdf: FPDF, widths: Sequence[float], rows: Sequence[_Row]) -> None:
    """``rows`` as fpdf2's ``table()`` sets them with the lines' settings (the first row
    the headings, on top of every page; horizontal lines; the cells' padding; text at the
    top of its cell), byte for byte, in the same steps — but each text's lines broken
    once, by ``_broken`` (its words measured once for the run), where fpdf2 breaks every
    cell twice (to measure the rows, then to draw them) in line breaking that measures a
    line again for each character it adds: half the time of a statement. A table with a
    text ``_broken`` does not break as fpdf2 does is set by fpdf2's ``multi_cell``,
    measured then drawn, as fpdf2's table sets it."""
    top, side = CELL_PADDING
    padding = Padding.new(CELL_PADDING)
    width, total = pdf.epw, sum(widths)
    margin = pdf.l_margin
    pdf.l_margin = pdf.x = (pdf.w - width) / 2  # centred, as fpdf2 sets it (give or take)
    lefts = [pdf.l_margin]
    for column_width in widths:  # the columns' edges, added up as fpdf2 adds them
        lefts.append(lefts[-1] + column_width / total * width)

    def span(column: int, columns: int) -> float:
        found = 0.0
        for k in range(column, column + columns):
            found += widths[k] / total * width
        return found

    def multi_cell(text: str, cell_width: float, align: str, **measure: object) -> float:
        height = pdf.multi_cell(
            w=cell_width,
            h=LEADING,
            text=text,
            max_line_height=LEADING,
            align=align,
            new_x="RIGHT",
            new_y="TOP",
            padding=padding,
            output="HEIGHT",
            **measure,  # type: ignore[arg-type]
        )
        assert isinstance(height, float)
        return height

    # the cells: (column, width, text, alignment, lines), in rows of a style and a height
    laid: list[tuple[FontFace, list[tuple[int, float, str, str, list[str] | None]], float]] = []
    with pdf._disable_writing():  # measured as fpdf2 measures them: nothing drawn
        for style, cells in rows:
            placed = []
            column = 0
            with pdf.use_font_face(style):
                for text, columns, align in cells:
                    cell_width = span(column, columns)
                    room = cell_width - side - side
                    lines = _broken(pdf, text, room) if _plain(text) else None
                    placed.append((column, cell_width, text, align, lines))
                    column += columns
            laid.append((style, placed, 0.0))
        exact = all(
            lines is not None or not text
            for _, placed, _ in laid
            for _, _, text, _, lines in placed
        )
        for index, (style, placed, _) in enumerate(laid):
            heights = [0.0]
            with pdf.use_font_face(style):
                for _, cell_width, text, align, lines in placed:
                    if not text:
                        continue
                    if exact and lines is not None:
                        height = 0.0
                        for _ in lines:
                            height += LEADING
                        heights.append(max(height, LEADING) + top + top)
                    else:
                        heights.append(multi_cell(text, cell_width, align, dry_run=True))
            laid[index] = (style, placed, max(heights) or LEADING)

    def draw(index: int) -> None:
        style, placed, height = laid[index]
        y = pdf.y
        for position, (column, cell_width, text, align, lines) in enumerate(placed):
            pdf.set_x(lefts[column])
            x = pdf.x
            TableBordersLayout.HORIZONTAL_LINES.cell_style_getter(
                row_idx=index,
                col_idx=position,
                col_pos=column,
                num_heading_rows=1,
                num_rows=len(laid),
                num_col_idx=len(placed),
                num_col_pos=len(widths),
            ).draw_cell_border(pdf, x, y, x + cell_width, y + height, style.fill_color)
            if text:
                with pdf.use_font_face(style):
                    if exact and lines is not None:
                        _padded_lines(
                            pdf, lines, cell_width - side - side, align, x + side, y + top
                        )
                    else:
                        multi_cell(text, cell_width, align)
            pdf.set_y(y)
        pdf.ln(height)

    if len(laid) > 1:  # the headings not alone at the foot of a page
        pdf._perform_page_break_if_need_be(laid[0][2] + laid[1][2])
    for index in range(len(laid)):
        if pdf._perform_page_break_if_need_be(laid[index][2]) and index >= 1:
            draw(0)  # the headings again, on top of the new page
        draw(index)
    pdf.l_margin = pdf.x = margin


def _padded_lines(
    pdf: FPDF, lines: Sequence[str], width: float, align: str, x: float, y: float
) -> None:
    """``lines`` set from (``x``, ``y``), as ``multi_cell`` sets the lines of a padded
    cell: inside the padding, without the cell margin of their own, and each no-break
    space written as a space (its line breaking writes them so)."""
    margin = pdf.c_margin
    pdf.c_margin = 0
    try:
        pdf.set_xy(x, y)
        for line in lines:
            said = line.replace("\u00a0", " ")
            pdf.cell(width, LEADING, said, align=align, new_x="LEFT", new_y="NEXT")
    finally:
        pdf.c_margin = margin


def _plain(text: str) -> bool:
    """Words parted by single spaces, and no other breaking space, soft hyphen or line
    break: text that ``_broken`` breaks as fpdf2 does (fpdf2's rules for the others are
    its own)."""
    return (
        bool(text)
        and "  " not in text
        and text.strip(" ") == text
        and not any(character in _OTHER_BREAKS for character in text)
    )


_OTHER_BREAKS = frozenset(BREAKING_SPACE_SYMBOLS_STR.replace(" ", "") + "\xad\n\r\f")


def _labelled(pdf: FPDF, name: str, text: str) -> None:
    """A paragraph opened by its name in bold: « Arrêté à la somme de : … »."""
    pdf.set_font(FONT, "B", TEXT)
    label = say(msg("{name}:", name=name))
    pdf.cell(pdf.get_string_width(f"{label} "), LEADING, label)
    pdf.set_font(FONT, "", TEXT)
    _text(pdf, 0, LEADING, text)
    pdf.set_x(pdf.l_margin)


def _titling_and_booking(
    pdf: FPDF,
    statement: Statement,
    recipient: Recipient | None,
    amount: Callable[[Decimal], str],
) -> None:
    """The revenue titles by month, and where each offer's revenue is booked (M57) with
    its tax mention."""
    months = tuple(
        msg("{amount} in {month}", month=month_label(month), amount=amount(subtotal))
        for month, subtotal in _by_titling_month(statement).items()
    )
    paragraphs = [say(msg("Titled: {months}.", months=months))]
    bookings = recipient.bookings if recipient is not None else ()
    for offer, booking in bookings:
        paragraphs.append(say(_booking(offer, booking)))
    if any(booking.to_confirm for _, booking in bookings):
        paragraphs.append(say(msg("Imputation: {note}.", note=language._(TO_CONFIRM))))
    mentions = dict.fromkeys(booking.tax_mention for _, booking in bookings)
    paragraphs.extend(f"{mention}." for mention in mentions if mention)
    _section(pdf, language._("Titling and accounting imputation"), paragraphs)


def _booking(offer: str, booking: Booking) -> Message:
    if booking.analytic:
        return msg(
            "{offer}: account {nature}, chapter {chapter}, function {function}, analytic "
            "code {analytic}",
            offer=offer,
            nature=booking.nature,
            chapter=booking.chapter,
            function=booking.function,
            analytic=booking.analytic,
        )
    return msg(
        "{offer}: account {nature}, chapter {chapter}, function {function}",
        offer=offer,
        nature=booking.nature,
        chapter=booking.chapter,
        function=booking.function,
    )


def _by_titling_month(statement: Statement) -> dict[str, Decimal]:
    months: dict[str, Decimal] = {}
    for line in statement.lines:
        months[line.titled] = months.get(line.titled, ZERO) + line.amount
    return dict(sorted(months.items()))


# -- how it is settled, what it rests on --------------------------------------------------


def _settlement_paragraphs(statement: Statement, issuer: Issuer) -> list[str]:
    """By a title of revenue payable to the comptable public (its name, address and the
    payment terms), or by deduction from the attribution de compensation, before and
    after."""
    settlement = statement.settlement
    sender = issuer.sender
    said = [say(_settlement(settlement))]
    deducted = settlement is not None and settlement.attribution_before is not None
    if not deducted and sender is not None:
        accountant = sender.accountant
        if sender.accountant_address is not None:
            accountant = ", ".join((accountant, *_address_lines(sender.accountant_address)))
        said.append(
            say(msg("Payable to the public accountant: {accountant}.", accountant=accountant))
        )
        said.append(_sentence(sender.payment_terms))
    return said


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _settlement(settlement: Settlement | None) -> Message:
    """How the statement is settled: by a title, or on the attribution de compensation."""
    if settlement is None:
        return msg("By revenue title.")
    reference = settlement.reference
    before, after = settlement.attribution_before, settlement.attribution_after
    if before is None or after is None:
        if reference:
            return msg("By revenue title ({reference}).", reference=reference)
        return msg("By revenue title.")
    figures = {
        "year": settlement.attribution_year,
        "before": before,
        "deducted": settlement.deducted or Decimal(0),
        "after": after,
    }
    if reference:
        return msg(
            "By deduction from the attribution de compensation {year:year} ({reference}): "
            "{before:amount} − {deducted:amount} = {after:amount}.",
            reference=reference,
            **figures,
        )
    return msg(
        "By deduction from the attribution de compensation {year:year}: "
        "{before:amount} − {deducted:amount} = {after:amount}.",
        **figures,
    )


def _remarks(
    statement: Statement, issuer: Issuer, recipient: Recipient | None = None
) -> list[Message]:
    """The population the statement was computed on, then every case the engine
    applied beyond the lines (a credit lost, an offer waived, joining or leaving during
    the year, an override), as the engine said them; and, when the year's titres were
    issued on other figures, how the difference is to be titled."""
    remarks: list[Message] = []
    population = statement.member.population
    if issuer.population is not None and population is not None:
        remarks.append(
            msg(
                "Population used: {population}, {basis}.",
                population=population_text(population),
                basis=_basis_text(issuer.population),
            )
        )
    remarks.extend(msg("{note}.", note=note) for note in statement.notes)
    final = recipient.final if recipient is not None else None
    if final is not None:
        remarks.append(_final_remark(final))
    changed = recipient.changed if recipient is not None else None
    if changed is not None and changed.difference is not None:
        figures = {
            "issued": changed.issued,
            "current": changed.current,
            "difference": abs(changed.difference),
        }
        if changed.difference > 0:
            remarks.append(
                msg(
                    "Titres already issued for the year: {issued:amount}; this statement: "
                    "{current:amount}. The difference, {difference:amount}, will be the "
                    "object of a titre complémentaire.",
                    **figures,
                )
            )
        else:
            remarks.append(
                msg(
                    "Titres already issued for the year: {issued:amount}; this statement: "
                    "{current:amount}. The difference, {difference:amount}, will be the "
                    "object of a reduction of the titres issued.",
                    **figures,
                )
            )
    return remarks


def _final_remark(final: FinalView) -> Message:
    """What the final statement (décompte définitif) comes to: the actual amount less
    the advances issued, and what is issued for the difference."""
    if not final.numbers:
        return msg(
            "Final statement: no advance was issued for the year; the amount of "
            "{actual:amount} is titled in full.",
            actual=final.actual,
        )
    figures = {
        "actual": final.actual,
        "advances": final.advances,
        "numbers": ", ".join(final.numbers),
        "balance": abs(final.balance),
    }
    if final.balance > 0:
        return msg(
            "Final statement: amount for the year {actual:amount}, less the advances issued "
            "{advances:amount} (titres {numbers}): balance due {balance:amount}, the object "
            "of a titre de recettes.",
            **figures,
        )
    if final.balance < 0:
        return msg(
            "Final statement: amount for the year {actual:amount}, less the advances issued "
            "{advances:amount} (titres {numbers}): credit of {balance:amount} to the member, "
            "the object of a reduction of the advances (titre de réduction).",
            **figures,
        )
    return msg(
        "Final statement: amount for the year {actual:amount}, equal to the advances issued "
        "(titres {numbers}): nothing to issue.",
        **figures,
    )


_POPULATION_KINDS = {
    "totale": N_("total population"),
    "municipale": N_("municipal population"),
    "dgf": N_("DGF population"),
}


def _basis_text(basis: PopulationBasis) -> Message:
    """« population totale en vigueur au 1er janvier 2026, millésime 2022 »."""
    known = _POPULATION_KINDS.get(basis.kind)
    kind = language._(known) if known else say(msg("population {kind}", kind=basis.kind))
    if basis.millesime is None:
        return msg("{kind} in force on 1 January {year:year}", kind=kind, year=basis.year)
    return msg(
        "{kind} in force on 1 January {year:year}, millésime {millesime:year}",
        kind=kind,
        year=basis.year,
        millesime=basis.millesime,
    )


def _deliberation_paragraphs(issuer: Issuer, debtor: Debtor | None) -> list[str]:
    """The service's deliberations, then the member's own joining the service."""
    from servcommun.mailing import member_deliberation

    said = [BULLET + say(deliberation) for deliberation in issuer.deliberations]
    own = member_deliberation(debtor)
    if own is not None:
        member = msg("Member's deliberation: {deliberation}", deliberation=own)
        said.append(BULLET + say(member))
    return said


def _legal_paragraphs(statement: Statement, issuer: Issuer) -> list[str]:
    """The legal basis (CGCT art. L5211-4-2 and the convention's articles the lines
    cite), and how the statement is contested (CGCT art. L1617-5)."""
    articles = ", ".join(
        dict.fromkeys(line.reference for line in statement.lines if line.reference)
    )
    basis = msg(
        "Article {article} of the CGCT (services communs) and the convention of the "
        "service ({articles}), approved by the deliberations above.",
        article=LEGAL_BASIS,
        articles=articles,
    )
    sender = issuer.sender
    if sender is not None:
        appeal = msg_n(
            "Within {months:count} month of its notification ({article}), the sum this "
            "statement states may be contested by bringing it directly before the {court}.",
            "Within {months:count} months of its notification ({article}), the sum this "
            "statement states may be contested by bringing it directly before the {court}.",
            n="months",
            months=sender.appeal_months,
            article=sender.appeal_article,
            court=sender.appeal_court,
        )
    else:
        appeal = msg(
            "Within two months of its notification (CGCT art. L1617-5), the sum this "
            "statement states may be contested before the competent court."
        )
    return [say(basis), say(appeal)]


def _signature(pdf: FPDF, statement: Statement, year: int, issuer: Issuer) -> None:
    """« Fait à Redon, le 1er janvier 2027 », then the ordonnateur's title and name, on
    the right, kept together on one page."""
    sender = issuer.sender
    day = long_date(statement_date(statement, year, issuer.issued_on))
    if sender is not None:
        lines = [
            ("", say(msg("Done at {place}, on {date}", place=sender.place, date=day))),
            ("", f"{sender.signatory_title},"),
            ("B", sender.signatory_name),
        ]
    else:
        lines = [("", say(msg("Issued on {date}", date=day)))]
    height = 4 + 4.6 * len(lines) + 2
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(4)
    width = pdf.w - MARGIN - RIGHT_COLUMN
    for style, text in lines:
        pdf.set_font(FONT, style, 9)
        _text(pdf, width, 4.6, text, x=RIGHT_COLUMN)
    pdf.set_x(pdf.l_margin)


BULLET = "• "
HANGING = 3.2  # mm: the lines of an item of a list, under its text rather than its bullet


def _section(pdf: FPDF, title: str, paragraphs: Sequence[str]) -> None:
    """A heading and its paragraphs; one opened by a bullet hangs under its first word."""
    pdf.ln(1.8)
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(0, 5, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", TEXT)
    for paragraph in paragraphs:
        if paragraph.startswith(BULLET):
            pdf.set_x(pdf.l_margin)
            pdf.cell(HANGING, LEADING, BULLET.strip())
            _text(pdf, 0, LEADING, paragraph[len(BULLET) :], x=pdf.l_margin + HANGING)
        else:
            _text(pdf, 0, LEADING, paragraph, x=pdf.l_margin)


def _text(pdf: FPDF, width: float, height: float, text: str, *, x: float | None = None) -> None:
    """``text`` set from ``x`` (the current position by default) in lines of ``width``
    (0: to the right margin), broken at its spaces — a no-break space holds — and the
    position left at the start of the next line. fpdf2's ``multi_cell`` measures every
    line again for each character it adds, which a statement of some thirty paragraphs
    pays in milliseconds: here each word is measured once for the run."""
    left = pdf.get_x() if x is None else x
    width = width or pdf.w - pdf.r_margin - left
    lines = _broken(pdf, text, width - 2 * pdf.c_margin)
    if lines is None:  # a word longer than the line: fpdf2 cuts it
        pdf.set_x(left)
        pdf.multi_cell(width, height, text, align="L", new_x="LEFT", new_y="NEXT")
        return
    for line in lines:
        pdf.set_x(left)
        pdf.cell(width, height, line, new_x="LEFT", new_y="NEXT")


def _broken(pdf: FPDF, text: str, room: float) -> list[str] | None:
    """The lines of ``text`` in ``room`` (mm) in the current font, or None when a word is
    wider than the line."""
    font = pdf.current_font
    assert font is not None
    key = (id(font.cw), pdf.font_size_pt)
    known = _WORD_WIDTHS.get(key)
    if known is None or known[0] is not font.cw:
        if len(_WORD_WIDTHS) > 32:  # faces parsed for one document each (fpdf2's own way)
            _WORD_WIDTHS.clear()
        known = _WORD_WIDTHS[key] = (font.cw, {})
    widths = known[1]
    # kept small: the words all statements say are a few hundred a face and size (measured
    # again after a clear), but each member adds its names and figures, in every process
    # (at 20 000 a face and size, some 12 MB a process over a 35 000-member run)
    if len(widths) > 2_000:
        widths.clear()

    def width(word: str) -> float:
        found = widths.get(word)
        if found is None:
            found = widths[word] = pdf.get_string_width(word)
        return found

    space = width(" ")
    lines: list[str] = []
    for hard_line in text.split("\n"):
        words: list[str] = []
        used = 0.0
        for word in hard_line.split(" "):
            wide = width(word)
            if wide > room:
                return None
            if words and used + space + wide > room:
                lines.append(" ".join(words))
                words, used = [], 0.0
            used = used + space + wide if words else wide
            words.append(word)
        lines.append(" ".join(words))
    return lines


_WORD_WIDTHS: dict[tuple[int, float], tuple[object, dict[str, float]]] = {}
"""(a face's widths, font size) → those widths (held, so that their id names them
alone) and word → its width (mm): the same words in every statement."""


class _StatementPDF(FPDF):
    def __init__(
        self, footer_text: str, faces: Sequence[_Face], spoken: str, banner: str = ""
    ) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.banner = banner  # « EXEMPLE — données illustratives » on top of every page
        self.spoken = spoken  # a page's footer is set as the next begins, or on output
        self.faces = faces
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        for face in faces:
            face.add_to(self)
        for font in _fonts_of(self):
            # every statement embeds these glyphs, used or not: most statements then have
            # the same glyphs, and share the subsets cut once for the run
            for character in EMBEDDED_ALWAYS:
                font.subset.pick(ord(character))

    def header(self) -> None:
        if not self.banner:
            return
        self.set_fill_color(*BANNER_FILL)
        self.set_text_color(*BANNER_TEXT)
        self.set_font(FONT, "B", 9)
        self.set_xy(0, 0)
        self.cell(self.w, 8, self.banner, align="C", fill=True)
        self.set_text_color(0, 0, 0)
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        page = msg(
            "{document} — page {page:count}/{pages}",
            document=self.footer_text,
            page=self.page_no(),
            pages=self.str_alias_nb_pages,
        )
        with language.speaking(self.spoken):
            said = say(page)
        self.cell(0, 5, said, align="C")
        self.set_text_color(0, 0, 0)


class _SubsetsCutOnce(OutputProducer):
    """fpdf2's output, each font first given the font fpdf2 would embed for the glyphs
    the document uses, cut once for the run (they are known once its last footer is
    set, as the output begins), and not cut again by fpdf2 (``_FontsCut``)."""

    def bufferize(self) -> bytearray:
        assert isinstance(self.fpdf, _StatementPDF)
        fonts = _fonts_of(self.fpdf)
        for font, face in zip(fonts, self.fpdf.faces, strict=True):
            face.cut_for(font)
        module = vars(output)  # fpdf2's output module, which cuts with ``ftsubset``
        _FontsCut.cut = {id(font.ttfont) for font in fonts}
        module["ftsubset"] = _FontsCut
        try:
            return super().bufferize()
        finally:
            module["ftsubset"] = font_subset
            _FontsCut.cut = set()


class _FontsCut:
    """fontTools' ``subset`` module as fpdf2's output uses it while a statement is
    written: the fonts of ``cut`` are already what fpdf2's subsetter would make of them
    (``_embedded_of``, byte for byte: a test compares the PDFs with fpdf2's own), and
    are left as they are; any other font is cut as fontTools cuts it. A statement is
    written by one thread at a time in a process (workers are processes)."""

    Options = font_subset.Options
    cut: ClassVar[set[int]] = set()  # the ids of the document's TTFont objects

    class Subsetter(font_subset.Subsetter):  # type: ignore[misc]
        def subset(self, font: TTFont) -> None:
            if id(font) not in _FontsCut.cut:
                super().subset(font)


EMBEDDED_ALWAYS = (
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàâçéèêëîïôöùûüœÉ"
    " '’(),-./:;«»€—–×→•%+*\u00a0\u202f"
)
"""The characters every statement embeds the glyphs of, used or not: the figures, the
letters and signs of French and English statements and of most communes' names. What
a statement uses then varies by a few rare characters at most: a few subsets, each cut
once, serve a run of thousands of statements (some 10 kB more a PDF than the glyphs it
uses alone, and a third of the time)."""

# The characters of French statements, and more: Latin with its extensions, accents,
# punctuation, currencies, letter-like symbols, arrows, mathematical operators, shapes.
COMMON_CHARACTERS = (
    (0x0020, 0x024F),
    (0x02B0, 0x036F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x215F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x25A0, 0x25FF),
)


@dataclass(frozen=True)
class _Face:
    """One style of the font, parsed once: what fpdf2's ``add_font`` works out from the
    file (metrics, character map, widths), and the file's bytes, from which each document
    cuts the subset it embeds (fpdf2 subsets the font it is given in place)."""

    template: TTFFont
    data: bytes

    def add_to(self, pdf: FPDF) -> None:
        """Give ``pdf`` this face as ``add_font`` would, without parsing the file again."""
        font = copy.copy(self.template)
        font.i = len(pdf.fonts) + 1
        font.ttfont = TTFont(io.BytesIO(self.data), recalcTimestamp=False, lazy=True)
        font.desc = copy.copy(self.template.desc)  # the document numbers its objects
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[font.fontkey] = font

    def cut_for(self, font: TTFFont) -> None:
        """Give ``font`` (this face in a document) the font fpdf2 embeds for the glyphs
        the document uses, cut once for the run (``_embedded_of``): fpdf2 embeds it as it
        is (``_FontsCut``)."""
        glyphs = frozenset(font.subset.get_all_glyph_names())
        font.ttfont.close()
        embedded, order = _embedded_of(self.data, glyphs)
        font.ttfont = _Embedded(embedded)
        # the names fpdf2 looks the glyphs up by, which the embedded font leaves out
        font.ttfont.setGlyphOrder(list(order))


class _Embedded(TTFont):  # type: ignore[misc]
    """A subset cut for the run, as fpdf2 is given it: saved (as fpdf2's output saves
    the font it embeds) as the bytes it was opened from, which saving it again gives
    byte for byte, in a few milliseconds a document (a test compares the PDFs with
    fpdf2's own)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(
            io.BytesIO(data),
            recalcTimestamp=False,
            recalcBBoxes=False,  # the subset's glyphs and bounds are as fpdf2 computes them
            lazy=True,
        )
        self.data = data

    def save(self, file: BinaryIO, reorderTables: bool | None = True) -> None:
        file.write(self.data)


def _opened(data: bytes) -> TTFont:
    """A subset as fpdf2 is given it."""
    return TTFont(
        io.BytesIO(data),
        recalcTimestamp=False,
        recalcBBoxes=False,  # the subset's glyphs and bounds are as fpdf2 computes them
        lazy=True,
    )


@functools.lru_cache(maxsize=256)
def _embedded_of(data: bytes, glyphs: frozenset[str]) -> tuple[bytes, tuple[str, ...]]:
    """The font ``data`` in ``glyphs`` as fpdf2 embeds it, and its glyphs' names in order:
    its subset (``_subset_of``) cut again as fpdf2's output cuts a document's font
    (``output.py``, ``_add_fonts``), once for the run rather than for every document."""
    font = _opened(_subset_of(data, glyphs))
    options = font_subset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += [*UNEMBEDDED_TABLES, *FPDF2_DROPPED]
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(glyphs=sorted(glyphs))
    subsetter.subset(font)
    stream = io.BytesIO()
    font.save(stream)
    return stream.getvalue(), tuple(font.getGlyphOrder())


def parse_fonts() -> None:
    """Parse the fonts now (the common glyphs), rather than for the first statement."""
    _faces(whole=False)


@functools.cache
def _faces(*, whole: bool) -> tuple[_Face, ...]:
    """DejaVu Sans regular and bold: whole, or in the glyphs of ``COMMON_CHARACTERS``."""
    fonts = resources.files("servcommun.render") / "fonts"
    faces = []
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        data = (fonts / name).read_bytes()
        if not whole:
            data = _common_glyphs(data)
        template = TTFFont(FPDF(), io.BytesIO(data), f"{FONT.lower()}{style}", style)  # type: ignore[arg-type]
        template.ttfont.close()
        faces.append(_Face(template, data))
    return tuple(faces)


def _common_glyphs(data: bytes) -> bytes:
    """The font in the glyphs of ``COMMON_CHARACTERS``, without the tables fpdf2 leaves
    out of the fonts it embeds (layout, kerning, metadata): a document's subset cut from
    it is the one cut from the whole font, and cut much faster."""
    # the bounding box of the whole font stays the font's: fpdf2 writes it in every
    # document's font descriptor
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    characters = [
        code
        for code in font.getBestCmap()
        if any(low <= code <= high for low, high in COMMON_CHARACTERS)
    ]
    options = font_subset.Options(
        glyph_names=True,  # fpdf2 looks glyphs up by name
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        notdef_glyph=True,
        notdef_outline=True,
        recommended_glyphs=True,
        prune_unicode_ranges=False,
        passthrough_tables=True,
    )
    # what fpdf2 drops, and the kerning table it drops as the font has a GPOS table
    options.drop_tables += [*UNEMBEDDED_TABLES, "kern"]
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    stream = io.BytesIO()
    font.save(stream)
    return stream.getvalue()


def _subset_of(data: bytes, glyphs: frozenset[str]) -> bytes:
    """The font ``data`` in ``glyphs``, as fpdf2 cuts it, glyph names kept (fpdf2 looks
    its glyphs up by name): what fpdf2's output is given to cut (``_embedded_of``).
    Documents mostly use the same characters (``EMBEDDED_ALWAYS``): a few subsets serve
    a run, whatever its number of statements."""
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    options = font_subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += UNEMBEDDED_TABLES
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(glyphs=sorted(glyphs))
    subsetter.subset(font)
    stream = io.BytesIO()
    font.save(stream)
    return stream.getvalue()


FPDF2_DROPPED = ("sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR")
"""The colour and bitmap tables fpdf2 drops too (DejaVu Sans has none)."""
UNEMBEDDED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta")
"""Tables of DejaVu Sans that fpdf2 (``output.py``, ``_add_fonts``) does not embed."""
