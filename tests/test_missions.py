"""One-off missions quoted, then billed on delivery (``mission-price``): the price in
force on the quote's date, the quantity the tariff bills, the year of delivery only, a
pending mission said in a note, and what ``check`` says of a mission's record. Figures
by hand in the comments."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path

from conftest import ROOT, run, write
from servcommun.engine.bill import bill_member
from servcommun.engine.result import Statement
from servcommun.loader import tariff_problems
from servcommun.reader import parse_yaml
from servcommun.render.words import say
from servcommun.roster import Member, Quote, Subscription
from servcommun.tariff import Tariff

D = Decimal
EXAMPLE = ROOT / "tariffs" / "examples" / "missions-ingenierie.yaml"

TARIFF = """\
kind: contribution-grid
service: exemple
title: Exemple
valid_from: 2025-01-01
deliberations: [{id: "1", date: 2024-12-01, body: Conseil}]
population: {kind: totale}
offers:
  - id: missions
    label: Missions
    billing: one-off
    titled: on-delivery
    article: art. 5
    parts:
      - code: days
        label: Mission
        article: art. 5
        rule: mission-price
        unit: jour
        prices:
          - {from: 2025-01-01, price: "450.00"}
          - {from: 2026-01-01, price: "480.00", reference: "délibération 2025-61"}
BILLS
"""


def tariff(bills: str = "", tolerance: str = "") -> Tariff:
    lines = ""
    if bills:
        lines += f"        bills: {bills}\n"
    if tolerance:
        lines += f'        tolerance: "{tolerance}"\n'
    doc = parse_yaml(TARIFF.replace("BILLS\n", lines), "t.yaml")
    found, problems = tariff_problems(doc)
    assert isinstance(found, Tariff) and not problems, problems
    return found


def mission(
    quoted: str,
    quantity: str = "12",
    delivered: dt.date | None = dt.date(2026, 3, 20),
    actual: str | None = "11",
    reference: str = "DEV-2025-014",
) -> Member:
    subscription = Subscription(
        offer="missions",
        quote=Quote(date=dt.date.fromisoformat(quoted), reference=reference, quantity=D(quantity)),
        delivered=delivered,
        quantity=D(actual) if actual is not None else None,
    )
    return Member(
        id="35901",
        name="Commune",
        population={2025: 1000, 2026: 1000},
        subscriptions=(subscription,),
    )


def statement(grid: Tariff, member: Member, year: int = 2026) -> Statement:
    outcome = bill_member(grid, member, year)
    assert isinstance(outcome, Statement), outcome
    return outcome


def test_the_price_in_force_on_the_quote_date_not_on_the_delivery() -> None:
    # quoted 14/11/2025 (450,00 in force), delivered 20/03/2026 (480,00 in force by then):
    # 11 days done × 450,00 = 4 950,00 (at 480,00 it would be 5 280,00)
    line = statement(tariff(), mission("2025-11-14")).lines[0]
    assert line.code == "missions.days"
    assert line.amount == D("4950.00")
    assert line.titled == "2026-03"  # on delivery
    assert line.label == "Mission — DEV-2025-014"
    basis = say(line.basis)
    assert basis == (
        "11 × jour × €450.00 (price from 01/01/2025 in force on the quote's date): quote "
        "DEV-2025-014 of 14/11/2025, 12 quoted; 11 delivered on 20/03/2026, the actual "
        "quantity billed"
    )
    # quoted on the day the new price applies: 11 × 480,00 = 5 280,00, its decision said
    line = statement(tariff(), mission("2026-01-01")).lines[0]
    assert line.amount == D("5280.00")
    assert "price from 01/01/2026 in force on the quote's date, délibération 2025-61" in say(
        line.basis
    )


def test_the_quantity_billed_as_the_tariff_says() -> None:
    # 12 days quoted, 11 done (price 450,00): actual 4 950,00, quoted 5 400,00, lesser 4 950,00
    under = mission("2025-11-14", "12", actual="11")
    # 10 days quoted, 10.5 done: actual 4 725,00, quoted 4 500,00, lesser 4 500,00
    over = mission("2025-11-14", "10", actual="10.5")
    figures = {
        bills: (
            statement(tariff(bills), under).total,
            statement(tariff(bills), over).total,
        )
        for bills in ("actual", "quoted", "lesser")
    }
    assert figures == {
        "actual": (D("4950.00"), D("4725.00")),
        "quoted": (D("5400.00"), D("4500.00")),
        "lesser": (D("4950.00"), D("4500.00")),
    }
    assert statement(tariff(), under).total == D("4950.00")  # actual is the default
    said = say(statement(tariff("lesser"), over).lines[0].basis)
    assert said.startswith("10 × jour × €450.00")
    assert said.endswith("the lesser of the quoted and the actual quantity billed")
    # no quantity written: delivered as quoted, 12 × 450,00 = 5 400,00
    as_quoted = statement(tariff(), mission("2025-11-14", "12", actual=None))
    assert as_quoted.total == D("5400.00")
    assert say(as_quoted.lines[0].basis).endswith("delivered on 20/03/2026 as quoted")


def test_half_days_are_quantities_of_the_unit() -> None:
    # 2.5 days done at 450,00 = 1 125,00
    assert statement(tariff(), mission("2025-06-02", "3", actual="2.5")).total == D("1125.00")


def test_billed_in_the_year_of_delivery_only_and_a_pending_mission_is_a_note() -> None:
    grid = tariff()
    delivered = mission("2025-11-14")
    assert bill_member(grid, delivered, 2025) is None  # quoted in 2025, nothing billed then
    assert statement(grid, delivered, 2026).total == D("4950.00")
    assert bill_member(grid, delivered, 2027) is None
    # a member holding another offer: its 2025 statement notes the pending mission
    pending = mission("2025-12-01", "8", delivered=None, actual=None, reference="DEV-2025-021")
    with_membership = _with_membership(pending)
    outcome = statement(_membership_grid(), with_membership)
    assert [line.code for line in outcome.lines] == ["adhesion.per-inhabitant"]
    assert outcome.total == D("800.00")  # 1 000 × 0,80; the mission is not billed
    # estimated 8 × 450,00 = 3 600,00
    assert [say(note) for note in outcome.notes] == [
        "Mission: quote DEV-2025-021 of 01/12/2025 (8 × jour, €3,600.00) not delivered in "
        "2026: not billed this year, but in the year of its delivery"
    ]
    # delivered in 2027: the 2026 statement still says it is pending, 2027 bills it
    later = _with_membership(mission("2025-12-01", "8", dt.date(2027, 2, 1), "8"))
    assert len(statement(_membership_grid(), later).notes) == 1
    billed = statement(_membership_grid(), later, 2027)
    assert billed.notes == ()
    assert billed.total == D("4400.00")  # 800,00 + 8 × 450,00 (the quote's 2025 price)
    # not yet quoted in 2024: no note
    assert statement(_membership_grid(), with_membership, 2024).notes == ()


def _membership_grid() -> Tariff:
    text = TARIFF.replace("BILLS\n", "").replace(
        "offers:\n",
        "offers:\n"
        "  - id: adhesion\n"
        "    label: Adhésion\n"
        "    billing: annual\n"
        "    titled: next-january\n"
        "    article: art. 4\n"
        "    parts:\n"
        "      - {code: per-inhabitant, label: Adhésion, article: art. 4, rule: per-inhabitant,"
        ' rate: "0.80"}\n',
    )
    found, problems = tariff_problems(parse_yaml(text, "t.yaml"))
    assert isinstance(found, Tariff) and not problems, problems
    return found


def _with_membership(member: Member) -> Member:
    joined = Subscription(offer="adhesion", start=dt.date(2024, 1, 1))
    return member.model_copy(
        update={
            "population": {2024: 1000, 2025: 1000, 2026: 1000, 2027: 1000},
            "subscriptions": (joined, *member.subscriptions),
        }
    )


ROSTER_HEAD = """\
service: exemple
members:
  - id: "35236"
    name: Redon
    population: {2026: 9312}
    subscriptions:
"""


def _check(tmp_path: Path, subscriptions: str, tolerance: str = "10") -> list[tuple[str, int, int]]:
    tariff_text = TARIFF.replace("BILLS\n", f'        tolerance: "{tolerance}"\n')
    write(tmp_path / "tariff.yaml", tariff_text)
    write(tmp_path / "roster.yaml", ROSTER_HEAD + textwrap.indent(subscriptions, " " * 6))
    result = run("check", "tariff.yaml", "roster.yaml", "--format", "json", cwd=tmp_path)
    found = json.loads(result.stdout)["diagnostics"]
    return [(d["code"], d["line"], d["column"]) for d in found]


def test_check_refuses_a_delivery_without_a_quote_and_a_quantity_without_a_delivery(
    tmp_path: Path,
) -> None:
    assert _check(tmp_path, "- {offer: missions, delivered: 2026-03-20}\n") == [
        ("mission-quote", 7, 38)
    ]
    quoted_only = (
        "- {offer: missions, quantity: 3, quote: {date: 2025-11-14, reference: D, quantity: 3}}\n"
    )
    assert _check(tmp_path, quoted_only) == [("mission-quote", 7, 37)]
    # a quote dated before the first price, a delivery before the quote
    early = (
        "- {offer: missions, delivered: 2024-06-01,"
        " quote: {date: 2024-12-01, reference: D, quantity: 3}}\n"
    )
    assert _check(tmp_path, early) == [("mission-quote", 7, 38), ("mission-quote", 7, 64)]
    # quoted and not delivered: valid, not a missing delivery date
    assert (
        _check(
            tmp_path, "- {offer: missions, quote: {date: 2025-11-14, reference: D, quantity: 3}}\n"
        )
        == []
    )


def test_check_warns_of_an_overrun_beyond_the_tolerance(tmp_path: Path) -> None:
    def overrun(actual: str, tolerance: str) -> list[tuple[str, int, int]]:
        record = (
            "- offer: missions\n"
            "  quote: {date: 2025-11-14, reference: DEV-1, quantity: 10}\n"
            "  delivered: 2026-03-20\n"
            f"  quantity: {actual}\n"
        )
        return _check(tmp_path, record, tolerance)

    # 10 quoted, tolerance 10 %: up to 11 days pass; 11.5 warns
    assert overrun("11", "10") == []
    assert overrun("11.5", "10") == [("mission-overrun", 10, 19)]
    # no tolerance (0 %): any day beyond the quote warns
    assert overrun("10.5", "0") == [("mission-overrun", 10, 19)]
    # a warning: check passes without --strict
    result = run("check", "tariff.yaml", "roster.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_check_refuses_the_rule_in_an_annual_offer() -> None:
    text = TARIFF.replace("BILLS\n", "").replace("billing: one-off", "billing: annual")
    text = text.replace("titled: on-delivery", "titled: next-january")
    _, problems = tariff_problems(parse_yaml(text, "t.yaml"))
    assert [(p.code, p.line, p.column) for p in problems] == [("mission-offer", 17, 15)]


def test_the_example_service_bills_its_missions(tmp_path: Path) -> None:
    # 35921: 3 200 × 0,80 = 2 560,00 + 11 × 450,00 = 4 950,00 → 7 510,00
    # 35922: 1 500 × 0,80 = 1 200,00, its mission quoted and not delivered: a note
    # 35923: 900 × 0,80 = 720,00 + 5.5 × 480,00 = 2 640,00 → 3 360,00; total 12 070,00
    result = run("bill", "--service", "missions", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    assert totals == {"35921": "7510.00", "35922": "1200.00", "35923": "3360.00"}
    line = next(line for line in data["statements"][0]["lines"] if line["code"] == "missions.days")
    assert line["basis_data"] == {
        "rule": "mission-price",
        "quantity": "11",
        "unit": "jour de mission",
        "price": "450.00",
        "in_force": {"price_from": "2025-01-01"},
        "quote": "DEV-2025-014",
        "quote_date": "2025-11-14",
        "quoted": "12",
        "billed": {"actual": "11", "delivered": "2026-03-20"},
    }
    assert data["statements"][1]["notes"] == [
        "Mission d'ingénierie: quote DEV-2025-021 of 01/12/2025 (8 × jour de mission, "
        "€3,600.00) not delivered in 2026: not billed this year, but in the year of its "
        "delivery"
    ]
    rows = list(
        csv.DictReader(
            io.StringIO(
                run("bill", "--service", "missions", "--year", "2026", "--format", "csv").stdout
            )
        )
    )
    missions = [
        (r["member_id"], r["amount"], r["titled"]) for r in rows if r["code"] == "missions.days"
    ]
    assert missions == [("35921", "4950.00", "2026-03"), ("35923", "2640.00", "2026-06")]
    # titres: one on delivery for each mission, in its month (art. 5)
    titres = list(
        csv.DictReader(io.StringIO(run("titres", "--service", "missions", "--year", "2026").stdout))
    )
    on_delivery = [
        (t["debtor_id"], t["titled"], t["amount_ttc"])
        for t in titres
        if t["kind"] == "titre" and t["analytic"] == "AT-MISSIONS"
    ]
    assert on_delivery == [("35921", "2026-03", "4950.00"), ("35923", "2026-06", "2640.00")]


def test_the_example_tariff_and_roster_check_clean() -> None:
    result = run("check", str(EXAMPLE), str(ROOT / "examples" / "missions"))
    assert result.returncode == 0, result.stdout
    assert "mission-" not in result.stdout  # no mission-quote, no mission-overrun


def test_the_statements_show_the_mission_and_the_pending_one(tmp_path: Path) -> None:
    from pypdf import PdfReader

    folder = tmp_path / "statements"
    result = run("statements", "--service", "missions", "--year", "2026", "--output", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr

    def text(name: str) -> str:
        said = " ".join(page.extract_text() for page in PdfReader(folder / name).pages)
        return " ".join(said.replace("\u202f", " ").replace("\xa0", " ").split())

    # sent to the members: in their tariff's language (fr_FR)
    delivered = text("2026-35921-commune-exemple-des-landes.pdf")
    assert "Mission d'ingénierie — DEV-2025-014" in delivered
    assert "devis DEV-2025-014 du 14/11/2025" in delivered
    assert "4 950,00 €" in delivered  # 11 × 450,00
    pending = text("2026-35922-commune-exemple-du-moulin.pdf")
    note = "devis DEV-2025-021 du 01/12/2025 (8 × jour de mission, 3 600,00 €) non réalisé en 2026"
    assert note in pending
    assert pending.count("DEV-2025-021") == 1  # a note, not a line


def test_a_worked_example_delivering_a_mission_without_its_quote_is_refused() -> None:
    text = TARIFF.replace("BILLS\n", "") + textwrap.dedent(
        """\
        examples:
          - title: Mission sans devis
            article: art. 5
            year: 2026
            members:
              - population: 1000
                subscriptions: [{offer: missions, delivered: 2026-03-20, quantity: 2}]
            expect: {total: "900.00"}
        """
    )
    _, problems = tariff_problems(parse_yaml(text, "t.yaml"))
    # the missing quote at the delivery date of line 28 (the example is not computed)
    assert [(p.code, p.line, p.column) for p in problems] == [("mission-quote", 28, 54)]


def test_a_quote_on_an_offer_billing_no_mission_is_refused(tmp_path: Path) -> None:
    # the catalogue's tariff: 'socle' is annual and bills no mission; the quote would be lost
    shutil.copy(ROOT / "tests" / "errors" / "_valid" / "tariff.yaml", tmp_path / "tariff.yaml")
    roster = ROSTER_HEAD + (
        "      - {offer: socle, start: 2025-01-01, quote: {date: 2025-01-01, reference: D, "
        "quantity: 1}}\n"
    )
    write(tmp_path / "roster.yaml", roster)
    result = run("check", "tariff.yaml", "roster.yaml", "--format", "json", cwd=tmp_path)
    found = [(d["code"], d["line"], d["column"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert ("mission-quote", 7, 43) in found  # at the key "quote"
