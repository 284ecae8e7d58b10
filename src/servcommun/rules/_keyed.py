"""The year's budget lines shared by a key: the common shape of ``budget-lines`` and
``management-fee`` (Rouen, délibération 10-26 of 18 December 2025, conditions
financières)."""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from servcommun.engine.context import MissingData, PoolOutcome
from servcommun.engine.keys import KeyComputationError, YearKey, year_key
from servcommun.engine.result import Line
from servcommun.key_checks import undefined_key
from servcommun.message import Message, msg
from servcommun.money import ZERO
from servcommun.rules.base import PartRule
from servcommun.terms import CostLine, Slug

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import ServiceData
    from servcommun.reader import Document, Path_
    from servcommun.roster import Member
    from servcommun.tariff import Offer, Tariff


@dataclass(frozen=True)
class Fee:
    """What a management fee is, for a bill's summary: its rate, what it was computed on,
    its article, and whether the rate is the convention's."""

    rate: Decimal
    base: Decimal
    article: str
    illustrative: bool
    codes: frozenset[str]


class KeyedPart(PartRule):
    """A part sharing the year's budget lines between the members by one of the tariff's
    keys, computed once between the members holding the offer. Its lines are coded after
    the budget line (or the fee) they share: ``<id>.share``, ``<id>.direct``."""

    key: Slug = Field(description="id of the tariff's key the lines are shared by")

    ANNUAL_ONLY: ClassVar[bool] = True
    SHARED: ClassVar[bool] = True
    SHARES_BUDGET_LINES: ClassVar[bool] = True

    def takes_budget(self) -> bool:
        return True

    def key_ids(self) -> tuple[str, ...]:
        return (self.key,)

    def share(
        self,
        tariff: "Tariff",
        offer: "Offer",
        holders: "Sequence[Member]",
        year: int,
        data: "ServiceData",
    ) -> PoolOutcome:
        """The year's budget lines shared between ``holders`` by the key in force."""
        budget = data.budgets.get(year)
        if budget is None:
            problem = msg(
                "no budget gives the {year:year} cost lines the part '{label}' shares ({article})",
                year=year,
                label=self.label,
                article=self.article,
            )
            return PoolOutcome(problem=problem)
        key = tariff.key(self.key)
        if key is None:  # refused on load (undefined-key)
            return PoolOutcome(problem=msg("the tariff defines no key '{key}'", key=self.key))
        names = {member.id: member.name for member in holders}
        if not names:
            return PoolOutcome()
        try:
            shared = year_key(key, budget.agents, list(names), year)
            key_holds(shared, names)
            lines = self.shares(offer, shared, budget.lines, names, offer.annual_titled(year))
        except KeyComputationError as problem:
            return PoolOutcome(problem=problem.message)
        except MissingData as problem:
            return PoolOutcome(problem=problem.message)
        return PoolOutcome(lines, key=shared)

    def shares(
        self,
        offer: "Offer",
        key: YearKey,
        lines: Sequence[CostLine],
        names: Mapping[str, str],
        titled: str,
    ) -> dict[str, list[Line]]:
        """Member id → its lines of ``lines`` shared by ``key`` between the members
        ``names`` (id → name) holding the offer."""
        raise NotImplementedError

    def item_line(
        self,
        offer: "Offer",
        item: str,
        allocation: str,
        label: str,
        amount: Decimal,
        basis: Message,
        reference: str,
        titled: str,
    ) -> Line:
        """A member's line of ``item`` (a budget line, or the fee), shared by the key
        (``allocation``: share) or charged to it directly (direct)."""
        return Line(
            offer.id,
            self.code,
            label,
            amount,
            basis,
            reference,
            titled,
            self.rule,
            item,
            allocation,
        )

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """It names a key of the tariff."""
        return undefined_key(doc, (*here, "key"), self.key, tariff)


def key_holds(key: YearKey, names: Mapping[str, str]) -> None:
    """The key shares between members holding the offer, with a positive total."""
    strangers = [member for member in key.shares if member not in names]
    if strangers:
        raise MissingData(
            msg(
                "the key '{key}' gives a share to {members}, which does not hold the offer",
                key=key.id,
                members=", ".join(strangers),
            )
        )
    if sum(key.shares.values(), ZERO) <= ZERO:
        raise MissingData(msg("the key '{key}' gives no share to anyone", key=key.id))
