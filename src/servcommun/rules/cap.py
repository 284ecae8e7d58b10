"""``cap``: a maximum contribution, on an offer or a whole statement; what exceeds it is
deducted on its own line."""

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from servcommun.message import Message, msg
from servcommun.rules._limit import LimitPart
from servcommun.rules.base import PartRule

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.reader import Document, Path_


class CapPart(LimitPart):
    """A maximum contribution: what exceeds ``amount`` is deducted on its own line."""

    rule: Literal["cap"]

    def bites(self, base: Decimal, limit: Decimal) -> bool:
        return base > limit

    def said(self, statement: bool, base: Decimal, limit: Message) -> Message:
        if statement:
            return msg(
                "statement lines {base:amount} above the cap of {limit}", base=base, limit=limit
            )
        return msg("offer lines {base:amount} above the cap of {limit}", base=base, limit=limit)

    def scope_problems(
        self, doc: "Document", here: "Path_", scope: Sequence[PartRule]
    ) -> "Iterator[Diagnostic]":
        """A cap never below a floor of the same scope: no amount could satisfy both."""
        for floor in scope:
            if (
                isinstance(floor, LimitPart)
                and floor.rule == "floor"
                and floor.amount > self.amount
            ):
                yield doc.diagnostic(
                    (*here, "amount"),
                    "limit-order",
                    msg(
                        "the cap of {cap:amount} is below the floor of {floor:amount}: no "
                        "amount can satisfy both",
                        cap=self.amount,
                        floor=floor.amount,
                    ),
                )


RULE = CapPart
