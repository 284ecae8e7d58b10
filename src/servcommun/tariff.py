"""Tariff models: what a convention says, as frozen, validated data.

One language for every convention: a tariff's **offers** are lists of composable **part
rules** (``servcommun.rules``, one module each: brackets, per inhabitant, credit, unit
price, floor and cap, pool, unit cost, budget lines shared by a key, management fees…;
``docs/tariff-format.md``), billed to its members — a roster's communes (Redon
Agglomération, art. 7), or the parties the convention names itself, one of them the
carrier (Rouen, délibération 10-26). Every rule names the article it implements, so that
every amount can cite it.
"""

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import AfterValidator, Field, model_validator

from servcommun.identity import Address, Imputation, Siren, Siret
from servcommun.message import Unsaid, msg
from servcommun.money import ZERO
from servcommun.rules import RULES
from servcommun.rules.base import PartRule
from servcommun.terms import (
    Act,
    AgentTime,
    AttributeId,
    AttributeValue,
    Billing,
    Category,
    ContractedVolume,
    CostLine,
    Frozen,
    Indexation,
    IndexValue,
    Money,
    Percent,
    Population,
    Proration,
    Rate,
    SignedMoney,
    Slug,
    Text,
    UnitsOfOperation,
    Year,
    refusal,
    refuse_former_member_fields,
)


class Titling(StrEnum):
    NEXT_JANUARY = "next-january"  # annual contributions of year N titled in January N+1
    ON_DELIVERY = "on-delivery"  # one-off services titled when delivered (audit report)


class PopulationKind(StrEnum):
    TOTALE = "totale"
    MUNICIPALE = "municipale"
    DGF = "dgf"


class Deliberation(Frozen):
    id: Text
    date: dt.date
    body: Text
    title: str = ""


class PopulationRule(Frozen):
    kind: PopulationKind
    # the legal population in force on 1 January of the billed year (CGCT R2151-2)
    in_force_on: Literal["january-1"] = "january-1"


if TYPE_CHECKING:
    from servcommun.rules._limit import LimitPart

    Part = PartRule
    Limit = LimitPart
else:
    # unions of the rules collected at run time: a part is told by its ``rule``
    Part = Annotated[Union[RULES], Field(discriminator="rule")]  # noqa: UP007
    Limit = Annotated[
        Union[tuple(rule for rule in RULES if rule.STATEMENT_WIDE)],  # noqa: UP007
        Field(discriminator="rule"),
    ]


class Attribute(Frozen):
    """A figure of a member the tariff's rules read (its own IT department, a category of
    body, a number of agents): declared by the tariff, so that a roster's is checked."""

    id: AttributeId
    label: Text = Field(description="what the attribute says, as a review reason reads it")
    type: Literal["boolean", "number", "choice"] = "boolean"
    choices: tuple[Text, ...] = Field(
        default=(), description="type: choice — the values a member may have"
    )


class Figure(Frozen):
    """A figure each member declares by year (its salary mass, its operating budget, its
    own hourly cost), declared by the tariff so that a roster's is checked: an amount in
    euros or a quantity, taken from the billed year or the one before."""

    id: AttributeId
    label: Text = Field(
        description="what the figure is, as a basis and a review reason read it ('masse salariale')"
    )
    kind: Literal["amount", "quantity"] = Field(
        default="amount", description="amount: in euros, to the cent; quantity: a number"
    )
    year: Literal["billed", "previous"] = Field(
        default="billed",
        description="the year it is taken from: the billed year, or the one before (N-1)",
    )

    def year_for(self, billed: int) -> int:
        """The year of the figure a bill of ``billed`` reads."""
        return billed - 1 if self.year == "previous" else billed


class MemberIdForm(Frozen):
    """A form of member id the tariff accepts beside INSEE codes and SIREN numbers: an
    association's RNA number, a CCAS's FINESS number. A roster member's id of another form
    matches one of them, checked as a whole (``^…$`` implied)."""

    label: Text = Field(description="what the id is, as an error lists it (« numéro RNA »)")
    pattern: Text = Field(description="a regular expression the whole id matches: W[0-9]{9}")
    example: Text = Field(description="an id of the form, shown to whoever writes one")

    @model_validator(mode="after")
    def _example_matches(self) -> "MemberIdForm":
        try:
            compiled = re.compile(self.pattern)
        except re.error as error:
            raise refusal(
                "member-id-form",
                msg(
                    "'{pattern}' is not a regular expression ({problem}): write the form as "
                    "one, W[0-9]{{9}} for an RNA number",
                    pattern=self.pattern,
                    problem=str(error),
                ),
            ) from None
        if not compiled.fullmatch(self.example):
            raise refusal(
                "member-id-form",
                msg(
                    "the example '{example}' does not match the form's pattern '{pattern}': "
                    "correct one or the other",
                    example=self.example,
                    pattern=self.pattern,
                ),
            )
        return self

    def matches(self, member_id: str) -> bool:
        return re.fullmatch(self.pattern, member_id) is not None


class ReviewCondition(Frozen):
    """One case in which the offer is not computed but negotiated: a population above a
    threshold, or an attribute of the member (yes; equal to a value; above a number)."""

    population_above: int | None = Field(default=None, ge=0)
    attribute: AttributeId | None = None
    equals: AttributeValue = Field(
        default=True, description="the attribute's value that puts the member in review"
    )
    above: Decimal | None = Field(
        default=None, description="a number attribute above which the member is in review"
    )

    @model_validator(mode="after")
    def _one_case(self) -> "ReviewCondition":
        if (self.population_above is None) == (self.attribute is None):
            raise refusal(
                "review-condition",
                msg(
                    "give one case: '{population}', or '{attribute}' (with 'equals' or 'above' "
                    "when it is not yes/no)",
                    population="population_above: 8000",
                    attribute="attribute: <id>",
                ),
            )
        return self


class Review(Frozen):
    """When the offer is not computed but negotiated (art. 7.1 (*)): any of the cases of
    ``when``, unless an override records the negotiated figure."""

    when: tuple[ReviewCondition, ...] = Field(min_length=1)
    article: Text

    @model_validator(mode="before")
    @classmethod
    def _cases_are_listed(cls, data: object) -> object:
        if isinstance(data, dict) and ({"above_population", "own_it_department"} & set(data)):
            raise refusal(
                "review-migration",
                msg(
                    "the cases of a review are listed under 'when': write '{written}' (an "
                    "attribute the tariff declares under 'attributes')",
                    written="when: [{population_above: 8000}, {attribute: own_it_department}]",
                ),
            )
        return data

    @property
    def population_threshold(self) -> int | None:
        """The population above which the offer is negotiated, if the review says one."""
        return next(
            (case.population_above for case in self.when if case.population_above is not None),
            None,
        )


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
    imputation: Imputation | None = Field(
        default=None,
        description="where its revenue is booked (M57 account, chapter, function) and its tax",
    )

    @cached_property
    def uses_population(self) -> bool:
        """A rule of the offer needs the member's population: a member without one for the
        year cannot be billed it (a party of a cost-sharing convention has none)."""
        return (self.review is not None and self.review.population_threshold is not None) or any(
            part.uses_population() for part in self.parts
        )

    @cached_property
    def quoted(self) -> bool:
        """A part of it bills a mission from its quote (``PartRule.QUOTED``): a
        subscription to it may be quoted and not yet delivered."""
        return any(part.QUOTED for part in self.parts)

    @cached_property
    def prorated(self) -> bool:
        """A part's yearly amount is prorated on joining or leaving during the year."""
        return any(part.PRORATED for part in self.parts)

    @cached_property
    def noting_parts(self) -> tuple[PartRule, ...]:
        """The parts that may leave a note on a statement (``PartRule.notes``)."""
        return tuple(part for part in self.parts if part.NOTES)

    def annual_titled(self, year: int) -> str:
        """The month (``YYYY-MM``) year ``year`` of this annual offer is titled in."""
        return f"{year + 1}-01" if self.titled is Titling.NEXT_JANUARY else f"{year}-12"


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


class Party(Frozen):
    """A party the convention itself names (Rouen: the Métropole, the Ville, the CCAS): a
    tariff that lists its parties has them as its members, instead of a roster. The one
    ``carrier`` runs the service and bills the others: its own share is reported, not
    billed."""

    id: Slug
    name: Text
    carrier: bool = False
    # the identity a titre de recettes names its debtor by (servcommun.identity)
    siren: Siren | None = None
    siret: Siret | None = None
    address: Address | None = None
    addressee: Text | None = None
    chorus_service: Text | None = Field(default=None, max_length=100)
    engagement: Text | None = Field(default=None, max_length=50)


def _power_of_ten(value: Decimal) -> Decimal:
    if value <= ZERO or value != Decimal(1).scaleb(value.adjusted()):
        raise Unsaid(
            msg(
                "must be a power of ten ({example} for a key written to the hundredth)",
                example="0.01",
            )
        )
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


class KeyRounding(Frozen):
    """How a computed key is rounded to its precision: the convention must say it, since
    percentages rounded one by one need not sum to 100 (65,76 + 25,39 + 8,86 = 100,01)."""

    method: Literal["largest-remainder", "half-up"] | None = Field(
        default=None,
        description=(
            "largest-remainder: rounded down, the hundredths left going to the largest "
            "remainders (ties by party id); half-up: each rounded half up, the difference to "
            "100 given to 'remainder_to'"
        ),
    )
    remainder_to: Slug | None = Field(
        default=None, description=("half-up: the party whose share absorbs the difference to 100")
    )
    precision: Literal["none"] | None = Field(
        default=None,
        description=(
            "none: the key is not rounded — each party's share is its salary cost over the "
            "total, applied exactly (instead of a 'method')"
        ),
    )

    @model_validator(mode="after")
    def _method_or_none(self) -> "KeyRounding":
        if (self.method is None) == (self.precision is None):
            raise refusal(
                "key-rounding-form",
                msg(
                    "say how the key is rounded: '{method}' (or half-up), or '{none}' for a "
                    "key applied unrounded, not both or neither",
                    method="method: largest-remainder",
                    none="precision: none",
                ),
            )
        return self

    @property
    def unrounded(self) -> bool:
        """The key is applied as computed, each party's exact share of the salary cost."""
        return self.precision == "none"


class ComputedKey(Frozen):
    """A key computed each year from the budget's ``agents``: a party's percentage is
    Σ cost × share / Σ cost, rounded to the key's ``precision`` as ``rounding`` says."""

    from_: Literal["agents"] = Field(
        alias="from", description=("agents: each agent's time split weighted by its salary cost")
    )
    rounding: KeyRounding


class DatedShares(Frozen):
    """A key's shares in force from 1 January of a year until the next entry's (« la clé
    est actualisée chaque année au 1er janvier »), without a new tariff version."""

    from_: dt.date = Field(alias="from", description="1 January of the first year shared so")
    shares: dict[Text, Percent] = Field(
        min_length=1, description=("member id (a party's id) → percent")
    )
    reference: str = Field(default="", description="the decision that set these shares")
    derivation: KeyDerivation | None = None


class Key(Frozen):
    """A percentage key (clé de référence) the tariff's parts share amounts by: each
    member's percentage, written in the tariff (``shares``, or ``shares_by_year``: dated
    shares, each in force from 1 January) or computed each year from data
    (``computed``)."""

    id: Slug = Field(description="the key's id, as the parts name it ('key: reference')")
    label: str = ""
    article: Text
    precision: Annotated[Decimal, AfterValidator(_power_of_ten)] = Field(
        default=Decimal("0.01"), description="percentage points the key is written to"
    )
    shares: dict[Text, Percent] = Field(
        default={}, description=("member id (a party's id) → percent")
    )
    shares_by_year: tuple[DatedShares, ...] = Field(
        default=(),
        description=("the shares by year, each in force from 1 January until the next"),
    )
    computed: ComputedKey | None = None
    derivation: KeyDerivation | None = None

    @model_validator(mode="after")
    def _written_or_computed(self) -> "Key":
        if self.shares_by_year:
            if self.shares or self.computed is not None or self.derivation is not None:
                raise refusal(
                    "key-source",
                    msg(
                        "a key dated by year writes its shares (and their derivation) in "
                        "each entry of '{dated}': remove the key's own 'shares', "
                        "'computed' or 'derivation'",
                        dated="shares_by_year",
                    ),
                )
            return self
        if bool(self.shares) == (self.computed is not None):
            raise refusal(
                "key-source",
                msg(
                    "give the key's 'shares', or say how it is 'computed' (from the budget's "
                    "agents), not both or neither"
                ),
            )
        return self

    def total(self) -> Decimal:
        return sum(self.shares.values(), ZERO)

    def entry_in(self, year: int) -> DatedShares | None:
        """The dated shares in force in ``year`` (the last entry from its 1 January or
        before); None before the first, or for a key not dated."""
        first = dt.date(year, 1, 1)
        return next((e for e in reversed(self.shares_by_year) if e.from_ <= first), None)

    def written(self) -> tuple[dict[str, Decimal], ...]:
        """Every set of shares the key writes: its ``shares``, or each dated entry's."""
        if self.shares_by_year:
            return tuple(entry.shares for entry in self.shares_by_year)
        return (self.shares,) if self.shares else ()


class ExampleQuote(Frozen):
    date: dt.date
    reference: Text
    quantity: Rate = Field(gt=0)


class ExampleSubscription(Frozen):
    offer: Slug
    start: dt.date | None = None
    end: dt.date | None = None
    delivered: dt.date | None = None
    volumes: tuple[ContractedVolume, ...] = Field(
        default=(),
        description="the volumes of the offer's units contracted each year (minimum, maximum)",
    )
    quote: ExampleQuote | None = None
    quantity: Rate | None = None


class ExampleMember(Frozen):
    id: Text | None = Field(
        default=None,
        description=("the member's id, when a rule names it (a pool's key); one member only"),
    )
    count: int = Field(default=1, ge=1, le=1000)
    population: Population | None = Field(
        default=None,
        description="required when a rule of an offer it holds uses the population",
    )
    attributes: dict[AttributeId, AttributeValue] = Field(
        default={}, description="attribute id → value (the tariff's 'attributes')"
    )
    figures: dict[AttributeId, dict[Year, Rate]] = Field(
        default={}, description="figure id → year → value (the tariff's 'figures')"
    )
    subscriptions: tuple[ExampleSubscription, ...] = ()
    consumption: tuple[Act, ...] = ()
    attribution_compensation: dict[Year, SignedMoney] = Field(
        default={},
        description=("year → attribution de compensation, for statements settled by deduction"),
    )
    settlement: "SettlementMode | None" = None

    @model_validator(mode="before")
    @classmethod
    def _former_fields(cls, data: object) -> object:
        return refuse_former_member_fields(data, "example-migration")


class LineExpectation(Frozen):
    """One line of one member's statement and its amount: the line of that code (of the
    layer, the unit… its ``label`` names, when the part makes several)."""

    member: Text = Field(description="member id (an example member's 'id', a party's id)")
    line: str = Field(description="the line code (<offer>.<part>)")
    label: Text | None = Field(
        default=None,
        description=(
            "the line's label, or its end after ' — ' (a pool's layer): which of the part's "
            "lines, when it makes several"
        ),
    )
    amount: SignedMoney | None = Field(default=None, description="the line's amount")
    basis: dict[str, str] = Field(
        default={},
        description=(
            "figure of the line's basis (its name, dotted as in the JSON 'basis_data': "
            "share.weight, layer.counted) → its value: a quantity, a unit amount the line states"
        ),
    )

    @model_validator(mode="after")
    def _something_expected(self) -> "LineExpectation":
        if self.amount is None and not self.basis:
            raise refusal(
                "single-line",
                msg(
                    "give the line's 'amount', or figures of its 'basis' ({example}), or both",
                    example='basis: {share.weight: "6.5"}',
                ),
            )
        return self


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
    single_lines: tuple[LineExpectation, ...] = Field(
        default=(),
        description=("single lines of one member: member, line code, label, amount"),
    )
    offers: dict[Slug, SignedMoney] = Field(default={})
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
    instalments: dict[Text, tuple[Money, ...]] = Field(
        default={},
        description=("member id → the amount of each instalment called in advance, in order"),
    )
    balances: dict[Text, SignedMoney] = Field(
        default={},
        description=(
            "member id → its final statement: the year's amount less the advances issued "
            "(negative: a credit)"
        ),
    )


class WorkedExample(Frozen):
    """A figure of the convention text, recomputed by ``servcommun check``."""

    title: Text
    article: Text
    year: Year
    members: tuple[ExampleMember, ...] = Field(
        default=(),
        description=(
            "the members billed (for a tariff that names its parties, they are billed: a "
            "member here only gives a party's acts, by its id)"
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
    last_year: dict[Text, Money] = Field(
        default={},
        description=(
            "member id → its final amount of the year before, the base of advances called on "
            "last year's base"
        ),
    )
    advances_issued: dict[Text, Money] = Field(
        default={},
        description=(
            "member id → the advances issued for the year, deducted by the final statement"
        ),
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


class AdvanceBase(StrEnum):
    FORECAST = "forecast"  # the year's bill as computed when an instalment is called
    LAST_YEAR = "last-year"  # the final amount of the year before (a call on last year's base)


class Schedule(StrEnum):
    QUARTERLY = "quarterly"  # 1 January, 1 April, 1 July, 1 October
    HALF_YEARLY = "half-yearly"  # 1 January, 1 July
    MONTHLY = "monthly"  # the first day of every month


SCHEDULE_MONTHS = {
    Schedule.QUARTERLY: (1, 4, 7, 10),
    Schedule.HALF_YEARLY: (1, 7),
    Schedule.MONTHLY: tuple(range(1, 13)),
}


def _month_day(value: str) -> str:
    try:
        dt.date(2023, int(value[:2]), int(value[3:]))  # 29 February would miss three years
    except ValueError:
        raise Unsaid(
            msg("must be a day of the year, MM-DD ({example} for 15 April)", example="04-15")
        ) from None
    return value


MonthDay = Annotated[str, Field(pattern=r"^[0-9]{2}-[0-9]{2}$"), AfterValidator(_month_day)]


def _one_a_month(days: tuple[str, ...]) -> tuple[str, ...]:
    months = [day[:2] for day in days]
    if not days or len(set(months)) != len(months) or months != sorted(months):
        raise Unsaid(
            msg(
                "must list the instalments' days in order, one a month at most (an "
                "instalment is the titre of its month): {example}",
                example='["01-15", "05-15", "09-15"]',
            )
        )
    return days


class Advances(Frozen):
    """Advances (acomptes) called during the year, then the final statement (décompte
    définitif): the year's amount less the advances issued, a credit when negative."""

    article: Text
    base: AdvanceBase = Field(
        default=AdvanceBase.FORECAST,
        description=(
            "what the instalments split: the year's forecast amount (forecast) or the final "
            "amount of the year before (last-year)"
        ),
    )
    schedule: Schedule | Annotated[tuple[MonthDay, ...], AfterValidator(_one_a_month)] = Field(
        description=(
            "when the instalments are called: quarterly, half-yearly, monthly, or their days "
            "of the year (MM-DD), in order"
        ),
    )
    offers: tuple[Slug, ...] = Field(
        default=(),
        description="the annual offers called in advances (absent: every annual offer)",
    )

    def dates(self, year: int) -> list[dt.date]:
        """The days the instalments of ``year`` are called, in order."""
        if isinstance(self.schedule, Schedule):
            return [dt.date(year, month, 1) for month in SCHEDULE_MONTHS[self.schedule]]
        return [dt.date(year, int(day[:2]), int(day[3:])) for day in self.schedule]

    def covers(self, offer: Offer) -> bool:
        """Whether ``offer`` is called in advances."""
        return offer.billing is Billing.ANNUAL and (not self.offers or offer.id in self.offers)


class Tariff(TariffBase):
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
    attributes: tuple[Attribute, ...] = Field(
        default=(),
        description=(
            "the members' attributes its rules read (own_it_department…): a roster's are "
            "checked against them"
        ),
    )
    figures: tuple[Figure, ...] = Field(
        default=(),
        description=(
            "the figures members declare by year that its rules read (a salary mass): a "
            "roster's are checked against them"
        ),
    )
    exclusive_categories: tuple[tuple[Category, ...], ...] = Field(
        default=(),
        description=(
            "groups of categories (a yes/no attribute, or 'attribute=value') a member holds "
            "one of at most"
        ),
    )
    member_ids: tuple[MemberIdForm, ...] = Field(
        default=(),
        description=(
            "the forms of member ids accepted beside INSEE codes and SIREN numbers (an "
            "association's RNA number)"
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
    advances: Advances | None = Field(
        default=None,
        description=(
            "the annual offers called in instalments during the year, then settled by a final "
            "statement (décompte définitif)"
        ),
    )
    examples: tuple[WorkedExample, ...] = ()

    def offer(self, offer_id: str) -> Offer | None:
        return self._offers_by_id.get(offer_id)

    def parts(self) -> list[tuple[Offer, PartRule]]:
        """Every part of the tariff, with its offer."""
        return [(offer, part) for offer in self.offers for part in offer.parts]

    def has_pools(self) -> bool:
        """A rule shares an amount between the members (a pool, budget lines by a key)."""
        return any(part.SHARED for _, part in self.parts())

    def takes_budget(self) -> bool:
        """A rule of the tariff takes the year's budget (the service's budget file): a pool
        shares its total, a unit cost is computed from it, its lines are shared by a key,
        a key a part shares by is computed from its agents."""
        return any(part.takes_budget() for _, part in self.parts()) or any(
            key.computed is not None for key in self.keys_used()
        )

    def needs_units_of_operation(self) -> bool:
        """A rule is computed from the year's units of operation (CGCT D5211-16)."""
        return any(part.needs_units_of_operation() for _, part in self.parts())

    def uses_population(self) -> bool:
        return any(offer.uses_population for offer in self.offers)

    @cached_property
    def carrier(self) -> Party | None:
        """The party that runs the service and bills the others, if the tariff names one
        (asked for every member billed)."""
        return next((party for party in self.parties if party.carrier), None)

    def party(self, party_id: str) -> Party | None:
        return next((party for party in self.parties if party.id == party_id), None)

    def attribute(self, attribute_id: str) -> Attribute | None:
        return self._attributes.get(attribute_id)

    @cached_property
    def _attributes(self) -> dict[str, Attribute]:
        """The declared attributes by id (asked for every member billed)."""
        return {attribute.id: attribute for attribute in self.attributes}

    def figure(self, figure_id: str) -> Figure | None:
        return next((f for f in self.figures if f.id == figure_id), None)

    def key(self, key_id: str) -> Key | None:
        # a scan, not a cached dict: simulate widens a key in a copy of the tariff
        return next((key for key in self.keys if key.id == key_id), None)

    def keys_used(self, offers: Collection[str] | None = None) -> list[Key]:
        """The tariff's keys the parts of ``offers`` (None: of every offer) share by."""
        named = {
            key_id
            for offer, part in self.parts()
            if offers is None or offer.id in offers
            for key_id in part.key_ids()
        }
        return [key for key in self.keys if key.id in named]

    def keyed_parts(self) -> list[tuple[Offer, PartRule]]:
        """Every part that shares the year's budget lines by a key, with its offer."""
        return [(offer, part) for offer, part in self.parts() if part.SHARES_BUDGET_LINES]

    def shared_key(self) -> Key | None:
        """The key the budget lines are shared by (the first part's sharing them, a
        management fee aside), else the tariff's first key: the one a share is derived
        in, or a newcomer joins."""
        named = [
            key_id for _, part in self.keyed_parts() if not part.FEE for key_id in part.key_ids()
        ]
        return next(
            (key for key_id in named if (key := self.key(key_id))),
            self.keys[0] if self.keys else None,
        )

    def indexations(self) -> list[Indexation]:
        """Every indexation of the tariff's parts (the index files its bill needs)."""
        return [indexation for _, part in self.parts() for indexation in part.indexations()]

    @cached_property
    def _offers_by_id(self) -> dict[str, Offer]:
        # looked up for every member and rule: a dict once, not a scan each time
        return {offer.id: offer for offer in self.offers}
