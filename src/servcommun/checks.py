"""Semantic checks: small pure functions, one signature, run all together.

Each check takes the ``Document`` (for positions) and the validated model and yields
``Diagnostic`` values; ``check_tariff`` and ``check_roster`` run their whole list, so one
run reports every problem (beancount's validations, yamllint's rules).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from servcommun.budget import Budget
from servcommun.diagnostics import Diagnostic, Severity
from servcommun.engine.grid import bill_grid, bill_member, population_bracket
from servcommun.engine.result import Bill, NeedsReview
from servcommun.engine.sharing import FEES, KeyDerivationError, bill_sharing, derive_share
from servcommun.money import HUNDRED, ZERO
from servcommun.reader import Document, Path_
from servcommun.roster import Member, Roster, Subscription
from servcommun.tariff import (
    Billing,
    Bracket,
    BracketAmountPart,
    CostLine,
    CreditPart,
    GridTariff,
    SharingExpectation,
    SharingTariff,
    UnitsBeyondAllowancePart,
    WorkedExample,
)

TariffCheck = Callable[[Document, GridTariff], Iterator[Diagnostic]]


def check_tariff(doc: Document, tariff: GridTariff | SharingTariff) -> Iterator[Diagnostic]:
    """Every semantic check of a tariff file."""
    yield from _validity(doc, tariff)
    if isinstance(tariff, GridTariff):
        for check in GRID_CHECKS:
            yield from check(doc, tariff)
    else:
        for sharing_check in SHARING_CHECKS:
            yield from sharing_check(doc, tariff)


def _validity(doc: Document, tariff: GridTariff | SharingTariff) -> Iterator[Diagnostic]:
    if tariff.valid_until is not None and tariff.valid_until < tariff.valid_from:
        yield doc.diagnostic(("valid_until",), "validity-order",
                             f"valid_until {tariff.valid_until} is before valid_from "
                             f"{tariff.valid_from}")
    if tariff.service_ends and tariff.valid_until is None:
        yield doc.diagnostic(("service_ends",), "validity-order",
                             "service_ends: true needs the date the service ends (valid_until)")


AnyTariff = GridTariff | SharingTariff


def check_versions(versions: Sequence[tuple[Document, AnyTariff]]) -> Iterator[Diagnostic]:
    """The versions of one service follow each other without overlap, and without a gap
    unless the earlier one says the service ends (``service_ends``). Each problem is
    placed at the later version's ``valid_from``."""
    ordered = sorted(versions, key=lambda version: version[1].valid_from)
    for (before_doc, before), (doc, tariff) in itertools.pairwise(ordered):
        span = f"{before.valid_from} → {before.valid_until or 'open'}"
        if before.valid_until is None or before.valid_until >= tariff.valid_from:
            day_before = tariff.valid_from - dt.timedelta(days=1)
            yield doc.diagnostic(("valid_from",), "validity-overlap",
                                 f"valid_from {tariff.valid_from} overlaps {before_doc.file} "
                                 f"({span}), a version of the same service: end that one on "
                                 f"{day_before} (valid_until) or start this one later")
            continue
        next_day = before.valid_until + dt.timedelta(days=1)
        if tariff.valid_from > next_day and not before.service_ends:
            yield doc.diagnostic(("valid_from",), "validity-gap",
                                 f"{before_doc.file} ends on {before.valid_until}: from "
                                 f"{next_day} to {tariff.valid_from - dt.timedelta(days=1)} "
                                 f"no version of '{tariff.service}' is in force; start this "
                                 f"one on {next_day}, or write 'service_ends: true' in "
                                 f"{before_doc.file} if the service stopped")


def _offer_ids(doc: Document, tariff: GridTariff) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, offer in enumerate(tariff.offers):
        if offer.id in seen:
            yield doc.diagnostic(("offers", index, "id"), "duplicate-offer",
                                 f"offer '{offer.id}' is defined twice")
        seen.add(offer.id)
        codes: set[str] = set()
        for part_index, part in enumerate(offer.parts):
            if part.code in codes:
                yield doc.diagnostic(("offers", index, "parts", part_index, "code"),
                                     "duplicate-part", f"part '{part.code}' appears twice")
            codes.add(part.code)


def _references(doc: Document, tariff: GridTariff) -> Iterator[Diagnostic]:
    """Every offer a rule names is defined (credit source, included_in, staffing)."""
    known = [offer.id for offer in tariff.offers]

    def unknown(path: Path_, name: str) -> Diagnostic:
        return doc.diagnostic(path, "unknown-offer",
                              f"offer '{name}' is not defined (defined: {', '.join(known)})")

    for index, offer in enumerate(tariff.offers):
        for other_index, other in enumerate(offer.included_in):
            if other not in known:
                yield unknown(("offers", index, "included_in", other_index), other)
        for part_index, part in enumerate(offer.parts):
            if isinstance(part, CreditPart):
                source = tariff.offer(part.from_offer)
                path = ("offers", index, "parts", part_index, "from_offer")
                if source is None:
                    yield unknown(path, part.from_offer)
                elif source.billing is not Billing.ONE_OFF:
                    yield doc.diagnostic(path, "credit-source",
                                         f"a credit comes from a one-off service; "
                                         f"'{source.id}' is billed {source.billing.value}")
    if tariff.staffing and tariff.staffing.counted_offer not in known:
        yield unknown(("staffing", "counted_offer"), tariff.staffing.counted_offer)
    codes = line_codes(tariff)
    for index, example in enumerate(tariff.examples):
        here: Path_ = ("examples", index)
        for member_index, spec in enumerate(example.members):
            for sub_index, subscription in enumerate(spec.subscriptions):
                if subscription.offer not in known:
                    yield unknown((*here, "members", member_index, "subscriptions", sub_index,
                                   "offer"), subscription.offer)
        for offer_id in example.expect.offers:
            if offer_id not in known:
                yield doc.diagnostic((*here, "expect", "offers", offer_id), "unknown-offer",
                                     f"offer '{offer_id}' is not defined (defined: "
                                     f"{', '.join(known)})", key=True)
        for code in example.expect.lines:
            if code not in codes:
                yield doc.diagnostic((*here, "expect", "lines", code), "unknown-line",
                                     f"no rule produces line '{code}' (lines: "
                                     f"{', '.join(sorted(codes))})", key=True)


def line_codes(tariff: GridTariff) -> set[str]:
    """The codes of the lines the tariff's rules produce (``<offer>.<part>``)."""
    return {f"{offer.id}.{part.code}" for offer in tariff.offers for part in offer.parts}


def _staffing(doc: Document, tariff: GridTariff) -> Iterator[Diagnostic]:
    """Staffing steps climb: each from more members than the last (art. 7: 10, then 21)."""
    if tariff.staffing is None:
        return
    steps = tariff.staffing.steps
    for index in range(1, len(steps)):
        if steps[index].from_ <= steps[index - 1].from_:
            yield doc.diagnostic(("staffing", "steps", index, "from"), "staffing-order",
                                 f"step from {steps[index].from_} members comes after the "
                                 f"step from {steps[index - 1].from_}: order steps by "
                                 "increasing number of members")


def _brackets(doc: Document, tariff: GridTariff) -> Iterator[Diagnostic]:
    """Brackets start at 0, follow each other without gap or overlap, and end open or at
    the offer's review threshold (above it the offer is negotiated, art. 7.1 (*))."""
    for index, offer in enumerate(tariff.offers):
        threshold = offer.review.above_population if offer.review else None
        for part_index, part in enumerate(offer.parts):
            if isinstance(part, BracketAmountPart):
                table: Sequence[Bracket] = part.brackets
                path: Path_ = ("offers", index, "parts", part_index, "brackets")
            elif isinstance(part, UnitsBeyondAllowancePart):
                table = part.allowance
                path = ("offers", index, "parts", part_index, "allowance")
            else:
                continue
            yield from bracket_problems(doc, path, table, threshold)


def bracket_problems(
    doc: Document, path: Path_, brackets: Sequence[Bracket], threshold: int | None
) -> Iterator[Diagnostic]:
    expected_from = 0
    for index, bracket in enumerate(brackets):
        here = (*path, index)
        if bracket.to is not None and bracket.to < bracket.from_:
            yield doc.diagnostic((*here, "to"), "bracket-order",
                                 f"bracket ends at {bracket.to}, before it starts "
                                 f"({bracket.from_})")
            return  # what follows would only be consequences of this one
        if bracket.from_ > expected_from and not index:
            yield doc.diagnostic((*here, "from"), "bracket-start",
                                 f"brackets must start at 0, not {bracket.from_}: "
                                 f"{'0' if bracket.from_ == 1 else f'0–{bracket.from_ - 1}'} "
                                 "inhabitants would be billed nothing")
        elif bracket.from_ > expected_from:
            previous = f"{brackets[index - 1].from_}–{expected_from - 1}"
            yield doc.diagnostic((*here, "from"), "bracket-gap",
                                 f"brackets {previous} and {bracket.from_}–"
                                 f"{bracket.to if bracket.to is not None else ''} leave "
                                 f"{expected_from}–{bracket.from_ - 1} uncovered")
        elif bracket.from_ < expected_from:
            yield doc.diagnostic((*here, "from"), "bracket-overlap",
                                 f"bracket starting at {bracket.from_} overlaps the previous "
                                 f"one (which ends at {expected_from - 1}): start it at "
                                 f"{expected_from}")
        if bracket.to is None:
            if index != len(brackets) - 1:
                yield doc.diagnostic((*here, "to"), "bracket-open",
                                     "only the last bracket may be open-ended")
            return
        expected_from = bracket.to + 1
    last = brackets[-1].to
    if last is not None and last != threshold:
        where = (f"the review threshold ({threshold})" if threshold is not None
                 else "open (no 'to')")
        yield doc.diagnostic((*path, len(brackets) - 1, "to"), "bracket-end",
                             f"the last bracket ends at {last}: it must end at {where}, or "
                             "populations above it are billed nothing")


def _examples(doc: Document, tariff: GridTariff) -> Iterator[Diagnostic]:
    """Recompute each worked example; a figure that differs is an error at the example."""
    for index, example in enumerate(tariff.examples):
        try:
            mismatches = list(example_mismatches(tariff, example))
        except (ArithmeticError, ValueError) as error:  # figures the engine cannot handle
            yield doc.diagnostic(("examples", index), "example-error",
                                 f"worked example '{example.title}' cannot be computed: "
                                 f"{error}")
            continue
        for path, message in mismatches:
            yield doc.diagnostic(("examples", index, "expect", *path), "example-mismatch",
                                 f"worked example '{example.title}' ({example.article}): "
                                 f"{message}")


def example_members(example: WorkedExample) -> list[Member]:
    members: list[Member] = []
    for spec in example.members:
        for _ in range(spec.count):
            number = len(members) + 1
            members.append(Member(
                id=f"35{number:03d}", name=f"example member {number}",
                population={example.year - 1: spec.population, example.year: spec.population},
                own_it_department=spec.own_it_department,
                subscriptions=tuple(Subscription(**s.model_dump()) for s in spec.subscriptions),
                engineering_days={example.year: spec.engineering_days},
            ))
    return members


def example_mismatches(
    tariff: GridTariff, example: WorkedExample
) -> Iterator[tuple[Path_, str]]:
    """(path in ``expect``, what differs) for each expected figure the engine disagrees with."""
    members = example_members(example)
    bill = bill_grid(tariff, members, example.year)
    expect = example.expect
    if expect.needs_review is not None and expect.needs_review != bool(bill.needs_review):
        yield ("needs_review",), (f"expected needs_review {expect.needs_review}, computed "
                                  f"{bool(bill.needs_review)}")
    if expect.total is not None and bill.total != expect.total:
        yield ("total",), f"expected total {expect.total}, computed {bill.total}"
    codes = line_codes(tariff)
    for code, amount in expect.lines.items():
        if code not in codes:
            continue  # an unknown line, reported as such by _references
        got = sum((line.amount for s in bill.statements for line in s.lines if line.code == code),
                  ZERO)
        if got != amount:
            yield ("lines", code), f"expected {code} = {amount}, computed {got}"
    for offer, amount in expect.offers.items():
        if tariff.offer(offer) is None:
            continue  # an unknown offer, reported as such by _references
        got = sum((s.offer_total(offer) for s in bill.statements), ZERO)
        if got != amount:
            yield ("offers", offer), f"expected {offer} total {amount}, computed {got}"
    if expect.allowance_days is not None:
        got = allowance_days(tariff, members)
        if got != expect.allowance_days:
            yield ("allowance_days",), (f"expected allowance of {expect.allowance_days} days, "
                                        f"computed {got}")


def allowance_days(tariff: GridTariff, members: Sequence[Member]) -> Decimal:
    """Sum of the members' yearly allowances (art. 3.2: 117 days shared by 30 communes)."""
    total = ZERO
    for offer in tariff.offers:
        for part in offer.parts:
            if isinstance(part, UnitsBeyondAllowancePart):
                for member in members:
                    population = max(member.population.items())[1]
                    bracket = population_bracket(part.allowance, population)
                    total += bracket.quantity if bracket else ZERO
    return total


GRID_CHECKS: tuple[TariffCheck, ...] = (_offer_ids, _references, _staffing, _brackets,
                                        _examples)


# -- cost sharing (Rouen, délibération 10-26) -------------------------------------------

SharingCheck = Callable[[Document, SharingTariff], Iterator[Diagnostic]]


def _parties(doc: Document, tariff: SharingTariff) -> Iterator[Diagnostic]:
    """Party ids are unique, and exactly one party is the carrier (it bills the others)."""
    seen: set[str] = set()
    for index, party in enumerate(tariff.parties):
        if party.id in seen:
            yield doc.diagnostic(("parties", index, "id"), "duplicate-party",
                                 f"party '{party.id}' is defined twice")
        seen.add(party.id)
    carriers = [index for index, party in enumerate(tariff.parties) if party.carrier]
    if len(carriers) != 1:
        path: Path_ = ("parties", carriers[1], "carrier") if carriers else ("parties",)
        yield doc.diagnostic(path, "carrier",
                             f"exactly one party must be the carrier, the one that runs the "
                             f"service and bills the others (found {len(carriers)}): write "
                             "'carrier: true' on that one only")


def _key(doc: Document, tariff: SharingTariff) -> Iterator[Diagnostic]:
    """The key names parties of the tariff, is written to its precision, and sums to
    exactly 100 %."""
    known = [party.id for party in tariff.parties]
    precision = tariff.key.precision
    for party, percent in tariff.key.shares.items():
        path: Path_ = ("key", "shares", party)
        if party not in known:
            yield doc.diagnostic(path, "unknown-party",
                                 f"party '{party}' is not defined in 'parties' (defined: "
                                 f"{', '.join(known)})", key=True)
        if not _written_to(percent, precision):
            yield doc.diagnostic(path, "key-precision",
                                 f"{percent} % is written beyond the key's precision "
                                 f"({precision} %): round it, or set 'precision'")
    total = tariff.key.total()
    if total != HUNDRED:
        gap = abs(HUNDRED - total)
        yield doc.diagnostic(("key", "shares"), "key-sum",
                             f"the key sums to {total} %, not 100 %: "
                             f"{'add' if total < HUNDRED else 'remove'} {gap} points "
                             f"({' + '.join(str(p) for p in tariff.key.shares.values())})")


def _written_to(value: Decimal, precision: Decimal) -> bool:
    """True when ``value`` has no digit below ``precision`` (a power of ten)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return False
    trailing_zeros = next((i for i, digit in enumerate(reversed(digits)) if digit), len(digits))
    return trailing_zeros == len(digits) or exponent + trailing_zeros >= precision.adjusted()


def _key_derivation(doc: Document, tariff: SharingTariff) -> Iterator[Diagnostic]:
    """The deliberation's derivation, recomputed: from the previous key, the party's share
    made to bear the target on the base and taken from one party gives exactly this key."""
    derivation = tariff.key.derivation
    if derivation is None:
        return
    path: Path_ = ("key", "derivation")
    try:
        derived = derive_share(derivation.previous, party=derivation.party,
                               target=derivation.target, base=derivation.base,
                               take_from=derivation.take_from, precision=tariff.key.precision)
    except KeyDerivationError as error:
        yield doc.diagnostic(path, "key-derivation",
                             f"the derivation cannot be recomputed: {error.message}")
        return
    if dict(derived.after) != dict(tariff.key.shares):
        yield doc.diagnostic(path, "key-derivation",
                             f"deriving '{derivation.party}' from the previous key gives "
                             f"{_shares_text(derived.after)}, not the key's "
                             f"{_shares_text(tariff.key.shares)}")


def _shares_text(shares: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{party} {percent} %" for party, percent in shares.items())


def _management_fee(doc: Document, tariff: SharingTariff) -> Iterator[Diagnostic]:
    fee = tariff.management_fee
    if fee is not None and len(set(fee.on)) != len(fee.on):
        yield doc.diagnostic(("management_fee", "on"), "duplicate-category",
                             "a category is listed twice: fees would be counted once anyway")


def cost_line_problems(
    doc: Document, path: Path_, costs: Sequence[CostLine], tariff: SharingTariff
) -> Iterator[Diagnostic]:
    """Cost lines (of a budget or a worked example) have unique ids, and a line charged
    directly names a party of the tariff, which must provide direct charges."""
    seen: dict[str, int] = {}
    known = [party.id for party in tariff.parties]
    for index, cost in enumerate(costs):
        here: Path_ = (*path, index)
        if cost.id == FEES:
            yield doc.diagnostic((*here, "id"), "reserved-line-id",
                                 f"'{FEES}' names the management-fee lines: choose another id")
        if cost.id in seen:
            yield doc.diagnostic((*here, "id"), "duplicate-line",
                                 f"cost line '{cost.id}' is listed twice (first as line "
                                 f"{seen[cost.id] + 1})")
        seen.setdefault(cost.id, index)
        if cost.direct is None:
            continue
        if cost.direct not in known:
            yield doc.diagnostic((*here, "direct"), "unknown-party",
                                 f"party '{cost.direct}' is not a party of the tariff in force "
                                 f"from {tariff.valid_from} (parties: {', '.join(known)})")
        elif tariff.direct_charges is None:
            yield doc.diagnostic((*here, "direct"), "direct-not-provided",
                                 f"the tariff in force from {tariff.valid_from} provides no "
                                 "direct charges: share the line by the key, or add "
                                 "'direct_charges' (with its article) to the tariff")


def _key_usable(tariff: SharingTariff) -> bool:
    known = {party.id for party in tariff.parties}
    return (tariff.is_complete() and set(tariff.key.shares) <= known
            and sum(party.carrier for party in tariff.parties) == 1)


def _sharing_examples(doc: Document, tariff: SharingTariff) -> Iterator[Diagnostic]:
    """Recompute each worked example; a figure that differs is an error at the example."""
    if not _key_usable(tariff):
        return  # the key's own diagnostics say why
    for index, example in enumerate(tariff.examples):
        problems = list(cost_line_problems(doc, ("examples", index, "costs"), example.costs,
                                           tariff))
        yield from problems
        if problems:
            continue
        budget = Budget(service=tariff.service, year=tariff.valid_from.year,
                        lines=example.costs)
        bill = bill_sharing(tariff, budget)
        for path, message in sharing_example_mismatches(bill, example.expect):
            yield doc.diagnostic(("examples", index, "expect", *path), "example-mismatch",
                                 f"worked example '{example.title}' ({example.article}): "
                                 f"{message}")


def sharing_example_mismatches(
    bill: Bill, expect: SharingExpectation
) -> Iterator[tuple[Path_, str]]:
    """(path in ``expect``, what differs) for each expected figure the engine disagrees with."""
    statements = {statement.member.id: statement for statement in bill.statements}
    for party, amount in expect.totals.items():
        statement = statements.get(party)
        got = statement.total if statement else ZERO
        if got != amount:
            yield ("totals", party), f"expected {party} total {amount}, computed {got}"
    for party, codes in expect.lines.items():
        lines = statements[party].lines if party in statements else ()
        for code, amount in codes.items():
            got = sum((line.amount for line in lines if line.code == code), ZERO)
            if got != amount:
                yield ("lines", party, code), (f"expected {party} {code} = {amount}, "
                                               f"computed {got}")
    if expect.billed is not None and bill.total != expect.billed:
        yield ("billed",), f"expected {expect.billed} billed, computed {bill.total}"


SHARING_CHECKS: tuple[SharingCheck, ...] = (
    _parties, _key, _key_derivation, _management_fee, _sharing_examples)


BudgetCheck = Callable[[Document, Budget, SharingTariff], Iterator[Diagnostic]]


def check_budget(doc: Document, budget: Budget, tariff: SharingTariff) -> Iterator[Diagnostic]:
    """Every semantic check of a budget against the tariff in force for its year."""
    for check in BUDGET_CHECKS:
        yield from check(doc, budget, tariff)


def _budget_service(doc: Document, budget: Budget, tariff: SharingTariff) -> Iterator[Diagnostic]:
    """The budget is the service's, for a year its tariff covers."""
    if budget.service != tariff.service:
        yield doc.diagnostic(("service",), "budget-service",
                             f"this budget is for service '{budget.service}', the tariff for "
                             f"'{tariff.service}'")
    if not tariff.covers(budget.year):
        yield doc.diagnostic(("year",), "budget-year",
                             f"the tariff in force from {tariff.valid_from} does not cover "
                             f"{budget.year}")


def _budget_lines(doc: Document, budget: Budget, tariff: SharingTariff) -> Iterator[Diagnostic]:
    yield from cost_line_problems(doc, ("lines",), budget.lines, tariff)


BUDGET_CHECKS: tuple[BudgetCheck, ...] = (_budget_service, _budget_lines)


RosterCheck = Callable[[Document, Roster, GridTariff | None], Iterator[Diagnostic]]


def check_roster(doc: Document, roster: Roster, tariff: GridTariff | None) -> Iterator[Diagnostic]:
    """Every semantic check of a roster, against one version of its service's tariff
    (None: the checks that need no tariff)."""
    for check in ROSTER_CHECKS:
        yield from check(doc, roster, tariff)


def _member_ids(doc: Document, roster: Roster, tariff: GridTariff | None) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for index, member in enumerate(roster.members):
        if member.id in seen:
            first = doc.position(("members", seen[member.id], "id"))[0]
            yield doc.diagnostic(("members", index, "id"), "duplicate-member",
                                 f"member {member.id} is listed twice (first at line {first})")
        seen.setdefault(member.id, index)


def _subscription_overlaps(
    doc: Document, roster: Roster, tariff: GridTariff | None
) -> Iterator[Diagnostic]:
    """Two subscriptions of a member to the same yearly offer do not overlap."""
    for index, member in enumerate(roster.members):
        latest: dict[str, Subscription] = {}
        by_start = sorted((s.start, i, s) for i, s in enumerate(member.subscriptions) if s.start)
        for start, sub_index, subscription in by_start:
            before = latest.get(subscription.offer)
            if before is not None and (before.end is None or before.end >= start):
                yield doc.diagnostic(
                    ("members", index, "subscriptions", sub_index, "start"),
                    "subscription-overlap",
                    f"this subscription to '{subscription.offer}' starts on {start}, while "
                    f"the one from {before.start} runs until {before.end or 'further notice'}"
                    f": end that one on {start - dt.timedelta(days=1)} or merge them")
            latest[subscription.offer] = subscription


def _offers_known(doc: Document, roster: Roster, tariff: GridTariff | None) -> Iterator[Diagnostic]:
    """Subscriptions and overrides name offers of the tariff, with the dates their kind
    needs (a start for a yearly offer, a delivery date for a one-off service)."""
    if tariff is None:
        return
    known = ", ".join(offer.id for offer in tariff.offers)
    for index, member in enumerate(roster.members):
        here: Path_ = ("members", index)
        for sub_index, subscription in enumerate(member.subscriptions):
            path = (*here, "subscriptions", sub_index)
            offer = tariff.offer(subscription.offer)
            if offer is None:
                yield doc.diagnostic((*path, "offer"), "unknown-offer",
                                     f"offer '{subscription.offer}' is not in the tariff "
                                     f"(offers: {known})")
            elif offer.billing is Billing.ONE_OFF and subscription.delivered is None:
                yield doc.diagnostic(path, "subscription-dates",
                                     f"'{offer.id}' is a one-off service: give the date it was "
                                     "'delivered'")
            elif offer.billing is Billing.ANNUAL and subscription.start is None:
                yield doc.diagnostic(path, "subscription-dates",
                                     f"'{offer.id}' is billed yearly: give its 'start' date")
        for over_index, override in enumerate(member.overrides):
            if tariff.offer(override.offer) is None:
                yield doc.diagnostic((*here, "overrides", over_index, "offer"), "unknown-offer",
                                     f"offer '{override.offer}' is not in the tariff "
                                     f"(offers: {known})")


def review_warnings(doc: Document, roster: Roster, tariff: GridTariff) -> Iterator[Diagnostic]:
    """A warning for each member the engine would list as *needs review* in a year of the
    roster (above a review threshold, no override with its reference: art. 7.1 (*)).
    ``check`` shows them; ``bill`` lists such members itself, so it does not run this."""
    for index, member in enumerate(roster.members):
        reviews = {year: outcome for year in sorted(member.population) if tariff.covers(year)
                   and isinstance(outcome := bill_member(tariff, member, year), NeedsReview)}
        if reviews:
            years = ", ".join(str(year) for year in reviews)
            reason = reviews[max(reviews)].reason
            yield replace(doc.diagnostic(("members", index), "needs-review",
                                         f"member {member.id} {member.name} needs review in "
                                         f"{years}: {reason}"),
                          severity=Severity.WARNING)


ROSTER_CHECKS: tuple[RosterCheck, ...] = (_member_ids, _subscription_overlaps, _offers_known)
