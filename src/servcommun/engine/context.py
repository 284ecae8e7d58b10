"""What a part rule computes from: one member, one offer, one year, and the service's data.

The engine builds an ``OfferYear`` for each member and offer it bills and asks each part
of the offer for its lines (``part_lines``); a rule reads the member, the population, the
proration share, the service's figures (``ServiceData``) and the shares of the rules
computed between all the members beforehand (``PoolOutcome``). Pure, like the engine.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

from servcommun.engine.result import Line
from servcommun.message import Message, Unsaid, msg
from servcommun.money import ZERO, to_cents
from servcommun.terms import (
    AmountBracket,
    ConsumedUnit,
    Proration,
    QuantityBracket,
    UnitsOfOperation,
    as_decimal,
    as_quantity,
    exact,
    said_quantity,
)

if TYPE_CHECKING:
    from servcommun.budget import Budget
    from servcommun.engine.keys import YearKey
    from servcommun.roster import Member, Override, Subscription
    from servcommun.rules.base import PartRule
    from servcommun.tariff import Offer, Tariff

STATEMENT = "statement"
"""The offer of the lines of the tariff's statement-wide floors and caps:
``statement.<code>`` (no offer may be called so)."""

NEGOTIATED = "negotiated"
"""The part of the line that replaces an offer's negotiated parts under an override of
the whole offer: ``<offer>.negotiated``."""


@dataclass(frozen=True)
class ServiceData:
    """Figures a tariff refers to that are neither the tariff's nor a member's own: the
    yearly values of the indices its rates are indexed on (index id → year → value), the
    year's cost from the service's budget file (year → total, for pools and unit costs),
    its units of operation (year → forecast and actual, for unit costs), the budget
    itself (year → its lines and agents, for the parts sharing its lines by a key), and
    the members a pool is shared between when one member is billed alone (a simulated
    newcomer: the roster; ``bill_members`` shares between the members it bills)."""

    indices: Mapping[str, Mapping[int, Decimal]] = field(default_factory=dict)
    costs: Mapping[int, Decimal] = field(default_factory=dict)
    members: Sequence[Member] = ()
    operation: Mapping[int, UnitsOfOperation] = field(default_factory=dict)
    budgets: Mapping[int, Budget] = field(default_factory=dict)


NO_DATA = ServiceData()


class MissingData(Unsaid):
    """A figure the tariff needs is not in the data given (an index value for a year): the
    member needs review, for the reason its ``message`` says."""

    OF_ROSTER: bool = False
    """The figure is the roster's own (a figure the member declares for a year): ``check``
    of the roster says so, as it says a member above a review threshold."""


class MissingFigure(MissingData):
    """A figure the member declares by year is not in its roster for the year read."""

    OF_ROSTER = True


@dataclass(frozen=True)
class PoolOutcome:
    """A ``SHARED`` part computed for a year: member id → its lines, and the key they were
    shared by (if any); or the ``problem`` that kept it from being shared (said to every
    member holding it)."""

    shares: Mapping[str, Sequence[Line]] = field(default_factory=dict)
    problem: Message | None = None
    key: YearKey | None = None


@dataclass(frozen=True)
class ProrationShare:
    """The part of the year an annual offer is owed for: ``numerator / denominator``
    (months begun of 12, or days of 365/366), and the period it covers."""

    numerator: int
    denominator: int
    by_day: bool
    periods: tuple[tuple[dt.date, dt.date], ...]

    def apply(self, amount: Decimal) -> Decimal:
        """``amount`` × the share, rounded to the cent once (half away from zero)."""
        return to_cents(amount * self.numerator / self.denominator)

    @property
    def basis(self) -> Message:
        if self.by_day:
            return msg(
                "× {numerator:count}/{denominator:count} days (subscribed {periods:periods})",
                numerator=self.numerator,
                denominator=self.denominator,
                periods=self.periods,
            )
        return msg(
            "× {numerator:count}/{denominator:count} months (subscribed {periods:periods})",
            numerator=self.numerator,
            denominator=self.denominator,
            periods=self.periods,
        )


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
        return ProrationShare(days, in_year, True, tuple(periods))
    months = {month for start, end in periods for month in range(start.month, end.month + 1)}
    if len(months) == 12:
        return None
    return ProrationShare(len(months), 12, False, tuple(periods))


@dataclass(frozen=True)
class Overrides:
    """The overrides of one offer for a member and year: of the whole offer (its
    ``NEGOTIATED`` parts), and of single parts by code."""

    whole: Override | None = None
    parts: Mapping[str, Override] = field(default_factory=dict)


NO_OVERRIDES = Overrides()


@dataclass(slots=True)
class OfferYear:
    """What the parts of one offer are computed from, for one member and year (built for
    every member and offer billed: a plain slotted class, cheaper to make than a frozen
    one; nothing changes it)."""

    tariff: Tariff
    offer: Offer
    member: Member
    population: int
    year: int
    titled: str
    overrides: Overrides
    data: ServiceData
    share: ProrationShare | None  # annual offers subscribed part of the year only
    pools: Mapping[tuple[str, str], PoolOutcome]
    subscription: Subscription | None = None  # one-off offers: the delivery billed

    def line(
        self,
        part: PartRule,
        amount: Decimal,
        basis: Message,
        *,
        label: str = "",
        titled: str = "",
    ) -> Line:
        """A line of ``part`` (of the offer's code, label and titling unless said)."""
        return Line(
            self.offer.id,
            part.code,
            label or part.label,
            amount,
            basis,
            part.article,
            titled or self.titled,
            part.rule,
        )

    def prorated(self, line: Line, exact: Decimal) -> Line:
        """``line`` for the part of the year subscribed (its exact yearly amount × the
        share, rounded once), or as it is for a whole year."""
        share = self.share
        if share is None:
            return line
        basis = msg(
            "{basis}: {yearly:amount} a year {share}",
            basis=line.basis,
            yearly=to_cents(exact),
            share=share.basis,
        )
        return line._replace(amount=share.apply(exact), basis=basis)

    def price_of(self, offer: Offer, population: int, year: int) -> Decimal:
        """What ``offer`` bills this member in ``year`` at ``population``, written as the
        tariff says (no override, no proration): a credit's amount."""
        context = OfferYear(
            self.tariff,
            offer,
            self.member,
            population,
            year,
            "",
            NO_OVERRIDES,
            self.data,
            None,
            self.pools,
        )
        return sum((line.amount for line in part_lines(context)), ZERO)


def part_lines(context: OfferYear) -> list[Line]:
    """The lines of the offer's parts in order, each part given the lines above it. An
    override replaces the part it names, or (of the whole offer) its ``NEGOTIATED``
    parts by one line where the first of them stood; the other parts — a credit, units
    beyond an allowance, a floor — apply to what is billed as the tariff writes them."""
    offer, overrides = context.offer, context.overrides
    lines: list[Line] = []
    if overrides is NO_OVERRIDES:  # nearly every member and offer: no override to look up
        for part in offer.parts:
            if part.SHARED:
                lines.extend(_shared_lines(context, part))
            else:
                lines.extend(part.lines(context, lines))
        return lines
    negotiated = False
    for part in offer.parts:
        override = overrides.parts.get(part.code)
        if override is not None:
            line = context.line(part, override.amount, _overridden(override))
            lines.append(context.prorated(line, override.amount) if part.PRORATED else line)
        elif overrides.whole is not None and part.NEGOTIATED:
            if not negotiated:
                lines.append(_negotiated(context, overrides.whole))
                negotiated = True
        elif part.SHARED:
            lines.extend(_shared_lines(context, part))
        else:
            lines.extend(part.lines(context, lines))
    return lines


def _shared_lines(context: OfferYear, part: PartRule) -> Sequence[Line]:
    """The member's lines of a part shared between the members beforehand (a pool, budget
    lines by a key); the reason it could not be shared makes the member need review."""
    outcome = context.pools[(context.offer.id, part.code)]
    if outcome.problem is not None:
        raise MissingData(outcome.problem)
    return outcome.shares.get(context.member.id, ())


def _overridden(override: Override) -> Message:
    return msg("override: {reference}", reference=override.reference)


def _negotiated(context: OfferYear, override: Override) -> Line:
    offer = context.offer
    article = offer.review.article if offer.review else offer.article
    return Line(
        offer.id,
        NEGOTIATED,
        offer.label,
        override.amount,
        msg("negotiated amount, override: {reference}", reference=override.reference),
        article,
        context.titled,
    )


B = TypeVar("B", AmountBracket, QuantityBracket)


def population_bracket(brackets: Iterable[B], population: int) -> B | None:
    """The bracket that contains ``population`` (brackets are contiguous, checked on load)."""
    for bracket in brackets:
        if bracket.contains(population):
            return bracket
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (31/08 + 6 → 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def units_used(units: Sequence[ConsumedUnit], member: Member, year: int) -> Decimal:
    """The weighted quantity of ``units`` the member consumed in ``year``, each act rounded
    to its unit's step as the unit says. Fractions of a unit (1/3 day) are summed exactly;
    a sum no decimal writes is divided out once, at the end."""
    if not member.consumption:
        return ZERO  # most members: no act to count (asked twice of each member billed)
    by_id = {unit.id: unit for unit in units}
    acts = member.acts_in(year, by_id)
    if not any(isinstance(act.quantity, Fraction) for act in acts):
        return sum(
            (
                as_decimal(by_id[act.unit].billed(act.quantity)) * by_id[act.unit].weight
                for act in acts
            ),
            ZERO,
        )
    total = sum(
        (
            exact(by_id[act.unit].billed(act.quantity)) * exact(by_id[act.unit].weight)
            for act in acts
        ),
        Fraction(0),
    )
    return as_decimal(total)


def volume_shortfalls(
    units: Sequence[ConsumedUnit], context: OfferYear
) -> list[tuple[ConsumedUnit, Decimal | Fraction, Decimal | Fraction, Message]]:
    """The units of ``units`` whose contracted minimum (the member's subscription to the
    offer, for the year) the year's acts do not reach: each unit, the quantity consumed
    (rounded to its step as the unit says), the shortfall, and how a basis or a note says
    the volume."""
    found = []
    for unit in units:
        volume = context.member.volume_for(context.offer.id, unit.id, context.year)
        if volume is None or volume.minimum is None:
            continue
        consumed = sum(
            (
                exact(unit.billed(act.quantity))
                for act in context.member.acts_in(context.year, (unit.id,))
            ),
            Fraction(0),
        )
        if consumed >= volume.minimum:
            continue
        said = (
            msg(
                "contracted minimum of {minimum:number} ({reference})",
                minimum=volume.minimum,
                reference=volume.reference,
            )
            if volume.reference
            else msg("contracted minimum of {minimum:number}", minimum=volume.minimum)
        )
        found.append(
            (unit, as_quantity(consumed), as_quantity(exact(volume.minimum) - consumed), said)
        )
    return found


def shortfall_note(
    unit: ConsumedUnit, year: int, consumed: Decimal | Fraction, volume: Message
) -> Message:
    """A contracted minimum not reached that the tariff bills no shortfall for."""
    return msg(
        "{unit}: {consumed} consumed in {year:year}, below the {volume}; the tariff bills no "
        "shortfall (the unit does not say 'minimum_due')",
        unit=unit.label,
        consumed=said_quantity(consumed),
        year=year,
        volume=volume,
    )
