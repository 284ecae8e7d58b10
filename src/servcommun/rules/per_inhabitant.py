"""``per-inhabitant``: a rate times the population (Redon, art. 7.1 part variable: 1,50 €
per inhabitant), optionally written for a reference year and indexed, or changing by year
within one tariff version (a rate with its effective date)."""

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from servcommun.language import N_
from servcommun.message import Message, msg, msg_n
from servcommun.money import to_cents
from servcommun.rules._dated import dated_problems, in_force
from servcommun.rules._indexation import indexed
from servcommun.rules.base import PartRule
from servcommun.terms import Frozen, Indexation, Rate, Text

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class DatedRate(Frozen):
    """A rate in force from 1 January of a year until the next entry's (a deliberation
    raising the rate per inhabitant from 2027 without a new tariff version)."""

    from_: dt.date = Field(alias="from", description="1 January of the first year billed so")
    rate: Rate
    reference: str = Field(default="", description="the decision that set this rate")


class RateCeiling(Frozen):
    """The legal ceiling of the rate per inhabitant, and the text that sets it: ``check``
    refuses a rate above it."""

    rate: Rate = Field(description="the highest rate per inhabitant the law allows")
    reference: Text = Field(description="the text that sets it")


class PerInhabitantPart(PartRule):
    """A rate times the population (art. 7.1 part variable: 1,50 € per inhabitant),
    optionally written for a reference year and indexed; or ``rates`` by year."""

    rule: Literal["per-inhabitant"]
    rate: Rate | None = None
    rates: tuple[DatedRate, ...] = Field(
        default=(), description="the rate by year, each from 1 January until the next"
    )
    indexation: Indexation | None = None
    ceiling: RateCeiling | None = None

    PRORATED: ClassVar[bool] = True

    @model_validator(mode="after")
    def _one_rate(self) -> "PerInhabitantPart":
        if (self.rate is None) == (not self.rates):
            raise PydanticCustomError(
                "rate-source",
                N_(
                    "give either 'rate' or 'rates' (by year: [{from: 2027-01-01, rate: …}]), "
                    "not both or neither"
                ),
                {},
            )
        return self

    def uses_population(self) -> bool:
        return True

    def indexations(self) -> tuple[Indexation, ...]:
        return (self.indexation,) if self.indexation is not None else ()

    def rate_in(self, year: int) -> tuple[Decimal, Message | None]:
        """The rate of ``year``, and what says its date (none for a single rate)."""
        if self.rate is not None:
            return self.rate, None
        entry, dated = in_force(self.rates, year)
        return entry.rate, dated

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The population × the rate of the year (indexed, if the tariff says so)."""
        population = context.population
        written, dated = self.rate_in(context.year)
        rate = written
        if dated is None:
            basis = _undated_basis(population, str(rate))
        else:
            basis = _basis(population, rate, dated)
        if self.indexation is not None:
            rate, said = indexed(written, self.indexation, context)
            basis = msg_n(
                "{population:count} inhabitant × {rate:amount} ({written:amount} {indexed}){dated}",
                "{population:count} inhabitants × {rate:amount} ({written:amount} "
                "{indexed}){dated}",
                n="population",
                population=population,
                rate=rate,
                written=written,
                indexed=said,
                dated=dated,
            )
        exact = rate * population
        return [context.prorated(context.line(self, to_cents(exact), basis), exact)]

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """Rates by year start on 1 January, the first by the tariff's first year, in
        increasing order."""
        yield from dated_problems(
            doc,
            here,
            "rates",
            [entry.from_ for entry in self.rates],
            tariff,
            lambda start: msg(
                "a rate per inhabitant of an annual contribution applies from 1 "
                "January: write {year:year}-01-01 (or {next:year}-01-01)",
                year=start.year,
                next=start.year + 1,
            ),
        )
        if self.ceiling is not None:
            written = (
                [((*here, "rate"), self.rate)]
                if self.rate is not None
                else [
                    ((*here, "rates", index, "rate"), entry.rate)
                    for index, entry in enumerate(self.rates)
                ]
            )
            for path, rate in written:
                if rate > self.ceiling.rate:
                    yield doc.diagnostic(
                        path,
                        "rate-ceiling",
                        msg(
                            "{rate:amount} per inhabitant is above the ceiling of "
                            '{ceiling:amount} set by {reference}: write at most "{highest}"',
                            rate=rate,
                            ceiling=self.ceiling.rate,
                            reference=self.ceiling.reference,
                            highest=str(self.ceiling.rate),
                        ),
                    )


def _basis(population: int, rate: Decimal, dated: Message | None) -> Message:
    return msg_n(
        "{population:count} inhabitant × {rate:amount}{dated}",
        "{population:count} inhabitants × {rate:amount}{dated}",
        n="population",
        population=population,
        rate=rate,
        dated=dated,
    )


@cache
def _undated_basis(population: int, rate: str) -> Message:
    """The basis of a single rate, made once per population and rate (known by its text:
    1.50 and 1.5 are equal decimals written differently): the members of one population
    share it, and a document says it once (``render.words.sayer``)."""
    return _basis(population, Decimal(rate), None)


RULE = PerInhabitantPart
