"""The bundled table of communes, EPCI and legal populations (``servcommun.communes``).

The known figures below were read in the package's JSON (``data/epci.json`` members'
``populationTotale``/``populationMunicipale``, ``data/communes.json`` ``population``) of
the version each year comes from (``src/servcommun/data/README.md``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from servcommun.communes import bundled_table, name_key, official_table

ROOT = Path(__file__).resolve().parents[1]


def test_counts_cover_every_commune_and_epci() -> None:
    table = bundled_table()
    assert len(table.communes) == 34_969  # communes actuelles of 6.0.0
    assert len(table.epcis) == 1_255
    # every commune in an EPCI but the islands and the collectivités d'outre-mer
    outside = [c for c in table.communes.values() if not c.epci]
    assert len(outside) == 98
    assert sum(len(e.members) for e in table.epcis.values()) == 34_871
    assert table.years("totale") == [2023, 2024, 2025]
    assert table.years("municipale") == [2023, 2024, 2025, 2026]


@pytest.mark.parametrize(
    ("code", "kind", "year", "value", "millesime"),
    [
        ("35236", "totale", 2025, 10_086, 2022),  # Redon, 5.3.0/6.0.0 epci.json
        ("35236", "municipale", 2025, 9_336, 2022),
        ("35236", "totale", 2024, 10_054, 2021),  # 4.1.0 epci.json
        ("35236", "municipale", 2024, 9_312, 2021),
        ("35236", "totale", 2023, 10_060, 2020),  # 3.1.1 epci.json
        ("35236", "municipale", 2023, 9_315, 2020),
        ("35236", "municipale", 2026, 9_542, 2023),  # 6.0.0 communes.json
        ("01004", "totale", 2025, 15_930, 2022),  # Ambérieu-en-Bugey
        ("2A004", "municipale", 2025, 75_343, 2022),  # Ajaccio
        ("75056", "totale", 2025, 2_129_257, 2022),  # Paris
        ("22016", "municipale", 2026, 429, 2023),  # Île-de-Bréhat, in no EPCI
    ],
)
def test_known_figures(code: str, kind: str, year: int, value: int, millesime: int) -> None:
    population = bundled_table().population(code, kind, year)
    assert population is not None
    assert (population.value, population.millesime, population.year) == (value, millesime, year)


def test_what_the_package_does_not_give() -> None:
    table = bundled_table()
    assert table.population("35236", "totale", 2026) is None  # millésime 2023: import it
    assert table.population("22016", "totale", 2025) is None  # no EPCI, no totale
    assert table.population("35236", "dgf", 2025) is None


def test_communes_and_former_codes() -> None:
    table = bundled_table()
    redon = table.commune("35236")
    assert redon is not None
    assert (redon.name, redon.siren, redon.departement, redon.epci) == (
        "Redon",
        "213502362",
        "35",
        "243500741",
    )
    assert table.commune("01340") is None
    former = table.former_commune("01340")
    assert former is not None and former.current == "01015"
    assert table.commune("01015").name == "Arboys en Bugey"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "wanted", ["243500741", "Redon Agglomération", "REDON AGGLOMERATION", "CA Redon Agglomération"]
)
def test_epci_by_siren_or_name(wanted: str) -> None:
    [epci] = bundled_table().find_epci(wanted)
    assert (epci.siren, epci.name, epci.type) == ("243500741", "CA Redon Agglomération", "CA")
    members = bundled_table().members_of(epci)
    assert len(members) == 31
    assert sum(bundled_table().population(c.code, "totale", 2025).value for c in members) == (  # type: ignore[union-attr]
        69_264  # the EPCI's populationTotale in 5.3.0's epci.json
    )


def test_epci_name_fragments() -> None:
    table = bundled_table()
    assert table.find_epci("nowhere at all") == []
    assert len(table.find_epci("Pays de")) > 1  # ambiguous: the command lists them


def test_name_key() -> None:
    assert name_key("Saint-Jean-d'Angély") == name_key("saint jean d angely")
    assert name_key("Bœurs-en-Othe") == "boeurs en othe"


def test_imported_populations_replace_the_bundled_ones(tmp_path: Path) -> None:
    (tmp_path / "populations").mkdir()
    (tmp_path / "populations" / "2023.csv").write_text(
        "code,name,municipale,totale\n35236,Redon,9542,10301\n", encoding="utf-8"
    )
    table = official_table(tmp_path)
    population = table.population("35236", "totale", 2026)
    assert population is not None
    assert (population.value, population.millesime) == (10_301, 2023)
    assert "populations/2023.csv" in population.source
    assert table.population("35236", "totale", 2025).value == 10_086  # type: ignore[union-attr]
    assert official_table(None) is bundled_table()


@pytest.mark.skipif(
    not os.environ.get("SERVCOMMUN_NPM_TARBALLS"),
    reason="set SERVCOMMUN_NPM_TARBALLS to a folder of the npm tarballs to rebuild the table",
)
def test_the_script_rebuilds_the_committed_table(tmp_path: Path) -> None:
    import subprocess
    import sys

    tarballs = os.environ["SERVCOMMUN_NPM_TARBALLS"]
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "communes.py"),
            "--tarballs",
            tarballs,
            "--output",
            str(tmp_path),
        ],
        check=True,
    )
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (ROOT / "src" / "servcommun" / "data" / path.name).read_bytes()
