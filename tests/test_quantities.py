"""Quantities and their rules: steps and their rounding, counts derived with a stated
rounding, exact fractions, a day rate covering so many hours, weekly maxima and the
volumes a subscription contracts. Each figure is computed by hand in a comment."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import run, write
from servcommun.engine.bill import bill_member
from servcommun.engine.context import ServiceData
from servcommun.engine.result import Statement
from servcommun.loader import tariff_problems
from servcommun.money import fraction_to_cents
from servcommun.reader import parse_yaml
from servcommun.render.words import say
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import Act, ConsumedUnit, ContractedVolume

D = Decimal

HEADER = """\
kind: contribution-grid
service: exemple
title: Exemple
valid_from: 2026-01-01
deliberations: [{id: "1", date: 2025-12-01, body: Conseil}]
population: {kind: totale}
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


def act(unit: str, day: str, quantity: str | int = "1") -> Act:
    return Act.model_validate({"unit": unit, "date": day, "quantity": quantity})


def member(
    offer: str, *acts: Act, volumes: tuple[ContractedVolume, ...] = (), id: str = "35901"
) -> Member:
    return Member(
        id=id,
        name=f"Commune {id}",
        population={2026: 1000},
        subscriptions=(Subscription(offer=offer, start=dt.date(2026, 1, 1), volumes=volumes),),
        consumption=acts,
    )


def statement(tariff: Tariff, m: Member) -> Statement:
    outcome = bill_member(tariff, m, 2026, ServiceData())
    assert isinstance(outcome, Statement), outcome
    return outcome


def offer(parts: str, offer_id: str = "mad") -> str:
    return f"""\
offers:
  - id: {offer_id}
    label: Mise à disposition
    billing: annual
    titled: next-january
    article: art. 5
    parts:
{textwrap.indent(textwrap.dedent(parts), "      ")}"""


def days(unit: str, price: str = "320.00", free: str = "") -> str:
    return f"""\
- code: jours
  label: Journées
  article: art. 5.1
  rule: unit-price
  units:
    - {unit}
  prices:
    - {{from: 2026-01-01, price: "{price}"}}
{free}"""


HOURS = """\
- code: heures
  label: Heures
  article: art. 5.2
  rule: day-rate-beyond-hours
  units:
    - {id: heure, label: Heures, step: "0.25", weekly_maximum: "35"}
  hours_per_day: "7"
  day_price: "210.00"
  hour_price: "35.00"
"""


# -- 1. steps, and the rounding a convention applies instead ---------------------------------


def test_any_half_day_begun_is_due_act_by_act_and_the_basis_says_both_quantities() -> None:
    tariff = grid(offer(days('{id: jour, label: Journées, step: "0.5", rounding: up}')))
    s = statement(
        tariff, member("mad", act("jour", "2026-02-02", "0.3"), act("jour", "2026-03-02", "1.6"))
    )
    # 0.3 → 0.5 and 1.6 → 2: 2.5 days × 320,00 = 800,00 (not 1.9 → 2 days summed first)
    assert [line.amount for line in s.lines] == [D("800.00")]
    assert say(s.lines[0].basis).startswith("1.9 consumed, rounded to 2.5 × Journées")


@pytest.mark.parametrize(
    ("mode", "billed", "amount"),
    [
        ("up", "1.5", "480.00"),  # 1.2 → 1.5: 1.5 × 320
        ("down", "1", "320.00"),  # 1.2 → 1
        ("half-up", "1", "320.00"),  # 1.2 / 0.5 = 2.4 → 2 half-days
    ],
)
def test_each_rounding_mode_rounds_to_the_step(mode: str, billed: str, amount: str) -> None:
    tariff = grid(offer(days(f'{{id: jour, label: Journées, step: "0.5", rounding: {mode}}}')))
    s = statement(tariff, member("mad", act("jour", "2026-02-02", "1.2")))
    assert s.lines[0].amount == D(amount)
    assert f"rounded to {billed} ×" in say(s.lines[0].basis)


def test_half_up_rounds_a_half_step_up() -> None:
    unit = ConsumedUnit(id="h", label="Heures", step=D("0.5"), rounding="half-up")
    # 1.25 / 0.5 = 2.5 → 3 half-hours = 1.5; 1.24 / 0.5 = 2.48 → 2 = 1
    assert (unit.billed(D("1.25")), unit.billed(D("1.24"))) == (D("1.5"), D("1.0"))


def test_a_rounding_needs_a_step() -> None:
    assert problems_of(offer(days("{id: jour, label: Journées, rounding: up}"))) == [
        ("rounding-step", 19, 13)  # at the unit that rounds (line 19 of header + offer)
    ]


def test_an_act_off_the_step_says_the_nearest_allowed_quantities(tmp_path: Path) -> None:
    body = offer(days('{id: jour, label: Journées, step: "0.5"}')) + textwrap.dedent(
        """\
        examples:
          - title: Hors du pas
            article: art. 5
            year: 2026
            members:
              - population: 1000
                subscriptions: [{offer: mad, start: 2026-01-01}]
                consumption:
                  - {unit: jour, date: 2026-02-02, quantity: "1.3"}
                  - {unit: jour, date: 2026-02-03, quantity: "0.2"}
            expect: {total: "480.00"}
        """
    )
    path = write(tmp_path / "t.yaml", HEADER + body)
    result = run("check", str(path))
    assert result.returncode == 1
    assert "1.3 jour is not counted in steps of 0.5: write a multiple of 0.5 (1 or 1.5)" in (
        result.stdout
    )
    # 0 is no quantity: only the step above is offered
    assert "0.2 jour is not counted in steps of 0.5: write 0.5, as the convention" in result.stdout


# -- 2. counts derived from another figure, with their rounding --------------------------------


@pytest.mark.parametrize(
    ("mode", "free", "amount"),
    [
        ("up", 3, "360.00"),  # 30 % × 7 = 2.1 → 3 free: 4 × 90,00
        ("down", 2, "450.00"),  # 2.1 → 2 free: 5 × 90,00
        ("half-up", 2, "450.00"),  # 2.1 → 2
    ],
)
def test_free_units_as_a_percent_of_the_years_units(mode: str, free: int, amount: str) -> None:
    tariff = grid(
        offer(
            days(
                '{id: visite, label: Visites, step: "1"}',
                price="90.00",
                free=f'  free: [{{unit: visite, percent: "30", rounding: {mode}}}]\n',
            )
        )
    )
    s = statement(
        tariff, member("mad", act("visite", "2026-03-02", 3), act("visite", "2026-09-14", 4))
    )
    assert s.lines[0].amount == D(amount)
    assert f", {free} free (30% of 7 = 2.1, rounded " in say(s.lines[0].basis)


def test_a_percent_of_free_units_needs_its_rounding() -> None:
    body = offer(
        days(
            "{id: visite, label: Visites}",
            free='  free: [{unit: visite, percent: "30"}]\n',
        )
    )
    assert [code for code, _, _ in problems_of(body)] == ["free-units"]


ALLOWANCE = """\
- code: jours
  label: Jours au-delà
  article: art. 3.2
  rule: units-beyond-allowance
  units: [{{id: jour, label: Jours}}]
  unit: "0.5"
  unit_label: demi-journées
  unit_price: "200.00"
  allowance: [{{from: 0, quantity: "2"}}]
{rounding}"""


@pytest.mark.parametrize(
    ("rounding", "amount", "said"),
    [
        ("", "600.00", "1.2 beyond → 3 demi-journées × €200.00"),  # 2.4 half-days → 3
        ("  rounding: down\n", "400.00", "→ 2 demi-journées (rounded down) ×"),  # 2.4 → 2
        ("  rounding: half-up\n", "400.00", "→ 2 demi-journées (rounded half up) ×"),
    ],
)
def test_units_beyond_an_allowance_rounded_as_declared(
    rounding: str, amount: str, said: str
) -> None:
    tariff = grid(offer(ALLOWANCE.format(rounding=rounding)))
    s = statement(tariff, member("mad", act("jour", "2026-05-05", "3.2")))
    # 3.2 days used, allowance 2: 1.2 beyond = 2.4 half-days
    assert s.lines[0].amount == D(amount)
    assert said in say(s.lines[0].basis)


# -- 3. exact fractions -----------------------------------------------------------------------


def test_a_fraction_is_read_exactly_a_decimal_when_one_writes_it() -> None:
    assert act("j", "2026-01-01", "1/3").quantity == Fraction(1, 3)
    assert act("j", "2026-01-01", "1/4").quantity == D("0.25")
    assert isinstance(act("j", "2026-01-01", "1/4").quantity, Decimal)
    assert act("j", "2026-01-01", "6/3").quantity == D("2")


def test_three_thirds_of_a_day_are_a_day_rounded_to_the_cent_once() -> None:
    tariff = grid(offer(days("{id: jour, label: Journées}", price="300.00")))
    thirds = [act("jour", f"2026-05-0{day}", "1/3") for day in (4, 5, 6)]
    s = statement(tariff, member("mad", *thirds))
    # 1/3 + 1/3 + 1/3 = 1 exactly: 300,00 (0.33 × 3 × 300 would be 297,00)
    assert s.lines[0].amount == D("300.00")
    assert say(s.lines[0].basis).startswith("1 × Journées (04/05/2026–06/05/2026)")
    tariff = grid(offer(days("{id: jour, label: Journées}", price="310.00")))
    s = statement(tariff, member("mad", *thirds))
    # 310,00 exactly, where three lines of 103,33 would make 309,99
    assert s.lines[0].amount == D("310.00")


def test_a_sum_no_decimal_writes_is_said_as_a_fraction_and_rounded_once() -> None:
    tariff = grid(offer(days("{id: jour, label: Journées}", price="310.00")))
    s = statement(
        tariff, member("mad", act("jour", "2026-06-01", "1/3"), act("jour", "2026-06-02", "5/6"))
    )
    # 2/6 + 5/6 = 7/6 day × 310,00 = 361,666… → 361,67
    assert s.lines[0].amount == D("361.67")
    assert say(s.lines[0].basis).startswith("1 1/6 × Journées")


def test_fractions_and_decimals_sum_together_exactly() -> None:
    tariff = grid(offer(days("{id: jour, label: Journées}", price="300.00")))
    s = statement(
        tariff, member("mad", act("jour", "2026-06-01", "0.5"), act("jour", "2026-06-02", "2/3"))
    )
    # 1/2 + 2/3 = 7/6 × 300,00 = 350,00 exactly
    assert s.lines[0].amount == D("350.00")


def test_an_amount_exact_as_a_fraction_is_rounded_half_away_from_zero() -> None:
    assert fraction_to_cents(Fraction(1001, 200)) == D("5.01")  # 5,005 → 5,01
    assert fraction_to_cents(Fraction(-1001, 200)) == D("-5.01")
    assert fraction_to_cents(Fraction(1, 3)) == D("0.33")


@pytest.mark.parametrize("written", ["1/0", "-1/3", "1/3/4", "un tiers/2"])
def test_what_is_no_fraction_is_refused_at_its_cell(written: str, tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", HEADER + offer(days("{id: jour, label: Journées}")))
    write(
        tmp_path / "roster.yaml",
        'service: exemple\nmembers:\n  - id: "35901"\n    name: Commune\n'
        "    population: {2026: 1000}\n    subscriptions: [{offer: mad, start: 2026-01-01}]\n"
        f'    consumption: [{{unit: jour, date: 2026-02-02, quantity: "{written}"}}]\n',
    )
    result = run("check", str(tmp_path), "--format", "json")
    codes = {(d["code"], d["line"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert ("quantity-fraction", 7) in codes


# -- 4. a day rate covering so many hours ----------------------------------------------------


def test_the_hours_beyond_the_day_rate_are_counted_day_by_day() -> None:
    tariff = grid(offer(HOURS))
    s = statement(
        tariff,
        member(
            "mad",
            act("heure", "2026-04-06", "4"),
            act("heure", "2026-04-06", "3"),
            act("heure", "2026-04-07", "5.5"),
            act("heure", "2026-04-08", "9.25"),
        ),
    )
    # 6 April: 4 + 3 = 7 h, none beyond; 7 April: 5.5 h; 8 April: 9.25 h, 2.25 beyond
    # 3 days × 210,00 = 630,00 + 2.25 × 35,00 = 78,75 → 708,75 (the 1.5 h 7 April did not
    # work do not offset 8 April's)
    assert [line.amount for line in s.lines] == [D("708.75")]
    assert say(s.lines[0].basis) == (
        "21.75 hours on 3 days (06/04/2026–08/04/2026): 3 × €210.00 (up to 7 hours a day)"
        " + 2.25 hours beyond on 1 day × €35.00"
    )


def test_thirds_of_an_hour_beyond_are_billed_exactly() -> None:
    tariff = grid(offer(HOURS.replace('step: "0.25", ', "")))
    s = statement(tariff, member("mad", *(act("heure", "2026-04-06", "7/3") for _ in range(4))))
    # 4 × 7/3 = 28/3 h on one day: 210,00 + (28/3 − 7) = 7/3 h × 35,00 = 81,666… → 291,67
    assert s.lines[0].amount == D("291.67")
    assert say(s.lines[0].basis).startswith("9 1/3 hours on 1 day")


def test_a_day_covering_more_than_24_hours_is_refused() -> None:
    body = offer(HOURS.replace('hours_per_day: "7"', 'hours_per_day: "70"'))
    assert [code for code, _, _ in problems_of(body)] == ["hours-per-day"]


# -- 5. weekly maxima and contracted volumes ---------------------------------------------------


def roster_check(tmp_path: Path, tariff_body: str, roster: str) -> list[tuple[str, int, int]]:
    write(tmp_path / "t.yaml", HEADER + tariff_body)
    write(tmp_path / "roster.yaml", textwrap.dedent(roster))
    result = run("check", str(tmp_path), "--format", "json")
    return [
        (d["code"], d["line"], d["column"])
        for d in json.loads(result.stdout)["diagnostics"]
        if d["severity"] == "error"
    ]


ROSTER = """\
service: exemple
members:
  - id: "35901"
    name: Commune exemple
    population: {{2026: 1000}}
    subscriptions:
      - offer: mad
        start: 2026-01-01
        volumes: [{volume}]
    consumption:
{acts}"""


def test_the_act_beyond_the_weekly_maximum_is_refused_at_its_quantity(tmp_path: Path) -> None:
    acts = (
        "      - {unit: heure, date: 2026-01-05, quantity: 29}\n"  # Monday of ISO week 2
        "      - {unit: heure, date: 2026-01-11, quantity: 6}\n"  # its Sunday
        "      - {unit: heure, date: 2026-01-12, quantity: 8}\n"  # Monday of week 3
        '      - {unit: heure, date: 2026-01-09, quantity: "0.25"}\n'  # its Friday
    )
    # in date order: 29 (Mon) + 0.25 (Fri) = 29.25, + 6 (Sun) = 35.25 > 35: the Sunday act
    # (line 12) goes beyond; week 3 starts again from 0
    roster = ROSTER.format(volume='{unit: heure, maximum: "1000"}', acts=acts)
    assert roster_check(tmp_path, offer(HOURS), roster) == [("weekly-maximum", 12, 51)]


def test_the_act_beyond_the_contracted_maximum_is_refused(tmp_path: Path) -> None:
    acts = (
        "      - {unit: heure, date: 2026-02-02, quantity: 7}\n"
        "      - {unit: heure, date: 2026-03-02, quantity: 7}\n"  # 14 ≤ 15
        "      - {unit: heure, date: 2026-04-06, quantity: 2}\n"  # 16 > 15
    )
    roster = ROSTER.format(volume='{unit: heure, maximum: "15"}', acts=acts)
    assert roster_check(tmp_path, offer(HOURS), roster) == [("volume-maximum", 13, 51)]


def test_a_contracted_volume_is_of_a_unit_of_its_offer(tmp_path: Path) -> None:
    roster = ROSTER.format(volume='{unit: heures, maximum: "15"}', acts="      []\n").replace(
        "    consumption:\n      []\n", ""
    )
    assert roster_check(tmp_path, offer(HOURS), roster) == [("volume-unit", 9, 26)]


def test_a_minimum_due_bills_the_hours_not_consumed_at_the_hourly_rate() -> None:
    tariff = grid(offer(HOURS.replace('weekly_maximum: "35"', "minimum_due: true")))
    volume = ContractedVolume(unit="heure", minimum=D("20"), reference="art. 5.2")
    s = statement(
        tariff,
        member(
            "mad",
            act("heure", "2026-09-07", "7.5"),
            act("heure", "2026-09-08", "6"),
            volumes=(volume,),
        ),
    )
    # 2 days × 210,00 + 0.5 h × 35,00 = 437,50; 20 − 13.5 = 6.5 h × 35,00 = 227,50
    assert [line.amount for line in s.lines] == [D("437.50"), D("227.50")]
    assert say(s.lines[1].basis) == (
        "contracted minimum of 20 (art. 5.2): 13.5 hours consumed → 6.5 hours not consumed, "
        "due × €35.00"
    )
    assert s.notes == ()


def test_a_minimum_due_bills_the_units_not_consumed_at_the_price_in_force() -> None:
    tariff = grid(offer(days("{id: jour, label: Journées, minimum_due: true}")))
    volume = ContractedVolume(unit="jour", minimum=D("10"))
    s = statement(tariff, member("mad", act("jour", "2026-02-02", "1/3"), volumes=(volume,)))
    # 1/3 × 320,00 = 106,67; 10 − 1/3 = 29/3 days × 320,00 = 3 093,333… → 3 093,33
    assert [line.amount for line in s.lines] == [D("106.67"), D("3093.33")]
    assert "1/3 consumed → 9 2/3 not consumed, due × €320.00" in say(s.lines[1].basis)


def test_a_minimum_not_due_is_noted_and_not_billed() -> None:
    tariff = grid(offer(HOURS))
    volume = ContractedVolume(unit="heure", minimum=D("20"), maximum=D("400"))
    s = statement(tariff, member("mad", act("heure", "2026-09-07", "7"), volumes=(volume,)))
    assert [line.amount for line in s.lines] == [D("210.00")]
    assert [say(note) for note in s.notes] == [
        "Heures: 7 consumed in 2026, below the contracted minimum of 20; the tariff bills no "
        "shortfall (the unit does not say 'minimum_due')"
    ]


def test_a_minimum_above_the_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match="volume-bounds"):
        ContractedVolume(unit="heure", minimum=D("20"), maximum=D("10"))


def test_minimum_due_on_a_rule_billing_no_shortfall_is_refused() -> None:
    body = offer(
        ALLOWANCE.format(rounding="").replace("label: Jours}", "label: Jours, minimum_due: true}")
    )
    assert [code for code, _, _ in problems_of(body)] == ["minimum-due"]


# -- the shipped example --------------------------------------------------------------------


def test_shipped_hours_example_billed_through_the_cli() -> None:
    result = run("bill", "--service", "heures", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    totals = {s["member"]["id"]: s["total"] for s in data["statements"]}
    # 35921: technique 1 120,00 (0.3 → 0.5, 1, 1.6 → 2: 3.5 × 320) + secretariat 708,75
    #   + encadrement 1/3 × 3 + 1/6 = 7/6 × 310 = 361,67 → 2 190,42
    # 35922: secretariat 6 days × 210 + 0.5 h × 35 = 1 277,50 and 50 − 38.75 = 11.25 h
    #   × 35 = 393,75 due; visites 30 % of 7 → 3 free, 4 × 90 = 360,00 → 2 031,25
    assert totals == {"35921": "2190.42", "35922": "2031.25"}
    assert data["total"] == "4221.67"
