"""Comparison of two bills: two tariff grids for one year, or one service over two years.

Pure: two ``Bill`` results in, one row per member out (the amount under each side, the
difference in euros and percent) and the totals. Members billed on one side only count
as 0 on the other; a member needing review on a side has no amount there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from servcommun.engine.result import Bill, MemberRef
from servcommun.money import ZERO

PERCENT_STEP = Decimal("0.1")


class Standing(StrEnum):
    BILLED = "billed"
    NEEDS_REVIEW = "needs-review"
    ABSENT = "absent"  # not active on this side: owes nothing


@dataclass(frozen=True)
class MemberDiff:
    member: MemberRef
    before: Decimal | None  # None: needs review on that side
    after: Decimal | None
    standing_before: Standing
    standing_after: Standing

    @property
    def difference(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def percent(self) -> Decimal | None:
        return percent_change(self.before, self.after)


@dataclass(frozen=True)
class BillDiff:
    before: Bill
    after: Bill
    members: tuple[MemberDiff, ...]

    @property
    def difference(self) -> Decimal:
        return self.after.total - self.before.total

    @property
    def percent(self) -> Decimal | None:
        return percent_change(self.before.total, self.after.total)

    @property
    def changed(self) -> tuple[MemberDiff, ...]:
        return tuple(
            row
            for row in self.members
            if row.standing_before != row.standing_after
            or (row.difference is not None and row.difference != ZERO)
        )


def diff_bills(before: Bill, after: Bill) -> BillDiff:
    """Every member of either bill, in the order of ``before`` then the newcomers of
    ``after``, with what it owes on each side."""
    order: dict[str, MemberRef] = {}
    for bill in (before, after):
        for ref in [s.member for s in bill.statements] + [r.member for r in bill.needs_review]:
            order.setdefault(ref.id, ref)
    sides = [_amounts(before), _amounts(after)]
    rows = []
    for member_id, ref in order.items():
        (amount_before, standing_before), (amount_after, standing_after) = (
            side.get(member_id, (ZERO, Standing.ABSENT)) for side in sides
        )
        rows.append(MemberDiff(ref, amount_before, amount_after, standing_before, standing_after))
    return BillDiff(before, after, tuple(rows))


def _amounts(bill: Bill) -> dict[str, tuple[Decimal | None, Standing]]:
    amounts: dict[str, tuple[Decimal | None, Standing]] = {
        s.member.id: (s.total, Standing.BILLED) for s in bill.statements if s.billed
    }
    amounts.update({r.member.id: (None, Standing.NEEDS_REVIEW) for r in bill.needs_review})
    return amounts


def percent_change(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    """``after`` against ``before`` in percent, one decimal; None from nothing."""
    if before is None or after is None or before == ZERO:
        return None
    return ((after - before) * 100 / before).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)
