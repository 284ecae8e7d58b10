"""Build the bundled table of communes, EPCI and legal populations.

Reads the tarballs that ``npm pack @etalab/decoupage-administratif@VERSION`` downloads
(data INSEE and DGCL, Licence Ouverte; package MIT) and writes, into
``src/servcommun/data/``:

- ``communes.csv.gz``: one row per current commune (INSEE code, name, SIREN,
  département, EPCI SIREN) and its legal populations, one column per kind and year in
  force (``totale_2025``: the population totale in force on 1 January 2025);
- ``epci.csv.gz``: the EPCI à fiscalité propre (SIREN, name, type);
- ``anciens-codes.csv.gz``: the INSEE codes of former communes (merged into a commune
  nouvelle, or associated), with their name and the current commune's code;
- ``communes.json``: where each column comes from, and its millésime.

Usage: ``python scripts/communes.py [--tarballs DIR]`` (the tarballs missing from DIR are
fetched there with ``npm pack``). The output is byte-identical for the same tarballs.

Which millésime a package version carries was checked on its data, not taken from its
README's table: the legal populations of census year M are in force from 1 January M+3,
and each version ships two population sources of different millésimes:

- ``data/epci.json`` (members of each EPCI, from the DGCL's ``epcicom`` file of the
  year): population totale and municipale. 3.1.1: millésime 2020 (in force 2023);
  4.1.0: 2021 (2024); 5.3.0 and 6.0.0: 2022 (2025) -- 6.0.0's file is byte for byte
  5.3.0's, although its README names ``epcicom2026``.
- ``data/communes.json`` (``population``): population municipale only, of a later
  millésime when the package was rebuilt after INSEE's December publication. 3.1.1:
  2020; 4.1.0: 2022; 5.3.0 and 6.0.0: 2023 (in force 2026).

So the package gives the population totale in force in 2023, 2024 and 2025, and the
population municipale in force from 2023 to 2026; the population totale in force in 2026
(millésime 2023) is not in it (``servcommun population import`` reads INSEE's file).
``check_millesimes`` verifies these statements on the data each time the script runs.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
VERSIONS = ("3.1.1", "4.1.0", "5.3.0", "6.0.0")
CURRENT = "6.0.0"  # geography (codes, names, SIREN) of 1 January 2026
OUTPUT = Path(__file__).resolve().parent.parent / "src" / "servcommun" / "data"

# (kind, year in force) -> (package version, file); millésime = year in force - 3
SOURCES: dict[tuple[str, int], tuple[str, str]] = {
    ("totale", 2023): ("3.1.1", "epci.json"),
    ("municipale", 2023): ("3.1.1", "epci.json"),
    ("totale", 2024): ("4.1.0", "epci.json"),
    ("municipale", 2024): ("4.1.0", "epci.json"),
    ("totale", 2025): ("5.3.0", "epci.json"),
    ("municipale", 2025): ("5.3.0", "epci.json"),
    ("municipale", 2026): ("6.0.0", "communes.json"),
}
# communes.json files carrying the population municipale of a year in force, used for the
# communes outside any EPCI (some islands, the COM) where epci.json has no figure
MUNICIPALE_FALLBACK = {2023: "3.1.1", 2025: "4.1.0", 2026: "6.0.0"}
COLUMNS = [f"{kind}_{year}" for kind, year in SOURCES]


def tarball(directory: Path, version: str) -> Path:
    path = directory / f"etalab-decoupage-administratif-{version}.tgz"
    if not path.exists():
        subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{version}", "--pack-destination", str(directory)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def read_package(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as archive:

        def load(name: str) -> Any:
            member = archive.extractfile(f"package/data/{name}")
            assert member is not None, name
            return json.load(member)

        return {"communes.json": load("communes.json"), "epci.json": load("epci.json")}


def members(package: dict[str, Any]) -> dict[str, dict[str, int]]:
    """INSEE code -> {"totale": …, "municipale": …} from a version's EPCI members."""
    return {
        member["code"]: {
            "totale": member["populationTotale"],
            "municipale": member["populationMunicipale"],
        }
        for epci in package["epci.json"]
        for member in epci["membres"]
    }


def current_communes(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in package["communes.json"] if c["type"] == "commune-actuelle"}


def check_millesimes(packages: dict[str, dict[str, Any]]) -> None:
    """The millésimes stated in the module docstring, verified on the data."""

    def agreement(a: dict[str, int], b: dict[str, int]) -> float:
        common = [code for code in a if code in b]
        return sum(a[code] == b[code] for code in common) / len(common)

    def epci_kind(version: str, kind: str) -> dict[str, int]:
        return {code: p[kind] for code, p in members(packages[version]).items()}

    def commune_population(version: str) -> dict[str, int]:
        return {
            code: c["population"]
            for code, c in current_communes(packages[version]).items()
            if "population" in c
        }

    # 6.0.0's EPCI populations are 5.3.0's (millésime 2022), for both kinds
    for kind in ("totale", "municipale"):
        assert epci_kind("6.0.0", kind) == epci_kind("5.3.0", kind), kind
    # a communes.json population is the epci.json municipale of the millésime stated
    assert agreement(commune_population("3.1.1"), epci_kind("3.1.1", "municipale")) > 0.99
    assert agreement(commune_population("4.1.0"), epci_kind("5.3.0", "municipale")) > 0.99
    assert agreement(commune_population("6.0.0"), commune_population("5.3.0")) == 1
    # …and successive millésimes differ for most communes
    assert agreement(commune_population("6.0.0"), epci_kind("5.3.0", "municipale")) < 0.2
    assert agreement(epci_kind("4.1.0", "municipale"), epci_kind("3.1.1", "municipale")) < 0.2
    assert agreement(epci_kind("5.3.0", "municipale"), epci_kind("4.1.0", "municipale")) < 0.2


def build(packages: dict[str, dict[str, Any]]) -> dict[str, bytes]:
    check_millesimes(packages)
    current = packages[CURRENT]
    communes = current_communes(current)
    epci_of = {
        member["code"]: epci["code"] for epci in current["epci.json"] for member in epci["membres"]
    }
    figures = {version: members(packages[version]) for version in VERSIONS}
    fallback = {
        year: current_communes(packages[version]) for year, version in MUNICIPALE_FALLBACK.items()
    }

    def population(code: str, kind: str, year: int) -> str:
        version, source = SOURCES[kind, year]
        if source == "epci.json" and code in figures[version]:
            return str(figures[version][code][kind])
        if kind == "municipale" and year in fallback:
            value = fallback[year].get(code, {}).get("population")
            return "" if value is None else str(value)
        return ""

    rows = [
        [
            code,
            commune["nom"],
            commune.get("siren", ""),
            commune["departement"],
            epci_of.get(code, ""),
            *(population(code, kind, year) for kind, year in SOURCES),
        ]
        for code, commune in sorted(communes.items())
    ]
    epcis = sorted([e["code"], e["nom"], e["type"]] for e in current["epci.json"])

    former_names: dict[str, str] = {}
    for version in VERSIONS:  # the latest name wins
        for commune in packages[version]["communes.json"]:
            former_names[commune["code"]] = commune["nom"]
    former = sorted(
        [old, former_names.get(old, ""), code]
        for code, commune in communes.items()
        for old in commune.get("anciensCodes", ())
        if old not in communes
    )

    metadata = {
        "source": f"{PACKAGE} (npm), versions {', '.join(VERSIONS)}",
        "producers": "INSEE (code officiel géographique, populations légales), DGCL (EPCI)",
        "licence": "Licence Ouverte / Open Licence (data); MIT (package)",
        "geography": f"communes and names of {PACKAGE} {CURRENT} (1 January 2026); EPCI "
        "perimeters of its epci.json (DGCL, 1 January 2025)",
        "populations": {
            column: {
                "kind": kind,
                "in_force": year,
                "millesime": year - 3,
                "from": f"{PACKAGE} {version}, data/{source}",
            }
            for column, (kind, year), (version, source) in zip(
                COLUMNS, SOURCES, SOURCES.values(), strict=True
            )
        },
    }
    return {
        "communes.csv.gz": gzipped(
            ["code", "name", "siren", "departement", "epci", *COLUMNS], rows
        ),
        "epci.csv.gz": gzipped(["siren", "name", "type"], epcis),
        "anciens-codes.csv.gz": gzipped(["old_code", "old_name", "code"], former),
        "communes.json": (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode(),
    }


def gzipped(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarballs", type=Path, default=Path("build/npm"))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    arguments = parser.parse_args(argv)
    arguments.tarballs.mkdir(parents=True, exist_ok=True)
    packages = {v: read_package(tarball(arguments.tarballs, v)) for v in VERSIONS}
    arguments.output.mkdir(parents=True, exist_ok=True)
    for name, content in build(packages).items():
        (arguments.output / name).write_bytes(content)
        print(f"{arguments.output / name}: {len(content)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
