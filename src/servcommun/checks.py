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
from servcommun.engine.bill import bill_member, bill_members, budget_data, subscriptions_in
from servcommun.engine.context import STATEMENT, ServiceData
from servcommun.engine.keys import (
    KeyComputationError,
    KeyDerivationError,
    derive_share,
    year_key,
)
from servcommun.engine.parties import party_members
from servcommun.engine.result import NeedsReview
from servcommun.key_checks import did_you_mean, key_shares
from servcommun.message import Unsaid
from servcommun.money import HUNDRED, ZERO
from servcommun.reader import Document, Path_
from servcommun.render.words import say
from servcommun.roster import Consumption, Member, Override, Roster, Subscription
from servcommun.tariff import Key, SettlementMode, Tariff, WorkedExample
from servcommun.terms import Act, AgentTime, Billing, Bracket, CostLine

TariffCheck = Callable[[Document, Tariff], Iterator[Diagnostic]]


def check_tariff(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Every semantic check of a tariff file."""
    for check in TARIFF_CHECKS:
        yield from check(doc, tariff)


def _validity(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    if tariff.valid_until is not None and tariff.valid_until < tariff.valid_from:
        yield doc.diagnostic(
            ("valid_until",),
            "validity-order",
            f"valid_until {tariff.valid_until} is before valid_from {tariff.valid_from}",
        )
    if tariff.service_ends and tariff.valid_until is None:
        yield doc.diagnostic(
            ("service_ends",),
            "validity-order",
            "service_ends: true needs the date the service ends (valid_until)",
        )


def check_versions(versions: Sequence[tuple[Document, Tariff]]) -> Iterator[Diagnostic]:
    """The versions of one service follow each other without overlap, and without a gap
    unless the earlier one says the service ends (``service_ends``). Each problem is
    placed at the later version's ``valid_from``."""
    ordered = sorted(versions, key=lambda version: version[1].valid_from)
    for (before_doc, before), (doc, tariff) in itertools.pairwise(ordered):
        span = f"{before.valid_from} → {before.valid_until or 'open'}"
        if before.valid_until is None or before.valid_until >= tariff.valid_from:
            day_before = tariff.valid_from - dt.timedelta(days=1)
            yield doc.diagnostic(
                ("valid_from",),
                "validity-overlap",
                f"valid_from {tariff.valid_from} overlaps {before_doc.file} "
                f"({span}), a version of the same service: end that one on "
                f"{day_before} (valid_until) or start this one later",
            )
            continue
        next_day = before.valid_until + dt.timedelta(days=1)
        if tariff.valid_from > next_day and not before.service_ends:
            yield doc.diagnostic(
                ("valid_from",),
                "validity-gap",
                f"{before_doc.file} ends on {before.valid_until}: from "
                f"{next_day} to {tariff.valid_from - dt.timedelta(days=1)} "
                f"no version of '{tariff.service}' is in force; start this "
                f"one on {next_day}, or write 'service_ends: true' in "
                f"{before_doc.file} if the service stopped",
            )


def _offer_ids(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, offer in enumerate(tariff.offers):
        if offer.id in seen:
            yield doc.diagnostic(
                ("offers", index, "id"), "duplicate-offer", f"offer '{offer.id}' is defined twice"
            )
        if offer.id == STATEMENT:
            yield doc.diagnostic(
                ("offers", index, "id"),
                "reserved-offer-id",
                f"'{STATEMENT}' names the lines of the statement-wide "
                "floors and caps (statement_limits): choose another id",
            )
        seen.add(offer.id)
        codes: set[str] = set()
        for part_index, part in enumerate(offer.parts):
            if part.code in codes:
                yield doc.diagnostic(
                    ("offers", index, "parts", part_index, "code"),
                    "duplicate-part",
                    f"part '{part.code}' appears twice",
                )
            codes.add(part.code)


def _references(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Every offer a rule names is defined (credit source, included_in, staffing)."""
    known = [offer.id for offer in tariff.offers]

    def unknown(path: Path_, name: str) -> Diagnostic:
        return doc.diagnostic(
            path, "unknown-offer", f"offer '{name}' is not defined (defined: {', '.join(known)})"
        )

    for index, offer in enumerate(tariff.offers):
        for other_index, other in enumerate(offer.included_in):
            if other not in known:
                yield unknown(("offers", index, "included_in", other_index), other)
    if tariff.staffing and tariff.staffing.counted_offer not in known:
        yield unknown(("staffing", "counted_offer"), tariff.staffing.counted_offer)
    for index, example in enumerate(tariff.examples):
        here: Path_ = ("examples", index)
        codes = line_codes(tariff, example.costs)
        for member_index, spec in enumerate(example.members):
            yield from attribute_problems(
                doc, (*here, "members", member_index, "attributes"), spec.attributes, tariff
            )
            for sub_index, subscription in enumerate(spec.subscriptions):
                if subscription.offer not in known:
                    yield unknown(
                        (*here, "members", member_index, "subscriptions", sub_index, "offer"),
                        subscription.offer,
                    )
            yield from acts_problems(
                doc,
                [
                    ((*here, "members", member_index, "consumption", act_index), None, act)
                    for act_index, act in enumerate(spec.consumption)
                ],
                tariff,
            )
        yield from _example_data(doc, here, example, tariff)
        for offer_id in example.expect.offers:
            if offer_id not in known:
                yield doc.diagnostic(
                    (*here, "expect", "offers", offer_id),
                    "unknown-offer",
                    f"offer '{offer_id}' is not defined (defined: {', '.join(known)})",
                    key=True,
                )
        expected: list[tuple[Path_, str]] = [
            (("lines", code), code) for code in example.expect.lines
        ]
        expected += [
            (("member_lines", member, code), code)
            for member, lines in example.expect.member_lines.items()
            for code in lines
        ]
        for where, code in expected:
            if code not in codes:
                yield doc.diagnostic(
                    (*here, "expect", *where),
                    "unknown-line",
                    f"no rule produces line '{code}' (lines: {', '.join(sorted(codes))})",
                    key=True,
                )


def line_codes(tariff: Tariff, costs: Sequence[CostLine] = ()) -> set[str]:
    """The codes of the lines the tariff's rules produce (``<offer>.<part>``, and
    ``statement.<code>`` for the statement-wide floors and caps), with those of the
    budget lines ``costs`` when parts share them (``<line id>.share|direct``, and
    ``<fee code>.share|direct``)."""
    codes = {code for offer, part in tariff.parts() for code in part.line_codes(offer.id, costs)}
    return codes | {f"{STATEMENT}.{limit.code}" for limit in tariff.statement_limits}


def _yearly_rules(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Rules that bill a year's use or share a year's cost belong to annual offers."""
    for index, offer in enumerate(tariff.offers):
        if offer.billing is Billing.ANNUAL:
            continue
        for part_index, part in enumerate(offer.parts):
            if part.ANNUAL_ONLY:
                yield doc.diagnostic(
                    ("offers", index, "parts", part_index, "rule"),
                    "annual-rule",
                    f"'{offer.id}' is a one-off service: a '{part.rule}' part "
                    "bills the use or the cost of a year, in an annual offer",
                )


def _parts(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Each part's own checks (``PartRule.problems``)."""
    for index, offer in enumerate(tariff.offers):
        for part_index, part in enumerate(offer.parts):
            yield from part.problems(doc, ("offers", index, "parts", part_index), offer, tariff)


def _priced_once(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Each unit is priced by one part of the tariff: rosters name units, not parts."""
    seen: dict[str, str] = {}
    for index, offer in enumerate(tariff.offers):
        for part_index, part in enumerate(offer.parts):
            for unit_index, unit in enumerate(part.priced_units()):
                if unit.id in seen:
                    yield doc.diagnostic(
                        ("offers", index, "parts", part_index, "units", unit_index, "id"),
                        "duplicate-unit",
                        f"unit '{unit.id}' is already priced by "
                        f"{seen[unit.id]}: a roster's act must name one rule",
                    )
                seen.setdefault(unit.id, f"{offer.id}.{part.code}")


def _limits(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Statement-wide floors and caps: each checked among the others (a floor never above
    a cap), none prorated (a statement has no single subscription to prorate by)."""
    for index, limit in enumerate(tariff.statement_limits):
        here: Path_ = ("statement_limits", index)
        yield from limit.scope_problems(doc, here, tariff.statement_limits)
        if limit.prorated:
            yield doc.diagnostic(
                (*here, "prorated"),
                "limit-prorated",
                "a statement-wide floor or cap cannot be prorated: put it in "
                "the offer whose subscription it follows",
            )


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


def _example_data(
    doc: Document, here: Path_, example: WorkedExample, tariff: Tariff
) -> Iterator[Diagnostic]:
    """What a worked example needs besides its expectations: its members (or the tariff's
    parties), the index values of an indexed tariff, the year's budget of a pool taken
    from the budget file or of lines shared by a key, and the agents of a computed key;
    members named by id one at a time."""
    yield from _example_indices(doc, here, example, tariff)
    yield from _example_members(doc, here, example, tariff)
    held = _example_offers(example, tariff)
    said: set[Diagnostic] = set()
    for offer, part in tariff.parts():
        if offer.id in held:
            for problem in part.example_problems(doc, here, example, tariff):
                if problem not in said:  # two parts lacking the same figure: said once
                    said.add(problem)
                    yield problem
    yield from _example_budget(doc, here, example, tariff, held)
    for index, spec in enumerate(example.members):
        if spec.id is not None and spec.count != 1:
            yield doc.diagnostic(
                (*here, "members", index, "id"),
                "example-member-id",
                f"member '{spec.id}' is named: it cannot stand for {spec.count} members (count)",
            )
    named = [spec.id for spec in example.members if spec.id is not None] + [
        party.id for party in tariff.parties
    ]
    for field in ("members", "attribution_after", "member_lines"):
        for member_id in getattr(example.expect, field):
            if member_id not in named:
                yield doc.diagnostic(
                    (*here, "expect", field, member_id),
                    "unknown-member",
                    f"no member of the example is named '{member_id}' "
                    f"(named: {', '.join(named) or 'none: give members an id'})",
                    key=True,
                )
    known = [key.id for key in tariff.keys]
    for key_id in example.expect.keys:
        if key_id not in known:
            yield doc.diagnostic(
                (*here, "expect", "keys", key_id),
                "undefined-key",
                f"the tariff defines no key '{key_id}' (keys: {', '.join(known) or 'none'})",
                key=True,
            )


def _example_members(
    doc: Document, here: Path_, example: WorkedExample, tariff: Tariff
) -> Iterator[Diagnostic]:
    """A tariff naming its parties bills them in its examples, in a year it covers;
    another tariff's examples say their members."""
    if tariff.parties and example.members:
        yield doc.diagnostic(
            (*here, "members"),
            "example-members",
            f"worked example '{example.title}': the tariff names its parties, "
            "they are the members its examples bill: remove 'members'",
        )
    elif not tariff.parties and not example.members:
        yield doc.diagnostic(
            here,
            "example-members",
            f"worked example '{example.title}' bills no one: give its "
            "'members' (population, subscriptions)",
        )
    if tariff.parties and not tariff.covers(example.year):
        yield doc.diagnostic(
            (*here, "year"),
            "example-year",
            f"worked example '{example.title}' is of {example.year}, when "
            f"the tariff (from {tariff.valid_from}) is not in force",
        )


def _example_offers(example: WorkedExample, tariff: Tariff) -> set[str]:
    """The offers the example's members hold (a tariff's parties hold every annual one)."""
    if tariff.parties:
        return {offer.id for offer in tariff.offers if offer.billing is Billing.ANNUAL}
    return {subscription.offer for spec in example.members for subscription in spec.subscriptions}


def _example_budget(
    doc: Document, here: Path_, example: WorkedExample, tariff: Tariff, held: set[str]
) -> Iterator[Diagnostic]:
    """The budget lines the example's keyed parts share ('costs'), and the agents of a key
    computed from them: given, and well formed."""
    if example.costs and example.budget is not None:
        yield doc.diagnostic(
            (*here, "budget"),
            "example-budget",
            f"worked example '{example.title}': give the year's budget as its "
            "lines ('costs') or as its total ('budget'), not both",
        )
    keyed = [part for offer, part in tariff.keyed_parts() if offer.id in held]
    if keyed and not example.costs:
        yield doc.diagnostic(
            (*here, "year"),
            "example-budget",
            f"worked example '{example.title}' needs the year's budget lines "
            f"its '{keyed[0].code}' part shares: give them as 'costs'",
        )
    yield from cost_line_problems(doc, (*here, "costs"), example.costs, tariff)
    computed = [key for key in tariff.keys_used(held) if key.computed]
    if computed or example.agents:
        yield from agent_problems(doc, here, example.agents, tariff, required=bool(computed))


def _example_indices(
    doc: Document, here: Path_, example: WorkedExample, tariff: Tariff
) -> Iterator[Diagnostic]:
    """A worked example of an indexed tariff gives the index values it was computed with
    (those of the reference year and of the year that indexes the example's year)."""
    for indexation in tariff.indexations():
        year = example.year - (1 if indexation.index_year == "previous" else 0)
        values = example.indices.get(indexation.index, {})
        missing = [
            str(y) for y in dict.fromkeys((indexation.reference_year, year)) if y not in values
        ]
        if missing:
            yield doc.diagnostic(
                (*here, "indices") if example.indices else (*here, "year"),
                "example-index",
                f"worked example '{example.title}' needs the value of index "
                f"'{indexation.index}' for {' and '.join(missing)}: give it "
                f"under 'indices: {{{indexation.index}: {{YEAR: VALUE}}}}'",
            )


def _staffing(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Staffing steps climb: each from more members than the last (art. 7: 10, then 21)."""
    if tariff.staffing is None:
        return
    steps = tariff.staffing.steps
    for index in range(1, len(steps)):
        if steps[index].from_ <= steps[index - 1].from_:
            yield doc.diagnostic(
                ("staffing", "steps", index, "from"),
                "staffing-order",
                f"step from {steps[index].from_} members comes after the "
                f"step from {steps[index - 1].from_}: order steps by "
                "increasing number of members",
            )


def _brackets(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Brackets start at 0, follow each other without gap or overlap, and end open or at
    the offer's review threshold (above it the offer is negotiated, art. 7.1 (*))."""
    for index, offer in enumerate(tariff.offers):
        threshold = offer.review.population_threshold if offer.review else None
        for part_index, part in enumerate(offer.parts):
            for name, table in part.population_tables():
                path: Path_ = ("offers", index, "parts", part_index, name)
                yield from bracket_problems(doc, path, table, threshold)


def bracket_problems(
    doc: Document, path: Path_, brackets: Sequence[Bracket], threshold: int | None
) -> Iterator[Diagnostic]:
    expected_from = 0
    for index, bracket in enumerate(brackets):
        here = (*path, index)
        if bracket.to is not None and bracket.to < bracket.from_:
            yield doc.diagnostic(
                (*here, "to"),
                "bracket-order",
                f"bracket ends at {bracket.to}, before it starts ({bracket.from_})",
            )
            return  # what follows would only be consequences of this one
        if bracket.from_ > expected_from and not index:
            yield doc.diagnostic(
                (*here, "from"),
                "bracket-start",
                f"brackets must start at 0, not {bracket.from_}: "
                f"{'0' if bracket.from_ == 1 else f'0–{bracket.from_ - 1}'} "
                "inhabitants would be billed nothing",
            )
        elif bracket.from_ > expected_from:
            previous = f"{brackets[index - 1].from_}–{expected_from - 1}"
            yield doc.diagnostic(
                (*here, "from"),
                "bracket-gap",
                f"brackets {previous} and {bracket.from_}–"
                f"{bracket.to if bracket.to is not None else ''} leave "
                f"{expected_from}–{bracket.from_ - 1} uncovered",
            )
        elif bracket.from_ < expected_from:
            yield doc.diagnostic(
                (*here, "from"),
                "bracket-overlap",
                f"bracket starting at {bracket.from_} overlaps the previous "
                f"one (which ends at {expected_from - 1}): start it at "
                f"{expected_from}",
            )
        if bracket.to is None:
            if index != len(brackets) - 1:
                yield doc.diagnostic(
                    (*here, "to"), "bracket-open", "only the last bracket may be open-ended"
                )
            return
        expected_from = bracket.to + 1
    last = brackets[-1].to
    if last is not None and last != threshold:
        where = f"the review threshold ({threshold})" if threshold is not None else "open (no 'to')"
        yield doc.diagnostic(
            (*path, len(brackets) - 1, "to"),
            "bracket-end",
            f"the last bracket ends at {last}: it must end at {where}, or "
            "populations above it are billed nothing",
        )


def _examples(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Recompute each worked example; a figure that differs is an error at the example."""
    if not _keys_usable(tariff):
        return  # the keys' own diagnostics say why
    for index, example in enumerate(tariff.examples):
        if any(_example_data(doc, ("examples", index), example, tariff)):
            continue  # said by _references: the example cannot be computed without it
        try:
            mismatches = list(example_mismatches(tariff, example))
        except (ArithmeticError, ValueError) as error:  # figures the engine cannot handle
            said = say(error.message) if isinstance(error, Unsaid) else str(error)
            yield doc.diagnostic(
                ("examples", index),
                "example-error",
                f"worked example '{example.title}' cannot be computed: {said}",
            )
            continue
        for path, message in mismatches:
            yield doc.diagnostic(
                ("examples", index, "expect", *path),
                "example-mismatch",
                f"worked example '{example.title}' ({example.article}): {message}",
            )


def example_members(example: WorkedExample, tariff: Tariff) -> list[Member]:
    """The members an example bills: its own, or the tariff's parties."""
    if tariff.parties:
        return list(party_members(tariff))
    members: list[Member] = []
    for spec in example.members:
        for _ in range(spec.count):
            number = len(members) + 1
            members.append(
                Member(
                    id=spec.id or f"35{number:03d}",
                    name=f"example member {number}",
                    population={example.year - 1: spec.population, example.year: spec.population},
                    attributes=spec.attributes,
                    subscriptions=tuple(Subscription(**s.model_dump()) for s in spec.subscriptions),
                    consumption=spec.consumption,
                    attribution_compensation=spec.attribution_compensation,
                    settlement=spec.settlement,
                )
            )
    return members


def example_mismatches(tariff: Tariff, example: WorkedExample) -> Iterator[tuple[Path_, str]]:
    """(path in ``expect``, what differs) for each expected figure the engine disagrees with."""
    members = example_members(example, tariff)
    costs = {example.year: example.budget} if example.budget is not None else {}
    operation = (
        {example.year: example.units_of_operation} if example.units_of_operation is not None else {}
    )
    data = ServiceData(indices=example.indices, costs=costs, operation=operation)
    if example.costs:
        data = budget_data(
            Budget(
                service=tariff.service,
                year=example.year,
                lines=example.costs,
                agents=example.agents,
                units_of_operation=example.units_of_operation,
            ),
            data,
        )
    elif example.agents:  # a pool layer's computed key; the pool is the 'budget' total
        data = replace(
            data,
            budgets={
                example.year: Budget.model_construct(
                    service=tariff.service, year=example.year, lines=(), agents=example.agents
                )
            },
        )
    bill = bill_members(tariff, members, example.year, data)
    expect = example.expect
    if expect.needs_review is not None and expect.needs_review != bool(bill.needs_review):
        yield (
            ("needs_review",),
            (f"expected needs_review {expect.needs_review}, computed {bool(bill.needs_review)}"),
        )
    if expect.total is not None and bill.total != expect.total:
        yield ("total",), f"expected total {expect.total}, computed {bill.total}"
    codes = line_codes(tariff, example.costs)
    for code, amount in expect.lines.items():
        if code not in codes:
            continue  # an unknown line, reported as such by _references
        got = sum(
            (line.amount for s in bill.statements for line in s.lines if line.code == code), ZERO
        )
        if got != amount:
            yield ("lines", code), f"expected {code} = {amount}, computed {got}"
    statements = {s.member.id: s for s in bill.statements}
    for member_id, expected in expect.member_lines.items():
        lines = statements[member_id].lines if member_id in statements else ()
        for code, amount in expected.items():
            got = sum((line.amount for line in lines if line.code == code), ZERO)
            if code in codes and got != amount:
                yield (
                    ("member_lines", member_id, code),
                    (f"expected {member_id} {code} = {amount}, computed {got}"),
                )
    holders = [member.id for member in members]
    for key_id, expected_key in expect.keys.items():
        key = tariff.key(key_id)
        if key is None:
            continue  # an unknown key, reported as such by _example_data
        shares = year_key(key, example.agents, holders).shares
        for member_id, percent in expected_key.items():
            if shares.get(member_id) != percent:
                yield (
                    ("keys", key_id, member_id),
                    (
                        f"expected {member_id}'s share of the key '{key_id}' {percent} %, "
                        f"computed {shares.get(member_id, ZERO)} %"
                    ),
                )
    totals = {s.member.id: s.total for s in bill.statements}
    for member_id, amount in expect.members.items():
        got = totals.get(member_id, ZERO)
        if got != amount:
            yield (
                ("members", member_id),
                f"expected member {member_id} total {amount}, computed {got}",
            )
    after = {
        s.member.id: s.settlement.attribution_after
        for s in bill.statements
        if s.settlement is not None
    }
    for member_id, amount in expect.attribution_after.items():
        if after.get(member_id) != amount:
            yield (
                ("attribution_after", member_id),
                (
                    f"expected member {member_id}'s attribution de compensation after deduction "
                    f"{amount}, computed {after.get(member_id, 'none: not settled by deduction')}"
                ),
            )
    for offer, amount in expect.offers.items():
        if tariff.offer(offer) is None:
            continue  # an unknown offer, reported as such by _references
        got = sum((s.offer_total(offer) for s in bill.statements), ZERO)
        if got != amount:
            yield ("offers", offer), f"expected {offer} total {amount}, computed {got}"
    if expect.allowance_days is not None:
        got = allowance_days(tariff, members)
        if got != expect.allowance_days:
            yield (
                ("allowance_days",),
                (f"expected allowance of {expect.allowance_days} days, computed {got}"),
            )


def allowance_days(tariff: Tariff, members: Sequence[Member]) -> Decimal:
    """Sum of the members' yearly allowances (art. 3.2: 117 days shared by 30 communes)."""
    return sum(
        (
            part.allowance_for(max(member.population.items())[1])
            for _, part in tariff.parts()
            for member in members
        ),
        ZERO,
    )


# -- parties, keys and the parts sharing budget lines (Rouen, délibération 10-26) ----------


def _parties(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Party ids are unique, and one party at most is the carrier (it bills the others)."""
    seen: set[str] = set()
    for index, party in enumerate(tariff.parties):
        if party.id in seen:
            yield doc.diagnostic(
                ("parties", index, "id"), "duplicate-party", f"party '{party.id}' is defined twice"
            )
        seen.add(party.id)
    carriers = [index for index, party in enumerate(tariff.parties) if party.carrier]
    if len(carriers) > 1:
        yield doc.diagnostic(
            ("parties", carriers[1], "carrier"),
            "carrier",
            f"one party at most is the carrier, the one that runs the "
            f"service and bills the others (found {len(carriers)}): write "
            "'carrier: true' on that one only",
        )


def _keys(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Keys have unique ids; a written key names parties of the tariff (when it names
    them), is written to its precision and sums to exactly 100 %; a computed key says how
    it is rounded; a derivation, recomputed, gives the key."""
    known = [party.id for party in tariff.parties]
    seen: set[str] = set()
    for index, key in enumerate(tariff.keys):
        here: Path_ = ("keys", index)
        if key.id in seen:
            yield doc.diagnostic(
                (*here, "id"), "duplicate-key-id", f"key '{key.id}' is defined twice"
            )
        seen.add(key.id)
        if key.computed is not None:
            yield from _key_rounding(doc, here, key, known)
            continue
        yield from key_shares(doc, (*here, "shares"), key.shares, key.precision, tariff)
        yield from _key_derivation(doc, here, key)


def _key_rounding(
    doc: Document, here: Path_, key: Key, known: Sequence[str]
) -> Iterator[Diagnostic]:
    assert key.computed is not None
    rounding = key.computed.rounding
    where: Path_ = (*here, "computed", "rounding")
    if rounding.method == "half-up" and (
        rounding.remainder_to is None or (known and rounding.remainder_to not in known)
    ):
        yield doc.diagnostic(
            where,
            "key-rounding",
            "percentages rounded half up need not sum to 100: name the "
            "party that absorbs the difference ('remainder_to'"
            + (f": one of {', '.join(known)}" if known else "")
            + "), or round by the largest remainder",
        )
    elif rounding.method == "largest-remainder" and rounding.remainder_to is not None:
        yield doc.diagnostic(
            (*where, "remainder_to"),
            "key-rounding",
            "the largest remainder gives each hundredth left to the "
            "largest remainders: 'remainder_to' would not be used",
        )
    if key.derivation is not None:
        yield doc.diagnostic(
            (*here, "derivation"),
            "key-derivation",
            "a key computed from the agents each year has no derivation of "
            "its own: remove one of them",
        )


def _key_derivation(doc: Document, here: Path_, key: Key) -> Iterator[Diagnostic]:
    """The deliberation's derivation, recomputed: from the previous key, the party's share
    made to bear the target on the base and taken from one party gives exactly this key."""
    derivation = key.derivation
    if derivation is None:
        return
    path: Path_ = (*here, "derivation")
    try:
        derived = derive_share(
            derivation.previous,
            party=derivation.party,
            target=derivation.target,
            base=derivation.base,
            take_from=derivation.take_from,
            precision=key.precision,
        )
    except KeyDerivationError as error:
        yield doc.diagnostic(
            path, "key-derivation", f"the derivation cannot be recomputed: {say(error.message)}"
        )
        return
    if dict(derived.after) != dict(key.shares):
        yield doc.diagnostic(
            path,
            "key-derivation",
            f"deriving '{derivation.party}' from the previous key gives "
            f"{_shares_text(derived.after)}, not the key's "
            f"{_shares_text(key.shares)}",
        )


def _shares_text(shares: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{party} {percent} %" for party, percent in shares.items())


def _population_rule(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """A tariff whose rules use the population says which legal population it bills on."""
    if tariff.population is None and tariff.uses_population():
        yield doc.diagnostic(
            (),
            "missing-key",
            "'population': a rule of this tariff uses the members' population: "
            "say which legal population it bills on ('population: {kind: "
            "totale}')",
        )


def _keys_usable(tariff: Tariff) -> bool:
    """The keys can share amounts: written ones name parties of the tariff and sum to
    100 %, computed ones say how they round; one carrier at most."""
    known = {party.id for party in tariff.parties}
    return sum(party.carrier for party in tariff.parties) <= 1 and all(
        (
            key.computed is not None
            and (
                key.computed.rounding.method == "largest-remainder"
                or key.computed.rounding.remainder_to is not None
            )
        )
        or (key.total() == HUNDRED and (not known or set(key.shares) <= known))
        for key in tariff.keys
    )


def _duplicate_lines(doc: Document, path: Path_, costs: Sequence[CostLine]) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for index, cost in enumerate(costs):
        if cost.id in seen:
            yield doc.diagnostic(
                (*path, index, "id"),
                "duplicate-line",
                f"cost line '{cost.id}' is listed twice (first as line {seen[cost.id] + 1})",
            )
        seen.setdefault(cost.id, index)


def cost_line_problems(
    doc: Document, path: Path_, costs: Sequence[CostLine], tariff: Tariff
) -> Iterator[Diagnostic]:
    """Budget lines (of a budget or a worked example) have unique ids, none named like a
    management-fee part; each is shared by a budget-lines part of the tariff (when it has
    some); a line charged directly names a party of the tariff, and the part sharing it
    provides direct charges."""
    yield from _duplicate_lines(doc, path, costs)
    keyed = [part for _, part in tariff.keyed_parts()]
    shared = [part for part in keyed if not part.FEE]
    fees = {part.code for part in keyed if part.FEE}
    known = [party.id for party in tariff.parties]
    for index, cost in enumerate(costs):
        here: Path_ = (*path, index)
        if cost.id in fees:
            yield doc.diagnostic(
                (*here, "id"),
                "reserved-line-id",
                f"'{cost.id}' names the management-fee lines: choose another id",
            )
        sharing = next((part for part in shared if part.covers(cost)), None)
        if shared and sharing is None:
            yield doc.diagnostic(
                (*here, "category"),
                "line-not-shared",
                f"no budget-lines part of the tariff in force from "
                f"{tariff.valid_from} shares the {cost.category.value} lines: "
                "this line would be billed to no one",
            )
        if cost.direct is None:
            continue
        if known and cost.direct not in known:
            yield doc.diagnostic(
                (*here, "direct"),
                "unknown-party",
                f"party '{cost.direct}' is not a party of the tariff in force "
                f"from {tariff.valid_from} (parties: {', '.join(known)})",
            )
        elif shared and sharing is not None and not sharing.allows_direct():
            yield doc.diagnostic(
                (*here, "direct"),
                "direct-not-provided",
                f"the tariff in force from {tariff.valid_from} provides no "
                "direct charges: share the line by the key, or add "
                f"'direct' (with its article) to its '{sharing.code}' part",
            )
        elif not shared:
            yield doc.diagnostic(
                (*here, "direct"),
                "direct-not-provided",
                "no part of the tariff shares the budget's lines by a key "
                "(budget-lines): no line is charged directly to one member",
            )


TARIFF_CHECKS: tuple[TariffCheck, ...] = (
    _validity,
    _offer_ids,
    _references,
    _staffing,
    _brackets,
    _yearly_rules,
    _parts,
    _priced_once,
    _limits,
    _parties,
    _keys,
    _population_rule,
    _examples,
)


BudgetCheck = Callable[[Document, Budget, Tariff], Iterator[Diagnostic]]


def check_budget(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """Every semantic check of a budget against the tariff in force for its year."""
    for check in BUDGET_CHECKS:
        yield from check(doc, budget, tariff)


def _budget_service(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """The budget is the service's, for a year its tariff covers."""
    if budget.service != tariff.service:
        yield doc.diagnostic(
            ("service",),
            "budget-service",
            f"this budget is for service '{budget.service}', the tariff for '{tariff.service}'",
        )
    if not tariff.covers(budget.year):
        yield doc.diagnostic(
            ("year",),
            "budget-year",
            f"the tariff in force from {tariff.valid_from} does not cover {budget.year}",
        )


def agent_problems(
    doc: Document,
    here: Path_,
    agents: Sequence[AgentTime],
    tariff: Tariff,
    *,
    required: bool = True,
) -> Iterator[Diagnostic]:
    """The agents a key is computed from (of a budget or a worked example at ``here``):
    given when the key is computed (``required``), with unique ids, each time split
    between parties of the tariff summing to 100 %."""
    if required and not agents:
        yield doc.diagnostic(
            here,
            "no-agents",
            "the key is computed from the agents' time weighted by their "
            "salary cost: list them under 'agents' (id, cost, shares)",
        )
    known = [party.id for party in tariff.parties]
    seen: set[str] = set()
    for index, agent in enumerate(agents):
        path: Path_ = (*here, "agents", index)
        if agent.id in seen:
            yield doc.diagnostic(
                (*path, "id"), "duplicate-agent", f"agent '{agent.id}' is listed twice"
            )
        seen.add(agent.id)
        for party in agent.shares:
            if known and party not in known:
                yield doc.diagnostic(
                    (*path, "shares", party),
                    "unknown-party",
                    f"party '{party}' is not a party of the tariff in force "
                    f"from {tariff.valid_from} (parties: {', '.join(known)})",
                    key=True,
                )
        total = sum(agent.shares.values(), ZERO)
        if total != HUNDRED:
            yield doc.diagnostic(
                (*path, "shares"),
                "agent-shares",
                f"agent {agent.id}'s time sums to {total} %, not 100 %",
            )


def _budget_lines(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """The budget's lines against the rules that take them: shared by a key (each line
    covered by a part, direct lines allowed and of a party; the agents of a computed key),
    a pool's total or a unit cost (its units of operation)."""
    if tariff.needs_units_of_operation() and budget.units_of_operation is None:
        yield doc.diagnostic(
            ("year",),
            "no-units-of-operation",
            f"service '{tariff.service}' bills a unit cost (CGCT D5211-16): "
            "give the units of operation forecast for the year "
            "('units_of_operation: {forecast: …}')",
        )
    if not tariff.takes_budget():
        yield doc.diagnostic(
            ("year",),
            "budget-not-used",
            f"service '{tariff.service}' has no rule taking its budget (a "
            "pool: {from_budget: true}, a unit cost, budget lines shared by a "
            "key): this budget would not be used",
        )
    yield from cost_line_problems(doc, ("lines",), budget.lines, tariff)
    computed = any(key.computed is not None for key in tariff.keys_used())
    agents = list(
        agent_problems(doc, (), budget.agents, tariff, required=computed)
        if computed or budget.agents
        else ()
    )
    yield from agents
    if computed and not agents:
        yield from _budget_key(doc, budget, tariff)


def _budget_key(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """A key computed from the budget's agents can be computed between the parties."""
    parties = [party.id for party in tariff.parties]
    for key in tariff.keys:
        if key.computed is None or not parties:
            continue
        try:
            year_key(key, budget.agents, parties)
        except KeyComputationError as error:
            said = say(error.message)
            yield doc.diagnostic(("agents",), "key-computation", f"key '{key.id}': {said}")


BUDGET_CHECKS: tuple[BudgetCheck, ...] = (_budget_service, _budget_lines)


RosterCheck = Callable[[Document, Roster, Tariff | None], Iterator[Diagnostic]]


def check_roster(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Every semantic check of a roster, against one version of its service's tariff
    (None: the checks that need no tariff)."""
    for check in ROSTER_CHECKS:
        yield from check(doc, roster, tariff)


def _member_ids(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for index, member in enumerate(roster.members):
        if member.id in seen:
            first = doc.position(("members", seen[member.id], "id"))[0]
            yield doc.diagnostic(
                ("members", index, "id"),
                "duplicate-member",
                f"member {member.id} is listed twice (first at line {first})",
            )
        seen.setdefault(member.id, index)


def _subscription_overlaps(
    doc: Document, roster: Roster, tariff: Tariff | None
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
                    f": end that one on {start - dt.timedelta(days=1)} or merge them",
                )
            latest[subscription.offer] = subscription


def _offers_known(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
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
                yield doc.diagnostic(
                    (*path, "offer"),
                    "unknown-offer",
                    f"offer '{subscription.offer}' is not in the tariff (offers: {known})",
                )
            elif offer.billing is Billing.ONE_OFF and subscription.delivered is None:
                yield doc.diagnostic(
                    path,
                    "subscription-dates",
                    f"'{offer.id}' is a one-off service: give the date it was 'delivered'",
                )
            elif offer.billing is Billing.ANNUAL and subscription.start is None:
                yield doc.diagnostic(
                    path,
                    "subscription-dates",
                    f"'{offer.id}' is billed yearly: give its 'start' date",
                )
        for over_index, override in enumerate(member.overrides):
            yield from _override_problems(
                doc, (*here, "overrides", over_index), member, override, tariff
            )


def _override_problems(
    doc: Document, here: Path_, member: Member, override: Override, tariff: Tariff
) -> Iterator[Diagnostic]:
    """An override replaces something: a part of an offer of the tariff (or the offer's
    negotiated parts), in a year the member holds the offer."""
    offer = tariff.offer(override.offer)
    if offer is None:
        known = ", ".join(o.id for o in tariff.offers)
        yield doc.diagnostic(
            (*here, "offer"),
            "unknown-offer",
            f"offer '{override.offer}' is not in the tariff (offers: {known})",
        )
        return
    codes = [part.code for part in offer.parts]
    if override.part is not None and override.part not in codes:
        yield doc.diagnostic(
            (*here, "part"),
            "override-part",
            f"'{offer.id}' has no part '{override.part}'{did_you_mean(override.part, codes)} "
            f"(parts: {', '.join(codes)}; none named: the offer's negotiated parts)",
        )
    elif override.part is None and not any(part.NEGOTIATED for part in offer.parts):
        yield doc.diagnostic(
            here,
            "override-part",
            f"'{offer.id}' has no part an override of the whole offer replaces: name the "
            f"part it replaces ({', '.join(codes)})",
        )
    years = [override.year] if override.year is not None else sorted(member.population)
    held = [year for year in years if subscriptions_in(member, offer, year)]
    if not held and tariff.covers(years[0] if years else tariff.valid_from.year):
        when = f"in {override.year}" if override.year is not None else "in any year of the roster"
        yield doc.diagnostic(
            (*here, "year") if override.year is not None else (*here, "offer"),
            "override-unused",
            f"member {member.id} does not hold '{offer.id}' {when}: this override replaces "
            "nothing; remove it, or correct its offer or year",
        )


def _attributes(doc: Document, roster: Roster, tariff: Tariff | None) -> Iterator[Diagnostic]:
    """Each member's attributes are declared by the tariff, with a value of their type."""
    if tariff is None:
        return
    for index, member in enumerate(roster.members):
        yield from attribute_problems(
            doc, ("members", index, "attributes"), member.attributes, tariff
        )


def attribute_problems(
    doc: Document, here: Path_, attributes: Mapping[str, object], tariff: Tariff
) -> Iterator[Diagnostic]:
    """Attributes (of a roster member or a worked example's) against the tariff's
    declarations: a known id, and a value of its type."""
    declared = [attribute.id for attribute in tariff.attributes]
    for attribute_id, value in attributes.items():
        attribute = tariff.attribute(attribute_id)
        if attribute is None:
            yield doc.diagnostic(
                (*here, attribute_id),
                "unknown-attribute",
                f"the tariff declares no attribute '{attribute_id}'"
                f"{did_you_mean(attribute_id, declared)} (attributes: "
                f"{', '.join(declared) or 'none'})",
                key=True,
            )
            continue
        expected = {"boolean": bool, "number": Decimal, "choice": str}[attribute.type]
        wrong = type(value) is not expected or (
            attribute.type == "choice" and value not in attribute.choices
        )
        if wrong:
            said = {
                "boolean": "true or false (oui or non in a CSV file)",
                "number": "a number",
                "choice": f"one of {', '.join(attribute.choices)}",
            }[attribute.type]
            yield doc.diagnostic(
                (*here, attribute_id),
                "attribute-type",
                f"'{attribute_id}' ({attribute.label}) is {said}, not {value!r}",
            )


def review_warnings(doc: Document, roster: Roster, tariff: Tariff) -> Iterator[Diagnostic]:
    """A warning for each member the engine would list as *needs review* in a year of the
    roster (above a review threshold, no override with its reference: art. 7.1 (*)).
    ``check`` shows them; ``bill`` lists such members itself, so it does not run this."""
    for index, member in enumerate(roster.members):
        reviews = {
            year: outcome
            for year in sorted(member.population)
            if tariff.covers(year)
            and isinstance(outcome := bill_member(tariff, member, year), NeedsReview)
            and not outcome.missing_data
        }  # index values are the bill's, not the roster's
        if reviews:
            years = ", ".join(str(year) for year in reviews)
            reason = say(reviews[max(reviews)].reason)
            yield replace(
                doc.diagnostic(
                    ("members", index),
                    "needs-review",
                    f"member {member.id} {member.name} needs review in {years}: {reason}",
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
        if unit.step is not None
    }
    for here, member, act in acts:
        if not tariff.covers_day(act.date):
            continue  # another version of the tariff bills it
        step = steps.get(act.unit)
        if step is not None and act.quantity % step:
            below = act.quantity - act.quantity % step
            said = [format(n.normalize(), "f") for n in (act.quantity, step, below, below + step)]
            yield doc.diagnostic(
                (*here, "quantity"),
                "quantity-step",
                f"{said[0]} {act.unit} is not counted in steps of {said[1]}: write a multiple "
                f"of {said[1]} ({said[2]} or {said[3]}), as the convention counts it",
            )
        offer_id = units.get(act.unit)
        if offer_id is None:
            yield doc.diagnostic(
                (*here, "unit"),
                "unknown-unit",
                f"unit '{act.unit}' is not billed by the tariff in force "
                f"on {act.date}{did_you_mean(act.unit, units)} (units: "
                f"{', '.join(units) or 'none'})",
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
                f"act of {act.date} ({act.unit}): member {member.id} is "
                f"not subscribed to '{offer_id}' on that day; add or "
                "extend its subscription, or check the date",
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
            f"this file says service '{consumption.service}', its roster '{roster.service}'",
        )
    known: list[tuple[Path_, Member | None, Act]] = []
    for index, act in enumerate(consumption.acts):
        here: Path_ = ("acts", index)
        if year is not None and act.date.year != year:
            yield doc.diagnostic(
                (*here, "date"),
                "act-year",
                f"an act of {act.date} in the consumption file of {year}: it would be "
                f"billed in no year; move it to the file of {act.date.year}",
            )
            continue
        if roster is not None and act.member not in members:
            yield doc.diagnostic(
                (*here, "member"),
                "unknown-member",
                f"member {act.member} is not in the roster of '{roster.service}'",
            )
            continue
        if tariffs and not any(tariff.covers_day(act.date) for tariff in tariffs):
            periods = ", ".join(f"{t.valid_from} → {t.valid_until or 'open'}" for t in tariffs)
            yield doc.diagnostic(
                (*here, "date"),
                "act-no-tariff",
                f"no tariff of the service is in force on {act.date} ({periods})",
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
                f"the tariff in force from {tariff.valid_from} says nothing of "
                "settling by deduction from the attribution de compensation: "
                "add its 'settlement' (with the article) to the tariff",
            )


ROSTER_CHECKS: tuple[RosterCheck, ...] = (
    _member_ids,
    _subscription_overlaps,
    _offers_known,
    _attributes,
    _acts,
    _settlements,
)
