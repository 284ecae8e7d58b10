"""Members near a bracket boundary, for people (a table, a sentence) and programs (JSON)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun.engine.thresholds import Direction, NearBoundary
from servcommun.render.amounts import number, plain

Fmt = Callable[[Decimal], str]


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


def near_message(near: NearBoundary, fmt: Fmt) -> str:
    """``Population 2 999 is 1 below 3 000 inhabitants (…): 2026 costs 6 498,50 € at 2 999
    and 7 000,00 € at 3 000.``"""
    first = near.boundary.first
    side = (
        f"{near.distance} below {inhabitants(first)}"
        if near.direction is Direction.UP
        else f"{near.distance} above {inhabitants(first - 1)}"
    )
    below, above = (_amount(amount, fmt) for amount in (near.below, near.above))
    return (
        f"Population {inhabitants(near.member.population or 0)} is {side} inhabitants "
        f"({', '.join(near.boundary.codes)}; {', '.join(near.boundary.articles)}): "
        f"{near.year} costs {below} at {inhabitants(first - 1)} and {above} at "
        f"{inhabitants(first)}."
    )


def thresholds_table(
    near: Sequence[NearBoundary], *, title: str, year: int, within: int, currency: str, locale: str
) -> RenderableType:
    def fmt(amount: Decimal) -> str:
        return number(amount, locale)

    if not near:
        return Text(
            f"{title} — {year}: no member is within {within} inhabitants of a bracket boundary."
        )
    table = Table(
        title=f"{title} — {year}: members within {within} inhabitants of a "
        f"bracket boundary (amounts in {currency})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    # amounts are never cut: the names and the parts wrap instead
    table.add_column("Member", min_width=10, ratio=1)
    table.add_column("Population", justify="right", min_width=6)
    table.add_column("Boundary", justify="right", min_width=6)
    table.add_column("Parts / article", min_width=10, ratio=1, overflow="fold")
    table.add_column("Below", justify="right", no_wrap=True)
    table.add_column("Above", justify="right", no_wrap=True)
    table.add_column("Change", justify="right", no_wrap=True)
    for item in near:
        first = item.boundary.first
        sign = "+" if item.direction is Direction.UP else "−"
        change = item.change
        table.add_row(
            Text.assemble(item.member.id, "\n", item.member.name),
            f"{inhabitants(item.member.population or 0)}\n{sign}{item.distance}",
            f"{inhabitants(first - 1)}\n{inhabitants(first)}",
            Text.assemble(
                ", ".join(item.boundary.codes), "\n", (", ".join(item.boundary.articles), "dim")
            ),
            _amount(item.below, fmt),
            _amount(item.above, fmt),
            "n/a" if change is None else ("+" if change > 0 else "") + fmt(change),
        )
    note = Text(
        "Population: now, and how many inhabitants to gain (+) or lose (−) to cross "
        "the boundary. Below / Above: the member's total for the year at the last "
        "population below the boundary and at the first above it; Change: what "
        "crossing does to it.",
        style="dim",
    )
    return Group(table, note)


def inhabitants(count: int) -> str:
    """``2 355`` (a narrow no-break space between thousands, as French typography)."""
    return f"{count:,}".replace(",", "\u202f")


def _amount(amount: Decimal | None, fmt: Fmt) -> str:
    return "needs review" if amount is None else fmt(amount)


def _plain_or_none(amount: Decimal | None) -> str | None:
    return None if amount is None else plain(amount)
