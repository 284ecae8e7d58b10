"""What every part rule of the tariff language is: its fields, what it needs, its lines.

A rule is one class in one module of ``servcommun.rules``: a frozen model of the part
as the tariff writes it (``rule: <id>``, its code, label and article, its own fields),
that also declares what the rule needs (the population, the year's budget, keys, units,
an index, an annual offer…), computes the part's lines for one member and year, and
checks what only it knows. The tariff, the engine, ``check``, ``simulate`` and
``thresholds`` ask the parts these questions; none of them names a rule.
"""

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from servcommun.money import ZERO
from servcommun.terms import Bracket, ConsumedUnit, CostLine, Frozen, Indexation, Slug, Text

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear, PoolOutcome, ServiceData
    from servcommun.engine.result import Line
    from servcommun.message import Message
    from servcommun.reader import Document, Path_
    from servcommun.roster import Member, Subscription
    from servcommun.rules._keyed import Fee
    from servcommun.rules.unit_price import PriceEntry
    from servcommun.tariff import Offer, Tariff, WorkedExample


class PartRule(Frozen):
    """A part of an offer. The line code of its lines is ``<offer>.<code>``."""

    rule: str  # each rule's own id, a literal: the tariff's parts are told apart by it
    code: Slug
    label: Text
    article: Text

    ANNUAL_ONLY: ClassVar[bool] = False
    """It bills the use or shares the cost of a year: it belongs to an annual offer."""
    NEGOTIATED: ClassVar[bool] = True
    """An override of its whole offer replaces it (a price is negotiated; a credit, a
    floor or units beyond an allowance still apply to the negotiated amount)."""
    PRORATED: ClassVar[bool] = False
    """Its yearly amount is prorated on joining or leaving during the year, and so is an
    override that replaces it."""
    STATEMENT_WIDE: ClassVar[bool] = False
    """It may stand in the tariff's ``statement_limits`` (a floor, a cap)."""
    SHARED: ClassVar[bool] = False
    """It shares an amount between the members holding its offer (``share``), computed
    once for all of them before any statement: a member's lines are its share (no
    ``lines`` of its own)."""
    FEE: ClassVar[bool] = False
    """It is a management fee on the budget lines, not a share of them (its line codes are
    its own: ``<code>.share``, ``<code>.direct``)."""
    SHARES_BUDGET_LINES: ClassVar[bool] = False
    """It shares the year's budget lines by a key: its lines are coded after them
    (``licences.share``), and a bill's summary groups them by category."""
    NOTES: ClassVar[bool] = False
    """It may leave a note on the statement (``notes``): what it did not bill, and why."""
    QUOTED: ClassVar[bool] = False
    """It bills a one-off mission from its quote: a subscription to its offer may be
    quoted and not yet delivered (not billed; its ``notes`` say so on the statements of
    the years it is pending)."""

    # -- what the rule needs ---------------------------------------------------------------

    def uses_population(self) -> bool:
        """Its amount depends on the member's population."""
        return False

    def takes_budget(self) -> bool:
        """It takes the year's budget file (its total, its lines or its units)."""
        return False

    def needs_units_of_operation(self) -> bool:
        """It is computed from the year's units of operation (CGCT D5211-16)."""
        return False

    def key_ids(self) -> tuple[str, ...]:
        """The ids of the tariff's keys it shares amounts by."""
        return ()

    def priced_units(self) -> tuple[ConsumedUnit, ...]:
        """The units it prices: a roster's act of one of them is billed by this part."""
        return ()

    def counted_units(self) -> tuple[ConsumedUnit, ...]:
        """The units it counts without pricing them (a unit cost, a pool shared by use)."""
        return ()

    def price_list(self) -> "tuple[PriceEntry, ...]":
        """Its prices by effective date, for the units it prices."""
        return ()

    def indexations(self) -> tuple[Indexation, ...]:
        """The indexations of its rates (the index files its bill needs)."""
        return ()

    def population_tables(self) -> tuple[tuple[str, Sequence[Bracket]], ...]:
        """Its tables by population bracket, each with the field it is written under:
        their brackets must follow each other, and each start is a threshold."""
        return ()

    def bills_shortfall(self) -> bool:
        """It bills the shortfall below a subscription's contracted minimum of the units it
        prices, where the unit says ``minimum_due`` (and notes it otherwise)."""
        return False

    def allowance_units(self) -> tuple[ConsumedUnit, ...]:
        """The units it counts against a yearly allowance (engineering days)."""
        return ()

    def allowance_for(self, population: int) -> Decimal:
        """The yearly allowance of units a member of ``population`` has under it."""
        return ZERO

    def credits(self) -> tuple[str, int] | None:
        """The one-off offer whose price it credits, and within how many months."""
        return None

    def covers(self, cost: CostLine) -> bool:
        """It shares the budget line ``cost`` by its key (or charges it directly)."""
        return False

    def allows_direct(self) -> bool:
        """A budget line it covers may be charged directly to one member."""
        return False

    def costs_shared(self, lines: Sequence[CostLine]) -> list[CostLine]:
        """The budget lines of ``lines`` it shares."""
        return [cost for cost in lines if self.covers(cost)]

    def fee(self, lines: Sequence[CostLine]) -> "Fee | None":
        """The management fee it bills on the budget ``lines``, if it is one."""
        return None

    def members_named(self) -> tuple[tuple[tuple[str | int, ...], str], ...]:
        """The member ids the part names itself (a pool layer restricted to some members),
        each with its path under the part: with a roster, each is one of its members."""
        return ()

    def line_codes(self, offer: str, costs: Sequence[CostLine]) -> set[str]:
        """The codes of the lines it may produce (with ``costs``, a year's budget lines)."""
        return {f"{offer}.{self.code}"}

    # -- its lines -------------------------------------------------------------------------

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """Its lines for one member and year, given the lines of the offer's parts above."""
        raise NotImplementedError

    def notes(self, context: "OfferYear") -> "list[Message]":
        """What the statement must say of this part beyond its lines, for one member and
        year: a case it applied that no line shows (a credit lost). Asked of the parts
        whose class sets ``NOTES``, once the offer's lines are computed."""
        return []

    def share(
        self,
        tariff: "Tariff",
        offer: "Offer",
        holders: "Sequence[Member]",
        year: int,
        data: "ServiceData",
    ) -> "PoolOutcome":
        """A ``SHARED`` rule: its amount for ``year`` shared between ``holders``."""
        raise NotImplementedError

    # -- its checks ------------------------------------------------------------------------

    def subscription_problems(
        self, doc: "Document", here: "Path_", subscription: "Subscription", offer: "Offer"
    ) -> "Iterator[Diagnostic]":
        """What is wrong with a roster's subscription at ``here`` to the part's ``offer``
        (a mission delivered without its quote; errors and warnings)."""
        return iter(())

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """What is wrong with the part at ``here`` in ``offer`` (its fields are valid)."""
        return iter(())

    def example_problems(
        self, doc: "Document", here: "Path_", example: "WorkedExample", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """What a worked example at ``here`` billing this part lacks to be computed."""
        return iter(())
