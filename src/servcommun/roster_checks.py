"""Semantic checks of a roster and of a consumption file against their service's tariff.

Like ``checks`` (a tariff's), each check takes the ``Document`` (for positions) and the
validated model and yields ``Diagnostic`` values; ``check_roster`` runs the whole list,
so one run reports every problem of a roster. The checks of a member's own values
(attributes, declared figures) serve the worked examples of a tariff too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from servcommun.body_checks import (
    exclusive_problems,
    lacks_population,
    member_id_problems,
    population_problems,
)
from servcommun.diagnostics import Diagnostic, Severity
from servcommun.engine.bill import bill_member, subscriptions_in
from servcommun.engine.result import NeedsReview
from servcommun.identity_checks import member_identities
from servcommun.key_checks import did_you_mean, listing
from servcommun.message import Message, msg
from servcommun.money import ZERO, has_cents_only
from servcommun.reader import Document, Path_
from servcommun.roster import Consumption, Member, Override, Roster, Subscription, member_years
from servcommun.rules.base import PartRule
from servcommun.tariff import SettlementMode, Tariff
from servcommun.terms import (
    Act,
    Billing,
    as_decimal,
    as_quantity,
    exact,
    said_quantity,
)


def validity_span(tariff: Tariff) -> Message:
    """The period a version of a tariff is in force: ``01/01/2026 → 31/12/2026``, or
    ``01/01/2026 → open`` when it has no end."""
    if tariff.valid_until is None:
        return msg("{start:date} → open", start=tariff.valid_from)
    return msg("{start:date} → {end:date}", start=tariff.valid_from, end=tariff.valid_until)


def tariff_units(tariff: Tariff) -> dict[str, str]:
    """Unit id → the offer whose part prices it, or else the first whose part counts it
    (a unit cost, a pool shared by units used, units beyond an allowance)."""
    units: dict[str, str] = {}
    for offer, part in tariff.parts():
        units.update((unit.id, offer.id) for unit in part.priced_units())
    for offer, part in tariff.parts():
        for unit in part.counted_units():
            units.setdefault(unit.id, offer.id)
    return units


RosterCheck = Callable[[Document, Roster, Tariff | None], Iterator[Diagnostic]]


def check_roster(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Every semantic check of a roster, against one version of its service's tariff
    (None: the checks that need no tariff)."""
    for check in ROSTER_CHECKS:
        yield from check(doc, roster, tariff)


def _member_ids(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    if len({member.id for member in roster.members}) == len(roster.members):
        return  # the common case, told by a set: no id is listed twice
    seen: dict[str, int] = {}
    for index, member in enumerate(roster.members):
        if member.id in seen:
            first = doc.position(("members", seen[member.id], "id"))[0]
            yield doc.diagnostic(
                ("members", index, "id"),
                "duplicate-member",
                msg(
                    "member {member} is listed twice (first at line {first})",
                    member=member.id,
                    first=first,
                ),
            )
        seen.setdefault(member.id, index)


def _subscription_overlaps(
    doc: Document, roster: Roster, tariff: Tariff | None
) -> Iterator[Diagnostic]:
    """Two subscriptions of a member to the same yearly offer do not overlap."""
    for index, member in enumerate(roster.members):
        if len(member.subscriptions) < 2:
            continue  # most members: nothing to overlap
        latest: dict[str, Subscription] = {}
        by_start = sorted((s.start, i, s) for i, s in enumerate(member.subscriptions) if s.start)
        for start, sub_index, subscription in by_start:
            before = latest.get(subscription.offer)
            if before is not None and (before.end is None or before.end >= start):
                yield doc.diagnostic(
                    ("members", index, "subscriptions", sub_index, "start"),
                    "subscription-overlap",
                    msg(
                        "this subscription to '{offer}' starts on {start:date}, while the "
                        "one from {before:date} runs until {end:date}: end that one on "
                        "{day_before:date} or merge them",
                        offer=subscription.offer,
                        start=start,
                        before=before.start,
                        end=before.end,
                        day_before=start - dt.timedelta(days=1),
                    )
                    if before.end is not None
                    else msg(
                        "this subscription to '{offer}' starts on {start:date}, while the "
                        "one from {before:date} runs until further notice: end that one on "
                        "{day_before:date} or merge them",
                        offer=subscription.offer,
                        start=start,
                        before=before.start,
                        day_before=start - dt.timedelta(days=1),
                    ),
                )
            latest[subscription.offer] = subscription


def _offers_known(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Subscriptions and overrides name offers of the tariff, with the dates their kind
    needs (a start for a yearly offer, a delivery date for a one-off service)."""
    if tariff is None:
        return
    # the parts that check a subscription themselves (a mission's quote), by offer: asked
    # of every subscription, the others would each make an empty generator
    checking = {
        offer.id: [
            part
            for part in offer.parts
            if type(part).subscription_problems is not PartRule.subscription_problems
        ]
        for offer in tariff.offers
    }
    for index, member in enumerate(roster.members):
        here: Path_ = ("members", index)
        for sub_index, subscription in enumerate(member.subscriptions):
            offer = tariff.offer(subscription.offer)
            if (
                offer is not None
                and not checking[offer.id]
                and subscription.quote is None
                and subscription.quantity is None
                and (
                    subscription.delivered
                    if offer.billing is Billing.ONE_OFF
                    else subscription.start
                )
                is not None
            ):
                continue  # nearly every subscription: a known offer, dated as it needs
            path = (*here, "subscriptions", sub_index)
            if offer is None:
                yield _unknown_offer(doc, (*path, "offer"), subscription.offer, tariff)
            elif (
                offer.billing is Billing.ONE_OFF
                and subscription.delivered is None
                and not (subscription.quote is not None and offer.quoted)
            ):
                yield doc.diagnostic(
                    path,
                    "subscription-dates",
                    msg(
                        "'{offer}' is a one-off service: give the date it was 'delivered'",
                        offer=offer.id,
                    ),
                )
            elif offer.billing is Billing.ANNUAL and subscription.start is None:
                yield doc.diagnostic(
                    path,
                    "subscription-dates",
                    msg("'{offer}' is billed yearly: give its 'start' date", offer=offer.id),
                )
            if offer is not None and not offer.quoted:
                written = "quote" if subscription.quote is not None else "quantity"
                if subscription.quote is not None or subscription.quantity is not None:
                    yield doc.diagnostic(
                        (*path, written),
                        "mission-quote",
                        msg(
                            "'{offer}' bills no mission from a quote: remove '{field}', or "
                            "subscribe to the offer that bills the mission",
                            offer=offer.id,
                            field=written,
                        ),
                        key=True,
                    )
            if offer is not None:
                for part in checking[offer.id]:
                    yield from part.subscription_problems(doc, path, subscription, offer)
        for over_index, override in enumerate(member.overrides):
            yield from _override_problems(
                doc, (*here, "overrides", over_index), member, override, tariff
            )


def _unknown_offer(doc: Document, path: Path_, offer: str, tariff: Tariff) -> Diagnostic:
    """A roster names an offer its tariff does not have (a subscription, an override)."""
    return doc.diagnostic(
        path,
        "unknown-offer",
        msg(
            "offer '{offer}' is not in the tariff (offers: {known})",
            offer=offer,
            known=listing(o.id for o in tariff.offers),
        ),
    )


def _override_problems(
    doc: Document, here: Path_, member: Member, override: Override, tariff: Tariff
) -> Iterator[Diagnostic]:
    """An override replaces something: a part of an offer of the tariff (or the offer's
    negotiated parts), in a year the member holds the offer."""
    offer = tariff.offer(override.offer)
    if offer is None:
        yield _unknown_offer(doc, (*here, "offer"), override.offer, tariff)
        return
    codes = [part.code for part in offer.parts]
    if override.part is not None and override.part not in codes:
        yield doc.diagnostic(
            (*here, "part"),
            "override-part",
            msg(
                "'{offer}' has no part '{part}'{suggestion} (parts: {parts}; none named: the "
                "offer's negotiated parts)",
                offer=offer.id,
                part=override.part,
                suggestion=did_you_mean(override.part, codes),
                parts=listing(codes),
            ),
        )
    elif override.part is None and not any(part.NEGOTIATED for part in offer.parts):
        yield doc.diagnostic(
            here,
            "override-part",
            msg(
                "'{offer}' has no part an override of the whole offer replaces: name the "
                "part it replaces ({parts})",
                offer=offer.id,
                parts=listing(codes),
            ),
        )
    years = [override.year] if override.year is not None else member_years(member)
    held = [year for year in years if subscriptions_in(member, offer, year)]
    if not held and tariff.covers(years[0] if years else tariff.valid_from.year):
        when = (
            msg("in {year:year}", year=override.year)
            if override.year is not None
            else msg("in any year of the roster")
        )
        yield doc.diagnostic(
            (*here, "year") if override.year is not None else (*here, "offer"),
            "override-unused",
            msg(
                "member {member} does not hold '{offer}' {when}: this override replaces "
                "nothing; remove it, or correct its offer or year",
                member=member.id,
                offer=offer.id,
                when=when,
            ),
        )


def _attributes(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Each member's attributes are declared by the tariff, with a value of their type."""
    if tariff is None:
        return
    # the type of each attribute that is not a choice: a member whose attributes all have
    # theirs (nearly every member) has nothing to be told, and is not looked at further
    types = {a.id: _ATTRIBUTE_TYPES[a.type] for a in tariff.attributes if a.type != "choice"}
    for index, member in enumerate(roster.members):
        attributes = member.attributes
        if attributes and not all(types.get(k) is type(v) for k, v in attributes.items()):
            yield from attribute_problems(
                doc, ("members", index, "attributes"), member.attributes, tariff
            )


def attribute_problems(
    doc: Document, here: Path_, attributes: Mapping[str, object], tariff: Tariff
) -> Iterator[Diagnostic]:
    """Attributes (of a roster member or a worked example's) against the tariff's
    declarations: a known id, and a value of its type."""
    for attribute_id, value in attributes.items():
        attribute = tariff.attribute(attribute_id)
        if attribute is None:
            declared = [attribute.id for attribute in tariff.attributes]
            yield doc.diagnostic(
                (*here, attribute_id),
                "unknown-attribute",
                msg(
                    "the tariff declares no attribute '{attribute}'{suggestion} (attributes: "
                    "{declared})",
                    attribute=attribute_id,
                    suggestion=did_you_mean(attribute_id, declared),
                    declared=listing(declared),
                ),
                key=True,
            )
            continue
        expected = _ATTRIBUTE_TYPES[attribute.type]
        wrong = type(value) is not expected or (
            attribute.type == "choice" and value not in attribute.choices
        )
        if wrong:
            said = {
                "boolean": msg("true or false (oui or non in a CSV file)"),
                "number": msg("a number"),
                "choice": msg("one of {choices}", choices=listing(attribute.choices)),
            }[attribute.type]
            yield doc.diagnostic(
                (*here, attribute_id),
                "attribute-type",
                msg(
                    "'{attribute}' ({label}) is {expected}, not {value}",
                    attribute=attribute_id,
                    label=attribute.label,
                    expected=said,
                    value=repr(value),
                ),
            )


_ATTRIBUTE_TYPES: dict[str, type] = {"boolean": bool, "number": Decimal, "choice": str}


def _figures(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Each member's declared figures are declared by the tariff, of their kind."""
    if tariff is None:
        return
    for index, member in enumerate(roster.members):
        if member.figures:
            yield from figure_problems(doc, ("members", index, "figures"), member.figures, tariff)


def figure_problems(
    doc: Document, here: Path_, figures: Mapping[str, Mapping[int, Decimal]], tariff: Tariff
) -> Iterator[Diagnostic]:
    """Declared figures (of a roster member or a worked example's) against the tariff's
    declarations: a known id, and an amount figure exact to the cent."""
    declared = [figure.id for figure in tariff.figures]
    for figure_id, by_year in figures.items():
        figure = tariff.figure(figure_id)
        if figure is None:
            yield doc.diagnostic(
                (*here, figure_id),
                "unknown-figure",
                msg(
                    "the tariff declares no figure '{figure}'{suggestion} (figures: "
                    "{declared}): correct the id, or declare the figure in the tariff",
                    figure=figure_id,
                    suggestion=did_you_mean(figure_id, declared),
                    declared=listing(declared),
                ),
                key=True,
            )
            continue
        if figure.kind != "amount":
            continue
        for year, value in by_year.items():
            if not has_cents_only(value):
                yield doc.diagnostic(
                    (*here, figure_id, year),
                    "figure-kind",
                    msg(
                        "'{figure}' ({label}) is an amount in euros: write {year:year}'s to "
                        "the cent, at most two decimals (not {value})",
                        figure=figure_id,
                        label=figure.label,
                        year=year,
                        value=str(value),
                    ),
                )


def members_named_problems(
    doc: Document, tariff: Tariff, roster: Roster, roster_file: str
) -> Iterator[Diagnostic]:
    """The member ids a tariff's parts name themselves (a pool layer's ``members``) are
    members of the service's roster: an id of no member is a typo, placed in the tariff."""
    known = [member.id for member in roster.members]
    for offer_index, offer in enumerate(tariff.offers):
        for part_index, part in enumerate(offer.parts):
            for path, member_id in part.members_named():
                if member_id in known:
                    continue
                yield doc.diagnostic(
                    ("offers", offer_index, "parts", part_index, *path),
                    "unknown-member",
                    msg(
                        "the roster {roster} has no member '{member}'{suggestion} (write the "
                        "id of one of its members)",
                        roster=roster_file,
                        member=member_id,
                        suggestion=did_you_mean(member_id, known),
                    ),
                )


def review_warnings(doc: Document, roster: Roster, tariff: Tariff) -> Iterator[Diagnostic]:
    """A warning for each member the engine would list as *needs review* in a year of the
    roster (above a review threshold, no override with its reference: art. 7.1 (*)).
    ``check`` shows them; ``bill`` lists such members itself, so it does not run this."""
    for index, member in enumerate(roster.members):
        reviews = {
            year: outcome
            for year in member_years(member)
            if tariff.covers(year)
            and not lacks_population(member, tariff)  # said by population_problems
            and isinstance(outcome := bill_member(tariff, member, year), NeedsReview)
            and not outcome.missing_data
        }  # index values are the bill's, not the roster's
        if reviews:
            yield replace(
                doc.diagnostic(
                    ("members", index),
                    "needs-review",
                    msg(
                        "member {member} {name} needs review in {years}: {reason}",
                        member=member.id,
                        name=member.name,
                        years=tuple(msg("{year:year}", year=year) for year in reviews),
                        reason=reviews[max(reviews)].reason,
                    ),
                ),
                severity=Severity.WARNING,
            )


def _acts(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Each act of the tariff's period names a unit the tariff bills, and falls within a
    subscription of the member to the offer that bills it."""
    if tariff is None:
        return
    yield from acts_problems(
        doc,
        [
            (("members", index, "consumption", act_index), member, act)
            for index, member in enumerate(roster.members)
            for act_index, act in enumerate(member.consumption)
        ],
        tariff,
    )


def _weekly_maxima(
    doc: Document, acts: Sequence[tuple[Path_, Member | None, Act]], tariff: Tariff
) -> Iterator[Diagnostic]:
    """No member consumes more of a unit in one ISO week than the unit's weekly maximum:
    the act that goes beyond it is refused at its quantity, saying what is left."""
    units = {
        unit.id: unit
        for _, part in tariff.parts()
        for unit in (*part.priced_units(), *part.counted_units())
        if unit.weekly_maximum is not None
    }
    if not units:
        return
    used: dict[tuple[str | None, str, int, int], Fraction] = {}
    dated = sorted(
        (item for item in acts if item[2].unit in units and tariff.covers_day(item[2].date)),
        key=lambda item: item[2].date,
    )
    for here, member, act in dated:
        unit = units[act.unit]
        maximum = unit.weekly_maximum
        assert maximum is not None
        year, week, _ = act.date.isocalendar()
        key = (member.id if member is not None else None, act.unit, year, week)
        before = used.get(key, Fraction(0))
        used[key] = before + exact(unit.billed(act.quantity))
        if used[key] > maximum:
            yield doc.diagnostic(
                (*here, "quantity"),
                "weekly-maximum",
                msg(
                    "{quantity} {unit} on {date:date} brings week {week:count} of "
                    "{year:year} to {total}, beyond the maximum of {maximum:number} a "
                    "week: write at most {left} for this act, or check the dates of "
                    "the week's acts",
                    quantity=said_quantity(act.quantity),
                    unit=act.unit,
                    date=act.date,
                    week=week,
                    year=year,
                    total=said_quantity(used[key]),
                    maximum=maximum,
                    left=said_quantity(max(exact(maximum) - before, Fraction(0))),
                ),
            )


def _volume_maxima(
    doc: Document, acts: Sequence[tuple[Path_, Member | None, Act]], tariff: Tariff
) -> Iterator[Diagnostic]:
    """No member consumes more of a unit in a year than its subscription contracts: the
    act that goes beyond the maximum is refused at its quantity, saying what is left."""
    units = tariff_units(tariff)
    by_id = {
        unit.id: unit
        for _, part in tariff.parts()
        for unit in (*part.priced_units(), *part.counted_units())
    }
    used: dict[tuple[str, str, int], Fraction] = {}
    dated = sorted(
        (
            item
            for item in acts
            if item[1] is not None and item[2].unit in units and tariff.covers_day(item[2].date)
        ),
        key=lambda item: item[2].date,
    )
    for here, member, act in dated:
        assert member is not None
        volume = member.volume_for(units[act.unit], act.unit, act.date.year)
        if volume is None or volume.maximum is None:
            continue
        key = (member.id, act.unit, act.date.year)
        before = used.get(key, Fraction(0))
        used[key] = before + exact(by_id[act.unit].billed(act.quantity))
        if used[key] > volume.maximum:
            yield doc.diagnostic(
                (*here, "quantity"),
                "volume-maximum",
                msg(
                    "{quantity} {unit} on {date:date} brings member {member}'s {year:year} to "
                    "{total}, beyond the {maximum:number} its subscription contracts: write "
                    "at most {left} for this act, or raise the subscription's maximum",
                    quantity=said_quantity(act.quantity),
                    unit=act.unit,
                    date=act.date,
                    member=member.id,
                    year=act.date.year,
                    total=said_quantity(as_quantity(used[key])),
                    maximum=volume.maximum,
                    left=said_quantity(
                        as_quantity(max(exact(volume.maximum) - before, Fraction(0)))
                    ),
                ),
            )


def volume_problems(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """A subscription's contracted volumes are of units its offer bills."""
    if tariff is None:
        return
    units = tariff_units(tariff)
    for index, member in enumerate(roster.members):
        for sub_index, subscription in enumerate(member.subscriptions):
            if not subscription.volumes:
                continue
            billed = sorted(unit for unit, offer in units.items() if offer == subscription.offer)
            for volume_index, volume in enumerate(subscription.volumes):
                if units.get(volume.unit) != subscription.offer:
                    yield doc.diagnostic(
                        (
                            "members",
                            index,
                            "subscriptions",
                            sub_index,
                            "volumes",
                            volume_index,
                            "unit",
                        ),
                        "volume-unit",
                        msg(
                            "unit '{unit}' is not billed by the offer '{offer}': a contracted "
                            "volume is of one of its units ({units})",
                            unit=volume.unit,
                            offer=subscription.offer,
                            units=", ".join(billed) or "—",
                        ),
                    )


def acts_problems(
    doc: Document, acts: Sequence[tuple[Path_, Member | None, Act]], tariff: Tariff
) -> Iterator[Diagnostic]:
    """Each (path, member, act) of ``acts`` dated in ``tariff``'s period: its unit billed by
    the tariff, its date within the member's subscription to the offer that bills it (no
    member: the unit only)."""
    units = tariff_units(tariff)
    steps = {
        unit.id: unit.step
        for _, part in tariff.parts()
        for unit in (*part.priced_units(), *part.counted_units())
        if unit.step is not None and unit.rounding is None
    }
    yield from _weekly_maxima(doc, acts, tariff)
    yield from _volume_maxima(doc, acts, tariff)
    for here, member, act in acts:
        if not tariff.covers_day(act.date):
            continue  # another version of the tariff bills it
        step = steps.get(act.unit)
        if step is not None and exact(act.quantity) % exact(step):
            below = as_decimal(exact(act.quantity) - exact(act.quantity) % exact(step))
            if isinstance(act.quantity, Decimal) and below != ZERO:
                below = act.quantity - act.quantity % step  # as written: 1.50 → 1.00
                yield doc.diagnostic(
                    (*here, "quantity"),
                    "quantity-step",
                    msg(
                        "{quantity:number} {unit} is not counted in steps of {step:number}: write "
                        "a multiple of {step:number} ({below:number} or {above:number}), as the "
                        "convention counts it",
                        quantity=act.quantity,
                        unit=act.unit,
                        step=step,
                        below=below,
                        above=below + step,
                    ),
                )
            else:
                yield doc.diagnostic(
                    (*here, "quantity"),
                    "quantity-step",
                    msg(
                        "{quantity} {unit} is not counted in steps of {step:number}: write "
                        "{nearest}, as the convention counts it",
                        quantity=said_quantity(act.quantity),
                        unit=act.unit,
                        step=step,
                        nearest=(
                            msg("{above:number}", above=below + step)
                            if below == ZERO
                            else msg(
                                "{below:number} or {above:number}", below=below, above=below + step
                            )
                        ),
                    ),
                )
        offer_id = units.get(act.unit)
        if offer_id is None:
            yield doc.diagnostic(
                (*here, "unit"),
                "unknown-unit",
                msg(
                    "unit '{unit}' is not billed by the tariff in force on {date:date}"
                    "{suggestion} (units: {units})",
                    unit=act.unit,
                    date=act.date,
                    suggestion=did_you_mean(act.unit, units),
                    units=listing(units),
                ),
            )
        elif member is not None and not any(
            s.offer == offer_id
            and s.start is not None
            and s.start <= act.date
            and (s.end is None or act.date <= s.end)
            for s in member.subscriptions
        ):
            yield doc.diagnostic(
                (*here, "date"),
                "act-outside-subscription",
                msg(
                    "act of {date:date} ({unit}): member {member} is not subscribed to "
                    "'{offer}' on that day; add or extend its subscription, or check the date",
                    date=act.date,
                    unit=act.unit,
                    member=member.id,
                    offer=offer_id,
                ),
            )


def check_consumption(
    doc: Document,
    consumption: Consumption,
    tariffs: Sequence[Tariff],
    roster: Roster | None,
    year: int | None = None,
) -> Iterator[Diagnostic]:
    """A consumption file against its service: every act dated in a tariff version's
    period, of a unit it bills; with the roster, of a member of it, subscribed that day;
    in the file of a ``year``, dated in that year (the bill of a year reads only its file:
    an act of another year would be billed by no one)."""
    members = {member.id: member for member in roster.members} if roster else {}
    if roster is not None and consumption.service != roster.service:
        yield doc.diagnostic(
            ("service",),
            "service-mismatch",
            msg(
                "this file says service '{service}', its roster '{roster}'",
                service=consumption.service,
                roster=roster.service,
            ),
        )
    known: list[tuple[Path_, Member | None, Act]] = []
    for index, act in enumerate(consumption.acts):
        here: Path_ = ("acts", index)
        if year is not None and act.date.year != year:
            yield doc.diagnostic(
                (*here, "date"),
                "act-year",
                msg(
                    "an act of {date:date} in the consumption file of {year:year}: it would "
                    "be billed in no year; move it to the file of {act_year:year}",
                    date=act.date,
                    year=year,
                    act_year=act.date.year,
                ),
            )
            continue
        if roster is not None and act.member not in members:
            parties = [party.id for tariff in tariffs for party in tariff.parties]
            yield doc.diagnostic(
                (*here, "member"),
                "unknown-member",
                msg(
                    "member {member} is not in the roster of '{service}'",
                    member=act.member,
                    service=roster.service,
                )
                if not parties
                else msg(
                    "{member} is not a party the tariff of '{service}' names{suggestion} "
                    "(parties: {parties})",
                    member=act.member,
                    service=roster.service,
                    suggestion=did_you_mean(act.member, parties),
                    parties=listing(dict.fromkeys(parties)),
                ),
            )
            continue
        if tariffs and not any(tariff.covers_day(act.date) for tariff in tariffs):
            yield doc.diagnostic(
                (*here, "date"),
                "act-no-tariff",
                msg(
                    "no tariff of the service is in force on {date:date} ({periods})",
                    date=act.date,
                    periods=tuple(validity_span(t) for t in tariffs),
                ),
            )
            continue
        known.append((here, members.get(act.member), act))
    for tariff in tariffs:
        yield from acts_problems(doc, known, tariff)


def _settlements(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """A member settling by deduction from its attribution de compensation does so under a
    tariff that provides it (with its article)."""
    if tariff is None or tariff.settlement is not None:
        return
    for index, member in enumerate(roster.members):
        if member.settlement is SettlementMode.ATTRIBUTION_DEDUCTION:
            yield doc.diagnostic(
                ("members", index, "settlement"),
                "settlement-not-provided",
                msg(
                    "the tariff in force from {start:date} says nothing of settling by "
                    "deduction from the attribution de compensation: add its 'settlement' "
                    "(with the article) to the tariff",
                    start=tariff.valid_from,
                ),
            )


ROSTER_CHECKS: tuple[RosterCheck, ...] = (
    _member_ids,
    member_id_problems,
    population_problems,
    exclusive_problems,
    _subscription_overlaps,
    _offers_known,
    _attributes,
    _figures,
    _acts,
    volume_problems,
    _settlements,
    member_identities,
)
