"""Semantic checks: small pure functions, one signature, run all together.

Each check takes the ``Document`` (for positions) and the validated model and yields
``Diagnostic`` values; ``check_tariff`` and ``check_roster`` run their whole list, so one
run reports every problem (beancount's validations, yamllint's rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

from servcommun.diagnostics import Diagnostic
from servcommun.engine.grid import bill_grid, population_bracket
from servcommun.money import HUNDRED, ZERO
from servcommun.reader import Document, Path_
from servcommun.roster import Member, Roster, Subscription
from servcommun.tariff import (
    Billing,
    Bracket,
    BracketAmountPart,
    CreditPart,
    GridTariff,
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
        yield from _key(doc, tariff)


def _validity(doc: Document, tariff: GridTariff | SharingTariff) -> Iterator[Diagnostic]:
    if tariff.valid_until is not None and tariff.valid_until < tariff.valid_from:
        yield doc.diagnostic(("valid_until",), "validity-order",
                             f"valid_until {tariff.valid_until} is before valid_from "
                             f"{tariff.valid_from}")


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
        if bracket.from_ > expected_from:
            previous = f"{brackets[index - 1].from_}–{expected_from - 1}" if index else "start"
            yield doc.diagnostic((*here, "from"), "bracket-gap",
                                 f"brackets {previous} and {bracket.from_}–"
                                 f"{bracket.to if bracket.to is not None else ''} leave "
                                 f"{expected_from}–{bracket.from_ - 1} uncovered"
                                 if index else f"brackets must start at 0, not {bracket.from_}")
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
        for path, message in example_mismatches(tariff, example):
            yield doc.diagnostic(("examples", index, "expect", *path), "example-mismatch",
                                 f"worked example '{example.title}' ({example.article}): "
                                 f"{message}")


def example_members(example: WorkedExample) -> list[Member]:
    members: list[Member] = []
    for spec in example.members:
        for _ in range(spec.count):
            number = len(members) + 1
            members.append(Member(
                id=f"{number:05d}", name=f"example member {number}",
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
    for code, amount in expect.lines.items():
        got = sum((line.amount for s in bill.statements for line in s.lines if line.code == code),
                  ZERO)
        if got != amount:
            yield ("lines", code), f"expected {code} = {amount}, computed {got}"
    for offer, amount in expect.offers.items():
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


GRID_CHECKS: tuple[TariffCheck, ...] = (_offer_ids, _references, _brackets, _examples)


def _key(doc: Document, tariff: SharingTariff) -> Iterator[Diagnostic]:
    """The key names known parties, each once, and sums to exactly 100 %."""
    parties = {party.id for party in tariff.parties}
    carriers = [i for i, party in enumerate(tariff.parties) if party.carrier]
    if len(carriers) != 1:
        yield doc.diagnostic(("parties",), "carrier",
                             f"exactly one party must be the carrier (found {len(carriers)})")
    seen: set[str] = set()
    for index, share in enumerate(tariff.key):
        if share.party not in parties:
            yield doc.diagnostic(("key", index, "party"), "unknown-party",
                                 f"party '{share.party}' is not defined "
                                 f"(defined: {', '.join(sorted(parties))})")
        if share.party in seen:
            yield doc.diagnostic(("key", index, "party"), "duplicate-party",
                                 f"party '{share.party}' appears twice in the key")
        seen.add(share.party)
    total = tariff.key_sum()
    if total != HUNDRED:
        yield doc.diagnostic(("key",), "key-sum",
                             f"the key sums to {total} %, not 100 %: "
                             f"{'add' if total < HUNDRED else 'remove'} {abs(HUNDRED - total)}")


def check_roster(doc: Document, roster: Roster, tariff: GridTariff) -> Iterator[Diagnostic]:
    """Unique member ids; subscriptions and overrides naming offers of the tariff, with
    the dates their kind needs."""
    seen: dict[str, int] = {}
    known = ", ".join(offer.id for offer in tariff.offers)
    for index, member in enumerate(roster.members):
        here: Path_ = ("members", index)
        if member.id in seen:
            yield doc.diagnostic((*here, "id"), "duplicate-member",
                                 f"member {member.id} is listed twice (first as member "
                                 f"{seen[member.id] + 1})")
        seen.setdefault(member.id, index)
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
