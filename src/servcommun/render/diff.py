"""Two bills compared, per member and in total: a table for people (in the language in
use), JSON for programs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from servcommun import language
from servcommun.engine.diff import BillDiff, MemberDiff, Standing
from servcommun.message import msg, msg_n
from servcommun.render.amounts import number, plain
from servcommun.render.words import number_text, say


def diff_json(
    diff: BillDiff, *, service: str, labels: tuple[str, str], files: tuple[str, ...]
) -> dict[str, Any]:
    """``a`` and ``b`` are the two sides; amounts are null where a member needs review."""
    return {
        "service": service,
        "currency": diff.before.currency,
        "a": {"label": labels[0], "year": diff.before.year, "tariff": files[0]},
        "b": {"label": labels[1], "year": diff.after.year, "tariff": files[1]},
        "members": [_row_json(row) for row in diff.members],
        "total": {
            "a": plain(diff.before.total),
            "b": plain(diff.after.total),
            "difference": plain(diff.difference),
            "percent": _text(diff.percent),
        },
    }


def _row_json(row: MemberDiff) -> dict[str, Any]:
    data: dict[str, Any] = {
        "member": {"id": row.member.id, "name": row.member.name},
        "a": _plain(row.before),
        "b": _plain(row.after),
        "difference": _plain(row.difference),
        "percent": _text(row.percent),
    }
    if row.standing_before is not Standing.BILLED or row.standing_after is not Standing.BILLED:
        data["standing"] = {"a": row.standing_before.value, "b": row.standing_after.value}
    return data


def diff_table(
    diff: BillDiff,
    *,
    title: str,
    labels: tuple[str, str],
    currency: str,
    locale: str | None = None,
    changed_only: bool = False,
) -> RenderableType:
    """A row per member (``changed_only``: those whose amount or standing changes), the
    totals in the footer; long side labels (file names) become A and B, named above. In
    the language in use (``locale``, the tariff's, is not used: the reader's language
    writes the amounts)."""
    short = all(len(label) <= 12 for label in labels)
    heads = labels if short else ("A", "B")
    rows = diff.changed if changed_only else diff.members
    sides = f"{labels[0]} → {labels[1]}" if short else f"A: {labels[0]} → B: {labels[1]}"
    heading = msg("{sides} (amounts in {currency})", sides=sides, currency=currency)
    table = Table(
        title=f"{title}\n{say(heading)}",
        title_justify="left",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column(language._("Member"), footer=language._("Total"), no_wrap=True, min_width=5)
    members = msg_n(
        "{count:count} member", "{count:count} members", n="count", count=len(diff.members)
    )
    table.add_column(
        language._("Name"),
        footer=say(members),
        max_width=16,
        overflow="ellipsis",
        no_wrap=True,
    )
    for head, total in ((heads[0], diff.before.total), (heads[1], diff.after.total)):
        table.add_column(head, justify="right", footer=number(total), no_wrap=True)
    table.add_column(
        language._("Difference"), justify="right", footer=_signed(diff.difference), no_wrap=True
    )
    table.add_column("%", justify="right", footer=_percent(diff.percent), no_wrap=True)
    for row in rows:
        table.add_row(
            row.member.id,
            row.member.name,
            _side(row.before, row.standing_before),
            _side(row.after, row.standing_after),
            "" if row.difference is None else _signed(row.difference),
            _percent(row.percent),
        )
    parts: list[RenderableType] = [table]
    if changed_only:
        unchanged = len(diff.members) - len(rows)
        said = msg_n(
            "{count:count} member unchanged not shown; the totals are for all.",
            "{count:count} members unchanged not shown; the totals are for all.",
            n="count",
            count=unchanged,
        )
        parts.append(Text(say(said), style="dim"))
    if any(
        row.standing_before is Standing.NEEDS_REVIEW or row.standing_after is Standing.NEEDS_REVIEW
        for row in diff.members
    ):
        parts.append(
            Text(
                language._(
                    "needs review: not computed on that side, left out of its total; "
                    "—: not a member that year."
                ),
                style="dim",
            )
        )
    return Group(*parts)


def _side(amount: Decimal | None, standing: Standing) -> str:
    if standing is Standing.NEEDS_REVIEW:
        return language._("review")
    if standing is Standing.ABSENT:
        return "—"
    assert amount is not None
    return number(amount)


def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + number(amount)


def _percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + number_text(value, "percent")


def _plain(amount: Decimal | None) -> str | None:
    return None if amount is None else plain(amount)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
