"""A floor or a cap on what the lines before it bill: the two limit rules' common shape."""

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from servcommun.engine.context import STATEMENT
from servcommun.engine.result import Line
from servcommun.message import Message, msg
from servcommun.money import ZERO
from servcommun.rules.base import PartRule
from servcommun.terms import Money

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear, ProrationShare
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class LimitPart(PartRule):
    """A floor or a cap on what the lines before it bill (in the offer, or on the whole
    statement when listed in the tariff's ``statement_limits``): a line appears only when
    it bites, and says the basis it was applied to."""

    amount: Money
    prorated: bool = Field(
        default=False,
        description="the floor or cap is prorated like the offer's annual parts (proration)",
    )

    NEGOTIATED: ClassVar[bool] = False
    STATEMENT_WIDE: ClassVar[bool] = True

    def bites(self, base: Decimal, limit: Decimal) -> bool:
        """The limit changes what ``base`` bills."""
        raise NotImplementedError

    def said(self, statement: bool, base: Decimal, limit: Message) -> Message:
        """The basis of the line, when it bites: what the lines of the offer (or of the
        whole ``statement``) bill against the limit."""
        raise NotImplementedError

    def lines(self, context: "OfferYear", before: Sequence[Line]) -> list[Line]:
        line = self.limit_line(context.offer.id, before, context.titled, context.share)
        return [line] if line is not None else []

    def limit_line(
        self, offer: str, before: Sequence[Line], titled: str, share: "ProrationShare | None"
    ) -> Line | None:
        """The top-up or deduction that brings what ``before`` bills (the offer's lines
        above, or the whole statement's: ``offer`` is then ``statement``) to the limit,
        when it bites; None otherwise."""
        base = sum((line.amount for line in before), ZERO)
        limit, said = self.amount, msg("{amount:amount}", amount=self.amount)
        if self.prorated and share is not None:
            limit = share.apply(self.amount)
            said = msg(
                "{amount:amount} {share} = {limit:amount}",
                amount=self.amount,
                share=share.basis,
                limit=limit,
            )
        if not self.bites(base, limit):
            return None
        return Line(
            offer,
            self.code,
            self.label,
            limit - base,
            self.said(offer == STATEMENT, base, said),
            self.article,
            titled,
            self.rule,
        )

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        return self.scope_problems(doc, here, offer.parts)

    def scope_problems(
        self, doc: "Document", here: "Path_", scope: Sequence[PartRule]
    ) -> "Iterator[Diagnostic]":
        """What is wrong with the limit among the parts of its ``scope`` (its offer's, or
        the statement's limits)."""
        return iter(())
