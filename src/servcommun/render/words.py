"""Messages said as text: each field of a ``Message`` formatted for its kind.

The words are the templates' own (English); numbers are written plainly, as the tariff
and the accounts write them (``1.50``, ``2355``, ``4.5``), dates day first.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from servcommun.message import Message


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _periods(spans: Sequence[tuple[dt.date, dt.date]]) -> str:
    return ", ".join(f"{start:%d/%m/%Y}–{end:%d/%m/%Y}" for start, end in spans)


_KINDS: Mapping[str, Callable[[Any], str]] = {
    "count": str,
    "number": _number,
    "amount": str,
    "decimal": str,
    "percent": str,
    "date": lambda day: f"{day:%d/%m/%Y}",
    "periods": _periods,
}


@functools.cache
def _template(text: str) -> tuple[tuple[str, str | None, str], ...]:
    """A template's literal texts and fields (name, kind), parsed once: a bill says the
    same few templates for every line."""
    return tuple(
        (literal, field, spec or "") for literal, field, spec, _ in string.Formatter().parse(text)
    )


def say(message: Message) -> str:
    """``message`` as a sentence."""
    words: list[str] = []
    values = dict(message.values)
    for literal, field, kind in _template(message.text):
        words.append(literal)
        if field is None:
            continue
        value = values[field]
        # the common case first, inline: a bill says some hundred thousand of these
        if kind and value is not None:
            words.append(_KINDS[kind](value))
        else:
            words.append(_said(value))
    return "".join(words)


def _said(value: object) -> str:
    """A field without a kind: text, a message said in its place, messages one after
    another, or nothing."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, Message):
        return say(value)
    if isinstance(value, tuple):  # messages said one after another
        return ", ".join(say(item) for item in value)
    return str(value)


def message_values(message: Message) -> dict[str, object]:
    """What ``message`` says, as data: its values by name — decimals as text, dates ISO,
    a message said inside it as the mapping of its own values; nothing for a value
    left unsaid (None)."""
    return {name: _json(value) for name, value in message.values if value is not None}


def _json(value: object) -> object:
    if isinstance(value, Message):
        return message_values(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(item) for item in value]
    return value
