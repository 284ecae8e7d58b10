"""Checks of percentage keys: a key names known parties, is written to its precision and
sums to exactly 100 %; a part names a key the tariff defines. Shared by the tariff's keys
and the rules that name a key or write one in place (a pool layer)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

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
        yield doc.diagnostic(
            path,
            "undefined-key",
            f"the tariff defines no key '{key_id}'"
            f"{did_you_mean(key_id, known)} (keys: "
            f"{', '.join(known) or 'none: define it under keys'})",
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
                f"party '{member}' is not defined in 'parties' (defined: {', '.join(known)})",
                key=True,
            )
        if not written_to(percent, precision):
            yield doc.diagnostic(
                (*path, member),
                "key-precision",
                f"{percent} % is written beyond the key's precision "
                f"({precision} %): round it, or set 'precision'",
            )
    total = sum(shares.values(), ZERO)
    if total != HUNDRED:
        gap = abs(HUNDRED - total)
        yield doc.diagnostic(
            path,
            "key-sum",
            f"the key sums to {total} %, not 100 %: "
            f"{'add' if total < HUNDRED else 'remove'} {gap} points "
            f"({' + '.join(str(p) for p in shares.values())})",
        )


def written_to(value: Decimal, precision: Decimal) -> bool:
    """True when ``value`` has no digit below ``precision`` (a power of ten)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return False
    trailing_zeros = next((i for i, digit in enumerate(reversed(digits)) if digit), len(digits))
    return trailing_zeros == len(digits) or exponent + trailing_zeros >= precision.adjusted()


def did_you_mean(name: str, known: Iterable[str]) -> str:
    import difflib  # only when a unit is misspelt: not on every bill's start-up

    close = difflib.get_close_matches(name, list(known), n=1)
    return f": did you mean '{close[0]}'?" if close else ""
