"""Invariants of the contribution grid, for any member the roster could hold (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REDON
from servcommun.engine.grid import bill_grid, bill_member
from servcommun.engine.result import NeedsReview, Statement
from servcommun.loader import load_tariff
from servcommun.roster import Member, Subscription
from servcommun.tariff import GridTariff
from servcommun.terms import Act

TARIFF = load_tariff(REDON)
assert isinstance(TARIFF, GridTariff)
YEAR = 2026

dates = st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2028, 12, 31))


@st.composite
def subscriptions(draw: st.DrawFn) -> Subscription:
    offer = draw(st.sampled_from(["socle-complet", "audit", "groupement-achats"]))
    if offer == "audit":
        return Subscription(offer=offer, delivered=draw(dates))
    start = draw(dates)
    end = draw(st.none() | st.dates(min_value=start, max_value=dt.date(2029, 12, 31)))
    return Subscription(offer=offer, start=start, end=end)


@st.composite
def members(draw: st.DrawFn, index: int = 0) -> Member:
    population = draw(st.integers(min_value=1, max_value=20000))
    return Member(
        id=f"{35000 + index:05d}",
        name="Commune",
        population={y: population for y in range(2021, 2030)},
        attributes={"own_it_department": draw(st.booleans())},
        subscriptions=tuple(draw(st.lists(subscriptions(), max_size=4))),
        consumption=(
            Act(
                unit="jour-ingenierie",
                date=dt.date(YEAR, 12, 31),
                quantity=Decimal(draw(st.integers(1, 40))) / 2,
            ),
        ),
    )


def is_active(member: Member, year: int) -> bool:
    return any(
        s.active_in(year) or (s.delivered is not None and s.delivered.year == year)
        for s in member.subscriptions
    )


@settings(max_examples=300, deadline=None)
@given(members())
def test_statement_total_is_the_sum_of_its_lines(member: Member) -> None:
    result = bill_member(TARIFF, member, YEAR)
    if isinstance(result, Statement):
        assert result.total == sum((line.amount for line in result.lines), Decimal(0))
        assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in result.lines)
        assert result.total >= 0  # a credit never makes a statement negative


@settings(max_examples=100, deadline=None)
@given(
    st.lists(members(), max_size=8).map(
        lambda ms: [m.model_copy(update={"id": f"{35000 + i:05d}"}) for i, m in enumerate(ms)]
    )
)
def test_every_active_member_is_billed_or_needs_review(roster: list[Member]) -> None:
    bill = bill_grid(TARIFF, roster, YEAR)
    billed = [s.member.id for s in bill.statements]
    review = [r.member.id for r in bill.needs_review]
    assert sorted(billed + review) == sorted(m.id for m in roster if is_active(m, YEAR))
    assert bill.total == sum((s.total for s in bill.statements), Decimal(0))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=7999),
    st.sampled_from(["socle-complet", "groupement-achats"]),
)
def test_contribution_never_decreases_as_population_grows(population: int, offer: str) -> None:
    def total(people: int) -> Decimal:
        member = Member(
            id="35001",
            name="C",
            population={YEAR: people},
            subscriptions=(Subscription(offer=offer, start=dt.date(2025, 1, 1)),),
        )
        result = bill_member(TARIFF, member, YEAR)
        assert not isinstance(result, NeedsReview)
        assert result is not None
        return result.total

    assert total(population + 1) >= total(population)
