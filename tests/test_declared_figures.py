"""Figures members declare by year (a salary mass of N-1), billed as a percentage by
``percent-of-figure``: the year read, percentages by year, rounding, statutory ceilings,
rosters in YAML and CSV, and members lacking their figure."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from conftest import ROOT, run
from servcommun.diagnostics import InputError
from servcommun.engine.bill import bill_member
from servcommun.engine.result import NeedsReview, Statement
from servcommun.loader import load_roster, load_tariff
from servcommun.render.words import say
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff

CDG = ROOT / "tariffs" / "examples" / "cotisation-cdg.yaml"


def _cdg() -> Tariff:
    tariff = load_tariff(CDG)
    assert isinstance(tariff, Tariff)
    return tariff


def _member(figures: dict[int, str], start: str = "2026-01-01") -> Member:
    return Member(
        id="35001",
        name="Commune affiliée",
        population={2026: 1000, 2027: 1000},
        figures={"masse_salariale": {year: Decimal(value) for year, value in figures.items()}},
        subscriptions=(Subscription(offer="cotisation", start=dt.date.fromisoformat(start)),),
    )


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    """The example tariff with ``old`` written ``new``, without its worked examples."""
    text = CDG.read_text(encoding="utf-8").split("\nexamples:")[0] + "\n"
    assert old in text
    path = tmp_path / "cdg.yaml"
    path.write_text(text.replace(old, new).replace("../../schema/", ""), encoding="utf-8")
    return path


def test_the_salary_mass_of_the_year_before_at_the_rate_of_the_billed_year() -> None:
    tariff = _cdg()
    member = _member({2025: "1234567.89", 2026: "2000000.00"})
    billed = bill_member(tariff, member, 2026)
    assert isinstance(billed, Statement)
    # 2026 reads the salary mass of 2025: 1 234 567,89 × 0,80 % = 9 876,543 12 → 9 876,54
    assert [(line.code, line.amount) for line in billed.lines] == [
        ("cotisation.masse-salariale", Decimal("9876.54"))
    ]
    assert say(billed.lines[0].basis) == (
        "0.8% of the declared masse salariale 2025 (€1,234,567.89) "
        "(rate from 01/01/2026, délibération EXEMPLE-2025-40)"
    )
    later = bill_member(tariff, member, 2027)
    assert isinstance(later, Statement)
    # 2027 reads 2026's, at the rate from 1 January 2027: 2 000 000 × 0,75 % = 15 000,00
    assert [line.amount for line in later.lines] == [Decimal("15000.00")]
    assert "0.75% of the declared masse salariale 2026 (€2,000,000.00)" in say(later.lines[0].basis)
    assert "rate from 01/01/2027, délibération EXEMPLE-2026-12" in say(later.lines[0].basis)


def test_a_member_lacking_its_figure_for_the_year_needs_review_with_the_reason() -> None:
    # a salary mass of 2026 does not stand for 2025's: never billed 0, never dropped
    missing = bill_member(_cdg(), _member({2026: "402113.17"}), 2026)
    assert isinstance(missing, NeedsReview)
    assert say(missing.reason) == (
        "Cotisation obligatoire: the roster gives no masse salariale ('masse_salariale') for 2025"
    )


def test_the_shipped_cdg_example_billed_through_the_cli() -> None:
    result = run("bill", "--service", "cdg", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    # Redon: 6 843 210,55 × 0,80 % = 54 745,684 4 → 54 745,68
    # Pipriac: 1 187 400,00 × 0,80 % = 9 499,20
    assert totals == {"35236": "54745.68", "35219": "9499.20"}
    assert data["total"] == "64244.88"
    # Langon declared its 2024 salary mass only
    assert [r["member"]["id"] for r in data["needs_review"]] == ["35145"]
    assert "masse salariale ('masse_salariale') for 2025" in data["needs_review"][0]["reason"]
    line = data["statements"][0]["lines"][0]
    assert line["basis_data"] == {
        "rule": "percent-of-figure",
        "percent": "0.80",
        "label": "masse salariale",
        "year": 2025,
        "value": "6843210.55",
        "dated": {"start": "2026-01-01", "reference": "délibération EXEMPLE-2025-40"},
    }
    later = json.loads(run("bill", "--service", "cdg", "--year", "2027", "--format", "json").stdout)
    # Redon: 7 012 345,67 × 0,75 % = 52 592,592 525 → 52 592,59
    # Pipriac: 1 203 950,40 × 0,75 % = 9 029,628 → 9 029,63
    assert {s["member"]["id"]: s["total"] for s in later["statements"]} == {
        "35236": "52592.59",
        "35219": "9029.63",
    }


def test_the_statement_says_the_base_in_french() -> None:
    result = run("--lang", "fr", "bill", "--service", "cdg", "--year", "2026", "--format", "json")
    basis = json.loads(result.stdout)["statements"][0]["lines"][0]["basis"]
    assert basis == (
        "0,8\u00a0% de l\u2019assiette déclarée «\u00a0masse salariale 2025\u00a0» "
        "(6\u202f843\u202f210,55\u00a0€) (taux applicable à compter du 01/01/2026, "
        "délibération EXEMPLE-2025-40)"
    )


def test_rounding_half_up_unless_the_tariff_says_otherwise(tmp_path: Path) -> None:
    # 1 000,63 × 0,80 % = 8,005 04: half-up → 8,01; down → 8,00
    member = _member({2025: "1000.63"})
    half_up = bill_member(_cdg(), member, 2026)
    assert isinstance(half_up, Statement)
    assert [line.amount for line in half_up.lines] == [Decimal("8.01")]
    down = load_tariff(
        _variant(tmp_path, "        ceiling:", "        rounding: down\n        ceiling:")
    )
    truncated = bill_member(down, member, 2026)
    assert isinstance(truncated, Statement)
    assert [line.amount for line in truncated.lines] == [Decimal("8.00")]


def test_a_rate_above_its_statutory_ceiling_is_refused_at_its_line(tmp_path: Path) -> None:
    path = _variant(tmp_path, 'percent: "0.75"', 'percent: "0.85"')
    try:
        load_tariff(path)
    except InputError as error:
        found = [(d.code, d.line, say(d.message)) for d in error.diagnostics]
    else:
        raise AssertionError("a rate above its ceiling was accepted")
    line = next(
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if '"0.85"' in text
    )
    assert found == [
        (
            "rate-ceiling",
            line,
            "0.85% is above the ceiling of 0.8% set by CGFP art. L452-16 (à vérifier): "
            'write at most "0.80"',
        )
    ]


def test_a_rate_changing_mid_year_or_after_the_tariff_is_refused(tmp_path: Path) -> None:
    mid_year = _variant(tmp_path, "{from: 2027-01-01, percent", "{from: 2027-07-01, percent")
    try:
        load_tariff(mid_year)
    except InputError as error:
        codes = [d.code for d in error.diagnostics]
    else:
        raise AssertionError("a rate from 1 July was accepted")
    assert codes == ["rate-start"]
    ended = _variant(
        tmp_path, "valid_from: 2026-01-01\n", "valid_from: 2026-01-01\nvalid_until: 2026-12-31\n"
    )
    try:
        load_tariff(ended)
    except InputError as error:
        said = [(d.code, say(d.message)) for d in error.diagnostics]
    else:
        raise AssertionError("a rate after the tariff's end was accepted")
    assert [code for code, _ in said] == ["rate-start"]
    assert said[0][1] == (
        "the rate from 01/01/2027 starts after the tariff ends (31/12/2026): it would never "
        "apply; write it in the next version"
    )


def test_a_csv_roster_gives_figures_by_year_in_columns(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id;name;population_2026;masse_salariale_2025;masse_salariale_2026;cotisation\n"
        "35236;Redon;10086;6 843 210,55;7 012 345,67;01/01/2026\n"
        "35145;Langon;1418;;402113,17;01/01/2026\n",
        encoding="utf-8",
    )
    tariff = _cdg()
    members = load_roster(roster, tariff).members
    assert members[0].figures == {
        "masse_salariale": {2025: Decimal("6843210.55"), 2026: Decimal("7012345.67")}
    }
    assert members[1].figures == {"masse_salariale": {2026: Decimal("402113.17")}}
    assert isinstance(bill_member(tariff, members[1], 2026), NeedsReview)
    # an amount figure not to the cent: refused at its cell
    roster.write_text(
        "id;name;population_2026;masse_salariale_2025;cotisation\n"
        "35236;Redon;10086;6843210,555;01/01/2026\n",
        encoding="utf-8",
    )
    try:
        load_roster(roster, tariff)
    except InputError as error:
        found = [(d.code, d.line, d.column) for d in error.diagnostics]
    else:
        raise AssertionError("a salary mass of a tenth of a cent was accepted")
    assert found == [("figure-kind", 2, 19)]


def test_a_rate_per_inhabitant_above_its_ceiling_is_refused(tmp_path: Path) -> None:
    text = (ROOT / "tests" / "errors" / "per-inhabitant-ceiling.yaml").read_text(encoding="utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace('rate: "2.10"', 'rate: "2.00"'), encoding="utf-8")
    tariff = load_tariff(path)  # at the ceiling: accepted
    commune = Member(
        id="35236",
        name="Redon",
        population={2027: 10086},
        subscriptions=(Subscription(offer="socle", start=dt.date(2026, 1, 1)),),
    )
    billed = bill_member(tariff, commune, 2027)
    assert isinstance(billed, Statement)
    # 10 086 × 2,00 = 20 172,00 (the rate from 1 January 2027)
    assert [line.amount for line in billed.lines] == [Decimal("20172.00")]
    path.write_text(text, encoding="utf-8")
    try:
        load_tariff(path)
    except InputError as error:
        said = [(d.code, d.line, d.column, say(d.message)) for d in error.diagnostics]
    else:
        raise AssertionError("a rate above its ceiling was accepted")
    assert said == [
        (
            "rate-ceiling",
            22,
            38,
            "€2.10 per inhabitant is above the ceiling of €2.00 set by statuts art. 12: write "
            'at most "2.00"',
        )
    ]


def test_a_csv_column_of_no_declared_figure_names_the_figure_columns(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id;name;population_2026;masse_salarial_2025;cotisation\n"
        "35236;Redon;10086;6843210,55;01/01/2026\n",
        encoding="utf-8",
    )
    try:
        load_roster(roster, _cdg())
    except InputError as error:
        found = [(d.code, d.line, d.column, say(d.message)) for d in error.diagnostics]
    else:
        raise AssertionError("a column of no figure was accepted")
    assert found == [
        (
            "unknown-column",
            1,
            25,
            "column 'masse_salarial_2025' is neither a member field, an attribute the tariff "
            "declares (none), a figure it declares by year (masse_salariale_<year>) nor an "
            "offer of the tariff (offers: cotisation)",
        )
    ]


def test_check_warns_of_a_member_whose_roster_lacks_a_figure_it_is_billed_on() -> None:
    result = run("check", "tariffs/examples/cotisation-cdg.yaml", "examples/cdg/roster.yaml")
    assert result.returncode == 0, result.stdout
    warnings = [row for row in result.stdout.splitlines() if ": needs-review " in row]
    # Langon declared its salary mass of 2024 only: the cotisations 2026 and 2027 read
    # those of 2025 and 2026
    assert warnings == [
        "examples/cdg/roster.yaml:22:5: needs-review warning: member 35145 Langon needs "
        "review in 2026, 2027: Cotisation obligatoire: the roster gives no masse salariale "
        "('masse_salariale') for 2026"
    ]
