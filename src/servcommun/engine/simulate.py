"""Simulation: what a prospective member would pay over the years, and what its joining
does to the service (revenue, staffing step, coverage).

The prospect is built as a roster ``Member`` and billed with ``bill_member`` year by
year, so that its schedule is made of the bill's own lines; the impact bills the whole
roster with and without it (``bill_members``). For a tariff naming its parties (cost sharing
by a key) the newcomer is a new party taking a share of the key, and each year's budget is
billed to the parties by ``bill_parties``. The units the newcomer is expected to consume
become acts of its consumption, and its attribution de compensation is recorded like a
roster's, so that unit prices, unit costs and a settlement by deduction are billed as on a
bill. Pure: the years to simulate are given, the clock is never read here. A message
names a field of the scenario (``ScenarioField``), never an option of the command line: the
command line says the field as its option.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from servcommun.budget import Budget
from servcommun.engine.bill import bill_member, bill_members
from servcommun.engine.context import NO_DATA, ServiceData, add_months
from servcommun.engine.parties import bill_parties
from servcommun.engine.result import Bill, Line, MemberRef, NeedsReview, Statement
from servcommun.engine.thresholds import PROBE_ID, NearBoundary, near_boundaries
from servcommun.message import Message, Unsaid, msg, msg_n
from servcommun.money import ZERO, has_cents_only
from servcommun.roster import Member, Subscription
from servcommun.tariff import Offer, Party, SettlementMode, Tariff
from servcommun.terms import Act, Billing

MAX_YEARS = 30  # a convention runs for a mandate; past this the request is a typo
NEW_PARTY_ID = "nouvelle-partie"
"""The id of a new party simulated without a name (the same in every language)."""


class ScenarioField(StrEnum):
    """A field of the ``Scenario`` (its value is the attribute's name), as a message of the
    simulation names it: the front end says it as its user gives it — the command line
    as its option (``join`` → ``--join``)."""

    OFFERS = "offers"
    FROM_YEAR = "from_year"
    TO_YEAR = "to_year"
    POPULATION = "population"
    NAME = "name"
    BASE_MEMBER = "base_member"
    AUDIT = "audit"
    JOIN = "join"
    DAYS = "days"
    SHARE = "share"
    TAKE_FROM = "take_from"
    ACTS = "acts"
    ATTRIBUTION = "attribution"


@dataclass(frozen=True)
class FieldToGive:
    """A field the user is told to give, with its value: the command line says its option
    and what it takes (``--share PERCENT``)."""

    field: ScenarioField

    def __str__(self) -> str:  # said with no front end to say it: the field's name
        return str(self.field)


class ScenarioError(Unsaid):
    """The scenario cannot be simulated as asked (unknown offer, no population…): its
    explanation is a ``Message`` (``.message``)."""


@dataclass(frozen=True)
class Scenario:
    """What the analyst asks: who joins, which offers, when, over which years.

    ``audit``: the day the one-off offers (the audit) are delivered; ``join``: the day
    the annual offers start (default: 1 January of ``from_year``); ``days``: engineering
    days expected each year; ``base_member``: the id of a roster member to start from
    (its name, population, subscriptions, consumption and attribution de compensation),
    instead of a new commune; ``acts``: the quantity of each unit expected each year (unit
    id, quantity), replacing a roster member's own acts of those units in the years
    simulated; ``attribution``: the attribution de compensation, the same every year.
    """

    offers: tuple[str, ...]
    from_year: int
    to_year: int
    population: int | None = None
    name: str | None = None
    base_member: str | None = None
    audit: dt.date | None = None
    join: dt.date | None = None
    days: Decimal | None = None
    share: Decimal | None = None  # cost sharing: the newcomer's percentage of the key
    take_from: str | None = None  # cost sharing: the party giving it (default: the carrier)
    acts: tuple[tuple[str, Decimal], ...] = ()  # (unit id, quantity a year)
    attribution: Decimal | None = None  # attribution de compensation, every year


@dataclass(frozen=True)
class ExpectedActs:
    """The acts of ``unit`` the newcomer is expected to consume: ``quantity`` a year, billed
    by ``offer``, dated on the first day the member holds it in each year (``dates``)."""

    unit: str
    label: str
    offer: str
    quantity: Decimal
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class ScheduleYear:
    """What the member owes for ``year``: its statement, or why it needs review."""

    year: int
    statement: Statement | None
    review: NeedsReview | None = None

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.statement.lines if self.statement else ()

    @property
    def total(self) -> Decimal:
        return self.statement.total if self.statement else ZERO


@dataclass(frozen=True)
class CreditOutcome:
    """Art. 7.2.1: whether the audit is deducted from the first year of the socle complet.

    The window runs from the audit's delivery to ``window_end`` (6 months later);
    ``applied`` is the credit deducted (in ``applied_year``), ``lost`` what joining
    outside the window forgoes, as the engine computes it for a join inside it.
    """

    offer: str
    source_offer: str
    code: str
    article: str
    delivered: dt.date
    join: dt.date
    window_end: dt.date
    applied: Decimal
    applied_year: int | None
    lost: Decimal

    @property
    def too_early(self) -> bool:
        return self.join < self.delivered

    @property
    def too_late(self) -> bool:
        return self.join > self.window_end


@dataclass(frozen=True)
class StepCrossing:
    """The newcomer moves the service to another staffing step (art. 7)."""

    rank: int  # the newcomer is the rank-th member of the counted offer
    fte_before: Decimal
    fte_after: Decimal
    extra_cost: Decimal


@dataclass(frozen=True)
class ServiceImpact:
    """The service in ``year`` without and with the newcomer."""

    year: int
    members_before: int
    members_after: int
    revenue_before: Decimal
    revenue_after: Decimal
    counted_offer: str | None
    counted_before: int
    counted_after: int
    fte_before: Decimal | None
    fte_after: Decimal | None
    staff_cost_before: Decimal | None
    staff_cost_after: Decimal | None
    coverage_before: Decimal | None
    coverage_after: Decimal | None
    reference: str | None
    step: StepCrossing | None
    parties: tuple[PartyChange, ...] = ()  # cost sharing: every party before and after


@dataclass(frozen=True)
class PartyChange:
    """Cost sharing: what one party bears in the impact year without and with the newcomer
    (``billed`` False for the carrier, whose own share is not billed)."""

    id: str
    name: str
    before: Decimal
    after: Decimal
    billed: bool


@dataclass(frozen=True)
class KeyChange:
    """Cost sharing: the newcomer's ``share`` of the key, taken from ``take_from``."""

    party: str
    take_from: str
    share: Decimal
    before: tuple[tuple[str, Decimal], ...]
    after: tuple[tuple[str, Decimal], ...]
    reference: str


@dataclass(frozen=True)
class Simulation:
    """A newcomer's schedule (a statement per year), and what it does to the service."""

    member: MemberRef
    existing: bool
    scenario: Scenario
    offers: tuple[str, ...]  # the offers simulated, implied ones included
    one_off: tuple[str, ...]  # those of them delivered once (the audit)
    delivered: dt.date | None  # delivery of the one-off offers
    join: dt.date | None  # start of the annual offers
    years: tuple[ScheduleYear, ...]
    credits: tuple[CreditOutcome, ...]
    impact: ServiceImpact
    near: tuple[NearBoundary, ...]
    notes: tuple[Message, ...]
    key: KeyChange | None = None  # cost sharing only
    acts: tuple[ExpectedActs, ...] = ()  # the units expected each year (scenario.acts)
    # no name given to a new commune or party: ``member.name`` is then its id, and a
    # renderer says a name in the reader's language (« Nouvelle commune »)
    unnamed: bool = False

    @property
    def total(self) -> Decimal:
        return sum((year.total for year in self.years), ZERO)


def simulate(
    tariff: Tariff,
    roster: Sequence[Member],
    scenario: Scenario,
    *,
    within: int = 100,
    data: ServiceData = NO_DATA,
) -> Simulation:
    """The yearly schedule of a prospective member from ``scenario.from_year`` to
    ``to_year`` (art. 7: one statement per year, one-off audit included), the audit credit
    won or lost (art. 7.2.1), the service before and after its joining (art. 7 staffing
    steps), and the bracket boundaries within ``within`` inhabitants of its population.
    ``data``: the index values the tariff's indexed parts need, the budgets of the years.
    """
    _check_years(scenario)
    if not data.members:  # the prospect's pool shares are shared with the roster's
        data = replace(data, members=tuple(roster))
    notes: list[Message] = []
    offers = _offers(tariff, scenario, notes)
    annual = [offer for offer in offers if offer.billing is Billing.ANNUAL]
    one_off = [offer for offer in offers if offer.billing is Billing.ONE_OFF]
    first_day = dt.date(scenario.from_year, 1, 1)
    join = (scenario.join or first_day) if annual else None
    delivered = None
    if one_off:
        delivered = scenario.audit or scenario.join or first_day
        if scenario.audit is None and scenario.join:
            notes.append(
                msg(
                    "{offers}: no {option} date, delivered on the join date ({day:date})",
                    offers=_labels(one_off),
                    option=ScenarioField.AUDIT,
                    day=delivered,
                )
            )
        elif scenario.audit is None:
            notes.append(
                msg(
                    "{offers}: no {option} date, delivered on 1 January {year:year} ({day:date})",
                    offers=_labels(one_off),
                    option=ScenarioField.AUDIT,
                    year=scenario.from_year,
                    day=delivered,
                )
            )
    if scenario.join is not None and not annual and scenario.audit is not None:
        notes.append(
            msg("{option} is not used: no annual offer is simulated", option=ScenarioField.JOIN)
        )
    shown = range(scenario.from_year, scenario.to_year + 1)
    if delivered is not None and delivered.year not in shown:
        notes.append(
            msg(
                "delivered on {day:date}, outside the years shown ({first:year}–{last:year})",
                day=delivered,
                first=scenario.from_year,
                last=scenario.to_year,
            )
        )
    if join is not None and join.year not in shown:
        notes.append(
            msg(
                "joined on {day:date}, outside the years shown ({first:year}–{last:year})",
                day=join,
                first=scenario.from_year,
                last=scenario.to_year,
            )
        )

    base = _base_member(roster, scenario)
    scenario = _days_as_acts(tariff, scenario)
    units = consumed_units(tariff)
    _check_units(scenario, units)
    years = range(scenario.from_year, scenario.to_year + 1)
    prospect = _prospect(tariff, roster, scenario, base, annual, one_off, join, delivered, notes)
    prospect, expected = _expected_consumption(tariff, prospect, scenario, base, units, notes)
    schedule = tuple(_schedule_year(tariff, prospect, year, data) for year in years)
    credits = tuple(_credit_outcomes(tariff, prospect, annual, one_off, delivered, data))
    active_years = [entry.year for entry in schedule if entry.statement or entry.review]
    impact_year = active_years[0] if active_years else scenario.from_year
    impact = _impact(tariff, roster, base, prospect, impact_year, notes, data)
    population = prospect.population_in(impact_year) or (
        prospect.population[max(prospect.population)] if prospect.population else None
    )
    return Simulation(
        member=MemberRef(base.id if base else "", prospect.name, population),
        existing=base is not None,
        scenario=scenario,
        offers=tuple(offer.id for offer in offers),
        one_off=tuple(offer.id for offer in one_off),
        delivered=delivered,
        join=join,
        years=schedule,
        credits=credits,
        impact=impact,
        near=near_boundaries(tariff, [prospect], impact_year, within, data),
        notes=tuple(notes),
        acts=expected,
        unnamed=base is None and not scenario.name,
    )


# -- cost sharing: a new party taking a share of the key ---------------------------------


def simulate_sharing(
    tariffs: Mapping[int, Tariff], budgets: Mapping[int, Budget], scenario: Scenario
) -> Simulation:
    """A new party of a cost-sharing service (DESIGN §2.2): from the year of
    ``scenario.join`` it takes ``scenario.share`` percent of the key, given up by
    ``scenario.take_from`` (default: the carrier, whose share is what the others leave);
    each year's budget is billed by ``bill_parties`` with the new key, so the schedule is the
    bill's own lines. ``tariffs`` and ``budgets`` give the version and the cost of each
    year; a budget of an earlier year stands for a year that has none (said in the notes).
    """
    _check_window(scenario)
    if scenario.share is None:
        raise ScenarioError(
            msg(
                "a cost-sharing service takes a new party with {option} (its part of the key)",
                option=FieldToGive(ScenarioField.SHARE),
            )
        )
    given = tuple(
        msg("{option}", option=field)
        for field, value in (
            (ScenarioField.OFFERS, scenario.offers),
            (ScenarioField.POPULATION, scenario.population),
            (ScenarioField.BASE_MEMBER, scenario.base_member),
            (ScenarioField.AUDIT, scenario.audit),
            (ScenarioField.DAYS, scenario.days),
            (ScenarioField.ACTS, scenario.acts),
            (ScenarioField.ATTRIBUTION, scenario.attribution is not None),
        )
        if value
    )
    if given:
        raise ScenarioError(
            msg(
                "{options}: for contribution grids; a cost-sharing party is simulated "
                "with {share} (and {take_from}, {join})",
                options=given,
                share=ScenarioField.SHARE,
                take_from=ScenarioField.TAKE_FROM,
                join=ScenarioField.JOIN,
            )
        )
    notes: list[Message] = []
    party_id = _slug(scenario.name or "")  # the same id in every language
    name = scenario.name or party_id  # unnamed: a renderer names it
    join = scenario.join or dt.date(scenario.from_year, 1, 1)
    if join.month != 1 or join.day != 1:
        notes.append(
            msg(
                "joined on {day:date}: the key applies to the whole of {year:year} "
                "(the tariff has no proration)",
                day=join,
                year=join.year,
            )
        )
    schedule: list[ScheduleYear] = []
    key: KeyChange | None = None
    bills: dict[int, tuple[Bill, Bill]] = {}
    for year in range(scenario.from_year, scenario.to_year + 1):
        tariff, budget = tariffs[year], budgets[year]
        if budget.year != year:
            notes.append(
                msg(
                    "no {year:year} budget: the {used:year} budget stands for it",
                    year=year,
                    used=budget.year,
                )
            )
            budget = budget.model_copy(update={"year": year})
        before = bill_parties(tariff, budget)
        if year < join.year:
            schedule.append(ScheduleYear(year, None))
            bills[year] = (before, before)
            continue
        widened, change = _with_party(
            tariff, party_id, name, scenario.share, scenario.take_from, year
        )
        key = key or change
        after = bill_parties(widened, budget)
        statement = next(s for s in after.statements if s.member.id == party_id)
        schedule.append(ScheduleYear(year, statement))
        bills[year] = (before, after)
    impact_year = join.year if join.year in bills else scenario.from_year
    before, after = bills[impact_year]
    return Simulation(
        member=MemberRef(party_id, name, None),
        existing=False,
        scenario=scenario,
        offers=(),
        one_off=(),
        delivered=None,
        join=join,
        years=tuple(schedule),
        credits=(),
        impact=_sharing_impact(before, after, impact_year),
        near=(),
        notes=tuple(notes),
        key=key,
        unnamed=not scenario.name,
    )


def _with_party(
    tariff: Tariff,
    party_id: str,
    name: str,
    share: Decimal,
    take_from: str | None,
    year: int | None = None,
) -> tuple[Tariff, KeyChange]:
    """The tariff with the new party among its parties and in the key its budget lines are
    shared by (for a key dated by year, its shares in force in ``year``), its share taken
    from ``take_from`` (default: the carrier)."""
    key = tariff.shared_key()
    if key is None:
        raise ScenarioError(
            msg("this service's tariff has no key a new party could take a share of")
        )
    if key.computed is not None:
        raise ScenarioError(
            msg(
                "this service's key is computed each year from its agents' time: "
                "a new party comes in through the budget's agents, not {option}",
                option=ScenarioField.SHARE,
            )
        )
    shares = key.shares
    if key.shares_by_year:
        entry = key.entry_in(year) if year is not None else None
        if entry is None:
            raise ScenarioError(
                msg(
                    "the key '{key}' has no shares in force in {year:year}",
                    key=key.id,
                    year=year or 0,
                )
            )
        shares = entry.shares
    carrier = tariff.carrier
    giver = take_from or (carrier.id if carrier is not None else None)
    if giver is None:
        raise ScenarioError(
            msg(
                "the tariff names no carrier: say which party gives the share ({option})",
                option=ScenarioField.TAKE_FROM,
            )
        )
    if tariff.party(party_id) is not None:
        raise ScenarioError(
            msg(
                "'{party}' is already a party: give the newcomer another {option}",
                party=party_id,
                option=ScenarioField.NAME,
            )
        )
    if giver not in shares:
        raise ScenarioError(
            msg(
                "{option} {party}: not a party of the key ({parties})",
                option=ScenarioField.TAKE_FROM,
                party=giver,
                parties=", ".join(shares),
            )
        )
    if share <= ZERO:
        raise ScenarioError(
            msg("{option} must be a positive percentage", option=ScenarioField.SHARE)
        )
    if share != share.quantize(key.precision):
        raise ScenarioError(
            msg(
                "{option} {share:decimal}: the key is written to {precision:decimal} point",
                option=ScenarioField.SHARE,
                share=share,
                precision=key.precision,
            )
        )
    share = share.quantize(key.precision)
    if share > shares[giver]:
        raise ScenarioError(
            msg(
                "{option} {share:decimal} is more than the {available:percent} {party} has to give",
                option=ScenarioField.SHARE,
                share=share,
                available=shares[giver],
                party=giver,
            )
        )
    after = {**shares, giver: shares[giver] - share, party_id: share}
    widened = tariff.model_copy(
        update={
            "parties": (*tariff.parties, Party(id=party_id, name=name)),
            "keys": tuple(
                other.model_copy(update={"shares": after, "shares_by_year": ()})
                if other.id == key.id
                else other
                for other in tariff.keys
            ),
        }
    )
    return widened, KeyChange(
        party_id, giver, share, tuple(shares.items()), tuple(after.items()), key.article
    )


def _sharing_impact(before: Bill, after: Bill, year: int) -> ServiceImpact:
    totals = {s.member.id: s.total for s in before.statements}
    parties = tuple(
        PartyChange(s.member.id, s.member.name, totals.get(s.member.id, ZERO), s.total, s.billed)
        for s in after.statements
    )
    return ServiceImpact(
        year=year,
        members_before=len(before.statements),
        members_after=len(after.statements),
        revenue_before=before.total,
        revenue_after=after.total,
        counted_offer=None,
        counted_before=0,
        counted_after=0,
        fte_before=None,
        fte_after=None,
        staff_cost_before=None,
        staff_cost_after=None,
        coverage_before=None,
        coverage_after=None,
        reference=None,
        step=None,
        parties=parties,
    )


def _slug(name: str) -> str:
    """A party id from its name: ``Syndicat des eaux`` → ``syndicat-des-eaux``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or NEW_PARTY_ID


def _check_window(scenario: Scenario) -> None:
    if scenario.to_year < scenario.from_year:
        raise ScenarioError(
            msg(
                "{option} {to_year:year} is before {other} {from_year:year}",
                option=ScenarioField.TO_YEAR,
                to_year=scenario.to_year,
                other=ScenarioField.FROM_YEAR,
                from_year=scenario.from_year,
            )
        )
    if scenario.to_year - scenario.from_year >= MAX_YEARS:
        raise ScenarioError(
            msg_n(
                "at most {years:count} year can be simulated at once",
                "at most {years:count} years can be simulated at once",
                n="years",
                years=MAX_YEARS,
            )
        )


def _check_years(scenario: Scenario) -> None:
    _check_window(scenario)
    if scenario.share is not None or scenario.take_from is not None:
        raise ScenarioError(
            msg(
                "{share} and {take_from}: for cost-sharing services; a contribution grid "
                "is simulated with {offers}",
                share=ScenarioField.SHARE,
                take_from=ScenarioField.TAKE_FROM,
                offers=ScenarioField.OFFERS,
            )
        )
    if scenario.population is not None and scenario.population <= 0:
        raise ScenarioError(
            msg(
                "{option} must be a positive number of inhabitants",
                option=ScenarioField.POPULATION,
            )
        )
    if scenario.population is None and scenario.base_member is None:
        raise ScenarioError(
            msg(
                "give {population} (a new commune) or {member} (a member of the roster)",
                population=FieldToGive(ScenarioField.POPULATION),
                member=FieldToGive(ScenarioField.BASE_MEMBER),
            )
        )
    if scenario.days is not None and scenario.days < ZERO:
        raise ScenarioError(msg("{option} must not be negative", option=ScenarioField.DAYS))
    named = [unit for unit, _ in scenario.acts]
    twice = sorted({unit for unit in named if named.count(unit) > 1})
    if twice:
        raise ScenarioError(
            msg(
                "{option} {units} given more than once: give each unit once, with its "
                "quantity for the year",
                option=ScenarioField.ACTS,
                units=", ".join(twice),
            )
        )
    negative = tuple(
        msg("{unit}={quantity:decimal}", unit=unit, quantity=quantity)
        for unit, quantity in scenario.acts
        if quantity < ZERO
    )
    if negative:
        raise ScenarioError(
            msg(
                "{option} {acts}: a quantity is not negative",
                option=ScenarioField.ACTS,
                acts=negative,
            )
        )
    if scenario.attribution is not None and not has_cents_only(scenario.attribution):
        raise ScenarioError(
            msg(
                "{option} {amount:amount}: an amount is exact to the cent",
                option=ScenarioField.ATTRIBUTION,
                amount=scenario.attribution,
            )
        )


def _offers(tariff: Tariff, scenario: Scenario, notes: list[Message]) -> list[Offer]:
    """The offers asked for, in the tariff's order; an ``audit`` date implies the offer it
    dates."""
    known = ", ".join(offer.id for offer in tariff.offers)
    if not scenario.offers:
        raise ScenarioError(
            msg(
                "give at least one {option} (offers: {known})",
                option=ScenarioField.OFFERS,
                known=known,
            )
        )
    unknown = [name for name in scenario.offers if tariff.offer(name) is None]
    if unknown:
        raise ScenarioError(
            msg_n(
                "unknown offer {offers} (offers: {known})",
                "unknown offers {offers} (offers: {known})",
                n="count",
                count=len(unknown),
                offers=", ".join(unknown),
                known=known,
            )
        )
    wanted = set(scenario.offers)
    if scenario.audit is not None and not any(
        offer.billing is Billing.ONE_OFF for offer in tariff.offers if offer.id in wanted
    ):
        implied = _dated_offer(tariff, wanted)
        wanted.add(implied.id)
        notes.append(
            msg(
                "{option} implies the offer '{offer}' ({label}), delivered on that date",
                option=ScenarioField.AUDIT,
                offer=implied.id,
                label=implied.label,
            )
        )
    return [offer for offer in tariff.offers if offer.id in wanted]


def _dated_offer(tariff: Tariff, wanted: set[str]) -> Offer:
    """The one-off offer an ``audit`` date stands for: the one a chosen offer credits
    (art. 7.2.1), else the tariff's only one-off offer."""
    for offer in tariff.offers:
        if offer.id in wanted:
            for part in offer.parts:
                credits = part.credits()
                source = tariff.offer(credits[0]) if credits is not None else None
                if source is not None and source.billing is Billing.ONE_OFF:
                    return source
    one_off = [offer for offer in tariff.offers if offer.billing is Billing.ONE_OFF]
    if len(one_off) == 1:
        return one_off[0]
    if not one_off:
        raise ScenarioError(
            msg(
                "{option} dates a one-off offer, and this tariff has no such offer",
                option=ScenarioField.AUDIT,
            )
        )
    raise ScenarioError(
        msg_n(
            "{option} dates a one-off offer, and this tariff has {count:count} such offer: "
            "name it with {other}",
            "{option} dates a one-off offer, and this tariff has {count:count} such offers: "
            "name it with {other}",
            n="count",
            option=ScenarioField.AUDIT,
            count=len(one_off),
            other=ScenarioField.OFFERS,
        )
    )


def _base_member(roster: Sequence[Member], scenario: Scenario) -> Member | None:
    if scenario.base_member is None:
        return None
    found = next((m for m in roster if m.id == scenario.base_member), None)
    if found is None:
        raise ScenarioError(msg("no member {member} in the roster", member=scenario.base_member))
    return found


def _prospect(
    tariff: Tariff,
    roster: Sequence[Member],
    scenario: Scenario,
    base: Member | None,
    annual: Sequence[Offer],
    one_off: Sequence[Offer],
    join: dt.date | None,
    delivered: dt.date | None,
    notes: list[Message],
) -> Member:
    """The member to bill: a new commune, or a roster member with the offers added."""
    dates = [d for d in (join, delivered) if d is not None]
    first_year = min([scenario.from_year, *(d.year for d in dates)])
    years = range(first_year, scenario.to_year + 1)
    subscriptions = list(base.subscriptions) if base else []
    for offer in annual:
        assert join is not None
        already = [
            s
            for s in subscriptions
            if s.offer == offer.id and s.start and (s.end is None or s.end >= join)
        ]
        if already:
            notes.append(
                msg(
                    "{member} already holds '{offer}' since {day:date}: kept as it is",
                    member=base.name if base else msg("the member"),
                    offer=offer.id,
                    day=already[0].start,
                )
            )
            continue
        subscriptions.append(Subscription(offer=offer.id, start=join))
    subscriptions.extend(Subscription(offer=offer.id, delivered=delivered) for offer in one_off)
    if base is None:
        assert scenario.population is not None  # checked with the years
        population = {year: scenario.population for year in years}
        # an id no commune has (99: INSEE's code for abroad), free in this roster
        taken = {member.id for member in roster}
        member_id = next(str(n) for n in range(int(PROBE_ID), 0, -1) if str(n) not in taken)
        newcomer = Member(
            id=member_id,
            name=scenario.name or member_id,  # unnamed: a renderer names it
            population=population,
            subscriptions=tuple(subscriptions),
        )
        return _with_attribution(tariff, newcomer, scenario, None, years, notes)
    population = _carried_forward(base, years)
    if population != base.population:
        last = max(base.population)
        notes.append(
            msg(
                "{member}: population {population:count} of {year:year} carried forward "
                "to the later years",
                member=base.name,
                population=base.population[last],
                year=last,
            )
        )
    if scenario.population is not None:
        population = {**population, **{year: scenario.population for year in years}}
    member = base.model_copy(
        update={
            "name": scenario.name or base.name,
            "population": population,
            "subscriptions": tuple(subscriptions),
        }
    )
    return _with_attribution(tariff, member, scenario, base, years, notes)


def _with_attribution(
    tariff: Tariff,
    member: Member,
    scenario: Scenario,
    base: Member | None,
    years: range,
    notes: list[Message],
) -> Member:
    """The member with the attribution de compensation its statements are settled on
    (CGCT art. L5211-4-2): the scenario's ``attribution`` for every year a statement of
    ``years`` reads (the billed year or the next, as the tariff says); else a roster
    member's own, its last known one carried forward to the later years, as its population
    is (said in a note)."""
    rule = tariff.settlement
    mode = member.settlement or (rule.mode if rule is not None else None)
    deducted = mode is SettlementMode.ATTRIBUTION_DEDUCTION
    later = 1 if rule is not None and rule.attribution_year == "next" else 0
    read = [year + later for year in years]
    who = base.name if base is not None else msg("the newcomer")
    if scenario.attribution is not None:
        if mode is SettlementMode.REVENUE_TITLE:
            notes.append(
                msg(
                    "{option} is not used: {member} settles by a title of revenue",
                    option=ScenarioField.ATTRIBUTION,
                    member=who,
                )
            )
        elif not deducted:
            notes.append(
                msg(
                    "{option} is not used: {member} settles without a deduction from the "
                    "attribution de compensation",
                    option=ScenarioField.ATTRIBUTION,
                    member=who,
                )
            )
        return member.model_copy(
            update={
                "attribution_compensation": {
                    **member.attribution_compensation,
                    **{year: scenario.attribution for year in read},
                }
            }
        )
    if not deducted:
        return member
    own = member.attribution_compensation
    if not own:
        if rule is not None:
            notes.append(
                msg(
                    "{member} settles by deduction from its attribution de compensation "
                    "({article}): give it with {option}",
                    member=who,
                    article=rule.article,
                    option=FieldToGive(ScenarioField.ATTRIBUTION),
                )
            )
        else:
            notes.append(
                msg(
                    "{member} settles by deduction from its attribution de compensation: "
                    "give it with {option}",
                    member=who,
                    option=FieldToGive(ScenarioField.ATTRIBUTION),
                )
            )
        return member
    last = max(own)
    carried = [year for year in read if year > last]
    if not carried:
        return member
    notes.append(
        msg(
            "{member}: attribution de compensation {amount:amount} of {year:year} carried "
            "forward to {years}",
            member=who,
            amount=own[last],
            year=last,
            years=_years(carried),
        )
    )
    return member.model_copy(
        update={"attribution_compensation": {**own, **{year: own[last] for year in carried}}}
    )


def consumed_units(tariff: Tariff) -> dict[str, tuple[str, str]]:
    """Unit id → (the offer billing it, its label): the units a member consumes that the
    tariff bills (a ``unit-price`` or ``unit-cost`` part) or that a pool counts (a layer
    shared by units used), in the tariff's order; a unit-price part's own offer first."""
    units: dict[str, tuple[str, str]] = {}
    for offer in tariff.offers:
        for part in offer.parts:
            # a unit is priced by one part (check), and may be counted by others
            units.update((unit.id, (offer.id, unit.label)) for unit in part.priced_units())
            for unit in part.counted_units():
                units.setdefault(unit.id, (offer.id, unit.label))
    return units


def _days_as_acts(tariff: Tariff, scenario: Scenario) -> Scenario:
    """The scenario's ``days``: the days expected each year of the unit counted against a
    yearly allowance (art. 7.1.1: engineering days beyond the level-1 allowance), as its
    ``acts`` would give them."""
    if scenario.days is None:
        return scenario
    unit = next((u.id for _, part in tariff.parts() for u in part.allowance_units()), None)
    if unit is None:
        raise ScenarioError(
            msg(
                "{option}: this tariff counts no days against an allowance: give the units "
                "expected with {acts}",
                option=ScenarioField.DAYS,
                acts=FieldToGive(ScenarioField.ACTS),
            )
        )
    if any(named == unit for named, _ in scenario.acts):
        raise ScenarioError(
            msg(
                "{option} and {other} {unit} give the same days: give one of them",
                option=ScenarioField.DAYS,
                other=ScenarioField.ACTS,
                unit=unit,
            )
        )
    return replace(scenario, acts=(*scenario.acts, (unit, scenario.days)), days=None)


def _check_units(scenario: Scenario, units: Mapping[str, tuple[str, str]]) -> None:
    unknown = [unit for unit, _ in scenario.acts if unit not in units]
    if not unknown:
        return
    import difflib  # only for a misspelt unit

    close = difflib.get_close_matches(unknown[0], list(units), n=1, cutoff=0.75)
    known = (
        msg("units: {units}", units=", ".join(units))
        if units
        else msg("this tariff bills no units")
    )
    if close:
        raise ScenarioError(
            msg_n(
                "{option}: unknown unit {unknown} — did you mean '{unit}'? ({known})",
                "{option}: unknown units {unknown} — did you mean '{unit}'? ({known})",
                n="count",
                option=ScenarioField.ACTS,
                count=len(unknown),
                unknown=", ".join(unknown),
                unit=close[0],
                known=known,
            )
        )
    raise ScenarioError(
        msg_n(
            "{option}: unknown unit {unknown} ({known})",
            "{option}: unknown units {unknown} ({known})",
            n="count",
            option=ScenarioField.ACTS,
            count=len(unknown),
            unknown=", ".join(unknown),
            known=known,
        )
    )


def _expected_consumption(
    tariff: Tariff,
    member: Member,
    scenario: Scenario,
    base: Member | None,
    units: Mapping[str, tuple[str, str]],
    notes: list[Message],
) -> tuple[Member, tuple[ExpectedActs, ...]]:
    """The member with the acts the scenario expects each simulated year, in place of a roster
    member's own acts of those units in those years.

    The acts of a year are dated on the first day the member holds the offer billing them
    that year (its join date in the first year, 1 January after): a simulation knows how
    many acts a year, not when, and one plain date makes the bill's rules read simply —
    the price in force on that day applies to them all, and the year's free units are
    theirs first. A price list changing later in the year is said in a note."""
    years = range(scenario.from_year, scenario.to_year + 1)
    named = {unit for unit, _ in scenario.acts}
    if base is not None:
        _say_unrecorded(base, units, named, years, notes)
    if not scenario.acts:
        return member, ()
    kept = [act for act in member.consumption if not (act.unit in named and act.date.year in years)]
    added: list[Act] = []
    expected: list[ExpectedActs] = []
    for unit, quantity in scenario.acts:
        offer_id, label = units[unit]
        offer = tariff.offer(offer_id)
        assert offer is not None  # the units come from the tariff's offers
        if not any(s.offer == offer_id for s in member.subscriptions):
            raise ScenarioError(
                msg(
                    "{option} {unit}: billed by the offer '{offer}', which {member} does not "
                    "hold: add {offers} {offer}",
                    option=ScenarioField.ACTS,
                    offers=ScenarioField.OFFERS,
                    unit=unit,
                    offer=offer_id,
                    member=base.name if base else msg("the newcomer"),
                )
            )
        dates = tuple(
            day for year in years if (day := _first_day_held(member, offer, year)) is not None
        )
        if quantity > ZERO:
            added.extend(
                Act(unit=unit, date=day, quantity=quantity, reference="expected (simulation)")
                for day in dates
            )
        expected.append(ExpectedActs(unit, label, offer_id, quantity, dates))
    days = sorted({day for entry in expected for day in entry.dates})
    if days:
        notes.append(
            msg(
                "the acts expected each year ({option}) are dated on the first day of "
                "membership of the year ({days}): billed at the price in force that day, "
                "the year's free units first",
                option=ScenarioField.ACTS,
                days=_dates(days),
            )
        )
    notes.extend(_later_prices(tariff, expected))
    if base is not None and len(kept) < len(member.consumption) and len(years) == 1:
        notes.append(
            msg(
                "{member}: its own acts of {units} in {year:year} replaced by those expected "
                "({option})",
                member=base.name,
                units=", ".join(sorted(named)),
                year=years.start,
                option=ScenarioField.ACTS,
            )
        )
    elif base is not None and len(kept) < len(member.consumption):
        notes.append(
            msg(
                "{member}: its own acts of {units} in {first:year}–{last:year} replaced by "
                "those expected ({option})",
                member=base.name,
                units=", ".join(sorted(named)),
                first=years.start,
                last=years.stop - 1,
                option=ScenarioField.ACTS,
            )
        )
    return member.model_copy(update={"consumption": (*kept, *added)}), tuple(expected)


def _first_day_held(member: Member, offer: Offer, year: int) -> dt.date | None:
    """The first day of ``year`` the member holds ``offer`` (an annual subscription running,
    a one-off delivery), or None."""
    held = [s for s in member.subscriptions if s.offer == offer.id]
    if offer.billing is Billing.ONE_OFF:
        days = [s.delivered for s in held if s.delivered is not None and s.delivered.year == year]
    else:
        first = dt.date(year, 1, 1)
        days = [max(s.start, first) for s in held if s.start is not None and s.active_in(year)]
    return min(days, default=None)


def _later_prices(tariff: Tariff, expected: Sequence[ExpectedActs]) -> list[Message]:
    """A note for each price of a unit-price part taking effect after the expected acts'
    date in the same year: those acts are billed at the price before it."""
    said: list[Message] = []
    for offer in tariff.offers:
        for part in offer.parts:
            ids = {unit.id for unit in part.priced_units()}
            if not ids:
                continue
            days = sorted(
                {
                    day
                    for entry in expected
                    if entry.unit in ids and entry.quantity
                    for day in entry.dates
                }
            )
            for day in days:
                for entry in part.price_list():
                    if day < entry.from_ and entry.from_.year == day.year:
                        said.append(_later_price(part.label, day, entry.from_, entry.reference))
    return said


def _later_price(part: str, day: dt.date, start: dt.date, reference: str) -> Message:
    if reference:
        return msg(
            "{part}: the {year:year} acts, dated {day:date}, are billed at the price before "
            "the one from {start:date} ({reference})",
            part=part,
            year=day.year,
            day=day,
            start=start,
            reference=reference,
        )
    return msg(
        "{part}: the {year:year} acts, dated {day:date}, are billed at the price before "
        "the one from {start:date}",
        part=part,
        year=day.year,
        day=day,
        start=start,
    )


def _say_unrecorded(
    base: Member,
    units: Mapping[str, tuple[str, str]],
    named: set[str],
    years: range,
    notes: list[Message],
) -> None:
    """A roster member's acts are the ones recorded: the simulated years after the last of
    them bill none (unless the scenario's ``acts`` give them)."""
    recorded = {
        act.date.year for act in base.consumption if act.unit in units and act.unit not in named
    }
    if not recorded:
        return
    last = max(recorded)
    after = [year for year in years if year > last]
    if after:
        notes.append(
            msg(
                "{member}: acts recorded up to {last:year} only, none in {years} "
                "(give the expected ones with {option})",
                member=base.name,
                option=FieldToGive(ScenarioField.ACTS),
                last=last,
                years=_years(after),
            )
        )


def _carried_forward(member: Member, years: range) -> dict[int, int]:
    """The member's populations, the last known one carried to later years without one
    (a simulation looks ahead of the legal figures)."""
    if not member.population:  # a body no rule bills on its population has none
        return {}
    last = max(member.population)
    later = {year: member.population[last] for year in years if year > last}
    return {**member.population, **later}


def _schedule_year(tariff: Tariff, prospect: Member, year: int, data: ServiceData) -> ScheduleYear:
    outcome = bill_member(tariff, prospect, year, data)
    if isinstance(outcome, NeedsReview):
        return ScheduleYear(year, None, outcome)
    return ScheduleYear(year, outcome)


def _credit_outcomes(
    tariff: Tariff,
    prospect: Member,
    annual: Sequence[Offer],
    one_off: Sequence[Offer],
    delivered: dt.date | None,
    data: ServiceData,
) -> list[CreditOutcome]:
    """For each simulated annual offer crediting a simulated one-off offer (art. 7.2.1): the
    credit applied, or what joining outside the window loses (the credit the engine gives
    when joining on the window's last day)."""
    outcomes: list[CreditOutcome] = []
    if delivered is None:
        return outcomes
    sources = {offer.id for offer in one_off}
    for offer in annual:
        for part in offer.parts:
            credits = part.credits()
            if credits is None or credits[0] not in sources:
                continue
            source, within_months = credits
            code = f"{offer.id}.{part.code}"
            join = min(
                s.start
                for s in prospect.subscriptions
                if s.offer == offer.id and s.start is not None
            )
            window_end = add_months(delivered, within_months)
            applied = _credit_line(tariff, prospect, join.year, code, data)
            lost = ZERO
            if applied == ZERO:
                moved = _rejoined(
                    prospect, offer.id, join, delivered if join < delivered else window_end
                )
                lost = _credit_line(
                    tariff, moved, (delivered if join < delivered else window_end).year, code, data
                )
            outcomes.append(
                CreditOutcome(
                    offer.id,
                    source,
                    code,
                    part.article,
                    delivered,
                    join,
                    window_end,
                    applied,
                    join.year if applied else None,
                    lost,
                )
            )
    return outcomes


def _credit_line(
    tariff: Tariff, member: Member, year: int, code: str, data: ServiceData
) -> Decimal:
    outcome = bill_member(tariff, member, year, data)
    if not isinstance(outcome, Statement):
        return ZERO
    return -sum((line.amount for line in outcome.lines if line.code == code), ZERO)


def _rejoined(member: Member, offer: str, join: dt.date, new_join: dt.date) -> Member:
    subscriptions = tuple(
        s.model_copy(update={"start": new_join}) if s.offer == offer and s.start == join else s
        for s in member.subscriptions
    )
    population = dict(member.population)
    if member.population:  # a body without a population has none to carry
        population.setdefault(new_join.year, member.population[max(member.population)])
    return member.model_copy(update={"subscriptions": subscriptions, "population": population})


def _impact(
    tariff: Tariff,
    roster: Sequence[Member],
    base: Member | None,
    prospect: Member,
    year: int,
    notes: list[Message],
    data: ServiceData,
) -> ServiceImpact:
    """The service in ``year`` without and with the newcomer (art. 7 staffing steps)."""
    years = range(year, year + 1)
    carried = [m for m in roster if m.population and year > max(m.population)]
    if carried:
        notes.append(
            msg_n(
                "service in {year:year}: the population of {count:count} roster member "
                "carried forward from its last known year",
                "service in {year:year}: the population of {count:count} roster members "
                "carried forward from their last known year",
                n="count",
                year=year,
                count=len(carried),
            )
        )
    carried_ids = {m.id for m in carried}  # the others are billed as they are, not copied
    others = [
        m.model_copy(update={"population": _carried_forward(m, years)})
        if m.id in carried_ids
        else m
        for m in roster
    ]
    after_roster = [prospect if base and m.id == base.id else m for m in others]
    if base is None:
        after_roster.append(prospect)
    before = bill_members(tariff, others, year, data)
    after = bill_members(tariff, after_roster, year, data)
    step = None
    staffing = tariff.staffing
    if before.staffing and after.staffing and before.staffing.fte != after.staffing.fte:
        step = StepCrossing(
            after.staffing.members,
            before.staffing.fte,
            after.staffing.fte,
            after.staffing.staff_cost - before.staffing.staff_cost,
        )
    return ServiceImpact(
        year=year,
        members_before=_members(before),
        members_after=_members(after),
        revenue_before=before.total,
        revenue_after=after.total,
        counted_offer=staffing.counted_offer if staffing else None,
        counted_before=before.staffing.members if before.staffing else 0,
        counted_after=after.staffing.members if after.staffing else 0,
        fte_before=before.staffing.fte if before.staffing else None,
        fte_after=after.staffing.fte if after.staffing else None,
        staff_cost_before=before.staffing.staff_cost if before.staffing else None,
        staff_cost_after=after.staffing.staff_cost if after.staffing else None,
        coverage_before=before.staffing.coverage if before.staffing else None,
        coverage_after=after.staffing.coverage if after.staffing else None,
        reference=staffing.article if staffing else None,
        step=step,
    )


def _members(bill: Bill) -> int:
    """Members active in the year: billed or needing review."""
    return len(bill.statements) + len(bill.needs_review)


def _labels(offers: Sequence[Offer]) -> str:
    return ", ".join(offer.label for offer in offers)


def _dates(days: Sequence[dt.date]) -> tuple[Message, ...]:
    """Dates said one after another."""
    return tuple(msg("{day:date}", day=day) for day in days)


def _years(years: Sequence[int]) -> tuple[Message, ...]:
    """Years said one after another."""
    return tuple(msg("{year:year}", year=year) for year in years)
