"""Roster models: the members of a service, their populations and subscriptions.

A roster is kept in YAML (hand editing) or CSV (bulk: one row a member, see
``roster_rows_to_data``). Member ids are INSEE codes or SIREN numbers, always text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from servcommun.roster_population import RosterPopulation, Siren
from servcommun.tariff import (
    Act,
    Frozen,
    Money,
    Population,
    PopulationKind,
    Rate,
    SettlementMode,
    SignedMoney,
    Slug,
    Text,
    Year,
)

_MEMBER_ID = r"^(\d{5}|2[AB]\d{3}|\d{9})$"
# departments 00 and 96 do not exist; 20 became 2A and 2B in 1976
_NO_DEPARTMENT = ("00", "20", "96")


def _member_id(value: str) -> str:
    if re.fullmatch(_MEMBER_ID, value) and not (
        len(value) == 5 and value.startswith(_NO_DEPARTMENT)
    ):
        return value
    raise PydanticCustomError("member-id", "{hint}", {"hint": member_id_hint(value)})


def member_id_hint(value: str) -> str:
    """What is wrong with a member id, and the likely intended one."""
    squeezed = re.sub(r"[\s.\u00a0\u202f]", "", value).upper()
    if len(value) == 4 and value.isdigit():
        return (
            f"'{value}' has 4 digits, an INSEE code 5: it probably lost its leading "
            f'zero, write "0{value}" (quoted)'
        )
    if len(value) == 5 and value.startswith("20") and value.isdigit():
        return (
            f"'{value}': Corsican communes are coded 2A (Corse-du-Sud) or 2B "
            f'(Haute-Corse) since 1976: write "2A{value[2:]}" or "2B{value[2:]}"'
        )
    if len(value) == 5 and value.startswith(("00", "96")):
        return f"'{value}': there is no department {value[:2]}"
    if squeezed != value and re.fullmatch(_MEMBER_ID, squeezed):
        return f"'{value}' is not well-formed: write \"{squeezed}\""
    return (
        f"'{value}' is neither an INSEE code (5 characters: \"35236\", Corsica "
        f'"2A004") nor a SIREN number (9 digits)'
    )


MemberId = Annotated[
    str,
    AfterValidator(_member_id),
    Field(
        description="INSEE code (5 characters, Corsica 2A/2B) or SIREN (9 digits), as text",
        json_schema_extra={"pattern": _MEMBER_ID},
    ),
]


class Subscription(Frozen):
    """A subscription to an offer: ``start``/``end`` for an annual offer (``end`` included),
    ``delivered`` for a one-off service (the date the audit report was delivered)."""

    offer: Slug
    start: dt.date | None = None
    end: dt.date | None = None
    delivered: dt.date | None = None

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if start and end and end < start:
            raise PydanticCustomError(
                "subscription-order",
                "end {end} is before start {start}: the end date "
                "(included) comes on or after the start",
                {"end": str(end), "start": str(start)},
            )
        return end

    @model_validator(mode="after")
    def _a_date(self) -> Subscription:
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
    year: Year | None = Field(default=None, description="absent: every year")
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
    population: dict[Year, Population] = Field(
        min_length=1, description="legal population in force on 1 January, by year"
    )
    # legal populations (servcommun.roster_population): the SIREN, figures of other kinds
    siren: Siren | None = None
    populations: dict[PopulationKind, dict[Year, Population]] = Field(
        default_factory=dict, description="figures of kinds other than 'population's, by year"
    )
    own_it_department: bool = False
    subscriptions: tuple[Subscription, ...] = ()
    engineering_days: dict[Year, Rate] = Field(default_factory=dict)
    consumption: tuple[Act, ...] = Field(
        default=(),
        description=(
            "units consumed (acts by type and date), billed by the tariff's unit-price parts"
        ),
    )
    attribution_compensation: dict[Year, SignedMoney] = Field(
        default_factory=dict,
        description=(
            "attribution de compensation by year (negative: paid by the member), for statements "
            "settled by deduction from it"
        ),
    )
    settlement: SettlementMode | None = Field(
        default=None,
        description=("this member's way of settling, when it differs from the tariff's"),
    )
    overrides: tuple[Override, ...] = ()

    def population_in(self, year: int) -> int | None:
        return self.population.get(year)

    def acts_in(self, year: int, units: Collection[str]) -> list[Act]:
        """The acts of ``year`` of the given units, in date order (stable for a same day)."""
        return sorted(
            (act for act in self.consumption if act.date.year == year and act.unit in units),
            key=lambda a: a.date,
        )

    def override_for(self, offer: str, year: int) -> Override | None:
        if not self.overrides:  # the common case, asked for every member and offer
            return None
        matching = [o for o in self.overrides if o.offer == offer and o.year in (None, year)]
        # an override for the very year wins over a standing one
        return max(matching, key=lambda o: o.year is not None, default=None)

    def days_used(self, year: int) -> Decimal:
        return self.engineering_days.get(year, Decimal(0))


class Roster(Frozen):
    schema_: str | None = Field(default=None, alias="$schema")
    service: Slug
    note: str = ""
    population: RosterPopulation | None = Field(
        default=None, description="the kind, millésimes and source of the members' populations"
    )
    members: tuple[Member, ...]


class ConsumptionAct(Act):
    """An act of a consumption file: the member it was consumed by, then as in a roster."""

    member: MemberId


class Consumption(Frozen):
    """A consumption file (YAML, or CSV for bulk: columns ``member``, ``unit``, ``date``,
    ``quantity``, ``reference``): the acts of the members of a service, merged into its
    roster when billing."""

    schema_: str | None = Field(default=None, alias="$schema")
    service: Slug
    title: str = ""
    note: str = ""
    illustrative: bool = Field(
        default=False, description="figures invented for an example: said on the bill"
    )
    acts: tuple[ConsumptionAct, ...] = Field(min_length=1)
