"""What the commands themselves say — their help, their notes and usage errors — in the
words of the catalogue, with plurals that agree and figures formatted for the language."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run

COMMANDS = (
    ("bill",),
    ("check",),
    ("diff",),
    ("key", "derive"),
    ("plot", "grid"),
    ("plot", "schedule"),
    ("population", "import"),
    ("roster", "init"),
    ("schema",),
    ("simulate",),
    ("statements",),
    ("thresholds",),
)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_takes_lang_and_says_its_help(command: tuple[str, ...]) -> None:
    result = run(*command, "--lang", "en", "--help")
    assert result.returncode == 0, result.stderr
    assert "--lang" in result.stdout and "Language of what is written" in result.stdout
    # flags are flags: no "--force/--no-force [default: no-force]"
    assert "--no-" not in result.stdout and "[default: no-" not in result.stdout


def test_help_names_every_value_by_what_it_is() -> None:
    derive = run("key", "derive", "--help").stdout
    assert "--target AMOUNT" in derive and "--base AMOUNT" in derive and "_amount" not in derive
    assert "Usage: servcommun population import [OPTIONS] {FILE}" in (
        run("population", "import", "--help").stdout
    )


def test_a_csv_with_one_member_to_review_says_it_in_the_singular() -> None:
    result = run("bill", "--year", "2026", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert (
        "warning: 1 member needs review: listed in the CSV with its reason and no amount "
        "(status 'needs review')"
    ) in result.stderr
    french = run("bill", "--year", "2026", "--format", "csv", "--csv-dialect", "fr")
    assert "(status 'à examiner')" in french.stderr  # the value the French dialect writes


def test_a_table_ends_with_the_population_it_was_computed_on() -> None:
    result = run("bill", "--year", "2026")
    assert result.returncode == 0, result.stderr
    assert "Population: totale, in force on 1 January 2026, millésime 2022, INSEE via" in (
        " ".join(result.stdout.split())
    )


def test_an_amount_option_refuses_what_is_not_one() -> None:
    result = run("key", "derive", "--party", "ccas", "--target", "abc", "--take-from", "ville")
    assert result.returncode == 2
    assert "'abc' is not an amount (20000 or 20000.00)" in result.stderr
    cents = run("simulate", "--population", "2355", "--attribution", "12.345")
    assert cents.returncode == 2 and "'12.345' is not exact to the cent (185000.00)" in cents.stderr


def test_usage_errors_name_the_options() -> None:
    both = run("simulate", "--commune", "35236", "--member", "35236")
    assert both.returncode == 2
    assert both.stderr.strip().endswith("servcommun: --commune and --member: give one of them")
    act = run("simulate", "--population", "2355", "--offer", "socle-complet", "--act", "x")
    assert act.returncode == 2
    assert "servcommun: --act x: write UNIT=QUANTITY (--act permis-construire=30)" in act.stderr
    sides = run("diff", "--year", "2026")
    assert sides.returncode == 2
    assert "servcommun: give two --tariff files (one --year), or two --year" in sides.stderr


def test_a_picture_names_each_offer_with_how_often_it_is_billed(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    picture = tmp_path / "grid.svg"
    result = run("plot", "grid", "--year", "2026", "--output", str(picture))
    assert result.returncode == 0, result.stderr
    assert f"wrote {picture}" in result.stderr
    legend = picture.read_text(encoding="utf-8")
    assert "<!-- Socle complet (annual) -->" in legend and "<!-- Audit (one-off) -->" in legend
