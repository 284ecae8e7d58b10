"""Contribution grid: each member's statement from its population and subscriptions.

Implements the shapes of the Redon Agglomération convention (art. 7) as general rules:
fixed amounts by population bracket, amounts per inhabitant, a credit of one offer
against the first year of another, units beyond an allowance, offers included in others,
a review threshold above which the offer is negotiated, staffing steps.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from servcommun.engine.result import Bill, Line, MemberRef, NeedsReview, StaffingSummary, Statement
from servcommun.money import ZERO, ceil_to_unit, to_cents
from servcommun.roster import Member, Override, Subscription
from servcommun.tariff import (
    AmountBracket,
    Billing,
    BracketAmountPart,
    CreditPart,
    GridTariff,
    Offer,
    Part,
    PerInhabitantPart,
    QuantityBracket,
    Titling,
    UnitsBeyondAllowancePart,
)


def bill_grid(tariff: GridTariff, members: Sequence[Member], year: int) -> Bill:
    """Every member's statement for ``year``, or the reason it needs review.

    A member active on any day of the year (an annual subscription running, or a one-off
    service delivered in it) is in exactly one of the two lists; others are left out.
    """
    statements: list[Statement] = []
    reviews: list[NeedsReview] = []
    for member in members:
        outcome = bill_member(tariff, member, year)
        if isinstance(outcome, Statement):
            statements.append(outcome)
        elif outcome is not None:
            reviews.append(outcome)
    return Bill(
        service=tariff.service,
        year=year,
        currency=tariff.currency,
        locale=tariff.locale,
        statements=tuple(statements),
        needs_review=tuple(reviews),
        staffing=staffing_summary(tariff, members, year, statements,
                                  active=len(statements) + len(reviews)),
        sources=tuple(f"{d.body}, {d.id} du {d.date:%d/%m/%Y}" for d in tariff.deliberations),
    )


def bill_member(tariff: GridTariff, member: Member, year: int) -> Statement | NeedsReview | None:
    """One member's statement for ``year``; ``NeedsReview`` when an offer it holds must be
    negotiated and no override is recorded; None when it is not active in the year."""
    held = [offer for offer in tariff.offers if _subscriptions_in(member, offer, year)]
    if not held:
        return None
    population = member.population_in(year)
    ref = MemberRef(member.id, member.name, population)
    if population is None:
        known = ", ".join(str(y) for y in sorted(member.population))
        return NeedsReview(ref, f"no population for {year} in the roster (known: {known})")
    lines: list[Line] = []
    for offer in held:
        if any(_subscriptions_in(member, tariff.offer(other), year)
               for other in offer.included_in if tariff.offer(other)):
            continue  # included in another offer the member holds (art. 4.2)
        override = member.override_for(offer.id, year)
        reason = review_reason(offer, population, member.own_it_department)
        if reason and override is None:
            return NeedsReview(ref, f"{offer.label}: {reason}; record an override with the "
                               f"reference of the decision ({offer.review.article})"
                               if offer.review else reason)
        lines.extend(offer_lines(tariff, offer, member, population, year, override))
    return Statement(ref, tuple(lines))


def offers_held(tariff: GridTariff, member: Member, year: int) -> list[Offer]:
    """The offers ``member`` is active in during ``year`` (annual running, one-off delivered)."""
    return [offer for offer in tariff.offers if _subscriptions_in(member, offer, year)]


def review_reason(offer: Offer, population: int, own_it_department: bool) -> str | None:
    """Why ``offer`` cannot be computed for this member and must be negotiated (art. 7.1 (*))."""
    review = offer.review
    if review is None:
        return None
    if review.above_population is not None and population > review.above_population:
        return f"population {population} above {review.above_population}"
    if review.own_it_department and own_it_department:
        return "the member has its own IT department"
    return None


def offer_lines(
    tariff: GridTariff,
    offer: Offer,
    member: Member,
    population: int,
    year: int,
    override: Override | None = None,
) -> list[Line]:
    """The lines of one offer for one member and year (one set per one-off delivery)."""
    if offer.billing is Billing.ONE_OFF:
        lines: list[Line] = []
        for subscription in _subscriptions_in(member, offer, year):
            assert subscription.delivered is not None
            titled = f"{subscription.delivered:%Y-%m}"
            lines.extend(_part_lines(tariff, offer, member, population, year, titled, override))
        return lines
    titled = f"{year + 1}-01" if offer.titled is Titling.NEXT_JANUARY else f"{year}-12"
    return _part_lines(tariff, offer, member, population, year, titled, override)


def _part_lines(
    tariff: GridTariff,
    offer: Offer,
    member: Member,
    population: int,
    year: int,
    titled: str,
    override: Override | None,
) -> list[Line]:
    if override is not None and override.amount is not None:
        return [Line(f"{offer.id}.negotiated", f"{offer.label} (montant négocié)",
                     override.amount, f"override: {override.reference}",
                     offer.review.article if offer.review else offer.article, titled)]
    lines: list[Line] = []
    for part in offer.parts:
        line = _part_line(tariff, offer, part, member, population, year, titled, override, lines)
        if line is not None:
            lines.append(line)
    return lines


def _part_line(
    tariff: GridTariff,
    offer: Offer,
    part: Part,
    member: Member,
    population: int,
    year: int,
    titled: str,
    override: Override | None,
    before: list[Line],
) -> Line | None:
    code = f"{offer.id}.{part.code}"
    if isinstance(part, BracketAmountPart):
        if override is not None and override.fixed is not None:
            return Line(code, part.label, override.fixed, f"override: {override.reference}",
                        part.article, titled)
        bracket = population_bracket(part.brackets, population)
        if bracket is None:
            return Line(code, part.label, ZERO, f"no bracket for population {population}",
                        part.article, titled)
        return Line(code, part.label, bracket.amount, f"bracket {bracket.label}",
                    part.article, titled)
    if isinstance(part, PerInhabitantPart):
        amount = to_cents(part.rate * population)
        return Line(code, part.label, amount, f"{population} inhabitants × {part.rate}",
                    part.article, titled)
    if isinstance(part, UnitsBeyondAllowancePart):
        return _units_beyond_allowance(code, part, member.days_used(year), population, titled)
    if isinstance(part, CreditPart):
        return _credit(code, tariff, offer, part, member, year, titled, before)
    raise AssertionError(f"unknown part rule {part!r}")  # pragma: no cover


B = TypeVar("B", AmountBracket, QuantityBracket)


def population_bracket(brackets: Iterable[B], population: int) -> B | None:
    """The bracket that contains ``population`` (brackets are contiguous, checked on load)."""
    return next((bracket for bracket in brackets if bracket.contains(population)), None)


def _units_beyond_allowance(
    code: str, part: UnitsBeyondAllowancePart, used: Decimal, population: int, titled: str
) -> Line | None:
    """Art. 7.1.1: days beyond the member's allowance, billed per half-day, rounded up."""
    if used == ZERO:
        return None
    bracket = population_bracket(part.allowance, population)
    allowance = bracket.quantity if bracket else ZERO
    excess = max(used - allowance, ZERO)
    units = ceil_to_unit(excess, part.unit)
    basis = (f"{_plain(used)} days used, allowance {_plain(allowance)}"
             f" ({bracket.label if bracket else 'no bracket'}): {_plain(excess)} beyond"
             f" → {_plain(units)} {part.unit_label} × {part.unit_price}")
    return Line(code, part.label, to_cents(units * part.unit_price), basis, part.article, titled)


def _credit(
    code: str,
    tariff: GridTariff,
    offer: Offer,
    part: CreditPart,
    member: Member,
    year: int,
    titled: str,
    before: list[Line],
) -> Line | None:
    """Art. 7.2.1: the audit price deducted from the first year of the socle complet when the
    member joins it within 6 months of the audit's delivery. The credit never exceeds what
    the offer's other lines bill that year; what cannot be used is said in the basis."""
    source = tariff.offer(part.from_offer)
    starts = [s.start for s in member.subscriptions if s.offer == offer.id and s.start]
    if source is None or not starts:
        return None
    first_start = min(starts)
    if first_start.year != year:
        return None
    delivery = next(
        (s for s in sorted(member.subscriptions, key=lambda s: s.delivered or dt.date.min)
         if s.offer == source.id and s.delivered
         and s.delivered <= first_start <= add_months(s.delivered, part.within_months)),
        None,
    )
    if delivery is None or delivery.delivered is None:
        return None
    population = member.population_in(delivery.delivered.year) or member.population_in(year)
    assert population is not None  # the billed year's population was checked by the caller
    price = sum((line.amount for line in _part_lines(tariff, source, member, population,
                                                       delivery.delivered.year, "", None)), ZERO)
    available = sum((line.amount for line in before), ZERO)
    credit = min(price, available)
    basis = (f"{source.label} delivered {delivery.delivered:%d/%m/%Y}, joined "
             f"{first_start:%d/%m/%Y} (within {part.within_months} months)")
    if credit < price:
        basis += f"; {price - credit} of the {price} credit cannot be used"
    return Line(code, part.label, -credit, basis, part.article, titled)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (31/08 + 6 → 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _subscriptions_in(member: Member, offer: Offer | None, year: int) -> list[Subscription]:
    if offer is None:
        return []
    if offer.billing is Billing.ONE_OFF:
        return [s for s in member.subscriptions
                if s.offer == offer.id and s.delivered is not None and s.delivered.year == year]
    return [s for s in member.subscriptions if s.offer == offer.id and s.active_in(year)]


def staffing_summary(
    tariff: GridTariff,
    members: Sequence[Member],
    year: int,
    statements: Sequence[Statement],
    *,
    active: int,
) -> StaffingSummary | None:
    """Art. 7: 1 FTE from the first member; more by the number of members of the counted
    offer (Redon: 2 FTE from 10 socle-complet members, 3 from 21)."""
    staffing = tariff.staffing
    if staffing is None:
        return None
    counted = tariff.offer(staffing.counted_offer)
    count = sum(1 for member in members if _subscriptions_in(member, counted, year))
    fte = fte_for(tariff, count, any_member=active > 0)
    return StaffingSummary(
        counted_offer=staffing.counted_offer,
        members=count,
        fte=fte,
        staff_cost=fte * staffing.fte_cost,
        contributions=sum((s.total for s in statements), ZERO),
        reference=staffing.article,
    )


def fte_for(tariff: GridTariff, counted_members: int, *, any_member: bool = True) -> Decimal:
    """The staffing step for ``counted_members`` members of the counted offer."""
    staffing = tariff.staffing
    if staffing is None or not any_member:
        return ZERO
    fte = staffing.base_fte
    for step in staffing.steps:
        if counted_members >= step.from_:
            fte = step.fte
    return fte


def _plain(number: Decimal) -> str:
    """A quantity without trailing zeros (4.50 → 4.5), for bases."""
    return format(number.normalize(), "f")
