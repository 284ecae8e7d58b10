"""A derived key for people (a Rich table and a sentence) or programs (JSON: percentages
and amounts as plain decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun.analysis import Derivation
from servcommun.money import ZERO
from servcommun.render.amounts import money, number, plain


def derivation_table(derivation: Derivation) -> RenderableType:
    """The key before and after, each party's amount on the base, and how far rounding the
    share to the key's precision moves the party's amount from its target."""
    result = derivation.result
    tariff = derivation.tariff
    locale, currency = tariff.locale, tariff.currency

    def percent(value: Decimal | None) -> str:
        return "—" if value is None else f"{_percent(value, locale)} %"

    def name(party: str) -> str:
        return derivation.names.get(party, party)

    until = tariff.valid_until or "open"
    lines: list[RenderableType] = [
        Text(
            f"Key of {derivation.tariff_file} ({tariff.valid_from} → {until}), service "
            f"{derivation.service}",
            style="bold",
        ),
        Text(
            f"{name(result.party)}: {money(result.target, currency, locale)} on a base of "
            f"{money(result.base, currency, locale)} ({_base_words(derivation)}) is "
            f"{_percent(result.exact_percent.quantize(Decimal('0.0001')), locale)} % → "
            f"{percent(result.after[result.party])} at the key's precision "
            f"({_percent(result.precision, locale)} point), taken from "
            f"{name(result.take_from)}."
        ),
    ]
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    table.add_column("Party", footer="Total", no_wrap=True)
    table.add_column("Name", overflow="fold")
    table.add_column(
        "Before", justify="right", no_wrap=True, footer=percent(sum(result.before.values(), ZERO))
    )
    table.add_column(
        "After",
        justify="right",
        no_wrap=True,
        style="bold",
        footer=percent(sum(result.after.values(), ZERO)),
    )
    table.add_column(
        "Amount on the base",
        justify="right",
        no_wrap=True,
        footer=money(sum(result.amounts.values(), ZERO), currency, locale),
    )
    for party, share in result.after.items():
        table.add_row(
            party,
            name(party),
            percent(result.before.get(party)),
            percent(share),
            money(result.amounts[party], currency, locale),
        )
    lines.append(table)
    if result.difference != ZERO:
        bears = money(result.party_amount, currency, locale)
        lines.append(
            Text(
                f"{name(result.party)} bears {bears} on this base, "
                f"{money(abs(result.difference), currency, locale)} "
                f"{'more' if result.difference > ZERO else 'less'} than the target: "
                "the key is written to its precision.",
                style="dim",
            )
        )
    return Group(*lines)


def derivation_json(derivation: Derivation) -> dict[str, Any]:
    result = derivation.result
    return {
        "service": derivation.service,
        "tariff": derivation.tariff_file,
        "party": result.party,
        "take_from": result.take_from,
        "target": plain(result.target),
        "base": plain(result.base),
        "base_source": derivation.base_source,
        "exact_percent": str(result.exact_percent.quantize(Decimal("0.000001"))),
        "precision": str(result.precision),
        "key_before": {party: str(share) for party, share in result.before.items()},
        "key": {party: str(share) for party, share in result.after.items()},
        "amounts": {party: plain(amount) for party, amount in result.amounts.items()},
        "party_amount": plain(result.party_amount),
        "difference": plain(result.difference),
    }


def _base_words(derivation: Derivation) -> str:
    return "given with --base" if derivation.base_source == "--base" else derivation.base_source


def _percent(value: Decimal, locale: str) -> str:
    """Percentages with all the decimals they are written with, at least two."""
    exponent = value.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    if places == 2:
        return number(value, locale)
    from babel.numbers import format_decimal

    return str(format_decimal(value, format="#,##0." + "0" * places, locale=locale))
