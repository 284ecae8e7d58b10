"""``bracket-amount``: a fixed amount picked by population bracket (Redon, art. 7.1 part
fixe, 7.2.1 audit price), optionally written for a reference year and indexed."""

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import population_bracket
from servcommun.message import Message, msg
from servcommun.money import ZERO, to_cents
from servcommun.rules._indexation import indexed
from servcommun.rules.base import PartRule
from servcommun.terms import AmountBracket, Bracket, Indexation

if TYPE_CHECKING:
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line


class BracketAmountPart(PartRule):
    """A fixed amount picked by population bracket (art. 7.1 part fixe, 7.2.1 audit price)."""

    rule: Literal["bracket-amount"]
    brackets: tuple[AmountBracket, ...] = Field(min_length=1)
    indexation: Indexation | None = None

    PRORATED: ClassVar[bool] = True

    def uses_population(self) -> bool:
        return True

    def indexations(self) -> tuple[Indexation, ...]:
        return (self.indexation,) if self.indexation is not None else ()

    def population_tables(self) -> tuple[tuple[str, Sequence[Bracket]], ...]:
        return (("brackets", self.brackets),)

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The amount of the member's population bracket."""
        population = context.population
        bracket = population_bracket(self.brackets, population)
        if bracket is None:
            basis = msg("no bracket for population {population:count}", population=population)
            return [context.line(self, ZERO, basis)]
        amount = bracket.amount
        basis = _bracket_basis(bracket.label)
        if self.indexation is not None:
            amount, said = indexed(bracket.amount, self.indexation, context)
            basis = msg(
                "bracket {bracket}: {amount:amount} ({written:amount} {indexed})",
                bracket=bracket.label,
                amount=to_cents(amount),
                written=bracket.amount,
                indexed=said,
            )
        return [context.prorated(context.line(self, to_cents(amount), basis), amount)]


@cache
def _bracket_basis(label: str) -> Message:
    """The basis of a bracket's amount, made once per bracket: the members of one bracket
    (most of a 35 000-member roster in a few) share it, as it never changes."""
    return msg("bracket {bracket}", bracket=label)


RULE = BracketAmountPart
