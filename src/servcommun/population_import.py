"""INSEE's legal-population file of a millésime, read into the data directory's table.

INSEE publishes each December the legal populations of the census year M (in force from
1 January M+3) as ``donnees_communes.csv`` (semicolon separated; columns ``REG``,
``Région``, ``DEP``, ``CODARR``, ``CODCAN``, ``CODCOM``, ``COM``, ``Commune``, ``PMUN``,
``PCAP``, ``PTOT``) and as a spreadsheet (« Communes » sheet: ``Code département``,
``Code commune``, ``Nom de la commune``, ``Population municipale``, ``Population comptée à
part``, ``Population totale``, below a few title lines). Either, saved as CSV (semicolons
or commas, UTF-8 or Latin-1/Windows-1252), is read: the first line naming a commune code
and the two populations is the header; the columns read are

- the INSEE code: ``COM`` (5 characters), or ``DEP`` + ``CODCOM`` / « Code département » +
  « Code commune » (3 digits) when the code column has 3;
- the name: ``Commune`` / « Nom de la commune »;
- the population municipale: ``PMUN`` / « Population municipale »;
- the population totale: ``PTOT`` / « Population totale ».

The table is written as ``populations/<millésime>.csv`` (``code``, ``name``,
``municipale``, ``totale``), which ``servcommun.communes`` reads with the bundled table.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from servcommun.communes import IMPORTED_FOLDER, name_key
from servcommun.diagnostics import Diagnostic, InputError
from servcommun.message import Message, msg
from servcommun.reader import make_diagnostic
from servcommun.roster_csv import next_row

_COLUMNS = {
    "code": ("com", "code commune", "codgeo", "code insee", "codcom"),
    "departement": ("dep", "code departement"),
    "name": ("commune", "nom de la commune", "libgeo", "nom"),
    "municipale": ("pmun", "population municipale"),
    "totale": ("ptot", "population totale"),
}
_INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
MAX_ERRORS = 20
HEADER_LINES = 50  # INSEE's spreadsheet has a few title lines above its header


@dataclass(frozen=True)
class LegalPopulation:
    code: str
    name: str
    municipale: int
    totale: int


def decode(raw: bytes) -> str:
    """UTF-8 (with or without its byte-order mark), else Windows-1252 (Latin-1's
    superset, in which INSEE's older files and French spreadsheets save)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_legal_populations(text: str, file: str) -> list[LegalPopulation]:
    """The communes of an INSEE legal-population CSV, or an ``InputError`` naming each
    bad row (``file:line:col``)."""
    lines = text.splitlines()
    located = _header(lines)
    if located is None:
        raise InputError(
            [
                make_diagnostic(
                    file,
                    text,
                    1,
                    1,
                    "population-columns",
                    msg(
                        "no header line naming the commune code (COM or Code commune), the "
                        "population municipale (PMUN) and totale (PTOT) in the first "
                        "{lines:count} lines: is this INSEE's legal-population file saved as CSV?",
                        lines=HEADER_LINES,
                    ),
                )
            ]
        )
    header, delimiter, found = located
    body = io.StringIO("\n".join(lines[header + 1 :]))
    problems: list[Diagnostic] = []
    communes: list[LegalPopulation] = []
    seen: dict[str, int] = {}
    reader = csv.reader(body, delimiter=delimiter)
    offset = -1
    while (cells := next_row(reader, file, text, before=header + 1)) is not None:
        offset += 1
        number = header + 2 + offset
        if not any(cell.strip() for cell in cells):
            continue
        row = _Row(file, text, lines[number - 1], number, delimiter, cells, found)
        commune = row.commune(problems)
        if commune is None:
            pass
        elif commune.code in seen:
            row.problem(
                "code",
                "population-duplicate",
                msg(
                    "{code} is also on line {line:count}",
                    code=commune.code,
                    line=seen[commune.code],
                ),
                problems,
            )
        else:
            seen[commune.code] = number
            communes.append(commune)
        if len(problems) >= MAX_ERRORS:
            break
    if problems:
        raise InputError(problems)
    if not communes:
        raise InputError(
            [
                make_diagnostic(
                    file,
                    text,
                    header + 1,
                    1,
                    "population-empty",
                    msg("no commune below the header"),
                )
            ]
        )
    return communes


def _header(lines: list[str]) -> tuple[int, str, dict[str, int | None]] | None:
    """The index, delimiter and columns of the header line, if one of the first lines is."""
    for index, line in enumerate(lines[:HEADER_LINES]):
        delimiter = ";" if line.count(";") >= line.count(",") else ","
        titles = [name_key(cell) for row in csv.reader([line], delimiter=delimiter) for cell in row]
        found = {
            key: next((i for i, t in enumerate(titles) if t in names), None)
            for key, names in _COLUMNS.items()
        }
        if all(found[key] is not None for key in ("code", "municipale", "totale")):
            return index, delimiter, found
    return None


@dataclass(frozen=True)
class _Row:
    """A row of the file, and where each of its cells is."""

    file: str
    text: str
    line: str
    number: int
    delimiter: str
    cells: list[str]
    found: dict[str, int | None]

    def cell(self, key: str) -> str:
        column = self.found[key]
        return self.cells[column].strip() if column is not None and column < len(self.cells) else ""

    def problem(self, key: str, code: str, message: Message, problems: list[Diagnostic]) -> None:
        start = _cell_start(self.line, self.delimiter, self.found[key] or 0)
        problems.append(make_diagnostic(self.file, self.text, self.number, start, code, message))

    def commune(self, problems: list[Diagnostic]) -> LegalPopulation | None:
        code = self.cell("code")
        if len(code) == 3 and self.found["departement"] is not None:
            code = self.cell("departement") + code
        if not _INSEE_CODE.match(code):
            self.problem(
                "code",
                "population-code",
                msg("'{code}' is not an INSEE commune code", code=self.cell("code")),
                problems,
            )
            return None
        figures = {}
        for kind in ("municipale", "totale"):
            value = re.sub(r"[\s\u00a0\u202f]", "", self.cell(kind))
            if value.isdigit():
                figures[kind] = int(value)
            else:
                self.problem(
                    kind,
                    "population-number",
                    msg(
                        "population {kind} '{value}' is not a number",
                        kind=kind,
                        value=self.cell(kind),
                    ),
                    problems,
                )
        if len(figures) < 2:
            return None
        return LegalPopulation(code, self.cell("name"), figures["municipale"], figures["totale"])


def _cell_start(line: str, delimiter: str, column: int) -> int:
    """1-based column where cell ``column`` of ``line`` starts (quotes aside)."""
    position = 0
    for _ in range(column):
        position = line.find(delimiter, position) + 1
        if position == 0:
            return 1
    return position + 1


def table_text(communes: list[LegalPopulation]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "municipale", "totale"])
    for commune in sorted(communes, key=lambda c: c.code):
        writer.writerow([commune.code, commune.name, commune.municipale, commune.totale])
    return out.getvalue()


def destination(data_directory: Path, millesime: int) -> Path:
    return data_directory / IMPORTED_FOLDER / f"{millesime}.csv"


def millesime_of(name: str) -> int | None:
    """The millésime a file name states (``populations-legales-2023.csv``), if one year."""
    years = set(re.findall(r"(?<!\d)(20\d{2})(?!\d)", name))
    return int(years.pop()) if len(years) == 1 else None
