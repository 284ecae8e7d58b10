"""Checks of the bodies a service bills that are not communes: an EPCI in its own name,
an association, a syndicat, a CCAS. Their ids are of the forms the tariff declares
(``member_ids``), they carry a population only where a rule uses it, and they hold one at
most of the categories the tariff declares exclusive (``exclusive_categories``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from servcommun.diagnostics import Diagnostic
from servcommun.key_checks import listing
from servcommun.message import Message, msg
from servcommun.reader import Document, Path_
from servcommun.roster import Member, Roster, is_insee_or_siren
from servcommun.rules.category_amount import category_problems
from servcommun.tariff import Tariff, WorkedExample
from servcommun.terms import category_parts, holds_category


def member_id_problems(
    doc: Document, roster: Roster, tariff: Tariff | None
) -> Iterator[Diagnostic]:
    """A member id that is neither an INSEE code nor a SIREN number is of a form the
    tariff declares."""
    forms = tariff.member_ids if tariff is not None else ()
    for index, member in enumerate(roster.members):
        if is_insee_or_siren(member.id) or any(form.matches(member.id) for form in forms):
            continue
        yield doc.diagnostic(
            ("members", index, "id"), "member-id", _unknown_form(member.id, tariff)
        )


def _unknown_form(value: str, tariff: Tariff | None) -> Message:
    if tariff is None or not tariff.member_ids:
        return msg(
            "'{value}' is neither an INSEE code (5 characters: \"35236\") nor a SIREN number "
            "(9 digits): a body with an id of another form needs the form declared in the "
            "tariff ('member_ids': label, pattern, example)",
            value=value,
        )
    said = [
        msg(
            "{label}: {pattern}, for example {example}",
            label=form.label,
            pattern=form.pattern,
            example=form.example,
        )
        for form in tariff.member_ids
    ]
    forms = said[0]
    for form in said[1:]:
        forms = msg("{forms}; {form}", forms=forms, form=form)
    return msg(
        "'{value}' is neither an INSEE code (5 characters: \"35236\") nor a SIREN number "
        "(9 digits), nor an id of a form the tariff declares ({forms})",
        value=value,
        forms=forms,
    )


def population_problems(
    doc: Document, roster: Roster, tariff: Tariff | None
) -> Iterator[Diagnostic]:
    """A member without a population holds no offer whose rules use it."""
    if tariff is None:
        return
    for index, member in enumerate(roster.members):
        if not member.population:
            offers = [s.offer for s in member.subscriptions]
            yield from _population_needed(doc, ("members", index), offers, tariff, member.id)


def lacks_population(member: Member, tariff: Tariff) -> bool:
    """``member`` has no population, while an offer it holds is billed on it (said by
    ``population_problems``)."""
    return not member.population and any(
        (offer := tariff.offer(s.offer)) is not None and offer.uses_population
        for s in member.subscriptions
    )


def _population_needed(
    doc: Document, here: Path_, offers: Iterable[str], tariff: Tariff, who: str | Message
) -> Iterator[Diagnostic]:
    using = [
        offer.label
        for offer_id in dict.fromkeys(offers)
        if (offer := tariff.offer(offer_id)) is not None and offer.uses_population
    ]
    if using:
        yield doc.diagnostic(
            here,
            "population-missing",
            msg(
                "member {member} has no population, while {offers} is billed on it: give "
                "its legal population by year ('population: {{2026: 1250}}'), or remove "
                "the subscription",
                member=who,
                offers=listing(using),
            ),
        )


def exclusive_problems(
    doc: Document, roster: Roster, tariff: Tariff | None
) -> Iterator[Diagnostic]:
    """A member holds one at most of each group of exclusive categories."""
    if tariff is None:
        return
    for index, member in enumerate(roster.members):
        yield from _exclusive_held(
            doc, ("members", index, "attributes"), member.attributes, tariff, member.id
        )


def _exclusive_held(
    doc: Document, here: Path_, attributes: Mapping[str, object], tariff: Tariff, who: str | Message
) -> Iterator[Diagnostic]:
    for group in tariff.exclusive_categories:
        held = [category for category in group if holds_category(attributes, category)]
        if len(held) < 2:
            continue
        first, second = held[0], held[1]
        yield doc.diagnostic(
            (*here, category_parts(second)[0]),
            "exclusive-categories",
            msg(
                "member {member} is of the categories {held}, which exclude each other "
                "('exclusive_categories' of the tariff): keep one, writing {keep_first} to "
                "keep {first}, or {keep_second} to keep {second}",
                member=who,
                held=listing(held),
                first=first,
                second=second,
                keep_first=_dropped(held, first),
                keep_second=_dropped(held, second),
            ),
        )


def _dropped(held: Sequence[str], kept: str) -> tuple[Message, ...]:
    """What to write to keep ``kept`` alone of ``held``: the others' yes/no attributes
    set to false, the others' choice attributes removed."""
    written = []
    for category in held:
        attribute, value = category_parts(category)
        if category != kept and attribute != category_parts(kept)[0]:
            written.append(
                msg("'{attribute}: false'", attribute=attribute)
                if value is None
                else msg("no '{attribute}'", attribute=attribute)
            )
    return tuple(written)


def exclusive_categories_problems(doc: Document, tariff: Tariff) -> Iterator[Diagnostic]:
    """The categories of the exclusive groups are the tariff's."""
    for g, group in enumerate(tariff.exclusive_categories):
        for c, category in enumerate(group):
            yield from category_problems(
                doc, ("exclusive_categories", g, c), category, tariff, key=False
            )


def example_body_problems(
    doc: Document, here: Path_, example: WorkedExample, tariff: Tariff
) -> Iterator[Diagnostic]:
    """A worked example's member without a population holds no offer billed on it, and
    holds one at most of each group of exclusive categories."""
    for index, spec in enumerate(example.members):
        path = (*here, "members", index)
        who = spec.id or msg("#{index:count} of the example", index=index + 1)
        if spec.population is None:
            offers = [s.offer for s in spec.subscriptions]
            yield from _population_needed(doc, path, offers, tariff, who)
        yield from _exclusive_held(doc, (*path, "attributes"), spec.attributes, tariff, who)
