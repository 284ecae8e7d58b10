"""Tables of a bill for the terminal (Rich): a summary row per member (per party, for a
cost-sharing service), or every line — in the language in use, amounts as it writes
them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun import language
from servcommun.engine.result import AllowanceSummary, Bill, Settlement, SharingSummary, Statement
from servcommun.language import N_
from servcommun.message import Message, msg, msg_n
from servcommun.money import ZERO
from servcommun.render.amounts import money, number
from servcommun.render.documents import column_of, population_text
from servcommun.render.words import number_text, say

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
    parts: list[RenderableType] = []
    if detail:
        parts.extend(_statement_detail(s, bill.currency) for s in bill.statements)
        if bill.sharing is None:  # a sharing bill says what it bills below
            said = msg(
                "Total billed for {year:year}: {total:amount}", year=bill.year, total=bill.total
            )
            parts.append(Text(say(said), style="bold"))
    elif bill.sharing is not None:
        parts.append(_sharing_summary(bill, bill.sharing, title, width))
    else:
        by_offer = _offers_fit(bill, offers, width)
        parts.append(_summary(bill, title, offers if by_offer else (), width))
        if not by_offer:
            hint = language._("(breakdown by offer: a wider terminal, or --detail)")
            parts.append(Text(hint, style="dim"))
    if bill.needs_review:
        review = Table(
            title=language._("Needs review (not billed)"), title_justify="left", expand=False
        )
        review.add_column(language._("Member"))
        review.add_column(language._("Name"))
        review.add_column(language._("Reason"), overflow="fold")
        for item in bill.needs_review:
            review.add_row(item.member.id, item.member.name, say(item.reason))
        parts.append(review)
    if bill.sharing is not None:
        parts.extend(_sharing_text(bill, bill.sharing))
    if bill.staffing is not None:
        s = bill.staffing
        coverage = language._("n/a") if s.coverage is None else number_text(s.coverage, "percent")
        staffing = msg_n(
            "Staffing ({reference}): {members:count} {offer} member → {fte:number} FTE, "
            "staff cost {cost:amount}; contributions {contributions:amount} cover "
            "{coverage} of it.",
            "Staffing ({reference}): {members:count} {offer} members → {fte:number} FTE, "
            "staff cost {cost:amount}; contributions {contributions:amount} cover "
            "{coverage} of it.",
            n="members",
            reference=s.reference,
            members=s.members,
            offer=s.counted_offer,
            fte=s.fte,
            cost=s.staff_cost,
            contributions=s.contributions,
            coverage=coverage,
        )
        parts.append(Text(say(staffing)))
    parts.extend(Text(say(allowance_text(summary))) for summary in bill.allowances)
    return Group(*parts)


def allowance_text(summary: AllowanceSummary) -> Message:
    """What the members used of their yearly allowances (Redon: the engineering days)."""
    return msg_n(
        "{units} ({reference}): {used:number} used by {members:count} {offer} member, "
        "against an allowance of {allowance:number}; {beyond:number} beyond it, billed as "
        "'{label}'.",
        "{units} ({reference}): {used:number} used by {members:count} {offer} members, "
        "against their allowances of {allowance:number} in all; {beyond:number} beyond "
        "each one's own, billed as '{label}'.",
        n="members",
        units=", ".join(summary.units),
        reference=summary.reference,
        used=summary.used,
        members=summary.members,
        offer=summary.offer,
        allowance=summary.allowance,
        beyond=summary.beyond,
        label=summary.label,
    )


def _title(title: str, bill: Bill) -> str:
    return say(
        msg(
            "{title} — {year:year} (amounts in {currency})",
            title=title,
            year=bill.year,
            currency=bill.currency,
        )
    )


def _offers_fit(bill: Bill, offers: Sequence[tuple[str, str]], width: int) -> bool:
    """Whether a column by offer fits ``width`` beside whole names: each column as wide
    as its heading (headings do not wrap) or a figure, and two spaces between columns.
    Rich would otherwise drop the last column, the total."""
    return _columns_width(bill, offers) <= width


_FIGURE = 12  # « 102 949,00 » and its margin


def _columns_width(bill: Bill, offers: Sequence[tuple[str, str]], name: int | None = None) -> int:
    """The width of the summary with whole names (or names ``name`` wide)."""
    shown = bill.statements[:SUMMARY_ROWS_SHOWN]
    columns = [
        # an id is never cut: a SIREN, an association's RNA number are longer than a code
        max([len(language._("Member")), *(len(s.member.id) for s in shown)]),
        _name_width(bill) if name is None else name,
        *([len(language._("Population"))] if _populated(bill) else []),
        *(max(len(label), _FIGURE) for _, label in offers),
        max(len(language._("Total")), _FIGURE),
    ]
    return sum(columns) + 2 * len(columns)


def _populated(bill: Bill) -> bool:
    """A member billed has a population (none has where no rule reads it: a column of
    blanks would say nothing)."""
    return any(s.member.population is not None for s in bill.statements)


def _name_width(bill: Bill) -> int:
    """The room a name has in the summary: the longest shown, up to 24 characters."""
    shown = bill.statements[:SUMMARY_ROWS_SHOWN]
    return min(max((len(s.member.name) for s in shown), default=0), 24)


def _summary(bill: Bill, title: str, offers: Sequence[tuple[str, str]], width: int) -> Table:
    table = Table(
        title=_title(title, bill),
        title_justify="left",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    statements = bill.statements
    total = language._("Total")
    table.add_column(language._("Member"), footer=total, no_wrap=True, min_width=5)
    # a name is never cut: it has the room of the longest (up to 24 characters), and
    # wraps when the terminal has none
    table.add_column(
        language._("Name"),
        footer=say(_members(len(statements))),
        overflow="fold",
        # whole names where the terminal has room; in a narrow one they wrap, the
        # figures never lose a column
        min_width=max(6, min(_name_width(bill), width - _columns_width(bill, offers, 0))),
    )
    populated = _populated(bill)
    if populated:
        table.add_column(language._("Population"), justify="right", min_width=6, no_wrap=True)
    shown_offers = [
        (oid, label)
        for oid, label in offers
        if any(s.offer_total(oid) != ZERO or _holds(s, oid) for s in statements)
    ]
    for offer_id, label in shown_offers:
        offer_total = sum((s.offer_total(offer_id) for s in statements if s.billed), ZERO)
        # a figure never wraps: Rich would break a line at the no-break space that groups
        # its digits
        table.add_column(
            label, justify="right", footer=number(offer_total), min_width=10, no_wrap=True
        )
    table.add_column(total, justify="right", footer=number(bill.total), style="bold", no_wrap=True)
    for statement in statements[:SUMMARY_ROWS_SHOWN]:
        population = statement.member.population
        name = statement.member.name
        figure = number_text(population, "count") if population is not None else ""
        table.add_row(
            statement.member.id,
            name if statement.billed else say(msg("{name} (not billed)", name=name)),
            *([figure] if populated else []),
            *(
                number(statement.offer_total(offer_id)) if _holds(statement, offer_id) else ""
                for offer_id, _label in shown_offers
            ),
            number(statement.total),
        )
    if len(statements) > SUMMARY_ROWS_SHOWN:
        table.caption = say(
            msg(
                "{shown:count} of {count:count} statements shown; the totals are for all. "
                "Every line: --format csv|json --output FILE.",
                shown=SUMMARY_ROWS_SHOWN,
                count=len(statements),
            )
        )
    return table


def _members(count: int) -> Message:
    return msg_n("{count:count} member", "{count:count} members", n="count", count=count)


def _statement_detail(statement: Statement, currency: str) -> Table:
    member = statement.member
    title = f"{member.id} {member.name}"
    if member.population is not None:
        title = f"{title}, {say(population_text(member.population))}"
    if not statement.billed:
        title = say(msg("{member} — own share, not billed", member=title))
    table = Table(title=title, title_justify="left", show_footer=True)
    table.add_column(language._("Line"), footer=language._("Total"), min_width=18, ratio=2)
    table.add_column(language._("Basis / article"), ratio=3)
    table.add_column(language._("Titled"), no_wrap=True)
    table.add_column(
        language._("Amount"), justify="right", footer=money(statement.total, currency), no_wrap=True
    )
    for line in statement.lines:
        table.add_row(
            Text.assemble(line.label, "\n", (line.code, "dim")),
            Text.assemble(say(line.basis), "\n", (line.reference, "dim")),
            line.titled,
            money(line.amount, currency),
        )
    if statement.settlement is not None:
        table.caption = say(settlement_text(statement.settlement))
        table.caption_justify = "left"
    return table


def settlement_text(settlement: Settlement) -> Message:
    """One sentence saying how a statement is settled."""
    reference = settlement.reference
    before, deducted = settlement.attribution_before, settlement.deducted
    if before is None or deducted is None:
        if reference:
            return msg("Settled by a title of revenue ({reference}).", reference=reference)
        return msg("Settled by a title of revenue.")
    figures = {
        "year": settlement.attribution_year,
        "before": before,
        "deducted": deducted,
        "after": before - deducted,
    }
    if reference:
        return msg(
            "Settled by deduction from the {year:year} attribution de compensation "
            "({reference}): {before:amount} − {deducted:amount} = {after:amount}.",
            reference=reference,
            **figures,
        )
    return msg(
        "Settled by deduction from the {year:year} attribution de compensation: "
        "{before:amount} − {deducted:amount} = {after:amount}.",
        **figures,
    )


_SHARING_GROUPS = (
    ("salary", N_("Salary mass")),
    ("other", N_("Other costs")),
    ("management-fees", N_("Management fees")),
)


def _sharing_summary(bill: Bill, sharing: SharingSummary, title: str, width: int) -> Table:
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
        title=_title(title, bill),
        title_justify="left",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    parties = msg_n(
        "{count:count} party", "{count:count} parties", n="count", count=len(statements)
    )
    table.add_column(language._("Party"), footer=language._("Total"), no_wrap=True)
    table.add_column(language._("Name"), footer=say(parties), overflow="fold")
    table.add_column(
        language._("Key"),
        justify="right",
        no_wrap=True,
        footer=number_text(sum((key.get(s.member.id, ZERO) for s in statements), ZERO), "percent"),
    )
    for group, label in groups:
        table.add_column(
            language._(label),
            justify="right",
            min_width=10,
            no_wrap=True,
            footer=number(sum((group_total(s, group) for s in statements), ZERO)),
        )
    table.add_column(
        language._("Total"),
        justify="right",
        style="bold",
        no_wrap=True,
        footer=number(sum((s.total for s in statements), ZERO)),
    )
    for statement in statements:
        member = statement.member
        share = key.get(member.id)
        name = member.name
        table.add_row(
            member.id,
            name if statement.billed else say(msg("{name} (carrier, not billed)", name=name)),
            "" if share is None else number_text(share, "percent"),
            *(number(group_total(statement, group)) for group, _label in groups),
            number(statement.total),
        )
    if not groups:
        table.caption = language._("breakdown by category: a wider terminal, or --detail")
    return table


def _sharing_text(bill: Bill, sharing: SharingSummary) -> list[Text]:
    """What is billed and what is not, the key's and the fees' references, the caveats."""
    billed = [s for s in bill.statements if s.billed]
    kept = [s for s in bill.statements if not s.billed]
    shares = " + ".join(f"{s.member.name} {money(s.total, bill.currency)}" for s in billed)
    if len(billed) > 1:
        shares = f"{shares} = {money(bill.total, bill.currency)}"
    lines = [
        Text(
            say(msg("Billed for {year:year}: {shares}", year=bill.year, shares=shares)),
            style="bold",
        )
    ]
    lines.extend(
        Text(
            say(
                msg(
                    "{name} runs the service: its own share, {total:amount}, is reported, "
                    "not billed.",
                    name=s.member.name,
                    total=s.total,
                )
            )
        )
        for s in kept
    )
    key = ", ".join(f"{party} {number_text(percent, 'percent')}" for party, percent in sharing.key)
    lines.append(
        Text(say(msg("Key ({reference}): {key}.", reference=sharing.key_reference, key=key)))
    )
    if sharing.fee_total != ZERO:
        fees = msg(
            "Management fees ({reference}): {rate:percent} of {base:amount} = {total:amount}, "
            "shared like the costs they are computed on.",
            reference=sharing.fee_reference,
            rate=sharing.fee_rate,
            base=sharing.fee_base,
            total=sharing.fee_total,
        )
        lines.append(Text(say(fees)))
    lines.extend(Text(say(msg("Note: {note}.", note=note)), style="dim") for note in sharing.notes)
    return lines


def _holds(statement: Statement, offer_id: str) -> bool:
    return any(column_of(line) == offer_id for line in statement.lines)
