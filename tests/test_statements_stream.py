"""`servcommun statements` at scale: the PDFs are set in fonts parsed once for the run and
are byte for byte those fpdf2 makes from the font files; the folder is written as the
statements are made, and still appears whole or not at all; a bar shows the progress on
a terminal."""

from __future__ import annotations

import dataclasses
import io
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from conftest import ROOT
from servcommun.billing import billed
from servcommun.cli.progress import with_progress
from servcommun.config import load_config
from servcommun.engine.result import Statement
from servcommun.mailing import Recipient, mailing
from servcommun.output import write_folder_atomic
from servcommun.render import pdf as statement_pdfs
from servcommun.render.pdf import FONT, Issuer, Letter, statement_pdf
from servcommun.render.statements import one_by_one

FONTS = resources.files("servcommun.render") / "fonts"


@dataclasses.dataclass(frozen=True)
class _FontFile:
    """A face as fpdf2 adds it by itself: the file parsed again for each document."""

    style: str
    file: str

    def add_to(self, pdf: FPDF) -> None:
        pdf.add_font(FONT, self.style, str(FONTS / self.file))


def _as_fpdf2_makes_it(
    statement: Statement, issuer: Issuer, offers: dict[str, str], recipient: Recipient | None
) -> bytes:
    faces = (_FontFile("", "DejaVuSans.ttf"), _FontFile("B", "DejaVuSans-Bold.ttf"))
    document = statement_pdfs._statement_pdf(statement, 2026, issuer, offers, faces, recipient)  # type: ignore[arg-type]
    return bytes(document.output())


def _example() -> tuple[list[Statement], Issuer, dict[str, str]]:
    year = billed(load_config(ROOT), None, 2026)
    issuer = Issuer(
        title=year.title,
        deliberations=year.bill.sources,
        carrier=year.carrier,
        currency=year.bill.currency,
        locale=year.bill.locale,
    )
    return [s for s in year.bill.statements if s.billed], issuer, dict(year.offers)


def _letters() -> tuple[list[Letter], Issuer, dict[str, str]]:
    """The shipped example's statements as they are sent: the issuer's identity, each
    member's, the bookings, the example's mark."""
    config = load_config(ROOT)
    year = billed(config, None, 2026)
    words = mailing(config, None, 2026)
    issuer = Issuer(
        title=year.title,
        deliberations=words.deliberations,
        carrier=year.carrier,
        population=year.population,
        sender=words.sender,
        example=words.example,
    )
    offers = dict(year.offers)
    letters = [
        Letter(s, words.recipient(s, offers, {s.member.id: ("2027-0001",)}))
        for s in year.bill.statements
        if s.billed
    ]
    return letters, issuer, offers


def test_statements_are_the_pdfs_fpdf2_makes_from_the_font_files() -> None:
    letters, issuer, offers = _letters()
    first = letters[0].statement
    renamed = [
        # letters of the common glyphs only, and one outside them: the whole fonts then
        Letter(dataclasses.replace(first, member=dataclasses.replace(first.member, name=name)))
        for name in ("Œuvre-sur-Ærdre ‰ ≤ → €", "Κέρκυρα — Гродно")
    ]
    bare = _example()[1]  # no identity, not an example: the words of the tariff only
    for statement, said in [*letters, *renamed]:
        for alike in (issuer, bare):
            made = statement_pdf(statement, 2026, alike, offers, said)
            assert made == _as_fpdf2_makes_it(statement, alike, offers, said), statement.member
    text = PdfReader(io.BytesIO(statement_pdf(renamed[1].statement, 2026, issuer, offers)))
    assert "Κέρκυρα — Гродно" in text.pages[0].extract_text()


def test_a_folder_is_written_as_its_files_are_made(tmp_path: Path) -> None:
    folder = tmp_path / "relevés"
    made: list[str] = []

    def files() -> Iterator[tuple[str, bytes]]:
        for number in range(30):
            made.append(f"{number}.pdf")
            yield f"{number}.pdf", b"%PDF" + bytes([number])

    write_folder_atomic(folder, files(), force=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(made)
    assert (folder / "7.pdf").read_bytes() == b"%PDF\x07"
    assert [p.name for p in tmp_path.iterdir()] == ["relevés"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, MemoryError])
def test_a_folder_stopped_while_its_files_are_made_is_not_left(
    tmp_path: Path, stop: type[BaseException]
) -> None:
    folder = tmp_path / "relevés"
    folder.mkdir()
    (folder / "old.pdf").write_bytes(b"old")

    def files() -> Iterator[tuple[str, bytes]]:
        for number in range(20):
            yield f"{number}.pdf", b"new"
        raise stop

    with pytest.raises(stop):
        write_folder_atomic(folder, files(), force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["relevés"]
    assert [p.name for p in folder.iterdir()] == ["old.pdf"]


def test_progress_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert list(with_progress(iter("abc"), 3, "Relevés")) == ["a", "b", "c"]
    assert piped.getvalue() == ""

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(with_progress(iter("abc"), 3, "Relevés")) == ["a", "b", "c"]
    assert "Relevés" in terminal.getvalue()


def test_workers_make_the_same_pdfs_in_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from servcommun.render import workers

    statements, issuer, offers = _example()
    many = [
        dataclasses.replace(s, member=dataclasses.replace(s.member, name=f"Commune {n}"))
        for n, s in enumerate(statements * 4)
    ]
    monkeypatch.setattr(workers, "CHUNK", 3)
    with workers.statement_workers(workers=1) as alone:
        assert alone.maker(len(many)) is one_by_one  # one core: this process
    with workers.statement_workers(workers=3) as three:
        assert three.maker(len(many)) is one_by_one  # a few statements: this process
        monkeypatch.setattr(workers, "SERIAL_BELOW", 0)
        make = three.maker(len(many))
        assert make is not one_by_one
        made = list(make([Letter(s) for s in many], 2026, issuer, offers))
    assert made == [statement_pdf(s, 2026, issuer, offers) for s in many]


def test_leaving_early_stops_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from servcommun.render import workers

    statements, issuer, offers = _example()
    monkeypatch.setattr(workers, "SERIAL_BELOW", 0)
    monkeypatch.setattr(workers, "CHUNK", 1)
    with workers.statement_workers(workers=2) as started:
        letters = [Letter(s) for s in statements * 20]
        made = iter(started.maker(40)(letters, 2026, issuer, offers))
        assert next(made).startswith(b"%PDF")
        made.close()  # as write_folder_atomic does on an error or Ctrl-C
        with pytest.raises(StopIteration):
            next(made)


def _lines_by_fpdf2_table(
    pdf: FPDF, statement: Statement, offers: dict[str, str], amount: Callable[[Decimal], str]
) -> None:
    """The lines of a statement set by fpdf2's own ``table()``, with the statement's
    settings: what ``_table`` must give, byte for byte."""
    from fpdf import FontFace

    from servcommun import language
    from servcommun.render.documents import column_of, month_label
    from servcommun.render.words import say

    rows = []
    for line in statement.lines:
        offer = offers.get(column_of(line))
        label = f"{offer} — {line.label}" if offer and offer != line.label else line.label
        rows.append(
            (label, say(line.basis), line.reference, month_label(line.titled), amount(line.amount))
        )
    headings = tuple(language._(heading) for heading in statement_pdfs.HEADINGS)
    widths = statement_pdfs._column_widths(pdf, headings, rows, amount(statement.total))
    pdf.set_font(FONT, "", statement_pdfs.TEXT)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=statement_pdfs.HEADER_FILL),
        line_height=statement_pdfs.LEADING,
        padding=statement_pdfs.CELL_PADDING,
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
    pdf.ln(1.5)


def test_the_lines_are_set_as_fpdf2s_table_sets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    letters, issuer, offers = _letters()
    first = letters[0].statement
    line = first.lines[0]
    odd = [
        line._replace(label=f"{line.label} {'très ' * 30}long"),  # wraps on words
        line._replace(label="deux  espaces\u2009fines"),  # fpdf2 breaks it (multi_cell)
        line._replace(label="Œuvre ‰ ≤ ²", reference=""),  # glyphs outside the common ones
    ]
    statements = [
        *(letter.statement for letter in letters),
        dataclasses.replace(first, lines=first.lines * 40),  # on three pages: headings again
        *(dataclasses.replace(first, lines=(*first.lines, extra)) for extra in odd),
    ]
    made = [statement_pdf(s, 2026, issuer, offers) for s in statements]
    monkeypatch.setattr(statement_pdfs, "_lines_table", _lines_by_fpdf2_table)
    assert made == [statement_pdf(s, 2026, issuer, offers) for s in statements]
    assert len(PdfReader(io.BytesIO(made[len(letters)])).pages) >= 3


def test_index_bytes_are_its_text_in_utf8() -> None:
    """The statements' index is written as bytes as it is made (``csv_bytes``): the same
    bytes as the text of every other CSV export, byte order mark and quoting included."""
    from servcommun.render.csv import csv_bytes, csv_text

    rows = [("01001", "Commune d'Étel", "=1+1", "1\u202f250,00"), ("02", "Saint-Nom", "", "-3,5")]
    for dialect in ("fr", "plain"):
        header = ["id", "nom", "formule", "montant"]
        assert csv_bytes(header, iter(rows), dialect) == csv_text(header, rows, dialect).encode()
    assert csv_bytes(["a"], [], "fr") == "\ufeffa\r\n".encode()
