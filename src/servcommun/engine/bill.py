"""A year's bill: each member's statement from its population, subscriptions and use.

The engine's one loop: for each member active in the year, each offer it holds (an
offer included in another it holds aside, art. 4.2; one under review needing an
override), each part of the offer computes its lines (``servcommun.rules``, through
``engine.context``); the statement-wide floors and caps, then how the statement is
settled. The parts that share an amount between the members (pools, budget lines by a
key) are computed first, once for all of them. Beside the statements: the staffing the
contributions fund (art. 7) and, for a service sharing its budget by a key, that key and
the cost it shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from servcommun.budget import Budget
from servcommun.engine.context import (
    NO_DATA,
    NO_OVERRIDES,
    STATEMENT,
    MissingData,
    OfferYear,
    Overrides,
    PoolOutcome,
    ProrationShare,
    ServiceData,
    part_lines,
    proration_share,
    units_used,
)
from servcommun.engine.result import (
    AllowanceSummary,
    Bill,
    Line,
    MemberRef,
    NeedsReview,
    Settlement,
    SharingSummary,
    StaffingSummary,
    Statement,
)
from servcommun.message import Message, msg
from servcommun.money import ZERO
from servcommun.roster import Member, Subscription
from servcommun.tariff import Offer, SettlementMode, Tariff
from servcommun.terms import Billing, Proration


def bill_members(
    tariff: Tariff, members: Sequence[Member], year: int, data: ServiceData = NO_DATA
) -> Bill:
    """Every member's statement for ``year``, or the reason it needs review.

    A member active on any day of the year (an annual subscription running, or a one-off
    service delivered in it) is in exactly one of the two lists; others are left out.
    """
    statements: list[Statement] = []
    reviews: list[NeedsReview] = []
    pools = pool_shares(tariff, members, year, data)
    period = _period_notes(tariff, year)  # the same for every member: said once
    # offer id → the members holding it in the year, in the roster's order: what the
    # staffing and the allowances count, found while billing rather than by more passes
    holding: dict[str, list[Member]] = {offer.id: [] for offer in tariff.offers}
    for member in members:
        active = active_subscriptions(tariff, member, year)
        for offer_id in active:
            holding[offer_id].append(member)
        outcome = _bill_member(tariff, member, year, data, pools, period, active)
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
            tariff, holding, statements, active=len(statements) + len(reviews)
        ),
        sharing=sharing_summary(tariff, data.budgets.get(year), pools, statements),
        allowances=allowance_summaries(tariff, holding, year, statements),
        sources=tuple(
            msg("{body}, {id} of {date:date}", body=d.body, id=d.id, date=d.date)
            for d in tariff.deliberations
        ),
    )


def bill_member(
    tariff: Tariff, member: Member, year: int, data: ServiceData = NO_DATA
) -> Statement | NeedsReview | None:
    """One member's statement for ``year``; ``NeedsReview`` when an offer it holds must be
    negotiated and no override is recorded, or a figure its bill needs is missing; None
    when it is not active in the year. A pool is shared between ``member`` and the other
    members of ``data.members``."""
    pools: Mapping[tuple[str, str], PoolOutcome] = {}
    if tariff.has_pools():
        others = [other for other in data.members if other.id != member.id]
        pools = pool_shares(tariff, [*others, member], year, data)
    active = active_subscriptions(tariff, member, year)
    return _bill_member(tariff, member, year, data, pools, _period_notes(tariff, year), active)


def _bill_member(
    tariff: Tariff,
    member: Member,
    year: int,
    data: ServiceData,
    pools: Mapping[tuple[str, str], PoolOutcome],
    period: Sequence[Message],
    active: Mapping[str, list[Subscription]],
) -> Statement | NeedsReview | None:
    if not active:
        return None
    held = [offer for offer in tariff.offers if offer.id in active]
    population = member.population_in(year)
    ref = MemberRef(member.id, member.name, population)
    if population is None:
        if any(offer.uses_population for offer in held):
            known = ", ".join(str(y) for y in sorted(member.population))
            missing = msg(
                "no population for {year:year} in the roster (known: {known})",
                year=year,
                known=known,
            )
            return NeedsReview(ref, missing)
        population = 0  # no rule of the offers held uses it (a party of a cost-sharing key)
    lines: list[Line] = []
    # what the statement says of the cases applied beyond its lines
    notes: list[Message] = list(period)
    for offer in held:
        if offer.included_in and not active.keys().isdisjoint(offer.included_in):
            # included in another offer the member holds (art. 4.2): not billed, and said
            notes.append(_waived(tariff, offer, active))
            continue
        overrides = member.overrides_for(offer.id, year)
        reason = review_reason(tariff, offer, member, population)
        if reason is not None and offer.review is not None and overrides is None:
            said = msg(
                "{offer}: {reason}; record an override with the reference of the decision "
                "({article})",
                offer=offer.label,
                reason=reason,
                article=offer.review.article,
            )
            return NeedsReview(ref, said)
        try:
            lines.extend(
                offer_lines(
                    tariff,
                    offer,
                    member,
                    population,
                    year,
                    overrides,
                    data,
                    pools,
                    active[offer.id],
                    notes,
                )
            )
        except MissingData as missing:
            said = msg("{offer}: {missing}", offer=offer.label, missing=missing.message)
            return NeedsReview(ref, said, missing_data=not missing.OF_ROSTER)
        if overrides is not None:
            notes.extend(_overridden(offer, overrides, reason))
    notes.extend(_pending(tariff, member, population, year, data))
    titled = max(line.titled for line in lines) if lines else held[0].annual_titled(year)
    for limit in tariff.statement_limits:
        line = limit.limit_line(STATEMENT, lines, titled, None)
        if line is not None:
            lines.append(line)
    total = sum((line.amount for line in lines), ZERO)
    settlement = settlement_of(tariff, member, year, total)
    if isinstance(settlement, Message):
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
            notes=(msg("carrier: its own share is reported, not billed"), *notes),
        )
    return Statement(ref, tuple(lines), settlement=settlement, notes=tuple(notes))


def _period_notes(tariff: Tariff, year: int) -> list[Message]:
    """A convention that takes effect or ends during the billed year: the year is billed
    for that part of it only (Rouen: the service « a pris effet le 1er mai 2024 »)."""
    notes = []
    if tariff.valid_from.year == year and tariff.valid_from > dt.date(year, 1, 1):
        notes.append(
            msg(
                "the convention took effect on {start:date}: {year:year} is billed from that date",
                start=tariff.valid_from,
                year=year,
            )
        )
    end = tariff.valid_until
    if tariff.service_ends and end is not None and end.year == year and end < dt.date(year, 12, 31):
        notes.append(
            msg(
                "the service ends on {end:date}: {year:year} is billed until that date",
                end=end,
                year=year,
            )
        )
    return notes


def _pending(
    tariff: Tariff, member: Member, population: int, year: int, data: ServiceData
) -> list[Message]:
    """What the statement of ``year`` says of the member's one-off missions quoted and not
    delivered in it (``PartRule.QUOTED``): not billed, and why (their parts' notes)."""
    notes: list[Message] = []
    for offer in tariff.offers:
        if not offer.quoted or offer.billing is not Billing.ONE_OFF:
            continue
        quoted = [part for part in offer.noting_parts if part.QUOTED]
        for subscription in member.subscriptions:
            if subscription.offer != offer.id or _in_year(offer, subscription, year):
                continue
            context = OfferYear(
                tariff,
                offer,
                member,
                population,
                year,
                "",
                NO_OVERRIDES,
                data,
                None,
                {},
                subscription,
            )
            for part in quoted:
                notes.extend(part.notes(context))
    return notes


def _waived(tariff: Tariff, offer: Offer, active: Mapping[str, object]) -> Message:
    """Why an offer the member holds is not billed: another one it holds includes it."""
    including = [o.label for o in tariff.offers if o.id in offer.included_in and o.id in active]
    return msg(
        "{offer} is not billed: it is included in {including}, which the member holds",
        offer=offer.label,
        including=", ".join(including),
    )


def _overridden(offer: Offer, overrides: Overrides, reason: Message | None) -> list[Message]:
    """What the overrides of an offer replaced, with their references (and why the offer
    is negotiated, when its review says so)."""
    notes: list[Message] = []
    whole = overrides.whole
    if whole is not None:
        if reason is not None:
            notes.append(
                msg(
                    "{offer}: {reason}; billed at the negotiated amount of {amount:amount} "
                    "instead of the grid (override: {reference})",
                    offer=offer.label,
                    reason=reason,
                    amount=whole.amount,
                    reference=whole.reference,
                )
            )
        else:
            notes.append(
                msg(
                    "{offer}: billed at the negotiated amount of {amount:amount} instead of the "
                    "grid (override: {reference})",
                    offer=offer.label,
                    amount=whole.amount,
                    reference=whole.reference,
                )
            )
    labels = {part.code: part.label for part in offer.parts}
    for code, override in overrides.parts.items():
        notes.append(
            msg(
                "{offer} — {part}: {amount:amount} instead of the grid (override: {reference})",
                offer=offer.label,
                part=labels.get(code, code),
                amount=override.amount,
                reference=override.reference,
            )
        )
    return notes


def _membership(
    offer: Offer,
    subscriptions: Sequence[Subscription],
    year: int,
    proration: Proration,
    share: ProrationShare | None,
    in_force: dt.date,
) -> Message | None:
    """A member joining or leaving an annual offer during ``year``: when, and what it
    owes for that year of the offer's yearly amounts (all of it, or the part subscribed);
    None for a whole year. Joining when the convention takes effect is said by the
    convention's own note (``_period_notes``), unless what it owes depends on it."""
    starts = [s.start for s in subscriptions if s.start is not None]
    ends = [s.end for s in subscriptions]
    events: list[Message] = []
    joined = min(starts) if starts else None
    if (
        joined is not None
        and joined > dt.date(year, 1, 1)
        and (joined != in_force or offer.prorated)
    ):
        events.append(msg("joined on {date:date}", date=joined))
    if ends and None not in ends:
        left = max(end for end in ends if end is not None)
        if left < dt.date(year, 12, 31):
            events.append(msg("left on {date:date}", date=left))
    if not events:
        return None
    if not offer.prorated:  # what it bills is used, not a year
        return msg("{offer}: {events}", offer=offer.label, events=tuple(events))
    if share is not None:
        owed = msg("billed for the part of the year subscribed ({share})", share=share.basis)
    elif proration is Proration.NONE:
        owed = msg("the tariff has no proration: the whole year is owed")
    else:
        owed = msg("the whole year is owed")
    return msg("{offer}: {events}; {owed}", offer=offer.label, events=tuple(events), owed=owed)


def active_subscriptions(
    tariff: Tariff, member: Member, year: int
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
    tariff: Tariff, member: Member, year: int, total: Decimal
) -> Settlement | Message | None:
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
        return msg(
            "settled by deduction from its attribution de compensation ({reference}), and "
            "the roster gives none for {year:year}",
            reference=reference,
            year=attribution_year,
        )
    return Settlement(mode.value, reference, attribution_year, before, total)


def offers_held(tariff: Tariff, member: Member, year: int) -> list[Offer]:
    """The offers ``member`` is active in during ``year`` (annual running, one-off delivered)."""
    return [offer for offer in tariff.offers if subscriptions_in(member, offer, year)]


def review_reason(tariff: Tariff, offer: Offer, member: Member, population: int) -> Message | None:
    """Why ``offer`` cannot be computed for this member and must be negotiated (art. 7.1
    (*)): the first case of its review the member is in."""
    review = offer.review
    if review is None:
        return None
    for case in review.when:
        if case.population_above is not None:
            if population > case.population_above:
                return msg(
                    "population {population:count} above {threshold:count}",
                    population=population,
                    threshold=case.population_above,
                )
            continue
        assert case.attribute is not None  # one case or the other (checked on load)
        declared = tariff.attribute(case.attribute)
        label = declared.label if declared is not None else case.attribute
        value = member.attributes.get(case.attribute, False)
        if case.above is not None:
            if isinstance(value, Decimal) and value > case.above:
                return msg(
                    "{label}: {value:number} above {above:number}",
                    label=label,
                    value=value,
                    above=case.above,
                )
        elif value == case.equals and type(value) is type(case.equals):
            if value is True:
                return msg("{label}", label=label)
            return msg("{label}: {value}", label=label, value=str(value))
    return None


def offer_lines(
    tariff: Tariff,
    offer: Offer,
    member: Member,
    population: int,
    year: int,
    overrides: Overrides | None = None,
    data: ServiceData = NO_DATA,
    pools: Mapping[tuple[str, str], PoolOutcome] | None = None,
    subscriptions: Sequence[Subscription] | None = None,
    notes: list[Message] | None = None,
) -> list[Line]:
    """The lines of one offer for one member and year (one set per one-off delivery);
    ``subscriptions``: the member's to this offer in the year, when already known;
    ``notes``, when given, receives what the statement says beyond the lines (joining or
    leaving during the year, a credit lost)."""
    pools = pools or {}
    overrides = overrides or NO_OVERRIDES  # nearly every offer billed: none, shared
    if subscriptions is None:
        subscriptions = subscriptions_in(member, offer, year)
    if offer.billing is Billing.ONE_OFF:
        lines: list[Line] = []
        for subscription in subscriptions:
            assert subscription.delivered is not None
            titled = f"{subscription.delivered:%Y-%m}"
            context = OfferYear(
                tariff,
                offer,
                member,
                population,
                year,
                titled,
                overrides,
                data,
                None,
                pools,
                subscription,
            )
            lines.extend(part_lines(context))
        return lines
    proration = offer.proration or tariff.proration
    share = proration_share(proration, subscriptions, year)
    context = OfferYear(
        tariff,
        offer,
        member,
        population,
        year,
        offer.annual_titled(year),
        overrides,
        data,
        share,
        pools,
    )
    lines = part_lines(context)
    if notes is not None:
        membership = _membership(offer, subscriptions, year, proration, share, tariff.valid_from)
        if membership is not None:
            notes.append(membership)
        for part in offer.noting_parts:
            notes.extend(part.notes(context))
    return lines


def pool_shares(
    tariff: Tariff, members: Sequence[Member], year: int, data: ServiceData = NO_DATA
) -> dict[tuple[str, str], PoolOutcome]:
    """Each part of the tariff sharing an amount between the members (``SHARED``: a pool,
    budget lines by a key) computed for ``year`` between the ``members`` holding its
    offer, keyed by (offer id, part code)."""
    outcomes: dict[tuple[str, str], PoolOutcome] = {}
    for offer in tariff.offers:
        parts = [part for part in offer.parts if part.SHARED]
        if not parts:
            continue
        holders = [member for member in members if subscriptions_in(member, offer, year)]
        for part in parts:
            outcomes[(offer.id, part.code)] = part.share(tariff, offer, holders, year, data)
    return outcomes


def sharing_summary(
    tariff: Tariff,
    budget: Budget | None,
    pools: Mapping[tuple[str, str], PoolOutcome],
    statements: Sequence[Statement],
) -> SharingSummary | None:
    """What a bill sharing budget lines by a key says beside its statements: the key (the
    budget lines' own), the cost shared, the management fees (rate, base, total) and the
    caveats (a computed key's note, an illustrative rate or budget). None for a tariff
    without such parts."""
    parts = [part for _, part in tariff.keyed_parts()]
    if not parts or budget is None:
        return None
    keys = list(
        {
            outcome.key.id: outcome.key for outcome in pools.values() if outcome.key is not None
        }.values()
    )
    lines = {cost.id: cost for part in parts for cost in part.costs_shared(budget.lines)}
    key = keys[0] if keys else None
    notes: list[Message] = [year.note for year in keys if year.note is not None]
    notes += [year.dated for year in keys if year.dated is not None]
    fees = [fee for part in parts if (fee := part.fee(budget.lines)) is not None]
    fee = fees[0] if fees else None
    if fee is not None and fee.illustrative:
        notes.append(
            msg(
                "the management-fee rate ({rate:percent}) is illustrative, not the convention's",
                rate=fee.rate,
            )
        )
    if budget.illustrative:
        notes.append(msg("the {year:year} budget's figures are illustrative", year=budget.year))
    fee_codes = frozenset(code for fee in fees for code in fee.codes)
    carrier = tariff.carrier
    return SharingSummary(
        carrier=carrier.id if carrier is not None else "",
        key=tuple(key.shares.items()) if key is not None else (),
        key_reference=key.reference if key is not None else "",
        key_from=key.since if key is not None else None,
        cost_total=sum((cost.amount for cost in lines.values()), ZERO),
        fee_rate=fee.rate if fee is not None else ZERO,
        fee_base=fee.base if fee is not None else ZERO,
        fee_total=sum(
            (line.amount for s in statements for line in s.lines if line.code in fee_codes), ZERO
        ),
        fee_reference=fee.article if fee is not None else "",
        categories=tuple((cost.id, cost.category.value) for cost in lines.values()),
        notes=tuple(notes),
    )


def budget_data(
    budget: Budget, data: ServiceData = NO_DATA, *, total: Decimal | None = None
) -> ServiceData:
    """``data`` with ``budget`` as its year's: its lines and agents, its total (pools;
    ``total`` when a worked example gives the total without the lines), its units of
    operation (unit costs). The one way a year's figures join the engine's data: the
    pipeline's budget files and the worked examples' figures alike."""
    operation = dict(data.operation)
    if budget.units_of_operation is not None:
        operation[budget.year] = budget.units_of_operation
    if total is None:
        total = sum((line.amount for line in budget.lines), ZERO)
    return ServiceData(
        indices=data.indices,
        members=data.members,
        operation=operation,
        costs={**data.costs, budget.year: total},
        budgets={**data.budgets, budget.year: budget},
    )


def subscriptions_in(member: Member, offer: Offer | None, year: int) -> list[Subscription]:
    """The member's subscriptions to ``offer`` counting for ``year``."""
    if offer is None:
        return []
    return [s for s in member.subscriptions if s.offer == offer.id and _in_year(offer, s, year)]


def staffing_summary(
    tariff: Tariff,
    holding: Mapping[str, Sequence[Member]],
    statements: Sequence[Statement],
    *,
    active: int,
) -> StaffingSummary | None:
    """Art. 7: 1 FTE from the first member; more by the number of members of the counted
    offer (Redon: 2 FTE from 10 socle-complet members, 3 from 21); ``holding``: the
    members holding each offer in the year."""
    staffing = tariff.staffing
    if staffing is None:
        return None
    count = len(holding.get(staffing.counted_offer, ()))
    fte = fte_for(tariff, count, any_member=active > 0)
    return StaffingSummary(
        counted_offer=staffing.counted_offer,
        members=count,
        fte=fte,
        staff_cost=fte * staffing.fte_cost,
        contributions=sum((s.total for s in statements), ZERO),
        reference=staffing.article,
    )


def allowance_summaries(
    tariff: Tariff,
    holding: Mapping[str, Sequence[Member]],
    year: int,
    statements: Sequence[Statement],
) -> tuple[AllowanceSummary, ...]:
    """For each part counting units against yearly allowances, what the members billed
    holding its offer used of them in ``year`` (the bill says it beside the statements;
    ``holding``: the members holding each offer in the year)."""
    billed = {statement.member.id: statement.member.population for statement in statements}
    summaries = []
    for offer, part in tariff.parts():
        units = part.allowance_units()
        if not units:
            continue
        holders = [m for m in holding[offer.id] if m.id in billed]
        if not holders:
            continue
        allowance = used = beyond = ZERO
        for member in holders:
            own = part.allowance_for(billed[member.id] or 0)
            quantity = units_used(units, member, year)
            allowance += own
            used += quantity
            beyond += max(quantity - own, ZERO)
        summaries.append(
            AllowanceSummary(
                offer=offer.id,
                part=part.code,
                label=part.label,
                units=tuple(unit.label for unit in units),
                members=len(holders),
                allowance=allowance,
                used=used,
                beyond=beyond,
                reference=part.article,
            )
        )
    return tuple(summaries)


def fte_for(tariff: Tariff, counted_members: int, *, any_member: bool = True) -> Decimal:
    """The staffing step for ``counted_members`` members of the counted offer."""
    staffing = tariff.staffing
    if staffing is None or not any_member:
        return ZERO
    fte = staffing.base_fte
    for step in staffing.steps:
        if counted_members >= step.from_:
            fte = step.fte
    return fte
