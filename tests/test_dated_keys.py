"""A percentage key whose shares change by year inside one tariff version
(``shares_by_year``, « la clé est actualisée chaque année au 1er janvier »): the shares in
force in the billed year share its budget lines, fees and pool layers, and are what the
bill's sharing summary, a worked example's ``expect.keys``, ``key derive`` and
``simulate --share`` read; ``check`` dates them as it dates rates. Figures by hand, to
the cent; the shipped example is ``tariffs/examples/cle-annuelle.yaml``."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT, run, write
from servcommun.budget import Budget
from servcommun.engine.bill import bill_members
from servcommun.engine.context import ServiceData
from servcommun.engine.keys import KeyComputationError, year_key
from servcommun.engine.parties import bill_parties
from servcommun.engine.result import Bill
from servcommun.loader import tariff_problems
from servcommun.reader import parse_yaml
from servcommun.render.words import say
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import CostLine

D = Decimal
EXAMPLE = ROOT / "tariffs" / "examples" / "cle-annuelle.yaml"
SERVICE = ("--service", "cle-annuelle")

HEADER = """\
kind: contribution-grid
service: partage
title: Partage d'exemple
valid_from: 2026-01-01
deliberations: [{id: "2025-12", date: 2025-12-11, body: Conseil communautaire}]
parties:
  - {id: epci, name: Communauté, carrier: true}
  - {id: ville, name: Ville}
  - {id: ccas, name: CCAS}
"""

KEY = """\
keys:
  - id: reference
    article: art. 3
    shares_by_year:
      - {from: 2026-01-01, shares: {epci: "60.00", ville: "39.00", ccas: "1.00"}}
      - from: 2027-01-01
        shares: {epci: "58.00", ville: "40.50", ccas: "1.50"}
        reference: délibération 2026-30
"""

OFFER = """\
offers:
  - id: service
    label: Service commun
    billing: annual
    titled: next-january
    article: art. 3
    parts:
      - {code: couts, label: Coût du service, article: art. 3, rule: budget-lines,
         key: reference}
      - {code: frais, label: Frais de gestion, article: art. 4, rule: management-fee,
         key: reference, on: [salary], rate: "2.00"}
"""


def grid(text: str) -> Tariff:
    doc = parse_yaml(textwrap.dedent(text), "t.yaml")
    tariff, problems = tariff_problems(doc)
    assert isinstance(tariff, Tariff) and not problems, problems
    return tariff


def problems_of(text: str) -> list[tuple[str, int, int]]:
    doc = parse_yaml(textwrap.dedent(text), "t.yaml")
    _, problems = tariff_problems(doc)
    return [(p.code, p.line, p.column) for p in problems]


def budget(year: int) -> Budget:
    return Budget(
        service="partage",
        year=year,
        lines=(
            CostLine(id="salaires", label="Salaires", category="salary", amount=D("100000.00")),
            CostLine(id="licences", label="Licences", category="other", amount=D("10000.00")),
        ),
    )


def totals(bill: Bill) -> dict[str, Decimal]:
    return {s.member.id: s.total for s in bill.statements}


# -- the engine: the shares in force in the billed year --------------------------------


def test_each_year_is_shared_by_the_shares_in_force_on_its_1_january() -> None:
    tariff = grid(HEADER + KEY + OFFER)
    # 2026 by 60 / 39 / 1: the Ville 39 000 + 3 900 + 39 % of the 2 % fee on the salaries
    # (2 000) = 780, 43 680; the CCAS 1 000 + 100 + 20 = 1 120; the Communauté 67 200
    assert totals(bill_parties(tariff, budget(2026))) == {
        "epci": D("67200.00"),
        "ville": D("43680.00"),
        "ccas": D("1120.00"),
    }
    # 2027 by 58 / 40,50 / 1,50: the Ville 40 500 + 4 050 + 810 = 45 360; the CCAS
    # 1 500 + 150 + 30 = 1 680; the Communauté 58 000 + 5 800 + 1 160 = 64 960; 112 000 in all
    bill = bill_parties(tariff, budget(2027))
    assert totals(bill) == {"epci": D("64960.00"), "ville": D("45360.00"), "ccas": D("1680.00")}
    ville = next(s for s in bill.statements if s.member.id == "ville")
    lines = {line.code: line for line in ville.lines}
    assert say(lines["salaires.share"].basis) == "40.5% of €100,000.00"
    assert lines["salaires.share"].reference == "art. 3"
    assert lines["frais.share"].amount == D("810.00")
    sharing = bill.sharing
    assert sharing is not None
    assert dict(sharing.key) == {"epci": D("58.00"), "ville": D("40.50"), "ccas": D("1.50")}
    assert sharing.key_from == dt.date(2027, 1, 1)
    assert [say(note) for note in sharing.notes] == [
        "key 'reference': shares in force from 01/01/2027 (délibération 2026-30)"
    ]


def test_a_later_year_keeps_the_last_shares_and_a_year_before_the_first_has_none() -> None:
    tariff = grid(HEADER + KEY + OFFER)
    key = tariff.key("reference")
    assert key is not None
    # 2030: no entry since 2027, the 2027 shares still apply
    assert dict(year_key(key, (), [], 2030).shares)["ville"] == D("40.50")
    with pytest.raises(KeyComputationError) as before:
        year_key(key, (), [], 2025)
    assert say(before.value.message) == (
        "the key 'reference' has no shares in force in 2025: its first shares apply from 01/01/2026"
    )
    with pytest.raises(KeyComputationError) as no_year:
        year_key(key, (), [])
    assert "changes by year: say which year's shares to use" in say(no_year.value.message)


def test_a_pool_layer_shared_by_a_dated_key_follows_the_year() -> None:
    tariff = grid(
        """\
        kind: contribution-grid
        service: exemple
        title: Exemple
        valid_from: 2026-01-01
        deliberations: [{id: "1", date: 2025-12-01, body: Conseil}]
        keys:
          - id: k
            article: art. 6
            shares_by_year:
              - {from: 2026-01-01, shares: {"35901": "70.00", "35902": "30.00"}}
              - {from: 2027-01-01, shares: {"35901": "65.00", "35902": "35.00"}}
        offers:
          - id: service
            label: Service
            billing: annual
            titled: next-january
            article: art. 6
            parts:
              - code: cout
                label: Coût
                article: art. 6
                rule: pool-share
                pool: {amounts: {2026: "1000.00", 2027: "1000.00"}}
                layers:
                  - {label: Clé, percent: "100", by: key, key: k}
        """
    )
    members = [
        Member(
            id=commune,
            name=f"Commune {commune}",
            subscriptions=(Subscription(offer="service", start=dt.date(2026, 1, 1)),),
        )
        for commune in ("35901", "35902")
    ]
    # 1 000 × 70 / 30 % in 2026, × 65 / 35 % in 2027
    assert totals(bill_members(tariff, members, 2026, ServiceData())) == {
        "35901": D("700.00"),
        "35902": D("300.00"),
    }
    assert totals(bill_members(tariff, members, 2027, ServiceData())) == {
        "35901": D("650.00"),
        "35902": D("350.00"),
    }


# -- check: dated as rates are, each set of shares a key -------------------------------


def test_check_places_each_dated_shares_problem_at_its_line() -> None:
    body = (
        HEADER
        + (
            "valid_until: 2028-12-31\n"
            "keys:\n"
            "  - id: reference\n"
            "    article: art. 3\n"
            "    shares_by_year:\n"
            '      - {from: 2026-01-01, shares: {epci: "60.00", ville: "39.00", ccas: "1.00"}}\n'
            '      - {from: 2028-01-01, shares: {epci: "58.00", ville: "40.50", ccas: "1.50"}}\n'
            '      - {from: 2027-01-01, shares: {epci: "58.00", ville: "40.50", ccas: "1.50"}}\n'
            '      - {from: 2029-01-01, shares: {epci: "58.00", ville: "40.505", cias: "1.495"}}\n'
        )
        + OFFER
    )
    assert problems_of(body) == [
        ("key-start", 17, 16),  # 2027 after 2028: not in increasing order
        ("key-start", 18, 16),  # 2029 after the tariff's valid_until (2028-12-31)
        ("key-precision", 18, 59),  # 40.505 beyond the hundredth
        ("unknown-party", 18, 69),  # cias is no party
        ("key-precision", 18, 75),  # 1.495 (the three sum to 100: no key-sum)
    ]


def test_shares_before_the_tariff_and_a_wrong_derivation_are_refused() -> None:
    body = (
        HEADER
        + (
            "keys:\n"
            "  - id: reference\n"
            "    article: art. 3\n"
            "    shares_by_year:\n"
            '      - {from: 2025-01-01, shares: {epci: "60.00", ville: "40.00"}}\n'
            "      - from: 2027-01-01\n"
            '        shares: {epci: "58.00", ville: "41.00", ccas: "1.00"}\n'
            "        derivation:\n"
            '          previous: {epci: "60.00", ville: "40.00"}\n'
            "          party: ccas\n"
            '          target: "1000.00"\n'
            '          base: "100000.00"\n'
            "          take_from: epci\n"
            "          article: délibération 2026-30\n"
        )
        + OFFER
    )
    # 1 000 of 100 000 is 1 %, taken from the Communauté: 59 / 40 / 1, not 58 / 41 / 1
    assert problems_of(body) == [("key-start", 14, 16), ("key-derivation", 18, 11)]
    fixed = body.replace("2025-01-01", "2026-01-01").replace(
        '{epci: "58.00", ville: "41.00"', '{epci: "59.00", ville: "40.00"'
    )
    assert problems_of(fixed) == []


# -- the shipped example, as a user runs it ---------------------------------------------


def test_the_example_checks_and_its_worked_examples_are_recomputed(tmp_path: Path) -> None:
    result = run("check", str(EXAMPLE))
    assert result.returncode == 0, result.stdout
    # the 2027 example expecting the 2026 key: the shares of its own year are computed
    text = EXAMPLE.read_text(encoding="utf-8")
    wrong = text.replace(
        'repartition: {communaute: "52.50", ville: "41.25", cias: "6.25"}',
        'repartition: {communaute: "55.00", ville: "40.00", cias: "5.00"}',
    )
    assert wrong != text
    path = write(tmp_path / "cle.yaml", wrong)
    result = run("check", str(path))
    assert result.returncode == 1
    assert "expected ville's share of the key 'repartition' 40%, computed 41.25%" in result.stdout


@pytest.mark.parametrize(
    ("year", "key", "ville", "cias", "billed"),
    [
        # 40 % of 240 000 + 36 000 = 110 400; 5 %: 13 800; billed 124 200
        (2026, {"communaute": "55.00", "ville": "40.00", "cias": "5.00"}, "110400.00",
         "13800.00", "124200.00"),
        # 101 975,36 + 15 295,50; 15 450,81 + 2 317,50 (see the tariff's worked example)
        (2027, {"communaute": "52.50", "ville": "41.25", "cias": "6.25"}, "117270.86",
         "17768.31", "135039.17"),
    ],
)  # fmt: skip
def test_the_bill_of_each_year_uses_its_key(
    year: int, key: dict[str, str], ville: str, cias: str, billed: str
) -> None:
    result = run("bill", *SERVICE, "--year", str(year), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sharing"]["key"] == key
    assert data["sharing"]["key_from"] == f"{year}-01-01"
    statements = {s["member"]["id"]: s for s in data["statements"]}
    assert (statements["ville"]["total"], statements["cias"]["total"]) == (ville, cias)
    assert D(statements["ville"]["total"]) + D(statements["cias"]["total"]) == D(billed)


def test_key_derive_takes_the_shares_of_the_year_and_asks_for_one() -> None:
    derive = ("key", "derive", *SERVICE, "--party", "cias", "--target", "20000")
    result = run(*derive, "--take-from", "communaute", "--base", "300000")
    assert result.returncode == 1
    assert (
        "key-year the key 'repartition' of service 'cle-annuelle' changes by year (its shares "
        "from 2026-01-01, 2027-01-01): say which year's shares to derive from with --year"
    ) in " ".join(result.stderr.split())
    # 2027: the base is the year's salary mass, 247 213; 20 000 / 247 213 = 8,0902 % →
    # 8,09 %, the 1,84 points over the CIAS's 6,25 taken from the Communauté's 52,50
    result = run(*derive, "--take-from", "communaute", "--year", "2027", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["base"] == "247213.00"
    assert data["key_before"] == {"communaute": "52.50", "ville": "41.25", "cias": "6.25"}
    assert data["key"] == {"communaute": "50.66", "ville": "41.25", "cias": "8.09"}
    assert data["key_from"] == "2027-01-01"
    # 2026 with a base: 20 000 / 300 000 = 6,67 %, from the Communauté's 55: 53,33
    result = run(*derive, "--take-from", "communaute", "--year", "2026", "--base", "300000")
    assert result.returncode == 0, result.stderr
    assert "55% " in result.stdout and "53.33%" in result.stdout
    assert "derived from its shares in force from 01/01/2026" in " ".join(result.stdout.split())


def test_simulate_share_takes_the_newcomers_share_of_each_years_key() -> None:
    result = run(
        "simulate", *SERVICE, "--name", "SIVU", "--share", "2", "--from-year", "2026",
        "--to-year", "2027", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # 2 % of 240 000 + 36 000 = 5 520 in 2026; of 247 213 + 37 080 = 4 944,26 + 741,60 =
    # 5 685,86 in 2027 (taken from the Communauté's 55, then 52,50)
    years = {entry["year"]: entry for entry in data["years"]}
    assert (years[2026]["total"], years[2027]["total"]) == ("5520.00", "5685.86")
