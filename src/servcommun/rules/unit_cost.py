"""``unit-cost``: CGCT art. D5211-16 — a unit cost of operation (the cost of the service
from the last accounts, updated, over the units of operation forecast for the year,
rounded as the convention says) times the units of operation the member used."""

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import MissingData, units_used
from servcommun.message import msg, msg_n
from servcommun.money import round_places, to_cents
from servcommun.rules._indexation import rounded
from servcommun.rules.base import PartRule
from servcommun.terms import ConsumedUnit, Places, UnitsOfOperation

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Tariff, WorkedExample


class UnitCostPart(PartRule):
    """CGCT art. D5211-16: a unit cost of operation — the cost of the service (from the
    last accounts, updated) over the units of operation forecast for the year, rounded as
    the convention says — times the units of operation the member used in the year."""

    rule: Literal["unit-cost"]
    units: tuple[ConsumedUnit, ...] = Field(min_length=1)
    rounding: Places = Field(default_factory=Places, description="of the unit cost (to the cent)")

    ANNUAL_ONLY: ClassVar[bool] = True

    def takes_budget(self) -> bool:
        return True

    def needs_units_of_operation(self) -> bool:
        return True

    def counted_units(self) -> tuple[ConsumedUnit, ...]:
        return self.units

    def unit_cost(self, cost: Decimal, units: Decimal) -> Decimal:
        """``cost`` over ``units``, rounded as the convention says."""
        return round_places(cost / units, self.rounding.places, self.rounding.mode.value)

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The member's units of operation of the year × the unit cost."""
        cost, operation = year_operation(context, self.article)
        unit_cost = self.unit_cost(cost, operation.forecast)
        used = units_used(self.units, context.member, context.year)
        reference = msg(", {reference}", reference=operation.reference)
        basis = msg_n(
            "{used:number} unit used × unit cost {unit_cost:amount} ({cost:amount} / "
            "{forecast:number} units forecast{reference}, {rounding})",
            "{used:number} units used × unit cost {unit_cost:amount} ({cost:amount} / "
            "{forecast:number} units forecast{reference}, {rounding})",
            n="used",
            used=used,
            unit_cost=unit_cost,
            cost=cost,
            forecast=operation.forecast,
            reference=reference if operation.reference else None,
            rounding=rounded(self.rounding),
        )
        return [context.line(self, to_cents(used * unit_cost), basis)]

    def example_problems(
        self, doc: "Document", here: "Path_", example: "WorkedExample", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        if (example.budget is None and not example.costs) or example.units_of_operation is None:
            yield doc.diagnostic(
                (*here, "year"),
                "example-operation",
                msg(
                    "worked example '{title}' needs the year's cost ('budget') and units of "
                    "operation ('units_of_operation: {{forecast: …}}') its unit cost is "
                    "computed from",
                    title=example.title,
                ),
            )


def year_operation(context: "OfferYear", article: str) -> tuple[Decimal, UnitsOfOperation]:
    """The year's cost and units of operation, from its budget file."""
    cost = context.data.costs.get(context.year)
    operation = context.data.operation.get(context.year)
    if cost is None or operation is None:
        raise MissingData(
            msg(
                "no budget of {year:year} gives the cost and the units of operation the "
                "unit cost is computed from ({article})",
                year=context.year,
                article=article,
            )
        )
    return cost, operation


RULE = UnitCostPart
