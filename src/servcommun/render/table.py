"""Tables of a bill for the terminal (Rich): a summary row per member (per party, for a
cost-sharing service), or every line."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun.engine.result import Bill, Settlement, SharingSummary, Statement
from servcommun.money import ZERO
from servcommun.render.amounts import Fmt, money, number
from servcommun.render.documents import column_of
from servcommun.render.words import say

SUMMARY_ROWS_SHOWN = 200  # past this a terminal is no help: say how to get everything


def bill_table(
    bill: Bill,
    title: str,
    offers: Sequence[tuple[str, str]],
    *,
    detail: bool = False,
    width: int = 120,
) -> RenderableType:
    """The whole bill: member table (or line detail), members to review, staffing.

    The summary has a column per offer when ``width`` leaves room for it; a narrower
    terminal gets the totals only, and a caption saying how to see the breakdown."""
    fmt = _formatter(bill)
    parts: list[RenderableType] = []
    if detail:
        parts.extend(_statement_detail(statement, fmt) for statement in bill.statements)
        if bill.sharing is None:  # a sharing bill says what it bills below
            parts.append(Text(f"Total billed for {bill.year}: {fmt(bill.total)}", style="bold"))
    elif bill.sharing is not None:
        parts.append(_sharing_summary(bill, bill.sharing, title, _number_formatter(bill), width))
    else:
        by_offer = width >= 50 + 13 * len(offers)
        parts.append(_summary(bill, title, offers if by_offer else (), _number_formatter(bill)))
        if not by_offer:
            parts.append(Text("(breakdown by offer: a wider terminal, or --detail)", style="dim"))
    if bill.needs_review:
        review = Table(title="Needs review (not billed)", title_justify="left", expand=False)
        review.add_column("Member")
        review.add_column("Name")
        review.add_column("Reason", overflow="fold")
        for item in bill.needs_review:
            review.add_row(item.member.id, item.member.name, say(item.reason))
        parts.append(review)
    if bill.sharing is not None:
        parts.extend(_sharing_text(bill, bill.sharing, fmt))
    if bill.staffing is not None:
        s = bill.staffing
        coverage = "n/a" if s.coverage is None else f"{s.coverage} %".replace(".", ",")
        parts.append(
            Text(
                f"Staffing ({s.reference}): {s.members} {s.counted_offer} members → "
                f"{_fte(s.fte)} FTE, staff cost {fmt(s.staff_cost)}; contributions "
                f"{fmt(s.contributions)} cover {coverage} of it."
            )
        )
    return Group(*parts)


def _summary(bill: Bill, title: str, offers: Sequence[tuple[str, str]], fmt: Fmt) -> Table:
    table = Table(
        title=f"{title} — {bill.year} (amounts in {bill.currency})",
        title_justify="left",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    statements = bill.statements
    table.add_column("Member", footer="Total", no_wrap=True, min_width=5)
    table.add_column(
        "Name", footer=f"{len(statements)} members", max_width=16, overflow="ellipsis", no_wrap=True
    )
    table.add_column("Population", justify="right", min_width=6)
    shown_offers = [
        (oid, label)
        for oid, label in offers
        if any(s.offer_total(oid) != ZERO or _holds(s, oid) for s in statements)
    ]
    for offer_id, label in shown_offers:
        total = sum((s.offer_total(offer_id) for s in statements if s.billed), ZERO)
        table.add_column(label, justify="right", footer=fmt(total), min_width=10)
    table.add_column("Total", justify="right", footer=fmt(bill.total), style="bold", no_wrap=True)
    for statement in statements[:SUMMARY_ROWS_SHOWN]:
        population = statement.member.population
        table.add_row(
            statement.member.id,
            statement.member.name + ("" if statement.billed else " (not billed)"),
            f"{population:,}".replace(",", "\u202f") if population is not None else "",
            *(
                fmt(statement.offer_total(offer_id)) if _holds(statement, offer_id) else ""
                for offer_id, _ in shown_offers
            ),
            fmt(statement.total),
        )
    if len(statements) > SUMMARY_ROWS_SHOWN:
        table.caption = (
            f"{SUMMARY_ROWS_SHOWN} of {len(statements)} statements shown; the "
            "totals are for all. Every line: --format csv|json --output FILE."
        )
    return table


def _statement_detail(statement: Statement, fmt: Fmt) -> Table:
    member = statement.member
    population = f", {member.population} inhabitants" if member.population is not None else ""
    not_billed = "" if statement.billed else " — own share, not billed"
    table = Table(
        title=f"{member.id} {member.name}{population}{not_billed}",
        title_justify="left",
        show_footer=True,
    )
    table.add_column("Line", footer="Total", min_width=18, ratio=2)
    table.add_column("Basis / article", ratio=3)
    table.add_column("Titled", no_wrap=True)
    table.add_column("Amount", justify="right", footer=fmt(statement.total), no_wrap=True)
    for line in statement.lines:
        table.add_row(
            Text.assemble(line.label, "\n", (line.code, "dim")),
            Text.assemble(say(line.basis), "\n", (line.reference, "dim")),
            line.titled,
            fmt(line.amount),
        )
    if statement.settlement is not None:
        table.caption = settlement_text(statement.settlement, fmt)
        table.caption_justify = "left"
    return table


def settlement_text(settlement: Settlement, fmt: Fmt) -> str:
    """One sentence saying how a statement is settled."""
    where = f" ({settlement.reference})" if settlement.reference else ""
    before, deducted = settlement.attribution_before, settlement.deducted
    if before is None or deducted is None:
        return f"Settled by a title of revenue{where}."
    return (
        f"Settled by deduction from the {settlement.attribution_year} attribution de "
        f"compensation{where}: {fmt(before)} − {fmt(deducted)} = "
        f"{fmt(before - deducted)}."
    )


_SHARING_GROUPS = (
    ("salary", "Salary mass"),
    ("other", "Other costs"),
    ("management-fees", "Management fees"),
)


def _sharing_summary(
    bill: Bill, sharing: SharingSummary, title: str, fmt: Fmt, width: int
) -> Table:
    """One row per party: its key, its share of each cost category and of the fees. The
    footer is the whole cost, the carrier's own share included."""
    statements = bill.statements
    category_of = dict(sharing.categories)
    key = dict(sharing.key)

    def group_total(statement: Statement, group: str) -> Decimal:
        return sum(
            (
                line.amount
                for line in statement.lines
                if category_of.get(column_of(line), "management-fees") == group
            ),
            ZERO,
        )

    groups = [
        (group, label)
        for group, label in _SHARING_GROUPS
        if any(group_total(s, group) != ZERO for s in statements)
    ]
    if width < 60 + 14 * len(groups):
        groups = []
    table = Table(
        title=f"{title} — {bill.year} (amounts in {bill.currency})",
        title_justify="left",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Party", footer="Total", no_wrap=True)
    table.add_column("Name", footer=f"{len(statements)} parties", overflow="fold")
    table.add_column(
        "Key",
        justify="right",
        no_wrap=True,
        footer=f"{fmt(sum((key.get(s.member.id, ZERO) for s in statements), ZERO))} %",
    )
    for group, label in groups:
        table.add_column(
            label,
            justify="right",
            min_width=10,
            no_wrap=True,
            footer=fmt(sum((group_total(s, group) for s in statements), ZERO)),
        )
    table.add_column(
        "Total",
        justify="right",
        style="bold",
        no_wrap=True,
        footer=fmt(sum((s.total for s in statements), ZERO)),
    )
    for statement in statements:
        member = statement.member
        share = key.get(member.id)
        table.add_row(
            member.id,
            member.name + ("" if statement.billed else " (carrier, not billed)"),
            "" if share is None else f"{fmt(share)} %",
            *(fmt(group_total(statement, group)) for group, _ in groups),
            fmt(statement.total),
        )
    if not groups:
        table.caption = "breakdown by category: a wider terminal, or --detail"
    return table


def _sharing_text(bill: Bill, sharing: SharingSummary, fmt: Fmt) -> list[Text]:
    """What is billed and what is not, the key's and the fees' references, the caveats."""
    billed = [s for s in bill.statements if s.billed]
    kept = [s for s in bill.statements if not s.billed]
    lines = [
        Text(
            f"Billed for {bill.year}: "
            + " + ".join(f"{s.member.name} {fmt(s.total)}" for s in billed)
            + (f" = {fmt(bill.total)}" if len(billed) > 1 else ""),
            style="bold",
        )
    ]
    lines.extend(
        Text(
            f"{s.member.name} runs the service: its own share, {fmt(s.total)}, is "
            "reported, not billed."
        )
        for s in kept
    )
    shares = ", ".join(
        f"{party} {number(percent, bill.locale)} %" for party, percent in sharing.key
    )
    lines.append(Text(f"Key ({sharing.key_reference}): {shares}."))
    if sharing.fee_total != ZERO:
        lines.append(
            Text(
                f"Management fees ({sharing.fee_reference}): "
                f"{number(sharing.fee_rate, bill.locale)} % of {fmt(sharing.fee_base)}"
                f" = {fmt(sharing.fee_total)}, shared like the costs they are "
                "computed on."
            )
        )
    lines.extend(Text(f"Note: {say(note)}.", style="dim") for note in sharing.notes)
    return lines


def _holds(statement: Statement, offer_id: str) -> bool:
    return any(column_of(line) == offer_id for line in statement.lines)


def _number_formatter(bill: Bill) -> Fmt:
    def fmt(amount: Decimal) -> str:
        return number(amount, bill.locale)

    return fmt


def _formatter(bill: Bill) -> Fmt:
    def fmt(amount: Decimal) -> str:
        return money(amount, bill.currency, bill.locale)

    return fmt


def _fte(value: Decimal) -> str:
    return format(value.normalize(), "f")
