"""`servcommun simulate`: a prospective member's schedule (art. 7), the audit credit won or
lost (art. 7.2.1), and its impact on the service (art. 7 staffing steps)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from conftest import ROOT, member, run, write
from servcommun.engine.result import Statement
from servcommun.engine.simulate import Scenario, ScenarioError, Simulation, simulate
from servcommun.render.amounts import money
from servcommun.render.simulation import credit_message, simulation_json, step_message
from servcommun.tariff import GridTariff

D = Decimal
SOCLE, AUDIT, GROUP = "socle-complet", "audit", "groupement-achats"


def scenario(*offers: str, population: int | None = 2355, audit: str | None = None,
             join: str | None = None, **more) -> Scenario:  # type: ignore[no-untyped-def]
    return Scenario(offers=offers, from_year=more.pop("from_year", 2026),
                    to_year=more.pop("to_year", 2028), population=population,
                    audit=dt.date.fromisoformat(audit) if audit else None,
                    join=dt.date.fromisoformat(join) if join else None, **more)


def totals(sim: Simulation) -> dict[int, Decimal]:
    return {entry.year: entry.total for entry in sim.years}


def offer_total(sim: Simulation, year: int, offer: str) -> Decimal:
    entry = next(entry for entry in sim.years if entry.year == year)
    assert isinstance(entry.statement, Statement)
    return entry.statement.offer_total(offer)


def fmt(amount: Decimal) -> str:
    """Amounts as the tables show them, with plain spaces (``3 500,00 €``)."""
    return spaced(money(amount))


def spaced(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


# -- the convention's example (art. 7.2.1) ----------------------------------------------

def test_audit_then_socle_within_six_months(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15", join="2026-06-01"))
    assert offer_total(sim, 2026, AUDIT) == D("3500.00")
    assert offer_total(sim, 2026, SOCLE) == D("2032.50")  # 5 532,50 − 3 500
    assert totals(sim) == {2026: D("5532.50"), 2027: D("5532.50"), 2028: D("5532.50")}
    [credit] = sim.credits
    assert (credit.applied, credit.applied_year, credit.lost) == (D("3500.00"), 2026, D(0))
    assert credit.window_end == dt.date(2026, 8, 15)
    assert "3 500,00 € deducted from 2026" in credit_message(credit, fmt)


def test_year_total_is_the_sum_of_its_lines_audit_included(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15", join="2026-06-01"))
    first = sim.years[0]
    assert {line.code for line in first.lines} == {
        "socle-complet.fixed", "socle-complet.variable", "socle-complet.audit-credit",
        "audit.price"}
    assert first.total == sum(line.amount for line in first.lines)
    assert next(line for line in first.lines if line.code == "audit.price").titled == "2026-02"


def test_joining_on_the_last_day_of_the_window_keeps_the_credit(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, audit="2026-02-15", join="2026-08-15"))
    assert sim.credits[0].applied == D("3500.00")
    assert AUDIT in sim.offers  # --audit implies the audit offer
    assert any("--audit implies" in note for note in sim.notes)


def test_joining_after_the_window_loses_the_credit_and_says_until_when(
        redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15", join="2026-08-16"))
    assert totals(sim)[2026] == D("3500.00") + D("5532.50")
    assert "socle-complet.audit-credit" not in {line.code for line in sim.years[0].lines}
    [credit] = sim.credits
    assert (credit.applied, credit.lost, credit.too_late) == (D(0), D("3500.00"), True)
    message = credit_message(credit, fmt)
    assert "loses the 3 500,00 € audit credit" in message
    assert "15/08/2026, the last join date that keeps it" in message


def test_credit_lost_in_the_following_year(redon: GridTariff) -> None:
    # audited in November 2026: the window runs to May 2027, the join is in June 2027
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, population=5000, audit="2026-11-10",
                                       join="2027-06-01"))
    assert totals(sim)[2026] == D("7000.00")  # the audit alone, 3000–8000 bracket
    assert totals(sim)[2027] == D("2500.00") + D("7500.00")
    assert sim.credits[0].lost == D("7000.00")
    assert sim.credits[0].window_end == dt.date(2027, 5, 10)


def test_joining_before_the_audit_earns_no_credit(redon: GridTariff) -> None:
    # no --join: the socle starts on 1 January, before the audit is delivered
    sim = simulate(redon, [], scenario(AUDIT, SOCLE, audit="2026-02-15"))
    assert totals(sim)[2026] == D("9032.50")
    credit = sim.credits[0]
    assert credit.too_early and credit.lost == D("3500.00")
    assert "before the audit is delivered" in credit_message(credit, fmt)


# -- socle annexe complet (art. 7.2.3) ---------------------------------------------------

def test_socle_annexe_complet_audit_and_group_then_group_only(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, GROUP, population=1361))
    assert totals(sim) == {2026: D("990.00") + D("750.00") + D("340.25"),
                           2027: D("1090.25"), 2028: D("1090.25")}
    assert offer_total(sim, 2027, AUDIT) == D(0)
    # no --audit date: the audit is delivered on 1 January of the first year, and said so
    assert sim.delivered == dt.date(2026, 1, 1)
    assert any("1 January 2026" in note for note in sim.notes)


def test_audit_alone_is_delivered_on_the_join_date(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(AUDIT, population=1361, join="2027-03-01"))
    assert totals(sim) == {2026: D(0), 2027: D("990.00"), 2028: D(0)}
    assert any("the join date" in note for note in sim.notes)


def test_socle_includes_the_purchasing_group(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, GROUP))
    assert offer_total(sim, 2026, GROUP) == D(0)
    assert totals(sim)[2026] == D("5532.50")


def test_engineering_days_beyond_the_allowance(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, days=D("5.2")))  # 0.7 beyond 4.5 → 2 half-days
    assert totals(sim)[2027] == D("5532.50") + D("400.00")


def test_above_8000_the_schedule_needs_review(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, population=9312))
    assert all(entry.review is not None for entry in sim.years)
    assert totals(sim)[2026] == D(0)


# -- impact on the service: the 10th and the 21st socle-complet member --------------------

def roster_of(count: int, offer: str = SOCLE) -> list:  # type: ignore[type-arg]
    return [member(2355, (offer, "2024-01-01"), id=f"35{n:03d}") for n in range(count)]


@pytest.mark.parametrize(("already", "fte_before", "fte_after", "crossed"), [
    (9, 1, 2, 10), (20, 2, 3, 21), (10, 2, 2, None), (0, 0, 1, 1)])
def test_staffing_step_crossed_by_the_newcomer(redon: GridTariff, already: int,
                                               fte_before: int, fte_after: int,
                                               crossed: int | None) -> None:
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


def test_tenth_member_message_names_the_step(redon: GridTariff) -> None:
    sim = simulate(redon, roster_of(9), scenario(SOCLE))
    message = step_message(sim.impact, fmt)
    assert "10th socle-complet member" in message
    assert "from 1 to 2 FTE" in message and "+40 000,00 €" in message
    assert sim.impact.coverage_before == D("124.5")  # 9 × 5 532,50 / 40 000
    assert sim.impact.coverage_after == D("69.2")  # 10 × 5 532,50 / 80 000


def test_twenty_first_member(redon: GridTariff) -> None:
    sim = simulate(redon, roster_of(20), scenario(SOCLE))
    assert "21st socle-complet member" in step_message(sim.impact, fmt)
    assert simulation_json(sim, service="redon", currency="EUR")["service"]["step_crossed"] == {
        "rank": 21, "fte_before": 2, "fte_after": 3, "extra_staff_cost": "40000.00",
        "reference": "art. 7"}


def test_a_purchasing_group_member_does_not_move_the_step(redon: GridTariff) -> None:
    sim = simulate(redon, roster_of(9), scenario(GROUP))
    assert (sim.impact.fte_before, sim.impact.fte_after) == (1, 1)
    assert sim.impact.step is None


def test_impact_year_is_the_first_year_of_membership(redon: GridTariff) -> None:
    sim = simulate(redon, roster_of(9), scenario(SOCLE, join="2027-04-01"))
    assert sim.impact.year == 2027
    assert totals(sim)[2026] == D(0)


# -- starting from a roster member --------------------------------------------------------

def test_existing_member_takes_the_socle_and_keeps_its_audit_credit(redon: GridTariff) -> None:
    # Langon: audit delivered 20/04/2026, purchasing group since 2026, 1 361 inhabitants
    langon = member(1361, (AUDIT, "2026-04-20"), (GROUP, "2026-01-01"), id="35145")
    langon = langon.model_copy(update={"population": {2025: 1361, 2026: 1361}})
    others = roster_of(3)
    sim = simulate(redon, [langon, *others],
                   scenario(SOCLE, population=None, base_member="35145", join="2026-07-01"))
    assert sim.existing and sim.member.name == "Commune 35145"
    assert offer_total(sim, 2026, SOCLE) == D("1500.00") + D("2041.50") - D("990.00")
    assert offer_total(sim, 2026, GROUP) == D(0)  # included in the socle (art. 4.2)
    assert totals(sim)[2027] == D("3541.50")  # 2026's population carried forward
    assert any("carried forward" in note for note in sim.notes)
    assert (sim.impact.members_before, sim.impact.members_after) == (4, 4)
    assert (sim.impact.counted_before, sim.impact.counted_after) == (3, 4)


def test_prospect_id_never_clashes_with_the_roster(redon: GridTariff) -> None:
    taken = member(2355, (SOCLE, "2024-01-01"), id="99999")
    sim = simulate(redon, [taken], scenario(SOCLE))
    assert sim.impact.members_after == 2


# -- bracket boundaries --------------------------------------------------------------------

def test_population_near_a_boundary_is_warned(redon: GridTariff) -> None:
    sim = simulate(redon, [], scenario(SOCLE, population=2990))
    [near] = sim.near
    assert (near.boundary.first, near.distance) == (3000, 10)
    assert (near.below, near.above) == (D("6498.50"), D("7000.00"))
    assert simulate(redon, [], scenario(SOCLE, population=2355)).near == ()


# -- what cannot be simulated --------------------------------------------------------------

@pytest.mark.parametrize(("asked", "message"), [
    (scenario("socle"), "unknown offer socle"),
    (scenario(), "at least one --offer"),
    (scenario(SOCLE, population=None), "--population"),
    (scenario(SOCLE, from_year=2027, to_year=2026), "before --from-year"),
])
def test_scenario_errors(redon: GridTariff, asked: Scenario, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        simulate(redon, [], asked)


# -- the command, as a user runs it --------------------------------------------------------

def simulate_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = run("simulate", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_contract_of_design_section_4() -> None:
    data = simulate_json("--population", "2355", "--offer", "audit", "--offer",
                         "socle-complet", "--audit", "2026-02-15", "--join", "2026-06-01",
                         "--from-year", "2026", "--to-year", "2027", "--name", "Commune test")
    assert list(data)[:3] == ["member", "years", "service"]
    assert data["member"] == {"name": "Commune test", "population": 2355}
    assert [year["year"] for year in data["years"]] == [2026, 2027]
    for year in data["years"]:
        for line in year["lines"]:
            assert set(line) == {"code", "label", "amount", "basis", "reference", "titled"}
            assert line["amount"] == f"{D(line['amount']):.2f}"
        assert D(year["total"]) == sum(D(line["amount"]) for line in year["lines"])
    assert [year["total"] for year in data["years"]] == ["5532.50", "5532.50"]
    lines = {line["code"]: line["amount"] for line in data["years"][0]["lines"]}
    assert lines["audit.price"] == "3500.00"
    assert lines["socle-complet.audit-credit"] == "-3500.00"
    service = data["service"]
    assert set(service) >= {"members_before", "members_after", "fte_before", "fte_after",
                            "revenue_before", "revenue_after"}
    # the example roster in 2026: 21 active members, 17 at the socle complet (2 FTE)
    assert (service["members_before"], service["members_after"]) == (21, 22)
    assert (service["fte_before"], service["fte_after"]) == (2, 2)
    assert service["revenue_before"] == "101153.00"
    assert D(service["revenue_after"]) - D(service["revenue_before"]) == D("5532.50")


def test_json_says_what_joining_late_loses() -> None:
    result = run("simulate", "--format", "json", "--population", "2355", "--offer", "audit",
                 "--offer", "socle-complet", "--audit", "2026-02-15", "--join", "2026-09-01",
                 "--from-year", "2026")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["credits"][0]["lost"] == "3500.00"
    assert data["credits"][0]["window_end"] == "2026-08-15"
    assert "last join date that keeps it" in result.stderr  # a warning, on stderr
    assert data["warnings"]


def test_default_years_start_with_the_current_one() -> None:
    data = simulate_json("--population", "1200", "--offer", "groupement-achats")
    this_year = dt.date.today().year
    assert [year["year"] for year in data["years"]] == [this_year, this_year + 1,
                                                        this_year + 2]
    assert all(not y["lines"] or y["lines"][0]["titled"] == f"{y['year'] + 1}-01"
               for y in data["years"])


def test_table_output() -> None:
    result = run("simulate", "--population", "2990", "--offer", "socle-complet",
                 "--from-year", "2026", "--audit", "2026-02-15", "--join", "2026-09-01")
    assert result.returncode == 0, result.stderr
    out = spaced(result.stdout)
    assert "2026 total" in out and "9 985,00 €" in out
    assert "loses the 3 500,00 € audit credit" in " ".join(out.split())
    assert "is 10 below 3 000 inhabitants" in out  # near the 3000 boundary
    assert "The service in 2026" in out


def test_from_a_roster_member_of_the_example() -> None:
    data = simulate_json("--member", "35145", "--offer", "socle-complet", "--join",
                         "2026-07-01", "--from-year", "2026")
    assert data["member"]["id"] == "35145" and data["member"]["name"] == "Langon"
    assert data["years"][0]["total"] == "3541.50"  # audit 990 + socle 3 541,50 − 990
    assert data["service"]["members_after"] == data["service"]["members_before"]


def test_unknown_offer_is_a_usage_error() -> None:
    result = run("simulate", "--population", "2355", "--offer", "socle")
    assert result.returncode == 2
    assert "unknown offer socle" in result.stderr and "Traceback" not in result.stderr


def test_runs_on_the_bundled_example_outside_a_data_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run("simulate", "--population", "2355", "--offer", "socle-complet",
                 "--from-year", "2026", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["years"][0]["total"] == "5532.50"
    assert "bundled" in result.stderr


def test_simulate_on_a_data_directory_with_a_small_roster(tmp_path) -> None:  # type: ignore[no-untyped-def]
    members = "\n".join(
        f'  - {{id: "35{n:03d}", name: "C{n}", population: {{2026: 2000}}, '
        f'subscriptions: [{{offer: socle-complet, start: 2024-01-01}}]}}' for n in range(20))
    write(tmp_path / "roster.yaml", f"service: redon-agglomeration\nmembers:\n{members}\n")
    (tmp_path / "servcommun.toml").write_text(
        f'[services.redon]\ntariffs = ["{ROOT / "tariffs" / "redon-agglomeration-2022.yaml"}"]'
        '\nroster = "roster.yaml"\n', encoding="utf-8")
    result = run("simulate", "--population", "2355", "--offer", "socle-complet",
                 "--from-year", "2026", "--format", "json", cwd=tmp_path)
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
    from servcommun.tariff import CostCategory, CostLine

    return Budget(service="rouen", year=year, lines=(
        CostLine(id="salaries", label="Masse salariale", category=CostCategory.SALARY,
                 amount=D(amount)),))


def party(share: str, take_from: str | None = None, **more) -> Scenario:  # type: ignore[no-untyped-def]
    return Scenario(offers=(), from_year=2026, to_year=more.pop("to_year", 2027),
                    name="Syndicat des eaux", share=D(share), take_from=take_from, **more)


def test_new_party_takes_its_share_from_the_carrier(rouen) -> None:  # type: ignore[no-untyped-def]
    from servcommun.engine.simulate import simulate_sharing

    sim = simulate_sharing({2026: rouen, 2027: rouen},
                           {2026: salaries(2026), 2027: salaries(2026)}, party("2.00"))
    first = sim.years[0]
    amounts = {line.code: line.amount for line in first.lines}
    # 2 % of 100 000, and 2 % of the 3 % management fees on the salary mass (illustrative)
    assert amounts == {"salaries.share": D("2000.00"), "management-fees.share": D("60.00")}
    assert first.total == D("2060.00") and sim.years[1].total == D("2060.00")
    assert sim.member.id == "syndicat-des-eaux"
    assert sim.key is not None and sim.key.take_from == "metropole"
    assert dict(sim.key.after) == {"metropole": D("51.32"), "ville": D("46.20"),
                                   "ccas": D("0.48"), "syndicat-des-eaux": D("2.00")}
    impact = sim.impact
    assert (impact.members_before, impact.members_after) == (3, 4)
    # the carrier's share is not billed: what it gives up is new revenue
    assert impact.revenue_after - impact.revenue_before == D("2060.00")
    carrier = next(p for p in impact.parties if p.id == "metropole")
    assert (carrier.after - carrier.before, carrier.billed) == (D("-2060.00"), False)
    assert any("the 2026 budget stands for it" in note for note in sim.notes)


def test_share_taken_from_a_billed_party_moves_revenue_between_parties(rouen) -> None:  # type: ignore[no-untyped-def]
    from servcommun.engine.simulate import simulate_sharing

    sim = simulate_sharing({2026: rouen}, {2026: salaries(2026)}, party("2.00", "ville",
                                                                       to_year=2026))
    ville = next(p for p in sim.impact.parties if p.id == "ville")
    assert ville.after - ville.before == D("-2060.00")
    assert sim.impact.revenue_after == sim.impact.revenue_before


@pytest.mark.parametrize(("asked", "message"), [
    (party("50", "ville"), "more than the 46.20 %"),
    (party("0.005"), "written to 0.01"),
    (party("1", "nobody"), "not a party"),
    (Scenario(offers=("audit",), from_year=2026, to_year=2026, share=D(1)), "--offer"),
    (Scenario(offers=(), from_year=2026, to_year=2026), "--share"),
])
def test_party_scenario_errors(rouen, asked: Scenario, message: str) -> None:  # type: ignore[no-untyped-def]
    from servcommun.engine.simulate import simulate_sharing

    with pytest.raises(ScenarioError, match=message):
        simulate_sharing({2026: rouen, 2027: rouen}, {2026: salaries(2026),
                                                      2027: salaries(2026)}, asked)


def test_share_on_a_grid_is_a_usage_error() -> None:
    result = run("simulate", "--population", "2355", "--offer", "socle-complet",
                 "--share", "2")
    assert result.returncode == 2 and "cost-sharing" in result.stderr


def test_simulate_a_party_of_the_rouen_example() -> None:
    data = simulate_json("--service", "rouen", "--share", "2", "--name", "Syndicat des eaux",
                         "--from-year", "2026", "--to-year", "2027")
    assert data["member"] == {"name": "Syndicat des eaux", "population": None,
                              "id": "syndicat-des-eaux"}
    for year in data["years"]:
        assert D(year["total"]) == sum(D(line["amount"]) for line in year["lines"])
    assert data["key"]["after"]["metropole"] == "51.32"
    service = data["service"]
    assert (service["members_before"], service["members_after"]) == (3, 4)
    assert (service["fte_before"], service["fte_after"]) == (None, None)
    assert D(service["revenue_after"]) - D(service["revenue_before"]) == D(
        data["years"][0]["total"])
    assert "no 2027 budget" in " ".join(data["notes"])
