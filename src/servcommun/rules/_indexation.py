"""Rates indexed on a published index, shared by the rules whose rates may be indexed."""

from decimal import Decimal
from typing import TYPE_CHECKING

from servcommun.engine.context import MissingData
from servcommun.message import Message, msg, msg_n
from servcommun.money import round_places
from servcommun.terms import Indexation, Places, RoundingMode

if TYPE_CHECKING:
    from servcommun.engine.context import OfferYear


def rounded(rounding: Places) -> Message:
    """How a figure is rounded, as a basis says it."""
    places = rounding.places
    if rounding.mode is RoundingMode.DOWN:
        return msg_n(
            "truncated to {places:count} decimal",
            "truncated to {places:count} decimals",
            n="places",
            places=places,
        )
    if rounding.mode is RoundingMode.UP:
        return msg_n(
            "rounded up to {places:count} decimal",
            "rounded up to {places:count} decimals",
            n="places",
            places=places,
        )
    return msg_n(
        "rounded half up to {places:count} decimal",
        "rounded half up to {places:count} decimals",
        n="places",
        places=places,
    )


def indexed(rate: Decimal, indexation: Indexation, context: "OfferYear") -> tuple[Decimal, Message]:
    """The rate (or amount) for the billed year: ``rate`` × index(N) / index(reference),
    with the coefficient or the indexed rate rounded as the tariff says (an amount is then
    rounded to the cent by its line); and how it was reached."""
    series = context.data.indices.get(indexation.index)
    year = context.year - (1 if indexation.index_year == "previous" else 0)
    if series is None:
        raise MissingData(
            msg(
                "no values of the index '{index}' were given ({article})",
                index=indexation.index,
                article=indexation.article,
            )
        )
    missing = sorted({y for y in (indexation.reference_year, year) if y not in series})
    if len(missing) == 2:
        raise MissingData(
            msg(
                "the index '{index}' has no value for {first:year} and {second:year} ({article})",
                index=indexation.index,
                first=missing[0],
                second=missing[1],
                article=indexation.article,
            )
        )
    if missing:
        raise MissingData(
            msg(
                "the index '{index}' has no value for {year:year} ({article})",
                index=indexation.index,
                year=missing[0],
                article=indexation.article,
            )
        )
    value, reference = series[year], series[indexation.reference_year]
    rounding = indexation.rounding
    ratio = dict(
        index=indexation.index,
        year=year,
        reference_year=indexation.reference_year,
        value=value,
        reference=reference,
        rounding=rounded(rounding),
    )
    if rounding.applies_to == "coefficient":
        coefficient = round_places(value / reference, rounding.places, rounding.mode.value)
        said = msg(
            "× {index} {year:year} / {reference_year:year} = {value:decimal} / "
            "{reference:decimal} = {coefficient:decimal}, coefficient {rounding}",
            coefficient=coefficient,
            **ratio,
        )
        return rate * coefficient, said
    said = msg(
        "× {index} {year:year} / {reference_year:year} = {value:decimal} / "
        "{reference:decimal}, {rounding}",
        **ratio,
    )
    return round_places(rate * value / reference, rounding.places, rounding.mode.value), said
