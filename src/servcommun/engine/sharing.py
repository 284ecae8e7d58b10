"""Cost sharing: the carrier re-bills the year's cost to the parties by a percentage key.

Implements the Rouen convention (délibération 10-26 of 18 December 2025, conditions
financières) as general rules: every cost line shared by the key in force, with the
largest remainder so that the shares sum exactly to the line, or charged directly to one
party; management fees on the lines of some categories only (the salary mass), shared the
same way; one statement per party, the carrier's own share reported but not billed.
``derive_share`` sets one party's percentage from the amount it should bear (the CCAS's
0,48 %, taken from the Ville's 46,68 %).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from servcommun.budget import Budget
from servcommun.engine.result import Bill, Line, MemberRef, SharingSummary, Statement
from servcommun.money import HUNDRED, ZERO, allocate, to_cents
from servcommun.tariff import (
    AgentTime,
    Allocation,
    CostCategory,
    CostLine,
    ManagementFee,
    SharingTariff,
)

FEES = "management-fees"
"""Line codes: ``<cost line id>.share`` (a party's share by the key), ``<cost line
id>.direct`` (a line charged wholly to the party), ``management-fees.share`` (the party's
share of the fees on the lines shared by the key), ``management-fees.direct`` (the fees on
the lines of its own). A budget may not use ``management-fees`` as a line id."""

_CATEGORY_WORDS = {CostCategory.SALARY: "salary mass", CostCategory.OTHER: "other costs"}


def bill_sharing(tariff: SharingTariff, budget: Budget) -> Bill:
    """The year's statements of a cost-sharing service: one per party of ``tariff``, in its
    order, each line of ``budget`` shared by ``tariff.key`` (or charged to its ``direct``
    party), then the management fees. The carrier's statement has ``billed=False``: it
    bills the others (délibération 10-26: « le service commun refacture directement les
    deux autres entités »)."""
    titled = f"{budget.year + 1}-01" if tariff.titled == "next-january" else f"{budget.year}-12"
    key, key_note = year_key(tariff, budget)
    lines: dict[str, list[Line]] = {party.id: [] for party in tariff.parties}
    for cost in budget.lines:
        for party, line in cost_line_shares(tariff, cost, titled, key):
            lines[party].append(line)
    fee = tariff.management_fee
    fee_lines, fee_base = management_fee_lines(tariff, budget.lines, titled, key)
    for party, line in fee_lines:
        lines[party].append(line)
    statements = tuple(
        Statement(MemberRef(party.id, party.name), tuple(lines[party.id]),
                  billed=not party.carrier,
                  notes=("carrier: its own share is reported, not billed",)
                  if party.carrier else ())
        for party in tariff.parties)
    notes: list[str] = [key_note] if key_note else []
    if fee is not None and fee.illustrative:
        notes.append(f"the management-fee rate ({_percent(fee.rate)} %) is illustrative: "
                     "the deliberation gives none")
    if budget.illustrative:
        notes.append(f"the {budget.year} budget's figures are illustrative")
    return Bill(
        service=tariff.service,
        year=budget.year,
        currency=tariff.currency,
        locale=tariff.locale,
        statements=statements,
        sharing=SharingSummary(
            carrier=tariff.carrier.id,
            key=tuple(key.items()),
            key_reference=tariff.key.article,
            cost_total=sum((cost.amount for cost in budget.lines), ZERO),
            fee_rate=fee.rate if fee is not None else ZERO,
            fee_base=fee_base,
            fee_total=sum((line.amount for _, line in fee_lines), ZERO),
            fee_reference=fee.article if fee is not None else "",
            categories=tuple((cost.id, cost.category.value) for cost in budget.lines),
            notes=tuple(notes),
        ),
        sources=tuple(f"{d.body}, {d.id} du {d.date:%d/%m/%Y}" for d in tariff.deliberations),
    )


def allocate_by_key(amount: Decimal, key: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Share ``amount`` by the key's percentages to the cent, by the largest remainder: the
    shares sum exactly to ``amount``, none is a cent or more from its exact value, and ties
    go by party id so that the order of the parties does not matter (DESIGN §2.2)."""
    return allocate(amount, key)


def cost_line_shares(
    tariff: SharingTariff, cost: CostLine, titled: str, key: Mapping[str, Decimal] | None = None
) -> list[tuple[str, Line]]:
    """(party, line) for one cost line: a share per party of the key (the year's ``key``,
    by default the tariff's written one), or the whole line for its ``direct`` party."""
    if cost.allocation is Allocation.DIRECT:
        assert cost.direct is not None
        party = tariff.party(cost.direct)
        name = party.name if party is not None else cost.direct
        reference = cost.reference or (tariff.direct_charges.article
                                       if tariff.direct_charges else "")
        return [(cost.direct, Line(f"{cost.id}.direct", cost.label, cost.amount,
                                   f"charged directly to {name}: 100 % of "
                                   f"{_amount(cost.amount)}", reference, titled))]
    key = tariff.key.shares if key is None else key
    return [(party_id, Line(f"{cost.id}.share", cost.label, share,
                            f"{_percent(key[party_id])} % of {_amount(cost.amount)}",
                            tariff.key.article, titled))
            for party_id, share in allocate_by_key(cost.amount, key).items()]


def management_fee_lines(
    tariff: SharingTariff, costs: Sequence[CostLine], titled: str,
    key: Mapping[str, Decimal] | None = None,
) -> tuple[list[tuple[str, Line]], Decimal]:
    """(party, line) for the management fees, and the cost they are computed on.

    Délibération 10-26: « les frais de gestion ne sont appliqués que sur la masse
    salariale ». The fee on the lines shared by the key is computed once on their sum,
    rounded to the cent, then shared by the key like them (largest remainder); the fee on
    a party's direct lines is computed on their sum and is its own.
    """
    fee = tariff.management_fee
    if fee is None or fee.rate == ZERO:
        return [], ZERO
    bearing = [cost for cost in costs if cost.category in fee.on]
    shared_base = sum((cost.amount for cost in bearing if cost.allocation is Allocation.KEY),
                      ZERO)
    direct_base: dict[str, Decimal] = {}
    for cost in bearing:
        if cost.direct is not None:
            direct_base[cost.direct] = direct_base.get(cost.direct, ZERO) + cost.amount
    on = " and ".join(_CATEGORY_WORDS[category] for category in fee.on)
    caveat = "; illustrative rate" if fee.illustrative else ""
    rate = _percent(fee.rate)
    lines: list[tuple[str, Line]] = []
    if any(cost.allocation is Allocation.KEY for cost in bearing):
        amount = fee_amount(fee, shared_base)
        key = tariff.key.shares if key is None else key
        for party_id, share in allocate_by_key(amount, key).items():
            basis = (f"{_percent(key[party_id])} % of {_amount(amount)} ({rate} % of the "
                     f"{on} shared by the key, {_amount(shared_base)}{caveat})")
            lines.append((party_id, Line(f"{FEES}.share", fee.label, share, basis,
                                         fee.article, titled)))
    for party_id, base in direct_base.items():
        basis = f"{rate} % of {_amount(base)} ({on} charged directly{caveat})"
        lines.append((party_id, Line(f"{FEES}.direct", fee.label, fee_amount(fee, base),
                                     basis, fee.article, titled)))
    return lines, shared_base + sum(direct_base.values(), ZERO)


# -- a key computed from data -------------------------------------------------------------

class KeyComputationError(ValueError):
    """A computed key the year's data cannot give (no agent, a time split of no party)."""


def year_key(tariff: SharingTariff, budget: Budget) -> tuple[dict[str, Decimal], str]:
    """The key the year is shared by, and a note saying how it was computed: the tariff's
    written shares, or the key computed from ``budget.agents``."""
    if tariff.key.computed is None:
        return dict(tariff.key.shares), ""
    computed = agents_key(budget.agents, [party.id for party in tariff.parties],
                          tariff.key.precision, tariff.key.computed.rounding.method,
                          tariff.key.computed.rounding.remainder_to)
    exact = ", ".join(f"{party} {_percent(percent.quantize(Decimal('0.0001')))}"
                      for party, percent in computed.exact.items())
    note = (f"key computed from {len(budget.agents)} agents' time weighted by salary cost "
            f"({_amount(computed.cost)}): {exact} % before rounding to "
            f"{tariff.key.precision} point ({computed.method}); {tariff.key.article}")
    return dict(computed.shares), note


@dataclass(frozen=True)
class AgentsKey:
    """A key computed from agents: the exact percentages (Σ cost × share / Σ cost), the
    shares rounded to the key's precision (summing to 100), the salary cost weighted."""

    exact: Mapping[str, Decimal]
    shares: Mapping[str, Decimal]
    cost: Decimal
    method: str


def agents_key(agents: Sequence[AgentTime], parties: Sequence[str], precision: Decimal,
               method: str, remainder_to: str | None = None) -> AgentsKey:
    """Each party's percentage of the agents' time weighted by their salary cost,
    Σ cost × share / Σ cost, rounded to ``precision`` percentage points so that the key
    sums to exactly 100: by the largest remainder (ties by party id), or each half up with
    the difference to 100 given to ``remainder_to``. Parties no agent works for get 0."""
    cost = sum((agent.cost for agent in agents), ZERO)
    if not agents or cost <= ZERO:
        raise KeyComputationError("the key is computed from the agents' salary cost, and "
                                  "the budget gives no agent with a cost")
    weighted = {party: ZERO for party in parties}
    for agent in agents:
        for party, percent in agent.shares.items():
            if party not in weighted:
                raise KeyComputationError(f"agent {agent.id} works for '{party}', not a party")
            weighted[party] += agent.cost * percent
    exact = {party: value / cost for party, value in weighted.items()}
    if method == "largest-remainder":
        shares = allocate(HUNDRED, exact, quantum=precision)
        return AgentsKey(exact, shares, cost, "largest remainder")
    rounded = {party: value.quantize(precision, rounding=ROUND_HALF_UP)
               for party, value in exact.items()}
    if remainder_to is None or remainder_to not in rounded:
        raise KeyComputationError("a key rounded half up needs 'remainder_to', a party")
    rounded[remainder_to] += HUNDRED - sum(rounded.values(), ZERO)
    return AgentsKey(exact, rounded, cost, f"half up, the difference to {remainder_to}")


def fee_amount(fee: ManagementFee, base: Decimal) -> Decimal:
    """``fee.rate`` percent of ``base``, rounded to the cent (half away from zero)."""
    return to_cents(base * fee.rate / HUNDRED)


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
        raise KeyDerivationError("--base", "derive-base",
                                 f"the base must be a positive amount, not {_amount(base)}")
    if party == take_from:
        raise KeyDerivationError("--take-from", "derive-same-party",
                                 f"'{party}' cannot give its own share: name another party")
    if take_from not in key:
        raise KeyDerivationError("--take-from", "unknown-party",
                                 f"'{take_from}' has no share in the key "
                                 f"({_key_text(key)})")
    exact = target * HUNDRED / base
    share = exact.quantize(precision, rounding=ROUND_HALF_UP)
    if target < ZERO:
        raise KeyDerivationError("--target", "key-negative-share",
                                 f"a target of {_amount(target)} would give {party} a negative "
                                 "share: a share cannot be negative")
    if share > HUNDRED:
        raise KeyDerivationError("--target", "key-over-100",
                                 f"{_amount(target)} is {_percent(share)} % of "
                                 f"{_amount(base)}: the key would exceed 100 %")
    given = share - key.get(party, ZERO)
    remaining = key[take_from] - given
    if remaining < ZERO:
        raise KeyDerivationError("--target", "key-negative-share",
                                 f"{take_from}'s share would become {_percent(remaining)} % "
                                 f"({_percent(key[take_from])} − {_percent(given)}): a share "
                                 "cannot be negative; lower the target or take from another "
                                 "party")
    after = {**key, party: share, take_from: remaining}
    total = sum(after.values(), ZERO)
    if total > HUNDRED:
        raise KeyDerivationError("--target", "key-over-100",
                                 f"the key would sum to {_percent(total)} %, above 100 %")
    return DerivedKey(party=party, take_from=take_from, target=target, base=base,
                      precision=precision, exact_percent=exact, before=dict(key), after=after,
                      amounts=allocate_by_key(base, after))


# -- French numbers in bases (the convention's language; the renderer formats amounts) ----

def _amount(amount: Decimal) -> str:
    """``1 250 000,00``: an amount as the deliberation writes it."""
    return _french(amount, 2)


def _percent(percent: Decimal) -> str:
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
    return [digits[:head], *(digits[i:i + 3] for i in range(head, len(digits), 3))]


def _key_text(key: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{party} {_percent(percent)} %" for party, percent in key.items())
