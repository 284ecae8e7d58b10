"""``floor``: a minimum contribution, on an offer or a whole statement; the difference up
to it is billed on its own line."""

from decimal import Decimal
from typing import Literal

from servcommun.message import Message, msg
from servcommun.rules._limit import LimitPart


class FloorPart(LimitPart):
    """A minimum contribution: the difference up to ``amount`` is billed on its own line."""

    rule: Literal["floor"]

    def bites(self, base: Decimal, limit: Decimal) -> bool:
        return base < limit

    def said(self, statement: bool, base: Decimal, limit: Message) -> Message:
        if statement:
            return msg(
                "statement lines {base:amount} below the floor of {limit}", base=base, limit=limit
            )
        return msg("offer lines {base:amount} below the floor of {limit}", base=base, limit=limit)


RULE = FloorPart
