"""The official table of communes, EPCI and legal populations (INSEE, DGCL).

The table is bundled (``data/communes.csv.gz``, built by ``scripts/communes.py`` from
``@etalab/decoupage-administratif``; Licence Ouverte) and completed by the populations a
data directory imported from INSEE's files (``populations/<millésime>.csv``, see
``population_import``). It is read on first use only: a bill never loads it.

The legal populations of census year M (the *millésime*) are in force from 1 January
M+3 (CGCT R2151-2, décret of the year's authentication): a year's figure is the one in
force on 1 January of that year.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

KINDS = ("totale", "municipale")
"""The kinds of legal population the table can hold (the DGF population is the DGCL's,
computed from them, and is not in it)."""

IMPORTED_FOLDER = "populations"
"""Folder of a data directory holding the imported legal populations, one file a
millésime (``populations/2023.csv``: columns ``code``, ``name``, ``municipale``,
``totale``)."""

IN_FORCE_DELAY = 3
"""Years between a census millésime and the 1 January its populations come into force."""

BUNDLED_SOURCE = "INSEE via @etalab/decoupage-administratif"


def in_force_year(millesime: int) -> int:
    return millesime + IN_FORCE_DELAY


@dataclass(frozen=True)
class OfficialPopulation:
    """A legal population: its figure, kind, the year it is in force, its millésime and
    where it was read."""

    value: int
    kind: str
    year: int
    millesime: int
    source: str


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    siren: str
    departement: str
    epci: str  # the SIREN of its EPCI à fiscalité propre, "" for none


@dataclass(frozen=True)
class FormerCommune:
    """A former INSEE code (a commune merged into a commune nouvelle, or associated)."""

    code: str
    name: str  # "" when the package does not give it
    current: str  # the code of the commune it is part of


@dataclass(frozen=True)
class Epci:
    siren: str
    name: str
    type: str  # CA, CC, CU, ME (métropole)
    members: tuple[str, ...] = ()  # INSEE codes


@dataclass(frozen=True)
class _Column:
    kind: str
    year: int
    millesime: int
    source: str


@dataclass
class OfficialTable:
    """Communes by INSEE code, EPCI by SIREN, former codes, and populations by
    (kind, year in force)."""

    communes: Mapping[str, Commune]
    epcis: Mapping[str, Epci]
    former: Mapping[str, FormerCommune]
    populations: Mapping[tuple[str, int], Mapping[str, int]]
    columns: dict[tuple[str, int], _Column]
    _names: dict[str, list[str]] = field(default_factory=dict)
    epci_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def epci_named(self, siren: str) -> Epci | None:
        """The EPCI of ``siren`` by its name and type, without its members (those need
        every commune of the table read: ``epcis``)."""
        named = self.epci_names.get(siren)
        return Epci(siren, *named) if named is not None else None

    def commune(self, code: str) -> Commune | None:
        return self.communes.get(code)

    def former_commune(self, code: str) -> FormerCommune | None:
        return self.former.get(code)

    def population(self, code: str, kind: str, year: int) -> OfficialPopulation | None:
        """The legal population of ``kind`` of commune ``code`` in force on 1 January of
        ``year``, or None when the table does not hold it."""
        figures = self.populations.get((kind, year))
        if figures is None or code not in figures:
            return None
        column = self.columns[kind, year]
        return OfficialPopulation(figures[code], kind, year, column.millesime, column.source)

    def years(self, kind: str) -> list[int]:
        """The years in force the table holds figures of ``kind`` for, in order."""
        return sorted(year for k, year in self.populations if k == kind)

    def covers(self, kind: str, year: int) -> bool:
        return (kind, year) in self.populations

    def members_of(self, epci: Epci) -> list[Commune]:
        return [self.communes[code] for code in epci.members if code in self.communes]

    def find_epci(self, wanted: str) -> list[Epci]:
        """The EPCI of SIREN ``wanted``, or those whose name matches it ignoring case,
        accents, punctuation and the leading type (« CA », « CC »…): an exact match
        first, else every name containing it."""
        wanted = wanted.strip()
        if wanted in self.epcis:
            return [self.epcis[wanted]]
        if not self._names:
            for siren, epci in self.epcis.items():
                for key in {name_key(epci.name), name_key(_without_type(epci.name))}:
                    self._names.setdefault(key, []).append(siren)
        key = name_key(wanted)
        exact = self._names.get(key) or self._names.get(name_key(_without_type(wanted)))
        if exact:
            return [self.epcis[siren] for siren in sorted(set(exact))]
        return sorted(
            (epci for epci in self.epcis.values() if key and key in name_key(epci.name)),
            key=lambda epci: epci.name,
        )


def name_key(name: str) -> str:
    """A name compared ignoring case, accents, hyphens, apostrophes and the ligatures
    (« Saint-Jean-d'Angély » = « saint jean d angely »)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "Oe"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def _without_type(name: str) -> str:
    return re.sub(r"^(CA|CC|CU|ME|Métropole)\s+", "", name.strip(), flags=re.IGNORECASE)


def _rows(data: bytes) -> Iterable[dict[str, str]]:
    return csv.DictReader(io.StringIO(gzip.decompress(data).decode("utf-8")))


class _Rows:
    """The bundled table's rows by INSEE code, kept as the table's text and parsed when a
    commune of it is asked for: a check of a roster of thirty communes parses thirty
    rows, not 35 000 (reading them all costs a first run some 0,3 s). The rows are sorted
    by code (``scripts/communes.py``): a row is found by halving the text, which is not
    split into its 35 000 lines unless the whole table is walked (splitting it cost every
    check of a roster some 15 ms)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.start = text.index("\n") + 1  # the first row, after the header
        self.header = next(csv.reader([text[: self.start - 1]]))
        self.parsed: dict[str, list[str]] = {}
        self.members: dict[str, list[str]] | None = None
        self._lines: dict[str, str] | None = None

    @property
    def lines(self) -> dict[str, str]:
        """Every row's line by code, for a walk of the whole table (split once)."""
        if self._lines is None:
            # an INSEE code is never quoted: it is the line up to its first comma
            self._lines = {
                line[: line.index(",")]: line
                for line in self.text[self.start :].splitlines()
                if line
            }
        return self._lines

    def _line(self, code: str) -> str | None:
        """The line of ``code``, found by halving the rows (sorted by code)."""
        if self._lines is not None:
            return self._lines.get(code)
        text = self.text
        low, high = self.start, len(text)  # low: a line's start (text[low - 1] is "\n")
        while low < high:
            middle = (low + high) // 2
            begin = text.rfind("\n", low - 1, middle) + 1  # the line holding ``middle``
            end = text.find("\n", begin)
            if end < 0:
                end = len(text)
            comma = text.find(",", begin, end)
            found = text[begin:comma] if comma >= 0 else None  # None: a blank line, the end
            if found == code:
                return text[begin:end]
            if found is not None and found < code:
                low = end + 1
            else:
                high = begin
        return None

    def row(self, code: str) -> list[str] | None:
        row = self.parsed.get(code)
        if row is None:
            line = self._line(code)
            if line is not None:
                row = self.parsed[code] = next(csv.reader([line]))
        return row

    def column(self, name: str) -> int:
        return self.header.index(name)

    def members_by_epci(self) -> dict[str, list[str]]:
        """The INSEE codes of each EPCI's communes (every row read, once)."""
        if self.members is None:
            at = self.column("epci")
            self.members = {}
            for code in self.lines:
                row = self.row(code)
                if row is not None and row[at]:
                    self.members.setdefault(row[at], []).append(code)
        return self.members


class _Communes(Mapping[str, Commune]):
    """The communes of the table by INSEE code, each made when asked for."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.at = [rows.column(c) for c in ("code", "name", "siren", "departement", "epci")]

    def __getitem__(self, code: str) -> Commune:
        row = self.rows.row(code)
        if row is None:
            raise KeyError(code)
        return Commune(*(row[at] for at in self.at))

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows.lines)

    def __len__(self) -> int:
        return len(self.rows.lines)


class _Former(Mapping[str, FormerCommune]):
    """The former codes by code, read when one is first asked for (a roster's members
    are nearly always current communes), each made when asked for: its 4 000 rows made
    into records cost every check of a roster some 10 ms."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.rows: dict[str, tuple[str, str]] | None = None  # code → (name, current code)

    def _read(self) -> dict[str, tuple[str, str]]:
        if self.rows is None:
            reader = csv.reader(io.StringIO(gzip.decompress(self.data).decode("utf-8")))
            header = next(reader)
            code, name, current = (header.index(c) for c in ("old_code", "old_name", "code"))
            self.rows = {row[code]: (row[name], row[current]) for row in reader}
        return self.rows

    def __getitem__(self, code: str) -> FormerCommune:
        name, current = self._read()[code]
        return FormerCommune(code, name, current)

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


class _Figures(Mapping[str, int]):
    """One column of legal populations by INSEE code (a commune without a figure of the
    column is not in it), each read when asked for."""

    def __init__(self, rows: _Rows, column: str) -> None:
        self.rows = rows
        self.at = rows.column(column)

    def __getitem__(self, code: str) -> int:
        row = self.rows.row(code)
        if row is None or not row[self.at]:
            raise KeyError(code)
        return int(row[self.at])

    def __iter__(self) -> Iterator[str]:
        return (code for code in self.rows.lines if code in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Epcis(Mapping[str, Epci]):
    """The EPCI of the table by SIREN, with their communes (every row read, once)."""

    def __init__(self, names: Mapping[str, tuple[str, str]], rows: _Rows) -> None:
        self.names = names
        self.rows = rows

    def __getitem__(self, siren: str) -> Epci:
        name, kind = self.names[siren]
        return Epci(siren, name, kind, tuple(self.rows.members_by_epci().get(siren, ())))

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@cache
def bundled_table() -> OfficialTable:
    """The table shipped with the package (its rows read when asked for)."""
    folder = resources.files("servcommun") / "data"
    metadata = json.loads((folder / "communes.json").read_text(encoding="utf-8"))
    columns = {
        (spec["kind"], spec["in_force"]): _Column(
            spec["kind"], spec["in_force"], spec["millesime"], BUNDLED_SOURCE
        )
        for spec in metadata["populations"].values()
    }
    rows = _Rows(gzip.decompress((folder / "communes.csv.gz").read_bytes()).decode())
    populations: dict[tuple[str, int], Mapping[str, int]] = {
        (spec["kind"], spec["in_force"]): _Figures(rows, name)
        for name, spec in metadata["populations"].items()
    }
    names = {
        row["siren"]: (row["name"], row["type"])
        for row in _rows((folder / "epci.csv.gz").read_bytes())
    }
    former = _Former((folder / "anciens-codes.csv.gz").read_bytes())
    return OfficialTable(
        _Communes(rows), _Epcis(names, rows), former, populations, columns, epci_names=names
    )


def latest_population(
    table: OfficialTable, code: str, kind: str, year: int
) -> OfficialPopulation | None:
    """The figure of ``kind`` in force in ``year``, else the latest in force before it,
    else the earliest the table holds."""
    years = [y for y in table.years(kind) if table.population(code, kind, y) is not None]
    if not years:
        return None
    before = [y for y in years if y <= year]
    return table.population(code, kind, before[-1] if before else years[0])


def official_table(data_directory: Path | None = None) -> OfficialTable:
    """The bundled table, with the populations imported into ``data_directory`` (they
    replace the bundled figures of the same kind and year)."""
    bundled = bundled_table()
    imported = imported_populations(data_directory) if data_directory else {}
    if not imported:
        return bundled
    populations = dict(bundled.populations)
    columns = dict(bundled.columns)
    for (kind, year), (column, figures) in imported.items():
        populations[kind, year] = figures
        columns[kind, year] = column
    return OfficialTable(
        bundled.communes,
        bundled.epcis,
        bundled.former,
        populations,
        columns,
        epci_names=bundled.epci_names,
    )


def imported_populations(
    data_directory: Path,
) -> Mapping[tuple[str, int], tuple[_Column, dict[str, int]]]:
    """The populations of ``populations/<millésime>.csv`` files, by (kind, year in force)."""
    found: dict[tuple[str, int], tuple[_Column, dict[str, int]]] = {}
    folder = data_directory / IMPORTED_FOLDER
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.csv")):
        if not path.stem.isdigit():
            continue
        millesime = int(path.stem)
        year = in_force_year(millesime)
        source = f"INSEE ({IMPORTED_FOLDER}/{path.name})"
        with path.open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        for kind in KINDS:
            figures = {row["code"]: int(row[kind]) for row in rows if row.get(kind)}
            if figures:
                found[kind, year] = (_Column(kind, year, millesime, source), figures)
    return found
