"""``per-inhabitant``: a rate times the population (Redon, art. 7.1 part variable: 1,50 €
per inhabitant), optionally written for a reference year and indexed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

from servcommun.message import msg
from servcommun.money import to_cents
from servcommun.rules._indexation import indexed
from servcommun.rules.base import PartRule
from servcommun.terms import Indexation, Rate

if TYPE_CHECKING:
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line


class PerInhabitantPart(PartRule):
    """A rate times the population (art. 7.1 part variable: 1,50 € per inhabitant),
    optionally written for a reference year and indexed."""

    rule: Literal["per-inhabitant"]
    rate: Rate
    indexation: Indexation | None = None

    PRORATED: ClassVar[bool] = True

    def uses_population(self) -> bool:
        return True

    def indexations(self) -> tuple[Indexation, ...]:
        return (self.indexation,) if self.indexation is not None else ()

    def lines(self, context: OfferYear, before: Sequence[Line]) -> list[Line]:
        """The population × the rate (indexed, if the tariff says so)."""
        population = context.population
        rate = self.rate
        basis = msg(
            "{population:count} inhabitants × {rate:amount}", population=population, rate=rate
        )
        if self.indexation is not None:
            rate, said = indexed(self.rate, self.indexation, context)
            basis = msg(
                "{population:count} inhabitants × {rate:number} ({written:amount} {indexed})",
                population=population,
                rate=rate,
                written=self.rate,
                indexed=said,
            )
        exact = rate * population
        return [context.prorated(context.line(self, to_cents(exact), basis), exact)]


RULE = PerInhabitantPart
