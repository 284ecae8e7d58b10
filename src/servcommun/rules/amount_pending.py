"""``amount-pending``: a part whose amount the convention has not set yet (« montant fixé
par délibération ultérieure »): a member holding it needs review, with the reason, until
the tariff gives the amount or an override records it — never billed nothing silently."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from servcommun.engine.context import MissingData
from servcommun.message import msg
from servcommun.rules.base import PartRule
from servcommun.terms import Text

if TYPE_CHECKING:
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line


class AmountPendingPart(PartRule):
    """An amount not known yet: the ``reason`` the source gives none (a deliberation to
    come, a figure to negotiate). A member holding the offer needs review, unless an
    override of the roster names this part (or the whole offer) with the amount set."""

    rule: Literal["amount-pending"]
    reason: Text = Field(description="why the amount is not known yet, as the source says")

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        raise MissingData(
            msg(
                "{label}: the amount is not set yet ({reason}); record it in an override "
                "of the roster with the reference of the decision ({article})",
                label=self.label,
                reason=self.reason,
                article=self.article,
            )
        )


RULE = AmountPendingPart
