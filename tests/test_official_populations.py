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
    assert "35013 Bains-sur-Oust: population totale 3684 in force in 2025 (millésime 2022" in err


def test_simulate_2026_takes_the_latest_totale_and_says_so(here: Path) -> None:
    code, out, err = invoke(
        "simulate", "--commune", "35236", "--offer", "audit", "--from-year", "2026",
        "--to-year", "2026", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["member"] == {"name": "Redon", "population": 10_086}
    assert "population totale 10086 in force in 2025 (millésime 2022" in err


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
        "Ambérieu-en-Bugey in force in 2025 is 15930 (millésime 2022, INSEE via "
        "@etalab/decoupage-administratif), not 15931",
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
            populations: {totale: {2025: 10080}}
        """,
    )
    result = run("check", "tariff.yaml", "roster.yaml", cwd=here)
    rows = [row for row in result.stdout.splitlines() if row.startswith("roster.yaml:")]
    # the municipale figures are the official ones (5.3.0 epci.json, 6.0.0 communes.json)
    assert rows == [
        "roster.yaml:7:34: population-official warning: the population totale of 35236 Redon "
        "in force in 2025 is 10086 (millésime 2022, INSEE via @etalab/decoupage-administratif), "
        "not 10080"
    ]
