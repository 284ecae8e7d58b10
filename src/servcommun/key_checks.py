"""Checks of percentage keys: a key names known parties, is written to its precision and
sums to exactly 100 %; a part names a key the tariff defines. Shared by the tariff's keys
and the rules that name a key or write one in place (a pool layer)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from servcommun.message import Message, msg, msg_n
from servcommun.money import HUNDRED, ZERO

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Tariff

DEFAULT_PRECISION = Decimal("0.01")
"""The percentage points a key is written to when it does not say (one written in a pool
layer, too)."""


def undefined_key(doc: Document, path: Path_, key_id: str, tariff: Tariff) -> Iterator[Diagnostic]:
    """A part or a pool layer names a key of the tariff's ``keys``."""
    known = [key.id for key in tariff.keys]
    if key_id not in known:
        none = msg("none: define it under keys")
        yield doc.diagnostic(
            path,
            "undefined-key",
            msg(
                "the tariff defines no key '{key}'{suggestion} (keys: {known})",
                key=key_id,
                suggestion=did_you_mean(key_id, known),
                known=listing(known, none),
            ),
        )


def key_shares(
    doc: Document,
    path: Path_,
    shares: Mapping[str, Decimal],
    precision: Decimal,
    tariff: Tariff,
) -> Iterator[Diagnostic]:
    """A key's shares (of the tariff's ``keys``, or written in a pool layer) name parties of
    the tariff (when it names them), are written to the key's precision and sum to exactly
    100 %."""
    known = [party.id for party in tariff.parties]
    for member, percent in shares.items():
        if known and member not in known:
            yield doc.diagnostic(
                (*path, member),
                "unknown-party",
                msg(
                    "party '{party}' is not defined in 'parties' (defined: {known})",
                    party=member,
                    known=listing(known),
                ),
                key=True,
            )
        if not written_to(percent, precision):
            yield doc.diagnostic(
                (*path, member),
                "key-precision",
                msg(
                    "{percent:percent} is written beyond the key's precision "
                    "({precision:percent}): round it, or set 'precision'",
                    percent=percent,
                    precision=precision,
                ),
            )
    total = sum(shares.values(), ZERO)
    if total != HUNDRED:
        gap = abs(HUNDRED - total)
        terms = sum_terms(tuple(shares.values()))
        values = {
            "hundred": HUNDRED,
            "total": total,
            "gap": gap,
            "terms": terms,
            "count": plural_count(gap),
        }
        yield doc.diagnostic(
            path,
            "key-sum",
            msg_n(
                "the key sums to {total:percent}, not {hundred:percent}: add "
                "{gap:number} point ({terms})",
                "the key sums to {total:percent}, not {hundred:percent}: add "
                "{gap:number} points ({terms})",
                n="count",
                **values,
            )
            if total < HUNDRED
            else msg_n(
                "the key sums to {total:percent}, not {hundred:percent}: remove "
                "{gap:number} point ({terms})",
                "the key sums to {total:percent}, not {hundred:percent}: remove "
                "{gap:number} points ({terms})",
                n="count",
                **values,
            ),
        )


def written_to(value: Decimal, precision: Decimal) -> bool:
    """True when ``value`` has no digit below ``precision`` (a power of ten)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return False
    trailing_zeros = next((i for i, digit in enumerate(reversed(digits)) if digit), len(digits))
    return trailing_zeros == len(digits) or exponent + trailing_zeros >= precision.adjusted()


def did_you_mean(name: str, known: Iterable[str]) -> Message | None:
    """``: did you mean 'x'?`` for the known name closest to ``name``; None (said as
    nothing) when none is close."""
    import difflib  # only when a unit is misspelt: not on every bill's start-up

    close = difflib.get_close_matches(name, list(known), n=1)
    return msg(": did you mean '{name}'?", name=close[0]) if close else None


def listing(names: Iterable[str], none: Message | None = None) -> str | Message:
    """Ids (of offers, parties, units…) as a list, ``a, b, c``; with none of them, the
    ``none`` message (« none » unless told)."""
    return ", ".join(names) or (none if none is not None else msg("none"))


def sum_terms(figures: tuple[Decimal, ...]) -> Message | None:
    """``46.20 + 53.32 + 0.48``: figures as written, added up."""
    if not figures:
        return None
    said = msg("{figure:decimal}", figure=figures[0])
    for figure in figures[1:]:
        said = msg("{terms} + {figure:decimal}", terms=said, figure=figure)
    return said


def plural_count(value: Decimal) -> int:
    """The count that chooses the plural of a quantity's noun: the quantity when it is a
    whole number, else 2 (« 1.5 points »: a fraction is counted as many)."""
    return int(value) if value == value.to_integral_value() else 2
