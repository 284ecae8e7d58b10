"""``units-beyond-allowance``: units used beyond a yearly allowance by population bracket,
billed per unit rounded up (Redon, art. 3.2 and 7.1.1: engineering days beyond the
level-1 allowance, per half-day at 200 €)."""

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from servcommun.engine.context import population_bracket, units_used
from servcommun.language import N_
from servcommun.message import msg, msg_n
from servcommun.money import ZERO, ceil_to_unit, round_places, to_cents
from servcommun.rules.base import PartRule
from servcommun.terms import (
    Bracket,
    ConsumedUnit,
    Money,
    QuantityBracket,
    Rate,
    RoundingMode,
    Text,
)

if TYPE_CHECKING:
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line


class UnitsBeyondAllowancePart(PartRule):
    """The ``units`` a member consumed in the year (its acts, as a roster or consumption
    file records them) beyond its allowance, billed per ``unit`` rounded up (art. 7.1.1:
    engineering days beyond the level-1 allowance, per half-day at 200 €)."""

    rule: Literal["units-beyond-allowance"]
    units: tuple[ConsumedUnit, ...] = Field(
        min_length=1, description="the units counted against the allowance (days used)"
    )
    unit: Rate = Field(
        ge=Decimal("0.01"), description="size of one billed unit, in the units counted (0.5 day)"
    )
    unit_label: Text
    unit_price: Money
    rounding: RoundingMode = Field(
        default=RoundingMode.UP,
        description=(
            "how the units beyond the allowance are counted in billed units: up (a half-day "
            "begun is due), down or half-up"
        ),
    )
    allowance: tuple[QuantityBracket, ...] = Field(min_length=1)

    NEGOTIATED: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _measure_is_units(cls, data: object) -> object:
        if isinstance(data, dict) and "measure" in data:
            raise PydanticCustomError(
                "rule-migration",
                N_(
                    "'measure' is gone: the rule counts the units members consume, like acts — "
                    "write 'units: [{id: jour-ingenierie, label: Jour d'ingénierie}]' and "
                    "record the days used as consumption ('{unit: jour-ingenierie, date: …, "
                    "quantity: …}')"
                ),
                {},
            )
        return data

    def uses_population(self) -> bool:
        return True

    def counted_units(self) -> tuple[ConsumedUnit, ...]:
        return self.units

    def allowance_units(self) -> tuple[ConsumedUnit, ...]:
        return self.units

    def population_tables(self) -> tuple[tuple[str, Sequence[Bracket]], ...]:
        return (("allowance", self.allowance),)

    def allowance_for(self, population: int) -> Decimal:
        """The yearly allowance of a member of ``population`` (none outside the brackets)."""
        bracket = population_bracket(self.allowance, population)
        return bracket.quantity if bracket is not None else ZERO

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The units used beyond the member's allowance, billed per unit, rounded up."""
        used = units_used(self.units, context.member, context.year)
        if used == ZERO:
            return []
        bracket = population_bracket(self.allowance, context.population)
        allowance = bracket.quantity if bracket else ZERO
        excess = max(used - allowance, ZERO)
        if self.rounding is RoundingMode.UP:
            billed = ceil_to_unit(excess, self.unit)
        else:
            billed = round_places(excess / self.unit, 0, self.rounding.value)
        if self.rounding is not RoundingMode.UP:
            basis = msg_n(
                "{used:number} day used, allowance {allowance:number} ({bracket}): "
                "{excess:number} beyond → {billed:number} {unit_label} ({how}) × {price:amount}",
                "{used:number} days used, allowance {allowance:number} ({bracket}): "
                "{excess:number} beyond → {billed:number} {unit_label} ({how}) × {price:amount}",
                n="used",
                used=used,
                allowance=allowance,
                bracket=bracket.label if bracket else msg("no bracket"),
                excess=excess,
                billed=billed,
                unit_label=self.unit_label,
                how=(
                    msg("rounded down")
                    if self.rounding is RoundingMode.DOWN
                    else msg("rounded half up")
                ),
                price=self.unit_price,
            )
            return [context.line(self, to_cents(billed * self.unit_price), basis)]
        basis = msg_n(
            "{used:number} day used, allowance {allowance:number} ({bracket}): "
            "{excess:number} beyond → {billed:number} {unit_label} × {price:amount}",
            "{used:number} days used, allowance {allowance:number} ({bracket}): "
            "{excess:number} beyond → {billed:number} {unit_label} × {price:amount}",
            n="used",
            used=used,
            allowance=allowance,
            bracket=bracket.label if bracket else msg("no bracket"),
            excess=excess,
            billed=billed,
            unit_label=self.unit_label,
            price=self.unit_price,
        )
        return [context.line(self, to_cents(billed * self.unit_price), basis)]


RULE = UnitsBeyondAllowancePart
