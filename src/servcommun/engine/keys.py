"""Percentage keys: the shares a key gives each member in a year, and a share derived from
the amount a party should bear.

A key is written in the tariff, or computed each year from the agents' time weighted by
their salary cost (``agents_key``). ``derive_share`` sets one party's percentage from the
amount it should bear (délibération 10-26 of the Ville de Rouen: the CCAS's 0,48 %, taken
from the Ville's 46,68 %). Pure: keys and figures in, shares out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from servcommun.money import HUNDRED, ZERO, allocate
from servcommun.tariff import AgentTime, Key


class KeyComputationError(ValueError):
    """A computed key the year's data cannot give (no agent, a time split of no member)."""


@dataclass(frozen=True)
class YearKey:
    """The shares a key gives in a year (member id → percent, in the key's order), the
    article it cites, and how a computed key was computed (``note``)."""

    id: str
    shares: Mapping[str, Decimal]
    reference: str
    note: str = ""


def year_key(key: Key, agents: Sequence[AgentTime], members: Sequence[str]) -> YearKey:
    """The key a year is shared by: ``key``'s written shares, or the key computed from the
    year's ``agents`` between ``members`` (those holding the offer), with a note saying how
    (the exact percentages, and the rounding the convention states)."""
    computed = key.computed
    if computed is None:
        return YearKey(key.id, dict(key.shares), key.article)
    result = agents_key(
        agents, members, key.precision, computed.rounding.method, computed.rounding.remainder_to
    )
    exact = ", ".join(
        f"{member} {french_percent(percent.quantize(Decimal('0.0001')))}"
        for member, percent in result.exact.items()
    )
    note = (
        f"key computed from {len(agents)} agents' time weighted by salary cost "
        f"({french_amount(result.cost)}): {exact} % before rounding to {key.precision} "
        f"point ({result.method}); {key.article}"
    )
    return YearKey(key.id, dict(result.shares), key.article, note)


@dataclass(frozen=True)
class AgentsKey:
    """A key computed from agents: the exact percentages (Σ cost × share / Σ cost), the
    shares rounded to the key's precision (summing to 100), the salary cost weighted."""

    exact: Mapping[str, Decimal]
    shares: Mapping[str, Decimal]
    cost: Decimal
    method: str


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
    cost = sum((agent.cost for agent in agents), ZERO)
    if not agents or cost <= ZERO:
        raise KeyComputationError(
            "the key is computed from the agents' salary cost, and "
            "the budget gives no agent with a cost"
        )
    weighted = {party: ZERO for party in parties}
    for agent in agents:
        for party, percent in agent.shares.items():
            if party not in weighted:
                raise KeyComputationError(
                    f"agent {agent.id} works for '{party}', who does "
                    f"not share this key ({', '.join(parties)})"
                )
            weighted[party] += agent.cost * percent
    exact = {party: value / cost for party, value in weighted.items()}
    if method == "largest-remainder":
        shares = allocate(HUNDRED, exact, quantum=precision)
        return AgentsKey(exact, shares, cost, "largest remainder")
    rounded = {
        party: value.quantize(precision, rounding=ROUND_HALF_UP) for party, value in exact.items()
    }
    if remainder_to is None or remainder_to not in rounded:
        raise KeyComputationError("a key rounded half up needs 'remainder_to', a party")
    rounded[remainder_to] += HUNDRED - sum(rounded.values(), ZERO)
    return AgentsKey(exact, rounded, cost, f"half up, the difference to {remainder_to}")


def allocate_by_key(amount: Decimal, key: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Share ``amount`` by the key's percentages to the cent, by the largest remainder: the
    shares sum exactly to ``amount``, none is a cent or more from its exact value, and ties
    go by member id so that the order of the members does not matter (DESIGN §2.2)."""
    return allocate(amount, key)


# -- deriving a share from the amount a party should bear --------------------------------


class KeyDerivationError(ValueError):
    """A derivation the key cannot take: ``option`` is the command-line option at fault."""

    def __init__(self, option: str, code: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.code = code
        self.message = message


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
            "--base",
            "derive-base",
            f"the base must be a positive amount, not {french_amount(base)}",
        )
    if party == take_from:
        raise KeyDerivationError(
            "--take-from",
            "derive-same-party",
            f"'{party}' cannot give its own share: name another party",
        )
    if take_from not in key:
        raise KeyDerivationError(
            "--take-from",
            "unknown-party",
            f"'{take_from}' has no share in the key ({_key_text(key)})",
        )
    exact = target * HUNDRED / base
    share = exact.quantize(precision, rounding=ROUND_HALF_UP)
    if target < ZERO:
        raise KeyDerivationError(
            "--target",
            "key-negative-share",
            f"a target of {french_amount(target)} would give {party} a "
            "negative share: a share cannot be negative",
        )
    if share > HUNDRED:
        raise KeyDerivationError(
            "--target",
            "key-over-100",
            f"{french_amount(target)} is {french_percent(share)} % of "
            f"{french_amount(base)}: the key would exceed 100 %",
        )
    given = share - key.get(party, ZERO)
    remaining = key[take_from] - given
    if remaining < ZERO:
        raise KeyDerivationError(
            "--target",
            "key-negative-share",
            f"{take_from}'s share would become {french_percent(remaining)}"
            f" % ({french_percent(key[take_from])} − "
            f"{french_percent(given)}): a share cannot be negative; lower "
            "the target or take from another party",
        )
    after = {**key, party: share, take_from: remaining}
    total = sum(after.values(), ZERO)
    if total > HUNDRED:
        raise KeyDerivationError(
            "--target",
            "key-over-100",
            f"the key would sum to {french_percent(total)} %, above 100 %",
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
        amounts=allocate_by_key(base, after),
    )


# -- French numbers in bases (the convention's language; the renderer formats amounts) ----


def french_amount(amount: Decimal) -> str:
    """``1 250 000,00``: an amount as the deliberation writes it."""
    return _french(amount, 2)


def french_percent(percent: Decimal) -> str:
    """``46,20``: a percentage with at least two decimals, all those it is written with."""
    exponent = percent.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return _french(percent, places)


def _french(number: Decimal, places: int) -> str:
    text = f"{abs(number):.{places}f}"
    whole, _, fraction = text.partition(".")
    groups = _groups_of_three(whole)
    sign = "-" if number < ZERO and text.strip("0.") else ""
    return sign + " ".join(groups) + ("," + fraction if fraction else "")


def _groups_of_three(digits: str) -> Iterable[str]:
    head = len(digits) % 3 or 3
    return [digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))]


def _key_text(key: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{party} {french_percent(percent)} %" for party, percent in key.items())
