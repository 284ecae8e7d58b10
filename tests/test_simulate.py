"""`servcommun simulate`: a prospective member's schedule (art. 7), the audit credit won or
lost (art. 7.2.1), and its impact on the service (art. 7 staffing steps)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import fields, replace
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT, member, run, write
from servcommun.engine.result import Statement
from servcommun.engine.simulate import (
    FieldToGive,
    Scenario,
    ScenarioError,
    ScenarioField,
    Simulation,
    simulate,
)
from servcommun.message import Message
from servcommun.render.simulation import credit_message, simulation_json, step_message
from servcommun.render.words import say
from servcommun.tariff import Tariff

D = Decimal
SOCLE, AUDIT, GROUP = "socle-complet", "audit", "groupement-achats"


def scenario(
    *offers: str,
    population: int | None = 2355,
    audit: str | None = None,
    join: str | None = None,
    **more,
) -> Scenario:  # type: ignore[no-untyped-def]
    return Scenario(
        offers=offers,
        from_year=more.pop("from_year", 2026),
        to_year=more.pop("to_year", 2028),
        population=population,
        audit=dt.date.fromisoformat(audit) if audit else None,
        join=dt.date.fromisoformat(join) if join else None,
        **more,
    )


def totals(sim: Simulation) -> dict[int, Decimal]:
    return {entry.year: entry.total for entry in sim.years}


def offer_total(sim: Simulation, year: int, offer: str) -> Decimal:
    entry = next(entry for entry in sim.years if entry.year == year)
    assert isinstance(entry.statement, Statement)
    return entry.statement.offer_total(offer)


def said(message: Message | None) -> str:
    """A message as the tables and stderr say it, with plain spaces."""
    assert message is not None
    return spaced(say(message))


def spaced(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def as_the_command_line_says(message: Message) -> str:
    """A message of the simulation as `servcommun simulate` says it: the scenario's
    fields as its options."""
    from servcommun.cli.simulate import as_options

    return say(as_options(message))


def texts_of(value: object) -> Iterator[str]:
    """Every text a message carries: its templates, its values, the messages inside it."""
    if isinstance(value, Message):
        yield from (value.text, value.plural)
        for _, inner in value.values:
            yield from texts_of(inner)
    elif isinstance(value, tuple):
        for item in value:
            yield from texts_of(item)
    else:
        yield str(value)


def speaks_of_the_scenario(message: Message) -> bool:
    """The engine names the scenario's fields, never an option of the command line."""
    return not any("--" in text for text in texts_of(message))


# -- the convention's example (art. 7.2.1) ----------------------------------------------


def test_audit_then_socle_within_six_months(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15", join="2026-06-01"))
    assert offer_total(sim, 2026, AUDIT) == D("3500.00")
    assert offer_total(sim, 2026, SOCLE) == D("2032.50")  # 5 532,50 − 3 500
    assert totals(sim) == {2026: D("5532.50"), 2027: D("5532.50"), 2028: D("5532.50")}
    [credit] = sim.credits
    assert (credit.applied, credit.applied_year, credit.lost) == (D("3500.00"), 2026, D(0))
    assert credit.window_end == dt.date(2026, 8, 15)
    assert "€3,500.00 deducted from 2026" in said(credit_message(credit))


def test_year_total_is_the_sum_of_its_lines_audit_included(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15", join="2026-06-01"))
    first = sim.years[0]
    assert {line.code for line in first.lines} == {
        "socle-complet.fixed",
        "socle-complet.variable",
        "socle-complet.audit-credit",
        "audit.price",
    }
    assert first.total == sum(line.amount for line in first.lines)
    assert next(line for line in first.lines if line.code == "audit.price").titled == "2026-02"


def test_joining_on_the_last_day_of_the_window_keeps_the_credit(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, audit="2026-02-15", join="2026-08-15"))
    assert sim.credits[0].applied == D("3500.00")
    assert AUDIT in sim.offers  # an audit date implies the audit offer
    [implied] = [note for note in sim.notes if "implies" in note.text]
    assert ("option", ScenarioField.AUDIT) in implied.values and speaks_of_the_scenario(implied)
    assert as_the_command_line_says(implied).startswith("--audit implies the offer 'audit'")


def test_joining_after_the_window_loses_the_credit_and_says_until_when(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15", join="2026-08-16"))
    assert totals(sim)[2026] == D("3500.00") + D("5532.50")
    assert "socle-complet.audit-credit" not in {line.code for line in sim.years[0].lines}
    [credit] = sim.credits
    assert (credit.applied, credit.lost, credit.too_late) == (D(0), D("3500.00"), True)
    message = said(credit_message(credit))
    assert "loses the €3,500.00 audit credit" in message
    assert "15/08/2026, the last join date that keeps it" in message


def test_credit_lost_in_the_following_year(redon: Tariff) -> None:
    # audited in November 2026: the window runs to May 2027, the join is in June 2027
    sim = simulate(
        redon, [], scenario(AUDIT, SOCLE, population=5000, audit="2026-11-10", join="2027-06-01")
    )
    assert totals(sim)[2026] == D("7000.00")  # the audit alone, 3000–8000 bracket
    assert totals(sim)[2027] == D("2500.00") + D("7500.00")
    assert sim.credits[0].lost == D("7000.00")
    assert sim.credits[0].window_end == dt.date(2027, 5, 10)


def test_joining_before_the_audit_earns_no_credit(redon: Tariff) -> None:
    # no --join: the socle starts on 1 January, before the audit is delivered
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15"))
    assert totals(sim)[2026] == D("9032.50")
    credit = sim.credits[0]
    assert credit.too_early and credit.lost == D("3500.00")
    assert "before the audit is delivered" in said(credit_message(credit))


# -- socle annexe complet (art. 7.2.3) ---------------------------------------------------


def test_socle_annexe_complet_audit_and_group_then_group_only(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, GROUP, population=1361))
    assert totals(sim) == {
        2026: D("990.00") + D("750.00") + D("340.25"),
        2027: D("1090.25"),
        2028: D("1090.25"),
    }
    assert offer_total(sim, 2027, AUDIT) == D(0)
    # no --audit date: the audit is delivered on 1 January of the first year, and said so
    assert sim.delivered == dt.date(2026, 1, 1)
    assert any("1 January 2026" in say(note) for note in sim.notes)


def test_audit_alone_is_delivered_on_the_join_date(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, population=1361, join="2027-03-01"))
    assert totals(sim) == {2026: D(0), 2027: D("990.00"), 2028: D(0)}
    assert any("the join date" in say(note) for note in sim.notes)


def test_socle_includes_the_purchasing_group(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, GROUP))
    assert offer_total(sim, 2026, GROUP) == D(0)
    assert totals(sim)[2026] == D("5532.50")


def test_engineering_days_beyond_the_allowance(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, days=D("5.2")))  # 0.7 beyond 4.5 → 2 half-days
    assert totals(sim)[2027] == D("5532.50") + D("400.00")


def test_above_8000_the_schedule_needs_review(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, population=9312))
    assert all(entry.review is not None for entry in sim.years)
    assert totals(sim)[2026] == D(0)


# -- impact on the service: the 10th and the 21st socle-complet member --------------------


def roster_of(count: int, offer: str = SOCLE) -> list:  # type: ignore[type-arg]
    return [member(2355, (offer, "2024-01-01"), id=f"35{n:03d}") for n in range(count)]


@pytest.mark.parametrize(
    ("already", "fte_before", "fte_after", "crossed"),
    [(9, 1, 2, 10), (20, 2, 3, 21), (10, 2, 2, None), (0, 0, 1, 1)],
)
def test_staffing_step_crossed_by_the_newcomer(
    redon: Tariff, already: int, fte_before: int, fte_after: int, crossed: int | None
) -> None:
    sim = simulate(redon, roster_of(already), scenario(SOCLE))
    impact = sim.impact
    assert (impact.counted_before, impact.counted_after) == (already, already + 1)
    assert (impact.fte_before, impact.fte_after) == (fte_before, fte_after)
    assert (impact.members_before, impact.members_after) == (already, already + 1)
    assert impact.revenue_after - impact.revenue_before == D("5532.50")
    if crossed is None:
        assert impact.step is None
        return
    assert impact.step is not None and impact.step.rank == crossed
    assert impact.step.extra_cost == D("40000.00")
    assert impact.staff_cost_after == fte_after * D("40000.00")


def test_tenth_member_message_names_the_step(redon: Tariff) -> None:
    sim = simulate(redon, roster_of(9), scenario(SOCLE))
    message = said(step_message(sim.impact))
    assert "10th socle-complet member" in message
    assert "from 1 to 2 FTE" in message and "(staff cost +€40,000.00)" in message
    assert sim.impact.coverage_before == D("124.5")  # 9 × 5 532,50 / 40 000
    assert sim.impact.coverage_after == D("69.2")  # 10 × 5 532,50 / 80 000


def test_twenty_first_member(redon: Tariff) -> None:
    sim = simulate(redon, roster_of(20), scenario(SOCLE))
    assert "21st socle-complet member" in said(step_message(sim.impact))
    assert simulation_json(sim, service="redon", currency="EUR")["service"]["step_crossed"] == {
        "rank": 21,
        "fte_before": 2,
        "fte_after": 3,
        "extra_staff_cost": "40000.00",
        "reference": "art. 7",
    }


def test_a_purchasing_group_member_does_not_move_the_step(redon: Tariff) -> None:
    sim = simulate(redon, roster_of(9), scenario(GROUP))
    assert (sim.impact.fte_before, sim.impact.fte_after) == (1, 1)
    assert sim.impact.step is None


def test_impact_year_is_the_first_year_of_membership(redon: Tariff) -> None:
    sim = simulate(redon, roster_of(9), scenario(SOCLE, join="2027-04-01"))
    assert sim.impact.year == 2027
    assert totals(sim)[2026] == D(0)


# -- starting from a roster member --------------------------------------------------------


def test_existing_member_takes_the_socle_and_keeps_its_audit_credit(redon: Tariff) -> None:
    # Langon: audit delivered 20/04/2026, purchasing group since 2026, 1 361 inhabitants
    langon = member(1361, (AUDIT, "2026-04-20"), (GROUP, "2026-01-01"), id="35145")
    langon = langon.model_copy(update={"population": {2025: 1361, 2026: 1361}})
    others = roster_of(3)
    sim = simulate(
        redon,
        [langon, *others],
        scenario(SOCLE, population=None, base_member="35145", join="2026-07-01"),
    )
    assert sim.existing and sim.member.name == "Commune 35145"
    assert offer_total(sim, 2026, SOCLE) == D("1500.00") + D("2041.50") - D("990.00")
    assert offer_total(sim, 2026, GROUP) == D(0)  # included in the socle (art. 4.2)
    assert totals(sim)[2027] == D("3541.50")  # 2026's population carried forward
    assert any("carried forward" in say(note) for note in sim.notes)
    assert (sim.impact.members_before, sim.impact.members_after) == (4, 4)
    assert (sim.impact.counted_before, sim.impact.counted_after) == (3, 4)


def test_prospect_id_never_clashes_with_the_roster(redon: Tariff) -> None:
    taken = member(2355, (SOCLE, "2024-01-01"), id="99999")
    sim = simulate(redon, [taken], scenario(SOCLE))
    assert sim.impact.members_after == 2


# -- bracket boundaries --------------------------------------------------------------------


def test_population_near_a_boundary_is_warned(redon: Tariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, population=2990))
    [near] = sim.near
    assert (near.boundary.first, near.distance) == (3000, 10)
    assert (near.below, near.above) == (D("6498.50"), D("7000.00"))
    assert simulate(redon, [], scenario(SOCLE, population=2355)).near == ()


# -- what cannot be simulated --------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        (scenario("socle"), "unknown offer socle"),
        (scenario(), "at least one --offer"),
        (scenario(SOCLE, population=None), r"^give --population N \(.*\) or --member ID \("),
        (scenario(SOCLE, population=0), "^--population must be a positive number"),
        (scenario(SOCLE, from_year=2027, to_year=2026), "^--to-year 2026 is before --from-year"),
        (scenario(SOCLE, share=D(2)), "^--share and --take-from: .* simulated with --offer$"),
        (scenario(SOCLE, days=D(-1)), "^--days must not be negative"),
        (scenario(SOCLE, acts=(("journee", D(1)), ("journee", D(1)))), "^--act journee given"),
        (scenario(SOCLE, acts=(("journee", D(-1)),)), "^--act journee=-1: a quantity"),
        (scenario(SOCLE, attribution=D("1.005")), r"^--attribution €1\.005: .* to the cent"),
        (scenario(SOCLE, acts=(("journe", D(1)),)), "^--act: unknown unit journe"),
    ],
)
def test_scenario_errors(redon: Tariff, asked: Scenario, message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        simulate(redon, [], asked)
    # the engine names the scenario's fields; the command line says them as its options
    assert speaks_of_the_scenario(raised.value.message)
    assert re.search(message, as_the_command_line_says(raised.value.message))


# -- the command, as a user runs it --------------------------------------------------------


def simulate_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = run("simulate", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_contract_of_design_section_4() -> None:
    data = simulate_json(
        "--population",
        "2355",
        "--offer",
        "audit",
        "--offer",
        "socle-complet",
        "--audit",
        "2026-02-15",
        "--join",
        "2026-06-01",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
        "--name",
        "Commune test",
    )
    assert list(data)[:3] == ["member", "years", "service"]
    assert data["member"] == {"name": "Commune test", "population": 2355}
    assert [year["year"] for year in data["years"]] == [2026, 2027]
    for year in data["years"]:
        for line in year["lines"]:
            assert set(line) >= {"code", "label", "amount", "basis", "reference", "titled"}
            assert line["amount"] == f"{D(line['amount']):.2f}"
        assert D(year["total"]) == sum(D(line["amount"]) for line in year["lines"])
    assert [year["total"] for year in data["years"]] == ["5532.50", "5532.50"]
    lines = {line["code"]: line["amount"] for line in data["years"][0]["lines"]}
    assert lines["audit.price"] == "3500.00"
    assert lines["socle-complet.audit-credit"] == "-3500.00"
    service = data["service"]
    assert set(service) >= {
        "members_before",
        "members_after",
        "fte_before",
        "fte_after",
        "revenue_before",
        "revenue_after",
    }
    # the example roster in 2026: 21 active members, 17 at the socle complet (2 FTE)
    assert (service["members_before"], service["members_after"]) == (21, 22)
    assert (service["fte_before"], service["fte_after"]) == (2, 2)
    assert service["revenue_before"] == "102949.00"  # the example's 2026 bill
    assert D(service["revenue_after"]) - D(service["revenue_before"]) == D("5532.50")


def test_json_says_what_joining_late_loses() -> None:
    result = run(
        "simulate",
        "--format",
        "json",
        "--population",
        "2355",
        "--offer",
        "audit",
        "--offer",
        "socle-complet",
        "--audit",
        "2026-02-15",
        "--join",
        "2026-09-01",
        "--from-year",
        "2026",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["credits"][0]["lost"] == "3500.00"
    assert data["credits"][0]["window_end"] == "2026-08-15"
    assert "last join date that keeps it" in result.stderr  # a warning, on stderr
    assert data["warnings"]


def test_default_years_start_with_the_current_one() -> None:
    data = simulate_json("--population", "1200", "--offer", "groupement-achats")
    this_year = dt.date.today().year
    assert [year["year"] for year in data["years"]] == [this_year, this_year + 1, this_year + 2]
    assert all(
        not y["lines"] or y["lines"][0]["titled"] == f"{y['year'] + 1}-01" for y in data["years"]
    )


def test_table_output() -> None:
    result = run(
        "simulate",
        "--population",
        "2990",
        "--offer",
        "socle-complet",
        "--from-year",
        "2026",
        "--audit",
        "2026-02-15",
        "--join",
        "2026-09-01",
    )
    assert result.returncode == 0, result.stderr
    out = spaced(result.stdout)
    assert "2026 total" in out and "€9,985.00" in out
    assert "loses the €3,500.00 audit credit" in " ".join(out.split())
    assert "is 10 below 3,000 inhabitants" in out  # near the 3000 boundary
    assert "The service in 2026" in out


def test_from_a_roster_member_of_the_example() -> None:
    data = simulate_json(
        "--member",
        "35145",
        "--offer",
        "socle-complet",
        "--join",
        "2026-07-01",
        "--from-year",
        "2026",
    )
    assert data["member"]["id"] == "35145" and data["member"]["name"] == "Langon"
    # audit 990 + socle 1 500 + 1,50 × 1 418 = 3 627,00 − the audit credit 990 (its purchasing
    # group is included in the socle)
    assert data["years"][0]["total"] == "3627.00"
    assert data["service"]["members_after"] == data["service"]["members_before"]


def test_unknown_offer_is_a_usage_error() -> None:
    result = run("simulate", "--population", "2355", "--offer", "socle")
    assert result.returncode == 2
    assert "unknown offer socle" in result.stderr and "Traceback" not in result.stderr


def test_runs_on_the_bundled_example_outside_a_data_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "simulate",
        "--population",
        "2355",
        "--offer",
        "socle-complet",
        "--from-year",
        "2026",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["years"][0]["total"] == "5532.50"
    assert "bundled" in result.stderr


def test_simulate_on_a_data_directory_with_a_small_roster(tmp_path) -> None:  # type: ignore[no-untyped-def]
    members = "\n".join(
        f'  - {{id: "35{n:03d}", name: "C{n}", population: {{2026: 2000}}, '
        f"subscriptions: [{{offer: socle-complet, start: 2024-01-01}}]}}"
        for n in range(20)
    )
    write(tmp_path / "roster.yaml", f"service: redon-agglomeration\nmembers:\n{members}\n")
    (tmp_path / "servcommun.toml").write_text(
        f'[services.redon]\ntariffs = ["{ROOT / "tariffs" / "redon-agglomeration-2022.yaml"}"]'
        '\nroster = "roster.yaml"\n',
        encoding="utf-8",
    )
    result = run(
        "simulate",
        "--population",
        "2355",
        "--offer",
        "socle-complet",
        "--from-year",
        "2026",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    service = json.loads(result.stdout)["service"]
    assert (service["fte_before"], service["fte_after"]) == (2, 3)
    assert service["step_crossed"]["rank"] == 21
    assert "21st socle-complet member" in result.stderr


# -- cost sharing: a new party taking a share of the key (DESIGN §2.2) ---------------------

ROUEN_2026 = ROOT / "tariffs" / "rouen-2026.yaml"


@pytest.fixture(scope="module")
def rouen():  # type: ignore[no-untyped-def]
    from servcommun.loader import load_tariff

    tariff = load_tariff(ROUEN_2026)
    assert tariff.parties
    return tariff


def salaries(year: int, amount: str = "100000.00"):  # type: ignore[no-untyped-def]
    from servcommun.budget import Budget
    from servcommun.terms import CostCategory, CostLine

    return Budget(
        service="rouen",
        year=year,
        lines=(
            CostLine(
                id="salaries",
                label="Masse salariale",
                category=CostCategory.SALARY,
                amount=D(amount),
            ),
        ),
    )


def party(share: str, take_from: str | None = None, **more) -> Scenario:  # type: ignore[no-untyped-def]
    return Scenario(
        offers=(),
        from_year=2026,
        to_year=more.pop("to_year", 2027),
        name="Syndicat des eaux",
        share=D(share),
        take_from=take_from,
        **more,
    )


def test_new_party_takes_its_share_from_the_carrier(rouen) -> None:  # type: ignore[no-untyped-def]
    from servcommun.engine.simulate import simulate_sharing

    sim = simulate_sharing(
        {2026: rouen, 2027: rouen}, {2026: salaries(2026), 2027: salaries(2026)}, party("2.00")
    )
    first = sim.years[0]
    amounts = {line.code: line.amount for line in first.lines}
    # 2 % of 100 000, and 2 % of the 3 % management fees on the salary mass (illustrative)
    assert amounts == {"salaries.share": D("2000.00"), "management-fees.share": D("60.00")}
    assert first.total == D("2060.00") and sim.years[1].total == D("2060.00")
    assert sim.member.id == "syndicat-des-eaux"
    assert sim.key is not None and sim.key.take_from == "metropole"
    assert dict(sim.key.after) == {
        "metropole": D("51.32"),
        "ville": D("46.20"),
        "ccas": D("0.48"),
        "syndicat-des-eaux": D("2.00"),
    }
    impact = sim.impact
    assert (impact.members_before, impact.members_after) == (3, 4)
    # the carrier's share is not billed: what it gives up is new revenue
    assert impact.revenue_after - impact.revenue_before == D("2060.00")
    carrier = next(p for p in impact.parties if p.id == "metropole")
    assert (carrier.after - carrier.before, carrier.billed) == (D("-2060.00"), False)
    assert any("the 2026 budget stands for it" in say(note) for note in sim.notes)


def test_a_party_without_a_name_is_named_by_the_renderers(rouen) -> None:  # type: ignore[no-untyped-def]
    from servcommun.engine.simulate import simulate_sharing
    from servcommun.language import speaking

    unnamed = replace(party("2", to_year=2026), name=None)
    sim = simulate_sharing({2026: rouen}, {2026: salaries(2026)}, unnamed)
    assert sim.unnamed and sim.member.id == "nouvelle-partie"  # the same id in every language
    for lang, name in (("en", "New party"), ("fr", "Nouvelle partie")):
        with speaking(lang):
            data = simulation_json(sim, service="rouen", currency="EUR")
        assert data["member"] == {"name": name, "population": None, "id": "nouvelle-partie"}
        [newcomer] = [p for p in data["service"]["parties"] if p["id"] == "nouvelle-partie"]
        assert newcomer["name"] == name
        assert {p["name"] for p in data["service"]["parties"]} >= {"Métropole Rouen Normandie"}


def test_share_taken_from_a_billed_party_moves_revenue_between_parties(rouen) -> None:  # type: ignore[no-untyped-def]
    from servcommun.engine.simulate import simulate_sharing

    sim = simulate_sharing(
        {2026: rouen}, {2026: salaries(2026)}, party("2.00", "ville", to_year=2026)
    )
    ville = next(p for p in sim.impact.parties if p.id == "ville")
    assert ville.after - ville.before == D("-2060.00")
    assert sim.impact.revenue_after == sim.impact.revenue_before


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        (party("50", "ville"), "more than the 46.2% ville"),
        (party("0.005"), "written to 0.01"),
        (party("1", "nobody"), "not a party"),
        (party("0"), "^--share must be a positive percentage"),
        (replace(party("1"), name="Ville"), "^'ville' .* give the newcomer another --name$"),
        (
            Scenario(offers=("audit",), from_year=2026, to_year=2026, share=D(1), days=D(1)),
            "^--offer, --days: for contribution grids; a cost-sharing party is simulated with "
            r"--share \(and --take-from, --join\)$",
        ),
        (
            Scenario(offers=(), from_year=2026, to_year=2026),
            r"takes a new party with --share PERCENT \(its part of the key\)$",
        ),
        (Scenario(offers=(), from_year=2027, to_year=2026, share=D(1)), "before --from-year"),
    ],
)
def test_party_scenario_errors(rouen, asked: Scenario, message: str) -> None:  # type: ignore[no-untyped-def]
    from servcommun.engine.simulate import simulate_sharing

    with pytest.raises(ScenarioError) as raised:
        simulate_sharing(
            {2026: rouen, 2027: rouen}, {2026: salaries(2026), 2027: salaries(2026)}, asked
        )
    assert speaks_of_the_scenario(raised.value.message)
    assert re.search(message, as_the_command_line_says(raised.value.message))


def test_share_on_a_grid_is_a_usage_error() -> None:
    result = run("simulate", "--population", "2355", "--offer", "socle-complet", "--share", "2")
    assert result.returncode == 2 and "cost-sharing" in result.stderr


def test_simulate_a_party_of_the_rouen_example() -> None:
    data = simulate_json(
        "--service",
        "rouen",
        "--share",
        "2",
        "--name",
        "Syndicat des eaux",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    assert data["member"] == {
        "name": "Syndicat des eaux",
        "population": None,
        "id": "syndicat-des-eaux",
    }
    for year in data["years"]:
        assert D(year["total"]) == sum(D(line["amount"]) for line in year["lines"])
    assert data["key"]["after"]["metropole"] == "51.32"
    service = data["service"]
    assert (service["members_before"], service["members_after"]) == (3, 4)
    assert (service["fte_before"], service["fte_after"]) == (None, None)
    assert D(service["revenue_after"]) - D(service["revenue_before"]) == D(
        data["years"][0]["total"]
    )
    assert "no 2027 budget" in " ".join(data["notes"])


# -- expected acts (--act) and the attribution de compensation (--attribution) -------------

ADS = ROOT / "tariffs" / "examples" / "ads-instruction-actes.yaml"
COUT_UNITAIRE = ROOT / "tariffs" / "examples" / "cout-unitaire-d5211-16.yaml"
# 30 permis de construire, 55 déclarations préalables (0,7 EPC), 3 half-days of on-site
# advice (the first of the year free) and 2 days (2 half-days each), every year
ADS_ACTS = (
    ("permis-construire", D(30)),
    ("declaration-prealable", D(55)),
    ("demi-journee", D(3)),
    ("journee", D(2)),
)


@pytest.fixture(scope="module")
def ads() -> Tariff:
    from servcommun.loader import load_tariff

    tariff = load_tariff(ADS)
    assert isinstance(tariff, Tariff)
    return tariff


def amounts_by_unit(sim: Simulation, year: int) -> list[tuple[str, Decimal]]:
    entry = next(entry for entry in sim.years if entry.year == year)
    return [(line.label.split(" — ")[-1], line.amount) for line in entry.lines]


def test_acts_of_a_newcomer_to_the_ads_service(ads: Tariff) -> None:
    sim = simulate(
        ads, [], scenario("ads", "conseil", join="2026-06-01", to_year=2027, acts=ADS_ACTS)
    )
    # 2026: the acts are dated 01/06/2026, before the EPC price rises on 01/07/2026
    assert amounts_by_unit(sim, 2026) == [
        ("Permis de construire", D("6300.00")),  # 30 × 1 EPC × 210,00
        ("Déclaration préalable", D("8085.00")),  # 55 × 0,7 EPC × 210,00
        ("Demi-journées", D("360.00")),  # (3 − 1 free) × 180,00
        ("Journées", D("720.00")),  # 2 × 2 half-days × 180,00
    ]
    assert totals(sim)[2026] == D("15465.00")  # 6 300 + 8 085 + 360 + 720
    # 2027: dated 01/01/2027, at the price of 01/07/2026; the first half-day free again
    assert amounts_by_unit(sim, 2027) == [
        ("Permis de construire", D("6600.00")),  # 30 × 220,00
        ("Déclaration préalable", D("8470.00")),  # 55 × 0,7 × 220,00
        ("Demi-journées", D("360.00")),
        ("Journées", D("720.00")),
    ]
    assert totals(sim)[2027] == D("16150.00")  # 6 600 + 8 470 + 360 + 720
    assert sim.acts[0].dates == (dt.date(2026, 6, 1), dt.date(2027, 1, 1))
    said = " ".join(say(note) for note in sim.notes)
    assert "dated on the first day of membership of the year (01/06/2026, 01/01/2027)" in said
    assert (
        "the 2026 acts, dated 01/06/2026, are billed at the price before the one from "
        "01/07/2026 (EXEMPLE-2026-17)" in said
    )
    # the service in 2026: the newcomer's whole statement is new revenue
    assert sim.impact.revenue_after - sim.impact.revenue_before == D("15465.00")


def test_the_schedule_is_the_bill_of_a_member_holding_those_acts(ads: Tariff) -> None:
    from servcommun.engine.bill import bill_member
    from servcommun.roster import Member, Subscription
    from servcommun.terms import Act

    sim = simulate(
        ads, [], scenario("ads", "conseil", join="2026-06-01", to_year=2027, acts=ADS_ACTS)
    )
    written = Member(
        id="35999",
        name="Nouvelle commune",
        population={2026: 2355, 2027: 2355},
        subscriptions=(
            Subscription(offer="ads", start=dt.date(2026, 6, 1)),
            Subscription(offer="conseil", start=dt.date(2026, 6, 1)),
        ),
        consumption=tuple(
            Act(unit=unit, date=day, quantity=quantity)
            for day in (dt.date(2026, 6, 1), dt.date(2027, 1, 1))
            for unit, quantity in ADS_ACTS
        ),
    )
    for entry in sim.years:
        billed = bill_member(ads, written, entry.year)
        assert isinstance(billed, Statement)
        assert entry.lines == billed.lines


def test_bill_gives_the_simulated_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The newcomer simulated on a data directory, then written in its roster with its acts
    dated as the simulation says: `bill` gives the same lines."""
    existing = (
        '  - {id: "35901", name: Saint-Aubin, population: {2026: 2800}, '
        "subscriptions: [{offer: ads, start: 2025-01-01}]}\n"
    )
    newcomer = (
        '  - {id: "35999", name: Nouvelle commune, population: {2026: 2355}, '
        "subscriptions: [{offer: ads, start: 2026-06-01}, "
        "{offer: conseil, start: 2026-06-01}],\n"
        "     consumption: [{unit: permis-construire, date: 2026-06-01, quantity: 30},"
        " {unit: declaration-prealable, date: 2026-06-01, quantity: 55},"
        " {unit: demi-journee, date: 2026-06-01, quantity: 3},"
        " {unit: journee, date: 2026-06-01, quantity: 2}]}\n"
    )
    write(tmp_path / "roster.yaml", "service: ads-exemple\nmembers:\n" + existing)
    (tmp_path / "servcommun.toml").write_text(
        f'[services.ads]\ntariffs = ["{ADS}"]\nroster = "roster.yaml"\n', encoding="utf-8"
    )
    result = run(
        "simulate",
        "--format",
        "json",
        "--population",
        "2355",
        "--offer",
        "ads",
        "--offer",
        "conseil",
        "--join",
        "2026-06-01",
        "--from-year",
        "2026",
        "--to-year",
        "2026",
        "--act",
        "permis-construire=30",
        "--act",
        "declaration-prealable=55",
        "--act",
        "demi-journee=3",
        "--act",
        "journee=2",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    simulated = json.loads(result.stdout)["years"][0]
    write(tmp_path / "roster.yaml", "service: ads-exemple\nmembers:\n" + existing + newcomer)
    billed = run("bill", "--year", "2026", "--member", "35999", "--format", "json", cwd=tmp_path)
    assert billed.returncode == 0, billed.stderr
    [statement] = json.loads(billed.stdout)["statements"]
    assert simulated["lines"] == statement["lines"]
    assert simulated["total"] == statement["total"] == "15465.00"


def test_ads_newcomer_json() -> None:
    data = simulate_json(
        "--service",
        "ads-exemple",
        "--population",
        "2355",
        "--offer",
        "ads",
        "--act",
        "permis-construire=30",
        "--act",
        "declaration-prealable=55",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    assert [year["total"] for year in data["years"]] == [
        "14385.00",  # 30 × 210 + 55 × 0,7 × 210 = 6 300 + 8 085 (dated 01/01/2026)
        "15070.00",  # 30 × 220 + 55 × 0,7 × 220 = 6 600 + 8 470
    ]
    first = data["years"][0]["lines"]
    assert [(line["code"], line["amount"]) for line in first] == [
        ("ads.actes", "6300.00"),
        ("ads.actes", "8085.00"),
    ]
    assert first[1]["basis"].startswith("55 × Déclaration préalable (01/01/2026) × 0.7 EPC")
    assert data["scenario"]["acts"] == [
        {
            "unit": "permis-construire",
            "quantity": "30",
            "offer": "ads",
            "dates": ["2026-01-01", "2027-01-01"],
        },
        {
            "unit": "declaration-prealable",
            "quantity": "55",
            "offer": "ads",
            "dates": ["2026-01-01", "2027-01-01"],
        },
    ]
    assert data["scenario"]["attribution"] is None
    assert any("first day of membership" in note for note in data["notes"])
    service = data["service"]
    assert (service["members_before"], service["members_after"]) == (3, 4)
    assert D(service["revenue_after"]) - D(service["revenue_before"]) == D("14385.00")


def test_ads_newcomer_table() -> None:
    result = run(
        "simulate",
        "--service",
        "ads-exemple",
        "--population",
        "2355",
        "--offer",
        "ads",
        "--act",
        "permis-construire=30",
        "--act",
        "declaration-prealable=55",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    assert result.returncode == 0, result.stderr
    out = " ".join(spaced(result.stdout).split())
    assert "30 × Permis de construire a year, 55 × Déclaration préalable a year" in out
    assert "€14,385.00" in out and "€15,070.00" in out and "€29,455.00" in out
    assert "Note: the acts expected each year (--act) are dated on the first day" in out


def test_unknown_unit_is_a_usage_error_naming_the_units() -> None:
    result = run(
        "simulate",
        "--service",
        "ads-exemple",
        "--population",
        "2355",
        "--offer",
        "ads",
        "--act",
        "permis-de-construire=3",
        "--from-year",
        "2026",
    )
    assert result.returncode == 2
    [message] = result.stderr.splitlines()
    assert message == (
        "servcommun: --act: unknown unit permis-de-construire — did you mean "
        "'permis-construire'? (units: permis-construire, permis-amenager, permis-demolir, "
        "declaration-prealable, certificat-urbanisme, bulletin-paie, attestation-employeur, "
        "demi-journee, journee)"
    )


@pytest.mark.parametrize(
    ("act", "message"),
    [
        ("permis-construire", "write UNIT=QUANTITY"),
        ("permis-construire=trente", "'trente' is not a quantity"),
        ("permis-construire=-1", "a quantity is not negative"),
        (
            "bulletin-paie=240",
            "billed by the offer 'paie', which the newcomer does not hold: add --offer paie",
        ),
    ],
)
def test_act_usage_errors(act: str, message: str) -> None:
    result = run(
        "simulate",
        "--service",
        "ads-exemple",
        "--population",
        "2355",
        "--offer",
        "ads",
        "--act",
        act,
        "--from-year",
        "2026",
    )
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_unit_given_twice_is_refused(ads: Tariff) -> None:
    with pytest.raises(ScenarioError) as raised:
        simulate(ads, [], scenario("ads", acts=(("journee", D(1)), ("journee", D(2)))))
    assert "given more than once" in say(raised.value.message)


def test_acts_of_a_roster_member_replace_its_own_of_those_units() -> None:
    # 35901's 2026 acts (examples/ads/actes-2026.csv): its 3 permits give way to the 10
    # expected; its déclarations préalables, certificates and payslips stay
    data = simulate_json(
        "--service",
        "ads-exemple",
        "--member",
        "35901",
        "--offer",
        "ads",
        "--act",
        "permis-construire=10",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    first = [(line["code"], line["amount"]) for line in data["years"][0]["lines"]]
    assert first == [
        ("ads.actes", "2100.00"),  # 10 × 210,00 (dated 01/01/2026)
        ("ads.actes", "441.00"),  # 3 DP × 0,7 × 210,00, on 15/03/2026
        ("ads.actes", "154.00"),  # 1 DP × 0,7 × 220,00, on 05/10/2026
        ("ads.actes", "168.00"),  # 2 CUb × 0,4 × 210,00
        ("paie.documents", "6240.00"),  # 480 payslips × 13,00
        ("paie.documents", "19.50"),  # 3 attestations × 6,50
    ]
    assert data["years"][0]["total"] == "9122.50"
    # 2027: no act of 35901 is recorded; the expected permits alone, 10 × 220,00
    assert data["years"][1]["total"] == "2200.00"
    notes = " ".join(data["notes"])
    assert "its own acts of permis-construire in 2026–2027 replaced" in notes
    assert "acts recorded up to 2026 only, none in 2027" in notes
    # the service: 35901's bill grows from 7 662,50 (3 permits: 420 + 220) to 9 122,50
    service = data["service"]
    assert D(service["revenue_after"]) - D(service["revenue_before"]) == D("1460.00")


def test_no_act_of_a_unit_removes_a_members_own(ads: Tariff) -> None:
    from servcommun.roster import Member, Subscription
    from servcommun.terms import Act

    own = Member(
        id="35902",
        name="Pont-Rouge",
        population={2026: 1200},
        subscriptions=(Subscription(offer="conseil", start=dt.date(2026, 1, 1)),),
        consumption=(
            Act(unit="journee", date=dt.date(2026, 3, 10)),
            Act(unit="demi-journee", date=dt.date(2026, 5, 12), quantity=D(2)),
        ),
    )
    sim = simulate(
        ads,
        [own],
        scenario(
            "conseil", population=None, base_member="35902", to_year=2026, acts=(("journee", D(0)),)
        ),
    )
    # the day is gone; of the 2 half-days, the first of the year is free: 1 × 180,00
    assert amounts_by_unit(sim, 2026) == [("Demi-journées", D("180.00"))]


def test_units_of_operation_of_a_newcomer_to_the_unit_cost_service() -> None:
    data = simulate_json(
        "--service",
        "cout-unitaire-exemple",
        "--population",
        "2355",
        "--offer",
        "voirie",
        "--act",
        "heure-intervention=500",
        "--act",
        "journee-intervention=10",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    first, second = data["years"]
    # 500 hours + 10 days × 7 hours = 570 units; unit cost 412 000 / 10 200 = 40,39
    assert {line["code"]: line["amount"] for line in first["lines"]} == {
        "voirie.fonctionnement": "23022.30",  # 570 × 40,39
        # 570 × 40,84 (418 600 / 10 250) = 23 278,80, less 23 022,30 billed
        "voirie.regularisation": "256.50",
    }
    assert first["total"] == "23278.80"
    # 2027 has no budget: the 2026 one stands for it, its actual figures left out
    assert {line["code"]: line["amount"] for line in second["lines"]} == {
        "voirie.fonctionnement": "23022.30"
    }
    assert any(
        "no 2027 budget: the 2026 budget stands for it, without its actual figures" in note
        for note in data["notes"]
    )


def test_attribution_of_a_newcomer_settling_by_deduction() -> None:
    data = simulate_json(
        "--service",
        "reglement-exemple",
        "--population",
        "2355",
        "--offer",
        "contribution",
        "--attribution",
        "185000",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    for year in data["years"]:
        assert "needs_review" not in year
        assert year["total"] == "7536.00"  # 2 355 × 3,20
        # imputed on the next year's attribution: 185 000 − 7 536 = 177 464
        assert year["settlement"] == {
            "mode": "attribution-deduction",
            "reference": "art. 9 ; CGCT art. L5211-4-2",
            "attribution_year": year["year"] + 1,
            "attribution_before": "185000.00",
            "deducted": "7536.00",
            "attribution_after": "177464.00",
        }
    assert data["scenario"]["attribution"] == "185000.00"


def test_a_negative_attribution_grows_by_the_deduction() -> None:
    data = simulate_json(
        "--service",
        "reglement-exemple",
        "--population",
        "640",
        "--offer",
        "contribution",
        "--attribution",
        "-12400",
        "--from-year",
        "2026",
        "--to-year",
        "2026",
    )
    [year] = data["years"]
    assert year["total"] == "2048.00"  # 640 × 3,20
    # −12 400 − 2 048 = −14 448: the commune pays more
    assert year["settlement"]["attribution_after"] == "-14448.00"


def test_attribution_table_shows_before_and_after() -> None:
    result = run(
        "simulate",
        "--service",
        "reglement-exemple",
        "--population",
        "2355",
        "--offer",
        "contribution",
        "--attribution",
        "185000",
        "--from-year",
        "2026",
        "--to-year",
        "2026",
    )
    assert result.returncode == 0, result.stderr
    out = " ".join(spaced(result.stdout).split())
    assert "attribution de compensation €185,000.00 a year" in out
    assert (
        "Settled by deduction from the 2027 attribution de compensation (art. 9 ; CGCT "
        "art. L5211-4-2): €185,000.00 − €7,536.00 = €177,464.00."
    ) in out


def test_without_attribution_the_newcomer_needs_review_and_is_told_how() -> None:
    data = simulate_json(
        "--service",
        "reglement-exemple",
        "--population",
        "2355",
        "--offer",
        "contribution",
        "--from-year",
        "2026",
        "--to-year",
        "2026",
    )
    assert "gives none for 2027" in data["years"][0]["needs_review"]
    assert any("give it with --attribution AMOUNT" in note for note in data["notes"])


def test_roster_member_attribution_carried_forward_or_overridden() -> None:
    # 35951: 185 000,00 for 2027 in the roster, none later
    data = simulate_json(
        "--service",
        "reglement-exemple",
        "--member",
        "35951",
        "--offer",
        "contribution",
        "--from-year",
        "2026",
        "--to-year",
        "2027",
    )
    assert [year["settlement"]["attribution_before"] for year in data["years"]] == [
        "185000.00",
        "185000.00",
    ]
    assert any(
        "attribution de compensation €185,000.00 of 2027 carried forward to 2028" in note
        for note in data["notes"]
    )
    data = simulate_json(
        "--service",
        "reglement-exemple",
        "--member",
        "35951",
        "--offer",
        "contribution",
        "--attribution",
        "190000.50",
        "--from-year",
        "2026",
        "--to-year",
        "2026",
    )
    # 190 000,50 − 7 536,00 = 182 464,50
    assert data["years"][0]["settlement"]["attribution_after"] == "182464.50"


def test_attribution_of_a_member_settling_by_title_is_not_used() -> None:
    data = simulate_json(
        "--service",
        "reglement-exemple",
        "--member",
        "35953",
        "--offer",
        "contribution",
        "--attribution",
        "1000",
        "--from-year",
        "2026",
        "--to-year",
        "2026",
    )
    assert data["years"][0]["settlement"]["mode"] == "revenue-title"
    assert any("--attribution is not used" in note for note in data["notes"])


def test_attribution_must_be_exact_to_the_cent() -> None:
    result = run(
        "simulate",
        "--service",
        "reglement-exemple",
        "--population",
        "2355",
        "--offer",
        "contribution",
        "--attribution",
        "12.345",
    )
    assert result.returncode == 2 and "not exact to the cent" in result.stderr


def test_acts_and_attribution_do_not_apply_to_a_new_party() -> None:
    result = run(
        "simulate",
        "--service",
        "rouen",
        "--share",
        "2",
        "--act",
        "licence=1",
        "--attribution",
        "1000",
    )
    assert result.returncode == 2
    assert "--act, --attribution: for contribution grids" in result.stderr


def test_a_newcomer_needing_review_is_never_shown_owing_nothing() -> None:
    from conftest import run

    result = run(
        "simulate", "--population", "9000", "--offer", "socle-complet", "--from-year", "2026"
    )
    assert result.returncode == 0, result.stderr
    rows = [row for row in result.stdout.splitlines() if " total " in row or "Total" in row]
    assert all("to negotiate" in row for row in rows), rows  # 9 000 > 8 000: negotiated
    assert not any(row.rstrip().endswith("€0.00") for row in rows)
    data = json.loads(
        run(
            "simulate",
            "--population",
            "9000",
            "--offer",
            "socle-complet",
            "--from-year",
            "2026",
            "--format",
            "json",
        ).stdout
    )
    assert data["complete"] is False and data["years"][0]["needs_review"]


# -- the scenario's fields, said as the command line's options -----------------------------


def test_each_field_of_the_scenario_is_an_option_of_simulate_and_plot_schedule() -> None:
    import typer

    from servcommun.cli.commands import application
    from servcommun.cli.simulate import SCENARIO_OPTIONS

    assert {field.value for field in ScenarioField} == {field.name for field in fields(Scenario)}
    assert set(SCENARIO_OPTIONS) == set(ScenarioField)
    application(["simulate"])
    group = typer.main.get_command(application(["plot"]))
    commands = [group.commands["simulate"], group.commands["plot"].commands["schedule"]]  # type: ignore[attr-defined]
    for command in commands:
        declared = {name: param for param in command.params for name in param.opts}
        for said in SCENARIO_OPTIONS.values():
            # the option, and the value it takes as its help names it
            assert declared[said.option].metavar == (said.metavar or None), said


def test_notes_name_the_scenario_fields_and_the_command_line_says_its_options(
    redon: Tariff, ads: Tariff
) -> None:
    sims = [
        simulate(redon, [], scenario(AUDIT, to_year=2026)),
        simulate(redon, [], scenario(AUDIT, join="2026-03-01", to_year=2026)),
        simulate(redon, [], scenario(AUDIT, audit="2026-02-01", join="2026-03-01", to_year=2026)),
        simulate(redon, [], scenario(SOCLE, audit="2026-02-01", to_year=2026)),
        simulate(ads, [], scenario("ads", acts=(("permis-construire", D(30)),), to_year=2026)),
    ]
    notes = [note for sim in sims for note in sim.notes]
    assert notes and all(speaks_of_the_scenario(note) for note in notes)
    said = [spaced(as_the_command_line_says(note)) for note in notes]
    assert "Audit: no --audit date, delivered on 1 January 2026 (01/01/2026)" in said
    assert "Audit: no --audit date, delivered on the join date (01/03/2026)" in said
    assert "--join is not used: no annual offer is simulated" in said
    assert "--audit implies the offer 'audit' (Audit), delivered on that date" in said
    assert any(note.startswith("the acts expected each year (--act) are dated") for note in said)


def test_a_field_to_give_is_said_with_the_value_it_takes() -> None:
    from servcommun.cli.simulate import as_options

    asked = Message(
        "{options}: give {what}",
        (
            ("options", (Message("{option}", (("option", ScenarioField.BASE_MEMBER),)),)),
            ("what", FieldToGive(ScenarioField.ATTRIBUTION)),
        ),
    )
    assert say(as_options(asked)) == "--member: give --attribution AMOUNT"
    assert say(asked) == "base_member: give attribution"  # said by no front end


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    ("args", "options"),
    [
        (("--offer", "socle-complet"), ("--population N", "--member ID")),
        (
            ("--population", "2355", "--offer", "socle-complet", "--share", "2"),
            ("--share", "--take-from", "--offer"),
        ),
        (
            ("--service", "rouen", "--share", "2", "--offer", "audit", "--population", "3"),
            ("--offer, --population", "--share", "--take-from", "--join"),
        ),
        (("--service", "rouen"), ("--share",)),
        (("--service", "rouen", "--share", "1", "--name", "Ville"), ("--name",)),
        (
            ("--population", "2355", "--offer", "x", "--from-year", "2027", "--to-year", "2026"),
            ("--to-year 2026", "--from-year 2027"),
        ),
    ],
)
def test_the_command_line_says_the_scenario_fields_as_its_options(
    lang: str, args: tuple[str, ...], options: tuple[str, ...], tmp_path: Path
) -> None:
    import importlib.util

    commands: list[tuple[str, ...]] = [("simulate",)]
    if importlib.util.find_spec("matplotlib") is not None:  # plot's extra
        commands.append(("plot", "schedule", "-o", str(tmp_path / "schedule.svg")))
    for command in commands:
        result = run("--lang", lang, *command, "--from-year", "2026", *args)
        assert result.returncode == 2, result.stderr
        [said] = result.stderr.splitlines()
        assert said.startswith("servcommun: ") and all(option in said for option in options)
        assert re.findall(r"--[a-z-]+", said) == re.findall(r"--[a-z-]+", " ".join(options))


@pytest.mark.parametrize(
    ("lang", "asked"), [("en", "--share PERCENT"), ("fr", "--share POURCENTAGE")]
)
def test_an_option_asked_for_is_said_with_its_value_as_its_help_names_it(
    lang: str, asked: str
) -> None:
    result = run("--lang", lang, "simulate", "--service", "rouen", "--from-year", "2026")
    assert result.returncode == 2 and asked in result.stderr, result.stderr
    assert asked in run("--lang", lang, "simulate", "--help").stdout


def test_a_budget_written_after_a_simulation_is_read_by_the_next(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A simulation reads its inputs through the pipeline's cache, keyed by every file
    named for the years simulated: writing the 2027 budget it looked ahead of is seen."""
    import shutil

    for name in ("roster.yaml", "budget-2026.yaml"):
        shutil.copy(ROOT / "examples" / "cout-unitaire" / name, tmp_path / name)
    tariff = ROOT / "tariffs" / "examples" / "cout-unitaire-d5211-16.yaml"
    (tmp_path / "servcommun.toml").write_text(
        f'[services.cout-unitaire-exemple]\ntariffs = ["{tariff}"]\nroster = "roster.yaml"\n'
        'budgets = "budget-{year}.yaml"\n',
        encoding="utf-8",
    )
    args = ("simulate", "--population", "2355", "--offer", "voirie", "--act")
    args += ("heure-intervention=570", "--from-year", "2026", "--to-year", "2027")

    def second_year() -> tuple[dict[str, str], list[str]]:
        result = run(*args, "--format", "json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        lines = {line["code"]: line["amount"] for line in data["years"][1]["lines"]}
        return lines, data["notes"]

    lines, notes = second_year()
    assert lines == {"voirie.fonctionnement": "23022.30"}  # 570 × 40,39, the 2026 unit cost
    assert any("no 2027 budget" in note for note in notes)
    budget = (tmp_path / "budget-2026.yaml").read_text(encoding="utf-8")
    budget = budget.replace("year: 2026", "year: 2027").replace(
        'forecast: "10200"', 'forecast: "10000"'
    )
    (tmp_path / "budget-2027.yaml").write_text(budget, encoding="utf-8")
    lines, notes = second_year()
    # 412 000 / 10 000 hours = 41,20 the hour in 2027; 570 × 41,20 = 23 484,00
    assert lines["voirie.fonctionnement"] == "23484.00"
    assert not any("no 2027 budget" in note for note in notes)
