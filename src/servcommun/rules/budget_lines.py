"""``budget-lines``: every line of the year's budget (of some categories) shared between the
members by a key, to the cent by the largest remainder so that the shares sum exactly to
the line, or charged directly to one member where the convention allows it (Rouen,
délibération 10-26)."""

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from servcommun.engine.context import MissingData
from servcommun.engine.keys import YearKey
from servcommun.engine.result import Line
from servcommun.message import msg
from servcommun.money import HUNDRED, allocate
from servcommun.rules._keyed import KeyedPart
from servcommun.terms import CostCategory, CostLine, Frozen, Text

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class DirectCharges(Frozen):
    """The convention lets some costs be charged to one member alone (Rouen, 2026:
    periodical subscriptions bought through the service for the Ville's archives or the
    Métropole's documentation). Without it, a budget line charged directly is refused."""

    article: Text


class BudgetLinesPart(KeyedPart):
    """The year's budget lines (those of ``categories``; none listed: every line), each
    shared between the members by a key, line by line: one statement line per cost line
    (``<line id>.share``), the shares summing exactly to it by the largest remainder; a
    line the budget charges ``direct`` to one member is that member's alone (``<line
    id>.direct``), where the convention allows it (``direct``)."""

    rule: Literal["budget-lines"]
    categories: tuple[CostCategory, ...] = Field(
        default=(),
        description="the categories of the lines shared by this part (none listed: every line)",
    )
    direct: DirectCharges | None = Field(
        default=None,
        description=(
            "the article that lets a budget line be charged wholly to one member "
            "('direct: ville'); without it such a line is refused"
        ),
    )

    def covers(self, cost: CostLine) -> bool:
        """``cost`` is of the categories it shares."""
        return not self.categories or cost.category in self.categories

    def allows_direct(self) -> bool:
        return self.direct is not None

    def line_codes(self, offer: str, costs: Sequence[CostLine]) -> set[str]:
        return {
            f"{cost.id}.{how}" for cost in self.costs_shared(costs) for how in ("share", "direct")
        }

    def shares(
        self,
        offer: "Offer",
        key: YearKey,
        lines: Sequence[CostLine],
        names: Mapping[str, str],
        titled: str,
    ) -> dict[str, list[Line]]:
        """Each line the part covers shared by ``key`` to the cent, by the largest
        remainder (``<line id>.share``), or the whole of a line charged ``direct`` to one
        member (``<line id>.direct``)."""
        shares: dict[str, list[Line]] = {member: [] for member in names}
        for cost in self.costs_shared(lines):
            if cost.direct is not None:
                if cost.direct not in names:
                    raise MissingData(
                        msg(
                            "budget line '{line}' is charged directly to '{member}', which "
                            "does not hold the offer",
                            line=cost.id,
                            member=cost.direct,
                        )
                    )
                reference = cost.reference or (self.direct.article if self.direct else self.article)
                basis = msg(
                    "charged directly to {member}: {share:percent} of {amount:amount}",
                    member=names[cost.direct],
                    share=HUNDRED,
                    amount=cost.amount,
                )
                shares[cost.direct].append(
                    self.item_line(
                        offer,
                        cost.id,
                        "direct",
                        cost.label,
                        cost.amount,
                        basis,
                        reference,
                        titled,
                    )
                )
                continue
            for member, amount in allocate(cost.amount, key.shares).items():
                basis = msg(
                    "{percent:percent} of {amount:amount}",
                    percent=key.shares[member],
                    amount=cost.amount,
                )
                shares[member].append(
                    self.item_line(
                        offer, cost.id, "share", cost.label, amount, basis, key.reference, titled
                    )
                )
        return shares

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """Its key is the tariff's; no category listed twice, nor shared by an earlier
        budget-lines part (its lines would be billed twice)."""
        yield from super().problems(doc, here, offer, tariff)
        if len(set(self.categories)) != len(self.categories):
            yield doc.diagnostic(
                (*here, "categories"),
                "duplicate-category",
                msg("a category is listed twice: its lines count once anyway"),
            )
        earlier: list[tuple[Offer, BudgetLinesPart]] = []
        for other_offer, other in tariff.keyed_parts():
            if other is self:
                break
            if isinstance(other, BudgetLinesPart):
                earlier.append((other_offer, other))
        for category in self.categories or tuple(CostCategory):
            sharing = next(
                (
                    f"{o.id}.{p.code}"
                    for o, p in earlier
                    if not p.categories or category in p.categories
                ),
                None,
            )
            if sharing is not None:
                yield doc.diagnostic(
                    (*here, "categories") if self.categories else here,
                    "duplicate-category",
                    msg(
                        "the {category} lines are already shared by {sharing}: they would be "
                        "billed twice",
                        category=category.value,
                        sharing=sharing,
                    ),
                )


RULE = BudgetLinesPart
