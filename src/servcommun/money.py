"""Money values: exact decimals, rounded to the cent once, shares that sum exactly.

Never use floating point for money (beancount's rule): every amount is a
``decimal.Decimal`` built from the text it was written as.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction
from typing import TypeVar

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

K = TypeVar("K")


def to_cents(amount: Decimal) -> Decimal:
    """Round to the cent, half away from zero: the rule French public accounting applies."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def exact_decimal(value: Fraction) -> Decimal | None:
    """``value`` as a decimal, when one writes it exactly (1/4 → 0.25; 1/3: None)."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    return Decimal(value.numerator * 10**places // value.denominator).scaleb(-places)


def fraction_to_cents(amount: Fraction) -> Decimal:
    """An exact amount (3 × 1/3 day × 300.00) rounded to the cent once, half away from
    zero, as ``to_cents`` rounds a decimal."""
    hundredths = abs(amount) * 100
    cents = math.floor(hundredths + Fraction(1, 2))
    return (Decimal(cents if amount >= 0 else -cents) / 100).quantize(CENT)


_ROUNDINGS = {"half-up": ROUND_HALF_UP, "down": ROUND_DOWN, "up": ROUND_UP}


def round_places(value: Decimal, places: int, mode: str = "half-up") -> Decimal:
    """``value`` rounded to ``places`` decimals, as a convention states it: ``half-up``
    (0.5 away from zero), ``down`` (truncated) or ``up`` (away from zero)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=_ROUNDINGS[mode])


def ceil_to_unit(quantity: Decimal, unit: Decimal) -> Decimal:
    """How many ``unit``s cover ``quantity`` (rounded up): 2.1 days in half-days → 5."""
    return (quantity / unit).to_integral_value(rounding=ROUND_CEILING)


def has_cents_only(amount: Decimal) -> bool:
    """True when ``amount`` is written with at most two decimals (exact to the cent)."""
    # read off the digits: quantizing a huge amount (1E+30) raises InvalidOperation, and
    # normalize() would round 1E-400000000 to zero
    _, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):  # NaN, infinity
        return False
    trailing_zeros = next((i for i, digit in enumerate(reversed(digits)) if digit), len(digits))
    return trailing_zeros == len(digits) or exponent + trailing_zeros >= -2


def allocate(
    total: Decimal, weights: Mapping[K, Decimal], quantum: Decimal = CENT
) -> dict[K, Decimal]:
    """Share ``total`` (in cents) in proportion to ``weights`` by the largest remainder.

    Each share is first rounded down to the cent; the cents left over go one by one to
    the shares whose exact value lost the most, ties broken by the keys' text so that the
    result never depends on the order of the parties. The shares then sum exactly to
    ``total`` and none is a cent or more from its exact value. A negative total is shared
    as the mirror of its absolute value. ``quantum`` replaces the cent for other units
    (percentage points of a key written to the hundredth: 0.01).
    """
    if not weights:
        raise ValueError("cannot share an amount between no parties")
    weight_sum = sum(weights.values(), ZERO)
    if weight_sum <= ZERO:
        raise ValueError("weights must sum to a positive number")
    total = total.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = Decimal(-1) if total < ZERO else Decimal(1)
    magnitude = abs(total)
    exact = {key: magnitude * weight / weight_sum for key, weight in weights.items()}
    shares = {key: value.quantize(quantum, rounding=ROUND_DOWN) for key, value in exact.items()}
    left = int((magnitude - sum(shares.values(), ZERO)) / quantum)
    order: Sequence[K] = sorted(weights, key=lambda key: (shares[key] - exact[key], str(key)))
    for key in order[:left]:
        shares[key] += quantum
    return {key: sign * share for key, share in shares.items()}
