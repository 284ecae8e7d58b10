"""Contribution grid: each member's statement from its population, subscriptions and use.

Implements the shapes of the Redon Agglomération convention (art. 7) as general rules:
fixed amounts by population bracket, amounts per inhabitant, a credit of one offer
against the first year of another, units beyond an allowance, offers included in others,
a review threshold above which the offer is negotiated, staffing steps. And the shapes
other conventions add (DESIGN §2.3): unit price × quantity from a dated price list with
weights and free units, proration on joining or leaving during the year, rates indexed
on a published index, floors and caps on an offer or a whole statement, a cost pool
shared between the members in layers, a unit cost of operation with its year-end
adjustment (CGCT art. D5211-16), settlement by deduction from the attribution de
compensation.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from servcommun.budget import Budget
from servcommun.engine.budget_lines import (
    CannotShare,
    Share,
    budget_line_shares,
    management_fee_shares,
    sharing_summary,
)
from servcommun.engine.keys import KeyComputationError, YearKey, year_key
from servcommun.engine.result import (
    Bill,
    Line,
    MemberRef,
    NeedsReview,
    Settlement,
    SharingSummary,
    StaffingSummary,
    Statement,
)
from servcommun.money import ZERO, allocate, ceil_to_unit, round_places, to_cents
from servcommun.roster import Member, Override, Subscription
from servcommun.tariff import (
    AmountBracket,
    Billing,
    BracketAmountPart,
    BudgetLinesPart,
    CapPart,
    ConsumedUnit,
    CreditPart,
    FloorPart,
    GridTariff,
    Indexation,
    ManagementFeePart,
    Offer,
    PerInhabitantPart,
    PoolBasis,
    PoolLayer,
    PoolSharePart,
    PriceEntry,
    Proration,
    QuantityBracket,
    SettlementMode,
    Titling,
    UnitCostAdjustmentPart,
    UnitCostPart,
    UnitPricePart,
    UnitsBeyondAllowancePart,
    UnitsOfOperation,
)

STATEMENT = "statement"
"""Line codes of the tariff's statement-wide floors and caps: ``statement.<code>`` (no
offer may be called so)."""


@dataclass(frozen=True)
class ServiceData:
    """Figures a tariff refers to that are neither the tariff's nor a member's own: the
    yearly values of the indices its rates are indexed on (index id → year → value), the
    year's cost from the service's budget file (year → total, for pools and unit costs),
    its units of operation (year → forecast and actual, for unit costs), the budget
    itself (year → its lines and agents, for the parts sharing its lines by a key), and
    the members a pool is shared between when one member is billed alone (a simulated
    newcomer: the roster; ``bill_grid`` shares between the members it bills)."""

    indices: Mapping[str, Mapping[int, Decimal]] = field(default_factory=dict)
    costs: Mapping[int, Decimal] = field(default_factory=dict)
    members: Sequence[Member] = ()
    operation: Mapping[int, UnitsOfOperation] = field(default_factory=dict)
    budgets: Mapping[int, Budget] = field(default_factory=dict)


NO_DATA = ServiceData()


class MissingData(ValueError):
    """A figure the tariff needs is not in the data given (an index value for a year)."""


def bill_grid(
    tariff: GridTariff, members: Sequence[Member], year: int, data: ServiceData = NO_DATA
) -> Bill:
    """Every member's statement for ``year``, or the reason it needs review.

    A member active on any day of the year (an annual subscription running, or a one-off
    service delivered in it) is in exactly one of the two lists; others are left out.
    """
    statements: list[Statement] = []
    reviews: list[NeedsReview] = []
    pools = pool_shares(tariff, members, year, data)
    for member in members:
        outcome = _bill_member(tariff, member, year, data, pools)
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
        staffing=staffing_summary(
            tariff, members, year, statements, active=len(statements) + len(reviews)
        ),
        sharing=keyed_summary(tariff, year, data, pools, statements),
        sources=tuple(f"{d.body}, {d.id} du {d.date:%d/%m/%Y}" for d in tariff.deliberations),
    )


def bill_member(
    tariff: GridTariff, member: Member, year: int, data: ServiceData = NO_DATA
) -> Statement | NeedsReview | None:
    """One member's statement for ``year``; ``NeedsReview`` when an offer it holds must be
    negotiated and no override is recorded, or a figure its bill needs is missing; None
    when it is not active in the year. A pool is shared between ``member`` and the other
    members of ``data.members``."""
    pools: Mapping[tuple[str, str], PoolOutcome] = {}
    if tariff.has_pools():
        others = [other for other in data.members if other.id != member.id]
        pools = pool_shares(tariff, [*others, member], year, data)
    return _bill_member(tariff, member, year, data, pools)


def _bill_member(
    tariff: GridTariff,
    member: Member,
    year: int,
    data: ServiceData,
    pools: Mapping[tuple[str, str], PoolOutcome],
) -> Statement | NeedsReview | None:
    active = active_subscriptions(tariff, member, year)
    if not active:
        return None
    held = [offer for offer in tariff.offers if offer.id in active]
    population = member.population_in(year)
    ref = MemberRef(member.id, member.name, population)
    if population is None:
        if any(offer.uses_population for offer in held):
            known = ", ".join(str(y) for y in sorted(member.population))
            return NeedsReview(ref, f"no population for {year} in the roster (known: {known})")
        population = 0  # no rule of the offers held uses it (a party of a cost-sharing key)
    lines: list[Line] = []
    for offer in held:
        if offer.included_in and not active.keys().isdisjoint(offer.included_in):
            continue  # included in another offer the member holds (art. 4.2)
        override = member.override_for(offer.id, year)
        reason = review_reason(offer, population, member.own_it_department)
        if reason and override is None:
            return NeedsReview(
                ref,
                f"{offer.label}: {reason}; record an override with the "
                f"reference of the decision ({offer.review.article})"
                if offer.review
                else reason,
            )
        try:
            lines.extend(
                offer_lines(
                    tariff, offer, member, population, year, override, data, pools, active[offer.id]
                )
            )
        except MissingData as missing:
            return NeedsReview(ref, f"{offer.label}: {missing}", missing_data=True)
    titled = max(line.titled for line in lines) if lines else _annual_titled(held[0], year)
    for limit in tariff.statement_limits:
        line = _limit(f"{STATEMENT}.{limit.code}", limit, lines, titled, None, "statement")
        if line is not None:
            lines.append(line)
    total = sum((line.amount for line in lines), ZERO)
    settlement = settlement_of(tariff, member, year, total)
    if isinstance(settlement, str):
        return NeedsReview(ref, settlement)
    carrier = tariff.carrier
    if carrier is not None and carrier.id == member.id:
        # it runs the service and bills the others (délibération 10-26: « le service
        # commun refacture directement les deux autres entités »): reported, never billed
        return Statement(
            ref,
            tuple(lines),
            billed=False,
            settlement=settlement,
            notes=("carrier: its own share is reported, not billed",),
        )
    return Statement(ref, tuple(lines), settlement=settlement)


def active_subscriptions(
    tariff: GridTariff, member: Member, year: int
) -> dict[str, list[Subscription]]:
    """Offer id → the member's subscriptions to it running in ``year`` (annual offers) or
    delivered in it (one-off services), in the roster's order; offers without any left
    out. One pass over the member's subscriptions: this runs once per member billed."""
    active: dict[str, list[Subscription]] = {}
    for subscription in member.subscriptions:
        offer = tariff.offer(subscription.offer)
        if offer is not None and _in_year(offer, subscription, year):
            active.setdefault(offer.id, []).append(subscription)
    return active


def _in_year(offer: Offer, subscription: Subscription, year: int) -> bool:
    """An annual subscription running on a day of ``year``, or a one-off service delivered
    in it."""
    if offer.billing is Billing.ONE_OFF:
        return subscription.delivered is not None and subscription.delivered.year == year
    return subscription.active_in(year)


def settlement_of(
    tariff: GridTariff, member: Member, year: int, total: Decimal
) -> Settlement | str | None:
    """How the member settles ``total``: the tariff's way or its own; by deduction from its
    attribution de compensation of the billed (or next) year — before and after — or by a
    title of revenue. A deduction from an attribution the roster does not give is the
    reason the member needs review (never a guessed figure). None when the tariff says
    nothing."""
    rule = tariff.settlement
    mode = member.settlement or (rule.mode if rule is not None else None)
    if mode is None:
        return None
    reference = rule.article if rule is not None else ""
    if mode is SettlementMode.REVENUE_TITLE:
        return Settlement(mode.value, reference)
    attribution_year = year + (1 if rule is not None and rule.attribution_year == "next" else 0)
    before = member.attribution_compensation.get(attribution_year)
    if before is None:
        return (
            f"settled by deduction from its attribution de compensation ({reference}), "
            f"and the roster gives none for {attribution_year}"
        )
    return Settlement(mode.value, reference, attribution_year, before, total)


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
    data: ServiceData = NO_DATA,
    pools: Mapping[tuple[str, str], PoolOutcome] | None = None,
    subscriptions: Sequence[Subscription] | None = None,
) -> list[Line]:
    """The lines of one offer for one member and year (one set per one-off delivery);
    ``subscriptions``: the member's to this offer in the year, when already known."""
    pools = pools or {}
    if subscriptions is None:
        subscriptions = _subscriptions_in(member, offer, year)
    if offer.billing is Billing.ONE_OFF:
        lines: list[Line] = []
        for subscription in subscriptions:
            assert subscription.delivered is not None
            titled = f"{subscription.delivered:%Y-%m}"
            lines.extend(
                _part_lines(
                    _OfferYear(
                        tariff, offer, member, population, year, titled, override, data, None, pools
                    )
                )
            )
        return lines
    share = proration_share(offer.proration or tariff.proration, subscriptions, year)
    return _part_lines(
        _OfferYear(
            tariff,
            offer,
            member,
            population,
            year,
            _annual_titled(offer, year),
            override,
            data,
            share,
            pools,
        )
    )


def _annual_titled(offer: Offer, year: int) -> str:
    return f"{year + 1}-01" if offer.titled is Titling.NEXT_JANUARY else f"{year}-12"


@dataclass(frozen=True)
class ProrationShare:
    """The part of the year an annual offer is owed for: ``numerator / denominator``
    (months begun of 12, or days of 365/366), and the period it covers."""

    numerator: int
    denominator: int
    unit: str  # "months" or "days"
    periods: tuple[tuple[dt.date, dt.date], ...]

    def apply(self, amount: Decimal) -> Decimal:
        """``amount`` × the share, rounded to the cent once (half away from zero)."""
        return to_cents(amount * self.numerator / self.denominator)

    @property
    def basis(self) -> str:
        spans = ", ".join(f"{start:%d/%m/%Y}–{end:%d/%m/%Y}" for start, end in self.periods)
        return f"× {self.numerator}/{self.denominator} {self.unit} (subscribed {spans})"


def proration_share(
    proration: Proration, subscriptions: Sequence[Subscription], year: int
) -> ProrationShare | None:
    """The share of ``year`` the subscriptions cover, by months begun (a month in which
    the member is subscribed one day is due in full) or by days; None when the whole year
    is owed (no proration, or subscribed all year)."""
    if proration is Proration.NONE:
        return None
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    spans = sorted(
        (max(s.start, first), min(s.end or last, last))
        for s in subscriptions
        if s.start is not None
    )
    periods: list[tuple[dt.date, dt.date]] = []
    for start, end in spans:  # merged, so that a day or a month is never counted twice
        if periods and start <= periods[-1][1] + dt.timedelta(days=1):
            periods[-1] = (periods[-1][0], max(end, periods[-1][1]))
        else:
            periods.append((start, end))
    if proration is Proration.DAY:
        days = sum((end - start).days + 1 for start, end in periods)
        in_year = (last - first).days + 1
        if days == in_year:
            return None
        return ProrationShare(days, in_year, "days", tuple(periods))
    months = {month for start, end in periods for month in range(start.month, end.month + 1)}
    if len(months) == 12:
        return None
    return ProrationShare(len(months), 12, "months", tuple(periods))


@dataclass(slots=True)
class _OfferYear:
    """What the parts of one offer are computed from, for one member and year (built for
    every member and offer billed: a plain slotted class, cheaper to make than a frozen
    one; nothing changes it)."""

    tariff: GridTariff
    offer: Offer
    member: Member
    population: int
    year: int
    titled: str
    override: Override | None
    data: ServiceData
    share: ProrationShare | None  # annual offers subscribed part of the year only
    pools: Mapping[tuple[str, str], PoolOutcome]


def _part_lines(context: _OfferYear) -> list[Line]:
    offer, override = context.offer, context.override
    if override is not None and override.amount is not None:
        return [
            Line(
                f"{offer.id}.negotiated",
                f"{offer.label} (montant négocié)",
                override.amount,
                f"override: {override.reference}",
                offer.review.article if offer.review else offer.article,
                context.titled,
            )
        ]
    lines: list[Line] = []
    for part in offer.parts:
        rule = _RULES.get(type(part))
        if rule is None:  # pragma: no cover - every rule of the tariff language has one
            raise AssertionError(f"unknown part rule {part!r}")
        lines.extend(rule(context, part, f"{offer.id}.{part.code}", lines))
    return lines


# -- the part rules: each gives a part's lines for one member and year, from the offer's
# context, the part, its line code and the lines of the offer's parts before it ----------


def _bracket_amount(
    context: _OfferYear, part: BracketAmountPart, code: str, before: list[Line]
) -> list[Line]:
    """Art. 7.1: the fixed amount of the member's population bracket (or the negotiated
    fixed part of an override)."""
    titled, population, override = context.titled, context.population, context.override
    if override is not None and override.fixed is not None:
        return [
            _prorated(
                context,
                Line(
                    code,
                    part.label,
                    override.fixed,
                    f"override: {override.reference}",
                    part.article,
                    titled,
                ),
                override.fixed,
            )
        ]
    bracket = population_bracket(part.brackets, population)
    if bracket is None:
        return [
            Line(
                code,
                part.label,
                ZERO,
                f"no bracket for population {population}",
                part.article,
                titled,
            )
        ]
    amount, basis = bracket.amount, f"bracket {bracket.label}"
    if part.indexation is not None:
        amount, said = _indexed(bracket.amount, part.indexation, context)
        basis += f": {to_cents(amount)} ({bracket.amount} {said})"
    return [
        _prorated(
            context, Line(code, part.label, to_cents(amount), basis, part.article, titled), amount
        )
    ]


def _per_inhabitant(
    context: _OfferYear, part: PerInhabitantPart, code: str, before: list[Line]
) -> list[Line]:
    """Art. 7.1: the population × a rate (indexed, if the tariff says so)."""
    population = context.population
    rate, basis = part.rate, f"{population} inhabitants × {part.rate}"
    if part.indexation is not None:
        rate, said = _indexed(part.rate, part.indexation, context)
        basis = f"{population} inhabitants × {_plain(rate)} ({part.rate} {said})"
    exact = rate * population
    return [
        _prorated(
            context,
            Line(code, part.label, to_cents(exact), basis, part.article, context.titled),
            exact,
        )
    ]


def _units_beyond(
    context: _OfferYear, part: UnitsBeyondAllowancePart, code: str, before: list[Line]
) -> list[Line]:
    line = _units_beyond_allowance(
        code, part, context.member.days_used(context.year), context.population, context.titled
    )
    return [line] if line is not None else []


def _credit_against(
    context: _OfferYear, part: CreditPart, code: str, before: list[Line]
) -> list[Line]:
    line = _credit(code, context, part, before)
    return [line] if line is not None else []


def _priced_units(
    context: _OfferYear, part: UnitPricePart, code: str, before: list[Line]
) -> list[Line]:
    return unit_price_lines(code, part, context.member, context.year, context.titled)


def _floor_or_cap(
    context: _OfferYear, part: FloorPart | CapPart, code: str, before: list[Line]
) -> list[Line]:
    line = _limit(code, part, before, context.titled, context.share, "offer")
    return [line] if line is not None else []


def _unit_cost_of_operation(
    context: _OfferYear, part: UnitCostPart, code: str, before: list[Line]
) -> list[Line]:
    return [_unit_cost_line(code, part, context)]


def _unit_cost_adjusted(
    context: _OfferYear, part: UnitCostAdjustmentPart, code: str, before: list[Line]
) -> list[Line]:
    adjusted = next(
        (p for p in context.offer.parts if isinstance(p, UnitCostPart) and p.code == part.of), None
    )
    line = _unit_cost_adjustment(code, part, adjusted, context) if adjusted is not None else None
    return [line] if line is not None else []


def _pool_share(
    context: _OfferYear, part: PoolSharePart, code: str, before: list[Line]
) -> list[Line]:
    outcome = context.pools.get((context.offer.id, part.code))
    if outcome is None:  # pragma: no cover - every pool of a held offer is computed
        raise MissingData(f"the pool of {code} was not computed")
    if outcome.problem:
        raise MissingData(outcome.problem)
    return [
        Line(code, label, amount, basis, article, context.titled)
        for label, amount, basis, article in outcome.shares.get(context.member.id, ())
    ]


def _keyed(
    context: _OfferYear, part: BudgetLinesPart | ManagementFeePart, code: str, before: list[Line]
) -> list[Line]:
    return keyed_lines(
        context.pools.get((context.offer.id, part.code)), context.member.id, context.titled
    )


_RULES: dict[type, Callable[[_OfferYear, Any, str, list[Line]], list[Line]]] = {
    BracketAmountPart: _bracket_amount,
    PerInhabitantPart: _per_inhabitant,
    UnitsBeyondAllowancePart: _units_beyond,
    CreditPart: _credit_against,
    UnitPricePart: _priced_units,
    FloorPart: _floor_or_cap,
    CapPart: _floor_or_cap,
    UnitCostPart: _unit_cost_of_operation,
    UnitCostAdjustmentPart: _unit_cost_adjusted,
    PoolSharePart: _pool_share,
    BudgetLinesPart: _keyed,
    ManagementFeePart: _keyed,
}
"""Each part rule's function, by the part's model: a part's lines come from a look-up
(done for every member and part billed), not a chain of tests."""


def _prorated(context: _OfferYear, line: Line, exact: Decimal) -> Line:
    """``line`` for the part of the year subscribed (its exact yearly amount × the share,
    rounded once), or as it is for a whole year."""
    share = context.share
    if share is None:
        return line
    return Line(
        line.code,
        line.label,
        share.apply(exact),
        f"{line.basis}: {to_cents(exact)} a year {share.basis}",
        line.reference,
        line.titled,
    )


B = TypeVar("B", AmountBracket, QuantityBracket)


def population_bracket(brackets: Iterable[B], population: int) -> B | None:
    """The bracket that contains ``population`` (brackets are contiguous, checked on load)."""
    for bracket in brackets:
        if bracket.contains(population):
            return bracket
    return None


# -- indexation ---------------------------------------------------------------------------


def _indexed(rate: Decimal, indexation: Indexation, context: _OfferYear) -> tuple[Decimal, str]:
    """The rate (or amount) for the billed year: ``rate`` × index(N) / index(reference),
    with the coefficient or the indexed rate rounded as the tariff says (an amount is then
    rounded to the cent by its line); and the basis text."""
    value, reference, year = _index_values(indexation, context)
    rounding = indexation.rounding
    words = _rounding_words(rounding.places, rounding.mode.value)
    said = f"× {_index_words(indexation, year, value, reference)}"
    if rounding.applies_to == "coefficient":
        coefficient = round_places(value / reference, rounding.places, rounding.mode.value)
        return rate * coefficient, f"{said} = {coefficient}, coefficient {words}"
    return (
        round_places(rate * value / reference, rounding.places, rounding.mode.value),
        f"{said}, {words}",
    )


def _index_values(indexation: Indexation, context: _OfferYear) -> tuple[Decimal, Decimal, int]:
    series = context.data.indices.get(indexation.index)
    year = context.year - (1 if indexation.index_year == "previous" else 0)
    if series is None:
        raise MissingData(
            f"no values of the index '{indexation.index}' were given ({indexation.article})"
        )
    missing = [str(y) for y in (indexation.reference_year, year) if y not in series]
    if missing:
        raise MissingData(
            f"the index '{indexation.index}' has no value for "
            f"{' and '.join(missing)} ({indexation.article})"
        )
    return series[year], series[indexation.reference_year], year


def _index_words(indexation: Indexation, year: int, value: Decimal, reference: Decimal) -> str:
    return f"{indexation.index} {year} / {indexation.reference_year} = {value} / {reference}"


def _rounding_words(places: int, mode: str) -> str:
    way = {"half-up": "rounded half up", "down": "truncated", "up": "rounded up"}[mode]
    return f"{way} to {places} decimal{'s' if places != 1 else ''}"


# -- unit price × quantity ----------------------------------------------------------------


def price_in_force(prices: Sequence[PriceEntry], day: dt.date) -> PriceEntry | None:
    """The entry of a price list in force on ``day`` (the latest that starts on or before
    it), or None before the first."""
    return next((entry for entry in reversed(prices) if entry.from_ <= day), None)


def unit_price_lines(
    code: str, part: UnitPricePart, member: Member, year: int, titled: str
) -> list[Line]:
    """Unit price × quantity for the acts ``member`` consumed in ``year``: each act at the
    price in force on its date, times its unit's weight (or at its unit's own price); the
    first units of the year free where the tariff says so. One line per unit and price in
    force, each rounded to the cent once; in the order of the tariff's units and prices."""
    units = {unit.id: unit for unit in part.units}
    free_left = {free.unit: free.quantity for free in part.free}
    groups: dict[tuple[str, int], _ActGroup] = {}
    for act in member.acts_in(year, units):
        free = min(free_left.get(act.unit, ZERO), act.quantity)
        if free:
            free_left[act.unit] -= free
        entry = price_in_force(part.prices, act.date)
        position = part.prices.index(entry) if entry is not None else -1
        group = groups.setdefault((act.unit, position), _ActGroup(act.date))
        group.add(act.date, act.quantity, free)
    lines: list[Line] = []
    order = {unit.id: index for index, unit in enumerate(part.units)}
    for (unit_id, position), group in sorted(
        groups.items(), key=lambda item: (order[item[0][0]], item[0][1])
    ):
        unit = units[unit_id]
        label = f"{part.label} — {unit.label}"
        counted = _counted(group, unit.label)
        if position < 0:
            lines.append(
                Line(
                    code,
                    label,
                    ZERO,
                    f"{counted}: no price in force before {part.prices[0].from_:%d/%m/%Y}",
                    part.article,
                    titled,
                )
            )
            continue
        entry = part.prices[position]
        priced = _unit_price(part, entry, unit.id, unit.weight)
        if priced is None:  # refused on load (price-units); said rather than guessed
            lines.append(
                Line(
                    code,
                    label,
                    ZERO,
                    f"{counted}: no price for {unit.id} from {entry.from_:%d/%m/%Y}",
                    part.article,
                    titled,
                )
            )
            continue
        price, said = priced
        basis = f"{counted} × {said}"
        if len(part.prices) > 1 or entry.reference:
            basis += f" (price from {entry.from_:%d/%m/%Y}"
            basis += f", {entry.reference})" if entry.reference else ")"
        lines.append(Line(code, label, to_cents(group.billed * price), basis, part.article, titled))
    return lines


@dataclass
class _ActGroup:
    """The acts of one unit at one price: quantities, the free part, the dates spanned."""

    first: dt.date
    last: dt.date | None = None
    quantity: Decimal = ZERO
    free: Decimal = ZERO

    def add(self, day: dt.date, quantity: Decimal, free: Decimal) -> None:
        self.last = day
        self.quantity += quantity
        self.free += free

    @property
    def billed(self) -> Decimal:
        return self.quantity - self.free


def _counted(group: _ActGroup, label: str) -> str:
    dates = (
        f"{group.first:%d/%m/%Y}"
        if group.last in (None, group.first)
        else f"{group.first:%d/%m/%Y}–{group.last:%d/%m/%Y}"
    )
    text = f"{_plain(group.quantity)} × {label} ({dates})"
    if group.free:
        text += f", {_plain(group.free)} free → {_plain(group.billed)} billed"
    return text


def _unit_price(
    part: UnitPricePart, entry: PriceEntry, unit: str, weight: Decimal
) -> tuple[Decimal, str] | None:
    """The exact price of one ``unit`` under ``entry``, and how it is written in a basis."""
    if entry.price is None:
        price = entry.unit_prices.get(unit)
        return None if price is None else (price, f"{price}")
    if weight == 1:
        return entry.price, f"{entry.price}"
    equivalent = part.equivalent or "equivalent"
    return weight * entry.price, f"{_plain(weight)} {equivalent} × {entry.price}"


# -- unit cost of operation (CGCT art. D5211-16) ------------------------------------------


def _units_used(units: Sequence[ConsumedUnit], member: Member, year: int) -> Decimal:
    weight = {unit.id: unit.weight for unit in units}
    return sum((act.quantity * weight[act.unit] for act in member.acts_in(year, weight)), ZERO)


def _operation(context: _OfferYear, article: str) -> tuple[Decimal, UnitsOfOperation]:
    cost = context.data.costs.get(context.year)
    operation = context.data.operation.get(context.year)
    if cost is None or operation is None:
        raise MissingData(
            f"no budget of {context.year} gives the cost and the units of "
            f"operation the unit cost is computed from ({article})"
        )
    return cost, operation


def _unit_cost(cost: Decimal, units: Decimal, part: UnitCostPart) -> Decimal:
    return round_places(cost / units, part.rounding.places, part.rounding.mode.value)


def _unit_cost_line(code: str, part: UnitCostPart, context: _OfferYear) -> Line:
    """CGCT art. D5211-16: the member's units of operation of the year × the unit cost,
    the service's cost (last accounts, updated) over the units forecast for the year."""
    cost, operation = _operation(context, part.article)
    unit_cost = _unit_cost(cost, operation.forecast, part)
    used = _units_used(part.units, context.member, context.year)
    said = f", {operation.reference}" if operation.reference else ""
    basis = (
        f"{_plain(used)} units used × unit cost {unit_cost} ({cost} / "
        f"{_plain(operation.forecast)} units forecast{said}, "
        f"{_rounding_words(part.rounding.places, part.rounding.mode.value)})"
    )
    return Line(code, part.label, to_cents(used * unit_cost), basis, part.article, context.titled)


def _unit_cost_adjustment(
    code: str, part: UnitCostAdjustmentPart, adjusted: UnitCostPart, context: _OfferYear
) -> Line | None:
    """The year-end adjustment once the year's accounts are closed: the member's units ×
    the actual unit cost (actual cost / actual units), less what the forecast unit cost
    billed, each rounded to the cent as its line; None while the actual figures are not
    known. Titled in the month the accounts were closed."""
    cost, operation = _operation(context, adjusted.article)
    actual = operation.actual
    if actual is None:
        return None
    forecast = _unit_cost(cost, operation.forecast, adjusted)
    real = _unit_cost(actual.cost, actual.units, adjusted)
    used = _units_used(adjusted.units, context.member, context.year)
    amount = to_cents(used * real) - to_cents(used * forecast)
    said = f", {actual.reference}" if actual.reference else ""
    basis = (
        f"{_plain(used)} units used × actual unit cost {real} ({actual.cost} / "
        f"{_plain(actual.units)} units{said}) = {to_cents(used * real)}, less "
        f"{to_cents(used * forecast)} billed at the forecast unit cost {forecast}"
    )
    return Line(code, part.label, amount, basis, part.article, f"{actual.closed:%Y-%m}")


# -- cost pools ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolOutcome:
    """A pool shared for a year: member id → its lines (label, amount, basis, article), or
    the ``problem`` that kept it from being shared (said to every member holding it)."""

    shares: Mapping[str, Sequence[tuple[str, Decimal, str, str]]] = field(default_factory=dict)
    problem: str = ""


def pool_shares(
    tariff: GridTariff, members: Sequence[Member], year: int, data: ServiceData = NO_DATA
) -> dict[tuple[str, str], PoolOutcome]:
    """Each pool of the tariff shared for ``year`` between the ``members`` holding its
    offer, keyed by (offer id, part code): the pool's amount (the tariff's for the year, or
    the year's budget total), its layers (a percent, rounded to the cent; a fixed amount;
    the remainder: the layers sum exactly to the pool), each layer shared between the
    members by its basis with the largest remainder (ties by member id). And the parts
    sharing the year's budget lines by a key (``keyed_shares``)."""
    outcomes: dict[tuple[str, str], PoolOutcome] = {}
    for offer in tariff.offers:
        parts = [part for part in offer.parts if isinstance(part, PoolSharePart)]
        if not parts:
            continue
        holders = [member for member in members if _subscriptions_in(member, offer, year)]
        for part in parts:
            try:
                outcomes[(offer.id, part.code)] = _share_pool(tariff, part, holders, year, data)
            except MissingData as problem:
                outcomes[(offer.id, part.code)] = PoolOutcome(problem=str(problem))
    outcomes.update(keyed_shares(tariff, members, year, data))
    return outcomes


def _share_pool(
    tariff: GridTariff, part: PoolSharePart, holders: Sequence[Member], year: int, data: ServiceData
) -> PoolOutcome:
    pool = part.pool.amounts.get(year) if part.pool.amounts else data.costs.get(year)
    if pool is None:
        source = (
            "the tariff gives no amount" if part.pool.amounts else "no budget file gives the cost"
        )
        raise MissingData(f"{source} of the pool '{part.label}' for {year} ({part.article})")
    shares: dict[str, list[tuple[str, Decimal, str, str]]] = {m.id: [] for m in holders}
    for layer, amount, said in _layer_amounts(part, pool):
        key = _layer_key(tariff, layer, holders, year, data) if layer.by is PoolBasis.KEY else None
        weights, unit_words = _layer_weights(layer, holders, year, key)
        total = sum(weights.values(), ZERO)
        if total <= ZERO:
            raise MissingData(
                f"the layer '{layer.label}' of the pool cannot be shared: no "
                f"member holding the offer has a weight in it in {year} "
                f"({layer.by.value})"
            )
        for member_id, share in allocate(amount, weights).items():
            if layer.by is PoolBasis.KEY and weights[member_id] == ZERO:
                continue  # not in the key: the layer is none of its business
            basis = f"{said}; {unit_words.format(_plain(weights[member_id]), _plain(total))}"
            article = layer.article or (key.reference if key else "") or part.article
            shares[member_id].append((f"{part.label} — {layer.label}", share, basis, article))
    return PoolOutcome(shares)


def _layer_amounts(part: PoolSharePart, pool: Decimal) -> list[tuple[PoolLayer, Decimal, str]]:
    """Each layer's amount and how it was reached: fixed amounts as written, percents of
    the pool rounded to the cent, the remainder what they leave; without a remainder
    layer, percents summing to 100 share the pool by the largest remainder."""
    layers = part.layers
    if all(layer.percent is not None for layer in layers):
        percents = {index: layer.percent or ZERO for index, layer in enumerate(layers)}
        amounts = allocate(pool, percents)
        return [
            (
                layer,
                amounts[index],
                f"{_plain(percents[index])} % of the pool {pool} = {amounts[index]}",
            )
            for index, layer in enumerate(layers)
        ]
    found: list[tuple[PoolLayer, Decimal, str]] = []
    for layer in layers:
        if layer.amount is not None:
            found.append((layer, layer.amount, f"{layer.amount} of the pool {pool}"))
        elif layer.percent is not None:
            amount = to_cents(pool * layer.percent / 100)
            found.append(
                (layer, amount, f"{_plain(layer.percent)} % of the pool {pool} = {amount}")
            )
    rest = pool - sum((amount for _, amount, _ in found), ZERO)
    if rest < ZERO:
        raise MissingData(
            f"the layers of the pool '{part.label}' ({pool - rest}) exceed the pool ({pool})"
        )
    remainder = next(
        (layer for layer in layers if layer.amount is None and layer.percent is None), None
    )
    if remainder is None:  # refused on load (pool-layers): never left unshared silently
        raise MissingData(f"the layers of the pool '{part.label}' leave {rest} of {pool} to nobody")
    found.insert(
        layers.index(remainder),
        (remainder, rest, f"the pool {pool} less the other layers = {rest}"),
    )
    return found


def _layer_key(
    tariff: GridTariff, layer: PoolLayer, holders: Sequence[Member], year: int, data: ServiceData
) -> YearKey:
    """The key a layer shared by key weighs the holders by: the shares written in the
    layer, or the tariff's key it names (citing the key's article) — written, or computed
    between the holders from the agents of the year's budget, as for budget lines."""
    if not isinstance(layer.key, str):
        return YearKey("", layer.key or {}, "")
    key = tariff.key(layer.key)
    if key is None:  # refused on load (undefined-key)
        raise MissingData(f"the tariff defines no key '{layer.key}'")
    budget = data.budgets.get(year)
    if key.computed is not None and budget is None:
        raise MissingData(
            f"no budget of {year} gives the agents the key '{key.id}' is "
            f"computed from ({key.article})"
        )
    try:
        return year_key(key, budget.agents if budget else (), [m.id for m in holders])
    except KeyComputationError as problem:
        raise MissingData(f"key '{key.id}': {problem}") from problem


def _layer_weights(
    layer: PoolLayer, holders: Sequence[Member], year: int, key: YearKey | None
) -> tuple[dict[str, Decimal], str]:
    """Each holder's weight in ``layer`` (by key: its percentage in ``key``, the layer's
    key for the year; a member of the key not holding the offer is not among them), and
    how a basis says it (``{}`` the member's weight, ``{}`` the total)."""
    if layer.by is PoolBasis.POPULATION:
        missing = [member.id for member in holders if member.population_in(year) is None]
        if missing:
            raise MissingData(
                f"the pool is shared by population and {', '.join(missing)} "
                f"has no population for {year} in the roster"
            )
        return (
            {member.id: Decimal(member.population_in(year) or 0) for member in holders},
            "by population: {} of {} inhabitants",
        )
    if layer.by is PoolBasis.UNITS:
        return (
            {member.id: _units_used(layer.units, member, year) for member in holders},
            "by units used: {} of {}",
        )
    if layer.by is PoolBasis.KEY:
        assert key is not None  # resolved by _layer_key
        named = f" '{key.id}'" if key.id else ""
        named += ", computed from the agents' time" if key.note else ""
        return (
            {member.id: key.shares.get(member.id, ZERO) for member in holders},
            f"by key{named}: {{}} of {{}}",
        )
    return {member.id: Decimal(1) for member in holders}, "in equal shares: {} of {} members"


# -- budget lines shared by a key (engine.budget_lines) ------------------------------------


@dataclass(frozen=True)
class KeyedOutcome(PoolOutcome):
    """A ``budget-lines`` or ``management-fee`` part computed for a year: member id → its
    lines as (code, label, amount, basis, article) — the codes are the cost lines' own —
    and the key they were shared by; or the ``problem`` said to every member holding it."""

    lines: Mapping[str, Sequence[Share]] = field(default_factory=dict)
    key: YearKey | None = None


def keyed_shares(
    tariff: GridTariff, members: Sequence[Member], year: int, data: ServiceData = NO_DATA
) -> dict[tuple[str, str], PoolOutcome]:
    """Each part of the tariff sharing the year's budget lines by a key, computed between
    the ``members`` holding its offer, keyed by (offer id, part code)."""
    outcomes: dict[tuple[str, str], PoolOutcome] = {}
    for offer, part in tariff.keyed_parts():
        names = {
            member.id: member.name for member in members if _subscriptions_in(member, offer, year)
        }
        try:
            outcomes[(offer.id, part.code)] = _keyed_outcome(tariff, part, names, year, data)
        except (CannotShare, KeyComputationError) as problem:
            outcomes[(offer.id, part.code)] = KeyedOutcome(problem=str(problem))
    return outcomes


def _keyed_outcome(
    tariff: GridTariff,
    part: BudgetLinesPart | ManagementFeePart,
    names: Mapping[str, str],
    year: int,
    data: ServiceData,
) -> KeyedOutcome:
    budget = data.budgets.get(year)
    if budget is None:
        raise CannotShare(
            f"no budget gives the {year} cost lines the part '{part.label}' shares ({part.article})"
        )
    key = tariff.key(part.key)
    if key is None:  # refused on load (undefined-key)
        raise CannotShare(f"the tariff defines no key '{part.key}'")
    if not names:
        return KeyedOutcome()
    shared = year_key(key, budget.agents, list(names))
    if isinstance(part, BudgetLinesPart):
        return KeyedOutcome(lines=budget_line_shares(part, shared, budget.lines, names), key=shared)
    return KeyedOutcome(lines=management_fee_shares(part, shared, budget.lines, names), key=shared)


def keyed_lines(outcome: PoolOutcome | None, member_id: str, titled: str) -> list[Line]:
    """A member's lines of a part sharing budget lines by a key (its ``outcome``)."""
    if not isinstance(outcome, KeyedOutcome):  # pragma: no cover - computed for held offers
        raise MissingData("the budget lines of a held offer were not shared")
    if outcome.problem:
        raise MissingData(outcome.problem)
    return [
        Line(code, label, amount, basis, article, titled)
        for code, label, amount, basis, article in outcome.lines.get(member_id, ())
    ]


def keyed_summary(
    tariff: GridTariff,
    year: int,
    data: ServiceData,
    pools: Mapping[tuple[str, str], PoolOutcome],
    statements: Sequence[Statement],
) -> SharingSummary | None:
    """The key, cost and fees of a bill sharing budget lines by a key; None otherwise."""
    keys = {
        outcome.key.id: outcome.key
        for outcome in pools.values()
        if isinstance(outcome, KeyedOutcome) and outcome.key is not None
    }
    return sharing_summary(tariff, data.budgets.get(year), list(keys.values()), statements)


def budget_data(budget: Budget, data: ServiceData = NO_DATA) -> ServiceData:
    """``data`` with ``budget`` as its year's: its lines and agents, its total (pools), its
    units of operation (unit costs)."""
    operation = dict(data.operation)
    if budget.units_of_operation is not None:
        operation[budget.year] = budget.units_of_operation
    return ServiceData(
        indices=data.indices,
        members=data.members,
        operation=operation,
        costs={**data.costs, budget.year: sum((line.amount for line in budget.lines), ZERO)},
        budgets={**data.budgets, budget.year: budget},
    )


# -- floors and caps ----------------------------------------------------------------------


def _limit(
    code: str,
    part: FloorPart | CapPart,
    before: Sequence[Line],
    titled: str,
    share: ProrationShare | None,
    scope: str,
) -> Line | None:
    """A floor's top-up or a cap's deduction on what ``before`` bills (the offer's lines
    above it, or the whole statement), when it bites; None otherwise."""
    base = sum((line.amount for line in before), ZERO)
    limit = part.amount
    said = f"{part.amount}"
    if part.prorated and share is not None:
        limit = share.apply(part.amount)
        said = f"{part.amount} {share.basis} = {limit}"
    if isinstance(part, FloorPart) and base < limit:
        return Line(
            code,
            part.label,
            limit - base,
            f"{scope} lines {base} below the floor of {said}",
            part.article,
            titled,
        )
    if isinstance(part, CapPart) and base > limit:
        return Line(
            code,
            part.label,
            limit - base,
            f"{scope} lines {base} above the cap of {said}",
            part.article,
            titled,
        )
    return None


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
    basis = (
        f"{_plain(used)} days used, allowance {_plain(allowance)}"
        f" ({bracket.label if bracket else 'no bracket'}): {_plain(excess)} beyond"
        f" → {_plain(units)} {part.unit_label} × {part.unit_price}"
    )
    return Line(code, part.label, to_cents(units * part.unit_price), basis, part.article, titled)


def _credit(code: str, context: _OfferYear, part: CreditPart, before: list[Line]) -> Line | None:
    """Art. 7.2.1: the audit price deducted from the first year of the socle complet when the
    member joins it within 6 months of the audit's delivery. The credit never exceeds what
    the offer's other lines bill that year; what cannot be used is said in the basis."""
    tariff, offer, member, year = context.tariff, context.offer, context.member, context.year
    source = tariff.offer(part.from_offer)
    starts = [s.start for s in member.subscriptions if s.offer == offer.id and s.start]
    if source is None or not starts:
        return None
    first_start = min(starts)
    if first_start.year != year:
        return None
    delivery = next(
        (
            s
            for s in sorted(member.subscriptions, key=lambda s: s.delivered or dt.date.min)
            if s.offer == source.id
            and s.delivered
            and s.delivered <= first_start <= add_months(s.delivered, part.within_months)
        ),
        None,
    )
    if delivery is None or delivery.delivered is None:
        return None
    population = member.population_in(delivery.delivered.year) or member.population_in(year)
    assert population is not None  # the billed year's population was checked by the caller
    price = sum(
        (
            line.amount
            for line in _part_lines(
                _OfferYear(
                    tariff,
                    source,
                    member,
                    population,
                    delivery.delivered.year,
                    "",
                    None,
                    context.data,
                    None,
                    context.pools,
                )
            )
        ),
        ZERO,
    )
    available = sum((line.amount for line in before), ZERO)
    credit = min(price, available)
    basis = (
        f"{source.label} delivered {delivery.delivered:%d/%m/%Y}, joined "
        f"{first_start:%d/%m/%Y} (within {part.within_months} months)"
    )
    if credit < price:
        basis += f"; {price - credit} of the {price} credit cannot be used"
    return Line(code, part.label, -credit, basis, part.article, context.titled)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (31/08 + 6 → 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _subscriptions_in(member: Member, offer: Offer | None, year: int) -> list[Subscription]:
    if offer is None:
        return []
    return [s for s in member.subscriptions if s.offer == offer.id and _in_year(offer, s, year)]


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
