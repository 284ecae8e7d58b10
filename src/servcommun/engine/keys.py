"""Percentage keys: the shares a key gives each member in a year, and a share derived from
the amount a party should bear.

A key is written in the tariff, or computed each year from the agents' time weighted by
their salary cost (``agents_key``). ``derive_share`` sets one party's percentage from the
amount it should bear (délibération 10-26 of the Ville de Rouen: the CCAS's 0,48 %, taken
from the Ville's 46,68 %). Pure: keys and figures in, shares out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from servcommun.message import Message, Unsaid, msg, msg_n
from servcommun.money import HUNDRED, ZERO, allocate
from servcommun.terms import AgentTime

if TYPE_CHECKING:
    from servcommun.tariff import Key


class KeyComputationError(Unsaid):
    """A computed key the year's data cannot give (no agent, a time split of no member)."""


@dataclass(frozen=True)
class YearKey:
    """The shares a key gives in a year (member id → percent, in the key's order), the
    article it cites, and how a computed key was computed (``note``)."""

    id: str
    shares: Mapping[str, Decimal]
    reference: str
    note: Message | None = None
    unrounded: bool = False
    """The key is computed and not rounded: ``shares`` are then each member's salary cost
    (Σ cost × share / 100, exact), whose ratio to their total is the share applied — a
    ratio a percentage could only show rounded."""
    since: dt.date | None = None
    """A key dated by year: the date its shares of the year are in force from."""
    dated: Message | None = None
    """A key dated by year: what says the shares' date and decision (a bill's note)."""


def year_key(
    key: Key, agents: Sequence[AgentTime], members: Sequence[str], year: int | None = None
) -> YearKey:
    """The key a year is shared by: ``key``'s written shares (those in force in ``year``,
    for a key dated by year), or the key computed from the year's ``agents`` between
    ``members`` (those holding the offer), with a note saying how (the exact percentages,
    and the rounding the convention states)."""
    if key.shares_by_year:
        return dated_key(key, year)
    computed = key.computed
    if computed is None:
        return YearKey(key.id, dict(key.shares), key.article)
    if computed.rounding.unrounded:
        costs, cost = salary_costs(agents, members)
        note = msg_n(
            "key computed from {agents:count} agent's time weighted by salary cost "
            "({cost:amount}), not rounded: each member's share is its salary cost over the "
            "total; {article}",
            "key computed from {agents:count} agents' time weighted by salary cost "
            "({cost:amount}), not rounded: each member's share is its salary cost over the "
            "total; {article}",
            n="agents",
            agents=len(agents),
            cost=cost,
            article=key.article,
        )
        return YearKey(key.id, costs, key.article, note, unrounded=True)
    result = agents_key(
        agents,
        members,
        key.precision,
        computed.rounding.method or "largest-remainder",
        computed.rounding.remainder_to,
    )
    exact = tuple(
        msg(
            "{member} {percent:percent}", member=member, percent=percent.quantize(Decimal("0.0001"))
        )
        for member, percent in result.exact.items()
    )
    note = msg_n(
        "key computed from {agents:count} agent's time weighted by salary cost ({cost:amount}): "
        "{exact} before rounding to {precision:number} point ({method}); {article}",
        "key computed from {agents:count} agents' time weighted by salary cost ({cost:amount}): "
        "{exact} before rounding to {precision:number} point ({method}); {article}",
        n="agents",
        agents=len(agents),
        cost=result.cost,
        exact=exact,
        precision=key.precision,
        method=result.method,
        article=key.article,
    )
    return YearKey(key.id, dict(result.shares), key.article, note)


def dated_key(key: Key, year: int | None) -> YearKey:
    """The shares of a key dated by year in force in ``year``, with what says their date
    and decision. ``KeyComputationError`` without a year, or before the first entry
    (refused by ``check``: a year of the tariff with no key)."""
    if year is None:
        raise KeyComputationError(
            msg(
                "the key '{key}' changes by year: say which year's shares to use",
                key=key.id,
            )
        )
    entry = key.entry_in(year)
    if entry is None:
        raise KeyComputationError(
            msg(
                "the key '{key}' has no shares in force in {year:year}: its first shares "
                "apply from {start:date}",
                key=key.id,
                year=year,
                start=key.shares_by_year[0].from_,
            )
        )
    if entry.reference:
        dated = msg(
            "key '{key}': shares in force from {start:date} ({reference})",
            key=key.id,
            start=entry.from_,
            reference=entry.reference,
        )
    else:
        dated = msg("key '{key}': shares in force from {start:date}", key=key.id, start=entry.from_)
    return YearKey(key.id, dict(entry.shares), key.article, since=entry.from_, dated=dated)


@dataclass(frozen=True)
class AgentsKey:
    """A key computed from agents: the exact percentages (Σ cost × share / Σ cost), the
    shares rounded to the key's precision (summing to 100), the salary cost weighted."""

    exact: Mapping[str, Decimal]
    shares: Mapping[str, Decimal]
    cost: Decimal
    method: Message


def agents_key(
    agents: Sequence[AgentTime],
    parties: Sequence[str],
    precision: Decimal,
    method: str,
    remainder_to: str | None = None,
) -> AgentsKey:
    """Each party's percentage of the agents' time weighted by their salary cost,
    Σ cost × share / Σ cost, rounded to ``precision`` percentage points so that the key
    sums to exactly 100: by the largest remainder (ties by party id), or each half up with
    the difference to 100 given to ``remainder_to``. Parties no agent works for get 0."""
    costs, cost = salary_costs(agents, parties)
    exact = {party: value * HUNDRED / cost for party, value in costs.items()}
    if method == "largest-remainder":
        shares = allocate(HUNDRED, exact, quantum=precision)
        return AgentsKey(exact, shares, cost, msg("largest remainder"))
    rounded = {
        party: value.quantize(precision, rounding=ROUND_HALF_UP) for party, value in exact.items()
    }
    if remainder_to is None or remainder_to not in rounded:
        raise KeyComputationError(msg("a key rounded half up needs 'remainder_to', a party"))
    rounded[remainder_to] += HUNDRED - sum(rounded.values(), ZERO)
    return AgentsKey(
        exact, rounded, cost, msg("half up, the difference to {party}", party=remainder_to)
    )


def salary_costs(
    agents: Sequence[AgentTime], parties: Sequence[str]
) -> tuple[dict[str, Decimal], Decimal]:
    """Each party's salary cost, Σ cost × share / 100 over the agents (exact: cents times
    hundredths of a percent), and the agents' total cost."""
    cost = sum((agent.cost for agent in agents), ZERO)
    if not agents or cost <= ZERO:
        raise KeyComputationError(
            msg(
                "the key is computed from the agents' salary cost, and the budget gives no "
                "agent with a cost"
            )
        )
    weighted = {party: ZERO for party in parties}
    for agent in agents:
        for party, percent in agent.shares.items():
            if party not in weighted:
                raise KeyComputationError(
                    msg(
                        "agent {agent} works for '{party}', who does not share this key "
                        "({parties})",
                        agent=agent.id,
                        party=party,
                        parties=", ".join(parties),
                    )
                )
            weighted[party] += agent.cost * percent
    return {party: value / HUNDRED for party, value in weighted.items()}, cost


# -- deriving a share from the amount a party should bear --------------------------------


class KeyDerivationError(Unsaid):
    """A derivation the key cannot take: ``field`` is the figure at fault (``base``,
    ``take_from``, ``target``), ``code`` its diagnostic code."""

    def __init__(self, field: str, code: str, message: Message) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


@dataclass(frozen=True)
class DerivedKey:
    """A key after ``party``'s share was set to bear ``target`` on ``base``."""

    party: str
    take_from: str
    target: Decimal
    base: Decimal
    precision: Decimal
    exact_percent: Decimal  # target / base × 100, before rounding to the key's precision
    before: Mapping[str, Decimal]
    after: Mapping[str, Decimal]
    amounts: Mapping[str, Decimal]  # the base shared by the new key (largest remainder)

    @property
    def party_amount(self) -> Decimal:
        return self.amounts[self.party]

    @property
    def difference(self) -> Decimal:
        """What rounding the share to the key's precision adds to the target (may be < 0)."""
        return self.party_amount - self.target


def derive_share(
    key: Mapping[str, Decimal],
    *,
    party: str,
    target: Decimal,
    base: Decimal,
    take_from: str,
    precision: Decimal = Decimal("0.01"),
) -> DerivedKey:
    """The key in which ``party`` bears ``target`` of ``base``: its share is
    ``target / base``, rounded (half up) to ``precision`` percentage points; the difference
    with its former share (none for a new party) is taken from ``take_from``; the other
    shares are unchanged. Délibération 10-26: the CCAS's share « est calculée pour
    correspondre aux 20 000 € de refacturations constatées », the Métropole's « est
    inchangée », and the Ville goes from 46,68 % to 46,20 %.

    Raises ``KeyDerivationError`` when a share would be negative or the key exceed 100 %.
    """
    if base <= ZERO:
        raise KeyDerivationError(
            "base",
            "derive-base",
            msg("the base must be a positive amount, not {base:amount}", base=base),
        )
    if party == take_from:
        raise KeyDerivationError(
            "take_from",
            "derive-same-party",
            msg("'{party}' cannot give its own share: name another party", party=party),
        )
    if take_from not in key:
        raise KeyDerivationError(
            "take_from",
            "unknown-party",
            msg("'{party}' has no share in the key ({key})", party=take_from, key=_key_text(key)),
        )
    exact = target * HUNDRED / base
    share = exact.quantize(precision, rounding=ROUND_HALF_UP)
    if target < ZERO:
        raise KeyDerivationError(
            "target",
            "key-negative-share",
            msg(
                "a target of {target:amount} would give {party} a negative share: a share "
                "cannot be negative",
                target=target,
                party=party,
            ),
        )
    if share > HUNDRED:
        raise KeyDerivationError(
            "target",
            "key-over-100",
            msg(
                "{target:amount} is {share:percent} of {base:amount}: the key would exceed "
                "{limit:percent}",
                target=target,
                share=share,
                base=base,
                limit=HUNDRED,
            ),
        )
    given = share - key.get(party, ZERO)
    remaining = key[take_from] - given
    if remaining < ZERO:
        raise KeyDerivationError(
            "target",
            "key-negative-share",
            msg(
                "{party}'s share would become {remaining:percent} ({before:percent} − "
                "{given:percent}): a share cannot be negative; lower the target or take "
                "from another party",
                party=take_from,
                remaining=remaining,
                before=key[take_from],
                given=given,
            ),
        )
    after = {**key, party: share, take_from: remaining}
    total = sum(after.values(), ZERO)
    if total > HUNDRED:
        raise KeyDerivationError(
            "target",
            "key-over-100",
            msg(
                "the key would sum to {total:percent}, above {limit:percent}",
                total=total,
                limit=HUNDRED,
            ),
        )
    return DerivedKey(
        party=party,
        take_from=take_from,
        target=target,
        base=base,
        precision=precision,
        exact_percent=exact,
        before=dict(key),
        after=after,
        amounts=allocate(base, after),
    )


def _key_text(key: Mapping[str, Decimal]) -> tuple[Message, ...]:
    return tuple(
        msg("{party} {percent:percent}", party=party, percent=percent)
        for party, percent in key.items()
    )
