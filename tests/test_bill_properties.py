"""Invariants of the contribution grid, for any member the roster could hold (Hypothesis)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REDON
from servcommun import language
from servcommun.engine.bill import bill_member, bill_members
from servcommun.engine.result import NeedsReview, Statement
from servcommun.loader import load_tariff
from servcommun.provenance import Inputs
from servcommun.render.csv import COLUMNS, HEADINGS, bill_csv
from servcommun.render.json import bill_json
from servcommun.render.xlsx import bill_xlsx
from servcommun.roster import Member, Subscription
from servcommun.tariff import Tariff
from servcommun.terms import Act
from servcommun.titres import Titling, year_titres

TARIFF = load_tariff(REDON)
assert isinstance(TARIFF, Tariff)
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


def socle_by_hand(population: int, days: Decimal) -> Decimal:
    """Art. 7.1 and 7.1.1 written out: the fixed part of the bracket, 1,50 € an inhabitant,
    and 200 € a half-day beyond the allowance (2,5 / 4,5 / 6,5 days), rounded up."""
    fixed, allowance = (
        (Decimal(1500), Decimal("2.5"))
        if population < 1500
        else (Decimal(2000), Decimal("4.5"))
        if population < 3000
        else (Decimal(2500), Decimal("6.5"))
    )
    half_days = math.ceil(max(days - allowance, Decimal(0)) * 2)
    return fixed + population * Decimal("1.50") + half_days * Decimal(200)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=8000),
    st.integers(min_value=0, max_value=40),
    st.booleans(),
)
def test_a_socle_statement_is_the_convention_written_out(
    population: int, half_days: int, own_it: bool
) -> None:
    days = Decimal(half_days) / 2
    member = Member(
        id="35001",
        name="C",
        population={YEAR: population},
        attributes={"own_it_department": own_it},
        subscriptions=(Subscription(offer="socle-complet", start=dt.date(2024, 1, 1)),),
        consumption=(Act(unit="jour-ingenierie", date=dt.date(YEAR, 12, 31), quantity=days),)
        if days
        else (),
    )
    result = bill_member(TARIFF, member, YEAR)
    if own_it:  # art. 7.1 (*): negotiated, never billed from the grid
        assert isinstance(result, NeedsReview)
        return
    assert isinstance(result, Statement)
    assert result.total == socle_by_hand(population, days)
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in result.lines)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(members(), max_size=8).map(
        lambda ms: [m.model_copy(update={"id": f"{35000 + i:05d}"}) for i, m in enumerate(ms)]
    )
)
def test_every_active_member_is_billed_or_needs_review(roster: list[Member]) -> None:
    bill = bill_members(TARIFF, roster, YEAR)
    billed = [s.member.id for s in bill.statements]
    review = [r.member.id for r in bill.needs_review]
    assert sorted(billed + review) == sorted(m.id for m in roster if is_active(m, YEAR))
    # billed together or one by one, each member owes the same (no pool in this tariff)
    alone = [bill_member(TARIFF, member, YEAR) for member in roster]
    assert [s.total for s in bill.statements] == [
        s.total for s in alone if isinstance(s, Statement)
    ]
    assert all(s.total >= 0 for s in bill.statements)  # a credit never makes one negative


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


@settings(max_examples=100, deadline=None)
@given(
    st.lists(members(), max_size=8).map(
        lambda ms: [m.model_copy(update={"id": f"{35000 + i:05d}"}) for i, m in enumerate(ms)]
    ),
    st.sampled_from(["plain", "fr"]),
)
def test_every_active_member_is_in_the_csv_and_the_json(roster: list[Member], dialect: str) -> None:
    """Billed or needing review, no active member is left out of an export (issue 14)."""
    bill = bill_members(TARIFF, roster, YEAR)
    active = {m.id for m in roster if is_active(m, YEAR)}
    french = dialect == "fr"
    language.choose("en")  # --lang en: the French dialect's headings and words in English
    text = bill_csv(bill, dialect)
    header, *cells = csv.reader(
        io.StringIO(text.removeprefix("\ufeff")), delimiter=";" if french else ","
    )
    assert header == list(HEADINGS if french else COLUMNS)  # the plain names never change
    rows = [dict(zip(COLUMNS, cell, strict=True)) for cell in cells]
    billed_word, review_word = "billed", "needs review"
    billed = {row["member_id"] for row in rows if row["status"] == billed_word}
    review = {row["member_id"] for row in rows if row["status"] == review_word}
    assert billed | review == active and not billed & review
    assert len(rows) == sum(max(len(s.lines), 1) for s in bill.statements) + len(review)
    for row in rows:
        if row["status"] == review_word:  # no amount, a reason
            assert row["amount"] == "" and row["reason"]
        else:
            assert row["amount"] and row["reason"] == ""
    data = bill_json(bill)
    assert {s["member"]["id"] for s in data["statements"]} == billed
    assert {r["member"]["id"] for r in data["needs_review"]} == review


TITLING = Titling(
    title=TARIFF.title,
    offers={offer.id: offer.label for offer in TARIFF.offers},
    imputations={o.id: o.imputation for o in TARIFF.offers if o.imputation is not None},
    debtors={},  # a member without an identity in the roster is titled by its name
)
INPUTS = Inputs(
    service=TARIFF.service,
    tariff_title=TARIFF.title,
    tariff_valid_from=str(TARIFF.valid_from),
    tariff_valid_until=None,
    deliberations=(),
    files=(),
    year=YEAR,
    members=(),
    generator="servcommun",
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(members(), max_size=8).map(
        lambda ms: [m.model_copy(update={"id": f"{35000 + i:05d}"}) for i, m in enumerate(ms)]
    )
)
def test_every_active_member_is_in_the_workbook_and_the_titres(roster: list[Member]) -> None:
    """The workbook's summary lists every active member, billed or needing review; the
    titres of the year sum exactly to the bill, one debtor each for what a member owes,
    and every member needing review is listed without a titre (issue 14)."""
    from openpyxl import load_workbook

    bill = bill_members(TARIFF, roster, YEAR)
    active = {m.id for m in roster if is_active(m, YEAR)}
    billed = {s.member.id for s in bill.statements if s.billed}
    review = {r.member.id for r in bill.needs_review}
    assert billed | review == active

    language.choose("en")
    offers = [(offer.id, offer.label) for offer in TARIFF.offers]
    summary = load_workbook(io.BytesIO(bill_xlsx(bill, offers, INPUTS))).worksheets[0]
    ids = {
        str(row[0])
        for row in summary.iter_rows(min_row=2, values_only=True)
        if row[0] is not None and str(row[0]).isdigit()
    }
    assert ids == active

    titres = year_titres(bill, TITLING)
    assert sum((t.total for t in titres.titres), Decimal(0)) == bill.total
    owing = {s.member.id for s in bill.statements if s.billed and s.total != 0}
    assert {t.debtor.id for t in titres.titres} == owing
    assert {u.member.id for u in titres.unbilled} == review
