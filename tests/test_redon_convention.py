"""The Redon Agglomération convention (art. 7): its own worked examples and every rule,
to the cent, on the shipped tariff file."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from conftest import member, run
from servcommun.engine.bill import bill_member, bill_members, fte_for
from servcommun.engine.context import add_months
from servcommun.engine.result import NeedsReview, Statement
from servcommun.render.words import say
from servcommun.roster import Override
from servcommun.tariff import Tariff

D = Decimal
SOCLE, AUDIT, GROUP = "socle-complet", "audit", "groupement-achats"


def statement(tariff: Tariff, m, year: int = 2026) -> Statement:  # type: ignore[no-untyped-def]
    result = bill_member(tariff, m, year)
    assert isinstance(result, Statement), result
    return result


def amounts(s: Statement) -> dict[str, Decimal]:
    return {line.code: line.amount for line in s.lines}


# -- the convention's own examples ----------------------------------------------------


def test_art_7_1_example_2355_inhabitants(redon: Tariff) -> None:
    s = statement(redon, member(2355, (SOCLE, "2026-01-01")))
    assert amounts(s) == {
        "socle-complet.fixed": D("2000.00"),
        "socle-complet.variable": D("3532.50"),
    }
    assert s.total == D("5532.50")


def test_art_7_2_1_audit_then_socle_first_year_then_following(redon: Tariff) -> None:
    commune = member(2355, (AUDIT, "2026-02-15"), (SOCLE, "2026-06-01"))
    first = statement(redon, commune, 2026)
    assert first.offer_total(AUDIT) == D("3500.00")
    assert first.offer_total(SOCLE) == D("2032.50")  # 5 532,50 − 3 500
    assert amounts(first)["socle-complet.audit-credit"] == D("-3500.00")
    following = statement(redon, commune, 2027)
    assert following.offer_total(SOCLE) == D("5532.50")
    assert following.total == D("5532.50")  # no audit, no credit


def test_art_3_2_allowance_117_days_for_6_9_15_communes(redon: Tariff) -> None:
    part = next(p for p in redon.offer(SOCLE).parts if p.code == "extra-days")
    by_bracket = {say(b.label): b.quantity for b in part.allowance}
    assert by_bracket == {
        "3,000–8,000": D("6.5"),
        "1,500–2,999": D("4.5"),
        "below 1,500": D("2.5"),
    }
    # the convention's table: 6 communes of 3000–8000, 9 of 1500–2999, 15 below 1500
    populations = [5000] * 6 + [2000] * 9 + [1000] * 15
    allowances = [part.allowance_for(population) for population in populations]
    assert sum(allowances[:6]) == D("39") and sum(allowances[6:15]) == D("40.5")
    assert sum(allowances[15:]) == D("37.5") and sum(allowances) == D("117")


def test_redon_city_purchasing_group_about_6000(redon: Tariff) -> None:
    s = statement(redon, member(9312, (GROUP, "2024-01-01")))
    assert amounts(s) == {
        "groupement-achats.fixed": D("3500.00"),
        "groupement-achats.variable": D("2328.00"),
    }
    assert s.total == D("5828.00")


# -- bracket boundaries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "fixed"),
    [
        (1, "1500.00"),
        (1499, "1500.00"),
        (1500, "2000.00"),
        (2999, "2000.00"),
        (3000, "2500.00"),
        (8000, "2500.00"),
    ],
)
def test_socle_fixed_part_boundaries(redon: Tariff, population: int, fixed: str) -> None:
    s = statement(redon, member(population, (SOCLE, "2025-01-01")))
    assert amounts(s)["socle-complet.fixed"] == D(fixed)
    assert amounts(s)["socle-complet.variable"] == (population * D("1.5")).quantize(D("0.01"))


def test_2999_to_3000_inhabitants_costs_501_50_more(redon: Tariff) -> None:
    below = statement(redon, member(2999, (SOCLE, "2025-01-01"))).total
    above = statement(redon, member(3000, (SOCLE, "2025-01-01"))).total
    assert (below, above) == (D("6498.50"), D("7000.00"))


@pytest.mark.parametrize(
    ("population", "price"),
    [
        (1499, "990.00"),
        (1500, "3500.00"),
        (2999, "3500.00"),
        (3000, "7000.00"),
        (8000, "7000.00"),
    ],
)
def test_audit_price_boundaries(redon: Tariff, population: int, price: str) -> None:
    s = statement(redon, member(population, (AUDIT, "2026-05-04")))
    assert amounts(s) == {"audit.price": D(price)}
    assert s.lines[0].titled == "2026-05"  # titled when the report is delivered


@pytest.mark.parametrize(
    ("population", "fixed"),
    [
        (1499, "750.00"),
        (1500, "1250.00"),
        (2999, "1250.00"),
        (3000, "2000.00"),
        (8000, "2000.00"),
        (8001, "3500.00"),
    ],
)
def test_purchasing_group_boundaries(redon: Tariff, population: int, fixed: str) -> None:
    s = statement(redon, member(population, (GROUP, "2025-01-01")))
    assert amounts(s)["groupement-achats.fixed"] == D(fixed)
    assert amounts(s)["groupement-achats.variable"] == (population * D("0.25")).quantize(D("0.01"))


# -- review threshold and overrides ---------------------------------------------------


def test_above_8000_socle_needs_review_never_billed(redon: Tariff) -> None:
    result = bill_member(redon, member(8001, (SOCLE, "2026-01-01")), 2026)
    assert isinstance(result, NeedsReview)
    assert "8,001 above 8,000" in say(result.reason)


def test_8000_is_still_computed(redon: Tariff) -> None:
    assert statement(redon, member(8000, (SOCLE, "2026-01-01"))).total == D("14500.00")


def test_own_it_department_needs_review(redon: Tariff) -> None:
    result = bill_member(redon, member(2355, (SOCLE, "2026-01-01"), own_it=True), 2026)
    assert isinstance(result, NeedsReview)
    assert "propre service informatique" in say(result.reason)


def test_override_amount_replaces_the_offer(redon: Tariff) -> None:
    override = Override(offer=SOCLE, amount=D("12000.00"), reference="Délibération CC_2026_04")
    s = statement(redon, member(9312, (SOCLE, "2026-01-01"), overrides=(override,)))
    assert [(line.code, line.amount) for line in s.lines] == [
        ("socle-complet.negotiated", D("12000.00"))
    ]
    assert "CC_2026_04" in say(s.lines[0].basis)


def test_override_of_the_fixed_part_keeps_the_variable_part(redon: Tariff) -> None:
    override = Override(
        offer=SOCLE, part="fixed", amount=D("3000.00"), reference="Décision 2026-11"
    )
    s = statement(redon, member(9312, (SOCLE, "2026-01-01"), overrides=(override,)))
    assert amounts(s)["socle-complet.fixed"] == D("3000.00")
    assert amounts(s)["socle-complet.variable"] == D("13968.00")  # 9 312 × 1,50
    assert say(s.lines[0].basis) == "override: Décision 2026-11"


def test_override_keeps_the_audit_credit(redon: Tariff) -> None:
    # 5 240 inhabitants with its own IT department: the socle is negotiated at 5 000 €.
    # The audit (7 000 €, 3000–8000) delivered in February, the socle joined in June, within
    # 6 months: the credit applies to the negotiated amount, and never makes it negative.
    override = Override(offer=SOCLE, amount=D("5000.00"), reference="Délibération 2026-07")
    commune = member(
        5240, (AUDIT, "2026-02-10"), (SOCLE, "2026-06-01"), own_it=True, overrides=(override,)
    )
    s = statement(redon, commune)
    assert amounts(s) == {
        "audit.price": D("7000.00"),
        "socle-complet.negotiated": D("5000.00"),
        "socle-complet.audit-credit": D("-5000.00"),
    }
    assert s.total == D("7000.00")  # 7 000 + 5 000 − 5 000, not 12 000
    credit = say(next(line.basis for line in s.lines if line.part == "audit-credit"))
    assert "€2,000.00 of the €7,000.00 credit cannot be used" in credit


def test_override_keeps_the_days_beyond_the_allowance(redon: Tariff) -> None:
    # 20 days used, allowance 6,5 (3000–8000): 13,5 days beyond = 27 half-days × 200 €
    override = Override(offer=SOCLE, amount=D("5000.00"), reference="Délibération 2026-07")
    commune = member(5240, (SOCLE, "2026-01-01"), own_it=True, days="20", overrides=(override,))
    s = statement(redon, commune)
    assert amounts(s) == {
        "socle-complet.negotiated": D("5000.00"),
        "socle-complet.extra-days": D("5400.00"),
    }


def test_override_for_another_year_does_not_apply(redon: Tariff) -> None:
    override = Override(offer=SOCLE, amount=D("12000.00"), reference="x", year=2025)
    result = bill_member(redon, member(9312, (SOCLE, "2024-01-01"), overrides=(override,)), 2026)
    assert isinstance(result, NeedsReview)


# -- audit credit window ----------------------------------------------------------------


def test_credit_at_exactly_six_months(redon: Tariff) -> None:
    s = statement(redon, member(2355, (AUDIT, "2025-12-15"), (SOCLE, "2026-06-15")))
    assert amounts(s)["socle-complet.audit-credit"] == D("-3500.00")
    assert s.total == D("2032.50")  # the audit itself was billed in 2025


def test_no_credit_one_day_after_six_months(redon: Tariff) -> None:
    s = statement(redon, member(2355, (AUDIT, "2025-12-15"), (SOCLE, "2026-06-16")))
    assert "socle-complet.audit-credit" not in amounts(s)
    assert s.total == D("5532.50")


def test_no_credit_when_socle_started_before_the_audit(redon: Tariff) -> None:
    s = statement(redon, member(2355, (SOCLE, "2026-01-01"), (AUDIT, "2026-03-01")))
    assert "socle-complet.audit-credit" not in amounts(s)
    assert s.total == D("5532.50") + D("3500.00")


def test_credit_never_makes_the_offer_negative_and_says_what_is_lost(redon: Tariff) -> None:
    # audited at 3000+ inhabitants (7 000 €), joining the socle at 1499 inhabitants
    m = member(3000, (AUDIT, "2025-11-02"), (SOCLE, "2026-01-01"))
    m = m.model_copy(update={"population": {2025: 3000, 2026: 1499}})
    s = statement(redon, m)
    socle_before_credit = D("1500.00") + D("2248.50")
    assert amounts(s)["socle-complet.audit-credit"] == -socle_before_credit
    assert s.offer_total(SOCLE) == D("0.00")
    assert "cannot be used" in next(say(line.basis) for line in s.lines if "credit" in line.code)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 12, 15), 6) == dt.date(2026, 6, 15)


# -- extra engineering days (art. 7.1.1) --------------------------------------------------


@pytest.mark.parametrize(
    ("population", "days", "amount"),
    [
        (2355, "4.5", "0.00"),  # exactly the 1500–2999 allowance
        (2355, "4.6", "200.00"),  # 0.1 day beyond → one half-day
        (2355, "5.0", "200.00"),  # 0.5 day → one half-day
        (2355, "5.2", "400.00"),  # 0.7 day → two half-days
        (3871, "9", "1000.00"),  # 9 − 6.5 = 2.5 days → five half-days
        (1000, "2.6", "200.00"),  # below 1500: allowance 2.5
    ],
)
def test_extra_days_per_half_day_rounded_up(
    redon: Tariff, population: int, days: str, amount: str
) -> None:
    s = statement(redon, member(population, (SOCLE, "2024-01-01"), days=days))
    assert amounts(s)["socle-complet.extra-days"] == D(amount)


def test_no_extra_days_line_without_days_used(redon: Tariff) -> None:
    s = statement(redon, member(2355, (SOCLE, "2024-01-01")))
    assert "socle-complet.extra-days" not in amounts(s)


# -- which offers, which years ------------------------------------------------------------


def test_purchasing_group_included_in_socle(redon: Tariff) -> None:
    s = statement(redon, member(3875, (SOCLE, "2023-01-01"), (GROUP, "2024-01-01")))
    assert s.offer_total(GROUP) == D("0")
    assert not any(line.code.startswith(GROUP) for line in s.lines)


def test_socle_annexe_complet_audit_and_group_then_group_only(redon: Tariff) -> None:
    commune = member(1361, (AUDIT, "2026-04-20"), (GROUP, "2026-01-01"))
    assert statement(redon, commune, 2026).total == D("990.00") + D("750.00") + D("340.25")
    assert statement(redon, commune, 2027).total == D("750.00") + D("340.25")


def test_member_leaving_during_the_year_owes_the_whole_year(redon: Tariff) -> None:
    commune = member(1036, (SOCLE, "2023-01-01", "2026-06-30"))
    assert statement(redon, commune, 2026).total == D("3054.00")
    assert bill_member(redon, commune, 2027) is None


def test_member_joining_on_31_december_owes_the_year(redon: Tariff) -> None:
    assert statement(redon, member(1036, (SOCLE, "2026-12-31"))).total == D("3054.00")


def test_annual_contributions_titled_in_january_next_year(redon: Tariff) -> None:
    s = statement(redon, member(2355, (SOCLE, "2026-01-01")))
    assert {line.titled for line in s.lines} == {"2027-01"}


def test_missing_population_for_the_year_needs_review(redon: Tariff) -> None:
    m = member(2355, (SOCLE, "2020-01-01")).model_copy(update={"population": {2025: 2355}})
    result = bill_member(redon, m, 2026)
    assert isinstance(result, NeedsReview)
    assert "no population for 2026" in say(result.reason)


# -- staffing steps (art. 7) --------------------------------------------------------------


@pytest.mark.parametrize(("members", "fte"), [(1, 1), (9, 1), (10, 2), (20, 2), (21, 3)])
def test_staffing_steps(redon: Tariff, members: int, fte: int) -> None:
    assert fte_for(redon, members) == fte


def test_staffing_summary_counts_socle_members(redon: Tariff) -> None:
    roster = [member(2355, (SOCLE, "2024-01-01"), id=f"35{n:03d}") for n in range(10)]
    bill = bill_members(redon, roster, 2026)
    assert bill.staffing is not None
    assert (bill.staffing.members, bill.staffing.fte) == (10, 2)
    assert bill.staffing.staff_cost == D("80000.00")
    assert bill.staffing.contributions == 10 * D("5532.50")
    assert bill.staffing.coverage == D("69.2")


def test_extra_days_basis_reads_plainly(redon: Tariff) -> None:
    within = statement(redon, member(2355, (SOCLE, "2024-01-01"), days="4.5"))
    beyond = statement(redon, member(3871, (SOCLE, "2024-01-01"), days="11.5"))
    assert next(say(line.basis) for line in within.lines if "extra" in line.code) == (
        "4.5 days used, allowance 4.5 (1,500–2,999): 0 beyond → 0 demi-journées × €200.00"
    )
    assert next(say(line.basis) for line in beyond.lines if "extra" in line.code) == (
        "11.5 days used, allowance 6.5 (3,000–8,000): 5 beyond → 10 demi-journées × €200.00"
    )


def test_the_bill_says_the_engineering_days_used_against_the_allowances() -> None:
    """Art. 3.2 shares 117 days among 30 communes by size (6 × 6,5 + 9 × 4,5 + 15 × 2,5);
    the tariff reads it as each member's allowance by bracket, so the example roster's 16
    socle members billed have 5 × 6,5 + 7 × 4,5 + 4 × 2,5 = 74 days. They used 5 + 9 +
    5,2 + 2,5 = 21,7 days, 2,5 (9 − 6,5) + 0,7 (5,2 − 4,5) = 3,2 beyond
    each one's own allowance: the days the extra-days line bills, by half-day."""
    result = run("bill", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    [days] = json.loads(result.stdout)["allowances"]
    assert days == {
        "offer": "socle-complet",
        "part": "extra-days",
        "members": 16,
        "allowance": "74",
        "used": "21.7",
        "beyond": "3.2",
        "reference": "art. 7.1.1",
    }
    table = run("bill", "--year", "2026").stdout
    assert "21.7 used by 16 socle-complet members, against their allowances of 74" in " ".join(
        table.split()
    )
