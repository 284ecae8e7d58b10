"""Result objects of the engine: statements of lines, each line explaining its amount."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from servcommun.message import Message
from servcommun.money import ZERO


class Line(NamedTuple):
    """One amount of a statement and its explanation.

    ``offer`` and ``part`` say which part of which offer billed it (``statement`` for the
    statement-wide floors and caps, ``negotiated`` for an override of a whole offer);
    ``basis`` how the amount was reached, as data (the rule's operands); ``reference``
    the article of the convention; ``titled`` the month (``YYYY-MM``) the revenue title
    is issued; ``rule`` the rule that computed it. A line sharing a budget line is coded
    after it: ``item`` is that cost line's id (or the management fee's code), with its
    ``allocation`` (``share`` by the key, ``direct`` to one member). A named tuple:
    immutable like the rest of the result, and the cheapest record to build (a large bill
    makes one per line).
    """

    offer: str
    part: str
    label: str
    amount: Decimal
    basis: Message
    reference: str
    titled: str
    rule: str = ""
    item: str = ""
    allocation: str = ""

    @property
    def code(self) -> str:
        """``<offer>.<part>``, or ``<item>.<allocation>`` for a share of a budget line."""
        if self.item:
            return f"{self.item}.{self.allocation}"
        return f"{self.offer}.{self.part}"


@dataclass(frozen=True, slots=True)  # one for each member billed: no __dict__ each
class MemberRef:
    id: str
    name: str
    population: int | None = None


@dataclass(frozen=True, slots=True)  # one for each member billed: no __dict__ each
class Settlement:
    """How a statement is settled: by a title of revenue, or by deduction from the
    member's attribution de compensation of ``attribution_year`` (before, deducted: the
    statement's total, after)."""

    mode: str  # "revenue-title" or "attribution-deduction"
    reference: str
    attribution_year: int | None = None
    attribution_before: Decimal | None = None
    deducted: Decimal | None = None

    @property
    def attribution_after(self) -> Decimal | None:
        if self.attribution_before is None or self.deducted is None:
            return None
        return self.attribution_before - self.deducted


@dataclass(frozen=True, slots=True)  # one for each member billed: no __dict__ each
class Statement:
    member: MemberRef
    lines: tuple[Line, ...]
    billed: bool = True  # False for a carrier's own share, reported but not billed
    notes: tuple[Message, ...] = ()
    settlement: Settlement | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def offer_total(self, offer: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.offer == offer), ZERO)


@dataclass(frozen=True, slots=True)  # one for each member billed: no __dict__ each
class NeedsReview:
    member: MemberRef
    reason: Message
    missing_data: bool = False  # a figure the tariff refers to was not given (an index value)


@dataclass(frozen=True)
class StaffingSummary:
    """Art. 7: staff the contributions are meant to fund, against what they bring in."""

    counted_offer: str
    members: int
    fte: Decimal
    staff_cost: Decimal
    contributions: Decimal
    reference: str

    @property
    def coverage(self) -> Decimal | None:
        """Contributions over staff cost, in percent (one decimal), or None without staff."""
        if self.staff_cost == ZERO:
            return None
        return (self.contributions * 100 / self.staff_cost).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class AllowanceSummary:
    """The units the members of an offer used against a part's yearly allowances (Redon,
    art. 3.2: the engineering days, 117 shared by 30 communes by size): the members
    billed holding the offer, the sum of their allowances, the units they used, and those
    used beyond each member's own allowance (what the part bills, before its rounding)."""

    offer: str
    part: str
    label: str  # the part's
    units: tuple[str, ...]  # the labels of the units counted
    members: int
    allowance: Decimal
    used: Decimal
    beyond: Decimal
    reference: str


@dataclass(frozen=True)
class SharingSummary:
    """Cost sharing: the key the year was shared by, and the cost it was shared from.

    The statements' lines sum to ``cost_total + fee_total``; ``categories`` maps each cost
    line id (the first part of a line code) to its category, for summaries by category.
    """

    carrier: str
    key: tuple[tuple[str, Decimal], ...]  # (party id, percent), in the tariff's order
    key_reference: str
    cost_total: Decimal
    fee_rate: Decimal
    fee_base: Decimal
    fee_total: Decimal
    fee_reference: str
    categories: tuple[tuple[str, str], ...]
    notes: tuple[Message, ...] = ()
    key_from: dt.date | None = None  # a key dated by year: its shares' date of the year


@dataclass(frozen=True)
class Bill:
    service: str
    year: int
    currency: str
    locale: str
    statements: tuple[Statement, ...]
    needs_review: tuple[NeedsReview, ...] = ()
    staffing: StaffingSummary | None = None
    sharing: SharingSummary | None = None  # cost-sharing services only
    allowances: tuple[AllowanceSummary, ...] = ()
    sources: tuple[Message, ...] = field(default=())  # deliberations the tariff rests on

    @property
    def total(self) -> Decimal:
        """What the year bills: every billed statement (a carrier's own share excluded)."""
        return sum((s.total for s in self.statements if s.billed), ZERO)
