"""PDF statement of one member for a year (fpdf2): issuer, member, each line with its
basis and article, total, titling months, and the deliberations the tariff rests on.

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

The PDF's creation date is 31 December of the billed year and its file id is a hash of
its content: the same inputs give byte-identical files.
"""

from __future__ import annotations

import copy
import functools
import io
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources

from fontTools import subset as font_subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from servcommun import language
from servcommun.engine.result import Settlement, Statement
from servcommun.language import N_
from servcommun.message import Message, msg
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

# fpdf2 imports numpy when it is installed (it is, for the plots) to parse images faster;
# a statement has no image, and numpy would cost a statements run, and each of its
# workers, some 0.2 s and 12 MB: fpdf2 is imported as if numpy were absent (a later
# import of numpy, by a plot in the same process, is not affected).
_NUMPY_LOADED = "numpy" in sys.modules
if not _NUMPY_LOADED:
    sys.modules["numpy"] = None  # type: ignore[assignment]
try:
    from fpdf import FPDF, FontFace
    from fpdf.fonts import SubsetMap, TTFFont
    from fpdf.output import OutputProducer
finally:
    if not _NUMPY_LOADED:
        del sys.modules["numpy"]

FONT = "DejaVu"
GREY = (110, 110, 110)
HEADER_FILL = (231, 230, 230)
CELL_PADDING = (1.2, 1.5)  # mm: top and bottom, left and right
ARTICLE_MAX_WIDTH = 38  # mm: a longer reference wraps on words
HEADINGS = (N_("Item"), N_("Basis"), N_("Article"), N_("Titled"), N_("Amount"))


@dataclass(frozen=True)
class Issuer:
    """Who issues the statements: the service (tariff title), its carrier if the tariff
    names one, the deliberations the tariff rests on, the tariff's currency and locale,
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

    def spoken(self) -> str:
        """The language of the statements: the one settled, else the tariff locale's
        (unless ``--lang`` was given)."""
        return self.language or language.document_language(self.locale)

    def speaking_in(self) -> Issuer:
        """This issuer with the language of its statements settled: a worker process
        (forked or not) makes them in the language the command chose."""
        return self if self.language is not None else replace(self, language=self.spoken())


def statement_pdf(
    statement: Statement, year: int, issuer: Issuer, offers: Mapping[str, str]
) -> bytes:
    """One member's statement for ``year`` as PDF bytes, in the issuer's language.
    ``offers`` maps an offer id to its label, to say which offer each line belongs to.

    The fonts are parsed once for the process (fpdf2 would parse both DejaVu files for
    every document), in their common glyphs first: a statement using a character outside
    them is set again in the whole fonts, which give the same bytes for the same text."""
    faces = _faces(whole=False)
    pdf = _statement_pdf(statement, year, issuer, offers, faces)
    if any(font.missing_glyphs for font in _fonts_of(pdf)):
        pdf = _statement_pdf(statement, year, issuer, offers, _faces(whole=True))
    return bytes(pdf.output(output_producer_class=_SubsetsCutOnce))


def _fonts_of(pdf: FPDF) -> list[TTFFont]:
    return [font for font in pdf.fonts.values() if isinstance(font, TTFFont)]


def _statement_pdf(
    statement: Statement,
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    faces: Sequence[_Face],
) -> _StatementPDF:
    """The document of one statement, in the issuer's language (its footers too)."""
    spoken = issuer.spoken()
    with language.speaking(spoken):
        return _statement_document(statement, year, issuer, offers, faces, spoken)


def _statement_document(
    statement: Statement,
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    faces: Sequence[_Face],
    spoken: str,
) -> _StatementPDF:
    member = statement.member

    def amount(value: Decimal) -> str:
        return money(value, issuer.currency)

    footer = msg(
        "Contribution statement {year:year} — {name} ({id})",
        year=year,
        name=member.name,
        id=member.id,
    )
    pdf = _StatementPDF(say(footer), faces, spoken)
    pdf.set_creation_date(document_datetime(year))
    pdf.set_title(
        say(msg("Contribution statement {year:year} — {name}", year=year, name=member.name))
    )
    pdf.set_subject(issuer.title)
    pdf.set_author(issuer.carrier or issuer.title)
    pdf.set_creator(issuer.generator)
    pdf.set_lang(language.locale().replace("_", "-"))  # fr-FR, en-GB
    pdf.add_page()
    _issuer_heading(pdf, issuer)
    _member_heading(pdf, statement, year, issuer.population)
    amount_width = _lines_table(pdf, statement, offers, amount)

    _section(pdf, language._("Titling (revenue titles by month)"), ())
    for month, subtotal in _by_titling_month(statement).items():
        pdf.cell(32, 5, month_label(month))
        pdf.cell(amount_width, 5, amount(subtotal), align="R", new_x="LMARGIN", new_y="NEXT")
    settlement = statement.settlement
    if settlement is not None:
        _section(pdf, language._("Settlement"), (say(_settlement(settlement)),))
    if statement.notes:
        _section(pdf, language._("Remarks"), [say(note) for note in statement.notes])
    if issuer.deliberations:
        _section(pdf, language._("Deliberations"), [f"• {say(d)}" for d in issuer.deliberations])
    return pdf


def _settlement(settlement: Settlement) -> Message:
    """How the statement is settled: by a title, or on the attribution de compensation."""
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


def _issuer_heading(pdf: FPDF, issuer: Issuer) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 5.5, issuer.title, align="L", new_x="LMARGIN", new_y="NEXT")
    if issuer.carrier:
        pdf.set_font(FONT, "", 9)
        carrier = say(msg("Service carrier: {carrier}", carrier=issuer.carrier))
        pdf.cell(0, 5, carrier, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_draw_color(*GREY)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(5)


def _member_heading(
    pdf: FPDF, statement: Statement, year: int, basis: PopulationBasis | None
) -> None:
    member = statement.member
    pdf.set_font(FONT, "B", 16)
    heading = say(msg("Contribution statement — financial year {year:year}", year=year))
    pdf.cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _field(pdf, language._("Member"), member.name)
    _field(pdf, id_label(member), member.id)
    if member.population is not None:
        population = say(population_text(member.population))
        if basis is not None:
            population = f"{population} ({say(_basis_text(basis))})"
        _field(pdf, language._("Population"), population)
    if not statement.billed:
        _field(pdf, language._("Status"), language._("carrier's own share, not billed"))
    pdf.ln(4)


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


def _lines_table(
    pdf: FPDF,
    statement: Statement,
    offers: Mapping[str, str],
    amount: Callable[[Decimal], str],
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
                month_label(line.titled),
                amount(line.amount),
            )
        )
    headings = tuple(language._(heading) for heading in HEADINGS)
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
        total_row.cell(language._("Total"), colspan=4, style=bold)
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
    pdf.cell(32, 6, say(msg("{name}:", name=name)))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")


class _StatementPDF(FPDF):
    def __init__(self, footer_text: str, faces: Sequence[_Face], spoken: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.spoken = spoken  # a page's footer is set as the next begins, or on output
        self.faces = faces
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        for face in faces:
            face.add_to(self)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
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
    """fpdf2's output, each font first given its subset cut once for the run (the glyphs
    a document uses are known once its last footer is set, as the output begins)."""

    def bufferize(self) -> bytearray:
        assert isinstance(self.fpdf, _StatementPDF)
        for font, face in zip(_fonts_of(self.fpdf), self.fpdf.faces, strict=True):
            face.cut_for(font)
        return super().bufferize()


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
        """Give ``font`` (this face in a document) the subset of the glyphs the document
        uses, cut once for the run: fpdf2 then cuts it again into the same subset, at
        the cost of those few glyphs rather than of the whole font."""
        glyphs = frozenset(font.subset.get_all_glyph_names())
        font.ttfont.close()
        font.ttfont = TTFont(
            io.BytesIO(_subset_of(self.data, glyphs)),
            recalcTimestamp=False,
            recalcBBoxes=False,  # the subset's glyphs and bounds are as fpdf2 computes them
            lazy=True,
        )


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


@functools.lru_cache(maxsize=256)
def _subset_of(data: bytes, glyphs: frozenset[str]) -> bytes:
    """The font ``data`` in ``glyphs``, as fpdf2 cuts it, glyph names kept (fpdf2 looks
    its glyphs up by name). Documents mostly use the same characters: a few hundred
    subsets serve a run, whatever its number of statements."""
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    options = font_subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += UNEMBEDDED_TABLES
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(glyphs=sorted(glyphs))
    subsetter.subset(font)
    stream = io.BytesIO()
    font.save(stream)
    return stream.getvalue()


UNEMBEDDED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta")
"""Tables of DejaVu Sans that fpdf2 (``output.py``, ``_add_fonts``) does not embed."""
