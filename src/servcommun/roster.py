"""Roster models: the members of a service, their populations and subscriptions.

A roster is kept in YAML (hand editing) or CSV (bulk: one row a member, see
``roster_rows_to_data``). Member ids are INSEE codes or SIREN numbers, always text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from servcommun.tariff import Frozen, Money, Rate, Slug, Text

MemberId = Annotated[
    str,
    StringConstraints(pattern=r"^(\d{5}|2[AB]\d{3}|\d{9})$"),
    Field(description="INSEE code (5 characters, Corsica 2A/2B) or SIREN (9 digits), as text"),
]


class Subscription(Frozen):
    """A subscription to an offer: ``start``/``end`` for an annual offer (``end`` included),
    ``delivered`` for a one-off service (the date the audit report was delivered)."""

    offer: Slug
    start: dt.date | None = None
    end: dt.date | None = None
    delivered: dt.date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Subscription:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.start is None and self.delivered is None:
            raise ValueError("give 'start' (annual offer) or 'delivered' (one-off service)")
        return self

    def active_in(self, year: int) -> bool:
        """Active on at least one day of ``year`` (annual offers)."""
        if self.start is None:
            return False
        return self.start.year <= year and (self.end is None or self.end.year >= year)


class Override(Frozen):
    """A negotiated arrangement for an offer under review (art. 7.1 (*)): a whole
    ``amount`` or a ``fixed`` part, with the ``reference`` of the decision."""

    offer: Slug
    reference: Text
    year: int | None = Field(default=None, description="absent: every year")
    amount: Money | None = None
    fixed: Money | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> Override:
        if (self.amount is None) == (self.fixed is None):
            raise ValueError("give exactly one of 'amount' (whole offer) or 'fixed' (fixed part)")
        return self


class Member(Frozen):
    id: MemberId
    name: Text
    population: dict[int, Annotated[int, Field(gt=0)]] = Field(
        min_length=1, description="legal population in force on 1 January, by year")
    own_it_department: bool = False
    subscriptions: tuple[Subscription, ...] = ()
    engineering_days: dict[int, Rate] = {}
    overrides: tuple[Override, ...] = ()

    def population_in(self, year: int) -> int | None:
        return self.population.get(year)

    def override_for(self, offer: str, year: int) -> Override | None:
        matching = [o for o in self.overrides if o.offer == offer and o.year in (None, year)]
        # an override for the very year wins over a standing one
        return max(matching, key=lambda o: o.year is not None, default=None)

    def days_used(self, year: int) -> Decimal:
        return self.engineering_days.get(year, Decimal(0))


class Roster(Frozen):
    schema_: str | None = Field(default=None, alias="$schema")
    service: Slug
    note: str = ""
    members: tuple[Member, ...]
