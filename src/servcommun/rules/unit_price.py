"""``unit-price``: a price per act by type and date — permis de construire, déclaration
préalable, payslips, days — from a dated price list, with weights between units
(« équivalent permis de construire ») and free units; or, per member, a coefficient on a
figure it declares by year (hours at its own hourly cost × 1.10)."""

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from servcommun.engine.context import MissingFigure, shortfall_note, volume_shortfalls
from servcommun.language import N_
from servcommun.message import Message, msg
from servcommun.money import ZERO
from servcommun.rules.base import PartRule
from servcommun.terms import (
    AttributeId,
    ConsumedUnit,
    Frozen,
    Money,
    Percent,
    Rate,
    RoundingMode,
    Slug,
    add_quantities,
    as_quantity,
    exact,
    refusal,
    said_quantity,
)
from servcommun.terms import priced as priced_at

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class PriceEntry(Frozen):
    """One price of a price list, in force from ``from`` until the next entry's date: a
    ``price`` per equivalent unit (times each unit's weight), or ``unit_prices`` per unit,
    or the member's own declared ``figure`` times a ``coefficient`` per equivalent unit
    (its hourly cost × 1.10)."""

    from_: dt.date = Field(alias="from", description="first day this price applies to an act")
    price: Money | None = Field(default=None, description="price of one equivalent unit")
    unit_prices: dict[Slug, Money] = Field(default={}, description="unit id → price of one unit")
    figure: AttributeId | None = Field(
        default=None,
        description=(
            "the id of an amount figure the member declares by year (its own hourly cost): "
            "the price of one equivalent unit is that figure times 'coefficient'"
        ),
    )
    coefficient: Rate | None = Field(
        default=None,
        gt=0,
        description="what the member's declared figure is multiplied by ('1.10': plus 10 %)",
    )
    reference: str = Field(default="", description="the decision that set this price")

    @model_validator(mode="after")
    def _one_way(self) -> "PriceEntry":
        forms = (self.price is not None) + bool(self.unit_prices) + (self.figure is not None)
        if self.figure is None and self.coefficient is None:
            if forms != 1:
                raise PydanticCustomError(
                    "price-entry",
                    N_(
                        "give either 'price' (per equivalent unit, times each unit's "
                        "weight) or 'unit_prices' (a price per unit), not both or neither"
                    ),
                    {},
                )
        elif forms != 1 or self.figure is None or self.coefficient is None:
            raise refusal(
                "price-entry",
                msg(
                    "a price of the member's own declared figure gives 'figure' and its "
                    "'coefficient' ({written}), and neither 'price' nor 'unit_prices'",
                    written='{from: 2026-01-01, figure: cout_horaire, coefficient: "1.10"}',
                ),
            )
        return self


class FreeUnits(Frozen):
    """Units not billed each year: the first ``quantity`` of ``unit``, in date order (the
    first half-day visit of the year is free); or a ``percent`` of the year's quantity of
    ``unit``, counted in whole units as ``rounding`` says (30 percent of 7 visits = 2.1 → 2)."""

    unit: Slug
    quantity: Rate | None = Field(default=None, gt=0)
    percent: Percent | None = Field(
        default=None,
        le=100,
        description="the percent of the year's quantity of the unit that is free",
    )
    rounding: RoundingMode | None = Field(
        default=None,
        description=(
            "how the free count a percent gives is rounded to whole units (up, down, "
            "half-up): the convention says it"
        ),
    )

    @model_validator(mode="after")
    def _quantity_or_percent(self) -> "FreeUnits":
        if (self.quantity is None) == (self.percent is None) or (
            self.percent is not None and self.rounding is None
        ):
            raise refusal(
                "free-units",
                msg(
                    "give either 'quantity' (the first units of the year) or 'percent' with "
                    "its 'rounding' (up, down or half-up: {written}), not both or neither",
                    written='{unit: visite, percent: "30", rounding: down}',
                ),
            )
        return self

    def count(self, consumed: Decimal | Fraction) -> tuple[Decimal | Fraction, Message | None]:
        """The units free in a year of ``consumed`` units, and how a basis derives them."""
        if self.percent is None or self.rounding is None:
            assert self.quantity is not None
            return self.quantity, None
        share = exact(consumed) * exact(self.percent) / 100
        count = Decimal(
            {
                RoundingMode.UP: math.ceil(share),
                RoundingMode.DOWN: math.floor(share),
                RoundingMode.HALF_UP: math.floor(share + Fraction(1, 2)),
            }[self.rounding]
        )
        template = {
            RoundingMode.UP: N_(
                "{percent:percent} of {consumed} = {share}, rounded up to {count:number}"
            ),
            RoundingMode.DOWN: N_(
                "{percent:percent} of {consumed} = {share}, rounded down to {count:number}"
            ),
            RoundingMode.HALF_UP: N_(
                "{percent:percent} of {consumed} = {share}, rounded half up to {count:number}"
            ),
        }[self.rounding]
        return count, msg(
            template,
            percent=self.percent,
            consumed=said_quantity(consumed),
            share=said_quantity(as_quantity(share)),
            count=count,
        )


class UnitPricePart(PartRule):
    """Unit price × quantity: each act a member consumed in the year (its unit, date and
    quantity come from the roster or a consumption file) at the price in force on its date,
    times its unit's weight; free units first. One line per unit and price in force."""

    rule: Literal["unit-price"]
    units: tuple[ConsumedUnit, ...] = Field(min_length=1)
    equivalent: str = Field(
        default="",
        description=("name of the unit of weight 1, for bases ('équivalent permis de construire')"),
    )
    prices: tuple[PriceEntry, ...] = Field(min_length=1, description="by increasing date")
    free: tuple[FreeUnits, ...] = ()

    ANNUAL_ONLY: ClassVar[bool] = True
    NOTES: ClassVar[bool] = True

    def priced_units(self) -> tuple[ConsumedUnit, ...]:
        return self.units

    def price_list(self) -> tuple[PriceEntry, ...]:
        return self.prices

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """Unit price × quantity for the acts the member consumed in the year: each act at
        the price in force on its date, times its unit's weight (or at its unit's own
        price); the first units of the year free where the tariff says so. One line per
        unit and price in force, each rounded to the cent once; in the order of the
        tariff's units and prices."""
        for declared in self._figure_entries(context.year):
            self._declared(context, declared)  # none declared: the member needs review
        units = {unit.id: unit for unit in self.units}
        acts = context.member.acts_in(context.year, units)
        free_left: dict[str, Decimal | Fraction] = {}
        derived: dict[str, Message] = {}
        for rule in self.free:
            consumed: Decimal | Fraction = ZERO
            for act in acts:
                if act.unit == rule.unit:
                    consumed = add_quantities(consumed, units[act.unit].billed(act.quantity))
            free_left[rule.unit], how = rule.count(consumed)
            if how is not None:
                derived[rule.unit] = how
        groups: dict[tuple[str, int], _ActGroup] = {}
        for act in acts:
            quantity = units[act.unit].billed(act.quantity)
            free = min(free_left.get(act.unit, ZERO), quantity)
            if free:
                free_left[act.unit] = add_quantities(free_left[act.unit], -free)
            entry = price_in_force(self.prices, act.date)
            position = self.prices.index(entry) if entry is not None else -1
            group = groups.setdefault(
                (act.unit, position), _ActGroup(act.date, derived=derived.get(act.unit))
            )
            group.add(act.date, quantity, free, act.quantity)
        lines: list[Line] = []
        order = {unit.id: index for index, unit in enumerate(self.units)}
        for (unit_id, position), group in sorted(
            groups.items(), key=lambda item: (order[item[0][0]], item[0][1])
        ):
            unit = units[unit_id]
            label = f"{self.label} — {unit.label}"
            counted = group.counted(unit.label)
            if position < 0:
                basis = msg(
                    "{counted}: no price in force before {first:date}",
                    counted=counted,
                    first=self.prices[0].from_,
                )
                lines.append(context.line(self, ZERO, basis, label=label))
                continue
            entry = self.prices[position]
            priced = self._unit_price(entry, unit.id, unit.weight, context)
            if priced is None:  # refused on load (price-units); said rather than guessed
                basis = msg(
                    "{counted}: no price for {unit} from {start:date}",
                    counted=counted,
                    unit=unit.id,
                    start=entry.from_,
                )
                lines.append(context.line(self, ZERO, basis, label=label))
                continue
            price, said = priced
            dated = None
            if len(self.prices) > 1 or entry.reference:
                dated = (
                    msg(
                        " (price from {start:date}, {reference})",
                        start=entry.from_,
                        reference=entry.reference,
                    )
                    if entry.reference
                    else msg(" (price from {start:date})", start=entry.from_)
                )
            basis = msg("{counted} × {price}{dated}", counted=counted, price=said, dated=dated)
            lines.append(context.line(self, priced_at(group.billed, price), basis, label=label))
        lines.extend(self._shortfalls(context))
        return lines

    def bills_shortfall(self) -> bool:
        return True

    def _shortfalls(self, context: "OfferYear") -> "list[Line]":
        """The shortfall below a contracted minimum, for the units that say it is due: at
        the price in force on the year's last day."""
        lines: list[Line] = []
        for unit, consumed, shortfall, volume in volume_shortfalls(self.units, context):
            if not unit.minimum_due:
                continue
            entry = price_in_force(self.prices, dt.date(context.year, 12, 31))
            priced = (
                None if entry is None else self._unit_price(entry, unit.id, unit.weight, context)
            )
            if priced is None:
                continue  # no price: said by the acts' own line
            price, said = priced
            basis = msg(
                "{volume}: {consumed} consumed → {shortfall} not consumed, due × {price}",
                volume=volume,
                consumed=said_quantity(consumed),
                shortfall=said_quantity(shortfall),
                price=said,
            )
            label = f"{self.label} — {unit.label}"
            lines.append(context.line(self, priced_at(shortfall, price), basis, label=label))
        return lines

    def notes(self, context: "OfferYear") -> list[Message]:
        """A contracted minimum not reached, for the units that do not say it is due."""
        return [
            shortfall_note(unit, context.year, consumed, volume)
            for unit, consumed, _, volume in volume_shortfalls(self.units, context)
            if not unit.minimum_due
        ]

    def _figure_entries(self, year: int) -> list[PriceEntry]:
        """The entries of the price list in force during ``year`` that price by a figure
        the member declares."""
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return [
            entry
            for index, entry in enumerate(self.prices)
            if entry.figure is not None
            and entry.from_ <= last
            and (index + 1 == len(self.prices) or self.prices[index + 1].from_ > first)
        ]

    def _declared(self, context: "OfferYear", entry: PriceEntry) -> tuple[Decimal, Message]:
        """The price of one equivalent unit under ``entry``, a figure the member declares
        times a coefficient (exact), and how a basis says it; the figure not declared for
        its year: ``MissingFigure`` (the member needs review, never billed 0)."""
        assert entry.figure is not None and entry.coefficient is not None
        declared = context.tariff.figure(entry.figure)
        label = declared.label if declared is not None else entry.figure
        year = declared.year_for(context.year) if declared is not None else context.year
        value = context.member.figures.get(entry.figure, {}).get(year)
        if value is None:
            raise MissingFigure(
                msg(
                    "the roster gives no {label} ('{figure}') for {year:year}",
                    label=label,
                    figure=entry.figure,
                    year=year,
                )
            )
        said = msg(
            "{coefficient:decimal} × {label} {year:year} (declared: {value:amount})",
            coefficient=entry.coefficient,
            label=label,
            year=year,
            value=value,
        )
        return value * entry.coefficient, said

    def _unit_price(
        self, entry: PriceEntry, unit: str, weight: Decimal, context: "OfferYear"
    ) -> tuple[Decimal, Message] | None:
        """The exact price of one ``unit`` under ``entry``, and how a basis says it."""
        if entry.figure is not None:
            base, said = self._declared(context, entry)
            if weight == 1:
                return base, said
            if not self.equivalent:
                return weight * base, msg(
                    "{weight:number} equivalent × {price}", weight=weight, price=said
                )
            return weight * base, msg(
                "{weight:number} {equivalent} × {price}",
                weight=weight,
                equivalent=self.equivalent,
                price=said,
            )
        if entry.price is None:
            price = entry.unit_prices.get(unit)
            return None if price is None else (price, msg("{price:amount}", price=price))
        if weight == 1:
            return entry.price, msg("{price:amount}", price=entry.price)
        if not self.equivalent:
            return weight * entry.price, msg(
                "{weight:number} equivalent × {price:amount}", weight=weight, price=entry.price
            )
        return weight * entry.price, msg(
            "{weight:number} {equivalent} × {price:amount}",
            weight=weight,
            equivalent=self.equivalent,
            price=entry.price,
        )

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """A price list by increasing date that starts by the tariff's first day, pricing
        every unit, its figures amount figures the tariff declares; free units of the
        part's own units."""
        own = [unit.id for unit in self.units]
        yield from _price_list(doc, here, self, own, tariff.valid_from)
        for entry_index, entry in enumerate(self.prices):
            if entry.figure is not None:
                path: Path_ = (*here, "prices", entry_index, "figure")
                yield from _figure_problems(doc, path, entry.figure, tariff)
        for free_index, free in enumerate(self.free):
            if free.unit not in own:
                yield doc.diagnostic(
                    (*here, "free", free_index, "unit"),
                    "unknown-unit",
                    msg(
                        "unit '{unit}' is not a unit of this part (units: {units})",
                        unit=free.unit,
                        units=", ".join(own),
                    ),
                )


def price_in_force(prices: Sequence[PriceEntry], day: dt.date) -> PriceEntry | None:
    """The entry of a price list in force on ``day`` (the latest that starts on or before
    it), or None before the first."""
    return next((entry for entry in reversed(prices) if entry.from_ <= day), None)


@dataclass
class _ActGroup:
    """The acts of one unit at one price: quantities, the free part, the dates spanned."""

    first: dt.date
    last: dt.date | None = None
    quantity: Decimal | Fraction = ZERO
    free: Decimal | Fraction = ZERO
    consumed: Decimal | Fraction = ZERO
    derived: Message | None = None  # how a percent of the year's units made the free count

    def add(
        self,
        day: dt.date,
        quantity: Decimal | Fraction,
        free: Decimal | Fraction,
        consumed: Decimal | Fraction,
    ) -> None:
        """Add an act of ``consumed`` units, ``quantity`` once rounded to its unit's step
        (a fraction of a unit summed exactly)."""
        self.last = day
        self.quantity = add_quantities(self.quantity, quantity)
        self.free = add_quantities(self.free, free)
        self.consumed = add_quantities(self.consumed, consumed)

    @property
    def billed(self) -> Decimal | Fraction:
        return add_quantities(self.quantity, -self.free)

    def counted(self, label: str) -> Message:
        """The acts counted, as a basis says it: quantity, unit, dates, free units."""
        dates = (
            msg("{first:date}", first=self.first)
            if self.last in (None, self.first)
            else msg("{first:date}–{last:date}", first=self.first, last=self.last)
        )
        if self.derived is not None or any(
            isinstance(value, Fraction)
            for value in (self.quantity, self.free, self.consumed, self.billed)
        ):
            return self._counted_exactly(label, dates)
        free = None
        if self.free:
            free = msg(
                ", {free:number} free → {billed:number} billed", free=self.free, billed=self.billed
            )
        if self.consumed != self.quantity:
            return msg(
                "{consumed:number} consumed, rounded to {quantity:number} × {unit} ({dates}){free}",
                consumed=self.consumed,
                quantity=self.quantity,
                unit=label,
                dates=dates,
                free=free,
            )
        return msg(
            "{quantity:number} × {unit} ({dates}){free}",
            quantity=self.quantity,
            unit=label,
            dates=dates,
            free=free,
        )

    def _counted_exactly(self, label: str, dates: Message) -> Message:
        """``counted`` where a quantity is a fraction no decimal writes (1/3 day)."""
        free = None
        if self.derived is not None:
            free = msg(
                ", {free} free ({derived}) → {billed} billed",
                free=said_quantity(self.free),
                derived=self.derived,
                billed=said_quantity(self.billed),
            )
        elif self.free:
            free = msg(
                ", {free} free → {billed} billed",
                free=said_quantity(self.free),
                billed=said_quantity(self.billed),
            )
        consumed = None
        if self.consumed != self.quantity:
            consumed = msg(
                "{consumed} consumed, rounded to ", consumed=said_quantity(self.consumed)
            )
        return msg(
            "{consumed}{quantity} × {unit} ({dates}){free}",
            consumed=consumed,
            quantity=said_quantity(self.quantity),
            unit=label,
            dates=dates,
            free=free,
        )


def _price_list(
    doc: "Document", here: "Path_", part: UnitPricePart, units: list[str], valid_from: dt.date
) -> "Iterator[Diagnostic]":
    first = part.prices[0].from_
    if first > valid_from:
        yield doc.diagnostic(
            (*here, "prices", 0, "from"),
            "price-start",
            msg(
                "the first price applies from {first:date}, the tariff from {start:date}: "
                "acts of {start:date} to {end:date} would have no price",
                first=first,
                start=valid_from,
                end=first - dt.timedelta(days=1),
            ),
        )
    for entry_index, entry in enumerate(part.prices):
        path: Path_ = (*here, "prices", entry_index)
        if entry_index and entry.from_ <= part.prices[entry_index - 1].from_:
            yield doc.diagnostic(
                (*path, "from"),
                "price-order",
                msg(
                    "price from {start:date} comes after the price from {before:date}: list "
                    "prices by increasing date, each in force until the next",
                    start=entry.from_,
                    before=part.prices[entry_index - 1].from_,
                ),
            )
        if not entry.unit_prices:
            continue
        for unit in entry.unit_prices:
            if unit not in units:
                yield doc.diagnostic(
                    (*path, "unit_prices", unit),
                    "unknown-unit",
                    msg(
                        "unit '{unit}' is not a unit of this part (units: {units})",
                        unit=unit,
                        units=", ".join(units),
                    ),
                    key=True,
                )
        missing = [unit for unit in units if unit not in entry.unit_prices]
        if missing:
            yield doc.diagnostic(
                (*path, "unit_prices"),
                "price-units",
                msg(
                    "no price for {units} from {start:date}: price every unit of the part",
                    units=", ".join(missing),
                    start=entry.from_,
                ),
            )


def _figure_problems(
    doc: "Document", path: "Path_", figure: str, tariff: "Tariff"
) -> "Iterator[Diagnostic]":
    """A price entry's ``figure`` is an amount figure the tariff declares."""
    declared = tariff.figure(figure)
    if declared is None:
        amounts = [f.id for f in tariff.figures if f.kind == "amount"]
        written = f"{{id: {figure}, label: …, kind: amount, year: billed}}"
        yield doc.diagnostic(
            path,
            "unknown-figure",
            msg(
                "the tariff declares no figure '{figure}' (amount figures: {known}): "
                "correct the id, or declare it under figures: {written}",
                figure=figure,
                known=", ".join(amounts),
                written=written,
            )
            if amounts
            else msg(
                "the tariff declares no figure '{figure}' (it declares none): declare it "
                "under figures: {written}",
                figure=figure,
                written=written,
            ),
        )
    elif declared.kind != "amount":
        yield doc.diagnostic(
            path,
            "figure-kind",
            msg(
                "figure '{figure}' ({label}) is a quantity: a price per unit is a coefficient "
                "on an amount in euros (an hourly cost); declare it with 'kind: amount'",
                figure=figure,
                label=declared.label,
            ),
        )


RULE = UnitPricePart
