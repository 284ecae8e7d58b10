"""The official table used by the commands: simulate --commune, check, population import."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, run, write
from servcommun.cli.commands import application


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no servcommun.toml: the bundled Redon example
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(application(args), list(args))
    return result.exit_code, result.stdout, result.stderr


# -- simulate --commune -------------------------------------------------------------------


def test_simulate_takes_the_communes_name_and_official_population(here: Path) -> None:
    code, out, err = invoke(
        "simulate", "--commune", "35013", "--offer", "socle-complet", "--from-year", "2025",
        "--to-year", "2025", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    # Bains-sur-Oust, population totale in force in 2025 (5.3.0 epci.json): 3 684
    assert data["member"] == {"name": "Bains-sur-Oust", "population": 3684}
    # art. 7.1, bracket 3000–8000: 2 500 + 3 684 × 1,50 = 2 500 + 5 526 = 8 026,00 €
    assert data["years"][0]["total"] == "8026.00"
    assert "35013 Bains-sur-Oust: population totale 3,684 in force in 2025 (millésime 2022" in err


def test_simulate_2026_takes_the_latest_totale_and_says_so(here: Path) -> None:
    code, out, err = invoke(
        "simulate", "--commune", "35236", "--offer", "audit", "--from-year", "2026",
        "--to-year", "2026", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["member"] == {"name": "Redon", "population": 10_086}
    assert "population totale 10,086 in force in 2025 (millésime 2022" in err


def test_simulate_population_given_wins(here: Path) -> None:
    code, out, err = invoke(
        "simulate", "--commune", "35013", "--population", "2355", "--offer", "socle-complet",
        "--from-year", "2026", "--to-year", "2026", "--format", "json", "--name", "Bains",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["member"] == {"name": "Bains", "population": 2355}
    assert data["years"][0]["total"] == "5532.50"  # the convention's own example


def test_simulate_unknown_commune(here: Path) -> None:
    code, _, err = invoke("simulate", "--commune", "99999", "--offer", "audit")
    assert code == 1
    assert err.splitlines()[-1] == (
        "--commune: unknown-commune '99999' is not the INSEE code of a commune"
    )
    code, _, err = invoke("simulate", "--commune", "35013", "--member", "35013", "--offer", "audit")
    assert code == 2


# -- check against the official table -------------------------------------------------------


def test_check_gives_the_three_warnings_each_at_its_line(here: Path) -> None:
    shutil.copy(ROOT / "tests" / "errors" / "_valid" / "tariff.yaml", here / "tariff.yaml")
    write(
        here / "roster.yaml",
        """
        service: exemple
        members:
          - id: "01004"
            name: Ambérieu-en-Bugey
            population: {2025: 15931}
          - id: "01340"
            name: Saint-Bois
            population: {2025: 300}
          - id: "35013"
            name: Bain-sur-Oust
            population: {2025: 3684, 2026: 3535}
        """,
    )
    result = run("check", "tariff.yaml", "roster.yaml", cwd=here)
    assert result.returncode == 0, result.stdout
    rows = [row for row in result.stdout.splitlines() if row.startswith("roster.yaml:")]
    assert rows == [
        "roster.yaml:5:24: population-official warning: the population totale of 01004 "
        "Ambérieu-en-Bugey in force in 2025 is 15,930 (millésime 2022, INSEE via "
        "@etalab/decoupage-administratif), not 15,931",
        "roster.yaml:6:9: former-commune warning: 01340 Saint-Bois is no longer a commune: it "
        "is part of 01015 Arboys en Bugey; write the current code and name",
        "roster.yaml:10:11: commune-name warning: 'Bain-sur-Oust' is not the official name of "
        "35013: 'Bains-sur-Oust'",
    ]
    assert result.stdout.splitlines()[-1] == "2 files checked, no problems, 3 warnings"
    assert run("check", "tariff.yaml", "roster.yaml", "--strict", cwd=here).returncode == 1


def test_check_compares_the_kind_the_roster_names(here: Path) -> None:
    shutil.copy(ROOT / "tests" / "errors" / "_valid" / "tariff.yaml", here / "tariff.yaml")
    write(
        here / "roster.yaml",
        """
        service: exemple
        population: {kind: municipale}
        members:
          - id: "35236"
            name: REDON
            population: {2025: 9336, 2026: 9542}
            populations: {totale: {2025: 10080, 2026: 10300}}
        """,
    )
    result = run("check", "tariff.yaml", "roster.yaml", cwd=here)
    rows = [row for row in result.stdout.splitlines() if row.startswith("roster.yaml:")]
    # the municipale figures are the official ones (5.3.0 epci.json, 6.0.0 communes.json)
    assert rows == [
        "roster.yaml:7:34: population-official warning: the population totale of 35236 Redon "
        "in force in 2025 is 10,086 (millésime 2022, INSEE via @etalab/decoupage-administratif), "
        "not 10,080"
    ]


# -- population import --------------------------------------------------------------------

# INSEE's donnees_communes.csv layout (figures made up for the test), saved in Latin-1
INSEE_CSV = (
    "REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;Commune;PMUN;PCAP;PTOT\n"
    "53;Bretagne;35;352;3512;236;35236;Redon;9542;759;10301\n"
    "53;Bretagne;35;352;3512;013;35013;Bains-sur-Oust;3535;150;3685\n"
    "84;Auvergne-Rhône-Alpes;01;011;0104;004;01004;Ambérieu-en-Bugey;16 120;380;16 500\n"
)
# the spreadsheet's « Communes » sheet saved as CSV: title lines, then the header
SHEET_CSV = (
    "Recensement de la population;;;;;;;;;\n"
    "Populations légales des communes en vigueur au 1er janvier 2027;;;;;;;;;\n"
    ";;;;;;;;;\n"
    "Code région;Nom de la région;Code département;Code arrondissement;Code canton;"
    "Code commune;Nom de la commune;Population municipale;Population comptée à part;"
    "Population totale\n"
    "94;Corse;2A;1;1;004;Ajaccio;76 500;1 000;77 500\n"
)


def data_directory(here: Path) -> None:
    shutil.copy(ROOT / "tariffs" / "redon-agglomeration-2022.yaml", here / "tariff.yaml")
    write(here / "servcommun.toml", '[services.redon-agglomeration]\ntariffs = ["tariff.yaml"]\n')


def test_population_import_then_used_by_roster_init_and_check(here: Path) -> None:
    data_directory(here)
    (here / "donnees_communes.csv").write_bytes(INSEE_CSV.encode("latin-1"))
    code, _, err = invoke("population", "import", "donnees_communes.csv", "--millesime", "2023")
    assert code == 0, err
    assert err.splitlines()[-1].endswith(
        "populations/2023.csv: 3 communes, millésime 2023, in force from 1 January 2026"
    )
    assert (here / "populations" / "2023.csv").read_text(encoding="utf-8") == (
        "code,name,municipale,totale\n"
        "01004,Ambérieu-en-Bugey,16120,16500\n"
        "35013,Bains-sur-Oust,3535,3685\n"
        "35236,Redon,9542,10301\n"
    )
    code, _, err = invoke("roster", "init", "--commune", "35236", "--year", "2026", "-o", "r.yaml")
    assert code == 0, err
    roster = (here / "r.yaml").read_text(encoding="utf-8")
    assert "  millesimes: {2026: 2023}\n" in roster
    assert '  source: "INSEE (populations/2023.csv)"\n' in roster
    assert "    population: {2026: 10301}\n" in roster
    write(
        here / "roster.yaml",
        """
        service: redon-agglomeration
        members:
          - {id: "35013", name: Bains-sur-Oust, population: {2026: 3535}}
        """,
    )
    result = run("check", "tariff.yaml", "roster.yaml", cwd=here)
    assert (
        "roster.yaml:3:60: population-official warning: the population totale of 35013 "
        "Bains-sur-Oust in force in 2026 is 3,685 (millésime 2023, INSEE "
        "(populations/2023.csv)), not 3,535"
    ) in result.stdout
    again = invoke("population", "import", "donnees_communes.csv", "--millesime", "2023")
    assert again[0] == 1 and "output-exists" in again[2]


def test_population_import_of_the_spreadsheet_layout(here: Path) -> None:
    data_directory(here)
    (here / "communes-2024.csv").write_text(SHEET_CSV, encoding="utf-8")
    code, _, err = invoke("population", "import", "communes-2024.csv")  # millésime from the name
    assert code == 0, err
    assert err.splitlines()[-1].endswith(
        "populations/2024.csv: 1 commune, millésime 2024, in force from 1 January 2027"
    )
    assert (here / "populations" / "2024.csv").read_text(encoding="utf-8") == (
        "code,name,municipale,totale\n2A004,Ajaccio,76500,77500\n"
    )


def test_population_import_bad_rows_at_their_place(here: Path) -> None:
    data_directory(here)
    (here / "bad.csv").write_text("COM;Commune;PMUN;PTOT\n3523;Redon;9542;10301\n35013;Bains;x;3\n")
    code, _, err = invoke("population", "import", "bad.csv", "--millesime", "2023")
    assert code == 1 and "Traceback" not in err
    assert err.splitlines() == [
        "bad.csv:2:1: population-code '3523' is not an INSEE commune code",
        "bad.csv:3:13: population-number population municipale 'x' is not a number",
    ]
    (here / "other.csv").write_text("a;b\n1;2\n")
    code, _, err = invoke("population", "import", "other.csv", "--millesime", "2023")
    assert code == 1 and err.startswith("other.csv:1:1: population-columns ")
    assert not (here / "populations" / "2023.csv").exists()
    code, _, err = invoke("population", "import", "bad.csv")  # no millésime
    assert code == 2 and err.strip() == "bad.csv: give its millésime (--millesime 2023)"


# -- the population kind the tariff bills on ------------------------------------------------

TWO_KINDS = """
service: redon-agglomeration
population: {kind: municipale, millesimes: {2025: 2022}, source: INSEE}
members:
  - id: "35236"
    name: Redon
    population: {2025: 9336}
    populations: {totale: {2025: 10086}}
    subscriptions:
      - {offer: groupement-achats, start: 2024-01-01}
"""


def two_kinds(here: Path, kind: str) -> None:
    tariff = (ROOT / "tariffs" / "redon-agglomeration-2022.yaml").read_text(encoding="utf-8")
    assert "  kind: totale\n" in tariff
    (here / "tariff.yaml").write_text(tariff.replace("  kind: totale\n", f"  kind: {kind}\n"))
    write(here / "roster.yaml", TWO_KINDS)
    write(
        here / "servcommun.toml",
        '[services.redon-agglomeration]\ntariffs = ["tariff.yaml"]\nroster = "roster.yaml"\n',
    )


@pytest.mark.parametrize(
    ("kind", "population", "total"),
    [
        # art. 7.2.2, above 8 000: 3 500 + 0,25 × 10 086 = 3 500 + 2 521,50 = 6 021,50 €
        ("totale", 10_086, "6021.50"),
        # 3 500 + 0,25 × 9 336 = 3 500 + 2 334 = 5 834,00 €
        ("municipale", 9_336, "5834.00"),
    ],
)
def test_the_tariffs_kind_picks_the_figure(
    here: Path, kind: str, population: int, total: str
) -> None:
    two_kinds(here, kind)
    result = run("bill", "--year", "2025", "--format", "json", cwd=here)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [statement] = data["statements"]
    assert statement["member"] == {
        "id": "35236",
        "name": "Redon",
        "population": population,
        "population_kind": kind,
        "population_millesime": 2022,
    }
    assert statement["total"] == total
    assert data["population"] == {
        "kind": kind,
        "in_force": 2025,
        "millesime": 2022,
        "source": "INSEE",
    }
    table = run("bill", "--year", "2025", cwd=here)
    assert f"Population: {kind}, in force on 1 January 2025, millésime 2022, INSEE." in table.stdout


def test_a_roster_without_the_tariffs_kind_is_an_error(here: Path) -> None:
    two_kinds(here, "totale")
    write(here / "roster.yaml", TWO_KINDS.replace("    populations: {totale: {2025: 10086}}\n", ""))
    result = run("check", cwd=here)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "roster.yaml:6:24: population-kind the tariff bills on the population totale; this "
        "figure is the population municipale (the roster's population kind): give the "
        "member's totale of 2025 in 'populations: {totale: {2025: …}}'"
    )
    billed = run("bill", "--year", "2025", cwd=here)
    assert billed.returncode == 1 and billed.stderr.startswith("roster.yaml:6:24: population-kind")


def test_bill_does_not_load_the_official_table() -> None:
    from test_cli_bill import imported_by

    modules = imported_by("bill", "--year", "2026", "--format", "json")
    assert "servcommun.population_basis" in modules
    assert not {"servcommun.communes", "servcommun.official_checks", "gzip"} & modules
