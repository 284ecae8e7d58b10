"""``pool-share``: a cost pool shared between the members holding the offer, layer by layer
— a minimum share for one party, a share by units used, the rest by population, or by a
percentage key — each layer by the largest remainder, so that the shares sum exactly to
the layer and the layers to the pool."""

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from servcommun.engine.context import MissingData, PoolOutcome, units_used
from servcommun.engine.keys import KeyComputationError, YearKey, year_key
from servcommun.engine.result import Line
from servcommun.key_checks import (
    DEFAULT_PRECISION,
    did_you_mean,
    key_shares,
    listing,
    undefined_key,
)
from servcommun.language import N_
from servcommun.message import Message, msg, msg_n
from servcommun.money import HUNDRED, ZERO, allocate, to_cents
from servcommun.rules.base import PartRule
from servcommun.terms import (
    AttributeId,
    AttributeValue,
    ConsumedUnit,
    Frozen,
    Money,
    Percent,
    Slug,
    Text,
    Year,
)

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import ServiceData
    from servcommun.reader import Document, Path_
    from servcommun.roster import Member
    from servcommun.tariff import Offer, Tariff, WorkedExample


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


class LayerRatio(Frozen):
    """A layer sized each year by a ratio of counted units: its share of the pool is the
    acts of ``counted`` over the acts of ``of`` (weighted), of the members holding the
    offer in the year, as the consumption file gives them."""

    counted: tuple[ConsumedUnit, ...] = Field(
        min_length=1, description="the units the layer's share counts (the ratio's numerator)"
    )
    of: tuple[ConsumedUnit, ...] = Field(
        min_length=1,
        description=(
            "every unit the ratio is taken of (its denominator), the counted ones among them"
        ),
    )


class LayerCondition(Frozen):
    """The members a layer is restricted to: those whose attribute has a value."""

    attribute: AttributeId
    equals: AttributeValue = Field(
        default=True, description="the attribute's value of the members in the layer"
    )


class PoolLayer(Frozen):
    """A layer of a pool: a ``percent`` of it, a fixed ``amount`` of it, a ``ratio`` of
    counted units, or (none of them) what the other layers leave; shared between the
    members by ``by`` (some of them only, with ``members`` or ``where``)."""

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
    ratio: LayerRatio | None = Field(
        default=None,
        description=(
            "the layer's share of the pool each year: the acts of 'counted' over the acts of "
            "'of', of the members holding the offer"
        ),
    )
    members: tuple[Text, ...] = Field(
        default=(), description="the ids of the only members in this layer"
    )
    where: LayerCondition | None = Field(
        default=None,
        description="the only members in this layer: those whose attribute has this value",
    )

    @property
    def takes_remainder(self) -> bool:
        """It takes what the other layers leave (no percent, amount or ratio of its own)."""
        return self.percent is None and self.amount is None and self.ratio is None

    def includes(self, member: "Member") -> bool:
        """``member`` is in this layer (every holder, unless ``members`` or ``where`` says
        which; a member without the attribute has it no, as a review case reads it)."""
        if self.members and member.id not in self.members:
            return False
        if self.where is not None:
            value = member.attributes.get(self.where.attribute, False)
            return value == self.where.equals and type(value) is type(self.where.equals)
        return True

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
    def _one_source(self) -> "Pool":
        if bool(self.amounts) == self.from_budget:
            raise PydanticCustomError(
                "pool-source",
                N_(
                    "give either 'amounts' (by year) or 'from_budget: true' (the "
                    "year's budget file), not both or neither"
                ),
                {},
            )
        return self


class PoolSharePart(PartRule):
    """A cost pool shared between the members holding the offer in the year, layer by layer
    (a minimum share for one party, a share by units used, the rest by population): each
    layer is shared by the largest remainder, so that the shares sum exactly to the layer
    and the layers to the pool. One line per layer."""

    rule: Literal["pool-share"]
    pool: Pool
    layers: tuple[PoolLayer, ...] = Field(min_length=1)

    ANNUAL_ONLY: ClassVar[bool] = True
    SHARED: ClassVar[bool] = True

    def uses_population(self) -> bool:
        return any(layer.by is PoolBasis.POPULATION for layer in self.layers)

    def takes_budget(self) -> bool:
        return self.pool.from_budget

    def key_ids(self) -> tuple[str, ...]:
        return tuple(key_id for layer in self.layers if (key_id := layer.key_id))

    def members_named(self) -> tuple[tuple[tuple[str | int, ...], str], ...]:
        return tuple(
            (("layers", index, "members", position), member)
            for index, layer in enumerate(self.layers)
            for position, member in enumerate(layer.members)
        )

    def counted_units(self) -> tuple[ConsumedUnit, ...]:
        units = [unit for layer in self.layers for unit in layer.units]
        for layer in self.layers:
            if layer.ratio is not None:
                units += [*layer.ratio.counted, *layer.ratio.of]
        return tuple(units)

    def share(
        self,
        tariff: "Tariff",
        offer: "Offer",
        holders: "Sequence[Member]",
        year: int,
        data: "ServiceData",
    ) -> PoolOutcome:
        """The pool of ``year`` (the tariff's amount, or the year's budget total) shared
        between ``holders`` layer by layer: a percent, rounded to the cent; a fixed
        amount; the remainder — the layers sum exactly to the pool — each layer by its
        basis with the largest remainder (ties by member id)."""
        try:
            return PoolOutcome(self._shares(tariff, offer, holders, year, data))
        except MissingData as problem:
            return PoolOutcome(problem=problem.message)

    def _shares(
        self,
        tariff: "Tariff",
        offer: "Offer",
        holders: "Sequence[Member]",
        year: int,
        data: "ServiceData",
    ) -> dict[str, list[Line]]:
        pool = self.pool.amounts.get(year) if self.pool.amounts else data.costs.get(year)
        if pool is None and self.pool.amounts:
            raise MissingData(
                msg(
                    "the tariff gives no amount of the pool '{label}' for {year:year} ({article})",
                    label=self.label,
                    year=year,
                    article=self.article,
                )
            )
        if pool is None:
            raise MissingData(
                msg(
                    "no budget file gives the cost of the pool '{label}' for {year:year} "
                    "({article})",
                    label=self.label,
                    year=year,
                    article=self.article,
                )
            )
        titled = offer.annual_titled(year)
        shares: dict[str, list[Line]] = {m.id: [] for m in holders}
        for layer, amount, said in self._layer_amounts(pool, holders, year):
            key = (
                _layer_key(tariff, layer, holders, year, data)
                if layer.by is PoolBasis.KEY
                else None
            )
            members = [member for member in holders if layer.includes(member)]
            weights, basis_of = _layer_weights(layer, members, year, key)
            total = sum(weights.values(), ZERO)
            if total <= ZERO and layer.ratio is not None and amount == ZERO:
                continue  # no act counted this year: the layer is empty, nobody bears it
            if total <= ZERO:
                raise MissingData(
                    msg(
                        "the layer '{layer}' of the pool cannot be shared: no member holding "
                        "the offer has a weight in it in {year:year} ({by})",
                        layer=layer.label,
                        year=year,
                        by=layer.by.value,
                    )
                )
            article = layer.article or (key.reference if key else "") or self.article
            for member_id, amount_share in allocate(amount, weights).items():
                if layer.by is PoolBasis.KEY and weights[member_id] == ZERO:
                    continue  # not in the key: the layer is none of its business
                basis = msg(
                    "{layer}; {share}", layer=said, share=basis_of(weights[member_id], total)
                )
                shares[member_id].append(
                    Line(
                        offer.id,
                        self.code,
                        f"{self.label} — {layer.label}",
                        amount_share,
                        basis,
                        article,
                        titled,
                        self.rule,
                    )
                )
        return shares

    def _layer_amounts(
        self, pool: Decimal, holders: "Sequence[Member]", year: int
    ) -> list[tuple[PoolLayer, Decimal, Message]]:
        """Each layer's amount and how it was reached: fixed amounts as written, percents of
        the pool rounded to the cent, ratios of the ``holders``' acts of ``year`` times the
        pool rounded to the cent, the remainder what they leave; without a remainder
        layer, percents summing to 100 share the pool by the largest remainder."""
        layers = self.layers
        if all(layer.percent is not None for layer in layers):
            percents = {index: layer.percent or ZERO for index, layer in enumerate(layers)}
            amounts = allocate(pool, percents)
            return [
                (
                    layer,
                    amounts[index],
                    _of_pool(percents[index], pool, amounts[index]),
                )
                for index, layer in enumerate(layers)
            ]
        found: list[tuple[PoolLayer, Decimal, Message]] = []
        for layer in layers:
            if layer.amount is not None:
                said = msg(
                    "{amount:amount} of the pool {pool:amount}", amount=layer.amount, pool=pool
                )
                found.append((layer, layer.amount, said))
            elif layer.percent is not None:
                amount = to_cents(pool * layer.percent / 100)
                found.append((layer, amount, _of_pool(layer.percent, pool, amount)))
            elif layer.ratio is not None:
                found.append(_ratio_of_pool(layer, layer.ratio, pool, holders, year))
        rest = pool - sum((amount for _, amount, _ in found), ZERO)
        if rest < ZERO:
            raise MissingData(
                msg(
                    "the layers of the pool '{label}' ({layers:amount}) exceed the pool "
                    "({pool:amount})",
                    label=self.label,
                    layers=pool - rest,
                    pool=pool,
                )
            )
        remainder = next((layer for layer in layers if layer.takes_remainder), None)
        if remainder is None:  # refused on load (pool-layers): never left unshared silently
            raise MissingData(
                msg(
                    "the layers of the pool '{label}' leave {rest:amount} of {pool:amount} "
                    "to nobody",
                    label=self.label,
                    rest=rest,
                    pool=pool,
                )
            )
        said = msg(
            "the pool {pool:amount} less the other layers = {rest:amount}", pool=pool, rest=rest
        )
        found.insert(layers.index(remainder), (remainder, rest, said))
        return found

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """Layers that add up — one remainder layer at most, and without one, percents
        summing to exactly 100 — each with what its basis needs."""
        return _pool_layers(doc, here, self, tariff)

    def example_problems(
        self, doc: "Document", here: "Path_", example: "WorkedExample", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """A worked example gives the pool's amount for its year."""
        if self.pool.amounts and example.year not in self.pool.amounts:
            yield doc.diagnostic(
                (*here, "year"),
                "example-pool",
                msg(
                    "worked example '{title}': the pool of part '{part}' has no amount for "
                    "{year:year}",
                    title=example.title,
                    part=self.code,
                    year=example.year,
                ),
            )
        elif self.pool.from_budget and example.budget is None and not example.costs:
            yield doc.diagnostic(
                (*here, "year"),
                "example-pool",
                msg(
                    "worked example '{title}' needs the year's budget total for the pool of "
                    "part '{part}': give it as 'budget'",
                    title=example.title,
                    part=self.code,
                ),
            )


def _of_pool(percent: Decimal, pool: Decimal, amount: Decimal) -> Message:
    """A layer's percent of the pool, as a basis says it."""
    return msg(
        "{percent:percent} of the pool {pool:amount} = {amount:amount}",
        percent=percent,
        pool=pool,
        amount=amount,
    )


def _ratio_of_pool(
    layer: PoolLayer, ratio: LayerRatio, pool: Decimal, holders: "Sequence[Member]", year: int
) -> tuple[PoolLayer, Decimal, Message]:
    """A layer sized by a ratio of counted units: the pool × the holders' acts of the
    counted units / their acts of all the units, rounded to the cent (none counted: 0)."""
    counted = sum((units_used(ratio.counted, member, year) for member in holders), ZERO)
    of = sum((units_used(ratio.of, member, year) for member in holders), ZERO)
    amount = to_cents(pool * counted / of) if of > ZERO else ZERO
    said = msg(
        "{counted:number} of {all:number} units counted × the pool {pool:amount} = {amount:amount}",
        counted=counted,
        all=of,
        pool=pool,
        amount=amount,
    )
    return layer, amount, said


def _layer_key(
    tariff: "Tariff", layer: PoolLayer, holders: "Sequence[Member]", year: int, data: "ServiceData"
) -> YearKey:
    """The key a layer shared by key weighs the holders by: the shares written in the
    layer, or the tariff's key it names (citing the key's article) — written, or computed
    between the holders from the agents of the year's budget, as for budget lines."""
    if not isinstance(layer.key, str):
        return YearKey("", layer.key or {}, "")
    key = tariff.key(layer.key)
    if key is None:  # refused on load (undefined-key)
        raise MissingData(msg("the tariff defines no key '{key}'", key=layer.key))
    budget = data.budgets.get(year)
    if key.computed is not None and budget is None:
        raise MissingData(
            msg(
                "no budget of {year:year} gives the agents the key '{key}' is computed "
                "from ({article})",
                year=year,
                key=key.id,
                article=key.article,
            )
        )
    try:
        return year_key(key, budget.agents if budget else (), [m.id for m in holders], year)
    except KeyComputationError as problem:
        raise MissingData(
            msg("key '{key}': {problem}", key=key.id, problem=problem.message)
        ) from problem


def _layer_weights(
    layer: PoolLayer, holders: "Sequence[Member]", year: int, key: YearKey | None
) -> tuple[dict[str, Decimal], Callable[[Decimal, Decimal], Message]]:
    """Each holder's weight in ``layer`` (by key: its percentage in ``key``, the layer's
    key for the year; a member of the key not holding the offer is not among them), and
    how a basis says a member's weight of the total."""
    if layer.by is PoolBasis.POPULATION:
        missing = [member.id for member in holders if member.population_in(year) is None]
        if missing:
            raise MissingData(
                msg(
                    "the pool is shared by population and {members} has no population for "
                    "{year:year} in the roster",
                    members=", ".join(missing),
                    year=year,
                )
            )
        return (
            {member.id: Decimal(member.population_in(year) or 0) for member in holders},
            lambda weight, total: msg_n(
                "by population: {weight:count} of {total:count} inhabitant",
                "by population: {weight:count} of {total:count} inhabitants",
                n="total",
                weight=weight,
                total=total,
            ),
        )
    if layer.by is PoolBasis.UNITS:
        return (
            {member.id: units_used(layer.units, member, year) for member in holders},
            lambda weight, total: msg(
                "by units used: {weight:number} of {total:number}", weight=weight, total=total
            ),
        )
    if layer.by is PoolBasis.KEY:
        assert key is not None  # resolved by _layer_key
        return (
            {member.id: key.shares.get(member.id, ZERO) for member in holders},
            lambda weight, total: _by_key(key, weight, total),
        )
    return (
        {member.id: Decimal(1) for member in holders},
        lambda weight, total: msg_n(
            "in equal shares: {weight:count} of {total:count} member",
            "in equal shares: {weight:count} of {total:count} members",
            n="total",
            weight=weight,
            total=total,
        ),
    )


def _by_key(key: YearKey, weight: Decimal, total: Decimal) -> Message:
    """A member's weight in a layer shared by ``key``, as a basis says it."""
    if not key.id:  # written in the layer
        return msg("by key: {weight:number} of {total:number}", weight=weight, total=total)
    if key.unrounded:  # the exact ratio applied, which no percentage would show exactly
        return msg(
            "by key '{key}', computed from the agents' time, not rounded: {weight:amount} "
            "of {total:amount} of salary cost",
            key=key.id,
            weight=weight,
            total=total,
        )
    if key.note is not None:
        return msg(
            "by key '{key}', computed from the agents' time: {weight:number} of {total:number}",
            key=key.id,
            weight=weight,
            total=total,
        )
    return msg(
        "by key '{key}': {weight:number} of {total:number}", key=key.id, weight=weight, total=total
    )


def _pool_layers(
    doc: "Document", here: "Path_", part: PoolSharePart, tariff: "Tariff"
) -> "Iterator[Diagnostic]":
    remainders = [i for i, layer in enumerate(part.layers) if layer.takes_remainder]
    percents = sum((layer.percent or ZERO for layer in part.layers), ZERO)
    for index, layer in enumerate(part.layers):
        path: Path_ = (*here, "layers", index)
        if layer.percent is not None and layer.amount is not None:
            yield doc.diagnostic(
                (*path, "amount"),
                "pool-layer",
                msg("give a layer a 'percent' of the pool or an 'amount', not both"),
            )
        if layer.by is PoolBasis.KEY and not layer.key:
            yield doc.diagnostic(
                (*path, "by"),
                "pool-layer",
                msg(
                    "a layer shared by key needs its 'key': the id of a key of "
                    "the tariff's 'keys', or member id → percent"
                ),
            )
        elif layer.by is PoolBasis.KEY and isinstance(layer.key, str):
            yield from undefined_key(doc, (*path, "key"), layer.key, tariff)
        elif layer.by is PoolBasis.KEY and isinstance(layer.key, dict):  # written in place
            yield from key_shares(doc, (*path, "key"), layer.key, DEFAULT_PRECISION, tariff)
        if layer.by is PoolBasis.UNITS and not layer.units:
            yield doc.diagnostic(
                (*path, "by"),
                "pool-layer",
                msg("a layer shared by units used needs its 'units' (id, label, weight)"),
            )
        yield from _layer_ratio(doc, path, layer)
        yield from _layer_restriction(doc, path, layer, tariff)
        if layer.key and layer.by is not PoolBasis.KEY:
            yield doc.diagnostic(
                (*path, "key"),
                "pool-layer",
                msg(
                    "this layer is shared by {by}: its 'key' would not be used",
                    by=layer.by.value,
                ),
            )
    if len(remainders) > 1:
        yield doc.diagnostic(
            (*here, "layers", remainders[1]),
            "pool-layers",
            msg(
                "only one layer may take the remainder of the pool (give the "
                "others a 'percent' or an 'amount')"
            ),
        )
    if not remainders and percents != HUNDRED:
        yield doc.diagnostic(
            (*here, "layers"),
            "pool-layers",
            msg(
                "the layers' percents sum to {total:percent}: without a layer taking the "
                "remainder they must sum to exactly {limit:percent}",
                total=percents,
                limit=HUNDRED,
            ),
        )
    elif remainders and percents > HUNDRED:
        yield doc.diagnostic(
            (*here, "layers"),
            "pool-layers",
            msg("the layers' percents sum to {total:percent}, more than the pool", total=percents),
        )
    ratios = [i for i, layer in enumerate(part.layers) if layer.ratio is not None]
    if not remainders and ratios:
        yield doc.diagnostic(
            (*here, "layers", ratios[0], "ratio"),
            "pool-layers",
            msg(
                "a layer sized by a ratio of counted units needs another layer taking the "
                "remainder, so that the layers sum exactly to the pool"
            ),
            key=True,
        )
    if not remainders and any(layer.amount is not None for layer in part.layers):
        yield doc.diagnostic(
            (*here, "layers"),
            "pool-layers",
            msg(
                "a layer with a fixed amount needs another layer taking the "
                "remainder, so that the layers sum exactly to the pool"
            ),
        )


def _layer_ratio(doc: "Document", path: "Path_", layer: PoolLayer) -> "Iterator[Diagnostic]":
    """A layer sized by a ratio has no percent nor amount, and counts units of its
    denominator: the ratio is then never above 1."""
    ratio = layer.ratio
    if ratio is None:
        return
    if layer.percent is not None or layer.amount is not None:
        yield doc.diagnostic(
            (*path, "ratio"),
            "pool-layer",
            msg(
                "give a layer a 'percent' of the pool, an 'amount' or a 'ratio' of counted "
                "units, only one of them"
            ),
            key=True,
        )
    every = [unit.id for unit in ratio.of]
    for index, unit in enumerate(ratio.counted):
        if unit.id not in every:
            yield doc.diagnostic(
                (*path, "ratio", "counted", index, "id"),
                "pool-ratio",
                msg(
                    "unit '{unit}' is counted but not among the units the ratio is taken "
                    "of ('of': {units}): add it there, so that the layer is never more "
                    "than the pool",
                    unit=unit.id,
                    units=listing(every),
                ),
            )


def _layer_restriction(
    doc: "Document", path: "Path_", layer: PoolLayer, tariff: "Tariff"
) -> "Iterator[Diagnostic]":
    """A layer restricted to some members names them by id (parties of the tariff, when it
    names them) or by an attribute the tariff declares, with a value of its type — not
    both, and not for a layer shared by key (its key names its members)."""
    if not layer.members and layer.where is None:
        return
    if layer.by is PoolBasis.KEY:
        yield doc.diagnostic(
            (*path, "members" if layer.members else "where"),
            "pool-layer",
            msg(
                "a layer shared by key is shared between the members its key names: "
                "restrict the key instead of the layer"
            ),
        )
    if layer.members and layer.where is not None:
        yield doc.diagnostic(
            (*path, "where"),
            "pool-layer",
            msg(
                "restrict a layer by 'members' or by 'where', not both: list the members, "
                "or give the attribute they share"
            ),
        )
    known = [party.id for party in tariff.parties]
    for index, member in enumerate(layer.members):
        if known and member not in known:
            yield doc.diagnostic(
                (*path, "members", index),
                "unknown-party",
                msg(
                    "party '{party}' is not defined in 'parties' (defined: {known})",
                    party=member,
                    known=listing(known),
                ),
            )
    where = layer.where
    if where is None:
        return
    declared = [attribute.id for attribute in tariff.attributes]
    attribute = tariff.attribute(where.attribute)
    if attribute is None:
        yield doc.diagnostic(
            (*path, "where", "attribute"),
            "unknown-attribute",
            msg(
                "the tariff declares no attribute '{attribute}'{suggestion} (attributes: "
                "{declared})",
                attribute=where.attribute,
                suggestion=did_you_mean(where.attribute, declared),
                declared=listing(declared),
            ),
        )
        return
    expected = {"boolean": bool, "number": Decimal, "choice": str}[attribute.type]
    if type(where.equals) is not expected or (
        attribute.type == "choice" and where.equals not in attribute.choices
    ):
        said = {
            "boolean": msg("true or false (oui or non in a CSV file)"),
            "number": msg("a number"),
            "choice": msg("one of {choices}", choices=listing(attribute.choices)),
        }[attribute.type]
        yield doc.diagnostic(
            (*path, "where", "equals"),
            "attribute-type",
            msg(
                "'{attribute}' ({label}) is {expected}, not {value}",
                attribute=where.attribute,
                label=attribute.label,
                expected=said,
                value=repr(where.equals),
            ),
        )


RULE = PoolSharePart
