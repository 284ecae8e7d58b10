"""`servcommun bill` as a user runs it: a real process, from the repository or elsewhere."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT, run, run_process, write

ROSTER = ROOT / "examples" / "redon" / "roster.yaml"


def redon_config(folder: Path, roster: str) -> None:
    """A data directory billing the shipped Redon tariff with the roster ``roster``."""
    write(
        folder / "servcommun.toml",
        f"""
        [services.redon]
        tariffs = ["{ROOT / "tariffs" / "redon-agglomeration-2022.yaml"}"]
        roster = "{roster}"
    """,
    )


def bill_json(*args: str, cwd: Path = ROOT) -> dict:  # type: ignore[type-arg]
    result = run("bill", "--year", "2026", "--format", "json", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_follows_the_contract() -> None:
    data = bill_json()
    assert list(data)[:6] == ["service", "year", "currency", "statements", "needs_review", "total"]
    assert (data["service"], data["year"], data["currency"]) == ("redon-agglomeration", 2026, "EUR")
    for statement in data["statements"]:
        assert set(statement) >= {"member", "lines", "total"}
        # extra keys (DESIGN §4): the kind of population the statement was computed on
        assert set(statement["member"]) == {
            "id",
            "name",
            "population",
            "population_kind",
            "population_millesime",
        }
        assert statement["member"]["population_kind"] == "totale"
        assert statement["member"]["population_millesime"] == 2022
        assert isinstance(statement["member"]["id"], str)
        total = Decimal(0)
        for line in statement["lines"]:
            assert set(line) >= {"code", "label", "amount", "basis", "reference", "titled"}
            assert line["amount"] == f"{Decimal(line['amount']):.2f}"  # two decimals, text
            total += Decimal(line["amount"])
        assert Decimal(statement["total"]) == total
    assert Decimal(data["total"]) == sum(Decimal(s["total"]) for s in data["statements"])
    for review in data["needs_review"]:
        assert set(review) == {"member", "reason"}


def test_every_active_member_is_billed_or_needs_review() -> None:
    data = bill_json()
    billed = {s["member"]["id"] for s in data["statements"]}
    review = {r["member"]["id"] for r in data["needs_review"]}
    assert not billed & review
    # the example roster: 22 communes hold an offer in 2026, Massérac left at the end of 2025
    assert len(billed | review) == 21
    assert "44092" not in billed | review
    assert review == {"44067"}  # own IT department, no override


def test_example_roster_figures() -> None:
    data = bill_json()
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    # populations totale of millésime 2022 (examples/redon/roster.yaml)
    assert totals["35236"] == "6021.50"  # Redon, purchasing group above 8000: 3 500 + 0,25 × 10 086
    # audit 3 500 + socle 2 000 + 1,50 × 2 263 = 5 394,50, − the audit credit 3 500
    assert totals["35328"] == "5394.50"
    assert (
        totals["56154"] == "4851.50"
    )  # audit 2025, joined 2026 after the window: 2 000 + 2 851,50
    assert totals["35219"] == "9422.00"  # 2 500 + 1,50 × 3 948 = 8 422 + 5 half-days (9 − 6,5 days)
    # socle annexe complet: audit 990 + purchasing group 750 + 0,25 × 1 418 = 1 104,50
    assert totals["35145"] == "2094.50"
    assert totals["44128"] == "6400.00"  # override with its reference
    assert totals["35237"] == "3081.00"  # left on 30 June 2026, owes the year: 1 500 + 1 581
    assert data["total"] == "102949.00"  # the 20 statements above, worked out one by one
    lines = {
        line["code"]: line
        for s in data["statements"]
        if s["member"]["id"] == "35328"
        for line in s["lines"]
    }
    assert lines["socle-complet.audit-credit"]["amount"] == "-3500.00"
    assert lines["audit.price"]["titled"] == "2026-02"
    assert lines["socle-complet.fixed"] == {
        "code": "socle-complet.fixed",
        "label": "Part fixe",
        "amount": "2000.00",
        "basis": "bracket 1,500–2,999",
        "reference": "art. 7.1",
        "titled": "2027-01",
        "offer": "socle-complet",
        "part": "fixed",
        "rule": "bracket-amount",
        "basis_data": {"rule": "bracket-amount", "bracket": {"start": 1500, "end": 2999}},
    }


def test_member_option_and_staffing_of_the_whole_service() -> None:
    data = bill_json("--member", "35236")
    assert [s["member"]["id"] for s in data["statements"]] == ["35236"]
    assert data["staffing"]["members"] == 17
    assert data["staffing"]["fte"] == 2  # a JSON number, as simulate gives it


def test_unknown_member_is_an_error() -> None:
    result = run_process("bill", "--year", "2026", "--member", "99999")
    assert result.returncode == 1
    assert "no member 99999" in result.stderr and "Traceback" not in result.stderr


def test_table_shows_amounts_review_and_staffing() -> None:
    result = run("bill", "--year", "2026")
    assert result.returncode == 0, result.stderr
    out = result.stdout.replace("\u202f", " ").replace("\xa0", " ")
    assert "Redon" in out and "6,021.50" in out and "102,949.00" in out
    assert "Needs review" in out and "Guémené-Penfao" in out
    assert "17 socle-complet members → 2 FTE" in out
    assert "staff cost €80,000.00; contributions €102,949.00 cover 128.7% of it." in " ".join(
        out.split()
    )


def test_detail_shows_basis_and_article() -> None:
    result = run("bill", "--year", "2026", "--member", "35328", "--detail")
    out = result.stdout.replace("\u202f", " ").replace("\xa0", " ")
    assert "bracket 1,500–2,999" in out and "art. 7.2.1" in out and "-€3,500.00" in out


def test_csv_one_row_per_line() -> None:
    result = run("bill", "--year", "2026", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    billed = [row for row in rows if row["status"] == "billed"]
    assert sum(Decimal(row["amount"]) for row in billed) == Decimal("102949.00")
    assert {row["member_id"] for row in rows} >= {"35236", "35328"}


def test_csv_lists_the_members_needing_review_and_says_so_on_stderr() -> None:
    result = run("bill", "--year", "2026", "--format", "csv")
    assert result.returncode == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    review = [row for row in rows if row["status"] == "needs review"]
    assert [(row["member_id"], row["member_name"]) for row in review] == [
        ("44067", "Guémené-Penfao")
    ]
    (row,) = review
    assert row["amount"] == "" and row["code"] == "" and row["billed"] == "no"
    assert "propre service informatique" in row["reason"] and "art. 7.1 (*)" in row["reason"]
    assert {r["status"] for r in rows} == {"billed", "needs review"}
    assert all(r["reason"] == "" for r in rows if r["status"] == "billed")
    assert result.stderr.strip().splitlines()[-1] == (
        "warning: 1 member needs review: listed in the CSV with its reason and no amount "
        "(status 'needs review')"
    )
    # the JSON names the same members
    data = json.loads(run("bill", "--year", "2026", "--format", "json").stdout)
    assert {r["member"]["id"] for r in data["needs_review"]} == {r["member_id"] for r in review}
    assert {s["member"]["id"] for s in data["statements"]} == {
        r["member_id"] for r in rows if r["status"] == "billed"
    }
    # --strict fails on it, the CSV still written
    strict = run("bill", "--year", "2026", "--format", "csv", "--strict")
    assert strict.returncode == 1 and "44067" in strict.stdout
    # a member billed alone: nothing to review, nothing said
    alone = run("bill", "--year", "2026", "--format", "csv", "--member", "35236")
    assert alone.returncode == 0 and "review" not in alone.stderr


def test_strict_exits_1_when_a_member_needs_review() -> None:
    result = run("bill", "--year", "2026", "--strict", "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["needs_review"]  # the bill is still printed
    assert "1 member needs review (--strict)" in result.stderr


def test_output_refuses_to_replace_without_force(tmp_path: Path) -> None:
    target = tmp_path / "bill.json"
    target.write_text("old")
    result = run("bill", "--year", "2026", "--format", "json", "--output", str(target))
    assert result.returncode == 1 and target.read_text() == "old"
    assert "--force" in result.stderr
    result = run("bill", "--year", "2026", "--format", "json", "--output", str(target), "--force")
    assert result.returncode == 0 and json.loads(target.read_text())["total"] == "102949.00"
    assert [p.name for p in tmp_path.iterdir()] == ["bill.json"]  # no temporary file left


def test_bundled_example_without_config(tmp_path: Path) -> None:
    result = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "bundled Redon" in result.stderr and len(result.stderr.splitlines()) == 1
    assert json.loads(result.stdout)["total"] == "102949.00"


@pytest.mark.parametrize("format", ["table", "json", "csv", "xlsx"])
def test_a_file_written_from_the_bundled_example_says_so(tmp_path: Path, format: str) -> None:
    target = tmp_path / f"bill.{format}"
    result = run(
        "bill", "--year", "2026", "--format", format, "--output", str(target), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert target.exists()
    assert (
        f"{target}: written from the bundled Redon Agglomération example, not from data of "
        "yours (no servcommun.toml here or above)"
    ) in result.stderr.splitlines()
    # in a data directory, nothing of the kind
    (tmp_path / "data").mkdir()
    own = tmp_path / "data" / f"own.{format}"
    again = run("bill", "--year", "2026", "--format", format, "--output", str(own))
    assert again.returncode == 0 and "bundled" not in again.stderr


def test_config_found_in_a_parent_folder(tmp_path: Path) -> None:
    redon_config(tmp_path, "roster.csv")
    write(
        tmp_path / "roster.csv",
        """
        id,name,population_2026,own_it_department,socle-complet,audit,groupement-achats,days_2026
        01004,Ambérieu-en-Bugey,2355,non,2026-06-01,2026-02-15,,
        2A004,Ajaccio,9312,non,,,2024-01-01,
        35013,Bains-sur-Oust,3502,non,2023-01-01/2026-03-31,,,9
    """,
    )
    (tmp_path / "sub").mkdir()
    data = bill_json(cwd=tmp_path / "sub")
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    assert totals == {"01004": "5532.50", "2A004": "5828.00", "35013": "8753.00"}


TARIFF_LINE = 'tariffs = ["tariffs/redon-agglomeration-2022.yaml"]'
BAD_CONFIGS = {
    # servcommun.toml → its one-line error (exit 1, no traceback, in a real process)
    "[services.x]\ntariffs = [1]\n": "servcommun.toml:2:11: config-type 'tariffs' is a list "
    'of file paths (["tariffs/….yaml"]): 1 is an integer, not a path in quotes',
    f"[services.x]\n{TARIFF_LINE}\nroster = true\n": "servcommun.toml:3:10: config-type "
    "'roster' is a file path (a string), not a boolean",
    'services = "x"\n': "servcommun.toml:1:12: config-type 'services' is a table of services "
    "([services.<name>]), not a string",
    f'default = ["x"]\n[services.x]\n{TARIFF_LINE}\n': "servcommun.toml:1:11: config-type "
    "'default' is the name of a service (a string), not a list",
    f"[services.x]\n{TARIFF_LINE}\nrostr = 'r.yaml'\n": "servcommun.toml:3:1: config-key "
    "unknown key 'rostr' of [services.x] (did you mean 'roster'?); the keys are tariffs, "
    "roster, budgets, consumption, indices, epci, issuer",
    f'[services.x]\n{TARIFF_LINE}\nbudgets = "budget-{{annee}}.yaml"\n': "servcommun.toml:3:11: "
    "config-placeholder 'budgets' has the placeholder {annee}: the only placeholder is "
    "{year}, the year billed",
    f'[services.x]\n{TARIFF_LINE}\nbudgets = "budget-{{year.yaml"\n': "servcommun.toml:3:11: "
    "config-placeholder 'budgets' has a '{' or '}' that is not a placeholder: the only "
    "placeholder is {year}, the year billed, written with both braces",
    f'defaut = "x"\n[services.x]\n{TARIFF_LINE}\n': "servcommun.toml:1:1: config-key unknown "
    "key 'defaut' (did you mean 'default'?); the keys are default, services",
}


@pytest.mark.parametrize("text", BAD_CONFIGS)
def test_a_wrong_servcommun_toml_is_one_located_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "servcommun.toml").write_text(text, encoding="utf-8")
    result = run_process("bill", "--year", "2026", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [BAD_CONFIGS[text]]
    checked = run("check", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 1
    (found,) = json.loads(checked.stdout)["diagnostics"]
    assert (
        f"{found['file']}:{found['line']}:{found['column']}: {found['code']} " + found["message"]
        == (BAD_CONFIGS[text])
    )


def test_a_servcommun_toml_not_in_utf8_is_located(tmp_path: Path) -> None:
    (tmp_path / "servcommun.toml").write_bytes(
        f"# Fégréac\n[services.x]\n{TARIFF_LINE}\n".encode("latin-1")
    )
    result = run_process("bill", "--year", "2026", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "servcommun.toml:1:4: not-utf8 byte 0xe9 is not UTF-8: save the file as UTF-8"
    ]


def test_every_problem_of_servcommun_toml_at_once(tmp_path: Path) -> None:
    (tmp_path / "servcommun.toml").write_text(
        'default = "y"\n[services.x]\ntarifs = ["t.yaml"]\nbudgets = "b-{an}.yaml"\n',
        encoding="utf-8",
    )
    result = run("bill", "--year", "2026", cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split(" ", 2)[:2] for line in result.stderr.splitlines()] == [
        ["servcommun.toml:1:11:", "config"],  # default 'y' is not defined
        ["servcommun.toml:2:2:", "config"],  # service 'x' needs a 'tariffs' list
        ["servcommun.toml:3:1:", "config-key"],  # tarifs: did you mean 'tariffs'?
        ["servcommun.toml:4:11:", "config-placeholder"],
    ]


def test_tariffs_written_as_one_string_is_a_list_of_one(tmp_path: Path) -> None:
    """``tariffs = "t.yaml"`` names one file (it used to be read one character a path)."""
    redon_config(tmp_path, str(ROSTER))
    config = tmp_path / "servcommun.toml"
    text = config.read_text(encoding="utf-8")
    assert "tariffs = [" in text
    listed = bill_json(cwd=tmp_path)
    tariffs_line = next(line for line in text.splitlines() if line.startswith("tariffs"))
    single = tariffs_line.replace("[", "").replace("]", "")
    config.write_text(text.replace(tariffs_line, single), encoding="utf-8")
    assert bill_json(cwd=tmp_path) == listed


def test_a_year_written_twice_in_a_yaml_roster_is_an_error_at_the_second(
    tmp_path: Path,
) -> None:
    """2026 and "2026" are one year once read: the bill must not pick one of them."""
    redon_config(tmp_path, "roster.yaml")
    write(
        tmp_path / "roster.yaml",
        """
        service: redon
        members:
          - id: "35236"
            name: Redon
            population:
              2026: 7100
              "2026": 100
            subscriptions:
              - {offer: socle-complet, start: 2024-01-01}
    """,
    )
    result = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        'roster.yaml:7:7: duplicate-key key "2026" is 2026 of line 6 written another way: '
        "both are read as 2026, and only one value could be kept"
    ]


def test_a_csv_column_written_twice_is_an_error_at_the_second(tmp_path: Path) -> None:
    redon_config(tmp_path, "roster.csv")
    write(
        tmp_path / "roster.csv",
        """
        id,name,population_2026,own_it_department,socle-complet,population_2026
        35236,Redon,7100,non,2024-01-01,100
    """,
    )
    result = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "roster.csv:1:57: duplicate-column column 'population_2026' is repeated (first the "
        "column 3): only one value could be kept"
    ]


def test_version() -> None:
    result = run_process("--version")
    assert result.returncode == 0 and result.stdout.startswith("servcommun 0.")


def test_missing_year_is_a_usage_error() -> None:
    assert run_process("bill").returncode == 2


# -- bad input: one line per problem, file:line:col, exit 1, no traceback ------------------


def bad_roster(tmp_path: Path, roster: str) -> list[str]:
    redon_config(tmp_path, "roster.yaml")
    write(tmp_path / "roster.yaml", roster)
    result = run("bill", "--year", "2026", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    return result.stderr.splitlines()


def test_roster_syntax_error(tmp_path: Path) -> None:
    lines = bad_roster(
        tmp_path,
        """
        service: redon-agglomeration
        members:
          - id: "35013"
            name: [Bains
    """,
    )
    assert lines[0].startswith("roster.yaml:5:1: yaml-syntax")


def test_roster_unknown_offer_negative_population_impossible_date(tmp_path: Path) -> None:
    lines = bad_roster(
        tmp_path,
        """
        service: redon-agglomeration
        members:
          - id: "35013"
            name: Bains-sur-Oust
            population: {2026: -3502}
            subscriptions:
              - {offer: socle-complete, start: 2026-01-01}
          - id: "35014"
            name: Autre
            population: {2026: 12}
            subscriptions:
              - {offer: socle-complet, start: 2026-02-30}
    """,
    )
    assert "roster.yaml:12:39: yaml-date '2026-02-30' is not a calendar date" in lines
    fixed = (tmp_path / "roster.yaml").read_text().replace("2026-02-30", "2026-02-28")
    lines = bad_roster(tmp_path, fixed)
    assert lines[0].startswith(
        "roster.yaml:5:24: invalid-value 'population': Input should be greater than 0"
    )
    fixed = (tmp_path / "roster.yaml").read_text().replace("-3502", "3502")
    lines = bad_roster(tmp_path, fixed)
    assert lines[0].startswith(
        "roster.yaml:7:17: unknown-offer offer 'socle-complete' is not in the tariff"
    )


def test_insee_code_read_as_a_number(tmp_path: Path) -> None:
    lines = bad_roster(
        tmp_path,
        """
        service: redon-agglomeration
        members:
          - id: 01004
            name: Ambérieu-en-Bugey
            population: {2026: 14000}
          - id: 35013
            name: Bains-sur-Oust
            population: {2026: 3502}
    """,
    )
    assert lines[0].startswith(
        "roster.yaml:3:9: yaml-octal YAML 1.1 reads '01004' as the octal number 516"
    )
    fixed = (tmp_path / "roster.yaml").read_text().replace("01004", '"01004"')
    lines = bad_roster(tmp_path, fixed)
    assert lines == [
        "roster.yaml:6:9: wrong-type 'id': expected text, but 35013 is read as "
        "a number: quote it ('35013')"
    ]


def test_tariff_wrong_type(tmp_path: Path) -> None:
    text = (ROOT / "tariffs" / "redon-agglomeration-2022.yaml").read_text()
    write(tmp_path / "tariffs" / "t.yaml", text.replace('rate: "1.50"', "rate: beaucoup"))
    write(
        tmp_path / "servcommun.toml",
        f"""
        [services.redon]
        tariffs = ["tariffs/t.yaml"]
        roster = "{ROSTER}"
    """,
    )
    result = run("bill", "--year", "2026", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line_no = text.splitlines().index('        rate: "1.50"') + 1
    assert result.stderr.startswith(f"tariffs/t.yaml:{line_no}:15: wrong-type 'rate': ")


def test_roster_from_a_spreadsheet_set_to_french(tmp_path: Path) -> None:
    """Semicolons, a BOM, CRLF, decimal commas, spaces between thousands, DD/MM/YYYY
    dates and 'au' between two dates: what Excel or LibreOffice in French writes."""
    redon_config(tmp_path, "roster.csv")
    rows = [
        "id;name;population_2026;own_it_department;socle-complet;audit;groupement-achats;days_2026",
        "35013;Bains-sur-Oust;3 502;non;01/01/2023 au 30/06/2026;;;9,5",
        "35236;Redon;9\u202f312;non;;;01/01/2024;",
        "35328;Sixt-sur-Aff;2163;non;01/06/2026;10/02/2026;;",
    ]
    (tmp_path / "roster.csv").write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode())
    data = bill_json(cwd=tmp_path)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    # 2 500 + 3 502 × 1,50 + (9,5 − 6,5 = 3 days → 6 half-days × 200); Redon 3 500 + 2 328;
    # Sixt-sur-Aff: audit 3 500, socle 5 244,50 − 3 500 (joined within 6 months)
    assert totals == {"35013": "8953.00", "35236": "5828.00", "35328": "5244.50"}


def test_decimal_comma_is_refused_in_a_comma_separated_file(tmp_path: Path) -> None:
    # in a comma-separated file "1,500" could be one thousand five hundred: never guessed
    redon_config(tmp_path, "roster.csv")
    write(
        tmp_path / "roster.csv",
        """
        id,name,population_2026,socle-complet,days_2026
        35013,Bains-sur-Oust,3502,2023-01-01,"9,5"
    """,
    )
    result = run("bill", "--year", "2026", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("roster.csv:2:38: number-format 'quantity': '9,5'")


def imported_by(*args: str, cache: Path | None = None) -> set[str]:
    """The modules a `servcommun` process imports (``python -X importtime``), with its
    cache in ``cache`` if given."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    if cache is not None:
        env["SERVCOMMUN_CACHE"] = str(cache)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "servcommun", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_each_command_loads_only_what_it_uses(tmp_path: Path) -> None:
    """What keeps the finance officer's many runs short (README, Speed)."""
    csv_bill = ("bill", "--year", "2026", "--format", "csv")
    first = imported_by(*csv_bill, cache=tmp_path)
    assert {"servcommun.loader", "servcommun.engine.bill", "servcommun.render.csv"} <= first
    # no table, no other command for a CSV export (its basis column is said in the
    # language in use: Babel formats its numbers)
    assert (
        not {
            "rich.console",
            "servcommun.cli.simulate",
            "servcommun.cli.check",
            "servcommun.analysis",
        }
        & first
    )
    # the same files billed again: the bill comes from the cache, and neither Pydantic
    # (nor Typer's use of it), the models, YAML nor the engine is loaded
    again = imported_by(*csv_bill, cache=tmp_path)
    assert "servcommun.render.csv" in again
    assert not {"pydantic", "yaml", "servcommun.tariff", "servcommun.engine.bill"} & again
    table_run = imported_by("bill", "--year", "2026", cache=tmp_path)
    assert {"rich.console", "babel.numbers"} <= table_run
    assert not {"xlsxwriter", "fpdf", "pydantic"} & table_run
    assert "typer" not in imported_by("--version")


def test_a_csv_export_never_holds_a_formula_for_a_spreadsheet(tmp_path: Path) -> None:
    # OWASP's CSV injection: a name written as a formula is written inert, after a quote;
    # a credit's negative amount stays a number
    redon_config(tmp_path, "roster.yaml")
    write(
        tmp_path / "roster.yaml",
        """
        service: redon
        members:
          - id: "35328"
            name: '=HYPERLINK("http://exemple.invalid","Sixt")'
            population: {2026: 2163}
            subscriptions:
              - {offer: audit, delivered: 2026-02-10}
              - {offer: socle-complet, start: 2026-06-01}
    """,
    )
    result = run("bill", "--year", "2026", "--format", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    names = {row[1] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://exemple.invalid","Sixt")'}
    credit = next(row for row in rows if row[3] == "socle-complet.audit-credit")
    assert credit[8] == "-3500.00"  # 2 163 inhabitants: audit 3 500, credited in full


@pytest.mark.parametrize("name", ["roster.yaml", "servcommun.toml"])
def test_an_output_naming_an_input_is_refused_even_with_force(tmp_path: Path, name: str) -> None:
    redon_config(tmp_path, "roster.yaml")
    shutil.copy(ROSTER, tmp_path / "roster.yaml")
    before = (tmp_path / name).read_bytes()
    result = run(
        "bill", "--year", "2026", "--format", "csv", "--output", name, "--force", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"{name}:1:1: output-is-input this file is an input of ")
    assert (tmp_path / name).read_bytes() == before  # never replaced


def test_shell_completion_is_offered_and_completes_commands_and_choices() -> None:
    """`servcommun --install-completion` installs it; the shell then asks the program
    itself what follows what is typed (Click's protocol, through Typer)."""
    import os
    import subprocess
    import sys

    help_page = run("--help").stdout
    assert "--install-completion" in help_page and "--show-completion" in help_page

    def complete(words: str, index: int) -> list[str]:
        env = {
            **os.environ,
            "_SERVCOMMUN_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(index),
        }
        done = subprocess.run(
            [sys.executable, "-m", "servcommun"], env=env, capture_output=True, text=True
        )
        return done.stdout.split()

    assert complete("servcommun bi", 1) == ["bill"]
    assert complete("servcommun bill --format ", 3) == ["table", "json", "csv", "xlsx"]
