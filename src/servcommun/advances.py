"""Advances (acomptes) during the year and the final statement (décompte définitif): pure.

A tariff's ``advances`` call its annual offers in N instalments of a base — the year's
forecast amount, or the final amount of the year before — split exactly: N parts to
the cent summing to the base, the remainder on the last (10 000,00 € in 3: 3 333,33 +
3 333,33 + 3 333,34). Once the year is closed, the final statement is its actual
amount less the advances issued: a positive balance is titled, a negative one is a
credit to the member (a reduction of the advances), zero leaves nothing to issue. The
lines of the bill stay as they are (never negative); the balance is a difference of
totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from servcommun.engine.result import Statement
from servcommun.money import ZERO

CENT = Decimal("0.01")


def split(amount: Decimal, count: int) -> list[Decimal]:
    """``amount`` in ``count`` parts to the cent, summing exactly to it, the remainder on
    the last part (``split(10000.00, 3)`` → 3333.33, 3333.33, 3333.34)."""
    if count < 1:
        return []
    part = (amount / count).quantize(CENT, rounding=ROUND_DOWN)
    return [part] * (count - 1) + [amount - part * (count - 1)]


@dataclass(frozen=True)
class Instalment:
    """One call of advances: its number (1…N), of how many, and its day."""

    number: int
    count: int
    date: dt.date

    @property
    def month(self) -> str:
        """The titling month of the instalment (``2026-04``)."""
        return f"{self.date.year}-{self.date.month:02d}"


@dataclass(frozen=True)
class AdvancePlan:
    """What a year's titres need of a tariff's advances: the offers called in advances,
    the base (``forecast`` or ``last-year``), the instalments of the year, the article
    and, for a call on last year's base, each member's final amount of the year before
    (by member id and nature account: the base of each titre)."""

    offers: frozenset[str]
    base: str
    instalments: tuple[Instalment, ...]
    article: str
    last_year: dict[tuple[str, str], Decimal] | None = None

    def instalment(self, number: int) -> Instalment | None:
        return next((i for i in self.instalments if i.number == number), None)

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(i.month for i in self.instalments)


def plan_dates(dates: Collection[dt.date]) -> tuple[Instalment, ...]:
    """The instalments called on ``dates``, numbered in order."""
    ordered = sorted(dates)
    return tuple(Instalment(n, len(ordered), day) for n, day in enumerate(ordered, start=1))


def advanced_amount(statement: Statement, offers: Collection[str]) -> Decimal:
    """What ``statement`` bills for the offers called in advances: the base of its
    forecast instalments, and the actual amount its final statement settles."""
    return sum((line.amount for line in statement.lines if line.offer in offers), ZERO)
