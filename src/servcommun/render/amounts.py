"""Amounts for people, in the language in use (``5 532,50 €`` in French, ``€5,532.50`` in
English), and for programs (``5532.50``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache

from servcommun import language
from servcommun.money import CENT

Fmt = Callable[[Decimal], str]
"""An amount as people read it (``5 532,50 €``)."""


def plain(amount: Decimal) -> str:
    """Exactly two decimals, a point, no grouping: the JSON and CSV form."""
    return str(amount.quantize(CENT))


@cache
def _formatter(currency: str, locale: str) -> Fmt:
    from babel.numbers import format_currency  # Babel's data is slow to load: when needed

    def format_amount(amount: Decimal) -> str:
        return str(format_currency(amount, currency, locale=locale))

    return format_amount


def money(amount: Decimal, currency: str = "EUR", locale: str | None = None) -> str:
    """``5 532,50 €`` in French (Babel uses the narrow no-break space the locale defines),
    ``€5,532.50`` in English: the language in use, unless a Babel ``locale`` is named."""
    return _formatter(currency, locale or language.locale())(amount)


@cache
def _number_formatter(locale: str) -> Fmt:
    from babel.numbers import format_decimal

    def format_number(amount: Decimal) -> str:
        return str(format_decimal(amount, format="#,##0.00", locale=locale))

    return format_number


def number(amount: Decimal) -> str:
    """``5 532,50`` (``5,532.50`` in English): an amount without its currency sign, for
    columns headed with it."""
    return _number_formatter(language.locale())(amount)


def currency_pattern(*, decimals: bool = True) -> str:
    """How the language in use writes an amount, as Babel's number pattern with ``¤`` for
    the currency sign (``#,##0.00 ¤`` in French, ``¤#,##0.00`` in English): for a
    spreadsheet's cells and a plot's axis (whole amounts without ``decimals``)."""
    from babel import Locale

    pattern = str(Locale.parse(language.locale()).currency_formats["standard"].pattern)
    pattern = pattern.split(";")[0]  # the negative form is the positive one with its sign
    return pattern if decimals else pattern.replace(".00", "")
