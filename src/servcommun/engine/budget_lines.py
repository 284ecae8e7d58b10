"""Budget lines shared by a key: the rules ``budget-lines`` and ``management-fee``.

Implements the Rouen convention (délibération 10-26 of 18 December 2025, conditions
financières) as general part rules any tariff may use: every cost line of the year's
budget shared between the members by a key, to the cent by the largest remainder so that
the shares sum exactly to the line, or charged directly to one member; management fees on
the lines of some categories only (the salary mass), shared by the key the same way; the
carrier's own share reported, not billed. Pure: ``grid`` gives the members holding the
offer and the year's budget, and turns the shares returned into statement lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from servcommun.budget import Budget
from servcommun.engine.keys import YearKey, allocate_by_key, french_amount, french_percent
from servcommun.engine.result import SharingSummary, Statement
from servcommun.money import HUNDRED, ZERO, to_cents
from servcommun.tariff import (
    BudgetLinesPart,
    CostCategory,
    CostLine,
    GridTariff,
    ManagementFeePart,
)

Share = tuple[str, str, Decimal, str, str]
"""A member's line: (code, label, amount, basis, article)."""

_CATEGORY_WORDS = {CostCategory.SALARY: "salary mass", CostCategory.OTHER: "other costs"}


class CannotShare(ValueError):
    """The lines cannot be shared as the tariff says (a key giving a share to a member that
    does not hold the offer, a direct line of no member): said, never guessed."""


def covered_lines(part: BudgetLinesPart, lines: Sequence[CostLine]) -> list[CostLine]:
    """The budget lines ``part`` shares: those of its categories (none listed: all)."""
    if not part.categories:
        return list(lines)
    return [cost for cost in lines if cost.category in part.categories]


def budget_line_shares(
    part: BudgetLinesPart, key: YearKey, lines: Sequence[CostLine], names: Mapping[str, str]
) -> dict[str, list[Share]]:
    """Member id → its lines for the budget ``lines`` the part covers, between the members
    ``names`` (id → name) holding its offer: each line shared by ``key`` to the cent, by
    the largest remainder (``<line id>.share``, basis ``46,20 % of 1 250 000,00``), or the
    whole of a line charged ``direct`` to one member (``<line id>.direct``)."""
    shares: dict[str, list[Share]] = {member: [] for member in names}
    _key_holds(key, names)
    for cost in covered_lines(part, lines):
        if cost.direct is not None:
            if cost.direct not in names:
                raise CannotShare(
                    f"budget line '{cost.id}' is charged directly to "
                    f"'{cost.direct}', which does not hold the offer"
                )
            reference = cost.reference or (part.direct.article if part.direct else part.article)
            shares[cost.direct].append(
                (
                    f"{cost.id}.direct",
                    cost.label,
                    cost.amount,
                    f"charged directly to {names[cost.direct]}: 100 % "
                    f"of {french_amount(cost.amount)}",
                    reference,
                )
            )
            continue
        for member, amount in allocate_by_key(cost.amount, key.shares).items():
            shares[member].append(
                (
                    f"{cost.id}.share",
                    cost.label,
                    amount,
                    f"{french_percent(key.shares[member])} % of {french_amount(cost.amount)}",
                    key.reference,
                )
            )
    return shares


def management_fee_shares(
    part: ManagementFeePart, key: YearKey, lines: Sequence[CostLine], names: Mapping[str, str]
) -> dict[str, list[Share]]:
    """Member id → its management-fee lines. Délibération 10-26: « les frais de gestion ne
    sont appliqués que sur la masse salariale ». The fee on the lines shared by the key is
    computed once on their subtotal, rounded to the cent, then shared by the key like them
    (``<code>.share``); the fee on a member's direct lines is computed on their subtotal
    and is its own (``<code>.direct``)."""
    shares: dict[str, list[Share]] = {member: [] for member in names}
    if part.rate == ZERO:
        return shares
    _key_holds(key, names)
    shared_base, direct_base = fee_bases(part, lines)
    on = " and ".join(_CATEGORY_WORDS[category] for category in dict.fromkeys(part.on))
    caveat = "; illustrative rate" if part.illustrative else ""
    rate = french_percent(part.rate)
    if any(cost.category in part.on and cost.direct is None for cost in lines):
        amount = fee_amount(part, shared_base)
        for member, share in allocate_by_key(amount, key.shares).items():
            basis = (
                f"{french_percent(key.shares[member])} % of {french_amount(amount)} "
                f"({rate} % of the {on} shared by the key, {french_amount(shared_base)}"
                f"{caveat})"
            )
            shares[member].append((f"{part.code}.share", part.label, share, basis, part.article))
    for member, base in direct_base.items():
        if member not in names:
            raise CannotShare(
                f"budget lines are charged directly to '{member}', which does not hold the offer"
            )
        shares[member].append(
            (
                f"{part.code}.direct",
                part.label,
                fee_amount(part, base),
                f"{rate} % of {french_amount(base)} ({on} charged directly{caveat})",
                part.article,
            )
        )
    return shares


def fee_bases(
    part: ManagementFeePart, lines: Sequence[CostLine]
) -> tuple[Decimal, dict[str, Decimal]]:
    """What the fees are computed on: the subtotal of the lines of the fee's categories
    shared by the key, and of those charged directly to each member."""
    shared = ZERO
    direct: dict[str, Decimal] = {}
    for cost in lines:
        if cost.category not in part.on:
            continue
        if cost.direct is None:
            shared += cost.amount
        else:
            direct[cost.direct] = direct.get(cost.direct, ZERO) + cost.amount
    return shared, direct


def fee_amount(part: ManagementFeePart, base: Decimal) -> Decimal:
    """``part.rate`` percent of ``base``, rounded to the cent (half away from zero)."""
    return to_cents(base * part.rate / HUNDRED)


def _key_holds(key: YearKey, names: Mapping[str, str]) -> None:
    """The key shares between members holding the offer, with a positive total."""
    strangers = [member for member in key.shares if member not in names]
    if strangers:
        raise CannotShare(
            f"the key '{key.id}' gives a share to {', '.join(strangers)}, "
            "which does not hold the offer"
        )
    if sum(key.shares.values(), ZERO) <= ZERO:
        raise CannotShare(f"the key '{key.id}' gives no share to anyone")


# -- the bill's summary ----------------------------------------------------------------


def sharing_summary(
    tariff: GridTariff,
    budget: Budget | None,
    keys: Sequence[YearKey],
    statements: Sequence[Statement],
) -> SharingSummary | None:
    """What a bill sharing budget lines by a key says beside its statements: the key (the
    budget lines' own), the cost shared, the management fees (rate, base, total) and the
    caveats (a computed key's note, an illustrative rate or budget). None for a tariff
    without such parts."""
    parts = [part for _, part in tariff.keyed_parts()]
    if not parts or budget is None:
        return None
    shared = [part for part in parts if isinstance(part, BudgetLinesPart)]
    fees = [part for part in parts if isinstance(part, ManagementFeePart)]
    lines = {cost.id: cost for part in shared for cost in covered_lines(part, budget.lines)}
    key = keys[0] if keys else None
    notes = [year.note for year in keys if year.note]
    fee = fees[0] if fees else None
    fee_base = ZERO
    if fee is not None:
        shared_base, direct_base = fee_bases(fee, budget.lines)
        fee_base = shared_base + sum(direct_base.values(), ZERO)
        if fee.illustrative:
            notes.append(
                f"the management-fee rate ({french_percent(fee.rate)} %) is "
                "illustrative, not the convention's"
            )
    if budget.illustrative:
        notes.append(f"the {budget.year} budget's figures are illustrative")
    fee_codes = {f"{part.code}.share" for part in fees} | {f"{part.code}.direct" for part in fees}
    carrier = tariff.carrier
    return SharingSummary(
        carrier=carrier.id if carrier is not None else "",
        key=tuple(key.shares.items()) if key is not None else (),
        key_reference=key.reference if key is not None else "",
        cost_total=sum((cost.amount for cost in lines.values()), ZERO),
        fee_rate=fee.rate if fee is not None else ZERO,
        fee_base=fee_base,
        fee_total=sum(
            (line.amount for s in statements for line in s.lines if line.code in fee_codes), ZERO
        ),
        fee_reference=fee.article if fee is not None else "",
        categories=tuple((cost.id, cost.category.value) for cost in lines.values()),
        notes=tuple(notes),
    )
