"""``mission-price``: a one-off mission (an audit, an engineering study, a recruitment)
quoted, then billed on delivery at the price in force on the quote's date, per day or
half-day of mission, on the quantity the convention says (actual, quoted or the lesser).

The mission is the member's subscription to the one-off offer: its ``quote`` (date,
reference, quantity estimated), the date it was ``delivered`` and the ``quantity``
actually delivered. It is billed in the year of its delivery only; a mission quoted and
not delivered is a note of the statements of the years it is pending.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.diagnostics import Severity
from servcommun.message import Message, msg
from servcommun.money import HUNDRED, ZERO, to_cents
from servcommun.rules.base import PartRule
from servcommun.terms import Billing, Frozen, Money, Percent, Text

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.roster import Quote, Subscription
    from servcommun.tariff import Offer, Tariff, WorkedExample


class MissionPrice(Frozen):
    """One price of a mission's unit, in force from ``from`` until the next entry's date:
    a mission quoted on a day is billed at the price of that day."""

    from_: dt.date = Field(alias="from", description="first quote date this price applies to")
    price: Money = Field(description="price of one unit of mission (a day, a half-day)")
    reference: str = Field(default="", description="the decision that set this price")


class MissionPricePart(PartRule):
    """A mission quoted, then billed on delivery: the quantity billed (actual, quoted or
    the lesser of the two, as ``bills`` says) × the price in force on the quote's date.
    One line per mission delivered in the year, labelled with its quote's reference."""

    rule: Literal["mission-price"]
    unit: Text = Field(description="the unit quoted and billed, as bases say it ('jour')")
    prices: tuple[MissionPrice, ...] = Field(
        min_length=1, description="by increasing date; the quote's date chooses the price"
    )
    bills: Literal["actual", "quoted", "lesser"] = Field(
        default="actual",
        description=(
            "the quantity billed: 'actual' (delivered, the default), 'quoted', or the "
            "'lesser' of the two"
        ),
    )
    tolerance: Percent = Field(
        default=Decimal(0),
        description=(
            "percent above the quoted quantity the actual one may reach before check warns"
        ),
    )

    NOTES: ClassVar[bool] = True
    QUOTED: ClassVar[bool] = True

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The mission delivered (the subscription billed): the quantity billed × the price
        in force on its quote's date, rounded to the cent once."""
        subscription = context.subscription
        if subscription is None or subscription.delivered is None:
            return []  # a price asked without a delivery (a credit's): none billed
        delivered = subscription.delivered
        quote = subscription.quote
        if quote is None:  # refused by check (mission-quote): said rather than guessed
            basis = msg(
                "delivered on {delivered:date} without a quote: no price (give its quote's "
                "date, reference and quantity)",
                delivered=delivered,
            )
            return [context.line(self, ZERO, basis)]
        label = f"{self.label} — {quote.reference}"
        entry = self.price_on(quote.date)
        if entry is None:  # refused by check (mission-quote)
            basis = msg(
                "quote {reference} of {quoted:date}: no price in force before {first:date}",
                reference=quote.reference,
                quoted=quote.date,
                first=self.prices[0].from_,
            )
            return [context.line(self, ZERO, basis, label=label)]
        billed, why = self._billed(quote, subscription.quantity, delivered)
        in_force = (
            msg(
                "price from {price_from:date} in force on the quote's date, {decision}",
                price_from=entry.from_,
                decision=entry.reference,
            )
            if entry.reference
            else msg(
                "price from {price_from:date} in force on the quote's date",
                price_from=entry.from_,
            )
        )
        basis = msg(
            "{quantity:number} × {unit} × {price:amount} ({in_force}): quote {quote} of "
            "{quote_date:date}, {quoted:number} quoted; {billed}",
            quantity=billed,
            unit=self.unit,
            price=entry.price,
            in_force=in_force,
            quote=quote.reference,
            quote_date=quote.date,
            quoted=quote.quantity,
            billed=why,
        )
        return [context.line(self, to_cents(billed * entry.price), basis, label=label)]

    def _billed(
        self, quote: "Quote", actual: Decimal | None, delivered: dt.date
    ) -> tuple[Decimal, Message]:
        """The quantity billed, and why, as a basis says it."""
        if actual is None:
            return quote.quantity, msg(
                "delivered on {delivered:date} as quoted", delivered=delivered
            )
        if self.bills == "quoted":
            return quote.quantity, msg(
                "{actual:number} delivered on {delivered:date}, the quoted quantity billed",
                actual=actual,
                delivered=delivered,
            )
        if self.bills == "lesser":
            return min(actual, quote.quantity), msg(
                "{actual:number} delivered on {delivered:date}, the lesser of the quoted and "
                "the actual quantity billed",
                actual=actual,
                delivered=delivered,
            )
        return actual, msg(
            "{actual:number} delivered on {delivered:date}, the actual quantity billed",
            actual=actual,
            delivered=delivered,
        )

    def price_on(self, day: dt.date) -> MissionPrice | None:
        """The price in force on ``day`` (the latest starting on or before it)."""
        return next((entry for entry in reversed(self.prices) if entry.from_ <= day), None)

    def notes(self, context: "OfferYear") -> list[Message]:
        """A mission quoted by the end of the year and not delivered in it: not billed this
        year, and what it is estimated at."""
        subscription = context.subscription
        if subscription is None or subscription.quote is None:
            return []
        quote = subscription.quote
        delivered = subscription.delivered
        if quote.date.year > context.year or (
            delivered is not None and delivered.year <= context.year
        ):
            return []
        entry = self.price_on(quote.date)
        estimated = to_cents(quote.quantity * entry.price) if entry is not None else ZERO
        return [
            msg(
                "{label}: quote {reference} of {quoted:date} ({quantity:number} × {unit}, "
                "{estimated:amount}) not delivered in {year:year}: not billed this year, but "
                "in the year of its delivery",
                label=self.label,
                reference=quote.reference,
                quoted=quote.date,
                quantity=quote.quantity,
                unit=self.unit,
                estimated=estimated,
                year=context.year,
            )
        ]

    # -- its checks ------------------------------------------------------------------------

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """A one-off offer; a price list by increasing date."""
        if offer.billing is not Billing.ONE_OFF:
            yield doc.diagnostic(
                (*here, "rule"),
                "mission-offer",
                msg(
                    "'{offer}' is billed yearly: a 'mission-price' part bills a mission on its "
                    "delivery, in a one-off offer (billing: one-off)",
                    offer=offer.id,
                ),
            )
        for index in range(1, len(self.prices)):
            entry, previous = self.prices[index], self.prices[index - 1]
            if entry.from_ <= previous.from_:
                yield doc.diagnostic(
                    (*here, "prices", index, "from"),
                    "price-order",
                    msg(
                        "price from {start:date} comes after the price from {before:date}: "
                        "list prices by increasing date, each in force until the next",
                        start=entry.from_,
                        before=previous.from_,
                    ),
                )

    def example_problems(
        self, doc: "Document", here: "Path_", example: "WorkedExample", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """A worked example's mission delivered has its quote, as a roster's must."""
        offers = [offer.id for offer in tariff.offers if self in offer.parts]
        for member_index, spec in enumerate(example.members):
            for index, subscription in enumerate(spec.subscriptions):
                if (
                    subscription.offer in offers
                    and subscription.delivered
                    and not subscription.quote
                ):
                    yield doc.diagnostic(
                        (*here, "members", member_index, "subscriptions", index, "delivered"),
                        "mission-quote",
                        msg(
                            "'{offer}' bills a mission at the price in force on its quote's "
                            "date: give its 'quote' (date, reference, quantity) beside "
                            "'delivered'",
                            offer=subscription.offer,
                        ),
                    )

    def subscription_problems(
        self, doc: "Document", here: "Path_", subscription: "Subscription", offer: "Offer"
    ) -> "Iterator[Diagnostic]":
        """A mission delivered has its quote, dated on or before the delivery and priced;
        a quantity only with its delivery; an actual quantity beyond the quote by more
        than the tolerance is a warning."""
        quote, delivered = subscription.quote, subscription.delivered
        if delivered is not None and quote is None:
            yield doc.diagnostic(
                (*here, "delivered"),
                "mission-quote",
                msg(
                    "'{offer}' bills a mission at the price in force on its quote's date: "
                    "give its 'quote' (date, reference, quantity) beside 'delivered'",
                    offer=offer.id,
                ),
            )
        if subscription.quantity is not None and delivered is None:
            yield doc.diagnostic(
                (*here, "quantity"),
                "mission-quote",
                msg(
                    "a quantity delivered without its 'delivered' date: give the date of "
                    "delivery, or write the quantity once the mission is delivered"
                ),
            )
        if quote is None:
            return
        if self.price_on(quote.date) is None:
            yield doc.diagnostic(
                (*here, "quote", "date"),
                "mission-quote",
                msg(
                    "quote of {quoted:date}: the first price of '{offer}' applies from "
                    "{first:date}, no price was in force on that day",
                    quoted=quote.date,
                    offer=offer.id,
                    first=self.prices[0].from_,
                ),
            )
        if delivered is not None and delivered < quote.date:
            yield doc.diagnostic(
                (*here, "delivered"),
                "mission-quote",
                msg(
                    "delivered on {delivered:date}, before its quote of {quoted:date}: "
                    "a mission is quoted, then delivered",
                    delivered=delivered,
                    quoted=quote.date,
                ),
            )
        actual = subscription.quantity
        allowed = quote.quantity * (HUNDRED + self.tolerance) / HUNDRED
        if actual is not None and actual > allowed:
            yield replace(
                doc.diagnostic(
                    (*here, "quantity"),
                    "mission-overrun",
                    msg(
                        "{actual:number} delivered, {quoted:number} quoted ({reference}): "
                        "beyond the quote by more than the tolerance of {tolerance:percent}; "
                        "record an amended quote, or check the quantity",
                        actual=actual,
                        quoted=quote.quantity,
                        reference=quote.reference,
                        tolerance=self.tolerance,
                    ),
                ),
                severity=Severity.WARNING,
            )


RULE = MissionPricePart
