"""The Rouen service commun (délibération 10-26 of 18 December 2025): cost sharing by key,
written in the general tariff language (parties as members, budget-lines and
management-fee parts), its history, the CCAS's derived share, fees on the salary mass
only, direct charges, the carrier's own share; the CLI as a user runs it; properties of
the largest remainder."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, run, write
from servcommun.budget import Budget
from servcommun.diagnostics import InputError
from servcommun.engine.keys import KeyDerivationError, derive_share
from servcommun.engine.parties import bill_parties
from servcommun.engine.result import Bill, Statement
from servcommun.loader import load_budget, load_tariff
from servcommun.render.words import say
from servcommun.rules.management_fee import ManagementFeePart
from servcommun.tariff import Key, Tariff
from servcommun.terms import CostLine

D = Decimal
TARIFFS = ROOT / "tariffs"
BUDGETS = ROOT / "examples" / "rouen"
KEY_2024 = {"ville": D("46.68"), "metropole": D("53.32")}
KEY_2026 = {"metropole": D("53.32"), "ville": D("46.20"), "ccas": D("0.48")}
ROUEN = ("--service", "rouen")


@pytest.fixture(scope="module")
def rouen_2024() -> Tariff:
    return load_tariff(TARIFFS / "rouen-2024.yaml")


@pytest.fixture(scope="module")
def rouen_2026() -> Tariff:
    return load_tariff(TARIFFS / "rouen-2026.yaml")


def reference_key(tariff: Tariff) -> Key:
    key = tariff.key("reference")
    assert key is not None
    return key


def fee_part(tariff: Tariff) -> ManagementFeePart:
    return next(part for _, part in tariff.keyed_parts() if isinstance(part, ManagementFeePart))


def budget(year: int, *lines: tuple[str, str, str] | tuple[str, str, str, str]) -> Budget:
    """A budget from (id, category, amount[, direct party]) tuples."""
    return Budget(
        service="rouen",
        year=year,
        lines=tuple(
            CostLine(
                id=line_id,
                label=line_id.title(),
                category=category,
                amount=D(amount),
                direct=rest[0] if rest else None,
            )
            for line_id, category, amount, *rest in lines
        ),
    )


def by_party(bill: Bill) -> dict[str, Statement]:
    return {statement.member.id: statement for statement in bill.statements}


def amounts(statement: Statement) -> dict[str, Decimal]:
    return {line.code: line.amount for line in statement.lines}


# -- the key and its history ----------------------------------------------------------------


def test_key_until_2025_two_parties(rouen_2024: Tariff) -> None:
    assert dict(reference_key(rouen_2024).shares) == KEY_2024
    assert rouen_2024.carrier is not None and rouen_2024.carrier.id == "metropole"
    assert (rouen_2024.covers(2024), rouen_2024.covers(2025), rouen_2024.covers(2026)) == (
        True,
        True,
        False,
    )


def test_key_from_2026_three_parties_metropole_unchanged(
    rouen_2024: Tariff, rouen_2026: Tariff
) -> None:
    assert dict(reference_key(rouen_2026).shares) == KEY_2026
    assert (
        reference_key(rouen_2026).shares["metropole"]
        == reference_key(rouen_2024).shares["metropole"]
    )
    assert reference_key(rouen_2026).total() == reference_key(rouen_2024).total() == 100
    assert not rouen_2026.covers(2025) and rouen_2026.covers(2026) and rouen_2026.covers(2030)


def test_versions_follow_each_other_without_overlap(rouen_2024: Tariff, rouen_2026: Tariff) -> None:
    assert rouen_2024.valid_from == dt.date(2024, 5, 1)  # « a pris effet le 1er mai 2024 »
    assert rouen_2024.valid_until is not None
    assert rouen_2024.valid_until + dt.timedelta(days=1) == rouen_2026.valid_from


def test_illustrative_fee_rate_is_said(rouen_2024: Tariff, rouen_2026: Tariff) -> None:
    for tariff in (rouen_2024, rouen_2026):
        assert fee_part(tariff).illustrative
        assert [c.value for c in fee_part(tariff).on] == ["salary"]
        assert "ILLUSTRATIF" in tariff.note


# -- the CCAS's share, derived as the deliberation did ------------------------------------


def test_ccas_share_derived_from_the_villes_reproduces_the_deliberation() -> None:
    derived = derive_share(
        KEY_2024, party="ccas", target=D("20000"), base=D("4166666.67"), take_from="ville"
    )
    assert dict(derived.after) == KEY_2026  # CCAS 0,48 %, Ville 46,68 → 46,20, Métropole same
    assert derived.amounts["ccas"] == D("20000.00")
    assert sum(derived.amounts.values()) == D("4166666.67")


@pytest.mark.parametrize(
    ("base", "ccas"),
    [
        ("4123712", "0.48"),
        ("4210526", "0.48"),  # the range the tariff file states
        ("4123711", "0.49"),
        ("4210527", "0.47"),  # just outside it
        ("4175400", "0.48"),  # the 2025 example budget's salary mass
    ],
)
def test_which_bases_give_0_48(base: str, ccas: str) -> None:
    derived = derive_share(
        KEY_2024, party="ccas", target=D("20000"), base=D(base), take_from="ville"
    )
    assert derived.after["ccas"] == D(ccas)
    assert derived.after["ville"] == D("46.68") - D(ccas)


def test_deriving_again_on_the_2026_key_changes_nothing() -> None:
    derived = derive_share(
        KEY_2026, party="ccas", target=D("20000"), base=D("4166666.67"), take_from="ville"
    )
    assert dict(derived.after) == KEY_2026


@pytest.mark.parametrize(
    ("target", "take_from", "field", "code"),
    [
        ("2500000", "ville", "target", "key-negative-share"),  # 60 % taken from 46,68 %
        ("5000000", "ville", "target", "key-over-100"),  # 120 % of the base
        ("-1", "ville", "target", "key-negative-share"),
        ("20000", "cnil", "take_from", "unknown-party"),
        ("20000", "ccas", "take_from", "derive-same-party"),
    ],
)
def test_derivation_refuses_a_negative_share_or_a_key_over_100(
    target: str, take_from: str, field: str, code: str
) -> None:
    with pytest.raises(KeyDerivationError) as caught:
        derive_share(
            KEY_2024, party="ccas", target=D(target), base=D("4166666.67"), take_from=take_from
        )
    assert (caught.value.field, caught.value.code) == (field, code)


# -- the engine: shares, fees, direct lines, the carrier ---------------------------------


def test_fees_apply_to_the_salary_mass_only(rouen_2026: Tariff) -> None:
    bill = bill_parties(
        rouen_2026,
        budget(2026, ("salaries", "salary", "100000.00"), ("licences", "other", "10000.00")),
    )
    statements = by_party(bill)
    assert amounts(statements["ccas"]) == {
        "salaries.share": D("480.00"),
        "licences.share": D("48.00"),
        "management-fees.share": D("14.40"),
    }
    assert bill.sharing is not None
    assert (bill.sharing.fee_base, bill.sharing.fee_total) == (D("100000.00"), D("3000.00"))
    fee_lines = [
        line for s in bill.statements for line in s.lines if line.code == "management-fees.share"
    ]
    assert sum(line.amount for line in fee_lines) == D("3000.00")
    assert "illustrative rate" in say(fee_lines[0].basis)


def test_no_fees_without_salary_lines(rouen_2026: Tariff) -> None:
    bill = bill_parties(rouen_2026, budget(2026, ("licences", "other", "10000.00")))
    assert not any(
        line.code.startswith("management-fees") for s in bill.statements for line in s.lines
    )


def test_direct_lines_go_whole_to_their_party(rouen_2026: Tariff) -> None:
    bill = bill_parties(
        rouen_2026,
        budget(
            2026,
            ("periodiques-archives", "other", "6842.30", "ville"),
            ("periodiques-documentation", "other", "9517.64", "metropole"),
        ),
    )
    statements = by_party(bill)
    assert amounts(statements["ville"]) == {"periodiques-archives.direct": D("6842.30")}
    assert amounts(statements["metropole"]) == {"periodiques-documentation.direct": D("9517.64")}
    assert statements["ccas"].lines == ()
    line = statements["ville"].lines[0]
    assert "charged directly to Ville de Rouen" in say(line.basis)
    assert "périodiques" in line.reference


def test_fees_on_a_salary_line_charged_directly_are_its_partys(rouen_2026: Tariff) -> None:
    bill = bill_parties(
        rouen_2026, budget(2026, ("mise-a-disposition", "salary", "1000.00", "ccas"))
    )
    assert amounts(by_party(bill)["ccas"]) == {
        "mise-a-disposition.direct": D("1000.00"),
        "management-fees.direct": D("30.00"),
    }


def test_the_carrier_is_reported_but_not_billed(rouen_2026: Tariff) -> None:
    bill = bill_parties(rouen_2026, budget(2026, ("salaries", "salary", "100000.00")))
    statements = by_party(bill)
    assert [s.member.id for s in bill.statements] == ["metropole", "ville", "ccas"]
    assert not statements["metropole"].billed
    assert statements["ville"].billed and statements["ccas"].billed
    assert statements["metropole"].total == D("53320.00") + D("1599.60")
    assert bill.total == statements["ville"].total + statements["ccas"].total


def test_largest_remainder_gives_the_cents_to_the_shares_that_lost_most(
    rouen_2026: Tariff,
) -> None:
    bill = bill_parties(rouen_2026, budget(2026, ("licences", "other", "333.33")))
    got = {s.member.id: s.total for s in bill.statements}
    assert got == {"metropole": D("177.73"), "ville": D("154.00"), "ccas": D("1.60")}


def test_shipped_budget_2025_two_parties(rouen_2024: Tariff) -> None:
    bill = bill_parties(rouen_2024, load_budget(BUDGETS / "budget-2025.yaml", rouen_2024))
    statements = by_party(bill)
    assert list(statements) == ["metropole", "ville"]
    assert statements["ville"].total == D("2917479.76")
    assert bill.total == D("2917479.76")
    assert {line.titled for s in bill.statements for line in s.lines} == {"2026-01"}


def test_shipped_budget_2026_three_parties(rouen_2026: Tariff) -> None:
    the_budget = load_budget(BUDGETS / "budget-2026.yaml", rouen_2026)
    bill = bill_parties(rouen_2026, the_budget)
    totals = {s.member.id: s.total for s in bill.statements}
    assert totals == {"metropole": D("3396448.53"), "ville": D("2941504.86"), "ccas": D("30490.00")}
    assert bill.total == D("2971994.86")
    assert bill.sharing is not None
    assert sum(totals.values()) == bill.sharing.cost_total + bill.sharing.fee_total
    for cost in the_budget.lines:  # every line is shared exactly
        assert (
            sum(
                line.amount
                for s in bill.statements
                for line in s.lines
                if line.code.split(".")[0] == cost.id
            )
            == cost.amount
        )


def test_the_2024_key_bills_2024(rouen_2024: Tariff) -> None:
    bill = bill_parties(rouen_2024, budget(2024, ("salaries", "salary", "1000000.00")))
    assert [s.member.id for s in bill.statements] == ["metropole", "ville"]
    assert amounts(by_party(bill)["ville"])["salaries.share"] == D("466800.00")


# -- the CLI as a user runs it ----------------------------------------------------------------


def bill_json(year: int) -> dict:  # type: ignore[type-arg]
    result = run("bill", "--year", str(year), *ROUEN, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


AMOUNT = re.compile(r"^-?\d+\.\d{2}$")


def test_bill_2026_json_follows_the_contract() -> None:
    data = bill_json(2026)
    assert (data["service"], data["year"], data["currency"]) == ("rouen", 2026, "EUR")
    assert data["needs_review"] == []
    statements = {s["member"]["id"]: s for s in data["statements"]}
    assert list(statements) == ["metropole", "ville", "ccas"]
    for statement in data["statements"]:
        assert set(statement["member"]) >= {"id", "name", "population"}
        assert AMOUNT.match(statement["total"])
        assert sum(D(line["amount"]) for line in statement["lines"]) == D(statement["total"])
        for line in statement["lines"]:
            assert set(line) >= {"code", "label", "amount", "basis", "reference", "titled"}
            assert AMOUNT.match(line["amount"])
            assert re.match(r"^[a-z0-9-]+\.(share|direct)$", line["code"])
            assert line["titled"] == "2027-01"
    assert statements["metropole"]["billed"] is False
    assert "billed" not in statements["ville"]  # billed is the default
    assert data["total"] == "2971994.86"
    assert D(data["total"]) == D(statements["ville"]["total"]) + D(statements["ccas"]["total"])
    licences = next(
        line for line in statements["ville"]["lines"] if line["code"] == "licences.share"
    )
    assert (licences["amount"], licences["basis"]) == ("577500.00", "46.2% of €1,250,000.00")
    assert "10-26" in licences["reference"]
    assert data["sharing"]["key"] == {"metropole": "53.32", "ville": "46.20", "ccas": "0.48"}


def test_bill_2025_json_two_parties() -> None:
    data = bill_json(2025)
    assert [s["member"]["id"] for s in data["statements"]] == ["metropole", "ville"]
    assert data["sharing"]["key"] == {"ville": "46.68", "metropole": "53.32"}
    assert data["total"] == "2917479.76"


def spaced(text: str) -> str:
    """Babel groups thousands with a narrow no-break space (fr_FR): read it as a space."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_bill_table_summary_and_detail() -> None:
    summary = run("bill", "--year", "2026", *ROUEN)
    assert summary.returncode == 0, summary.stderr
    for text in (
        "Métropole Rouen Normandie",
        "not billed",
        "Ville de Rouen",
        "46.2%",
        "2,941,504.86",
        "0.48%",
        "30,490.00",
        "Key (délibération 10-26, conditions financières (clé de référence)): metropole 53.32%",
        "3% of €4,259,850.00 = €127,795.50, shared like the costs",
        "illustrative",
    ):
        assert text in " ".join(spaced(summary.stdout).split())
    detail = run("bill", "--year", "2026", *ROUEN, "--detail", "--member", "ccas")
    assert detail.returncode == 0, detail.stderr
    assert (
        "management-fees.share" in detail.stdout
        and "Ville de Rouen" not in detail.stdout.split("Billed for")[0]
    )


def one_line_error(result, code: str) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f" {code} " in lines[0]
    return str(lines[0])


def test_a_year_no_key_covers_is_one_line_and_exit_1() -> None:
    line = one_line_error(run("bill", "--year", "2023", *ROUEN), "no-tariff")
    assert "rouen" in line and "01/05/2024" in line


def test_a_year_without_budget_is_one_line_and_exit_1() -> None:
    line = one_line_error(run("bill", "--year", "2027", *ROUEN), "no-budget")
    assert line.startswith("examples/rouen/budget-2027.yaml:1:1:")


def test_key_derive_cli_reproduces_the_deliberation() -> None:
    result = run(
        "key",
        "derive",
        "--party",
        "ccas",
        "--target",
        "20000",
        "--base",
        "4166666.67",
        "--take-from",
        "ville",
        *ROUEN,
        "--year",
        "2025",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["key_before"] == {"ville": "46.68", "metropole": "53.32"}
    assert data["key"] == {"ville": "46.20", "metropole": "53.32", "ccas": "0.48"}
    assert data["amounts"]["ccas"] == "20000.00"
    table = run(
        "key",
        "derive",
        "--party",
        "ccas",
        "--target",
        "20 000",
        "--take-from",
        "ville",
        *ROUEN,
        "--year",
        "2025",
    )
    assert table.returncode == 0, table.stderr
    assert "46.68%" in table.stdout and "46.2%" in table.stdout and "0.48%" in table.stdout
    assert "€20,000.00 on a base of €4,175,400.00" in " ".join(table.stdout.split())
    assert "budget-2025.yaml" in table.stdout  # says where the base comes from


@pytest.mark.parametrize(
    ("target", "code"), [("2500000", "key-negative-share"), ("5000000", "key-over-100")]
)
def test_key_derive_cli_refuses(target: str, code: str) -> None:
    result = run(
        "key",
        "derive",
        "--party",
        "ccas",
        "--target",
        target,
        "--base",
        "4166666.67",
        "--take-from",
        "ville",
        *ROUEN,
        "--year",
        "2025",
    )
    assert one_line_error(result, code).startswith("--target:")


def test_key_derive_needs_a_base_or_a_year() -> None:
    result = run(
        "key", "derive", "--party", "ccas", "--target", "20000", "--take-from", "ville", *ROUEN
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_the_rouen_data_directory_bills_rouen_by_default() -> None:
    """examples/rouen is a data directory of its own: its commands need no --service."""
    folder = ROOT / "examples" / "rouen"
    data = json.loads(run("bill", "--year", "2026", "--format", "json", cwd=folder).stdout)
    totals = {s["member"]["id"]: (s["total"], s.get("billed", True)) for s in data["statements"]}
    assert totals == {
        "metropole": ("3396448.53", False),
        "ville": ("2941504.86", True),
        "ccas": ("30490.00", True),
    }
    derived = run(
        "key",
        "derive",
        "--party",
        "ccas",
        "--target",
        "20000",
        "--base",
        "4166666.67",
        "--take-from",
        "ville",
        "--format",
        "json",
        cwd=folder,
    )
    assert derived.returncode == 0, derived.stderr
    assert json.loads(derived.stdout)["key"] == {
        "metropole": "53.32",
        "ville": "46.20",
        "ccas": "0.48",
    }


def test_diff_compares_what_each_party_is_billed_across_versions() -> None:
    result = run("diff", "--year", "2025", "--year", "2026", *ROUEN, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["total"]["a"], data["total"]["b"]) == ("2917479.76", "2971994.86")


KEYED_GRID = """\
    kind: contribution-grid
    service: archives
    title: Archives mutualisées
    valid_from: 2026-01-01
    deliberations: [{id: "1", date: 2025-12-18, body: Conseil communautaire}]
    keys:
      - {id: cle, article: art. 5, shares: {"35001": "60", "35002": "40"}}
    offers:
      - id: archives
        label: Archives
        billing: annual
        titled: next-january
        article: art. 5
        parts:
          - {code: salaires, label: Salaires, article: art. 5, rule: budget-lines, key: cle,
             categories: [salary]}
          - {code: autres, label: Autres coûts, article: art. 5, rule: budget-lines, key: cle,
             categories: [other], direct: {article: art. 6}}
"""


def test_budget_lines_shared_between_roster_communes(tmp_path: Path) -> None:
    """The same rules bill a roster's communes: a key by INSEE code, lines split by
    category between two parts, a commune without a population for the year billed all
    the same (no rule needs it)."""
    from servcommun.engine.bill import bill_members, budget_data
    from servcommun.engine.context import ServiceData
    from servcommun.roster import Member, Subscription

    tariff = load_tariff(write(tmp_path / "t.yaml", KEYED_GRID))
    communes = [
        Member(
            id=insee,
            name=f"Commune {insee}",
            population={2025: 1200},
            subscriptions=(Subscription(offer="archives", start=dt.date(2026, 1, 1)),),
        )
        for insee in ("35001", "35002")
    ]
    the_budget = budget(
        2026,
        ("agents", "salary", "1000.01"),
        ("boites", "other", "99.99"),
        ("local", "other", "500.00", "35002"),
    )
    bill = bill_members(tariff, communes, 2026, budget_data(the_budget, ServiceData()))
    assert bill.needs_review == () and bill.sharing is not None
    assert {s.member.id: amounts(s) for s in bill.statements} == {
        "35001": {"agents.share": D("600.01"), "boites.share": D("59.99")},
        "35002": {
            "agents.share": D("400.00"),
            "boites.share": D("40.00"),
            "local.direct": D("500.00"),
        },
    }
    assert all(s.member.population is None and s.billed for s in bill.statements)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (
            "categories: [other], direct",
            "categories: [other, salary], direct",
            "duplicate-category",
        ),
        (
            "key: cle,\n             categories: [salary]",
            "key: clef,\n             categories: [salary]",
            "undefined-key",
        ),
        ("    keys:", "    parties: [{id: ville, name: Ville}]\n    keys:", "unknown-party"),
    ],
)
def test_keyed_parts_are_checked(tmp_path: Path, old: str, new: str, code: str) -> None:
    assert old in KEYED_GRID
    path = write(tmp_path / "t.yaml", KEYED_GRID.replace(old, new))
    found, _ = diagnostics_of(load_tariff, path)
    assert code in [found_code for found_code, _, _ in found]


def test_a_budget_line_no_part_shares_is_refused(tmp_path: Path) -> None:
    tariff = load_tariff(
        write(
            tmp_path / "t.yaml",
            KEYED_GRID.replace(
                "\n          - {code: autres, label: Autres coûts, article: art. 5, "
                "rule: budget-lines, key: cle,\n             categories: [other], "
                "direct: {article: art. 6}}",
                "",
            ),
        )
    )
    path = write(
        tmp_path / "budget-2026.yaml",
        """\
        service: archives
        year: 2026
        lines:
          - {id: agents, label: Agents, category: salary, amount: "1000.00"}
          - {id: boites, label: Boîtes, category: other, amount: "100.00"}
    """,
    )
    found, _ = diagnostics_of(load_budget, path, tariff)
    assert found == [("line-not-shared", 5, 43)]


def test_a_rule_using_the_population_needs_the_tariffs_population(tmp_path: Path) -> None:
    text = KEYED_GRID.replace(
        "          - {code: salaires,",
        "          - {code: fixe, label: Fixe, article: art. 5, rule: bracket-amount,\n"
        '             brackets: [{from: 0, amount: "100.00"}]}\n'
        "          - {code: salaires,",
    )
    found, _ = diagnostics_of(load_tariff, write(tmp_path / "t.yaml", text))
    assert [code for code, _, _ in found] == ["missing-key"]


# -- bad input: placed diagnostics ----------------------------------------------------------

TARIFF = """\
    kind: contribution-grid
    service: test
    title: Test
    valid_from: 2026-01-01
    deliberations: [{id: "1", date: 2025-12-18, body: Conseil}]
    parties:
      - {id: metropole, name: Métropole, carrier: true}
      - {id: ville, name: Ville}
    keys:
      - id: cle
        article: clé
        shares:
          metropole: "53.32"
          VILLE: "PERCENT"
    offers:
      - id: service
        label: Service
        billing: annual
        titled: next-january
        article: art. 1
        parts:
          - {code: couts, label: Coûts, article: art. 1, rule: budget-lines, key: cle,
             direct: {article: périodiques}}
"""


def tariff_text(ville: str, percent: str) -> str:
    return TARIFF.replace("VILLE", ville).replace("PERCENT", percent)


def diagnostics_of(load, *args):  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        load(*args)
    return [(d.code, d.line, d.column) for d in caught.value.diagnostics], caught.value


def test_key_not_summing_to_100_is_placed(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", tariff_text("ville", "46.00"))
    found, error = diagnostics_of(load_tariff, path)
    assert found == [("key-sum", 13, 7)]
    assert str(error.diagnostics[0]).startswith(f"{path}:13:7: key-sum the key sums to 99.32")


def test_key_naming_an_unknown_party_is_placed(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", tariff_text("vile", "46.68"))
    found, error = diagnostics_of(load_tariff, path)
    assert found == [("unknown-party", 14, 7)]
    assert "'vile'" in str(error) and f"{path}:14:7:" in str(error)


def test_key_beyond_its_precision_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", tariff_text("ville", "46.675"))
    found, _ = diagnostics_of(load_tariff, path)
    assert ("key-precision", 14, 14) in found  # and key-sum


def test_a_wrong_derivation_or_example_is_reported(tmp_path: Path) -> None:
    derivation = """\
        derivation: {previous: {metropole: "53.32", ville: "46.68"}, party: ville,
                     target: "1000", base: "2000", take_from: metropole, article: x}
"""
    text = (
        tariff_text("ville", "46.68").replace("    offers:", derivation + "    offers:")
        + """\
    examples:
      - title: wrong
        article: x
        year: 2026
        costs: [{id: a, label: A, category: other, amount: "100.00"}]
        expect: {members: {ville: "46.00"}}
"""
    )
    path = write(tmp_path / "t.yaml", text)
    found, _ = diagnostics_of(load_tariff, path)
    assert [code for code, _, _ in found] == ["key-derivation", "example-mismatch"]


BUDGET = """\
    service: rouen
    year: 2026
    lines:
      - id: salaries
        label: Masse salariale
        category: {category}
        amount: "{amount}"
      - id: periodiques
        label: Périodiques
        category: other
        amount: "100.00"
        direct: {direct}
"""


@pytest.mark.parametrize(
    ("fields", "code", "line", "column"),
    [
        ({"direct": "cnil"}, "unknown-party", 12, 13),
        ({"category": "salaire"}, "unknown-choice", 6, 15),
        ({"amount": "1000.005"}, "money-precision", 7, 13),
    ],
)
def test_bad_budget_lines_are_placed(
    rouen_2026: Tariff,
    tmp_path: Path,
    fields: dict[str, str],
    code: str,
    line: int,
    column: int,
) -> None:
    values = {"category": "salary", "amount": "1000.00", "direct": "ville", **fields}
    path = write(tmp_path / "budget-2026.yaml", BUDGET.format(**values))
    found, error = diagnostics_of(load_budget, path, rouen_2026)
    assert found == [(code, line, column)]
    assert str(error).startswith(f"{path}:{line}:{column}: {code} ")


def test_direct_charges_need_a_tariff_that_provides_them(
    rouen_2024: Tariff, tmp_path: Path
) -> None:
    text = BUDGET.format(category="salary", amount="1000.00", direct="ville").replace(
        "2026", "2025"
    )
    path = write(tmp_path / "budget-2025.yaml", text)
    found, _ = diagnostics_of(load_budget, path, rouen_2024)
    assert found == [("direct-not-provided", 12, 13)]


def test_a_budget_read_for_another_year_is_refused(rouen_2026: Tariff, tmp_path: Path) -> None:
    path = write(
        tmp_path / "budget-2027.yaml",
        BUDGET.format(category="salary", amount="1.00", direct="ville"),
    )
    found, _ = diagnostics_of(load_budget, path, rouen_2026, None, 2027)
    assert found == [("budget-year", 2, 7)]


def test_a_bad_budget_through_the_cli_is_one_line(tmp_path: Path) -> None:
    for name in ("rouen-2024.yaml", "rouen-2026.yaml"):
        write(tmp_path / "tariffs" / name, (TARIFFS / name).read_text(encoding="utf-8"))
    write(
        tmp_path / "servcommun.toml",
        """\
        [services.rouen]
        tariffs = ["tariffs/rouen-2024.yaml", "tariffs/rouen-2026.yaml"]
        budgets = "budget-{year}.yaml"
    """,
    )
    write(
        tmp_path / "budget-2026.yaml",
        BUDGET.format(category="salary", amount="1000.00", direct="cnil"),
    )
    line = one_line_error(run("bill", "--year", "2026", cwd=tmp_path), "unknown-party")
    assert line.startswith("budget-2026.yaml:12:13: unknown-party party 'cnil'")


# -- properties of the sharing ----------------------------------------------------------------

PARTY_IDS = ("metropole", "ville", "ccas", "a", "z-commune", "syndicat-0")


@st.composite
def keys(draw: st.DrawFn) -> dict[str, Decimal]:
    """Any key to the hundredth of a point that sums to exactly 100 %."""
    count = draw(st.integers(2, len(PARTY_IDS)))
    parties = draw(st.permutations(PARTY_IDS))[:count]
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 10000]
    return {party: D(bounds[i + 1] - bounds[i]) / 100 for i, party in enumerate(parties)}


cents = st.integers(-(10**11), 10**11).map(lambda c: D(c) / 100)
cost_lines = st.lists(
    st.tuples(cents, st.sampled_from(["salary", "other"]), st.booleans()), min_size=1, max_size=8
)


def sharing_tariff(key: dict[str, Decimal]) -> Tariff:
    return Tariff.model_validate(
        {
            "kind": "contribution-grid",
            "service": "test",
            "title": "test",
            "valid_from": dt.date(2026, 1, 1),
            "deliberations": [{"id": "1", "date": dt.date(2025, 12, 18), "body": "Conseil"}],
            "parties": [
                {"id": party, "name": party.upper(), "carrier": index == 0}
                for index, party in enumerate(key)
            ],
            "keys": [{"id": "cle", "article": "clé", "shares": key}],
            "offers": [
                {
                    "id": "service",
                    "label": "Service",
                    "billing": "annual",
                    "titled": "next-january",
                    "article": "art. 1",
                    "parts": [
                        {
                            "code": "couts",
                            "label": "Coûts",
                            "article": "art. 1",
                            "rule": "budget-lines",
                            "key": "cle",
                            "direct": {"article": "direct"},
                        },
                        {
                            "code": "management-fees",
                            "label": "Frais",
                            "article": "frais",
                            "rule": "management-fee",
                            "key": "cle",
                            "rate": "3.00",
                        },
                    ],
                }
            ],
        }
    )


def lines_budget(lines: list[tuple[Decimal, str, bool]], direct_to: str) -> Budget:
    return budget(
        2026,
        *(
            (f"line-{i}", category, str(amount), *((direct_to,) if direct else ()))
            for i, (amount, category, direct) in enumerate(lines)
        ),
    )


def bill_amounts(bill: Bill) -> dict[tuple[str, str], Decimal]:
    return {(s.member.id, line.code): line.amount for s in bill.statements for line in s.lines}


@settings(max_examples=150, deadline=None)
@given(key=keys(), lines=cost_lines, data=st.data())
def test_shares_sum_exactly_to_each_line_and_are_within_a_cent(
    key: dict[str, Decimal], lines: list[tuple[Decimal, str, bool]], data: st.DataObject
) -> None:
    direct_to = data.draw(st.sampled_from(list(key)))
    tariff = sharing_tariff(key)
    bill = bill_parties(tariff, lines_budget(lines, direct_to))
    for index, (amount, _, direct) in enumerate(lines):
        shares = {
            s.member.id: line.amount
            for s in bill.statements
            for line in s.lines
            if line.code.split(".")[0] == f"line-{index}"
        }
        assert sum(shares.values()) == amount
        if direct:
            assert shares == {direct_to: amount}
            continue
        for party, share in shares.items():
            assert abs(share - amount * key[party] / 100) < D("0.01")
    fees = [
        line.amount
        for s in bill.statements
        for line in s.lines
        if line.code.startswith("management-fees")
    ]
    assert bill.sharing is not None
    assert sum(fees, D(0)) == bill.sharing.fee_total
    assert sum((s.total for s in bill.statements), D(0)) == (
        bill.sharing.cost_total + bill.sharing.fee_total
    )


@settings(max_examples=100, deadline=None)
@given(key=keys(), lines=cost_lines, data=st.data())
def test_shares_do_not_depend_on_the_order_of_parties_or_lines(
    key: dict[str, Decimal], lines: list[tuple[Decimal, str, bool]], data: st.DataObject
) -> None:
    direct_to = data.draw(st.sampled_from(list(key)))
    first = bill_parties(sharing_tariff(key), lines_budget(lines, direct_to))
    parties = data.draw(st.permutations(list(key)))
    order = data.draw(st.permutations(range(len(lines))))
    shuffled_key = {party: key[party] for party in parties}
    shuffled = lines_budget([lines[i] for i in order], direct_to)
    # the same line ids as before, in the new order
    shuffled = shuffled.model_copy(
        update={
            "lines": tuple(
                line.model_copy(update={"id": f"line-{i}"})
                for line, i in zip(shuffled.lines, order, strict=True)
            )
        }
    )
    second = bill_parties(sharing_tariff(shuffled_key), shuffled)
    assert bill_amounts(second) == bill_amounts(first)


@settings(max_examples=150, deadline=None)
@given(key=keys(), target=st.integers(0, 10**9), base=st.integers(1, 10**9), data=st.data())
def test_a_derived_key_moves_only_two_shares_and_keeps_its_sum(
    key: dict[str, Decimal], target: int, base: int, data: st.DataObject
) -> None:
    party, take_from = data.draw(st.permutations(list(key)))[:2]
    try:
        derived = derive_share(
            key, party=party, target=D(target), base=D(base), take_from=take_from
        )
    except KeyDerivationError as error:
        assert error.code in {"key-negative-share", "key-over-100"}
        return
    assert sum(derived.after.values()) == D(100)
    assert all(derived.after[p] == key[p] for p in key if p not in (party, take_from))
    assert all(share >= 0 for share in derived.after.values())
    assert sum(derived.amounts.values()) == D(base)


def test_the_2024_statements_say_the_service_took_effect_on_1_may() -> None:
    """The first convention « a pris effet le 1er mai 2024 »: the shipped 2024 budget is
    the cost of May to December, and every 2024 statement says from when it is billed
    (rather than a party "joining" the service it runs with the other)."""
    result = run("bill", *ROUEN, "--year", "2024", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    statements = {s["member"]["id"]: s for s in data["statements"]}
    # 46,68 % of each line (2 691 000,00 + 92 600,00 + 833 333,33 + 274 920,27 +
    # 191 276,17: 1 906 004,98 after rounding each line) + 46,68 % of 3 % of the salary
    # mass of 2 783 600,00 (38 981,53)
    assert statements["ville"]["total"] == "1944986.51"
    assert data["total"] == "1944986.51"  # the Métropole's own share is not billed
    said = "the convention took effect on 01/05/2024: 2024 is billed from that date"
    for statement in statements.values():
        assert said in statement["notes"]
        assert not any("joined on" in note for note in statement["notes"])
    assert not any(
        "took effect" in note
        for s in json.loads(run("bill", *ROUEN, "--year", "2025", "--format", "json").stdout)[
            "statements"
        ]
        for note in s.get("notes", [])  # a statement without notes has none
    )
