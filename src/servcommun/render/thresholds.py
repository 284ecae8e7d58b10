"""Members near a bracket boundary, for people (a table, a sentence, in the language in
use) and programs (JSON)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun import language
from servcommun.engine.thresholds import Direction, NearBoundary
from servcommun.message import Message, msg, msg_n
from servcommun.render.amounts import money, number, plain
from servcommun.render.words import number_text, say


def thresholds_json(
    near: Sequence[NearBoundary], *, service: str, year: int, within: int, currency: str
) -> dict[str, Any]:
    return {
        "service": service,
        "year": year,
        "within": within,
        "currency": currency,
        "members": [near_json(item) for item in near],
    }


def near_json(near: NearBoundary) -> dict[str, Any]:
    """One member near one boundary: ``below``/``above`` are its totals for the year at
    ``boundary - 1`` and ``boundary`` inhabitants (null: it would need review)."""
    return {
        "member": {
            "id": near.member.id,
            "name": near.member.name,
            "population": near.member.population,
        },
        "year": near.year,
        "boundary": near.boundary.first,
        "direction": near.direction.value,
        "distance": near.distance,
        "parts": list(near.boundary.codes),
        "references": list(near.boundary.articles),
        "amount_now": _plain_or_none(near.amount_now),
        "below": _plain_or_none(near.below),
        "above": _plain_or_none(near.above),
        "change": _plain_or_none(near.change),
    }


def near_message(near: NearBoundary) -> Message:
    """``Population 2,999 is 1 below 3,000 inhabitants (…): 2026 costs €6,498.50 at 2,999
    and €7,000.00 at 3,000.``"""
    first = near.boundary.first
    values = {
        "population": near.member.population or 0,
        "distance": near.distance,
        "parts": ", ".join(near.boundary.codes),
        "articles": ", ".join(near.boundary.articles),
        "year": near.year,
        "below": _amount(near.below, money),
        "above": _amount(near.above, money),
        "last": first - 1,
        "first": first,
    }
    if near.direction is Direction.UP:
        return msg(
            "Population {population:count} is {distance:count} below {first:count} "
            "inhabitants ({parts}; {articles}): {year:year} costs {below} at {last:count} "
            "and {above} at {first:count}.",
            **values,
        )
    return msg(
        "Population {population:count} is {distance:count} above {last:count} "
        "inhabitants ({parts}; {articles}): {year:year} costs {below} at {last:count} "
        "and {above} at {first:count}.",
        **values,
    )


def thresholds_table(
    near: Sequence[NearBoundary],
    *,
    title: str,
    year: int,
    within: int,
    currency: str,
    locale: str | None = None,
) -> RenderableType:
    """The members near a boundary, in the language in use (``locale``, the tariff's, is
    not used: the reader's language writes the amounts)."""
    if not near:
        return Text(
            say(
                msg_n(
                    "{title} — {year:year}: no member is within {within:count} inhabitant "
                    "of a bracket boundary.",
                    "{title} — {year:year}: no member is within {within:count} inhabitants "
                    "of a bracket boundary.",
                    n="within",
                    title=title,
                    year=year,
                    within=within,
                )
            )
        )
    heading = msg_n(
        "{title} — {year:year}: members within {within:count} inhabitant of a bracket "
        "boundary (amounts in {currency})",
        "{title} — {year:year}: members within {within:count} inhabitants of a bracket "
        "boundary (amounts in {currency})",
        n="within",
        title=title,
        year=year,
        within=within,
        currency=currency,
    )
    table = Table(title=say(heading), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    # amounts are never cut: the names and the parts wrap instead
    table.add_column(language._("Member"), min_width=10, ratio=1)
    table.add_column(language._("Population"), justify="right", min_width=6, no_wrap=True)
    table.add_column(language._("Boundary"), justify="right", min_width=6, no_wrap=True)
    table.add_column(language._("Parts / article"), min_width=10, ratio=1, overflow="fold")
    table.add_column(language._("Total below"), justify="right", no_wrap=True)
    table.add_column(language._("Total above"), justify="right", no_wrap=True)
    table.add_column(language._("Change"), justify="right", no_wrap=True)
    for item in near:
        first = item.boundary.first
        sign = "+" if item.direction is Direction.UP else "−"
        change = item.change
        population = number_text(item.member.population or 0, "count")
        table.add_row(
            Text.assemble(item.member.id, "\n", item.member.name),
            f"{population}\n{sign}{number_text(item.distance, 'count')}",
            f"{number_text(first - 1, 'count')}\n{number_text(first, 'count')}",
            Text.assemble(
                ", ".join(item.boundary.codes), "\n", (", ".join(item.boundary.articles), "dim")
            ),
            _amount(item.below, number),
            _amount(item.above, number),
            language._("n/a") if change is None else ("+" if change > 0 else "") + number(change),
        )
    note = Text(
        language._(
            "Population: now, and how many inhabitants to gain (+) or lose (−) to cross "
            "the boundary. Total below / above: the member's total for the year at the "
            "last population below the boundary and at the first above it; Change: what "
            "crossing does to it."
        ),
        style="dim",
    )
    return Group(table, note)


def _amount(amount: Decimal | None, write: Callable[[Decimal], str]) -> str:
    """An amount as ``write`` writes it, or the words saying it needs review."""
    return language._("needs review") if amount is None else write(amount)


def _plain_or_none(amount: Decimal | None) -> str | None:
    return None if amount is None else plain(amount)
