"""Tariff models: what a convention says, as frozen, validated data.

One language for every convention: a tariff's **offers** are lists of composable **part
rules** (brackets, per inhabitant, credit, unit price, floor and cap, pool, unit cost,
budget lines shared by a key, management fees…; ``docs/tariff-format.md``), billed to its
members — a roster's communes (Redon Agglomération, art. 7), or the parties the
convention names itself, one of them the carrier (Rouen, délibération 10-26). Every rule
names the article it implements, so that every amount can cite it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from servcommun.money import ZERO, has_cents_only


class Frozen(BaseModel):
    """Base of every input model: immutable, unknown keys refused."""

    # defer_build: a model's validator is built when a file of its kind is first read,
    # not when the module is imported; a bill whose roster comes from the cache never
    # builds the roster's
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


# Validators raise PydanticCustomError with a kebab-case type: the loader shows that type
# as the diagnostic's code (``negative``, ``money-precision``, ``too-large``).

LIMIT = Decimal(10) ** 12
"""No figure of a tariff or roster reaches a thousand billion: beyond it, a typo (and
products of such numbers would outgrow the 28 digits Decimal computes with)."""


def _non_negative(value: Decimal) -> Decimal:
    if value < ZERO:
        raise PydanticCustomError(
            "negative", "must not be negative (got {value})", {"value": str(value)}
        )
    return value


def _exact_to_the_cent(value: Decimal) -> Decimal:
    if not has_cents_only(value):
        raise PydanticCustomError(
            "money-precision",
            "amount {value} cannot be paid exactly: write it to the cent, at most two decimals",
            {"value": str(value)},
        )
    return value


def _bounded(value: Decimal) -> Decimal:
    if abs(value) >= LIMIT:
        raise PydanticCustomError(
            "too-large",
            "{value} is beyond any plausible figure (at most 999 999 999 999.99)",
            {"value": str(value)},
        )
    return value


Money = Annotated[
    Decimal,
    AfterValidator(_bounded),
    AfterValidator(_non_negative),
    AfterValidator(_exact_to_the_cent),
]
"""An amount in the tariff's currency, non-negative, exact to the cent."""
SignedMoney = Annotated[Decimal, AfterValidator(_bounded), AfterValidator(_exact_to_the_cent)]
Rate = Annotated[Decimal, AfterValidator(_bounded), AfterValidator(_non_negative)]
"""A non-negative decimal of any precision (a price per inhabitant, a number of days)."""
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Year = Annotated[int, Field(ge=1900, le=2999)]
Population = Annotated[int, Field(gt=0, lt=1_000_000_000)]
"""A commune's or group's number of inhabitants (France has fewer than 10⁸)."""
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Percent = Annotated[Decimal, AfterValidator(_bounded), AfterValidator(_non_negative)]
IndexValue = Annotated[Decimal, AfterValidator(_bounded), Field(gt=0)]
"""A value of a price or wage index (INSEE's 1.50-style base 100 figures): positive."""


class Billing(StrEnum):
    ANNUAL = "annual"
    ONE_OFF = "one-off"


class Titling(StrEnum):
    NEXT_JANUARY = "next-january"  # annual contributions of year N titled in January N+1
    ON_DELIVERY = "on-delivery"  # one-off services titled when delivered (audit report)


class PopulationKind(StrEnum):
    TOTALE = "totale"
    MUNICIPALE = "municipale"
    DGF = "dgf"


class Proration(StrEnum):
    NONE = "none"  # active on any day of year N: owes the whole of year N
    MONTH = "month"  # months begun in the year / 12: a month begun is due in full
    DAY = "day"  # days subscribed in the year / days of the year (365 or 366)


class Deliberation(Frozen):
    id: Text
    date: dt.date
    body: Text
    title: str = ""


class PopulationRule(Frozen):
    kind: PopulationKind
    # the legal population in force on 1 January of the billed year (CGCT R2151-2)
    in_force_on: Literal["january-1"] = "january-1"


class Bracket(Frozen):
    """A contiguous integer population range, both ends included; ``to`` absent: open."""

    from_: int = Field(alias="from", ge=0)
    to: int | None = Field(default=None, ge=0)

    def contains(self, population: int) -> bool:
        return self.from_ <= population and (self.to is None or population <= self.to)

    @cached_property
    def label(self) -> str:
        if self.to is None:
            return f"above {self.from_ - 1}" if self.from_ else "every population"
        if self.from_ == 0:
            return f"below {self.to + 1}"
        return f"{self.from_}–{self.to}"


class AmountBracket(Bracket):
    amount: Money


class QuantityBracket(Bracket):
    quantity: Rate


class PartBase(Frozen):
    code: Slug  # the line code is "<offer>.<code>"
    label: Text
    article: Text


class RoundingMode(StrEnum):
    HALF_UP = "half-up"  # 0.5 away from zero, as French public accounting rounds
    DOWN = "down"  # truncated
    UP = "up"  # away from zero


class Places(Frozen):
    """A figure rounded to ``places`` decimals as ``mode`` says (a unit cost to the cent)."""

    places: int = Field(default=2, ge=0, le=10, description="decimal places kept")
    mode: RoundingMode = RoundingMode.HALF_UP


class Rounding(Places):
    """How an indexation is rounded: the convention must say it (a coefficient to four
    places is not the same bill as a rate to four places)."""

    applies_to: Literal["coefficient", "rate"] = Field(
        description=(
            "coefficient: index(N) / index(reference) is rounded, then multiplies the rate; "
            "rate: the indexed rate itself is rounded"
        )
    )
    places: int = Field(ge=0, le=10, description="decimal places kept")


class Indexation(Frozen):
    """A rate (or amount) written for a reference year, indexed on a named index whose
    yearly values come from an index file (``kind: index``): rate × index(N) / index(ref)."""

    index: Slug = Field(description="id of the index file that gives the yearly values")
    reference_year: Year = Field(description="the year the written rate is expressed in")
    index_year: Literal["billed", "previous"] = Field(
        default="billed",
        description=(
            "the index value that indexes year N: N's own, or N-1's (the last one known "
            "when the convention bills in the course of year N)"
        ),
    )
    rounding: Rounding
    article: Text


class BracketAmountPart(PartBase):
    """A fixed amount picked by population bracket (art. 7.1 part fixe, 7.2.1 audit price)."""

    rule: Literal["bracket-amount"]
    brackets: tuple[AmountBracket, ...] = Field(min_length=1)
    indexation: Indexation | None = None


class PerInhabitantPart(PartBase):
    """A rate times the population (art. 7.1 part variable: 1,50 € per inhabitant),
    optionally written for a reference year and indexed."""

    rule: Literal["per-inhabitant"]
    rate: Rate
    indexation: Indexation | None = None


class CreditPart(PartBase):
    """Another offer's price deducted from the first year of this one, when this one starts
    within ``within_months`` after that offer was delivered (art. 7.2.1 audit credit)."""

    rule: Literal["credit"]
    from_offer: Slug
    within_months: int = Field(ge=0, le=1200)


class UnitsBeyondAllowancePart(PartBase):
    """Units used beyond a yearly allowance, billed per ``unit`` rounded up (art. 7.1.1:
    engineering days beyond the level-1 allowance, per half-day at 200 €)."""

    rule: Literal["units-beyond-allowance"]
    measure: Literal["engineering-days"]
    unit: Rate = Field(
        ge=Decimal("0.01"), description="size of one billed unit, in the measure (0.5 day)"
    )
    unit_label: Text
    unit_price: Money
    allowance: tuple[QuantityBracket, ...] = Field(min_length=1)
    allowance_total: Rate | None = Field(
        default=None, description="the shared volume the allowances come from (117 days)"
    )


class ConsumedUnit(Frozen):
    """A unit a member consumes and is billed for (a building-permit act of one type, a
    payslip, a day), and what it weighs in equivalent units."""

    id: Slug = Field(description="the unit's id, as rosters and consumption files name it")
    label: Text
    weight: Rate = Field(
        default=Decimal(1),
        description=(
            "equivalent units one unit counts for: a certificate of urbanism counting for 0.4 "
            "'équivalent permis de construire'"
        ),
    )


class PriceEntry(Frozen):
    """One price of a price list, in force from ``from`` until the next entry's date: a
    ``price`` per equivalent unit (times each unit's weight), or ``unit_prices`` per unit."""

    from_: dt.date = Field(alias="from", description="first day this price applies to an act")
    price: Money | None = Field(default=None, description="price of one equivalent unit")
    unit_prices: dict[Slug, Money] = Field(default={}, description="unit id → price of one unit")
    reference: str = Field(default="", description="the decision that set this price")

    @model_validator(mode="after")
    def _one_way(self) -> PriceEntry:
        if (self.price is None) == (not self.unit_prices):
            raise PydanticCustomError(
                "price-entry",
                "give either 'price' (per equivalent unit, times each unit's "
                "weight) or 'unit_prices' (a price per unit), not both or neither",
                {},
            )
        return self


class FreeUnits(Frozen):
    """Units not billed each year: the first ``quantity`` of ``unit``, in date order (the
    first half-day visit of the year is free)."""

    unit: Slug
    quantity: Rate = Field(gt=0)


class UnitPricePart(PartBase):
    """Unit price × quantity: each act a member consumed in the year (its unit, date and
    quantity come from the roster or a consumption file) at the price in force on its date,
    times its unit's weight; free units first. One line per unit and price in force."""

    rule: Literal["unit-price"]
    units: tuple[ConsumedUnit, ...] = Field(min_length=1)
    equivalent: str = Field(
        default="",
        description=("name of the unit of weight 1, for bases ('équivalent permis de construire')"),
    )
    prices: tuple[PriceEntry, ...] = Field(min_length=1, description="by increasing date")
    free: tuple[FreeUnits, ...] = ()


class LimitPart(PartBase):
    """A floor or a cap on what the lines before it bill (in the offer, or on the whole
    statement when listed in the tariff's ``statement_limits``): a line appears only when
    it bites, and says the basis it was applied to."""

    amount: Money
    prorated: bool = Field(
        default=False,
        description=("the floor or cap is prorated like the offer's annual parts (proration)"),
    )


class FloorPart(LimitPart):
    """A minimum contribution: the difference up to ``amount`` is billed on its own line."""

    rule: Literal["floor"]


class CapPart(LimitPart):
    """A maximum contribution: what exceeds ``amount`` is deducted on its own line."""

    rule: Literal["cap"]


class PoolBasis(StrEnum):
    POPULATION = "population"  # each member's population of the billed year
    UNITS = "units"  # the units each member consumed in the year, weighted
    KEY = "key"  # a percentage key: one of the tariff's keys, or written in the layer
    EQUAL = "equal"  # the same share for every member


LayerKey = Annotated[
    Annotated[Slug, Tag("key id")] | Annotated[dict[Text, Percent], Tag("key shares")],
    Discriminator(lambda value: "key shares" if isinstance(value, dict) else "key id"),
]
"""A pool layer's key: the id of a key of the tariff's ``keys``, or its shares written in
place (told apart by their shape, so that a mistake is said once, for the form used)."""


class PoolLayer(Frozen):
    """A layer of a pool: a ``percent`` of it, a fixed ``amount`` of it, or (neither) what
    the other layers leave; shared between the members by ``by``."""

    label: Text
    percent: Percent | None = Field(default=None, description="percent of the pool")
    amount: Money | None = Field(default=None, description="a fixed amount of the pool")
    by: PoolBasis
    key: LayerKey | None = Field(
        default=None,
        description=(
            "by: key — the id of a key of the tariff's 'keys' ('key: reference'), or a key "
            "written in place: member id → percent, summing to 100 (a member bearing the layer "
            'alone: {"35236": "100"})'
        ),
    )
    units: tuple[ConsumedUnit, ...] = Field(
        default=(), description=("by: units — the units counted, with their weights")
    )
    article: str = Field(default="", description="the article of this layer, if its own")

    @property
    def key_id(self) -> str | None:
        """The id of the tariff's key the layer is shared by; None for a key written in
        place (or none)."""
        return self.key if isinstance(self.key, str) else None


class Pool(Frozen):
    """The amount a pool shares in a year: written in the tariff by year (``amounts``), or
    the total of the service's budget file of the year (``from_budget``)."""

    amounts: dict[Year, Money] = Field(default={}, description="year → amount")
    from_budget: bool = Field(
        default=False, description=("the year's budget file of the service (its lines' total)")
    )

    @model_validator(mode="after")
    def _one_source(self) -> Pool:
        if bool(self.amounts) == self.from_budget:
            raise PydanticCustomError(
                "pool-source",
                "give either 'amounts' (by year) or 'from_budget: true' (the "
                "year's budget file), not both or neither",
                {},
            )
        return self


class PoolSharePart(PartBase):
    """A cost pool shared between the members holding the offer in the year, layer by layer
    (a minimum share for one party, a share by units used, the rest by population): each
    layer is shared by the largest remainder, so that the shares sum exactly to the layer
    and the layers to the pool. One line per layer."""

    rule: Literal["pool-share"]
    pool: Pool
    layers: tuple[PoolLayer, ...] = Field(min_length=1)


class ActualOperation(Frozen):
    """The year's actual figures once its accounts are closed: the cost of the service and
    the units of operation it delivered (for the year-end adjustment)."""

    cost: Money
    units: Rate = Field(gt=0)
    closed: dt.date = Field(
        description=("the day the year's accounts were closed: the adjustment is titled that month")
    )
    reference: str = Field(default="", description="the accounts (compte administratif N)")


class UnitsOfOperation(Frozen):
    """What the unit cost of CGCT art. D5211-16 is computed from, besides the cost (the
    budget's lines: the last accounts' expenses, updated as the convention says): the
    units of operation forecast for the year, and the actual figures when known."""

    forecast: Rate = Field(gt=0, description="units of operation forecast for the year")
    reference: str = Field(
        default="",
        description=("where the cost comes from (compte administratif N-2, actualisé de …)"),
    )
    actual: ActualOperation | None = None


class UnitCostPart(PartBase):
    """CGCT art. D5211-16: a unit cost of operation — the cost of the service (from the
    last accounts, updated) over the units of operation forecast for the year, rounded as
    the convention says — times the units of operation the member used in the year."""

    rule: Literal["unit-cost"]
    units: tuple[ConsumedUnit, ...] = Field(min_length=1)
    rounding: Places = Field(default=Places(), description="of the unit cost (to the cent)")


class UnitCostAdjustmentPart(PartBase):
    """The year-end adjustment of a ``unit-cost`` part: once the year's actual cost and
    units are known, the member's units × the actual unit cost, less what the forecast
    unit cost billed; titled in the month the accounts were closed."""

    rule: Literal["unit-cost-adjustment"]
    of: Slug = Field(description="the code of the unit-cost part it adjusts, in this offer")


# -- budget lines shared by a key (Rouen, délibération 10-26) ----------------------------


class CostCategory(StrEnum):
    SALARY = "salary"  # masse salariale
    OTHER = "other"  # every other cost (licences, subscriptions, equipment…)


class Allocation(StrEnum):
    KEY = "key"  # shared by the key in force
    DIRECT = "direct"  # charged wholly to one party


class CostLine(Frozen):
    """One cost of the year: a budget line, or a line of a worked example.

    Shared by the key unless ``direct`` names the one party that bears it. A negative
    amount is a reduction of cost (atténuation de charges) and is shared the same way.
    """

    id: Slug = Field(description="the line code is '<id>.share' or '<id>.direct'")
    label: Text
    category: CostCategory
    amount: SignedMoney
    direct: Slug | None = Field(default=None, description="party charged the whole line")
    reference: str = Field(default="", description="article or decision, for a direct line")

    @property
    def allocation(self) -> Allocation:
        return Allocation.KEY if self.direct is None else Allocation.DIRECT


class DirectCharges(Frozen):
    """The convention lets some costs be charged to one member alone (Rouen, 2026:
    periodical subscriptions bought through the service for the Ville's archives or the
    Métropole's documentation). Without it, a budget line charged directly is refused."""

    article: Text


class BudgetLinesPart(PartBase):
    """The year's budget lines (those of ``categories``; none listed: every line), each
    shared between the members by a key, line by line: one statement line per cost line
    (``<line id>.share``), the shares summing exactly to it by the largest remainder; a
    line the budget charges ``direct`` to one member is that member's alone (``<line
    id>.direct``), where the convention allows it (``direct``)."""

    rule: Literal["budget-lines"]
    key: Slug = Field(description="id of the tariff's key the lines are shared by")
    categories: tuple[CostCategory, ...] = Field(
        default=(),
        description=("the categories of the lines shared by this part (none listed: every line)"),
    )
    direct: DirectCharges | None = Field(
        default=None,
        description=(
            "the article that lets a budget line be charged wholly to one member "
            "('direct: ville'); without it such a line is refused"
        ),
    )


class ManagementFeePart(PartBase):
    """Management fees (frais de gestion): ``rate`` percent of the year's budget lines of
    the categories ``on`` (Rouen: the salary mass only). On the lines shared by the key
    the fee is computed once on their subtotal, rounded to the cent, then shared by the
    key (``<code>.share``); on a member's direct lines it is that member's own
    (``<code>.direct``)."""

    rule: Literal["management-fee"]
    key: Slug = Field(description="id of the tariff's key the fees are shared by")
    rate: Percent = Field(description="percent of the lines it applies to")
    on: tuple[CostCategory, ...] = Field(
        default=(CostCategory.SALARY,),
        min_length=1,
        description="categories of the lines it applies to",
    )
    illustrative: bool = Field(
        default=False, description="the rate is not the convention's: said on every fee line"
    )


KEYED_PARTS = (BudgetLinesPart, ManagementFeePart)
"""The rules that share the year's budget lines by a key of the tariff."""


Part = Annotated[
    BracketAmountPart
    | PerInhabitantPart
    | CreditPart
    | UnitsBeyondAllowancePart
    | UnitPricePart
    | FloorPart
    | CapPart
    | PoolSharePart
    | UnitCostPart
    | UnitCostAdjustmentPart
    | BudgetLinesPart
    | ManagementFeePart,
    Field(discriminator="rule"),
]
Limit = Annotated[FloorPart | CapPart, Field(discriminator="rule")]


class Review(Frozen):
    """When the offer is not computed but negotiated (art. 7.1 (*))."""

    above_population: int | None = Field(default=None, ge=0)
    own_it_department: bool = False
    article: Text


class Offer(Frozen):
    id: Slug
    label: Text
    billing: Billing
    titled: Titling
    article: Text
    review: Review | None = None
    included_in: tuple[Slug, ...] = Field(
        default=(), description="offers whose members do not pay this one (art. 4.2)"
    )
    proration: Proration | None = Field(
        default=None,
        description=(
            "this annual offer's proration on joining or leaving during the year (absent: the "
            "tariff's)"
        ),
    )
    parts: tuple[Part, ...] = Field(min_length=1)

    @cached_property
    def uses_population(self) -> bool:
        """A rule of the offer needs the member's population: a member without one for the
        year cannot be billed it (a party of a cost-sharing convention has none)."""
        return (self.review is not None and self.review.above_population is not None) or any(
            isinstance(part, _POPULATION_RULES)
            or (
                isinstance(part, PoolSharePart)
                and any(layer.by is PoolBasis.POPULATION for layer in part.layers)
            )
            for part in self.parts
        )


_POPULATION_RULES = (BracketAmountPart, PerInhabitantPart, UnitsBeyondAllowancePart, CreditPart)


class StaffingStep(Frozen):
    from_: int = Field(alias="from", ge=1, description="members of the counted offer")
    fte: Rate


class Staffing(Frozen):
    """Staff the contributions are meant to fund (art. 7): not billed, reported."""

    article: Text
    fte_cost: Money
    base_fte: Rate = Field(description="FTE from the first member of the service")
    counted_offer: Slug
    steps: tuple[StaffingStep, ...] = ()


# -- parties and keys ----------------------------------------------------------------------


class Party(Frozen):
    """A party the convention itself names (Rouen: the Métropole, the Ville, the CCAS): a
    tariff that lists its parties has them as its members, instead of a roster. The one
    ``carrier`` runs the service and bills the others: its own share is reported, not
    billed."""

    id: Slug
    name: Text
    carrier: bool = False


def _power_of_ten(value: Decimal) -> Decimal:
    if value <= ZERO or value != Decimal(1).scaleb(value.adjusted()):
        raise ValueError("must be a power of ten (0.01 for a key written to the hundredth)")
    return value


class KeyDerivation(Frozen):
    """How the deliberation set a share: ``party``'s percentage made to match ``target`` on
    ``base``, rounded to the key's precision and taken from ``take_from`` (the others
    unchanged), starting from the ``previous`` key. ``check`` recomputes it."""

    previous: dict[Text, Percent] = Field(min_length=1)
    party: Text
    target: Money
    base: Money
    take_from: Text
    article: Text


class AgentTime(Frozen):
    """One agent of a shared service and how its time is split between the employers it
    works for (a budget's ``agents``): the key computed from them weights each split by
    the agent's salary cost."""

    id: Text = Field(description="the post or registration number")
    label: str = ""
    cost: Money = Field(description="the agent's yearly salary cost, charges included")
    shares: dict[Slug, Percent] = Field(
        min_length=1, description=("party id → percent of the agent's time (summing to 100)")
    )


class KeyRounding(Frozen):
    """How a computed key is rounded to its precision: the convention must say it, since
    percentages rounded one by one need not sum to 100 (65,76 + 25,39 + 8,86 = 100,01)."""

    method: Literal["largest-remainder", "half-up"] = Field(
        description=(
            "largest-remainder: rounded down, the hundredths left going to the largest "
            "remainders (ties by party id); half-up: each rounded half up, the difference to "
            "100 given to 'remainder_to'"
        )
    )
    remainder_to: Slug | None = Field(
        default=None, description=("half-up: the party whose share absorbs the difference to 100")
    )


class ComputedKey(Frozen):
    """A key computed each year from the budget's ``agents``: a party's percentage is
    Σ cost × share / Σ cost, rounded to the key's ``precision`` as ``rounding`` says."""

    from_: Literal["agents"] = Field(
        alias="from", description=("agents: each agent's time split weighted by its salary cost")
    )
    rounding: KeyRounding


class Key(Frozen):
    """A percentage key (clé de référence) the tariff's parts share amounts by: each
    member's percentage, written in the tariff (``shares``) or computed each year from
    data (``computed``)."""

    id: Slug = Field(description="the key's id, as the parts name it ('key: reference')")
    label: str = ""
    article: Text
    precision: Annotated[Decimal, AfterValidator(_power_of_ten)] = Field(
        default=Decimal("0.01"), description="percentage points the key is written to"
    )
    shares: dict[Text, Percent] = Field(
        default={}, description=("member id (a party's id) → percent")
    )
    computed: ComputedKey | None = None
    derivation: KeyDerivation | None = None

    @model_validator(mode="after")
    def _written_or_computed(self) -> Key:
        if bool(self.shares) == (self.computed is not None):
            raise PydanticCustomError(
                "key-source",
                "give the key's 'shares', or say how it is 'computed' (from "
                "the budget's agents), not both or neither",
                {},
            )
        return self

    def total(self) -> Decimal:
        return sum(self.shares.values(), ZERO)


class ExampleSubscription(Frozen):
    offer: Slug
    start: dt.date | None = None
    end: dt.date | None = None
    delivered: dt.date | None = None


class Act(Frozen):
    """Units a member consumed on a date: one building-permit act, 120 payslips of a month,
    1.5 days. Billed by the ``unit-price`` part that lists its unit."""

    unit: Slug
    date: dt.date
    quantity: Rate = Field(default=Decimal(1), gt=0)
    reference: str = Field(default="", description="the file or dossier number, for the record")


class ExampleMember(Frozen):
    id: Text | None = Field(
        default=None,
        description=("the member's id, when a rule names it (a pool's key); one member only"),
    )
    count: int = Field(default=1, ge=1, le=1000)
    population: Population
    own_it_department: bool = False
    engineering_days: Rate = ZERO
    subscriptions: tuple[ExampleSubscription, ...] = ()
    consumption: tuple[Act, ...] = ()
    attribution_compensation: dict[Year, SignedMoney] = Field(
        default={},
        description=("year → attribution de compensation, for statements settled by deduction"),
    )
    settlement: SettlementMode | None = None


class Expectation(Frozen):
    total: SignedMoney | None = Field(
        default=None,
        description=("what the bill bills: every statement, a carrier's own share excluded"),
    )
    lines: dict[str, SignedMoney] = Field(
        default={}, description=("line code → amount, summed over the members")
    )
    member_lines: dict[Text, dict[str, SignedMoney]] = Field(
        default={}, description=("member id (a party's id) → line code → amount")
    )
    offers: dict[Slug, SignedMoney] = {}
    members: dict[Text, SignedMoney] = Field(
        default={},
        description=("member id (an example member's 'id', a party's id) → its statement total"),
    )
    keys: dict[Slug, dict[Text, Percent]] = Field(
        default={},
        description=("key id → member id → percent: a key computed from the example's agents"),
    )
    attribution_after: dict[Text, SignedMoney] = Field(
        default={}, description=("member id → its attribution de compensation after the deduction")
    )
    allowance_days: Rate | None = None
    needs_review: bool | None = None


class WorkedExample(Frozen):
    """A figure of the convention text, recomputed by ``servcommun check``."""

    title: Text
    article: Text
    year: Year
    members: tuple[ExampleMember, ...] = Field(
        default=(),
        description=(
            "the members billed (none for a tariff that names its parties: they are billed)"
        ),
    )
    indices: dict[Slug, dict[Year, IndexValue]] = Field(
        default={},
        description=("index id → year → value: the index values the convention's example uses"),
    )
    budget: SignedMoney | None = Field(
        default=None,
        description=(
            "the year's budget total, for pools taken from the budget file and unit costs"
        ),
    )
    costs: tuple[CostLine, ...] = Field(
        default=(),
        description=(
            "the year's budget lines, for the parts that share them (their total stands for "
            "'budget')"
        ),
    )
    agents: tuple[AgentTime, ...] = Field(
        default=(), description=("the agents a key computed from their time is computed from")
    )
    units_of_operation: UnitsOfOperation | None = Field(
        default=None,
        description=("the year's forecast (and actual) units of operation, for unit costs"),
    )
    expect: Expectation


class TariffBase(Frozen):
    schema_: str | None = Field(default=None, alias="$schema")
    service: Slug
    title: Text
    valid_from: dt.date
    valid_until: dt.date | None = None
    service_ends: bool = Field(
        default=False,
        description=(
            "the service stops at valid_until: the next version of the service, if any, may "
            "start after a gap (otherwise versions follow each other day after day)"
        ),
    )
    deliberations: tuple[Deliberation, ...] = Field(min_length=1)
    currency: Literal["EUR"] = "EUR"
    locale: str = "fr_FR"
    note: str = ""

    def covers(self, year: int) -> bool:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return self.valid_from <= end and (self.valid_until is None or self.valid_until >= start)

    def covers_day(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class SettlementMode(StrEnum):
    REVENUE_TITLE = "revenue-title"  # a title of revenue (titre de recettes) to the member
    ATTRIBUTION_DEDUCTION = "attribution-deduction"  # imputed on its attribution de compensation


class Settlement(Frozen):
    """How members settle what they owe: by a title of revenue, or by deduction from their
    attribution de compensation (CGCT art. L5211-4-2: « les effets de ces mises en commun
    sont réglés par imputation sur l'attribution de compensation »); a roster member may
    choose the other way (``settlement``)."""

    mode: SettlementMode
    attribution_year: Literal["billed", "next"] = Field(
        default="billed",
        description=(
            "the year whose attribution de compensation is reduced: the billed year's, or the "
            "next year's (contributions of N titled in N+1)"
        ),
    )
    article: Text


class GridTariff(TariffBase):
    """A tariff: the offers its members hold, each computed by its parts. The members are a
    roster's (communes, with their populations and subscriptions), or the ``parties`` the
    convention names, each holding every annual offer while the tariff is in force."""

    kind: Literal["contribution-grid"]
    population: PopulationRule | None = Field(
        default=None,
        description=("the legal population billed on: required when a rule uses the population"),
    )
    proration: Proration = Proration.NONE
    parties: tuple[Party, ...] = Field(
        default=(),
        description=(
            "the members the convention names itself (instead of a roster), one of them the carrier"
        ),
    )
    keys: tuple[Key, ...] = Field(
        default=(), description=("percentage keys the parts share amounts by, each with its id")
    )
    offers: tuple[Offer, ...] = Field(min_length=1)
    statement_limits: tuple[Limit, ...] = Field(
        default=(),
        description=(
            "floors and caps on a member's whole statement, after every offer (line codes "
            "'statement.<code>')"
        ),
    )
    settlement: Settlement | None = Field(
        default=None,
        description=("how statements are settled (absent: by titles of revenue, not said)"),
    )
    staffing: Staffing | None = None
    examples: tuple[WorkedExample, ...] = ()

    def offer(self, offer_id: str) -> Offer | None:
        return self._offers_by_id.get(offer_id)

    def has_pools(self) -> bool:
        """A rule shares an amount between the members (a pool, budget lines by a key)."""
        return any(
            isinstance(part, PoolSharePart | BudgetLinesPart | ManagementFeePart)
            for offer in self.offers
            for part in offer.parts
        )

    def takes_budget(self) -> bool:
        """A rule of the tariff takes the year's budget (the service's budget file): a pool
        shares its total, a unit cost is computed from it, its lines are shared by a key,
        a key a part shares by is computed from its agents."""
        return (
            self.has_unit_cost()
            or any(
                (isinstance(part, PoolSharePart) and part.pool.from_budget)
                or isinstance(part, BudgetLinesPart | ManagementFeePart)
                for offer in self.offers
                for part in offer.parts
            )
            or any(key.computed is not None for key in self.keys_used())
        )

    def uses_population(self) -> bool:
        return any(offer.uses_population for offer in self.offers)

    @cached_property
    def carrier(self) -> Party | None:
        """The party that runs the service and bills the others, if the tariff names one
        (asked for every member billed)."""
        return next((party for party in self.parties if party.carrier), None)

    def party(self, party_id: str) -> Party | None:
        return next((party for party in self.parties if party.id == party_id), None)

    def key(self, key_id: str) -> Key | None:
        # a scan, not a cached dict: simulate widens a key in a copy of the tariff
        return next((key for key in self.keys if key.id == key_id), None)

    def keys_used(self, offers: Collection[str] | None = None) -> list[Key]:
        """The tariff's keys the parts of ``offers`` (None: of every offer) share by: a
        budget-lines or management-fee part's, a pool layer's that names one."""
        named: set[str] = set()
        for offer in self.offers:
            if offers is not None and offer.id not in offers:
                continue
            for part in offer.parts:
                if isinstance(part, BudgetLinesPart | ManagementFeePart):
                    named.add(part.key)
                elif isinstance(part, PoolSharePart):
                    named.update(key_id for layer in part.layers if (key_id := layer.key_id))
        return [key for key in self.keys if key.id in named]

    def keyed_parts(self) -> list[tuple[Offer, BudgetLinesPart | ManagementFeePart]]:
        """Every part that shares the year's budget lines by a key, with its offer."""
        return [
            (offer, part)
            for offer in self.offers
            for part in offer.parts
            if isinstance(part, BudgetLinesPart | ManagementFeePart)
        ]

    def shared_key(self) -> Key | None:
        """The key the budget lines are shared by (the first budget-lines part's), else the
        tariff's first key: the one a share is derived in, or a newcomer joins."""
        named = [part.key for _, part in self.keyed_parts() if isinstance(part, BudgetLinesPart)]
        return next(
            (key for key_id in named if (key := self.key(key_id))),
            self.keys[0] if self.keys else None,
        )

    def has_unit_cost(self) -> bool:
        return any(isinstance(part, UnitCostPart) for offer in self.offers for part in offer.parts)

    def indexations(self) -> list[Indexation]:
        """Every indexation of the tariff's parts (the index files its bill needs)."""
        return [
            part.indexation
            for offer in self.offers
            for part in offer.parts
            if isinstance(part, BracketAmountPart | PerInhabitantPart)
            and part.indexation is not None
        ]

    @cached_property
    def _offers_by_id(self) -> dict[str, Offer]:
        # looked up for every member and rule: a dict once, not a scan each time
        return {offer.id: offer for offer in self.offers}
