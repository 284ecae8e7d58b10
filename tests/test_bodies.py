"""Bodies that are not communes: ids of the forms a tariff declares, no population where
no rule reads it, a fee by category with categories that exclude each other — the
shipped syndicat mixte example billed end to end, and each refusal at its line."""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

from conftest import ROOT, run, write
from servcommun.engine.bill import bill_member
from servcommun.engine.result import NeedsReview, Statement
from servcommun.loader import load_tariff
from servcommun.render.words import say
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff

TARIFF = ROOT / "tariffs" / "examples" / "syndicat-mixte.yaml"
ROSTER = ROOT / "examples" / "syndicat" / "roster.yaml"

# Redon: 10 086 × 0,40 = 4 034,40; Pipriac: 3 948 × 0,40 = 1 579,20; the EPCI: 1 200,00;
# the association, employer: 150,00 + 80,00 = 230,00; the CCAS: 300,00.
# 4 034,40 + 1 579,20 + 1 200,00 + 230,00 + 300,00 = 7 343,60
TOTALS = {
    "35236": "4034.40",
    "35219": "1579.20",
    "243500741": "1200.00",
    "W353001234": "230.00",
    "CCAS-35236": "300.00",
}


def _bill(*options: str) -> str:
    result = run("bill", "--service", "syndicat", "--year", "2026", *options)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_syndicat_example_bills_every_body_with_or_without_a_population() -> None:
    data = json.loads(_bill("--format", "json"))
    assert {s["member"]["id"]: s["total"] for s in data["statements"]} == TOTALS
    assert data["total"] == "7343.60"
    assert data["needs_review"] == []
    populations = {s["member"]["id"]: s["member"]["population"] for s in data["statements"]}
    assert populations == {
        "35236": 10086,
        "35219": 3948,
        "243500741": None,
        "W353001234": None,
        "CCAS-35236": None,
    }
    association = next(s for s in data["statements"] if s["member"]["id"] == "W353001234")
    assert [(line["code"], line["amount"]) for line in association["lines"]] == [
        ("adhesion.categorie", "230.00")
    ]


def test_a_member_without_a_population_in_every_output(tmp_path: Path) -> None:
    table = _bill()
    assert "W353001234" in table and "CCAS-35236" in table and "7,343.60" in table
    rows = list(csv.DictReader(io.StringIO(_bill("--format", "csv"))))
    assert {row["member_id"]: row["amount"] for row in rows} == TOTALS
    _bill("--format", "xlsx", "--output", str(tmp_path / "bill.xlsx"))
    assert (tmp_path / "bill.xlsx").stat().st_size > 0
    out = tmp_path / "statements"
    result = run("statements", "--service", "syndicat", "--year", "2026", "--output", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(out.glob("*.pdf"))) == 5
    titres = run("titres", "--service", "syndicat", "--year", "2026", "--csv-dialect", "plain")
    assert titres.returncode == 0, titres.stdout + titres.stderr
    issued = [r for r in csv.DictReader(io.StringIO(titres.stdout)) if r["kind"] == "titre"]
    assert {r["debtor_id"]: r["amount_ttc"] for r in issued} == TOTALS
    # the EPCI's revenue is booked to its own account, the association's to the default
    natures = {r["debtor_id"]: r["nature"] for r in issued}
    assert natures["243500741"] == "70876" and natures["W353001234"] == "70878"


def _syndicat() -> Tariff:
    tariff = load_tariff(TARIFF)
    assert isinstance(tariff, Tariff)
    return tariff


def _body(attributes: dict[str, object], member_id: str = "W353009999") -> Member:
    return Member.model_validate(
        {
            "id": member_id,
            "name": "Association",
            "attributes": attributes,
            "subscriptions": [Subscription(offer="adhesion", start="2026-01-01")],
        }
    )


def test_a_fee_by_category_sums_the_categories_held() -> None:
    tariff = _syndicat()
    billed = bill_member(tariff, _body({"association": True, "employeur": True}), 2026)
    assert isinstance(billed, Statement)
    # 150,00 (association) + 80,00 (employeur) = 230,00
    assert [(line.code, line.amount) for line in billed.lines] == [
        ("adhesion.categorie", Decimal("230.00"))
    ]
    assert say(billed.lines[0].basis) == "category association + employeur"
    assert billed.member.population is None
    # of none of the categories, and no 'otherwise': listed for review, not billed 0
    missing = bill_member(tariff, _body({"employeur": False}), 2026)
    assert isinstance(missing, NeedsReview)
    assert "none of the categories of Cotisation par catégorie" in say(missing.reason)


def test_otherwise_bills_a_member_of_no_category(tmp_path: Path) -> None:
    text = TARIFF.read_text(encoding="utf-8").replace(
        '          employeur: "80.00"\n',
        '          employeur: "80.00"\n        otherwise: "95.50"\n',
    )
    path = write(tmp_path / "tariff.yaml", text)
    tariff = load_tariff(path)
    assert isinstance(tariff, Tariff)
    billed = bill_member(tariff, _body({}), 2026)
    assert isinstance(billed, Statement)
    assert [line.amount for line in billed.lines] == [Decimal("95.50")]
    assert say(billed.lines[0].basis) == (
        "none of the categories epci, association, ccas, employeur"
    )


def _check_roster(tmp_path: Path, members: str) -> str:
    shutil.copy(TARIFF, tmp_path / "tariff.yaml")
    write(tmp_path / "roster.yaml", "service: syndicat\nmembers:\n" + members)
    result = run("check", "tariff.yaml", "roster.yaml", cwd=tmp_path)
    return result.stdout


def test_an_id_of_no_declared_form_lists_the_forms_accepted(tmp_path: Path) -> None:
    said = _check_roster(
        tmp_path,
        """\
  - id: W353001234
    name: Association
    attributes: {association: true}
    subscriptions: [{offer: adhesion, start: 2026-01-01}]
  - id: W35300123
    name: Association mal écrite
    attributes: {association: true}
    subscriptions: [{offer: adhesion, start: 2026-01-01}]
""",
    )
    lines = [line for line in said.splitlines() if ": member-id " in line]
    assert len(lines) == 1, said
    assert lines[0].startswith("roster.yaml:7:9: member-id 'W35300123' is neither an INSEE code")
    assert (
        "numéro RNA d'une association: W[0-9]{9}, for example W353001234; CCAS, par le code "
        "INSEE de sa commune: CCAS-([0-9]{5}|2[AB][0-9]{3}), for example CCAS-35236"
    ) in lines[0]


def test_a_population_is_required_only_by_an_offer_billed_on_it(tmp_path: Path) -> None:
    said = _check_roster(
        tmp_path,
        """\
  - id: "35219"
    name: Pipriac
    subscriptions: [{offer: contribution, start: 2026-01-01}]
  - id: CCAS-35219
    name: CCAS de Pipriac
    attributes: {ccas: true}
    subscriptions: [{offer: adhesion, start: 2026-01-01}]
""",
    )
    assert "roster.yaml:3:5: population-missing member 35219 has no population, while " in said
    assert "Contribution des communes is billed on it" in said
    assert said.count("population-missing") == 1, said


def test_two_exclusive_categories_are_refused_at_the_attribute(tmp_path: Path) -> None:
    said = _check_roster(
        tmp_path,
        """\
  - id: CCAS-35219
    name: CCAS de Pipriac
    attributes: {ccas: true, employeur: true, epci: true}
    subscriptions: [{offer: adhesion, start: 2026-01-01}]
""",
    )
    # epci comes first in the group [epci, association, ccas]: the second held is ccas
    assert (
        "roster.yaml:5:24: exclusive-categories member CCAS-35219 is of the categories "
        "epci, ccas, which exclude each other ('exclusive_categories' of the tariff): keep "
        "one, writing 'ccas: false' to keep epci, or 'epci: false' to keep ccas"
    ) in said


def test_worked_examples_of_bodies_are_checked_too(tmp_path: Path) -> None:
    text = TARIFF.read_text(encoding="utf-8")
    exclusive = text.replace(
        "attributes: {ccas: true}\n        subscriptions: [{offer: adhesion",
        "attributes: {ccas: true, association: true}\n        subscriptions: [{offer: adhesion",
    )
    write(tmp_path / "exclusive.yaml", exclusive)
    without = text.replace(
        "      - population: 2500\n        subscriptions", "      - subscriptions"
    )
    write(tmp_path / "without.yaml", without)
    said = run("check", "exclusive.yaml", "without.yaml", cwd=tmp_path).stdout
    assert "exclusive.yaml:" in said and "exclusive-categories member CCAS-35236" in said
    assert "without.yaml:" in said
    assert "population-missing member #1 of the example has no population, while" in said
    # neither example is recomputed from figures it lacks: no mismatch said beside
    assert "example-mismatch" not in said


# -- named parties that consume units --------------------------------------------------


def test_a_party_billed_per_unit_beside_the_key_split() -> None:
    result = run("bill", "--service", "hebergement-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    lines = {
        s["member"]["id"]: {line["code"]: line["amount"] for line in s["lines"]}
        for s in data["statements"]
    }
    # budget 120 000,00 + 8 000,00 shared 60 / 25 / 15 %;
    # CCAS: 6 + 6 agents-months × 45,00 = 540,00; Caisse des écoles: 3 × 45,00 = 135,00
    assert lines["ccas"] == {
        "remunerations.share": "30000.00",
        "logiciels.share": "2000.00",
        "hebergement.agents": "540.00",
    }
    assert lines["caisse-ecoles"] == {
        "remunerations.share": "18000.00",
        "logiciels.share": "1200.00",
        "hebergement.agents": "135.00",
    }
    assert lines["ville"] == {"remunerations.share": "72000.00", "logiciels.share": "4800.00"}
    # billed: 32 540,00 + 19 335,00; the Ville's own 76 800,00 is reported, not billed
    assert data["total"] == "51875.00"


def test_a_party_act_is_checked_against_the_parties(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests" / "errors" / "consumption-unknown-party", tmp_path / "s")
    acts = tmp_path / "s" / "actes-2026.csv"
    acts.write_text(
        "member,unit,date,quantity,reference\n"
        "ccas,agent-mois,2026-03-31,1.5,T1\n"
        "ccas,agent-heberge,2026-03-31,1,T1\n",
        encoding="utf-8",
    )
    said = run("check", cwd=tmp_path / "s").stdout
    assert "actes-2026.csv:2:28: quantity-step 1.5 agent-mois is not counted in steps of 1" in said
    assert "actes-2026.csv:3:6: unknown-unit unit 'agent-heberge' is not billed" in said
    acts.write_text("member,unit,date,quantity,reference\nccas,agent-mois,2026-03-31,6,T1\n")
    bill = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path / "s")
    assert bill.returncode == 0, bill.stdout + bill.stderr
    # the key: 8 000,00 × 25 % = 2 000,00; 6 × 45,00 = 270,00
    assert json.loads(bill.stdout)["total"] == "2270.00"


def test_a_worked_example_member_of_a_party_tariff_gives_only_acts(tmp_path: Path) -> None:
    text = (ROOT / "tariffs" / "examples" / "cle-et-hebergement.yaml").read_text(encoding="utf-8")
    write(tmp_path / "good.yaml", text)
    assert run("check", "good.yaml", cwd=tmp_path).returncode == 0
    write(tmp_path / "wrong.yaml", text.replace("      - id: ccas\n", "      - id: cca\n"))
    said = run("check", "wrong.yaml", cwd=tmp_path).stdout
    assert "example-members worked example 'Un trimestre" in said
    assert "a member of it only gives a party's acts" in said


def test_a_csv_roster_of_bodies_and_a_simulation_of_one(tmp_path: Path) -> None:
    shutil.copy(TARIFF, tmp_path / "tariff.yaml")
    write(
        tmp_path / "roster.csv",
        """\
        id,name,population_2026,epci,association,ccas,employeur,contribution,adhesion
        35236,Redon,10086,,,,,2026-01-01,
        W353001234,Association,,,oui,,oui,,2026-01-01
        CCAS-35236,CCAS de Redon,,,,oui,,,2026-01-01
        """,
    )
    write(
        tmp_path / "servcommun.toml",
        """\
        [services.syndicat]
        tariffs = ["tariff.yaml"]
        roster = "roster.csv"
        """,
    )
    bill = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    assert bill.returncode == 0, bill.stdout + bill.stderr
    # 4 034,40 + (150,00 + 80,00) + 300,00 = 4 564,40
    assert json.loads(bill.stdout)["total"] == "4564.40"
    simulated = run(
        "simulate",
        "--member",
        "W353001234",
        "--offer",
        "adhesion",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert simulated.returncode == 0, simulated.stdout + simulated.stderr
    data = json.loads(simulated.stdout)
    assert data["member"]["population"] is None
    # 230,00 a year, two years
    assert [year["total"] for year in data["years"]] == ["230.00", "230.00"]
