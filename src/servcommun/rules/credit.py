"""``credit``: another offer's price deducted from the first year of this one (Redon,
art. 7.2.1: the audit deducted from the first year of the socle complet joined within 6
months of its delivery)."""

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import add_months
from servcommun.message import msg, msg_n
from servcommun.money import ZERO
from servcommun.rules.base import PartRule
from servcommun.terms import Billing, Slug

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.message import Message
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class CreditPart(PartRule):
    """Another offer's price deducted from the first year of this one, when this one starts
    within ``within_months`` after that offer was delivered (art. 7.2.1 audit credit)."""

    rule: Literal["credit"]
    from_offer: Slug
    within_months: int = Field(ge=0, le=1200)

    NEGOTIATED: ClassVar[bool] = False
    NOTES: ClassVar[bool] = True

    def uses_population(self) -> bool:
        return True  # the credited price is the source offer's, at the member's population

    def credits(self) -> tuple[str, int] | None:
        return self.from_offer, self.within_months

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The source's price, deducted from the offer's first year when the member joined
        it within the window after the delivery. The credit never exceeds what the lines
        above bill that year; what cannot be used is said in the basis."""
        first = self._first_year(context)
        if first is None:
            return []
        source, joined, deliveries = first
        delivered = next((d for d in deliveries if self._within(d, joined)), None)
        if delivered is None:
            return []
        price = self._price(context, source, delivered)
        credit = min(price, sum((line.amount for line in before), ZERO))
        unused = None
        if credit < price:
            unused = msg(
                "; {unused:amount} of the {price:amount} credit cannot be used",
                unused=price - credit,
                price=price,
            )
        basis = msg_n(
            "{source} delivered {delivered:date}, joined {joined:date} "
            "(within {months:count} month){unused}",
            "{source} delivered {delivered:date}, joined {joined:date} "
            "(within {months:count} months){unused}",
            n="months",
            source=source.label,
            delivered=delivered,
            joined=joined,
            months=self.within_months,
            unused=unused,
        )
        return [context.line(self, -credit, basis)]

    def notes(self, context: "OfferYear") -> "list[Message]":
        """Why no credit was deducted from the first year although the source was
        delivered (art. 7.2.1): the member joined beyond the window after the latest
        delivery before its joining — the credit it lost — or before any delivery."""
        first = self._first_year(context)
        if first is None:
            return []
        source, joined, deliveries = first
        if not deliveries or any(self._within(d, joined) for d in deliveries):
            return []
        earlier = [d for d in deliveries if d <= joined]
        if not earlier:
            return [
                msg(
                    "{source} delivered {delivered:date}, after joining on {joined:date}: the "
                    "credit applies to a joining after the delivery only ({article})",
                    source=source.label,
                    delivered=deliveries[0],
                    joined=joined,
                    article=self.article,
                )
            ]
        delivered = earlier[-1]
        return [
            msg_n(
                "{source} delivered {delivered:date}, joined {joined:date}: beyond the "
                "window of {months:count} month, which ended on {end:date}; the "
                "{price:amount} credit is lost ({article})",
                "{source} delivered {delivered:date}, joined {joined:date}: beyond the "
                "window of {months:count} months, which ended on {end:date}; the "
                "{price:amount} credit is lost ({article})",
                n="months",
                source=source.label,
                delivered=delivered,
                joined=joined,
                months=self.within_months,
                end=add_months(delivered, self.within_months),
                price=self._price(context, source, delivered),
                article=self.article,
            )
        ]

    def _first_year(self, context: "OfferYear") -> "tuple[Offer, dt.date, list[dt.date]] | None":
        """The source offer, the day the member joined this offer and the source's
        deliveries to it (in order), when the year billed is the first of this offer;
        None otherwise."""
        offer, member = context.offer, context.member
        starts = [s.start for s in member.subscriptions if s.offer == offer.id and s.start]
        if not starts or min(starts).year != context.year:
            return None  # most members: joined in an earlier year (asked twice of each)
        source = context.tariff.offer(self.from_offer)
        if source is None:
            return None
        deliveries = sorted(
            s.delivered for s in member.subscriptions if s.offer == source.id and s.delivered
        )
        return source, min(starts), deliveries

    def _within(self, delivered: dt.date, joined: dt.date) -> bool:
        return delivered <= joined <= add_months(delivered, self.within_months)

    @staticmethod
    def _price(context: "OfferYear", source: "Offer", delivered: dt.date) -> Decimal:
        """The source's price for the member when it was delivered."""
        member = context.member
        population = member.population_in(delivered.year) or member.population_in(context.year)
        assert population is not None  # the billed year's population was checked by the caller
        return context.price_of(source, population, delivered.year)

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """The credited offer is a one-off service of the tariff."""
        source = tariff.offer(self.from_offer)
        path: Path_ = (*here, "from_offer")
        if source is None:
            known = ", ".join(offer.id for offer in tariff.offers)
            yield doc.diagnostic(
                path,
                "unknown-offer",
                msg(
                    "offer '{offer}' is not defined (defined: {known})",
                    offer=self.from_offer,
                    known=known,
                ),
            )
        elif source.billing is not Billing.ONE_OFF:
            yield doc.diagnostic(
                path,
                "credit-source",
                msg(
                    "a credit comes from a one-off service; '{offer}' is billed {billing}",
                    offer=source.id,
                    billing=source.billing.value,
                ),
            )


RULE = CreditPart
