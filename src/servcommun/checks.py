"""Semantic checks of a tariff: small pure functions, one signature, run all together.

Each check takes the ``Document`` (for positions) and the validated model and yields
``Diagnostic`` values; ``check_tariff`` runs the whole list, so one run reports every
problem (beancount's validations, yamllint's rules). The worked examples are recomputed
by ``example_checks``; a budget's checks are ``budget_checks``, a roster's and a
consumption file's ``roster_checks``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from servcommun.body_checks import (
    exclusive_categories_problems,
)
from servcommun.diagnostics import Diagnostic
from servcommun.engine.context import STATEMENT
from servcommun.engine.keys import (
    KeyDerivationError,
    derive_share,
)
from servcommun.example_checks import example_data_problems, line_codes, worked_examples
from servcommun.identity_checks import party_identities
from servcommun.key_checks import key_shares, listing
from servcommun.message import Message, msg
from servcommun.reader import Document, Path_
from servcommun.roster_checks import (
    acts_problems,
    attribute_problems,
    figure_problems,
    validity_span,
)
from servcommun.tariff import (
    Key,
    KeyDerivation,
    Tariff,
)
from servcommun.terms import (
    Billing,
    Bracket,
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
        yield from example_data_problems(doc, here, example, tariff)
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
    worked_examples,
    party_identities,
)
