"""The terms tariffs, rosters and budgets are written in: frozen models, the scalar types
of their fields (amounts exact to the cent, rates, years, populations, ids), and the small
records several rules share (population brackets, roundings, indexations, consumed
units and acts, cost lines, agents, units of operation).
"""

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from servcommun.message import Message, msg
from servcommun.money import (
    ZERO,
    exact_decimal,
    fraction_to_cents,
    has_cents_only,
    to_cents,
)


class Frozen(BaseModel):
    """Base of every input model: immutable, unknown keys refused."""

    # defer_build: a model's validator is built when a file of its kind is first read,
    # not when the module is imported; a bill whose roster comes from the cache never
    # builds the roster's
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


def refusal(code: str, message: Message) -> PydanticCustomError:
    """A validator's refusal of a value: its diagnostic ``code`` and its explanation, a
    ``Message`` the loader says in the reader's language (Pydantic's own text of the
    error is the message's English template)."""
    return PydanticCustomError(code, message.text, {"message": message})


def _written(value: Decimal) -> str:
    """A figure refused, quoted as the file writes it (``1500.005``, ``1E+30``): the reader
    finds it there, whatever the language."""
    return str(value)


LIMIT = Decimal(10) ** 12
"""No figure of a tariff or roster reaches a thousand billion: beyond it, a typo (and
products of such numbers would outgrow the 28 digits Decimal computes with)."""


def _non_negative(value: Decimal) -> Decimal:
    if value < ZERO:
        raise refusal("negative", msg("must not be negative (got {value})", value=_written(value)))
    return value


def _exact_to_the_cent(value: Decimal) -> Decimal:
    if not has_cents_only(value):
        raise refusal(
            "money-precision",
            msg(
                "amount {value} cannot be paid exactly: write it to the cent, at most two decimals",
                value=_written(value),
            ),
        )
    return value


def _bounded(value: Decimal) -> Decimal:
    if abs(value) >= LIMIT:
        raise refusal(
            "too-large",
            msg(
                "{value} is beyond any plausible figure (at most {largest:decimal})",
                value=_written(value),
                largest=LIMIT - Decimal("0.01"),
            ),
        )
    return value


# each type's checks in one validator, in their order (the first that fails refuses the
# value): Pydantic inspects a validator's signature for every field using it, and these
# types are the figures of some hundred fields of a tariff
def _money(value: Decimal) -> Decimal:
    return _exact_to_the_cent(_non_negative(_bounded(value)))


def _signed_money(value: Decimal) -> Decimal:
    return _exact_to_the_cent(_bounded(value))


def _rate(value: Decimal) -> Decimal:
    return _non_negative(_bounded(value))


Money = Annotated[Decimal, AfterValidator(_money)]
"""An amount in the tariff's currency, non-negative, exact to the cent."""

SignedMoney = Annotated[Decimal, AfterValidator(_signed_money)]

Rate = Annotated[Decimal, AfterValidator(_rate)]
"""A non-negative decimal of any precision (a price per inhabitant, a number of days)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

Year = Annotated[int, Field(ge=1900, le=2999)]

Population = Annotated[int, Field(gt=0, lt=1_000_000_000)]
"""A commune's or group's number of inhabitants (France has fewer than 10⁸)."""

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]

Percent = Annotated[Decimal, AfterValidator(_rate)]

IndexValue = Annotated[Decimal, AfterValidator(_bounded), Field(gt=0)]
"""A value of a price or wage index (INSEE's 1.50-style base 100 figures): positive."""


AttributeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
"""The id of a member attribute, as a roster and a CSV column write it (own_it_department)."""

AttributeValue = Annotated[StrictBool | Decimal | str, Field(union_mode="left_to_right")]
"""A member attribute's value: yes or no, a number, or one of the declared choices."""

Category = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_-]*(=\S(.*\S)?)?$"),
    Field(
        description=(
            "a category of member: a yes/no attribute it has ('ccas'), or a choice attribute's "
            "value ('body=association')"
        )
    ),
]
"""A category of member: a boolean attribute it has, or ``attribute=value``."""


def category_parts(category: str) -> tuple[str, str | None]:
    """``body=association`` as (``body``, ``association``); ``ccas`` as (``ccas``, None)."""
    attribute, _, value = category.partition("=")
    return attribute, (value if value else None)


def holds_category(attributes: Mapping[str, object], category: str) -> bool:
    """A member with ``attributes`` is of ``category``: the yes/no attribute is yes, or the
    attribute has the value."""
    attribute, value = category_parts(category)
    held = attributes.get(attribute)
    return held is True if value is None else held == value


def refuse_former_member_fields(data: object, code: str) -> object:
    """A member (of a roster or a worked example) written in the former forms gets the
    one-line message naming the new form, as ``code``; else ``data`` as it is."""
    if isinstance(data, dict) and "own_it_department" in data:
        raise refusal(
            code,
            msg(
                "'{field}' is an attribute the tariff declares: write '{written}'",
                field="own_it_department",
                written="attributes: {own_it_department: true}",
            ),
        )
    if isinstance(data, dict) and "engineering_days" in data:
        raise refusal(
            code,
            msg(
                "'{field}' is gone: days used are units consumed, like acts — write them "
                "under 'consumption' ('{written}'), with the unit the tariff's "
                "units-beyond-allowance part counts",
                field="engineering_days",
                written="- {unit: jour-ingenierie, date: 2026-12-31, quantity: 5}",
            ),
        )
    return data


class Billing(StrEnum):
    ANNUAL = "annual"
    ONE_OFF = "one-off"


class Proration(StrEnum):
    NONE = "none"  # active on any day of year N: owes the whole of year N
    MONTH = "month"  # months begun in the year / 12: a month begun is due in full
    DAY = "day"  # days subscribed in the year / days of the year (365 or 366)


class Bracket(Frozen):
    """A contiguous integer population range, both ends included; ``to`` absent: open."""

    from_: int = Field(alias="from", ge=0)
    to: int | None = Field(default=None, ge=0)

    def contains(self, population: int) -> bool:
        return self.from_ <= population and (self.to is None or population <= self.to)

    @cached_property
    def label(self) -> Message:
        """The bracket as a basis says it: ``1500–2999``, ``below 1500``, ``above 8000``."""
        if self.to is None:
            if self.from_:
                return msg("above {limit:count}", limit=self.from_ - 1)
            return msg("every population")
        if self.from_ == 0:
            return msg("below {limit:count}", limit=self.to + 1)
        return msg("{start:count}–{end:count}", start=self.from_, end=self.to)


class AmountBracket(Bracket):
    amount: Money


class QuantityBracket(Bracket):
    quantity: Rate


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
    step: Rate | None = Field(
        default=None,
        gt=0,
        description=(
            "the step quantities of this unit are counted in (half-days: 0.5, hours: 1): an "
            "act off the step is refused by check"
        ),
    )
    rounding: RoundingMode | None = Field(
        default=None,
        description=(
            "how an act off the step is rounded to it when billed (up: any half-day begun "
            "is due); absent: an act off the step is refused"
        ),
    )
    weekly_maximum: Rate | None = Field(
        default=None,
        gt=0,
        description=(
            "the most a member may consume of this unit in one ISO week (Monday to Sunday): "
            "an act beyond it is refused by check"
        ),
    )

    minimum_due: bool = Field(
        default=False,
        description=(
            "a subscription's contracted minimum of this unit not reached in a year is "
            "billed: the shortfall at the unit's price (else the statement notes it)"
        ),
    )

    @model_validator(mode="after")
    def _rounding_has_a_step(self) -> "ConsumedUnit":
        if self.rounding is not None and self.step is None:
            raise refusal(
                "rounding-step",
                msg(
                    "unit '{unit}' rounds its acts but says no step to round them to: add "
                    "'{written}' (or remove 'rounding')",
                    unit=self.id,
                    written='step: "0.5"',
                ),
            )
        return self

    def billed(self, quantity: Decimal | Fraction) -> Decimal | Fraction:
        """The quantity billed for an act of ``quantity``: rounded to the step as the unit
        says (up: 0.3 day in half-days → 0.5; exactly, for a fraction), else as consumed."""
        if self.rounding is None or self.step is None:
            return quantity
        steps = exact(quantity) / exact(self.step)
        whole = {
            RoundingMode.UP: math.ceil(steps),
            RoundingMode.DOWN: math.floor(steps),
            RoundingMode.HALF_UP: math.floor(steps + Fraction(1, 2)),
        }[self.rounding]
        return whole * self.step


def _positive_quantity(value: Decimal | Fraction) -> Decimal | Fraction:
    """A fraction read exactly: a decimal when one writes it (1/2 → 0.5), else kept as a
    fraction (1/3); positive and bounded like any quantity."""
    if isinstance(value, Fraction):
        if value <= 0:
            raise refusal(
                "quantity-fraction",
                msg(
                    "a quantity is positive (got {value}): write a fraction such as '1/3'",
                    value=str(value),
                ),
            )
        if value >= LIMIT:
            raise refusal(
                "too-large",
                msg(
                    "{value} is beyond any plausible figure (at most {largest:decimal})",
                    value=str(value),
                    largest=LIMIT - Decimal("0.01"),
                ),
            )
        written = exact_decimal(value)
        return value if written is None else written
    return value


_FRACTION = re.compile(r"^\s*(-?[0-9]{1,13})\s*/\s*([0-9]{1,13})\s*$")


def _read_fraction(value: object) -> object:
    """``"1/3"``: two whole numbers, the second not zero; else refused saying so."""
    if isinstance(value, Fraction):
        return value
    found = _FRACTION.match(str(value))
    if found is None or int(found[2]) == 0:
        raise refusal(
            "quantity-fraction",
            msg(
                "{value} is not a fraction of a unit: write two whole numbers, the second "
                "not zero, such as '1/3' (or a decimal such as 1.5)",
                value=str(value),
            ),
        )
    return Fraction(int(found[1]), int(found[2]))


def _quantity_kind(value: object) -> str:
    # the tags are no keys of a file (capitalised): a diagnostic does not name them
    if isinstance(value, Fraction) or (isinstance(value, str) and "/" in value):
        return "Fraction"
    return "Decimal"


Quantity = Annotated[
    Annotated[
        Decimal,
        Field(gt=0),
        AfterValidator(_rate),
        Tag("Decimal"),
    ]
    | Annotated[Fraction, BeforeValidator(_read_fraction), Tag("Fraction")],
    Discriminator(_quantity_kind),
    AfterValidator(_positive_quantity),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"},
                {"type": "string", "pattern": r"^\s*\d+\s*/\s*\d+\s*$"},
            ]
        }
    ),
]
"""A quantity consumed: a positive decimal (1.5), or a fraction read exactly ('1/3' of a
day), kept as a ``Fraction`` when no decimal writes it."""


def exact(value: Decimal | Fraction) -> Fraction:
    """A quantity as an exact fraction, for sums that mix decimals and fractions."""
    return value if isinstance(value, Fraction) else Fraction(value)


def as_quantity(value: Fraction) -> Decimal | Fraction:
    """An exact sum of quantities, as a decimal when one writes it (3 × 1/3 → 1)."""
    written = exact_decimal(value)
    return value if written is None else written


def add_quantities(first: Decimal | Fraction, second: Decimal | Fraction) -> Decimal | Fraction:
    """``first`` + ``second``, exactly: decimals as decimals, else as a fraction (a decimal
    again when one writes the sum: 3 × 1/3 → 1)."""
    if isinstance(first, Decimal) and isinstance(second, Decimal):
        return first + second
    return as_quantity(exact(first) + exact(second))


def priced(quantity: Decimal | Fraction, price: Decimal) -> Decimal:
    """``quantity`` × ``price`` rounded to the cent once, exactly for a fraction
    (3 × 1/3 day at 300.00 = 300.00, not 299.99)."""
    if isinstance(quantity, Decimal):
        return to_cents(quantity * price)
    return fraction_to_cents(quantity * exact(price))


def as_decimal(value: Decimal | Fraction) -> Decimal:
    """A quantity as a decimal: itself, or an exact sum divided out once (1/3 → 0.333…)."""
    if isinstance(value, Decimal):
        return value
    written = exact_decimal(value)
    return written if written is not None else Decimal(value.numerator) / value.denominator


def said_quantity(value: Decimal | Fraction) -> Message:
    """A quantity as a basis or a diagnostic says it: 1.5, 1/3, 2 1/3."""
    if isinstance(value, Decimal):
        return msg("{quantity:number}", quantity=value)
    written = exact_decimal(value)
    if written is not None:
        return msg("{quantity:number}", quantity=written)
    whole, rest = divmod(value.numerator, value.denominator)
    if whole:
        return msg(
            "{whole:count} {numerator:count}/{denominator:count}",
            whole=whole,
            numerator=rest,
            denominator=value.denominator,
        )
    return msg(
        "{numerator:count}/{denominator:count}", numerator=rest, denominator=value.denominator
    )


class Act(Frozen):
    """Units a member consumed on a date: one building-permit act, 120 payslips of a month,
    1.5 days. Billed by the ``unit-price`` part that lists its unit."""

    unit: Slug
    date: dt.date
    quantity: Quantity = Field(
        default=Decimal(1),
        description="a number (1.5) or a fraction read exactly ('1/3' of a day)",
    )
    reference: str = Field(default="", description="the file or dossier number, for the record")


class ContractedVolume(Frozen):
    """The volume of a unit a subscription contracts for each calendar year: between a
    ``minimum`` and a ``maximum`` (hours of staff made available). Beyond the maximum, an
    act is refused by check; below the minimum at the year's end, the shortfall is billed
    when the tariff's unit says ``minimum_due``, else the statement notes it."""

    unit: Slug
    minimum: Rate | None = Field(default=None, gt=0, description="the least due each year")
    maximum: Rate | None = Field(default=None, gt=0, description="the most allowed each year")
    reference: str = Field(default="", description="the clause or order that contracts it")

    @model_validator(mode="after")
    def _bounds(self) -> "ContractedVolume":
        if (self.minimum is None and self.maximum is None) or (
            self.minimum is not None and self.maximum is not None and self.minimum > self.maximum
        ):
            raise refusal(
                "volume-bounds",
                msg(
                    "a contracted volume gives a 'minimum', a 'maximum' or both, the minimum "
                    "not above the maximum: write '{written}'",
                    written='{unit: heure, minimum: "100", maximum: "400"}',
                ),
            )
        return self


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
