"""Result objects of the engine: statements of lines, each line explaining its amount."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from servcommun.money import ZERO


class Line(NamedTuple):
    """One amount of a statement and its explanation.

    ``code`` is ``<offer>.<part>``; ``basis`` says how the amount was reached (bracket,
    rate, quantity); ``reference`` the article of the convention; ``titled`` the month
    (``YYYY-MM``) the revenue title is issued. A named tuple: immutable like the rest of
    the result, and the cheapest record to build (a large bill makes one per line).
    """

    code: str
    label: str
    amount: Decimal
    basis: str
    reference: str
    titled: str


@dataclass(frozen=True)
class MemberRef:
    id: str
    name: str
    population: int | None = None


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Statement:
    member: MemberRef
    lines: tuple[Line, ...]
    billed: bool = True  # False for a carrier's own share, reported but not billed
    notes: tuple[str, ...] = ()
    settlement: Settlement | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def offer_total(self, offer: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.code.split(".")[0] == offer), ZERO)


@dataclass(frozen=True)
class NeedsReview:
    member: MemberRef
    reason: str
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
    notes: tuple[str, ...] = ()


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
    sources: tuple[str, ...] = field(default=())  # deliberations the tariff rests on

    @property
    def total(self) -> Decimal:
        """What the year bills: every billed statement (a carrier's own share excluded)."""
        return sum((s.total for s in self.statements if s.billed), ZERO)
