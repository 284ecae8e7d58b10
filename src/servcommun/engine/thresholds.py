"""Threshold effects of a contribution grid: where amounts jump with the population.

A bracket boundary is the first population of a new bracket (3000 for "de 3000 à 8000",
art. 7.1), or the first population above a review threshold (8001, art. 7.1 (*)). For a
member near one, the amounts on each side are computed by billing the member at those
populations with ``bill_member``, so they are the bill's own numbers, never a hand-made
difference of bracket amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from servcommun.engine.bill import bill_member, offers_held
from servcommun.engine.context import NO_DATA, ServiceData
from servcommun.engine.result import MemberRef, Statement
from servcommun.roster import Member, Subscription
from servcommun.tariff import Offer, Tariff
from servcommun.terms import Billing, Bracket

PROBE_ID = "99999"
"""Id of the member built to probe a tariff: 99 is INSEE's code for abroad, never a commune."""


@dataclass(frozen=True)
class Boundary:
    """A population where some amount of the tariff changes.

    ``first`` is the first population on the upper side (3000: 2999 is below, 3000
    above); ``parts`` the line codes whose bracket changes there (``audit.price``), or
    ``<offer>.review`` when the offer stops being computed (above 8000).
    """

    first: int
    parts: tuple[tuple[str, str], ...]  # (line code, article)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.parts)

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(article for _, article in self.parts))


class Direction(StrEnum):
    UP = "up"  # the member would cross by gaining inhabitants
    DOWN = "down"  # by losing them


@dataclass(frozen=True)
class NearBoundary:
    """A member within reach of a boundary, and what crossing it would change.

    ``below`` and ``above`` are the member's statement totals for the year at
    ``first - 1`` and ``first`` inhabitants; None where the member would need review.
    """

    member: MemberRef
    year: int
    boundary: Boundary
    direction: Direction
    distance: int
    amount_now: Decimal | None
    below: Decimal | None
    above: Decimal | None

    @property
    def jump(self) -> Decimal | None:
        """What crossing upwards adds (negative if the upper side is cheaper)."""
        if self.below is None or self.above is None:
            return None
        return self.above - self.below

    @property
    def change(self) -> Decimal | None:
        """What crossing in this member's direction does to its statement."""
        jump = self.jump
        if jump is None:
            return None
        return jump if self.direction is Direction.UP else -jump


@dataclass(frozen=True)
class CurveSegment:
    """One bracket of an offer's contribution curve: amounts at both ends, linear between
    them (fixed parts are constant in a bracket, per-inhabitant parts linear). ``review``
    when the offer is not computed there (amounts None)."""

    population_from: int
    population_to: int
    amount_from: Decimal | None
    amount_to: Decimal | None

    @property
    def review(self) -> bool:
        return self.amount_from is None


def boundaries(offers: Iterable[Offer]) -> tuple[Boundary, ...]:
    """Every population where an amount of ``offers`` changes, in increasing order: bracket
    starts of fixed amounts (art. 7.1, 7.2.1, 7.2.2) and allowances (art. 3.2), the end of a
    closed last bracket, and review thresholds (art. 7.1 (*))."""
    found: dict[int, list[tuple[str, str]]] = {}

    def add(first: int, code: str, article: str) -> None:
        if first > 1:
            found.setdefault(first, [])
            if (code, article) not in found[first]:
                found[first].append((code, article))

    for offer in offers:
        review = offer.review
        negotiated = (
            review.population_threshold + 1
            if review is not None and review.population_threshold is not None
            else None
        )
        for part in offer.parts:
            brackets = [bracket for _, table in part.population_tables() for bracket in table]
            for first in _bracket_starts(brackets):
                # a grid closing where the review starts (8000): the review is the change
                if first != negotiated:
                    add(first, f"{offer.id}.{part.code}", part.article)
        if review is not None and negotiated is not None:
            add(negotiated, f"{offer.id}.review", review.article)
    return tuple(Boundary(first, tuple(parts)) for first, parts in sorted(found.items()))


def _bracket_starts(brackets: Sequence[Bracket]) -> list[int]:
    starts = [bracket.from_ for bracket in brackets]
    ends = [bracket.to + 1 for bracket in brackets if bracket.to is not None]
    return sorted(set(starts) | set(ends))


def near_boundaries(
    tariff: Tariff,
    members: Sequence[Member],
    year: int,
    within: int,
    data: ServiceData = NO_DATA,
) -> tuple[NearBoundary, ...]:
    """Members active in ``year`` whose population is within ``within`` inhabitants of a
    boundary of the offers they hold, with their totals on each side. Boundaries that do
    not change what the member pays (an offer included in another) are left out."""
    if not data.members:  # a member's pool shares are shared with the others'
        data = replace(data, members=tuple(members))
    near: list[NearBoundary] = []
    for member in members:
        population = member.population_in(year)
        held = offers_held(tariff, member, year)
        if population is None or not held:
            continue
        for boundary in boundaries(held):
            if population < boundary.first:
                direction, distance = Direction.UP, boundary.first - population
            else:
                direction, distance = Direction.DOWN, population - boundary.first + 1
            if distance > within:
                continue
            below = statement_at(tariff, member, year, boundary.first - 1, data)
            above = statement_at(tariff, member, year, boundary.first, data)
            if _total(below) == _total(above):
                continue
            near.append(
                NearBoundary(
                    MemberRef(member.id, member.name, population),
                    year,
                    _billed_parts(boundary, below, above),
                    direction,
                    distance,
                    total_at(tariff, member, year, population, data),
                    _total(below),
                    _total(above),
                )
            )
    return tuple(near)


def _billed_parts(boundary: Boundary, *sides: Statement | None) -> Boundary:
    """The boundary, naming only the parts that bill this member (no extra-days bracket
    for a member using no extra days); a review threshold is always named."""
    billed = {line.code for side in sides if side is not None for line in side.lines}
    parts = tuple(
        (code, article)
        for code, article in boundary.parts
        if code in billed or code.endswith(".review")
    )
    return Boundary(boundary.first, parts or boundary.parts)


def statement_at(
    tariff: Tariff, member: Member, year: int, population: int, data: ServiceData = NO_DATA
) -> Statement | None:
    """The member's statement for ``year`` were its population ``population``; None when it
    would need review (or owe nothing that year)."""
    moved = member.model_copy(update={"population": {**member.population, year: population}})
    outcome = bill_member(tariff, moved, year, data)
    return outcome if isinstance(outcome, Statement) else None


def total_at(
    tariff: Tariff, member: Member, year: int, population: int, data: ServiceData = NO_DATA
) -> Decimal | None:
    """The member's statement total for ``year`` were its population ``population``."""
    return _total(statement_at(tariff, member, year, population, data))


def _total(statement: Statement | None) -> Decimal | None:
    return statement.total if statement is not None else None


def offer_curve(
    tariff: Tariff, offer_id: str, year: int, up_to: int, data: ServiceData = NO_DATA
) -> tuple[CurveSegment, ...]:
    """The contribution of a member holding ``offer_id`` alone, from 1 to ``up_to``
    inhabitants: one segment per bracket, its end amounts billed by ``bill_member``."""
    offer = tariff.offer(offer_id)
    if offer is None:
        raise KeyError(offer_id)  # the callers name offers of the tariff
    starts = [1, *(b.first for b in boundaries([offer]) if b.first <= up_to)]
    ends = [*(start - 1 for start in starts[1:]), up_to]
    probe = probe_member(offer, year)
    return tuple(
        CurveSegment(
            start,
            end,
            total_at(tariff, probe, year, start, data),
            total_at(tariff, probe, year, end, data),
        )
        for start, end in zip(starts, ends, strict=True)
        if start <= end
    )


def probe_member(offer: Offer, year: int, population: int = 1) -> Member:
    """A member holding ``offer`` alone from 1 January of ``year`` (delivered that day for a
    one-off service)."""
    first = dt.date(year, 1, 1)
    subscription = (
        Subscription(offer=offer.id, delivered=first)
        if offer.billing is Billing.ONE_OFF
        else Subscription(offer=offer.id, start=first)
    )
    return Member(
        id=PROBE_ID, name=offer.label, population={year: population}, subscriptions=(subscription,)
    )


def last_boundary(tariff: Tariff) -> int:
    """The highest boundary of the tariff (8001 for Redon), for choosing a plotting range."""
    found = boundaries(tariff.offers)
    return found[-1].first if found else 1
