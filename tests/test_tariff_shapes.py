"""The shapes the tariff language gained beyond the two seeds (DESIGN §2.3, issue 8): each
on a small inline tariff, to the cent, and through the shipped example tariffs of
``tariffs/examples/`` as a user bills them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import textwrap
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, run, write
from servcommun import language
from servcommun.budget import Budget
from servcommun.engine.bill import bill_member, bill_members, budget_data
from servcommun.engine.context import ServiceData, proration_share
from servcommun.engine.keys import agents_key
from servcommun.engine.result import Bill, NeedsReview, Statement
from servcommun.loader import budget_problems, tariff_problems
from servcommun.reader import parse_yaml
from servcommun.render.csv import COLUMNS
from servcommun.render.words import say
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import Act, AgentTime, CostCategory, CostLine, Proration

D = Decimal

HEADER = """\
kind: contribution-grid
service: exemple
title: Exemple
valid_from: 2025-01-01
deliberations: [{id: "1", date: 2024-12-01, body: Conseil}]
population: {kind: totale}
"""


def grid(body: str) -> Tariff:
    """A tariff from HEADER and ``body`` (dedented), that must pass every check."""
    doc = parse_yaml(HEADER + textwrap.dedent(body), "t.yaml")
    tariff, problems = tariff_problems(doc)
    assert isinstance(tariff, Tariff) and not problems, problems
    return tariff


def problems_of(body: str) -> list[tuple[str, int, int]]:
    doc = parse_yaml(HEADER + textwrap.dedent(body), "t.yaml")
    _, problems = tariff_problems(doc)
    return [(p.code, p.line, p.column) for p in problems]


def commune(
    *subscriptions: tuple[str, str] | tuple[str, str, str],
    acts: tuple[Act, ...] = (),
    population: int = 1000,
    id: str = "35901",
) -> Member:
    subs = tuple(
        Subscription(
            offer=offer,
            start=dt.date.fromisoformat(first),
            end=dt.date.fromisoformat(rest[0]) if rest else None,
        )
        for offer, first, *rest in subscriptions
    )
    return Member(
        id=id,
        name=f"Commune {id}",
        population={2025: population, 2026: population},
        subscriptions=subs,
        consumption=acts,
    )


def act(unit: str, day: str, quantity: str = "1") -> Act:
    return Act(unit=unit, date=dt.date.fromisoformat(day), quantity=D(quantity))


def statement(
    tariff: Tariff, member: Member, year: int = 2026, data: ServiceData | None = None
) -> Statement:
    outcome = bill_member(tariff, member, year, data or ServiceData())
    assert isinstance(outcome, Statement), outcome
    return outcome


def by_code(s: Statement) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in s.lines:
        totals[line.code] = totals.get(line.code, D(0)) + line.amount
    return totals


# -- 1. unit price × quantity ---------------------------------------------------------------

UNITS = """\
offers:
  - id: ads
    label: Instruction ADS
    billing: annual
    titled: next-january
    article: art. 6
    parts:
      - code: actes
        label: Actes
        article: art. 6
        rule: unit-price
        equivalent: EPC
        units:
          - {id: pc, label: Permis de construire}
          - {id: dp, label: Déclaration préalable, weight: "0.7"}
        prices:
          - {from: 2025-01-01, price: "183.33"}
          - {from: 2026-07-01, price: "190.00"}
        free:
          - {unit: dp, quantity: "1.5"}
"""


def test_each_act_at_the_price_in_force_on_its_date_times_its_weight() -> None:
    tariff = grid(UNITS)
    s = statement(
        tariff,
        commune(
            ("ads", "2025-01-01"),
            acts=(
                act("pc", "2026-06-30", "2"),
                act("pc", "2026-07-01"),
                act("dp", "2026-12-31", "4"),
            ),
        ),
    )
    lines = [(line.label, line.amount) for line in s.lines]
    assert lines == [
        ("Actes — Permis de construire", D("366.66")),  # 2 × 183,33 (30 June: old price)
        ("Actes — Permis de construire", D("190.00")),  # 1 July: the new price
        # 4 DP, the first 1.5 free: 2.5 × 0,7 × 190 = 332,50
        ("Actes — Déclaration préalable", D("332.50")),
    ]
    assert s.total == D("889.16")
    assert say(s.lines[2].basis) == (
        "4 × Déclaration préalable (31/12/2026), 1.5 free → 2.5 "
        "billed × 0.7 EPC × €190.00 (price from 01/07/2026)"
    )


def test_a_weighted_price_is_rounded_to_the_cent_once_per_line() -> None:
    tariff = grid(UNITS)
    # 3.5 DP billed at 0,7 × 183,33 = 128,331 each: 449,1585 → 449,16, not 3.5 × 128,33
    s = statement(
        tariff,
        commune(
            ("ads", "2025-01-01"), acts=(act("dp", "2026-01-05", "2"), act("dp", "2026-02-05", "3"))
        ),
    )
    assert s.total == D("449.16")


def test_free_units_are_the_first_of_each_year_in_date_order() -> None:
    tariff = grid(UNITS)
    member = commune(
        ("ads", "2025-01-01"),
        acts=(act("dp", "2026-09-01"), act("dp", "2026-08-01"), act("dp", "2025-03-01")),
    )
    # 2026: 1 August and the half of 1 September free; 0.5 DP at 190 € billed
    assert statement(tariff, member, 2026).total == D("66.50")
    # 2025: its one act is within that year's free units
    first = statement(tariff, member, 2025)
    assert first.total == D("0.00") and "1 free → 0 billed" in say(first.lines[0].basis)


def test_no_act_no_line_and_acts_of_other_years_or_units_ignored() -> None:
    tariff = grid(UNITS)
    s = statement(tariff, commune(("ads", "2025-01-01"), acts=(act("pc", "2025-12-31"),)))
    assert s.lines == ()


def test_unit_prices_per_unit_without_equivalence() -> None:
    tariff = grid("""\
        offers:
          - id: paie
            label: Paie
            billing: annual
            titled: next-january
            article: art. 2
            parts:
              - code: documents
                label: Documents
                article: art. 2
                rule: unit-price
                units:
                  - {id: bulletin, label: Bulletins}
                  - {id: attestation, label: Attestations}
                prices:
                  - from: 2025-01-01
                    unit_prices: {bulletin: "12.50", attestation: "6.00"}
        """)
    s = statement(
        tariff,
        commune(
            ("paie", "2025-01-01"),
            acts=(act("bulletin", "2026-01-31", "37"), act("attestation", "2026-05-02")),
        ),
    )
    assert by_code(s) == {"paie.documents": D("468.50")}  # 37 × 12,50 + 6,00


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        ('          - {from: 2024-06-01, price: "190.00"}\n', ("price-order", 24, 20)),
        ('          - {from: 2025-01-01, price: "190.00"}\n', ("price-order", 24, 20)),
    ],
)
def test_price_lists_go_forward_in_time(mistake: str, expected: tuple[str, int, int]) -> None:
    body = UNITS.replace('          - {from: 2026-07-01, price: "190.00"}\n', mistake)
    assert expected in problems_of(body)


def test_free_units_name_a_unit_of_the_part() -> None:
    body = UNITS.replace("{unit: dp, quantity", "{unit: cu, quantity")
    assert ("unknown-unit", 26, 20) in problems_of(body)


def test_a_worked_example_act_of_an_unknown_unit_is_pointed_at() -> None:
    body = UNITS + textwrap.dedent("""\
        examples:
          - title: Un acte
            article: art. 6
            year: 2026
            members:
              - population: 1000
                subscriptions: [{offer: ads, start: 2026-01-01}]
                consumption: [{unit: pcc, date: 2026-03-01}]
            expect: {total: "183.33"}
        """)
    problems = problems_of(body)
    assert problems[0] == ("unknown-unit", 34, 30)


def test_shipped_ads_example_billed_through_the_cli_with_its_csv_consumption() -> None:
    result = run("bill", "--service", "ads-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    # 35901: ADS 1 403,00 (as the tariff's first worked example) + paie 6 259,50
    assert totals == {"35901": "7662.50", "35902": "1280.00", "35903": "498.00"}
    assert data["total"] == "9440.50"
    first = data["statements"][0]["lines"][0]
    assert first == {
        "code": "ads.actes",
        "label": "Actes instruits — Permis de construire",
        "amount": "420.00",
        "basis": "2 × Permis de construire (10/02/2026–03/05/2026) × €210.00 "
        "(price from 01/01/2025, EXEMPLE-2024-99)",
        "reference": "art. 6.1",
        "titled": "2027-01",
        "offer": "ads",
        "part": "actes",
        "rule": "unit-price",
        "basis_data": {
            "rule": "unit-price",
            "counted": {
                "quantity": "2",
                "unit": "Permis de construire",
                "dates": {"first": "2026-02-10", "last": "2026-05-03"},
            },
            "price": {"price": "210.00"},
            "dated": {"start": "2025-01-01", "reference": "EXEMPLE-2024-99"},
        },
    }


def test_a_consumption_file_in_yaml_is_read_like_the_csv(tmp_path: Path) -> None:
    (tmp_path / "tariff.yaml").write_text(
        (ROOT / "tariffs/examples/ads-instruction-actes.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp_path / "roster.yaml").write_text(
        (ROOT / "examples/ads/roster.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    write(
        tmp_path / "actes-2026.yaml",
        """
        service: ads-exemple
        acts:
          - {member: "35903", unit: declaration-prealable, date: 2026-01-20}
          - {member: "35903", unit: permis-construire, date: 2026-11-20, reference: PC 12}
    """,
    )
    write(
        tmp_path / "servcommun.toml",
        """
        [services.ads-exemple]
        tariffs = ["tariff.yaml"]
        roster = "roster.yaml"
        consumption = "actes-{year}.yaml"
    """,
    )
    checked = run("check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    result = run("bill", "--year", "2026", "--member", "35903", "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["statements"][0]["total"] == "367.00"  # 147 + 220
    missing = run("bill", "--year", "2025", cwd=tmp_path)
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith(
        "actes-2025.yaml:1:1: no-consumption no 2025 consumption file for service 'ads-exemple'"
    )


def test_an_act_of_another_year_in_a_yearly_consumption_file_is_an_error_at_its_line(
    tmp_path: Path,
) -> None:
    """The bill of 2026 reads actes-2026 only: an act of 2025 there would be billed by no
    one, so it is refused where it is written, by bill and by check."""
    (tmp_path / "tariff.yaml").write_text(
        (ROOT / "tariffs/examples/ads-instruction-actes.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp_path / "roster.yaml").write_text(
        (ROOT / "examples/ads/roster.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    acts = """
        service: ads-exemple
        acts:
          - {member: "35903", unit: declaration-prealable, date: 2026-01-20}
          - {member: "35903", unit: permis-construire, date: 2025-11-20, reference: PC 12}
    """
    write(tmp_path / "actes-2026.yaml", acts)
    toml = """
        [services.ads-exemple]
        tariffs = ["tariff.yaml"]
        roster = "roster.yaml"
        consumption = "actes-{year}.yaml"
    """
    write(tmp_path / "servcommun.toml", toml)
    expected = (
        "actes-2026.yaml:4:54: act-year an act of 20/11/2025 in the consumption file of 2026: "
        "it would be billed in no year; move it to the file of 2025"
    )
    billed = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    assert billed.returncode == 1 and billed.stdout == ""
    assert billed.stderr.splitlines()[0] == expected
    checked = run("check", cwd=tmp_path)
    assert checked.returncode == 1 and expected in checked.stdout
    # one file for every year (no {year}): its acts are of any year
    (tmp_path / "actes-2026.yaml").rename(tmp_path / "actes.yaml")
    write(tmp_path / "servcommun.toml", toml.replace("actes-{year}", "actes"))
    single = run("bill", "--year", "2026", "--member", "35903", "--format", "json", cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    assert json.loads(single.stdout)["statements"][0]["total"] == "147.00"  # the 2026 act


# -- 2. proration, floors and caps ----------------------------------------------------------

YEARLY = """\
proration: month
offers:
  - id: socle
    label: Socle
    billing: annual
    titled: next-january
    article: art. 8
    parts:
      - {code: fixed, label: Part fixe, article: art. 8, rule: bracket-amount,
         brackets: [{from: 0, amount: "1000.00"}]}
      - {code: variable, label: Part variable, article: art. 8, rule: per-inhabitant,
         rate: "1.25"}
      - {code: floor, label: Minimum, article: art. 8, rule: floor, amount: "2000.00",
         prorated: true}
  - id: heberg
    label: Hébergement
    billing: annual
    titled: next-january
    article: art. 9
    proration: day
    parts:
      - {code: fixed, label: Forfait, article: art. 9, rule: bracket-amount,
         brackets: [{from: 0, amount: "1000.00"}]}
"""


def test_month_proration_counts_months_begun_and_rounds_each_part_once() -> None:
    tariff = grid(YEARLY)
    # joined 31 May: May counts, 8 months of 12; 1 000 × 8/12 = 666,666… → 666,67
    # 1 001 × 1,25 = 1 251,25 × 8/12 = 834,1666… → 834,17 (the yearly amount exact, once)
    s = statement(tariff, commune(("socle", "2026-05-31"), population=1001))
    assert by_code(s) == {"socle.fixed": D("666.67"), "socle.variable": D("834.17")}
    # above the prorated minimum (2 000 × 8/12 = 1 333,33): no floor line
    assert s.total == D("1500.84")
    small = statement(tariff, commune(("socle", "2026-05-31"), population=100))
    # 666,67 + 125 × 8/12 = 83,33 → 750,00: topped up to 1 333,33
    assert by_code(small)["socle.floor"] == D("583.33") and small.total == D("1333.33")
    assert say(s.lines[0].basis) == (
        "bracket every population: €1,000.00 a year × 8/12 months "
        "(subscribed 31/05/2026–31/12/2026)"
    )


def test_leaving_and_rejoining_counts_each_month_once() -> None:
    tariff = grid(YEARLY)
    member = commune(
        ("socle", "2025-01-01", "2026-02-10"),
        ("socle", "2026-02-20", "2026-04-30"),
        ("socle", "2026-12-31"),
        population=2000,
    )
    # January to April, and December: 5 months (February counted once)
    s = statement(tariff, member)
    assert s.lines[0].amount == D("416.67")
    assert (
        "× 5/12 months (subscribed 01/01/2026–10/02/2026, 20/02/2026–30/04/2026, "
        "31/12/2026–31/12/2026)" in say(s.lines[0].basis)
    )


def test_day_proration_counts_days_of_the_year_leap_years_included() -> None:
    tariff = grid(YEARLY)
    member = commune(("heberg", "2026-03-01"))
    assert statement(tariff, member).total == D("838.36")  # 1 000 × 306/365
    leap = Member(
        id="35901",
        name="Commune",
        population={2028: 1000},
        subscriptions=(Subscription(offer="heberg", start=dt.date(2028, 3, 1)),),
    )
    assert statement(tariff, leap, 2028).total == D("836.07")  # 1 000 × 306/366


def test_a_whole_year_is_not_prorated_and_no_proration_bills_the_whole_year() -> None:
    sub = Subscription(offer="socle", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    assert proration_share(Proration.MONTH, [sub], 2026) is None
    assert proration_share(Proration.DAY, [sub], 2026) is None
    late = Subscription(offer="socle", start=dt.date(2026, 12, 31))
    assert proration_share(Proration.NONE, [late], 2026) is None
    share = proration_share(Proration.DAY, [late], 2026)
    assert share is not None and (share.numerator, share.denominator) == (1, 365)


def test_floor_and_cap_lines_appear_only_when_they_bite() -> None:
    tariff = grid(
        YEARLY.replace('amount: "2000.00",\n         prorated: true', 'amount: "2000.00"')
    )
    assert "socle.floor" not in by_code(
        statement(tariff, commune(("socle", "2025-01-01"), population=1000))
    )
    # 1 000 + 1,25 × 500 = 1 625 → 375 up to the (not prorated) minimum of 2 000
    s = statement(tariff, commune(("socle", "2025-01-01"), population=500))
    assert by_code(s)["socle.floor"] == D("375.00") and s.total == D("2000.00")
    assert say(s.lines[-1].basis) == "offer lines €1,625.00 below the floor of €2,000.00"


def test_a_statement_cap_applies_after_every_offer() -> None:
    tariff = grid(
        YEARLY
        + textwrap.dedent("""\
        statement_limits:
          - {code: cap, label: Plafond, article: art. 10, rule: cap, amount: "3000.00"}
        """)
    )
    s = statement(
        tariff, commune(("socle", "2025-01-01"), ("heberg", "2025-01-01"), population=1600)
    )
    # socle 1 000 + 2 000 = 3 000, hébergement 1 000: 4 000 → 1 000 deducted
    assert by_code(s)["statement.cap"] == D("-1000.00") and s.total == D("3000.00")
    assert say(s.lines[-1].basis) == "statement lines €4,000.00 above the cap of €3,000.00"
    assert s.offer_total("statement") == D("-1000.00")


def test_shipped_proration_example_billed_through_the_cli() -> None:
    result = run("bill", "--service", "prorata-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    assert totals == {
        "35911": "2231.83",
        "35912": "200.00",
        "35913": "15000.00",
        "35914": "1676.71",
    }
    assert data["total"] == "19108.54"


# -- 3. a rate per inhabitant with a reference year and indexation ---------------------------

INDEXED = """\
offers:
  - id: contribution
    label: Contribution
    billing: annual
    titled: next-january
    article: art. 5
    parts:
      - code: variable
        label: Par habitant
        article: art. 5
        rule: per-inhabitant
        rate: "2.10"
        indexation:
          index: ipc
          reference_year: 2023
          index_year: {year}
          rounding: {{applies_to: {applies_to}, places: 4}}
          article: art. 5
"""
IPC = ServiceData(indices={"ipc": {2023: D("112.40"), 2025: D("116.02"), 2026: D("117.55")}})


def test_the_coefficient_is_rounded_as_the_convention_says() -> None:
    tariff = grid(INDEXED.format(year="billed", applies_to="coefficient"))
    s = statement(tariff, commune(("contribution", "2025-01-01"), population=2355), 2026, IPC)
    # 117,55 / 112,40 = 1,045818… → 1,0458; 2,10 × 1,0458 = 2,19618 × 2 355 = 5 172,00
    assert s.total == D("5172.00")
    assert say(s.lines[0].basis) == (
        "2,355 inhabitants × €2.19618 (€2.10 × ipc 2026 / 2023 = "
        "117.55 / 112.40 = 1.0458, coefficient rounded half up to 4 "
        "decimals)"
    )


def test_rounding_the_rate_instead_gives_another_bill() -> None:
    tariff = grid(INDEXED.format(year="billed", applies_to="rate"))
    s = statement(tariff, commune(("contribution", "2025-01-01"), population=2355), 2026, IPC)
    # 2,10 × 1,045818… = 2,19622 → 2,1962 × 2 355 = 5 172,05
    assert s.total == D("5172.05")


def test_the_previous_years_index_can_index_the_billed_year() -> None:
    tariff = grid(INDEXED.format(year="previous", applies_to="coefficient"))
    s = statement(tariff, commune(("contribution", "2025-01-01"), population=1000), 2026, IPC)
    # 116,02 / 112,40 = 1,032206… → 1,0322; 2,10 × 1,0322 × 1 000 = 2 167,62
    assert s.total == D("2167.62") and "ipc 2025 / 2023" in say(s.lines[0].basis)


def test_a_missing_index_value_puts_the_member_in_review_never_a_guess() -> None:
    tariff = grid(INDEXED.format(year="billed", applies_to="coefficient"))
    member = Member(
        id="35901",
        name="Commune",
        population={2027: 1000},
        subscriptions=(Subscription(offer="contribution", start=dt.date(2025, 1, 1)),),
    )
    outcome = bill_member(tariff, member, 2027, IPC)
    assert isinstance(outcome, NeedsReview) and outcome.missing_data
    assert say(outcome.reason) == ("Contribution: the index 'ipc' has no value for 2027 (art. 5)")
    bill = bill_members(tariff, [member], 2027, IPC)
    assert bill.statements == () and len(bill.needs_review) == 1


def test_shipped_indexed_example_billed_with_its_index_file() -> None:
    result = run("bill", "--service", "indexe-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    assert totals == {"35921": "6217.00", "35922": "1927.56"}


def test_an_indexed_tariff_needs_its_index_file_named(tmp_path: Path) -> None:
    for name in ("tariffs/examples/habitant-indexe.yaml", "examples/indexe/roster.yaml"):
        (tmp_path / Path(name).name).write_text(
            (ROOT / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    write(
        tmp_path / "servcommun.toml",
        """
        [services.indexe-exemple]
        tariffs = ["habitant-indexe.yaml"]
        roster = "roster.yaml"
    """,
    )
    result = run("bill", "--year", "2026", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "servcommun.toml:1:1: no-index the tariff of service "
        "'indexe-exemple' is indexed on indice-exemple-prix"
    )


# -- 4. a cost pool shared by units used, population or key, in layers ----------------------

POOL = """\
offers:
  - id: service
    label: Service
    billing: annual
    titled: next-january
    article: art. 7
    parts:
      - code: cout
        label: Coût
        article: art. 7
        rule: pool-share
        pool: {pool}
        layers:
{layers}
"""
LAYERED = """\
          - {label: Ville-centre, percent: "30", by: key, key: {"35931": "100"}}
          - label: Procédures
            percent: "20"
            by: units
            units: [{id: mapa, label: MAPA}, {id: ao, label: Appel d'offres, weight: "3"}]
          - {label: Solde, by: population}
"""


def pool_members() -> list[Member]:
    def one(id: str, population: int, *acts: Act) -> Member:
        return Member(
            id=id,
            name=f"Commune {id}",
            population={2026: population},
            subscriptions=(Subscription(offer="service", start=dt.date(2025, 1, 1)),),
            consumption=acts,
        )

    return [
        one("35931", 12450, act("mapa", "2026-03-01", "6"), act("ao", "2026-06-01", "2")),
        one("35932", 3210, act("mapa", "2026-04-01", "3"), act("ao", "2026-09-01")),
        one("35933", 1875, act("mapa", "2026-05-01", "2")),
        one("35934", 640),
    ]


def test_layers_sum_exactly_to_the_pool_and_each_layer_to_its_amount() -> None:
    tariff = grid(POOL.format(pool="{from_budget: true}", layers=LAYERED))
    bill = bill_members(tariff, pool_members(), 2026, ServiceData(costs={2026: D("208000.00")}))
    totals = {s.member.id: s.total for s in bill.statements}
    assert totals == {
        "35931": D("158600.72"),
        "35932": D("30848.09"),
        "35933": D("14889.02"),
        "35934": D("3662.17"),
    }
    assert bill.total == D("208000.00")
    by_layer: dict[str, Decimal] = {}
    for s in bill.statements:
        for line in s.lines:
            by_layer[line.label] = by_layer.get(line.label, D(0)) + line.amount
    assert by_layer == {
        "Coût — Ville-centre": D("62400.00"),
        "Coût — Procédures": D("41600.00"),
        "Coût — Solde": D("104000.00"),
    }
    city = {line.label: say(line.basis) for line in bill.statements[0].lines}
    assert city["Coût — Procédures"] == (
        "20% of the pool €208,000.00 = €41,600.00; by units used: 12 of 20"
    )
    assert city["Coût — Solde"] == (
        "the pool €208,000.00 less the other layers = €104,000.00; "
        "by population: 12,450 of 18,175 inhabitants"
    )


def test_a_member_billed_alone_shares_the_pool_with_the_data_members() -> None:
    tariff = grid(POOL.format(pool='{amounts: {2026: "208000.00"}}', layers=LAYERED))
    members = pool_members()
    alone = statement(tariff, members[3], 2026, ServiceData(members=members))
    assert alone.total == D("3662.17")  # as in the whole bill, not the whole pool
    # without the others, nobody holding the offer is in the ville-centre's key: the pool
    # cannot be shared, and the member is listed for review rather than billed a guess
    outcome = bill_member(tariff, members[3], 2026)
    assert isinstance(outcome, NeedsReview) and "'Ville-centre'" in say(outcome.reason)


@pytest.mark.parametrize("pool", ["208000.00", "0.01", "1000000.03", "7.77"])
def test_percent_layers_alone_share_the_pool_by_largest_remainder(pool: str) -> None:
    tariff = grid(
        POOL.format(
            pool=f'{{amounts: {{2026: "{pool}"}}}}',
            layers="""\
          - {label: A, percent: "33.33", by: equal}
          - {label: B, percent: "33.33", by: population}
          - {label: C, percent: "33.34", by: key, key: {"35931": "33.33", "35934": "66.67"}}
""",
        )
    )
    bill = bill_members(tariff, pool_members(), 2026)
    assert bill.total == D(pool)
    assert all(
        line.amount == line.amount.quantize(D("0.01")) for s in bill.statements for line in s.lines
    )


def test_a_pool_that_cannot_be_shared_puts_its_members_in_review() -> None:
    tariff = grid(
        POOL.format(
            pool='{amounts: {2026: "1000.00"}}',
            layers="""\
          - {label: Procédures, percent: "100", by: units, units: [{id: cu, label: CU}]}
""",
        )
    )
    bill = bill_members(tariff, pool_members(), 2026)
    assert bill.statements == () and len(bill.needs_review) == 4
    assert say(bill.needs_review[0].reason) == (
        "Service: the layer 'Procédures' of the pool cannot be shared: no member holding the "
        "offer has a weight in it in 2026 (units)"
    )


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        (
            '          - {label: A, percent: "60", by: equal}\n'
            "          - {label: B, by: population}\n          - {label: C, by: equal}\n",
            ("pool-layers", 22, 13),
        ),
        (
            '          - {label: A, amount: "100.00", by: equal}\n'
            '          - {label: B, percent: "100", by: population}\n',
            ("pool-layers", 20, 11),
        ),
        ('          - {label: A, percent: "100", by: key}\n', ("pool-layer", 20, 44)),
        ('          - {label: A, percent: "100", by: units}\n', ("pool-layer", 20, 44)),
    ],
)
def test_pool_layers_must_add_up(layers: str, expected: tuple[str, int, int]) -> None:
    assert expected in problems_of(POOL.format(pool='{amounts: {2026: "1.00"}}', layers=layers))


KEYS = """\
keys:
  - {id: reference, label: Clé de référence, article: art. 8 (clé de référence),
     shares: {"35931": "46.20", "35932": "53.32", "35933": "0.48"}}
"""
BY_REFERENCE = '          - {label: Clé, percent: "100", by: key, key: reference}\n'


def totals_of(bill: Bill) -> dict[str, Decimal]:
    return {s.member.id: s.total for s in bill.statements}


def test_a_pool_layer_shares_by_a_key_of_the_tariff_citing_its_article() -> None:
    tariff = grid(KEYS + POOL.format(pool='{amounts: {2026: "12345.67"}}', layers=BY_REFERENCE))
    bill = bill_members(tariff, pool_members(), 2026)
    # 12 345,67 × 46,20 % = 5 703,69954, × 53,32 % = 6 582,711244, × 0,48 % = 59,259216;
    # 5 703,69 + 6 582,71 + 59,25 = 12 345,65: the two cents left go to the largest
    # remainders (0,954 and 0,9216 of a cent, against 0,1244), 35931's and 35933's
    assert totals_of(bill) == {
        "35931": D("5703.70"),
        "35932": D("6582.71"),
        "35933": D("59.26"),
        "35934": D("0"),
    }
    assert bill.total == D("12345.67")
    city = bill.statements[0].lines[0]
    assert say(city.basis) == (
        "100% of the pool €12,345.67 = €12,345.67; by key 'reference': 46.2 of 100"
    )
    assert city.reference == "art. 8 (clé de référence)"  # the key's article
    assert bill.statements[3].lines == ()  # 35934 holds the offer; the key does not name it


def test_a_member_of_the_key_not_holding_the_offer_leaves_the_layer_to_the_others() -> None:
    layer = (
        '          - {label: Clé, percent: "100", by: key, key: reference, article: art. 8 al. 2}\n'
    )
    named = grid(KEYS + POOL.format(pool='{amounts: {2026: "12345.67"}}', layers=layer))
    written = grid(
        POOL.format(
            pool='{amounts: {2026: "12345.67"}}',
            layers=layer.replace(
                "reference", '{"35931": "46.20", "35932": "53.32", "35933": "0.48"}'
            ),
        )
    )
    members = [member for member in pool_members() if member.id != "35932"]
    bill = bill_members(named, members, 2026)
    # 35932 (53,32 %) does not hold the offer: 46,20 and 0,48 of 46,68 share the layer,
    # 12 218,7222… and 126,9477…; 12 218,72 + 126,94 = 12 345,66, the cent left to the
    # largest remainder (0,776 of a cent against 0,222): 35933's
    assert totals_of(bill) == {"35931": D("12218.72"), "35933": D("126.95"), "35934": D("0")}
    assert say(bill.statements[0].lines[0].basis).endswith("by key 'reference': 46.2 of 46.68")
    assert bill.statements[0].lines[0].reference == "art. 8 al. 2"  # the layer's own article
    # the key written in the layer is the same key: the same shares
    assert totals_of(bill_members(written, members, 2026)) == totals_of(bill)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ("key: referance}", [("undefined-key", 23, 56)]),  # at the name
        ('key: {"35931": "60", "35932": "30"}}', [("key-sum", 23, 56)]),
        ('key: {"35931": "1", "35934": "2"}}', [("key-sum", 23, 56)]),  # weights: no longer
        (
            'key: {"35931": "33.333", "35932": "66.667"}}',
            [("key-precision", 23, 66), ("key-precision", 23, 85)],
        ),  # at each share
    ],
)
def test_a_layers_key_is_defined_or_written_as_a_key(
    layer: str, expected: list[tuple[str, int, int]]
) -> None:
    layers = f'          - {{label: Clé, percent: "100", by: key, {layer}\n'
    assert (
        problems_of(KEYS + POOL.format(pool='{amounts: {2026: "1.00"}}', layers=layers)) == expected
    )


def test_a_pool_key_is_derived_on_the_base_given_with_the_communes_names() -> None:
    """Art. 8 of the pool example: the Vergers' 20 % is 2 400 € of the 12 000 € archive
    pool; its key shares no budget line, so no salary mass is a default base."""
    derived = run(
        "key",
        "derive",
        "--service",
        "pool-exemple",
        "--party",
        "35933",
        "--target",
        "2400",
        "--base",
        "12000",
        "--take-from",
        "35931",
        "--year",
        "2026",
        "--format",
        "json",
    )
    assert derived.returncode == 0, derived.stderr
    data = json.loads(derived.stdout)
    assert data["key"] == {"35931": "50", "35932": "30", "35933": "20"}
    assert data["amounts"] == {"35931": "6000.00", "35932": "3600.00", "35933": "2400.00"}
    table = run(
        "key",
        "derive",
        "--service",
        "pool-exemple",
        "--party",
        "35933",
        "--target",
        "2400",
        "--base",
        "12000",
        "--take-from",
        "35931",
        "--year",
        "2026",
    )
    assert "35933   Commune exemple des Vergers" in table.stdout
    no_base = run(
        "key",
        "derive",
        "--service",
        "pool-exemple",
        "--party",
        "35933",
        "--target",
        "2400",
        "--take-from",
        "35931",
        "--year",
        "2026",
    )
    assert no_base.returncode == 1
    assert no_base.stderr.strip() == (
        "tariffs/examples/pool-par-couches.yaml:1:1: derive-base the key 'archivage' shares "
        "no budget line, so no salary mass is its base: give the base with --base"
    )


def test_shipped_pool_example_billed_with_its_budget_file() -> None:
    result = run("bill", "--service", "pool-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    assert totals == {
        "35931": "164600.72",
        "35932": "34448.09",
        "35933": "17289.02",
        "35934": "3662.17",
    }
    assert data["total"] == "220000.00"  # the 208 000 € budget and the 12 000 € archive pool


def test_a_worked_example_gives_each_named_members_total(tmp_path: Path) -> None:
    text = (ROOT / "tariffs/examples/pool-par-couches.yaml").read_text(encoding="utf-8")
    wrong = text.replace('"35931": "158600.72"', '"35931": "158600.71"')
    (tmp_path / "t.yaml").write_text(wrong, encoding="utf-8")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "example-mismatch worked example 'Budget 2026 de 208 000 € entre quatre communes "
        "(30 % / 20 % / solde)' (art. 7): expected member 35931 total €158,600.71, computed "
        "€158,600.72"
    ) in result.stdout


POOL_TARIFF = grid(
    POOL.format(
        pool="{from_budget: true}",
        layers="""\
          - {label: Minimum, percent: "17.5", by: key, key: {"35900": "100"}}
          - {label: Forfait, amount: "1000.00", by: equal}
          - label: Unités
            percent: "20"
            by: units
            units: [{id: mapa, label: MAPA}, {id: ao, label: AO, weight: "3"}]
          - {label: Solde, by: population}
""",
    )
)


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(min_value=1_000_000, max_value=10**11),  # from 10 000,00 €
    populations=st.lists(st.integers(min_value=1, max_value=200_000), min_size=1, max_size=12),
    units=st.lists(st.integers(min_value=0, max_value=40), min_size=12, max_size=12),
)
def test_pool_shares_always_sum_exactly_to_the_pool(
    cents: int, populations: list[int], units: list[int]
) -> None:
    """Whatever the pool (above its fixed layer), populations and units used, the layers sum
    to the pool and the members' shares to each layer, to the cent (largest remainder)."""
    pool = D(cents).scaleb(-2)
    members = [
        Member(
            id=f"{35900 + index:05d}",
            name="Commune",
            population={2026: population},
            subscriptions=(Subscription(offer="service", start=dt.date(2026, 1, 1)),),
            consumption=(act("ao", "2026-05-01", str(units[index])),) if units[index] else (),
        )
        for index, population in enumerate(populations)
    ]
    if not any(units[: len(members)]):  # a layer by units needs some unit used
        members[0] = members[0].model_copy(update={"consumption": (act("mapa", "2026-01-02"),)})
    bill = bill_members(POOL_TARIFF, members, 2026, ServiceData(costs={2026: pool}))
    assert not bill.needs_review
    assert bill.total == pool
    layers: dict[str, Decimal] = {}
    for s in bill.statements:
        for line in s.lines:
            assert line.amount >= 0 and line.amount == line.amount.quantize(D("0.01"))
            layers[line.label] = layers.get(line.label, D(0)) + line.amount
    assert layers["Coût — Forfait"] == D("1000.00")
    assert layers["Coût — Minimum"] == (pool * D("0.175")).quantize(D("0.01"), ROUND_HALF_UP)


# -- 5. a key computed from data: agents' time weighted by salary cost ----------------------

AGENTS = (
    AgentTime(id="A1", cost=D("72000.00"), shares={"ville": D(70), "ccas": D(20), "caisse": D(10)}),
    AgentTime(id="A2", cost=D("41500.00"), shares={"ville": D(50), "ccas": D(40), "caisse": D(10)}),
    AgentTime(id="A3", cost=D("38200.00"), shares={"ville": D(80), "ccas": D(20)}),
    AgentTime(id="A4", cost=D("33900.00"), shares={"ville": D(60), "ccas": D(25), "caisse": D(15)}),
)
PARTIES = ["ville", "ccas", "caisse"]


def test_the_key_is_the_time_split_weighted_by_salary_cost() -> None:
    key = agents_key(AGENTS, PARTIES, D("0.01"), "largest-remainder")
    assert key.cost == D("185600.00")
    # Σ cost × share / Σ cost: 122 050 / 185 600, 47 115 / 185 600, 16 435 / 185 600
    assert {p: v.quantize(D("0.000001")) for p, v in key.exact.items()} == {
        "ville": D("65.759698"),
        "ccas": D("25.385237"),
        "caisse": D("8.855065"),
    }
    assert dict(key.shares) == {"ville": D("65.76"), "ccas": D("25.39"), "caisse": D("8.85")}


def test_the_keys_rounding_is_the_conventions_own() -> None:
    # rounded half up one by one they would sum to 100.01: the named party absorbs it
    half_up = agents_key(AGENTS, PARTIES, D("0.01"), "half-up", remainder_to="ville")
    assert dict(half_up.shares) == {"ville": D("65.75"), "ccas": D("25.39"), "caisse": D("8.86")}
    tenths = agents_key(AGENTS, PARTIES, D("0.1"), "largest-remainder")
    assert dict(tenths.shares) == {"ville": D("65.8"), "ccas": D("25.4"), "caisse": D("8.8")}
    for key in (half_up, tenths):
        assert sum(key.shares.values()) == D(100)


def test_an_agent_working_for_someone_outside_the_key_is_named() -> None:
    from servcommun.engine.keys import KeyComputationError

    with pytest.raises(KeyComputationError) as raised:
        agents_key(AGENTS, ["ville", "ccas"], D("0.01"), "largest-remainder")
    assert say(raised.value.message) == (
        "agent A1 works for 'caisse', who does not share this key (ville, ccas)"
    )


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**8),
            st.integers(min_value=0, max_value=100),
            st.integers(min_value=0, max_value=100),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_a_computed_key_always_sums_to_exactly_100(agents: list[tuple[int, int, int]]) -> None:
    table = [
        AgentTime(
            id=f"A{i}",
            cost=D(cost).scaleb(-2),
            shares={
                "ville": D(a),
                "ccas": D(max(0, min(b, 100 - a))),
                "caisse": D(100 - a - max(0, min(b, 100 - a))),
            },
        )
        for i, (cost, a, b) in enumerate(agents)
    ]
    key = agents_key(table, PARTIES, D("0.01"), "largest-remainder")
    assert sum(key.shares.values()) == D(100)
    assert all(abs(key.shares[p] - key.exact[p]) < D("0.01") for p in PARTIES)


COMPUTED_POOL = (
    """\
keys:
  - id: temps-agents
    article: art. 4 (clé au temps des agents)
    computed: {from: agents, rounding: {method: largest-remainder}}
"""
    + POOL.format(
        pool='{amounts: {2026: "12345.67"}}',
        layers="""\
          - {label: Temps, percent: "100", by: key, key: temps-agents}
""",
    )
    + """\
examples:
  - title: Clé au temps des agents
    article: art. 4
    year: 2026
    members:
      - {id: "35931", population: 12450, subscriptions: [{offer: service, start: 2026-01-01}]}
      - {id: "35932", population: 3210, subscriptions: [{offer: service, start: 2026-01-01}]}
      - {id: "35933", population: 1875, subscriptions: [{offer: service, start: 2026-01-01}]}
    agents:
      - {id: A1, cost: "72000.00", shares: {"35931": "70", "35932": "20", "35933": "10"}}
      - {id: A2, cost: "41500.00", shares: {"35931": "50", "35932": "40", "35933": "10"}}
      - {id: A3, cost: "38200.00", shares: {"35931": "80", "35932": "20"}}
      - {id: A4, cost: "33900.00", shares: {"35931": "60", "35932": "25", "35933": "15"}}
    expect:
      keys: {temps-agents: {"35931": "65.76", "35932": "25.39", "35933": "8.85"}}
      members: {"35931": "8118.51", "35932": "3134.57", "35933": "1092.59"}
"""
)


def test_a_pool_layer_shares_by_a_key_computed_from_the_years_agents() -> None:
    tariff = grid(COMPUTED_POOL)  # its worked example recomputed from its agents
    assert tariff.takes_budget()  # for the agents, though the pool's amount is the tariff's
    communes = {"ville": "35931", "ccas": "35932", "caisse": "35933"}
    agents = tuple(
        AgentTime(
            id=agent.id,
            cost=agent.cost,
            shares={communes[party]: percent for party, percent in agent.shares.items()},
        )
        for agent in AGENTS
    )
    budget = Budget(
        service="exemple",
        year=2026,
        agents=agents,
        lines=(
            CostLine(
                id="salaires", label="Salaires", category=CostCategory.SALARY, amount=D("185600.00")
            ),
        ),
    )
    bill = bill_members(tariff, pool_members(), 2026, budget_data(budget))
    # the key of AGENTS, 65,76 / 25,39 / 8,85 (35934: no agent's time, no share);
    # 12 345,67 × each = 8 118,512592, 3 134,565613, 1 092,591795; 8 118,51 + 3 134,56 +
    # 1 092,59 = 12 345,66, the cent left to the largest remainder (0,5613 of a cent): 35932
    assert totals_of(bill) == {
        "35931": D("8118.51"),
        "35932": D("3134.57"),
        "35933": D("1092.59"),
        "35934": D("0"),
    }
    assert say(bill.statements[0].lines[0].basis) == (
        "100% of the pool €12,345.67 = €12,345.67; by key 'temps-agents', computed from the "
        "agents' time: 65.76 of 100"
    )
    # without the year's budget, the key cannot be computed: review, never a guess
    missing = bill_members(tariff, pool_members(), 2026)
    assert not missing.statements and say(missing.needs_review[0].reason) == (
        "Service: no budget of 2026 gives the agents the key 'temps-agents' is computed from "
        "(art. 4 (clé au temps des agents))"
    )


def test_a_pool_layers_computed_key_needs_the_agents() -> None:
    without = (
        COMPUTED_POOL[: COMPUTED_POOL.index("    agents:")]
        + COMPUTED_POOL[COMPUTED_POOL.index("    expect:") :]
    )
    assert problems_of(without) == [("no-agents", 27, 5)]  # at the worked example
    tariff = grid(COMPUTED_POOL)
    budget = parse_yaml(
        "service: exemple\nyear: 2026\nlines:\n  - {id: salaires, label: "
        'Salaires, category: salary, amount: "185600.00"}\n',
        "b.yaml",
    )
    assert [p.code for p in budget_problems(budget, tariff)[1]] == ["no-agents"]


def test_shipped_agents_key_example_billed_with_its_budget() -> None:
    result = run("bill", "--service", "rh-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sharing"]["key"] == {"ville": "65.76", "ccas": "25.39", "caisse-ecoles": "8.85"}
    assert data["total"] == "67658.24"
    assert data["sharing"]["notes"][0].startswith(
        "key computed from 4 agents' time weighted by salary cost (€185,600.00): ville 65.7597%"
    )
    derive = run(
        "key",
        "derive",
        "--service",
        "rh-exemple",
        "--party",
        "ccas",
        "--target",
        "1000",
        "--base",
        "100000",
        "--take-from",
        "ville",
    )
    assert derive.returncode == 1 and "computed each year from its agents" in derive.stderr
    join = run(
        "simulate",
        "--service",
        "rh-exemple",
        "--share",
        "2",
        "--name",
        "SIVU",
        "--from-year",
        "2026",
        "--to-year",
        "2026",
    )
    assert join.returncode != 0 and "Traceback" not in join.stderr


# -- 6. unit cost of operation (CGCT art. D5211-16) and its year-end adjustment ------------

UNIT_COST = """\
offers:
  - id: voirie
    label: Voirie
    billing: annual
    titled: next-january
    article: art. 5
    parts:
      - code: fonctionnement
        label: Frais de fonctionnement
        article: CGCT D5211-16
        rule: unit-cost
        units: [{id: heure, label: Heures}, {id: journee, label: Journées, weight: "7"}]
        rounding: {places: 2, mode: half-up}
      - {code: regularisation, label: Régularisation, article: CGCT D5211-16,
         rule: unit-cost-adjustment, of: fonctionnement}
"""


def hours(*quantities: tuple[str, str]) -> Member:
    return commune(
        ("voirie", "2026-01-01"),
        acts=tuple(act(unit, "2026-06-30", quantity) for unit, quantity in quantities),
    )


def operation(actual: dict[str, object] | None = None) -> ServiceData:
    from servcommun.terms import UnitsOfOperation

    return ServiceData(
        costs={2026: D("412000.00")},
        operation={2026: UnitsOfOperation.model_validate({"forecast": "10200", "actual": actual})},
    )


def test_unit_cost_is_the_cost_over_the_forecast_units_times_the_units_used() -> None:
    tariff = grid(UNIT_COST)
    s = statement(tariff, hours(("heure", "45.5"), ("journee", "85")), 2026, operation())
    # 412 000 / 10 200 = 40,392… → 40,39; 85 × 7 + 45,5 = 640,5 h × 40,39 = 25 869,795
    assert by_code(s) == {"voirie.fonctionnement": D("25869.80")}
    assert say(s.lines[0].basis).startswith(
        "640.5 units used × unit cost €40.39 (€412,000.00 / 10,200 units forecast"
    )


def test_the_adjustment_bills_the_actual_unit_cost_once_the_accounts_are_closed() -> None:
    tariff = grid(UNIT_COST)
    closed = operation({"cost": "418600.00", "units": "10250", "closed": "2027-06-18"})
    s = statement(tariff, hours(("heure", "45.5"), ("journee", "85")), 2026, closed)
    assert by_code(s) == {
        "voirie.fonctionnement": D("25869.80"),
        "voirie.regularisation": D("288.22"),
    }
    assert s.total == D("26158.02")  # 640,5 × 40,84: the actual unit cost, to the cent
    assert [line.titled for line in s.lines] == ["2027-01", "2027-06"]
    lower = operation({"cost": "398000.00", "units": "10300", "closed": "2027-05-31"})
    # 398 000 / 10 300 = 38,64: 640,5 × 38,64 = 24 748,92, refunded 25 869,80 − 24 748,92
    # (the difference of the two rounded lines, not 640,5 × 1,75 = 1 120,875 rounded alone)
    refund = statement(tariff, hours(("heure", "45.5"), ("journee", "85")), 2026, lower)
    assert by_code(refund)["voirie.regularisation"] == D("-1120.88")
    assert refund.total == D("24748.92")


def test_a_unit_cost_without_its_budget_puts_the_member_in_review() -> None:
    tariff = grid(UNIT_COST)
    outcome = bill_member(tariff, hours(("heure", "1")), 2026)
    assert isinstance(outcome, NeedsReview) and outcome.missing_data
    assert "no budget of 2026 gives the cost and the units of operation" in say(outcome.reason)


def test_shipped_unit_cost_example_billed_with_its_budget() -> None:
    result = run("bill", "--service", "cout-unitaire-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    assert totals == {"35941": "51458.40", "35942": "26158.02"}
    adjustment = data["statements"][0]["lines"][1]
    assert (adjustment["code"], adjustment["amount"], adjustment["titled"]) == (
        "voirie.regularisation",
        "567.00",
        "2027-06",
    )


# -- 7. settlement: a title of revenue, or a deduction from the attribution de compensation --

SETTLED = """\
offers:
  - id: contribution
    label: Contribution
    billing: annual
    titled: next-january
    article: art. 9
    parts:
      - {code: variable, label: Par habitant, article: art. 9, rule: per-inhabitant,
         rate: "3.20"}
settlement: {mode: attribution-deduction, attribution_year: next, article: art. 9}
"""


def settled(attribution: dict[int, str], **extra: object) -> Member:
    return Member(
        id="35951",
        name="Commune",
        population={2026: 2355},
        subscriptions=(Subscription(offer="contribution", start=dt.date(2026, 1, 1)),),
        attribution_compensation={y: D(v) for y, v in attribution.items()},
        **extra,
    )  # type: ignore[arg-type]


def test_a_deduction_shows_the_attribution_before_and_after() -> None:
    tariff = grid(SETTLED)
    s = statement(tariff, settled({2026: "184200.00", 2027: "185000.00"}))
    assert s.total == D("7536.00")  # what is owed does not change, only how it is settled
    assert s.settlement is not None
    assert (
        s.settlement.mode,
        s.settlement.attribution_year,
        s.settlement.attribution_before,
        s.settlement.deducted,
        s.settlement.attribution_after,
    ) == ("attribution-deduction", 2027, D("185000.00"), D("7536.00"), D("177464.00"))


def test_the_billed_years_attribution_when_the_tariff_says_so() -> None:
    tariff = grid(SETTLED.replace("attribution_year: next", "attribution_year: billed"))
    s = statement(tariff, settled({2026: "-12400.00"}))
    assert s.settlement is not None and s.settlement.attribution_after == D("-19936.00")


def test_a_member_may_choose_a_title_of_revenue() -> None:
    from servcommun.tariff import SettlementMode

    s = statement(grid(SETTLED), settled({}, settlement=SettlementMode.REVENUE_TITLE))
    assert s.settlement is not None and s.settlement.mode == "revenue-title"
    assert s.settlement.attribution_after is None


def test_no_attribution_known_means_review_never_a_guess() -> None:
    outcome = bill_member(grid(SETTLED), settled({2026: "184200.00"}), 2026)
    assert isinstance(outcome, NeedsReview) and not outcome.missing_data
    assert say(outcome.reason) == (
        "settled by deduction from its attribution de compensation "
        "(art. 9), and the roster gives none for 2027"
    )


def test_a_tariff_saying_nothing_of_settlement_bills_as_before(redon: Tariff) -> None:
    from conftest import member

    s = statement(redon, member(2355, ("socle-complet", "2026-01-01")))
    assert s.settlement is None and s.total == D("5532.50")


def test_shipped_settlement_example_in_json_table_and_statements(tmp_path: Path) -> None:
    result = run("bill", "--service", "reglement-exemple", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    statements = json.loads(result.stdout)["statements"]
    assert statements[0]["settlement"] == {
        "mode": "attribution-deduction",
        "reference": "art. 9 ; CGCT art. L5211-4-2",
        "attribution_year": 2027,
        "attribution_before": "185000.00",
        "deducted": "7536.00",
        "attribution_after": "177464.00",
    }
    assert statements[1]["settlement"]["attribution_after"] == "-14448.00"
    assert statements[2]["settlement"] == {
        "mode": "revenue-title",
        "reference": "art. 9 ; CGCT art. L5211-4-2",
    }
    table = run(
        "bill", "--service", "reglement-exemple", "--year", "2026", "--detail", "--member", "35951"
    )
    assert (
        "Settled by deduction from the 2027 attribution de compensation (art. 9 ; CGCT "
        "art. L5211-4-2): €185,000.00 − €7,536.00 = €177,464.00."
    ) in " ".join(table.stdout.split())
    out = tmp_path / "releves"
    language.choose("en")  # --lang en, chosen before the command line is parsed
    written = run(
        "--lang",
        "en",
        "statements",
        "--service",
        "reglement-exemple",
        "--year",
        "2026",
        "--output",
        str(out),
    )
    assert written.returncode == 0, written.stderr
    import pypdf

    pdf = next(out.glob("2026-35951-*.pdf"))
    text = " ".join(pypdf.PdfReader(pdf).pages[0].extract_text().split())
    assert (
        "Settlement By deduction from the attribution de compensation 2027 (art. 9 ; CGCT "
        "art. L5211-4-2): €185,000.00 − €7,536.00 = €177,464.00."
    ) in text


# -- the README's walk-through: a new convention as a YAML file, no Python ------------------


def test_the_readmes_walk_through_checks_and_bills_as_it_says(tmp_path: Path) -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:yaml|toml|csv)\n# file: (\S+)\n(.*?)```", readme, re.S)
    assert {name for name, _ in blocks} == {
        "tariffs/instruction-2026.yaml",
        "servcommun.toml",
        "communes.yaml",
        "actes-2026.csv",
        "cdg/tariffs/cdg-2026.yaml",
        "cdg/servcommun.toml",
        "cdg/collectivites.yaml",
    }
    for name, text in blocks:
        write(tmp_path / name, text)
    checked = run("check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    result = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    statements = {s["member"]["id"]: s for s in json.loads(result.stdout)["statements"]}
    assert {k: s["total"] for k, s in statements.items()} == {"35236": "680.00", "35145": "600.00"}
    assert statements["35236"]["settlement"]["attribution_after"] == "51320.00"
    assert statements["35145"]["settlement"]["attribution_after"] == "17900.00"
    assert (
        statements["35145"]["lines"][-1]["basis"]
        == "offer lines €400.00 below the floor of €600.00"
    )

    # the second walk-through: declared salary masses, advances, a mission on its quote
    cdg = tmp_path / "cdg"
    checked = run("check", cwd=cdg)
    assert checked.returncode == 0, checked.stdout
    result = run("bill", "--year", "2026", "--format", "json", cwd=cdg)
    assert result.returncode == 0, result.stderr
    lines = {
        (s["member"]["id"], line["code"]): line["amount"]
        for s in json.loads(result.stdout)["statements"]
        for line in s["lines"]
    }
    assert lines == {
        ("35236", "cotisation.taux"): "38500.00",  # 4 812 500,00 × 0,80 %
        ("243500741", "cotisation.taux"): "15600.00",  # 1 950 000,00 × 0,80 %
        ("243500741", "missions.jours"): "4950.00",  # 11 days × 450,00 € (quoted in 2025)
    }
    table = run("bill", "--year", "2026", cwd=cdg).stdout
    assert "Population" not in table  # no rule reads one: no column of blanks
    assert "Population" in run("bill", "--year", "2026", cwd=tmp_path).stdout
    first = run("titres", "--year", "2026", "--instalment", "1", "--format", "json", cwd=cdg)
    assert first.returncode == 0, first.stderr
    called = {t["debtor"]["id"]: t["amount_ttc"] for t in json.loads(first.stdout)["titres"]}
    assert called == {"35236": "9625.00", "243500741": "3900.00"}  # a quarter of each
    issued = run("issue", "--year", "2026", "--instalment", "1", cwd=cdg)
    assert issued.returncode == 0, issued.stderr
    assert "2 titres (2026-0001–2026-0002), €13,525.00" in issued.stderr


def test_csv_export_says_how_each_statement_is_settled() -> None:
    """The accountant titles only what is not deducted from an attribution de compensation."""
    plain = run("bill", "--service", "reglement-exemple", "--year", "2026", "--format", "csv")
    assert plain.returncode == 0, plain.stderr
    rows = list(csv.DictReader(io.StringIO(plain.stdout)))
    by_member = {row["member_id"]: row for row in rows}
    assert [
        by_member["35951"][k]
        for k in (
            "amount",
            "settlement",
            "attribution_year",
            "attribution_before",
            "attribution_after",
        )
    ] == ["7536.00", "attribution-deduction", "2027", "185000.00", "177464.00"]
    assert by_member["35952"]["attribution_after"] == "-14448.00"  # 640 × 3,20 more owed
    assert [
        by_member["35953"][k]
        for k in ("settlement", "attribution_year", "attribution_before", "attribution_after")
    ] == ["revenue-title", "", "", ""]
    french = run(
        "bill",
        "--service",
        "reglement-exemple",
        "--year",
        "2026",
        "--format",
        "csv",
        "--csv-dialect",
        "fr",
        "--member",
        "35951",
    )
    _, cells, *_ = csv.reader(io.StringIO(french.stdout.lstrip("\ufeff")), delimiter=";")
    row = dict(zip(COLUMNS, cells, strict=True))  # the headings are said, in the same order
    assert (row["attribution_before"], row["attribution_after"]) == ("185000,00", "177464,00")
    redon = run("bill", "--year", "2026", "--format", "csv", "--member", "35236")
    assert next(csv.DictReader(io.StringIO(redon.stdout)))["settlement"] == ""  # not said


def test_a_csv_roster_carries_attributions_and_settlement(tmp_path: Path) -> None:
    (tmp_path / "tariff.yaml").write_text(
        (ROOT / "tariffs/examples/reglement-attribution.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    write(
        tmp_path / "servcommun.toml",
        """
        [services.reglement-exemple]
        tariffs = ["tariff.yaml"]
        roster = "communes.csv"
    """,
    )
    write(
        tmp_path / "communes.csv",
        """
        id;name;population_2026;contribution;attribution_2027;settlement
        35951;Commune exemple de la Lande;2355;2026-01-01;185000.00;
        35953;Commune exemple des Saules;1200;2026-01-01;;revenue-title
    """,
    )
    result = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    settlements = [s["settlement"] for s in json.loads(result.stdout)["statements"]]
    assert settlements[0]["attribution_after"] == "177464.00"
    assert settlements[1]["mode"] == "revenue-title"
    # a semicolon file comes from a spreadsheet set to French: its forms read the same
    (tmp_path / "communes.csv").write_text(
        (tmp_path / "communes.csv").read_text().replace("185000.00", "185 000,00")
    )
    assert run("check", cwd=tmp_path).returncode == 0
    result = run("bill", "--year", "2026", "--format", "json", cwd=tmp_path)
    settlements = [s["settlement"] for s in json.loads(result.stdout)["statements"]]
    assert settlements[0]["attribution_after"] == "177464.00"
    # a figure no reading makes a number is still refused at its cell
    (tmp_path / "communes.csv").write_text(
        (tmp_path / "communes.csv").read_text().replace("185 000,00", "185 000,00 €")
    )
    checked = run("check", cwd=tmp_path)
    assert checked.returncode == 1
    assert checked.stdout.startswith("communes.csv:2:51: number-format ")
