"""``servcommun roster init``: a roster of an EPCI's communes from the official table."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, run, write
from servcommun.cli.commands import application

REDON_TARIFF = ROOT / "tariffs" / "redon-agglomeration-2022.yaml"


def init(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(application(["roster"]), ["roster", "init", *args])
    return result.exit_code, result.output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_redon_agglomeration_roster_is_checked_and_billed(here: Path) -> None:
    result = run("roster", "init", "--epci", "243500741", "--output", "r.yaml", cwd=here)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "r.yaml: 31 communes, population totale in force in 2023 (millésime 2020), "
        "2024 (millésime 2021), 2025 (millésime 2022)"
    )
    roster = yaml.safe_load((here / "r.yaml").read_text(encoding="utf-8"))
    assert roster["service"] == "redon-agglomeration"
    assert roster["population"] == {
        "kind": "totale",
        "millesimes": {2023: 2020, 2024: 2021, 2025: 2022},
        "source": "INSEE via @etalab/decoupage-administratif (Licence Ouverte)",
    }
    members = roster["members"]
    assert len(members) == 31 and not any("subscriptions" in m for m in members)
    redon = next(m for m in members if m["id"] == "35236")
    # population totale of Redon, epci.json of 3.1.1, 4.1.0 and 5.3.0
    assert redon == {
        "id": "35236",
        "name": "Redon",
        "siren": "213502362",
        "population": {2023: 10_060, 2024: 10_054, 2025: 10_086},
    }
    assert sum(m["population"][2025] for m in members) == 69_264  # the EPCI's totale
    checked = run("check", str(REDON_TARIFF), "r.yaml", cwd=here)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # a data directory billing it
    write(
        here / "servcommun.toml",
        f"""
        [services.redon-agglomeration]
        tariffs = ["{REDON_TARIFF}"]
        roster = "r.yaml"
        """,
    )
    billed = run("bill", "--year", "2025", "--format", "json", cwd=here)
    assert billed.returncode == 0, billed.stderr
    assert '"statements": []' in billed.stdout  # no subscription yet


def test_csv_roster_by_extension(here: Path) -> None:
    code, output = init(
        here, "--epci", "Redon Agglomération", "--output", "r.csv", "--year", "2025"
    )
    assert code == 0, output
    lines = (here / "r.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,name,siren,population_2025"
    assert "35236,Redon,213502362,10086" in lines
    assert len(lines) == 32


def test_added_commune_and_kind(here: Path) -> None:
    code, output = init(
        here, "--commune", "35236", "--kind", "municipale", "--year", "2026", "-o", "r.yaml"
    )
    assert code == 0, output
    roster = yaml.safe_load((here / "r.yaml").read_text(encoding="utf-8"))
    assert roster["population"]["millesimes"] == {2026: 2023}
    assert roster["members"] == [
        {"id": "35236", "name": "Redon", "siren": "213502362", "population": {2026: 9_542}}
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--epci", "nowhere"],
            "--epci: unknown-epci no EPCI à fiscalité propre named or numbered 'nowhere'",
        ),
        (["--epci", "Pays de"], "--epci: ambiguous-epci 'Pays de' matches"),
        (
            ["--commune", "01340"],
            "--commune: unknown-commune '01340' is not the INSEE code of "
            "a commune: it is now part of 01015",
        ),
        (
            ["--commune", "35236", "--year", "2026"],
            "--year: no-official-population the "
            "official table has no population totale in force in 2026",
        ),
        ([], "--epci: no-member give --epci or --commune"),
    ],
)
def test_bad_input_is_one_line(here: Path, args: list[str], message: str) -> None:
    code, output = init(here, *args, "-o", "r.yaml")
    assert code == 1
    assert output.splitlines()[-1].startswith(message), output
    assert "Traceback" not in output and not (here / "r.yaml").exists()


def test_no_clobber(here: Path) -> None:
    (here / "r.yaml").write_text("mine", encoding="utf-8")
    code, output = init(here, "--commune", "35236", "-o", "r.yaml")
    assert code == 1 and "r.yaml:1:1: output-exists" in output
    assert (here / "r.yaml").read_text(encoding="utf-8") == "mine"
    code, output = init(here, "--commune", "35236", "-o", "r.yaml", "--force")
    assert code == 0 and "Redon" in (here / "r.yaml").read_text(encoding="utf-8")


def test_usage_errors(here: Path) -> None:
    assert init(here, "--commune", "35236", "-o", "r.txt")[0] == 2
    assert init(here, "--commune", "35236", "--kind", "dgfx", "-o", "r.yaml")[0] == 2
