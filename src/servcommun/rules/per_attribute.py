"""``per-attribute``: a rate on a figure the member declares — a percentage of its salary
mass or its budget, an amount per agent — rather than on its population."""

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import MissingData
from servcommun.message import msg
from servcommun.money import HUNDRED, to_cents
from servcommun.rules.base import PartRule
from servcommun.terms import AttributeId, Rate

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class PerAttributePart(PartRule):
    """``rate`` on the member's figure ``attribute`` (a number attribute the tariff
    declares): ``per: percent`` — that percentage of it (0.80 per cent of the salary mass);
    ``per: unit`` — the rate times it (120 € an agent). Rounded to the cent once."""

    rule: Literal["per-attribute"]
    attribute: AttributeId = Field(description="the id of a number attribute of the tariff")
    rate: Rate
    per: Literal["percent", "unit"] = Field(
        default="percent", description="percent: a percentage of the figure; unit: rate × it"
    )

    PRORATED: ClassVar[bool] = True

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The rate on the member's figure; a member without it needs review."""
        value = context.member.attributes.get(self.attribute)
        if not isinstance(value, Decimal):
            declared = context.tariff.attribute(self.attribute)
            label = declared.label if declared is not None else self.attribute
            raise MissingData(
                msg(
                    "the roster gives no {label} ('{attribute}')",
                    label=label,
                    attribute=self.attribute,
                )
            )
        if self.per == "percent":
            exact = value * self.rate / HUNDRED
            basis = msg("{rate:percent} of {value:amount}", rate=self.rate, value=value)
        else:
            exact = value * self.rate
            basis = msg("{value:number} × {rate:amount}", value=value, rate=self.rate)
        return [context.prorated(context.line(self, to_cents(exact), basis), exact)]

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """The attribute is a number the tariff declares."""
        declared = tariff.attribute(self.attribute)
        known = [a.id for a in tariff.attributes if a.type == "number"]
        if declared is not None and declared.type == "number":
            return
        if known:
            yield doc.diagnostic(
                (*here, "attribute"),
                "unknown-attribute",
                msg(
                    "the tariff declares no number attribute '{attribute}' (number "
                    "attributes: {known})",
                    attribute=self.attribute,
                    known=", ".join(known),
                ),
            )
        else:
            yield doc.diagnostic(
                (*here, "attribute"),
                "unknown-attribute",
                msg(
                    "the tariff declares no number attribute '{attribute}' (number "
                    "attributes: none: declare it under attributes)",
                    attribute=self.attribute,
                ),
            )


RULE = PerAttributePart
