"""``management-fee``: management fees (frais de gestion) on the year's budget lines of some
categories only — Rouen, délibération 10-26: « les frais de gestion ne sont appliqués que
sur la masse salariale » — shared by the key like the lines."""

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import MissingData
from servcommun.engine.keys import YearKey
from servcommun.engine.result import Line
from servcommun.message import Message, msg
from servcommun.money import HUNDRED, ZERO, allocate, to_cents
from servcommun.rules._keyed import Fee, KeyedPart
from servcommun.terms import CostCategory, CostLine, Percent

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class ManagementFeePart(KeyedPart):
    """Management fees (frais de gestion): ``rate`` percent of the year's budget lines of
    the categories ``on`` (Rouen: the salary mass only). On the lines shared by the key
    the fee is computed once on their subtotal, rounded to the cent, then shared by the
    key (``<code>.share``); on a member's direct lines it is that member's own
    (``<code>.direct``)."""

    rule: Literal["management-fee"]
    rate: Percent = Field(description="percent of the lines it applies to")
    on: tuple[CostCategory, ...] = Field(
        default=(CostCategory.SALARY,),
        min_length=1,
        description="categories of the lines it applies to",
    )
    illustrative: bool = Field(
        default=False, description="the rate is not the convention's: said on every fee line"
    )

    FEE: ClassVar[bool] = True

    def line_codes(self, offer: str, costs: Sequence[CostLine]) -> set[str]:
        return {f"{self.code}.share", f"{self.code}.direct"}

    def bases(self, lines: Sequence[CostLine]) -> tuple[Decimal, dict[str, Decimal]]:
        """What the fees are computed on: the subtotal of the lines of the fee's categories
        shared by the key, and of those charged directly to each member."""
        shared = ZERO
        direct: dict[str, Decimal] = {}
        for cost in lines:
            if cost.category not in self.on:
                continue
            if cost.direct is None:
                shared += cost.amount
            else:
                direct[cost.direct] = direct.get(cost.direct, ZERO) + cost.amount
        return shared, direct

    def amount_on(self, base: Decimal) -> Decimal:
        """``rate`` percent of ``base``, rounded to the cent (half away from zero)."""
        return to_cents(base * self.rate / HUNDRED)

    def fee(self, lines: Sequence[CostLine]) -> Fee:
        shared, direct = self.bases(lines)
        return Fee(
            self.rate,
            shared + sum(direct.values(), ZERO),
            self.article,
            self.illustrative,
            frozenset(self.line_codes("", lines)),
        )

    def shares(
        self,
        offer: "Offer",
        key: YearKey,
        lines: Sequence[CostLine],
        names: Mapping[str, str],
        titled: str,
    ) -> dict[str, list[Line]]:
        """The fee on the lines shared by the key, computed once on their subtotal and
        shared by the key like them (``<code>.share``); the fee on a member's direct lines,
        its own (``<code>.direct``)."""
        shares: dict[str, list[Line]] = {member: [] for member in names}
        if self.rate == ZERO:
            return shares
        shared_base, direct_base = self.bases(lines)
        on = self.lines_on()
        caveat = msg("; illustrative rate") if self.illustrative else None
        if any(cost.category in self.on and cost.direct is None for cost in lines):
            amount = self.amount_on(shared_base)
            for member, share in allocate(amount, key.shares).items():
                basis = msg(
                    "{percent:percent} of {amount:amount} ({rate:percent} of {on} "
                    "shared by the key, {base:amount}{caveat})",
                    percent=key.shares[member],
                    amount=amount,
                    rate=self.rate,
                    on=on,
                    base=shared_base,
                    caveat=caveat,
                )
                shares[member].append(
                    self.item_line(
                        offer, self.code, "share", self.label, share, basis, self.article, titled
                    )
                )
        for member, base in direct_base.items():
            if member not in names:
                raise MissingData(
                    msg(
                        "budget lines are charged directly to '{member}', which does not "
                        "hold the offer",
                        member=member,
                    )
                )
            basis = msg(
                "{rate:percent} of {base:amount} ({on} charged directly{caveat})",
                rate=self.rate,
                base=base,
                on=on,
                caveat=caveat,
            )
            shares[member].append(
                self.item_line(
                    offer,
                    self.code,
                    "direct",
                    self.label,
                    self.amount_on(base),
                    basis,
                    self.article,
                    titled,
                )
            )
        return shares

    def lines_on(self) -> Message:
        """The lines it applies to, as a basis says them (« the salary mass »)."""
        on = set(self.on)
        if on == {CostCategory.SALARY}:
            return msg("the salary mass")
        if on == {CostCategory.OTHER}:
            return msg("the other costs")
        return msg("the salary mass and the other costs")

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """Its key is the tariff's; no category listed twice."""
        yield from super().problems(doc, here, offer, tariff)
        if len(set(self.on)) != len(self.on):
            yield doc.diagnostic(
                (*here, "on"),
                "duplicate-category",
                msg("a category is listed twice: its lines count once anyway"),
            )


RULE = ManagementFeePart
