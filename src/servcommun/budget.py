"""Budget models: a service's costs for one year, line by line (the lines a tariff's
``budget-lines`` part shares by a key, the pool a ``pool-share`` part shares, the cost a
``unit-cost`` part divides).

One YAML file per year (``budgets = "examples/rouen/budget-{year}.yaml"`` in
``servcommun.toml``): each cost line has a label, a category (salary / other) that decides
whether management fees apply, an amount exact to the cent, and is shared by the key or
charged ``direct`` to one member. The line model, ``CostLine``, is shared with the
tariffs' worked examples.
"""

from decimal import Decimal

from pydantic import Field

from servcommun.money import ZERO
from servcommun.terms import (
    AgentTime,
    Allocation,
    CostCategory,
    CostLine,
    Frozen,
    Slug,
    UnitsOfOperation,
)

__all__ = ["Budget", "CostCategory", "CostLine"]


class Budget(Frozen):
    """The year's cost lines of a service (and the agents a computed key is computed from)."""

    schema_: str | None = Field(default=None, alias="$schema")
    service: Slug
    year: int = Field(ge=1900, le=2999)
    title: str = ""
    note: str = ""
    illustrative: bool = Field(
        default=False, description="figures invented for an example: said on the bill"
    )
    lines: tuple[CostLine, ...] = Field(min_length=1)
    agents: tuple[AgentTime, ...] = Field(
        default=(),
        description=(
            "the service's agents and their time split between the parties: the data a key "
            "'computed' from agents is computed from"
        ),
    )
    units_of_operation: UnitsOfOperation | None = Field(
        default=None,
        description=(
            "a contribution grid's unit cost (CGCT D5211-16): the units of operation forecast "
            "for the year, and its actual figures once its accounts are closed"
        ),
    )

    def shared_total(self, category: CostCategory) -> Decimal:
        """The lines of ``category`` shared by the key (the salary mass is the key's base)."""
        return sum(
            (
                line.amount
                for line in self.lines
                if line.category is category and line.allocation is Allocation.KEY
            ),
            ZERO,
        )
