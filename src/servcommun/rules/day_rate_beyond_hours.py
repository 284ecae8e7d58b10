"""``day-rate-beyond-hours``: a day rate covering so many hours, the hours beyond at an
hourly rate, day by day (staff made available: « la journée de 7 heures est facturée
210 €, toute heure au-delà 35 € »)."""

import datetime as dt
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import shortfall_note, volume_shortfalls
from servcommun.message import Message, msg, msg_n
from servcommun.money import fraction_to_cents
from servcommun.rules.base import PartRule
from servcommun.terms import ConsumedUnit, Money, Rate, as_quantity, exact, said_quantity

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class DayRateBeyondHoursPart(PartRule):
    """The hours a member consumed, day by day: each day worked is billed the
    ``day_price``, which covers its first ``hours_per_day`` hours; the hours of that day
    beyond them are billed the ``hour_price`` each. The acts of one day are summed first
    (each rounded to its unit's step as the unit says)."""

    rule: Literal["day-rate-beyond-hours"]
    units: tuple[ConsumedUnit, ...] = Field(
        min_length=1,
        description="the units counted, in hours (times each unit's weight)",
    )
    hours_per_day: Rate = Field(gt=0, description="the hours of one day the day rate covers")
    day_price: Money = Field(description="the price of a day worked, its first hours included")
    hour_price: Money = Field(description="the price of each hour of a day beyond them")

    ANNUAL_ONLY: ClassVar[bool] = True
    NOTES: ClassVar[bool] = True

    def priced_units(self) -> tuple[ConsumedUnit, ...]:
        return self.units

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """One line: the days worked at the day rate, plus the hours beyond the day's
        allowance, summed over the days, at the hourly rate; rounded to the cent once."""
        units = {unit.id: unit for unit in self.units}
        hours: dict[dt.date, Fraction] = {}  # exact: a third of an hour is one
        for act in context.member.acts_in(context.year, units):
            unit = units[act.unit]
            hours[act.date] = hours.get(act.date, Fraction(0)) + exact(
                unit.billed(act.quantity)
            ) * exact(unit.weight)
        worked = [day for day, total in hours.items() if total > 0]
        if not worked:
            return self._shortfalls(context)
        covered = exact(self.hours_per_day)
        total = sum(hours.values(), Fraction(0))
        beyond = sum((max(hours[day] - covered, Fraction(0)) for day in worked), Fraction(0))
        days = len(worked)
        over = len([day for day in worked if hours[day] > covered])
        amount = fraction_to_cents(days * exact(self.day_price) + beyond * exact(self.hour_price))
        dates = (
            msg("{first:date}", first=worked[0])
            if days == 1
            else msg("{first:date}–{last:date}", first=min(worked), last=max(worked))
        )
        extra = None
        if beyond:
            extra = msg_n(
                " + {beyond} hours beyond on {over:count} day × {price:amount}",
                " + {beyond} hours beyond on {over:count} days × {price:amount}",
                n="over",
                beyond=said_quantity(as_quantity(beyond)),
                over=over,
                price=self.hour_price,
            )
        basis = msg_n(
            "{hours} hours on {days:count} day ({dates}): {days:count} × "
            "{price:amount} (up to {covered:number} hours a day){extra}",
            "{hours} hours on {days:count} days ({dates}): {days:count} × "
            "{price:amount} (up to {covered:number} hours a day){extra}",
            n="days",
            hours=said_quantity(as_quantity(total)),
            days=days,
            dates=dates,
            price=self.day_price,
            covered=self.hours_per_day,
            extra=extra,
        )
        return [context.line(self, amount, basis), *self._shortfalls(context)]

    def bills_shortfall(self) -> bool:
        return True

    def _shortfalls(self, context: "OfferYear") -> "list[Line]":
        """The hours below a contracted minimum, for the units that say it is due: at the
        hourly rate (no day is worked for them)."""
        return [
            context.line(
                self,
                fraction_to_cents(exact(shortfall) * exact(self.hour_price)),
                msg(
                    "{volume}: {consumed} hours consumed → {shortfall} hours not consumed, "
                    "due × {price:amount}",
                    volume=volume,
                    consumed=said_quantity(consumed),
                    shortfall=said_quantity(shortfall),
                    price=self.hour_price,
                ),
                label=f"{self.label} — {unit.label}",
            )
            for unit, consumed, shortfall, volume in volume_shortfalls(self.units, context)
            if unit.minimum_due
        ]

    def notes(self, context: "OfferYear") -> list[Message]:
        """A contracted minimum not reached, for the units that do not say it is due."""
        return [
            shortfall_note(unit, context.year, consumed, volume)
            for unit, consumed, _, volume in volume_shortfalls(self.units, context)
            if not unit.minimum_due
        ]

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """A day covering more than 24 hours is a typo (7 written 70)."""
        if self.hours_per_day > 24:
            yield doc.diagnostic(
                (*here, "hours_per_day"),
                "hours-per-day",
                msg(
                    "a day of {hours:number} hours: a day rate covers at most 24 hours; "
                    "write the hours one day covers (7 for a day of 7 hours)",
                    hours=self.hours_per_day,
                ),
            )


RULE = DayRateBeyondHoursPart
