"""Semantic checks: small pure functions, one signature, run all together.

Each check takes the ``Document`` (for positions) and the validated model and yields
``Diagnostic`` values; ``check_tariff`` and ``check_budget`` run their whole list, so one
run reports every problem (beancount's validations, yamllint's rules). A roster's and a
consumption file's checks are in ``roster_checks``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from servcommun.body_checks import (
    example_body_problems,
    exclusive_categories_problems,
)
from servcommun.budget import Budget
from servcommun.diagnostics import Diagnostic
from servcommun.engine.bill import bill_members, budget_data
from servcommun.engine.context import STATEMENT, ServiceData
from servcommun.engine.keys import (
    KeyComputationError,
    KeyDerivationError,
    derive_share,
    year_key,
)
from servcommun.engine.parties import party_members
from servcommun.engine.result import Statement
from servcommun.identity_checks import party_identities
from servcommun.key_checks import did_you_mean, key_shares, listing, plural_count
from servcommun.message import Message, Unsaid, msg, msg_n
from servcommun.money import HUNDRED, ZERO
from servcommun.reader import Document, Path_
from servcommun.roster import Member, Subscription
from servcommun.roster_checks import (
    acts_problems,
    attribute_problems,
    figure_problems,
    validity_span,
)
from servcommun.tariff import (
    ExampleMember,
    Key,
    KeyDerivation,
    LineExpectation,
    Tariff,
    WorkedExample,
)
from servcommun.terms import (
    AgentTime,
    Billing,
    Bracket,
    CostLine,
)

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
            msg(
                "valid_until {until:date} is before valid_from {start:date}",
                until=tariff.valid_until,
                start=tariff.valid_from,
            ),
        )
    if tariff.service_ends and tariff.valid_until is None:
        yield doc.diagnostic(
            ("service_ends",),
            "validity-order",
            msg("service_ends: true needs the date the service ends (valid_until)"),
        )


def check_versions(versions: Sequence[tuple[Document, Tariff]]) -> Iterator[Diagnostic]:
    """The versions of one service follow each other without overlap, and without a gap
    unless the earlier one says the service ends (``service_ends``). Each problem is
    placed at the later version's ``valid_from``."""
    ordered = sorted(versions, key=lambda version: version[1].valid_from)
    for (before_doc, before), (doc, tariff) in itertools.pairwise(ordered):
        if before.valid_until is None or before.valid_until >= tariff.valid_from:
            day_before = tariff.valid_from - dt.timedelta(days=1)
            yield doc.diagnostic(
                ("valid_from",),
                "validity-overlap",
                msg(
                    "valid_from {start:date} overlaps {file} ({span}), a version of the "
                    "same service: end that one on {day_before:date} (valid_until) or start "
                    "this one later",
                    start=tariff.valid_from,
                    file=before_doc.file,
                    span=validity_span(before),
                    day_before=day_before,
                ),
            )
            continue
        next_day = before.valid_until + dt.timedelta(days=1)
        if tariff.valid_from > next_day and not before.service_ends:
            yield doc.diagnostic(
                ("valid_from",),
                "validity-gap",
                msg(
                    "{file} ends on {end:date}: from {first:date} to {last:date} no version "
                    "of '{service}' is in force; write 'valid_from: {write}' here, or write "
                    "'service_ends: true' in {file} if the service stopped",
                    file=before_doc.file,
                    end=before.valid_until,
                    first=next_day,
                    last=tariff.valid_from - dt.timedelta(days=1),
                    service=tariff.service,
                    write=next_day.isoformat(),  # as the file writes it
                ),
            )


def _offer_ids(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, offer in enumerate(tariff.offers):
        if offer.id in seen:
            yield doc.diagnostic(
                ("offers", index, "id"),
                "duplicate-offer",
                msg("offer '{offer}' is defined twice", offer=offer.id),
            )
        if offer.id == STATEMENT:
            yield doc.diagnostic(
                ("offers", index, "id"),
                "reserved-offer-id",
                msg(
                    "'{statement}' names the lines of the statement-wide floors and caps "
                    "(statement_limits): choose another id",
                    statement=STATEMENT,
                ),
            )
        seen.add(offer.id)
        codes: set[str] = set()
        for part_index, part in enumerate(offer.parts):
            if part.code in codes:
                yield doc.diagnostic(
                    ("offers", index, "parts", part_index, "code"),
                    "duplicate-part",
                    msg("part '{part}' appears twice", part=part.code),
                )
            codes.add(part.code)


def _references(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Every offer a rule names is defined (credit source, included_in, staffing)."""
    known = [offer.id for offer in tariff.offers]

    def unknown(path: Path_, name: str) -> Diagnostic:
        return doc.diagnostic(path, "unknown-offer", _undefined_offer(name, known))

    for index, offer in enumerate(tariff.offers):
        for other_index, other in enumerate(offer.included_in):
            if other not in known:
                yield unknown(("offers", index, "included_in", other_index), other)
    if tariff.staffing and tariff.staffing.counted_offer not in known:
        yield unknown(("staffing", "counted_offer"), tariff.staffing.counted_offer)
    for other_index, other in enumerate(tariff.advances.offers if tariff.advances else ()):
        if other not in known:
            yield unknown(("advances", "offers", other_index), other)
    for index, example in enumerate(tariff.examples):
        here: Path_ = ("examples", index)
        codes = line_codes(tariff, example.costs)
        for member_index, spec in enumerate(example.members):
            yield from attribute_problems(
                doc, (*here, "members", member_index, "attributes"), spec.attributes, tariff
            )
            yield from figure_problems(
                doc, (*here, "members", member_index, "figures"), spec.figures, tariff
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
                    _undefined_offer(offer_id, known),
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
        expected += [
            (("single_lines", line_index, "line"), single.line)
            for line_index, single in enumerate(example.expect.single_lines)
        ]
        for where, code in expected:
            if code not in codes:
                yield doc.diagnostic(
                    (*here, "expect", *where),
                    "unknown-line",
                    msg(
                        "no rule produces line '{line}' (lines: {lines})",
                        line=code,
                        lines=listing(sorted(codes)),
                    ),
                    key=True,
                )


def _undefined_offer(name: str, known: Sequence[str]) -> Message:
    return msg(
        "offer '{offer}' is not defined (defined: {known})", offer=name, known=listing(known)
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
                    msg(
                        "'{offer}' is a one-off service: a '{rule}' part bills the use or "
                        "the cost of a year, in an annual offer",
                        offer=offer.id,
                        rule=part.rule,
                    ),
                )


def _parts(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Each part's own checks (``PartRule.problems``)."""
    for index, offer in enumerate(tariff.offers):
        for part_index, part in enumerate(offer.parts):
            yield from part.problems(doc, ("offers", index, "parts", part_index), offer, tariff)
            if part.bills_shortfall():
                continue
            for unit in (*part.priced_units(), *part.counted_units()):
                if unit.minimum_due:
                    yield doc.diagnostic(
                        ("offers", index, "parts", part_index, "rule"),
                        "minimum-due",
                        msg(
                            "unit '{unit}' says 'minimum_due', but a '{rule}' part bills no "
                            "shortfall below a contracted minimum: remove 'minimum_due', or "
                            "price the unit by a unit-price or day-rate-beyond-hours part",
                            unit=unit.id,
                            rule=part.rule,
                        ),
                    )


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
                        msg(
                            "unit '{unit}' is already priced by {part}: a roster's act must "
                            "name one rule",
                            unit=unit.id,
                            part=seen[unit.id],
                        ),
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
                msg(
                    "a statement-wide floor or cap cannot be prorated: put it in "
                    "the offer whose subscription it follows"
                ),
            )


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
    yield from example_body_problems(doc, here, example, tariff)
    for index, spec in enumerate(example.members):
        if spec.id is not None and spec.count != 1:
            yield doc.diagnostic(
                (*here, "members", index, "id"),
                "example-member-id",
                msg(
                    "member '{member}' is named: it cannot stand for {count:count} members (count)",
                    member=spec.id,
                    count=spec.count,
                ),
            )
    named = [spec.id for spec in example.members if spec.id is not None] + [
        party.id for party in tariff.parties
    ]
    for field in ("members", "attribution_after", "member_lines"):
        for member_id in getattr(example.expect, field):
            if member_id not in named:
                nobody = msg("none: give members an id")
                yield doc.diagnostic(
                    (*here, "expect", field, member_id),
                    "unknown-member",
                    msg(
                        "no member of the example is named '{member}' (named: {named})",
                        member=member_id,
                        named=listing(named, nobody),
                    ),
                    key=True,
                )
    known = [key.id for key in tariff.keys]
    for key_id in example.expect.keys:
        if key_id not in known:
            yield doc.diagnostic(
                (*here, "expect", "keys", key_id),
                "undefined-key",
                msg(
                    "the tariff defines no key '{key}' (keys: {known})",
                    key=key_id,
                    known=listing(known),
                ),
                key=True,
            )


def _example_members(
    doc: Document, here: Path_, example: WorkedExample, tariff: Tariff
) -> Iterator[Diagnostic]:
    """A tariff naming its parties bills them in its examples, in a year it covers;
    another tariff's examples say their members."""
    parties = [party.id for party in tariff.parties]
    for index, spec in enumerate(example.members if tariff.parties else ()):
        # a party's acts of the example: the member names the party, and gives only them
        if spec.id in parties and not _beyond_acts(spec):
            continue
        yield doc.diagnostic(
            (*here, "members", index),
            "example-members",
            msg(
                "worked example '{title}': the tariff names its parties, they are the "
                "members its examples bill; a member of it only gives a party's acts "
                "('id: <party>', 'consumption') (parties: {parties})",
                title=example.title,
                parties=listing(parties),
            ),
        )
        break
    if not tariff.parties and not example.members:
        yield doc.diagnostic(
            here,
            "example-members",
            msg(
                "worked example '{title}' bills no one: give its 'members' (population, "
                "subscriptions)",
                title=example.title,
            ),
        )
    if tariff.parties and not tariff.covers(example.year):
        yield doc.diagnostic(
            (*here, "year"),
            "example-year",
            msg(
                "worked example '{title}' is of {year:year}, when the tariff (from "
                "{start:date}) is not in force",
                title=example.title,
                year=example.year,
                start=tariff.valid_from,
            ),
        )


def _beyond_acts(spec: ExampleMember) -> bool:
    """An example member of a tariff naming its parties says more than a party's acts."""
    return (
        spec.count != 1
        or spec.population is not None
        or bool(spec.attributes or spec.subscriptions or spec.attribution_compensation)
        or spec.settlement is not None
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
            msg(
                "worked example '{title}': give the year's budget as its lines ('costs') "
                "or as its total ('budget'), not both",
                title=example.title,
            ),
        )
    keyed = [part for offer, part in tariff.keyed_parts() if offer.id in held]
    if keyed and not example.costs:
        yield doc.diagnostic(
            (*here, "year"),
            "example-budget",
            msg(
                "worked example '{title}' needs the year's budget lines its '{part}' part "
                "shares: give them as 'costs'",
                title=example.title,
                part=keyed[0].code,
            ),
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
        missing = [y for y in dict.fromkeys((indexation.reference_year, year)) if y not in values]
        if missing:
            years = (
                msg("{first:year} and {second:year}", first=missing[0], second=missing[1])
                if len(missing) > 1
                else msg("{year:year}", year=missing[0])
            )
            yield doc.diagnostic(
                (*here, "indices") if example.indices else (*here, "year"),
                "example-index",
                msg(
                    "worked example '{title}' needs the value of index '{index}' for "
                    "{years}: give it under 'indices: {{{index}: {{YEAR: VALUE}}}}'",
                    title=example.title,
                    index=indexation.index,
                    years=years,
                ),
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
                msg(
                    "step from {members:count} members comes after the step from "
                    "{before:count}: order steps by increasing number of members",
                    members=steps[index].from_,
                    before=steps[index - 1].from_,
                ),
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
                msg(
                    "bracket ends at {end:count}, before it starts ({start:count})",
                    end=bracket.to,
                    start=bracket.from_,
                ),
            )
            return  # what follows would only be consequences of this one
        if bracket.from_ > expected_from and not index:
            yield doc.diagnostic(
                (*here, "from"),
                "bracket-start",
                msg(
                    "brackets must start at 0, not {start:count}: {uncovered} inhabitants "
                    "would be billed nothing",
                    start=bracket.from_,
                    uncovered=_populations(0, bracket.from_ - 1),
                ),
            )
        elif bracket.from_ > expected_from:
            yield doc.diagnostic(
                (*here, "from"),
                "bracket-gap",
                msg(
                    "brackets {previous} and {this} leave {uncovered} uncovered",
                    previous=_populations(brackets[index - 1].from_, expected_from - 1),
                    this=_populations(bracket.from_, bracket.to),
                    uncovered=_populations(expected_from, bracket.from_ - 1),
                ),
            )
        elif bracket.from_ < expected_from:
            yield doc.diagnostic(
                (*here, "from"),
                "bracket-overlap",
                msg(
                    "bracket starting at {start:count} overlaps the previous one (which "
                    "ends at {end:count}): write 'from: {expected}'",
                    start=bracket.from_,
                    end=expected_from - 1,
                    expected=expected_from,
                ),
            )
        if bracket.to is None:
            if index != len(brackets) - 1:
                yield doc.diagnostic(
                    (*here, "to"), "bracket-open", msg("only the last bracket may be open-ended")
                )
            return
        expected_from = bracket.to + 1
    last = brackets[-1].to
    if last is not None and last != threshold:
        where = (
            msg("the review threshold ({threshold:count})", threshold=threshold)
            if threshold is not None
            else msg("open (no 'to')")
        )
        yield doc.diagnostic(
            (*path, len(brackets) - 1, "to"),
            "bracket-end",
            msg(
                "the last bracket ends at {end:count}: it must end at {where}, or "
                "populations above it are billed nothing",
                end=last,
                where=where,
            ),
        )


def _populations(start: int, end: int | None) -> Message:
    """A span of populations: ``1,500–2,999``, ``0``, or ``3,100–`` open-ended."""
    if end is None:
        return msg("{start:count}–", start=start)
    if end == start:
        return msg("{start:count}", start=start)
    return msg("{start:count}–{end:count}", start=start, end=end)


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
            said = error.message if isinstance(error, Unsaid) else str(error)
            yield doc.diagnostic(
                ("examples", index),
                "example-error",
                msg(
                    "worked example '{title}' cannot be computed: {problem}",
                    title=example.title,
                    problem=said,
                ),
            )
            continue
        for path, message in mismatches:
            yield doc.diagnostic(
                ("examples", index, "expect", *path),
                "example-mismatch",
                msg(
                    "worked example '{title}' ({article}): {mismatch}",
                    title=example.title,
                    article=example.article,
                    mismatch=message,
                ),
            )


def example_members(example: WorkedExample, tariff: Tariff) -> list[Member]:
    """The members an example bills: its own, or the tariff's parties."""
    if tariff.parties:
        acts = {spec.id: spec.consumption for spec in example.members}
        return [
            member.model_copy(update={"consumption": acts[member.id]})
            if member.id in acts
            else member
            for member in party_members(tariff)
        ]
    members: list[Member] = []
    for spec in example.members:
        for _ in range(spec.count):
            number = len(members) + 1
            members.append(
                Member(
                    id=spec.id or f"35{number:03d}",
                    name=f"example member {number}",
                    population=(
                        {example.year - 1: spec.population, example.year: spec.population}
                        if spec.population is not None
                        else {}
                    ),
                    attributes=spec.attributes,
                    figures=spec.figures,
                    subscriptions=tuple(Subscription(**s.model_dump()) for s in spec.subscriptions),
                    consumption=spec.consumption,
                    attribution_compensation=spec.attribution_compensation,
                    settlement=spec.settlement,
                )
            )
    return members


def example_data(example: WorkedExample, tariff: Tariff) -> ServiceData:
    """The figures an example gives beyond its members (its index values, its budget's
    lines, total, agents and units of operation), joined as the pipeline joins a
    service's files (``budget_data``)."""
    data = ServiceData(indices=example.indices)
    given = (example.costs, example.agents, example.budget, example.units_of_operation)
    if not any(value for value in given if value is not None):
        return data
    budget = Budget.model_construct(
        service=tariff.service,
        year=example.year,
        lines=example.costs,
        agents=example.agents,
        units_of_operation=example.units_of_operation,
    )
    # a total given without its lines stands for them (a pool, a unit cost's cost)
    total = example.budget if not example.costs else None
    return budget_data(budget, data, total=total)


def _advance_mismatches(
    tariff: Tariff, example: WorkedExample, statements: Sequence[Statement]
) -> Iterator[tuple[Path_, Message]]:
    """The instalments and final statements an example expects, against those computed:
    the base split exactly in the tariff's instalments, the actual amount less the
    advances issued."""
    from servcommun.advances import advanced_amount, split

    advances = tariff.advances
    if advances is None:
        return
    offers = {offer.id for offer in tariff.offers if advances.covers(offer)}
    by_id = {s.member.id: s for s in statements}
    count = len(advances.dates(example.year))
    for member_id, expected in example.expect.instalments.items():
        statement = by_id.get(member_id)
        if advances.base == "last-year":
            base = example.last_year.get(member_id, ZERO)
        else:
            base = advanced_amount(statement, offers) if statement is not None else ZERO
        computed = split(base, count) if base > ZERO else []
        if tuple(computed) != expected:
            yield (
                ("instalments", member_id),
                msg(
                    "expected {member}'s instalments {expected}, computed {computed} "
                    "({base:amount} in {count:count})",
                    member=member_id,
                    expected=" + ".join(str(a) for a in expected) or "—",
                    computed=" + ".join(str(a) for a in computed) or "—",
                    base=base,
                    count=count,
                ),
            )
    for member_id, balance in example.expect.balances.items():
        statement = by_id.get(member_id)
        actual = advanced_amount(statement, offers) if statement is not None else ZERO
        issued = example.advances_issued.get(member_id, ZERO)
        if actual - issued != balance:
            yield (
                ("balances", member_id),
                msg(
                    "expected {member}'s final statement {expected:amount}, computed "
                    "{actual:amount} − {issued:amount} = {computed:amount}",
                    member=member_id,
                    expected=balance,
                    actual=actual,
                    issued=issued,
                    computed=actual - issued,
                ),
            )


def example_mismatches(tariff: Tariff, example: WorkedExample) -> Iterator[tuple[Path_, Message]]:
    """(path in ``expect``, what differs) for each expected figure the engine disagrees with."""
    members = example_members(example, tariff)
    bill = bill_members(tariff, members, example.year, example_data(example, tariff))
    expect = example.expect
    if expect.needs_review is not None and expect.needs_review != bool(bill.needs_review):
        yield (
            ("needs_review",),
            msg(
                "expected needs_review {expected}, computed {computed}",
                expected=str(expect.needs_review).lower(),
                computed=str(bool(bill.needs_review)).lower(),
            ),
        )
    if expect.total is not None and bill.total != expect.total:
        yield (
            ("total",),
            msg(
                "expected total {expected:amount}, computed {computed:amount}",
                expected=expect.total,
                computed=bill.total,
            ),
        )
    codes = line_codes(tariff, example.costs)
    for code, amount in expect.lines.items():
        if code not in codes:
            continue  # an unknown line, reported as such by _references
        got = sum(
            (line.amount for s in bill.statements for line in s.lines if line.code == code), ZERO
        )
        if got != amount:
            yield (
                ("lines", code),
                msg(
                    "expected {line} = {expected:amount}, computed {computed:amount}",
                    line=code,
                    expected=amount,
                    computed=got,
                ),
            )
    statements = {s.member.id: s for s in bill.statements}
    for member_id, expected in expect.member_lines.items():
        lines = statements[member_id].lines if member_id in statements else ()
        for code, amount in expected.items():
            got = sum((line.amount for line in lines if line.code == code), ZERO)
            if code in codes and got != amount:
                yield (
                    ("member_lines", member_id, code),
                    msg(
                        "expected {member} {line} = {expected:amount}, computed {computed:amount}",
                        member=member_id,
                        line=code,
                        expected=amount,
                        computed=got,
                    ),
                )
    for index, single in enumerate(expect.single_lines):
        if single.line in codes:
            said = _single_line_mismatch(single, statements.get(single.member))
            if said is not None:
                yield (("single_lines", index, *said[0]), said[1])
    holders = [member.id for member in members]
    for key_id, expected_key in expect.keys.items():
        key = tariff.key(key_id)
        if key is None:
            continue  # an unknown key, reported as such by _example_data
        try:
            computed_key = year_key(key, example.agents, holders, example.year)
        except KeyComputationError as error:  # a dated key before its first shares
            yield (("keys", key_id), error.message)
            continue
        shares = computed_key.shares
        if computed_key.unrounded:
            yield from _unrounded_mismatches(key_id, shares, expected_key)
            continue
        for member_id, percent in expected_key.items():
            if shares.get(member_id) != percent:
                yield (
                    ("keys", key_id, member_id),
                    msg(
                        "expected {member}'s share of the key '{key}' {expected:percent}, "
                        "computed {computed:percent}",
                        member=member_id,
                        key=key_id,
                        expected=percent,
                        computed=shares.get(member_id, ZERO),
                    ),
                )
    yield from _advance_mismatches(tariff, example, bill.statements)
    totals = {s.member.id: s.total for s in bill.statements}
    for member_id, amount in expect.members.items():
        got = totals.get(member_id, ZERO)
        if got != amount:
            yield (
                ("members", member_id),
                msg(
                    "expected member {member} total {expected:amount}, computed {computed:amount}",
                    member=member_id,
                    expected=amount,
                    computed=got,
                ),
            )
    after = {
        s.member.id: s.settlement.attribution_after
        for s in bill.statements
        if s.settlement is not None
    }
    for member_id, amount in expect.attribution_after.items():
        got_after = after.get(member_id)
        if got_after != amount:
            yield (
                ("attribution_after", member_id),
                msg(
                    "expected member {member}'s attribution de compensation after deduction "
                    "{expected:amount}, computed {computed:amount}",
                    member=member_id,
                    expected=amount,
                    computed=got_after,
                )
                if got_after is not None
                else msg(
                    "expected member {member}'s attribution de compensation after deduction "
                    "{expected:amount}, computed none: not settled by deduction",
                    member=member_id,
                    expected=amount,
                ),
            )
    for offer, amount in expect.offers.items():
        if tariff.offer(offer) is None:
            continue  # an unknown offer, reported as such by _references
        got = sum((s.offer_total(offer) for s in bill.statements), ZERO)
        if got != amount:
            yield (
                ("offers", offer),
                msg(
                    "expected {offer} total {expected:amount}, computed {computed:amount}",
                    offer=offer,
                    expected=amount,
                    computed=got,
                ),
            )
    if expect.allowance_days is not None:
        got = allowance_days(tariff, members)
        if got != expect.allowance_days:
            yield (
                ("allowance_days",),
                msg_n(
                    "expected allowance of {expected:number} day, computed {computed:number}",
                    "expected allowance of {expected:number} days, computed {computed:number}",
                    n="count",
                    count=plural_count(expect.allowance_days),
                    expected=expect.allowance_days,
                    computed=got,
                ),
            )


def _unrounded_mismatches(
    key_id: str, costs: Mapping[str, Decimal], expected: Mapping[str, Decimal]
) -> Iterator[tuple[Path_, Message]]:
    """An expected percentage of a key not rounded is its exact ratio, salary cost over the
    total: compared exactly (percent × total = 100 × cost), never through a rounding."""
    total = sum(costs.values(), ZERO)
    for member_id, percent in expected.items():
        cost = costs.get(member_id, ZERO)
        if percent * total != HUNDRED * cost:
            yield (
                ("keys", key_id, member_id),
                msg(
                    "expected {member}'s share of the key '{key}' {expected:percent}, "
                    "computed {cost:amount} of {total:amount} of salary cost, not rounded",
                    member=member_id,
                    key=key_id,
                    expected=percent,
                    cost=cost,
                    total=total,
                ),
            )


def _single_line_mismatch(
    single: LineExpectation, statement: Statement | None
) -> tuple[Path_, Message] | None:
    """What differs between an expected single line and the member's statement: no such
    line, several (the label must say which), or another amount or figure of its basis
    (the basis said), with the place in the expectation it is said at."""
    if statement is None:
        return ("member",), msg(
            "{member} has no statement: no line {line} to compare",
            member=single.member,
            line=single.line,
        )
    lines = [line for line in statement.lines if line.code == single.line]
    label = single.label
    chosen = (
        lines
        if label is None
        else [line for line in lines if line.label == label or line.label.endswith(f" — {label}")]
    )
    labels = listing([f"'{line.label}'" for line in lines], msg("none"))
    if not chosen and label is not None:
        return ("label",), msg(
            "{member} has no line {line} labelled '{label}' (its lines {line}: {labels})",
            member=single.member,
            line=single.line,
            label=label,
            labels=labels,
        )
    if not chosen:
        return ("line",), msg(
            "{member} has no line {line}: expected {expected:amount}",
            member=single.member,
            line=single.line,
            expected=single.amount,
        )
    if len(chosen) > 1:
        return ("line",), msg_n(
            "{member} has {count:count} line {line} ({labels}): say which by its 'label'",
            "{member} has {count:count} lines {line} ({labels}): say which by its 'label'",
            n="count",
            member=single.member,
            count=len(chosen),
            line=single.line,
            labels=listing([f"'{line.label}'" for line in chosen]),
        )
    found = chosen[0]
    if single.amount is not None and found.amount != single.amount:
        return ("amount",), msg(
            "expected {member} {line} '{label}' = {expected:amount}, computed {computed:amount} "
            "({basis})",
            member=single.member,
            line=single.line,
            label=found.label,
            expected=single.amount,
            computed=found.amount,
            basis=found.basis,
        )
    figures = dict(basis_figures(found.basis))
    for name, expected in single.basis.items():
        if name not in figures:
            return ("basis", name), msg(
                "the basis of {member} {line} '{label}' has no figure '{figure}'{suggestion} "
                "(its figures: {figures})",
                member=single.member,
                line=single.line,
                label=found.label,
                figure=name,
                suggestion=did_you_mean(name, figures),
                figures=listing(figures),
            )
        if not _same_figure(expected, figures[name]):
            return ("basis", name), msg(
                "expected {member} {line} '{label}' {figure} = {expected}, computed {computed} "
                "({basis})",
                member=single.member,
                line=single.line,
                label=found.label,
                figure=name,
                expected=expected,
                computed=str(figures[name]),
                basis=found.basis,
            )
    return None


def basis_figures(basis: Message, prefix: str = "") -> Iterator[tuple[str, object]]:
    """The figures of a line's basis by dotted name, as the JSON's ``basis_data`` nests
    them (``share.weight``): what a worked example's single line may assert."""
    for name, value in basis.values:
        if isinstance(value, Message):
            yield from basis_figures(value, f"{prefix}{name}.")
        elif value is not None and not isinstance(value, tuple | list):
            yield f"{prefix}{name}", value


def _same_figure(expected: str, computed: object) -> bool:
    """A figure as written in the example against the basis's: numbers by value (6.50 is
    6.5), the rest as text."""
    if isinstance(computed, Decimal | int):
        try:
            return Decimal(expected) == computed
        except ArithmeticError:
            return False
    return expected == str(computed)


def allowance_days(tariff: Tariff, members: Sequence[Member]) -> Decimal:
    """Sum of the members' yearly allowances (art. 3.2: 117 days shared by 30 communes)."""
    return sum(
        (
            part.allowance_for(max(member.population.items())[1])
            for _, part in tariff.parts()
            for member in members
            if member.population
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
                ("parties", index, "id"),
                "duplicate-party",
                msg("party '{party}' is defined twice", party=party.id),
            )
        seen.add(party.id)
    carriers = [index for index, party in enumerate(tariff.parties) if party.carrier]
    if len(carriers) > 1:
        yield doc.diagnostic(
            ("parties", carriers[1], "carrier"),
            "carrier",
            msg(
                "one party at most is the carrier, the one that runs the service and bills "
                "the others (found {found:count}): write 'carrier: true' on that one only",
                found=len(carriers),
            ),
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
                (*here, "id"), "duplicate-key-id", msg("key '{key}' is defined twice", key=key.id)
            )
        seen.add(key.id)
        if key.computed is not None:
            yield from _key_rounding(doc, here, key, known)
            yield from _key_unrounded(doc, here, key, tariff)
            continue
        if key.shares_by_year:
            yield from _dated_key(doc, here, key, tariff)
            continue
        yield from key_shares(doc, (*here, "shares"), key.shares, key.precision, tariff)
        yield from _key_derivation(doc, here, key)


def _dated_key(doc: Document, here: Path_, key: Key, tariff: Tariff) -> Iterator[Diagnostic]:
    """A key dated by year: each entry starts on 1 January, in increasing order, the first
    by the tariff's first year, none before it nor after its ``valid_until``
    (``key-start``); each entry's shares are those of a written key (known parties, the
    key's precision, summing to exactly 100 %) and its derivation gives them."""
    entries = key.shares_by_year
    for index, entry in enumerate(entries):
        at: Path_ = (*here, "shares_by_year", index)
        start = entry.from_
        if (start.month, start.day) != (1, 1):
            yield doc.diagnostic(
                (*at, "from"),
                "key-start",
                msg(
                    "a key shares a whole year's budget: its shares apply from 1 January, "
                    "write {year:year}-01-01 (or {next:year}-01-01)",
                    year=start.year,
                    next=start.year + 1,
                ),
            )
        elif index and start <= entries[index - 1].from_:
            yield doc.diagnostic(
                (*at, "from"),
                "key-start",
                msg(
                    "the shares from {start:date} come after the shares from {before:date}: "
                    "list them by increasing date",
                    start=start,
                    before=entries[index - 1].from_,
                ),
            )
        elif start.year < tariff.valid_from.year:
            yield doc.diagnostic(
                (*at, "from"),
                "key-start",
                msg(
                    "the shares from {start:date} start before the tariff ({first:date}): "
                    "write {year:year}-01-01, its first year",
                    start=start,
                    first=tariff.valid_from,
                    year=tariff.valid_from.year,
                ),
            )
        elif tariff.valid_until is not None and start > tariff.valid_until:
            yield doc.diagnostic(
                (*at, "from"),
                "key-start",
                msg(
                    "the shares from {start:date} start after the tariff ends ({end:date}): "
                    "they would never apply; write them in the next version",
                    start=start,
                    end=tariff.valid_until,
                ),
            )
        yield from key_shares(doc, (*at, "shares"), entry.shares, key.precision, tariff)
        if entry.derivation is not None:
            yield from _derivation_gives(doc, at, entry.derivation, entry.shares, key.precision)
    first = entries[0].from_
    if first.year > tariff.valid_from.year:
        yield doc.diagnostic(
            (*here, "shares_by_year", 0, "from"),
            "key-start",
            msg(
                "the key's first shares apply from {start:date}, the tariff from "
                "{valid:date}: {year:year} would have no key; write its shares from "
                "{year:year}-01-01",
                start=first,
                valid=tariff.valid_from,
                year=tariff.valid_from.year,
            ),
        )


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
            msg(
                "percentages rounded half up need not sum to 100: name the party that "
                "absorbs the difference ('remainder_to': one of {known}), or round by the "
                "largest remainder",
                known=listing(known),
            )
            if known
            else msg(
                "percentages rounded half up need not sum to 100: name the party that "
                "absorbs the difference ('remainder_to'), or round by the largest remainder"
            ),
        )
    elif rounding.method == "largest-remainder" and rounding.remainder_to is not None:
        yield doc.diagnostic(
            (*where, "remainder_to"),
            "key-rounding",
            msg(
                "the largest remainder gives each hundredth left to the largest "
                "remainders: 'remainder_to' would not be used"
            ),
        )
    if key.derivation is not None:
        yield doc.diagnostic(
            (*here, "derivation"),
            "key-derivation",
            msg(
                "a key computed from the agents each year has no derivation of its own: "
                "remove one of them"
            ),
        )


def _key_unrounded(doc: Document, here: Path_, key: Key, tariff: Tariff) -> Iterator[Diagnostic]:
    """A key applied unrounded states no percentage: it has no precision of its own, and
    only pool layers share by it (their lines say each member's salary cost over the
    total); budget lines and fees are shared by percentages, which it does not have."""
    assert key.computed is not None
    if not key.computed.rounding.unrounded:
        return
    if key.computed.rounding.remainder_to is not None:
        yield doc.diagnostic(
            (*here, "computed", "rounding", "remainder_to"),
            "key-unrounded",
            msg(
                "the key is not rounded: no difference to 100 is left to absorb, "
                "'remainder_to' would not be used"
            ),
        )
    if "precision" in key.model_fields_set:
        yield doc.diagnostic(
            (*here, "precision"),
            "key-unrounded",
            msg(
                "the key is not rounded ('precision: none' in its rounding): its own "
                "'precision' would not be used; remove one of them"
            ),
        )
    for offer in tariff.offers:
        for part in offer.parts:
            if (part.SHARES_BUDGET_LINES or part.FEE) and key.id in part.key_ids():
                yield doc.diagnostic(
                    (*here, "computed", "rounding", "precision"),
                    "key-unrounded",
                    msg(
                        "part '{part}' of offer '{offer}' shares budget lines by the "
                        "percentages of key '{key}': round them ('method: "
                        "largest-remainder' and the key's 'precision'); only a pool layer "
                        "shares by a key not rounded",
                        part=part.code,
                        offer=offer.id,
                        key=key.id,
                    ),
                )


def _key_derivation(doc: Document, here: Path_, key: Key) -> Iterator[Diagnostic]:
    """The deliberation's derivation, recomputed: from the previous key, the party's share
    made to bear the target on the base and taken from one party gives exactly this key."""
    if key.derivation is not None:
        yield from _derivation_gives(doc, here, key.derivation, key.shares, key.precision)


def _derivation_gives(
    doc: Document,
    here: Path_,
    derivation: KeyDerivation,
    shares: Mapping[str, Decimal],
    precision: Decimal,
) -> Iterator[Diagnostic]:
    """``derivation`` (at ``here``), recomputed, gives exactly ``shares``."""
    path: Path_ = (*here, "derivation")
    try:
        derived = derive_share(
            derivation.previous,
            party=derivation.party,
            target=derivation.target,
            base=derivation.base,
            take_from=derivation.take_from,
            precision=precision,
        )
    except KeyDerivationError as error:
        yield doc.diagnostic(
            path,
            "key-derivation",
            msg("the derivation cannot be recomputed: {problem}", problem=error.message),
        )
        return
    if dict(derived.after) != dict(shares):
        yield doc.diagnostic(
            path,
            "key-derivation",
            msg(
                "deriving '{party}' from the previous key gives {derived}, not the key's {written}",
                party=derivation.party,
                derived=_shares_text(derived.after),
                written=_shares_text(shares),
            ),
        )


def _shares_text(shares: Mapping[str, Decimal]) -> tuple[Message, ...]:
    """``ville 46.2%, ccas 0.48%``: each party's share, one after another."""
    return tuple(
        msg("{party} {percent:percent}", party=party, percent=percent)
        for party, percent in shares.items()
    )


def _population_rule(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """A tariff whose rules use the population says which legal population it bills on."""
    if tariff.population is None and tariff.uses_population():
        yield doc.diagnostic(
            (),
            "missing-key",
            msg(
                "'population': a rule of this tariff uses the members' population: say "
                "which legal population it bills on ('population: {{kind: totale}}')"
            ),
        )


def _keys_usable(tariff: Tariff) -> bool:
    """The keys can share amounts: written ones name parties of the tariff and sum to
    100 %, computed ones say how they round; one carrier at most."""
    known = {party.id for party in tariff.parties}
    return sum(party.carrier for party in tariff.parties) <= 1 and all(
        (
            key.computed is not None
            and (
                key.computed.rounding.unrounded
                or key.computed.rounding.method == "largest-remainder"
                or key.computed.rounding.remainder_to is not None
            )
        )
        or (
            bool(key.written())
            and all(
                sum(shares.values(), ZERO) == HUNDRED and (not known or set(shares) <= known)
                for shares in key.written()
            )
        )
        for key in tariff.keys
    )


def _duplicate_lines(doc: Document, path: Path_, costs: Sequence[CostLine]) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for index, cost in enumerate(costs):
        if cost.id in seen:
            yield doc.diagnostic(
                (*path, index, "id"),
                "duplicate-line",
                msg(
                    "cost line '{line}' is listed twice (first as line {first})",
                    line=cost.id,
                    first=seen[cost.id] + 1,
                ),
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
                msg("'{line}' names the management-fee lines: choose another id", line=cost.id),
            )
        sharing = next((part for part in shared if part.covers(cost)), None)
        if shared and sharing is None:
            yield doc.diagnostic(
                (*here, "category"),
                "line-not-shared",
                msg(
                    "no budget-lines part of the tariff in force from {start:date} shares "
                    "the {category} lines: this line would be billed to no one",
                    start=tariff.valid_from,
                    category=cost.category.value,
                ),
            )
        if cost.direct is None:
            continue
        if known and cost.direct not in known:
            yield doc.diagnostic(
                (*here, "direct"), "unknown-party", _not_a_party(cost.direct, tariff, known)
            )
        elif shared and sharing is not None and not sharing.allows_direct():
            yield doc.diagnostic(
                (*here, "direct"),
                "direct-not-provided",
                msg(
                    "the tariff in force from {start:date} provides no direct charges: "
                    "share the line by the key, or add 'direct' (with its article) to its "
                    "'{part}' part",
                    start=tariff.valid_from,
                    part=sharing.code,
                ),
            )
        elif not shared:
            yield doc.diagnostic(
                (*here, "direct"),
                "direct-not-provided",
                msg(
                    "no part of the tariff shares the budget's lines by a key "
                    "(budget-lines): no line is charged directly to one member"
                ),
            )


def _not_a_party(party: str, tariff: Tariff, known: Sequence[str]) -> Message:
    return msg(
        "party '{party}' is not a party of the tariff in force from {start:date} "
        "(parties: {known})",
        party=party,
        start=tariff.valid_from,
        known=listing(known),
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
    exclusive_categories_problems,
    _examples,
    party_identities,
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
            msg(
                "this budget is for service '{service}', the tariff for '{tariff}'",
                service=budget.service,
                tariff=tariff.service,
            ),
        )
    if not tariff.covers(budget.year):
        yield doc.diagnostic(
            ("year",),
            "budget-year",
            msg(
                "the tariff in force from {start:date} does not cover {year:year}",
                start=tariff.valid_from,
                year=budget.year,
            ),
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
            msg(
                "the key is computed from the agents' time weighted by their salary cost: "
                "list them under 'agents' (id, cost, shares)"
            ),
        )
    known = [party.id for party in tariff.parties]
    seen: set[str] = set()
    for index, agent in enumerate(agents):
        path: Path_ = (*here, "agents", index)
        if agent.id in seen:
            yield doc.diagnostic(
                (*path, "id"),
                "duplicate-agent",
                msg("agent '{agent}' is listed twice", agent=agent.id),
            )
        seen.add(agent.id)
        for party in agent.shares:
            if known and party not in known:
                yield doc.diagnostic(
                    (*path, "shares", party),
                    "unknown-party",
                    _not_a_party(party, tariff, known),
                    key=True,
                )
        total = sum(agent.shares.values(), ZERO)
        if total != HUNDRED:
            yield doc.diagnostic(
                (*path, "shares"),
                "agent-shares",
                msg(
                    "agent {agent}'s time sums to {total:percent}, not {hundred:percent}",
                    agent=agent.id,
                    total=total,
                    hundred=HUNDRED,
                ),
            )


def _budget_lines(doc: Document, budget: Budget, tariff: Tariff) -> Iterator[Diagnostic]:
    """The budget's lines against the rules that take them: shared by a key (each line
    covered by a part, direct lines allowed and of a party; the agents of a computed key),
    a pool's total or a unit cost (its units of operation)."""
    if tariff.needs_units_of_operation() and budget.units_of_operation is None:
        yield doc.diagnostic(
            ("year",),
            "no-units-of-operation",
            msg(
                "service '{service}' bills a unit cost (CGCT D5211-16): give the units of "
                "operation forecast for the year ('units_of_operation: {{forecast: …}}')",
                service=tariff.service,
            ),
        )
    if not tariff.takes_budget():
        yield doc.diagnostic(
            ("year",),
            "budget-not-used",
            msg(
                "service '{service}' has no rule taking its budget (a pool: "
                "{{from_budget: true}}, a unit cost, budget lines shared by a key): this "
                "budget would not be used",
                service=tariff.service,
            ),
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
            yield doc.diagnostic(
                ("agents",),
                "key-computation",
                msg("key '{key}': {problem}", key=key.id, problem=error.message),
            )


BUDGET_CHECKS: tuple[BudgetCheck, ...] = (_budget_service, _budget_lines)
