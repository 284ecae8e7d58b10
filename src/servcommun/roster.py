"""Roster models: the members of a service, their populations and subscriptions.

A roster is kept in YAML (hand editing) or CSV (bulk: one row a member, see
``roster_rows_to_data``). Member ids are INSEE codes or SIREN numbers, always text, or
ids of the other forms the tariff declares (``member_ids``: an association's RNA number).
"""

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Annotated, Any, Self, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)

from servcommun.engine.context import Overrides
from servcommun.identity import Address, Siren, Siret
from servcommun.message import Message, Unsaid, msg
from servcommun.roster_population import RosterPopulation
from servcommun.tariff import Deliberation, PopulationKind, SettlementMode
from servcommun.terms import (
    Act,
    AttributeId,
    AttributeValue,
    ContractedVolume,
    Frozen,
    Money,
    Population,
    Rate,
    SignedMoney,
    Slug,
    Text,
    Year,
    refusal,
    refuse_former_member_fields,
)

_MEMBER_ID = re.compile(r"(\d{5}|2[AB]\d{3}|\d{9})")
# departments 00 and 96 do not exist; 20 became 2A and 2B in 1976
_NO_DEPARTMENT = ("00", "20", "96")
# an id of another form the tariff declares (``member_ids``): checked against its forms
_OTHER_ID = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"


def is_insee_or_siren(value: str) -> bool:
    """``value`` is an INSEE code (5 characters) or a SIREN number (9 digits)."""
    return _MEMBER_ID.fullmatch(value) is not None and not (
        len(value) == 5 and value.startswith(_NO_DEPARTMENT)
    )


def is_insee_code(value: str) -> bool:
    """``value`` is a commune's INSEE code (not a SIREN, not an id of another form)."""
    return len(value) == 5 and is_insee_or_siren(value)


def _member_id(value: str) -> str:
    if is_insee_or_siren(value):
        return value
    hint = _mistyped_code(value)
    if hint is None and re.fullmatch(_OTHER_ID, value):
        return value  # another form: the roster's check matches it to the tariff's forms
    raise refusal("member-id", hint or member_id_hint(value))


def member_id_hint(value: str) -> Message:
    """What is wrong with a member id, and the likely intended one."""
    return _mistyped_code(value) or msg(
        '\'{value}\' is neither an INSEE code (5 characters: "35236", Corsica "2A004") nor '
        "a SIREN number (9 digits)",
        value=value,
    )


def _mistyped_code(value: str) -> Message | None:
    """What is wrong with an id that looks like a mistyped INSEE code or SIREN, if it is
    one (a lost leading zero, Corsica's department 20, spaces)."""
    squeezed = re.sub(r"[\s.\u00a0\u202f]", "", value).upper()
    if len(value) == 4 and value.isdigit():
        return msg(
            "'{value}' has 4 digits, an INSEE code 5: it probably lost its leading zero, "
            'write "{code}" (quoted)',
            value=value,
            code="0" + value,
        )
    if len(value) == 5 and value.startswith("20") and value.isdigit():
        return msg(
            "'{value}': Corsican communes are coded 2A (Corse-du-Sud) or 2B (Haute-Corse) "
            'since 1976: write "{south}" or "{north}"',
            value=value,
            south="2A" + value[2:],
            north="2B" + value[2:],
        )
    if len(value) == 5 and value.startswith(("00", "96")):
        return msg(
            "'{value}': there is no department {department}", value=value, department=value[:2]
        )
    if squeezed != value and re.fullmatch(_MEMBER_ID, squeezed):
        return msg("'{value}' is not well-formed: write \"{code}\"", value=value, code=squeezed)
    return None


MemberId = Annotated[
    str,
    AfterValidator(_member_id),
    Field(
        description=(
            "INSEE code (5 characters, Corsica 2A/2B) or SIREN (9 digits), as text, or an id "
            "of a form the tariff declares under 'member_ids'"
        ),
        json_schema_extra={"pattern": _OTHER_ID},
    ),
]


_NONE: dict[Any, Any] = {}
"""The one empty mapping every member that gives no figures of a kind holds: 35 000
members would otherwise hold five empty dicts each. Members are frozen and nothing
writes into their mappings (a change makes a new member, with new mappings)."""


def _none() -> dict[Any, Any]:
    return _NONE


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
"""One set of the names of the fields given for each combination of them (Pydantic
keeps such a set in every model, 728 bytes for a member's five names): the members of
a roster give a few combinations between them."""


def _share_fields_set(model: BaseModel) -> None:
    """``model`` holds the set of its given fields' names shared with the models that
    give the same. Pydantic never changes a frozen model's set: a copy gets a copy."""
    given = model.__pydantic_fields_set__
    shared = _FIELDS_SETS.setdefault(frozenset(given), given)
    if shared is not given:
        object.__setattr__(model, "__pydantic_fields_set__", shared)


VALIDATED = "validated"
"""The key, in a validation's context, of what it validated by its data (``_plain_key``)
or value: ``{VALIDATED: {}}`` lets a roster's equal subscriptions be one model, its equal
populations and attributes one mapping."""


def _plain_key(kind: str, data: object) -> tuple[object, ...] | None:
    """``data``, of a ``kind``, as a key, when it is a mapping of text to text or dates,
    which equal data are validated alike (of numbers, ``1`` equals ``True`` and ``1.0``);
    else None."""
    if type(data) is not dict:
        return None
    for name, value in data.items():
        if type(name) is not str or type(value) not in _PLAIN:
            return None
    return (kind, *data.items())


_PLAIN = (str, dt.date)


class Quote(Frozen):
    """The quote of a one-off mission (an engineering study, an audit): its date — the
    prices of that day apply —, its reference and the quantity it estimates."""

    date: dt.date = Field(description="the quote's date: the prices in force that day apply")
    reference: Text = Field(description="the quote's reference (« devis n° 2025-014 »)")
    quantity: Rate = Field(gt=0, description="the quantity quoted (days, half-days)")


class Subscription(Frozen):
    """A subscription to an offer: ``start``/``end`` for an annual offer (``end`` included),
    ``delivered`` for a one-off service (the date the audit report was delivered); for a
    mission priced by the unit, its ``quote`` and the ``quantity`` actually delivered."""

    offer: Slug
    start: dt.date | None = None
    end: dt.date | None = None
    delivered: dt.date | None = None
    volumes: tuple[ContractedVolume, ...] = Field(
        default=(),
        description="the volumes of the offer's units contracted each year (minimum, maximum)",
    )
    quote: Quote | None = Field(
        default=None,
        description="a mission's quote: date, reference, quantity estimated",
    )
    quantity: Rate | None = Field(
        default=None,
        description="the quantity actually delivered (absent: as quoted)",
    )

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if start and end and end < start:
            raise refusal(
                "subscription-order",
                msg(
                    "end {end:date} is before start {start:date}: the end date (included) "
                    "comes on or after the start",
                    end=end,
                    start=start,
                ),
            )
        return end

    @model_validator(mode="after")
    def _a_date(self) -> "Subscription":
        if self.start is None and self.delivered is None and self.quote is None:
            raise Unsaid(msg("give 'start' (annual offer) or 'delivered' (one-off service)"))
        return self

    # one model for each distinct subscription a roster writes with plain values: 35 000
    # members subscribe to their offers from a few hundred dates between them (a CSV
    # roster's are text, a YAML roster's dates): each distinct one is validated once. Only
    # in a validation that keeps its models (``loader.validate``'s context), never for a
    # Subscription(...) being made, which is that very model
    @model_validator(mode="wrap")
    @classmethod
    def _shared(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        context = info.context
        validated = context.get(VALIDATED) if isinstance(context, dict) else None
        key = _plain_key("subscription", data) if validated is not None else None
        if validated is None or key is None:
            return handler(data)
        subscription = validated.get(key)
        if subscription is None:
            subscription = validated[key] = handler(data)  # not kept if refused
        return cast(Self, subscription)

    def active_in(self, year: int) -> bool:
        """Active on at least one day of ``year`` (annual offers)."""
        if self.start is None:
            return False
        return self.start.year <= year and (self.end is None or self.end.year >= year)


class Override(Frozen):
    """A negotiated arrangement (art. 7.1 (*)): the ``amount`` that replaces one ``part``
    of an offer, or (no part named) the offer's negotiated parts — its price, the credits,
    floors and units beyond an allowance still applying — with the ``reference`` of the
    decision."""

    offer: Slug
    part: Slug | None = Field(
        default=None,
        description="the code of the part it replaces (absent: the offer's negotiated parts)",
    )
    reference: Text
    year: Year | None = Field(default=None, description="absent: every year")
    amount: Money

    @model_validator(mode="before")
    @classmethod
    def _fixed_is_a_part(cls, data: object) -> object:
        if isinstance(data, dict) and "fixed" in data:
            written = f"part: fixed, amount: {data['fixed']}"
            raise refusal(
                "override-migration",
                msg(
                    "'fixed' is now the part it replaces: write '{written}' (the code of the "
                    "offer's bracket part)",
                    written=written,
                ),
            )
        return data


class Member(Frozen):
    id: MemberId
    name: Text
    population: dict[Year, Population] = Field(
        default_factory=_none,
        # required when a rule of an offer it holds uses the population (population_problems)
        description="legal population in force on 1 January, by year",
    )
    attributes: dict[AttributeId, AttributeValue] = Field(
        default_factory=_none,
        description="attribute id → value, as the tariff's 'attributes' declare them",
    )
    figures: dict[AttributeId, dict[Year, Rate]] = Field(
        default_factory=_none,
        description="figure id → year → value, as the tariff's 'figures' declare them",
    )
    # legal populations (servcommun.roster_population): the SIREN, figures of other kinds
    siren: Siren | None = None
    populations: dict[PopulationKind, dict[Year, Population]] = Field(
        default_factory=_none, description="figures of kinds other than 'population's, by year"
    )
    subscriptions: tuple[Subscription, ...] = ()
    consumption: tuple[Act, ...] = Field(
        default=(),
        description=(
            "units consumed (acts by type and date), billed by the tariff's unit-price parts"
        ),
    )
    attribution_compensation: dict[Year, SignedMoney] = Field(
        default_factory=_none,
        description=(
            "attribution de compensation by year (negative: paid by the member), for statements "
            "settled by deduction from it"
        ),
    )
    settlement: SettlementMode | None = Field(
        default=None,
        description=("this member's way of settling, when it differs from the tariff's"),
    )
    overrides: tuple[Override, ...] = ()
    # the identity a titre de recettes names its debtor by (servcommun.identity)
    siret: Siret | None = None
    address: Address | None = None
    addressee: Text | None = Field(default=None, description="« Monsieur le Maire »")
    chorus_service: Text | None = Field(
        default=None, max_length=100, description="its Chorus Pro service code"
    )
    engagement: Text | None = Field(
        default=None, max_length=50, description="its engagement number, for Chorus Pro"
    )
    deliberation: Deliberation | None = Field(
        default=None, description="its own deliberation joining the service"
    )

    def population_in(self, year: int) -> int | None:
        return self.population.get(year)

    def volume_for(self, offer: str, unit: str, year: int) -> ContractedVolume | None:
        """The volume of ``unit`` its subscription to ``offer`` contracts for ``year``."""
        for subscription in self.subscriptions:
            if subscription.offer == offer and subscription.active_in(year):
                for volume in subscription.volumes:
                    if volume.unit == unit:
                        return volume
        return None

    def acts_in(self, year: int, units: Collection[str]) -> list[Act]:
        """The acts of ``year`` of the given units, in date order (stable for a same day)."""
        return sorted(
            (act for act in self.consumption if act.date.year == year and act.unit in units),
            key=lambda a: a.date,
        )

    def overrides_for(self, offer: str, year: int) -> Overrides | None:
        """The overrides of ``offer`` in ``year`` (of the whole offer, of each part), or
        None without any. An override for the very year wins over a standing one."""
        if not self.overrides:  # the common case, asked for every member and offer
            return None
        matching = sorted(
            (o for o in self.overrides if o.offer == offer and o.year in (None, year)),
            key=lambda o: o.year is not None,
        )
        if not matching:
            return None
        whole = [o for o in matching if o.part is None]
        parts = {o.part: o for o in matching if o.part is not None}
        return Overrides(whole[-1] if whole else None, parts)

    # a wrap validator: the former fields refused before the fields are validated, and
    # what the member holds shared after, in one call for each member
    @model_validator(mode="wrap")
    @classmethod
    def _former_fields(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        member = handler(refuse_former_member_fields(data, "roster-migration"))
        _share_fields_set(member)
        context = info.context
        validated = context.get(VALIDATED) if isinstance(context, dict) else None
        if validated is not None:
            _share_mappings(member, validated)
        return member


def _share_mappings(member: Member, validated: dict[Any, Any]) -> None:
    """``member`` holds the mapping of populations, and of attributes, that it shares with
    the members of its roster giving equal ones (35 000 members of a few thousand
    populations, of one or two attributes' values between them). Not those with a
    number among their attributes' values: ``Decimal("1.0")`` equals ``1`` and ``True``."""
    fields = member.__dict__
    population = fields["population"]
    if population:  # whole numbers, by year
        fields["population"] = validated.setdefault(("population", *population.items()), population)
    attributes = fields["attributes"]
    if attributes and Decimal not in map(type, attributes.values()):
        fields["attributes"] = validated.setdefault(("attributes", *attributes.items()), attributes)


def member_years(member: Member) -> list[int]:
    """The years a member's figures are given for: its populations', or, for a body
    without one (no rule of its offers uses it), the first years of its subscriptions."""
    if member.population:
        return sorted(member.population)
    return sorted({day.year for s in member.subscriptions for day in (s.start, s.delivered) if day})


class Roster(Frozen):
    schema_: str | None = Field(default=None, alias="$schema")
    service: Slug
    note: str = ""
    illustrative: bool = Field(
        default=False,
        description=(
            "members and figures invented for an example: the documents sent from it are marked so"
        ),
    )
    population: RosterPopulation | None = Field(
        default=None, description="the kind, millésimes and source of the members' populations"
    )
    members: tuple[Member, ...]


class ConsumptionAct(Act):
    """An act of a consumption file: the member it was consumed by, then as in a roster."""

    member: MemberId


class Consumption(Frozen):
    """A consumption file (YAML, or CSV for bulk: columns ``member``, ``unit``, ``date``,
    ``quantity``, ``reference``): the acts of the members of a service, merged into its
    roster when billing."""

    schema_: str | None = Field(default=None, alias="$schema")
    service: Slug
    title: str = ""
    note: str = ""
    illustrative: bool = Field(
        default=False, description="figures invented for an example: said on the bill"
    )
    acts: tuple[ConsumptionAct, ...] = Field(min_length=1)
