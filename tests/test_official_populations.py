"""The official table used by the commands: simulate --commune, check, population import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

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
