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
from collections.abc import Iterable, Mapping
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

    communes: dict[str, Commune]
    epcis: dict[str, Epci]
    former: dict[str, FormerCommune]
    populations: dict[tuple[str, int], dict[str, int]]
    columns: dict[tuple[str, int], _Column]
    _names: dict[str, list[str]] = field(default_factory=dict)

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


@cache
def bundled_table() -> OfficialTable:
    """The table shipped with the package."""
    folder = resources.files("servcommun") / "data"
    metadata = json.loads((folder / "communes.json").read_text(encoding="utf-8"))
    columns = {
        (spec["kind"], spec["in_force"]): _Column(
            spec["kind"], spec["in_force"], spec["millesime"], BUNDLED_SOURCE
        )
        for spec in metadata["populations"].values()
    }
    names = {
        (spec["kind"], spec["in_force"]): name for name, spec in metadata["populations"].items()
    }
    communes: dict[str, Commune] = {}
    populations: dict[tuple[str, int], dict[str, int]] = {key: {} for key in columns}
    members: dict[str, list[str]] = {}
    # rows as lists, not dicts: the table's 35 000 rows are read on every check of a roster
    rows = csv.reader(
        io.StringIO(gzip.decompress((folder / "communes.csv.gz").read_bytes()).decode())
    )
    header = next(rows)
    code_at, name_at, siren_at, departement_at, epci_at = (
        header.index(column) for column in ("code", "name", "siren", "departement", "epci")
    )
    figures = [(populations[key], header.index(column)) for key, column in names.items()]
    for row in rows:
        code, epci = row[code_at], row[epci_at]
        communes[code] = Commune(code, row[name_at], row[siren_at], row[departement_at], epci)
        if epci:
            members.setdefault(epci, []).append(code)
        for by_code, at in figures:
            if row[at]:
                by_code[code] = int(row[at])
    epcis = {
        row["siren"]: Epci(
            row["siren"], row["name"], row["type"], tuple(members.get(row["siren"], ()))
        )
        for row in _rows((folder / "epci.csv.gz").read_bytes())
    }
    former = {
        row["old_code"]: FormerCommune(row["old_code"], row["old_name"], row["code"])
        for row in _rows((folder / "anciens-codes.csv.gz").read_bytes())
    }
    return OfficialTable(communes, epcis, former, populations, columns)


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
    return OfficialTable(bundled.communes, bundled.epcis, bundled.former, populations, columns)


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
