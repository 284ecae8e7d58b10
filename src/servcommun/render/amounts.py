"""Amounts for people, in the tariff's locale (``5 532,50 €`` for fr_FR), and for
programs (``5532.50``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache

from servcommun.money import CENT

Fmt = Callable[[Decimal], str]
"""An amount as people read it (``5 532,50 €``)."""


def plain(amount: Decimal) -> str:
    """Exactly two decimals, a point, no grouping: the JSON and CSV form."""
    return str(amount.quantize(CENT))


@cache
def _formatter(currency: str, locale: str) -> Fmt:
    from babel.numbers import format_currency

    def format_amount(amount: Decimal) -> str:
        return format_currency(amount, currency, locale=locale)

    return format_amount


def money(amount: Decimal, currency: str = "EUR", locale: str = "fr_FR") -> str:
    """``5 532,50 €`` (fr_FR; Babel uses the narrow no-break space the locale defines)."""
    return str(_formatter(currency, locale)(amount))


@cache
def _number_formatter(locale: str) -> Fmt:
    from babel.numbers import format_decimal

    def format_number(amount: Decimal) -> str:
        return format_decimal(amount, format="#,##0.00", locale=locale)

    return format_number


def number(amount: Decimal, locale: str = "fr_FR") -> str:
    """``5 532,50``: an amount without its currency sign, for columns headed with it."""
    return str(_number_formatter(locale)(amount))
