"""``unit-cost-adjustment``: the year-end adjustment of a ``unit-cost`` part (CGCT art.
D5211-16), once the year's actual cost and units are known."""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import units_used
from servcommun.message import msg, msg_n
from servcommun.money import to_cents
from servcommun.rules.base import PartRule
from servcommun.rules.unit_cost import UnitCostPart, year_operation
from servcommun.terms import Slug

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class UnitCostAdjustmentPart(PartRule):
    """The year-end adjustment of a ``unit-cost`` part: once the year's actual cost and
    units are known, the member's units × the actual unit cost, less what the forecast
    unit cost billed; titled in the month the accounts were closed."""

    rule: Literal["unit-cost-adjustment"]
    of: Slug = Field(description="the code of the unit-cost part it adjusts, in this offer")

    ANNUAL_ONLY: ClassVar[bool] = True
    NEGOTIATED: ClassVar[bool] = False

    def adjusted(self, offer: "Offer") -> UnitCostPart | None:
        """The unit-cost part of ``offer`` this one adjusts."""
        return next(
            (p for p in offer.parts if isinstance(p, UnitCostPart) and p.code == self.of), None
        )

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The member's units × the actual unit cost (actual cost / actual units), less
        what the forecast unit cost billed, each rounded to the cent as its line; none
        while the actual figures are not known."""
        adjusted = self.adjusted(context.offer)
        if adjusted is None:  # refused on load (unknown-part)
            return []
        cost, operation = year_operation(context, adjusted.article)
        actual = operation.actual
        if actual is None:
            return []
        forecast = adjusted.unit_cost(cost, operation.forecast)
        real = adjusted.unit_cost(actual.cost, actual.units)
        used = units_used(adjusted.units, context.member, context.year)
        amount = to_cents(used * real) - to_cents(used * forecast)
        reference = msg(", {reference}", reference=actual.reference)
        basis = msg_n(
            "{used:number} unit used × actual unit cost {real:amount} ({cost:amount} / "
            "{units:number} units{reference}) = {actual:amount}, less {billed:amount} "
            "billed at the forecast unit cost {forecast:amount}",
            "{used:number} units used × actual unit cost {real:amount} ({cost:amount} / "
            "{units:number} units{reference}) = {actual:amount}, less {billed:amount} "
            "billed at the forecast unit cost {forecast:amount}",
            n="used",
            used=used,
            real=real,
            cost=actual.cost,
            units=actual.units,
            reference=reference if actual.reference else None,
            actual=to_cents(used * real),
            billed=to_cents(used * forecast),
            forecast=forecast,
        )
        return [context.line(self, amount, basis, titled=f"{actual.closed:%Y-%m}")]

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """It names a unit-cost part above it in its offer."""
        position = here[-1]
        above = [
            p.code
            for p in offer.parts[: position if isinstance(position, int) else None]
            if isinstance(p, UnitCostPart)
        ]
        if self.of not in above:
            yield doc.diagnostic(
                (*here, "of"),
                "unknown-part",
                msg(
                    "no unit-cost part '{part}' above this adjustment in '{offer}' "
                    "(unit-cost parts: {parts})",
                    part=self.of,
                    offer=offer.id,
                    parts=", ".join(above),
                )
                if above
                else msg(
                    "no unit-cost part '{part}' above this adjustment in '{offer}' "
                    "(unit-cost parts: none)",
                    part=self.of,
                    offer=offer.id,
                ),
            )


RULE = UnitCostAdjustmentPart
