"""Pool layers sized each year by a ratio of counted units, layers restricted to some
members, keys computed from the agents' time and applied unrounded, and worked examples
asserting one line of one member: each on a small inline tariff, to the cent, and through
the shipped example ``tariffs/examples/pool-par-actes.yaml``."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run
from servcommun.budget import Budget
from servcommun.engine.bill import bill_members
from servcommun.engine.context import ServiceData
from servcommun.loader import tariff_problems
from servcommun.reader import parse_yaml
from servcommun.render.words import say
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import Act, AgentTime

D = Decimal

HEADER = """\
kind: contribution-grid
service: exemple
title: Exemple
valid_from: 2025-01-01
deliberations: [{id: "1", date: 2024-12-01, body: Conseil}]
population: {kind: totale}
attributes:
  - {id: permanence, label: accueille une permanence}
  - {id: strate, label: strate, type: choice, choices: [rurale, urbaine]}
"""

POOL = """\
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
        pool: {{amounts: {{2026: "{pool}"}}}}
        layers:
{layers}
"""

RATIO = """\
          - label: Instruction
            ratio:
              counted: [{id: pc, label: PC}]
              of: [{id: pc, label: PC}, {id: cu, label: CU}]
            by: units
            units: [{id: pc, label: PC}]
"""


def grid(body: str) -> Tariff:
    doc = parse_yaml(HEADER + textwrap.dedent(body), "t.yaml")
    tariff, problems = tariff_problems(doc)
    assert isinstance(tariff, Tariff) and not problems, problems
    return tariff


def problems_of(body: str) -> list[tuple[str, int, int]]:
    doc = parse_yaml(HEADER + textwrap.dedent(body), "t.yaml")
    _, problems = tariff_problems(doc)
    return [(p.code, p.line, p.column) for p in problems]


def act(unit: str, quantity: str) -> Act:
    return Act(unit=unit, date=dt.date(2026, 3, 1), quantity=D(quantity))


def member(
    id: str, population: int, *acts: Act, attributes: dict[str, object] | None = None
) -> Member:
    return Member(
        id=id,
        name=f"Commune {id}",
        population={2026: population},
        attributes=attributes or {},
        subscriptions=(Subscription(offer="service", start=dt.date(2026, 1, 1)),),
        consumption=acts,
    )


def layer_lines(bill_statements: object, member_id: str) -> dict[str, Decimal]:
    statements = {s.member.id: s for s in bill_statements}  # type: ignore[attr-defined]
    return {line.label: line.amount for line in statements[member_id].lines}


# -- 1. a layer sized by a ratio of counted units ----------------------------------------


def test_a_layer_sized_by_the_acts_counted_over_all_the_acts() -> None:
    tariff = grid(
        POOL.format(pool="10000.00", layers=RATIO + "          - {label: Solde, by: population}\n")
    )
    members = [
        member("35901", 2000, act("pc", "3"), act("cu", "1")),
        member("35902", 1000, act("pc", "1"), act("cu", "5")),
    ]
    bill = bill_members(tariff, members, 2026)
    # 4 building permits of 10 acts (4 + 6 certificates): 10 000 × 4 / 10 = 4 000, shared
    # 3 / 1 of 4 permits: 3 000 and 1 000; the remainder 6 000 by 2 000 / 1 000 of 3 000
    # inhabitants: 4 000 and 2 000.
    assert layer_lines(bill.statements, "35901") == {
        "Coût — Instruction": D("3000.00"),
        "Coût — Solde": D("4000.00"),
    }
    assert layer_lines(bill.statements, "35902") == {
        "Coût — Instruction": D("1000.00"),
        "Coût — Solde": D("2000.00"),
    }
    assert bill.total == D("10000.00")
    first = bill.statements[0].lines[0]
    assert say(first.basis) == (
        "4 of 10 units counted × the pool €10,000.00 = €4,000.00; by units used: 3 of 4"
    )


def test_a_ratio_layer_is_rounded_to_the_cent_and_the_remainder_takes_the_rest() -> None:
    tariff = grid(
        POOL.format(pool="1000.00", layers=RATIO + "          - {label: Solde, by: equal}\n")
    )
    members = [
        member("35901", 2000, act("pc", "1"), act("cu", "1")),
        member("35902", 1000, act("cu", "1")),
    ]
    bill = bill_members(tariff, members, 2026)
    # 1 permit of 3 acts: 1 000 / 3 = 333,333… → 333,33, all to 35901 (the only permit);
    # the remainder 666,67 in two equal shares: 333,335 each, the odd cent to the largest
    # remainder, a tie broken by member id: 333,34 to 35901, 333,33 to 35902.
    assert layer_lines(bill.statements, "35901") == {
        "Coût — Instruction": D("333.33"),
        "Coût — Solde": D("333.34"),
    }
    assert layer_lines(bill.statements, "35902") == {
        "Coût — Instruction": D("0.00"),
        "Coût — Solde": D("333.33"),
    }
    assert bill.total == D("1000.00")


def test_no_act_counted_empties_the_ratio_layer_and_the_remainder_takes_the_pool() -> None:
    tariff = grid(
        POOL.format(pool="900.00", layers=RATIO + "          - {label: Solde, by: equal}\n")
    )
    members = [member("35901", 2000, act("cu", "2")), member("35902", 1000)]
    bill = bill_members(tariff, members, 2026)
    # 0 permits of 2 acts: the layer is 0,00 and has no line; 900 in two equal shares.
    assert layer_lines(bill.statements, "35901") == {"Coût — Solde": D("450.00")}
    assert layer_lines(bill.statements, "35902") == {"Coût — Solde": D("450.00")}
    assert not bill.needs_review


def test_a_ratio_layer_is_refused_without_a_remainder_or_counting_outside_its_base() -> None:
    body = POOL.format(
        pool="1000.00",
        layers="""\
          - label: Instruction
            percent: "50"
            ratio:
              counted: [{id: pc, label: PC}, {id: dp, label: DP}]
              of: [{id: pc, label: PC}, {id: cu, label: CU}]
            by: units
            units: [{id: pc, label: PC}]
          - {label: Reste, percent: "50", by: population}
""",
    )
    assert problems_of(body) == [
        ("pool-layer", 25, 13),  # the 'ratio' beside a 'percent'
        ("pool-ratio", 26, 51),  # dp counted, not among the units of 'of'
        ("pool-layers", 25, 13),  # no layer takes what the ratio leaves
    ]


@settings(max_examples=60, deadline=None)
@example(cents=5, acts=[(1, 0, False)])  # every act counted: the layers above the pool
@given(
    cents=st.integers(min_value=1, max_value=10**11),
    acts=st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 50), st.booleans()), min_size=1, max_size=10
    ),
)
def test_ratio_and_restricted_layers_always_sum_exactly_to_the_pool(
    cents: int, acts: list[tuple[int, int, bool]]
) -> None:
    """Whatever the pool, the acts counted and who hosts a permanence, the ratio layer is
    the pool × permits / acts to the cent, and the layers sum to the pool to the cent, or
    (the layers above the pool) no member is billed a share of it."""
    layers = (
        RATIO
        + '          - {label: Permanences, percent: "10", by: population, '
        + "where: {attribute: permanence}}\n"
        + "          - {label: Solde, by: population}\n"
    )
    pool = D(cents).scaleb(-2)
    tariff = grid(POOL.format(pool=str(pool), layers=layers))
    members = [
        member(
            f"{35900 + index:05d}",
            1000 + index,
            *((act("pc", str(pc)),) if pc else ()),
            *((act("cu", str(cu)),) if cu else ()),
            attributes={"permanence": True} if hosts or index == 0 else {},
        )
        for index, (pc, cu, hosts) in enumerate(acts)
    ]
    permits = sum(pc for pc, _, _ in acts)
    every = permits + sum(cu for _, cu, _ in acts)
    bill = bill_members(tariff, members, 2026)
    expected = (pool * permits / every).quantize(D("0.01"), ROUND_HALF_UP) if every else D(0)
    permanences = (pool / 10).quantize(D("0.01"), ROUND_HALF_UP)
    if expected + permanences > pool:
        # every act counted (a ratio of 1) beside the 10 % layer: more than the pool,
        # which is never shared out wrongly: every holder needs review, saying why
        assert not bill.statements and len(bill.needs_review) == len(members)
        assert all("exceed the pool" in say(r.reason) for r in bill.needs_review)
        return
    assert not bill.needs_review
    assert bill.total == pool
    instruction = sum(
        (
            line.amount
            for s in bill.statements
            for line in s.lines
            if line.label.endswith("Instruction")
        ),
        D(0),
    )
    assert instruction == expected


# -- 2. layers restricted to some members ------------------------------------------------

RESTRICTED = """\
          - {label: Permanences, percent: "40", by: population, where: {attribute: permanence}}
          - {label: Archives, amount: "100.00", by: population, members: ["35901", "35903"]}
          - {label: Solde, by: equal}
"""


def test_members_outside_a_restricted_layer_have_no_line_for_it() -> None:
    tariff = grid(POOL.format(pool="1000.00", layers=RESTRICTED))
    members = [
        member("35901", 3000),
        member("35902", 1000, attributes={"permanence": True}),
        member("35903", 500, attributes={"permanence": True}),
    ]
    bill = bill_members(tariff, members, 2026)
    # 40 % = 400 between the two hosting a permanence, 1 000 / 500 of 1 500: 266,666… →
    # 266,67 and 133,333… → 133,33; 100 between 35901 and 35903, 3 000 / 500 of 3 500:
    # 85,714… → 85,71 and 14,285… → 14,29 (the cent to the larger remainder, 0,0057
    # against 0,0043); the rest 500 in three: 166,67 to 35901 (ties by id), 166,67 to
    # 35902, 166,66 to 35903.
    assert layer_lines(bill.statements, "35901") == {
        "Coût — Archives": D("85.71"),
        "Coût — Solde": D("166.67"),
    }
    assert layer_lines(bill.statements, "35902") == {
        "Coût — Permanences": D("266.67"),
        "Coût — Solde": D("166.67"),
    }
    assert layer_lines(bill.statements, "35903") == {
        "Coût — Permanences": D("133.33"),
        "Coût — Archives": D("14.29"),
        "Coût — Solde": D("166.66"),
    }
    assert bill.total == D("1000.00")
    permanences = bill.statements[1].lines[0]
    assert say(permanences.basis) == (
        "40% of the pool €1,000.00 = €400.00; by population: 1,000 of 1,500 inhabitants"
    )


def test_a_restricted_layer_nobody_holding_the_offer_is_in_puts_the_members_in_review() -> None:
    tariff = grid(POOL.format(pool="1000.00", layers=RESTRICTED))
    bill = bill_members(tariff, [member("35901", 3000), member("35902", 1000)], 2026)
    assert bill.total == D("0.00")
    assert {review.member.id for review in bill.needs_review} == {"35901", "35902"}
    assert "the layer 'Permanences' of the pool cannot be shared" in say(
        bill.needs_review[0].reason
    )


def test_a_restriction_naming_an_unknown_attribute_or_a_wrong_value_is_pointed_at() -> None:
    body = POOL.format(
        pool="1000.00",
        layers="""\
          - {label: A, percent: "10", by: population, where: {attribute: permanance}}
          - {label: B, percent: "10", by: population, where: {attribute: strate, equals: mixte}}
          - {label: C, percent: "10", by: population, members: ["35901"],
             where: {attribute: permanence}}
          - {label: D, percent: "10", by: key, key: {"35901": "100"}, members: ["35901"]}
          - {label: E, by: equal}
""",
    )
    assert problems_of(body) == [
        ("unknown-attribute", 23, 74),  # permanance: the tariff declares permanence
        ("attribute-type", 24, 90),  # mixte is not one of rurale, urbaine
        ("pool-layer", 26, 21),  # members and where: one of them
        ("pool-layer", 27, 80),  # a layer by key is restricted by its key
    ]


def test_a_restriction_naming_a_member_outside_the_parties_is_pointed_at() -> None:
    body = """\
parties:
  - {id: ville, name: Ville}
  - {id: ccas, name: CCAS}
""" + POOL.format(
        pool="1000.00",
        layers="""\
          - {label: A, percent: "10", by: population, members: [ville, cass]}
          - {label: B, by: equal}
""",
    )
    assert ("unknown-party", 26, 72) in problems_of(body)


# -- 3. worked examples asserting one line ----------------------------------------------

EXAMPLE = """\
examples:
  - title: Deux communes
    article: art. 6
    year: 2026
    members:
      - id: "35901"
        population: 3000
        subscriptions: [{offer: service, start: 2026-01-01}]
        consumption: [{unit: pc, date: 2026-03-01, quantity: 3}, {unit: cu, date: 2026-03-01}]
      - id: "35902"
        population: 1000
        subscriptions: [{offer: service, start: 2026-01-01}]
        consumption: [{unit: pc, date: 2026-03-01}, {unit: cu, date: 2026-03-01, quantity: 5}]
    expect:
      single_lines:
        - {member: "35901", line: service.cout, label: Instruction, amount: "%s"}
"""


def example_tariff(tmp_path: Path, amount: str, label: str = "Instruction") -> Path:
    # 4 permits of 10 acts: 1 000 × 4 / 10 = 400, 3 / 1 of 4 permits: 300 and 100
    layers = RATIO + "          - {label: Solde, by: population}\n"
    body = POOL.format(pool="1000.00", layers=layers) + EXAMPLE % amount
    text = HEADER + textwrap.dedent(body).replace(
        "label: Instruction, amount", f"label: {label}, amount"
    )
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_single_line_of_one_member_is_asserted(tmp_path: Path) -> None:
    example_tariff(tmp_path, "300.00")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_a_single_line_that_differs_says_its_line_its_figures_and_its_basis(
    tmp_path: Path,
) -> None:
    example_tariff(tmp_path, "300.01")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "t.yaml:46:77: example-mismatch worked example 'Deux communes' (art. 6): expected "
        "35901 service.cout 'Coût — Instruction' = €300.01, computed €300.00 (4 of 10 units "
        "counted × the pool €1,000.00 = €400.00; by units used: 3 of 4)"
    ) in result.stdout


def test_a_single_line_no_label_names_lists_the_lines_of_that_code(tmp_path: Path) -> None:
    example_tariff(tmp_path, "300.00", label="Instructions")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "35901 has no line service.cout labelled 'Instructions' (its lines service.cout: "
        "'Coût — Instruction', 'Coût — Solde')"
    ) in result.stdout


def test_a_single_line_of_a_part_making_several_needs_its_label(tmp_path: Path) -> None:
    path = example_tariff(tmp_path, "300.00")
    text = path.read_text(encoding="utf-8").replace(", label: Instruction", "")
    path.write_text(text, encoding="utf-8")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "35901 has 2 lines service.cout ('Coût — Instruction', 'Coût — Solde'): say which "
        "by its 'label'"
    ) in result.stdout


def test_a_single_line_asserts_the_figures_its_basis_states(tmp_path: Path) -> None:
    path = example_tariff(tmp_path, "300.00")
    text = path.read_text(encoding="utf-8")
    # 4 permits of 10 acts, 35901's 3 of 4 permits: it states 3, not 2
    good = text.replace('amount: "300.00"', 'basis: {layer.counted: "4", share.weight: "3.0"}')
    path.write_text(good, encoding="utf-8")
    assert run("check", "t.yaml", cwd=tmp_path).returncode == 0
    path.write_text(good.replace('"3.0"', '"2"'), encoding="utf-8")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "expected 35901 service.cout 'Coût — Instruction' share.weight = 2, computed 3 (4 of "
        "10 units counted × the pool €1,000.00 = €400.00; by units used: 3 of 4)"
    ) in result.stdout
    path.write_text(good.replace("share.weight", "share.wieght"), encoding="utf-8")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert (
        "the basis of 35901 service.cout 'Coût — Instruction' has no figure "
        "'share.wieght': did you mean 'share.weight'? (its figures: layer.counted, "
        "layer.all, layer.pool, layer.amount, share.weight, share.total)"
    ) in result.stdout


def test_a_single_line_of_an_unknown_code_is_pointed_at(tmp_path: Path) -> None:
    path = example_tariff(tmp_path, "300.00")
    text = path.read_text(encoding="utf-8").replace("line: service.cout", "line: service.cou")
    path.write_text(text, encoding="utf-8")
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "t.yaml:46:29: unknown-line no rule produces line 'service.cou'" in result.stdout


# -- 4. a key computed from the agents' time, not rounded --------------------------------

UNROUNDED = """\
keys:
  - id: temps
    article: art. 7
    computed: {from: agents, rounding: {precision: none}}
""" + POOL.format(
    pool="30000.00",
    layers='          - {label: Temps, percent: "100", by: key, key: temps}\n',
)

AGENTS = (
    AgentTime(
        id="J1", label="Juriste", cost=D("52000.00"), shares={"35901": D("60"), "35902": D("40")}
    ),
    AgentTime(
        id="J2",
        label="Assistante",
        cost=D("41000.00"),
        shares={"35901": D("50"), "35903": D("30"), "35904": D("20")},
    ),
)


def test_an_unrounded_key_applies_the_exact_ratio_of_salary_costs() -> None:
    tariff = grid(UNROUNDED)
    members = [member(id, 1000) for id in ("35901", "35902", "35903", "35904")]
    budget = Budget.model_construct(service="exemple", year=2026, lines=(), agents=AGENTS)
    bill = bill_members(tariff, members, 2026, ServiceData(budgets={2026: budget}))
    # salary costs: 52 000 × 60 % + 41 000 × 50 % = 51 700; 20 800; 12 300; 8 200; of
    # 93 000. 30 000 × 51 700 / 93 000 = 16 677,419…, 6 709,677…, 3 967,741…, 2 645,161…:
    # floors 29 999,98, the two cents to 35901 (0,0094) and 35902 (0,0077). Rounded to the
    # hundredth of a point first (55,59 %), 35901 would bear 16 677,00.
    totals = {s.member.id: s.total for s in bill.statements}
    assert totals == {
        "35901": D("16677.42"),
        "35902": D("6709.68"),
        "35903": D("3967.74"),
        "35904": D("2645.16"),
    }
    assert bill.total == D("30000.00")
    assert say(bill.statements[0].lines[0].basis) == (
        "100% of the pool €30,000.00 = €30,000.00; by key 'temps', computed from the agents' "
        "time, not rounded: €51,700.00 of €93,000.00 of salary cost"
    )


def test_an_unrounded_key_in_a_worked_example_compares_percentages_exactly(
    tmp_path: Path,
) -> None:
    example = """\
examples:
  - title: Deux agents
    article: art. 7
    year: 2026
    agents:
      - {id: J1, label: Juriste, cost: "30000.00", shares: {"35901": "75", "35902": "25"}}
      - {id: J2, label: Assistante, cost: "10000.00", shares: {"35902": "100"}}
    members:
      - {id: "35901", population: 1000, subscriptions: [{offer: service, start: 2026-01-01}]}
      - {id: "35902", population: 1000, subscriptions: [{offer: service, start: 2026-01-01}]}
    expect:
      keys: {temps: {"35901": "56.25", "35902": "43.76"}}
      members: {"35901": "16875.00", "35902": "13125.00"}
"""
    # 22 500 of 40 000 = 56,25 % exactly, 30 000 × 56,25 % = 16 875; 17 500 = 43,75 %
    (tmp_path / "t.yaml").write_text(
        HEADER + textwrap.dedent(UNROUNDED) + example, encoding="utf-8"
    )
    result = run("check", "t.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "expected 35902's share of the key 'temps' 43.76%, computed €17,500.00 of €40,000.00 "
        "of salary cost, not rounded"
    ) in result.stdout
    assert "35901's share" not in result.stdout


def test_an_unrounded_key_is_refused_with_a_method_a_precision_or_for_budget_lines() -> None:
    both = UNROUNDED.replace("{precision: none}", "{precision: none, method: half-up}")
    assert problems_of(both) == [("key-rounding-form", 13, 40)]
    precision = UNROUNDED.replace(
        "    article: art. 7\n", '    article: art. 7\n    precision: "1"\n', 1
    )
    assert problems_of(precision) == [("key-unrounded", 13, 16)]
    remainder = UNROUNDED.replace("{precision: none}", "{precision: none, remainder_to: ville}")
    assert problems_of(remainder) == [("key-unrounded", 13, 72)]
    lines = (
        UNROUNDED.split("offers:")[0]
        + """\
offers:
  - id: service
    label: Service
    billing: annual
    titled: next-january
    article: art. 7
    parts:
      - {code: lignes, label: Lignes, article: art. 7, rule: budget-lines, key: temps,
         categories: [salary]}
"""
    )
    assert problems_of(lines) == [("key-unrounded", 13, 52)]


# -- the shipped example -----------------------------------------------------------------


def test_shipped_acts_pool_example_billed_with_its_budget_and_roster() -> None:
    result = run("bill", "--service", "pool-actes", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    # art. 6 (the worked example's figures: 184 000 €) plus art. 7 (30 000 €):
    # 111 442,53 + 16 677,42; 42 500,27 + 6 709,68; 21 318,66 + 3 967,74; 8 738,54 + 2 645,16
    assert totals == {
        "35941": "128119.95",
        "35942": "49209.95",
        "35943": "25286.40",
        "35944": "11383.70",
    }
    assert data["total"] == "214000.00"


def test_shipped_acts_pool_example_checks() -> None:
    result = run("check", str(ROOT / "tariffs/examples/pool-par-actes.yaml"))
    assert result.returncode == 0, result.stdout
