"""The worked examples of a tariff, recomputed: the figures a convention gives (its
examples' members, budget, index values) billed by the engine and compared with what the
example expects, each difference placed at the expected figure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal

from servcommun.body_checks import example_body_problems
from servcommun.budget import Budget
from servcommun.budget_checks import agent_problems, cost_line_problems
from servcommun.diagnostics import Diagnostic
from servcommun.engine.bill import bill_members, budget_data
from servcommun.engine.context import STATEMENT, ServiceData
from servcommun.engine.keys import KeyComputationError, year_key
from servcommun.engine.parties import party_members
from servcommun.engine.result import Statement
from servcommun.key_checks import did_you_mean, listing, plural_count
from servcommun.message import Message, Unsaid, msg, msg_n
from servcommun.money import HUNDRED, ZERO
from servcommun.reader import Document, Path_
from servcommun.roster import Member, Subscription
from servcommun.tariff import ExampleMember, LineExpectation, Tariff, WorkedExample
from servcommun.terms import Billing, CostLine


def line_codes(tariff: Tariff, costs: Sequence[CostLine] = ()) -> set[str]:
    """The codes of the lines the tariff's rules produce (``<offer>.<part>``, and
    ``statement.<code>`` for the statement-wide floors and caps), with those of the
    budget lines ``costs`` when parts share them (``<line id>.share|direct``, and
    ``<fee code>.share|direct``)."""
    codes = {code for offer, part in tariff.parts() for code in part.line_codes(offer.id, costs)}
    return codes | {f"{STATEMENT}.{limit.code}" for limit in tariff.statement_limits}


def example_data_problems(
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


def worked_examples(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """Recompute each worked example; a figure that differs is an error at the example."""
    if not _keys_usable(tariff):
        return  # the keys' own diagnostics say why
    for index, example in enumerate(tariff.examples):
        if any(example_data_problems(doc, ("examples", index), example, tariff)):
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
            continue  # an unknown key, reported as such by example_data_problems
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
