"""Messages said as text in the language in use: the template translated by gettext,
each field formatted by Babel for its kind and the language's locale (``2 163``,
``1,50 €``, ``12,5 %``, ``10/02/2026`` in French; ``2,163``, ``€1.50``, ``12.5%`` in
English).
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from servcommun import language
from servcommun.message import Message

CURRENCY = "EUR"  # every shipped tariff bills in euros; a tariff's own currency is its own


@functools.cache
def _formats(locale: str) -> Mapping[str, Callable[[Any], str]]:
    """How each kind of value is written in ``locale``: Babel's patterns, read once, and
    each value formatted once (a bill says the same rates and brackets on every line)."""
    from babel import Locale  # Babel's data is slow to load: only when something is said
    from babel.dates import format_date
    from babel.numbers import format_currency, format_decimal, format_percent

    where = Locale.parse(locale)

    def as_written(value: Decimal) -> str:
        places = max(0, -int(value.as_tuple().exponent))
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return str(format_decimal(value, format=pattern, locale=where))

    def day(value: dt.date) -> str:
        return str(format_date(value, "short", locale=where))

    formats: dict[str, Callable[[Any], str]] = {
        "count": _remembered(lambda value: str(format_decimal(value, locale=where))),
        "year": str,
        "number": _remembered(
            lambda value: str(format_decimal(value, locale=where, decimal_quantization=False)),
            written=True,
        ),
        "amount": _remembered(
            lambda value: str(
                format_currency(value, CURRENCY, locale=where, decimal_quantization=False)
            ),
            written=True,
        ),
        "decimal": _remembered(as_written, written=True),
        "percent": _remembered(
            lambda value: str(
                format_percent(Decimal(value) / 100, locale=where, decimal_quantization=False)
            ),
            written=True,
        ),
        "date": _remembered(day),
    }
    formats["periods"] = lambda spans: ", ".join(
        f"{formats['date'](start)}–{formats['date'](end)}" for start, end in spans
    )
    return formats


def _remembered(format: Callable[[Any], str], written: bool = False) -> Callable[[Any], str]:
    """``format``, each value formatted once. A ``written`` value is known by its text:
    1.50 and 1.5 are equal decimals written differently."""
    seen: dict[object, str] = {}

    def said(value: Any) -> str:
        key = str(value) if written else value
        text = seen.get(key)
        if text is None:
            text = seen[key] = format(value)
        return text

    return said


def number_text(value: Decimal | int, kind: str = "number") -> str:
    """One value of ``kind`` written for the language in use (a table cell, a header)."""
    return _formats(language.locale())[kind](value)


@functools.cache
def _template(text: str) -> tuple[tuple[str, str | None, str], ...]:
    """A template's literal texts and fields (name, kind), parsed once: a bill says the
    same few templates for every line."""
    return tuple(
        (literal, field, spec or "") for literal, field, spec, _ in string.Formatter().parse(text)
    )


def say(message: Message) -> str:
    """``message`` as a sentence in the language in use."""
    values = dict(message.values)
    if message.plural:
        count = values[message.n]
        # a quantity of 1.5 takes the form of 1, as French writes « 1,5 demi-journée »
        n = count if isinstance(count, int) else int(Decimal(str(count)))
        template = language.ngettext(message.text, message.plural, n)
    else:
        template = language._(message.text)
    formats = _formats(language.locale())
    words: list[str] = []
    for literal, field, kind in _template(template):
        words.append(literal)
        if field is None:
            continue
        value = values[field]
        # the common case first, inline: a bill says some hundred thousand of these
        if kind and value is not None:
            words.append(formats[kind](value))
        else:
            words.append(_said(value))
    return "".join(words)


T = TypeVar("T")


def sayer() -> Callable[[Message], str]:
    """``say`` for one document, each distinct message said once: a bill's CSV says some
    hundred thousand bases, a few thousand of them distinct (« 86 habitants × 1,50 € »).
    The language must not change while it is used."""
    said: dict[tuple[object, ...], str] = {}

    def say_once(message: Message) -> str:
        key = _key(message)
        if key is None:
            return say(message)
        text = said.get(key)
        if text is None:
            text = said[key] = say(message)
        return text

    return per_object(say_once)


def per_object(make: Callable[[Message], T]) -> Callable[[Message], T]:
    """``make`` for one document, worked out once for each message object: the same
    object stands on many lines (a bracket's basis, made once per bracket) and is known
    by its identity before its values. Each is kept, so that its id is not reused."""
    made: dict[int, tuple[Message, T]] = {}

    def once(message: Message) -> T:
        known = made.get(id(message))
        if known is not None and known[0] is message:
            return known[1]
        value = make(message)
        made[id(message)] = (message, value)
        return value

    return once


def _key(message: Message) -> tuple[object, ...] | None:
    """What ``say`` writes ``message`` from: its templates, then each value's name, type
    and the value, a decimal by its text (1.50 and 1.5 are equal decimals written
    differently); None for a value of another kind (it is said each time)."""
    key: list[object] = [message.text, message.plural, message.n]
    for name, value in message.values:
        kind = value.__class__
        if kind is Decimal:
            value = str(value)
        elif kind is Message:
            value = _key(value)  # type: ignore[arg-type]
            if value is None:
                return None
        elif not (kind is str or kind is int or kind is dt.date or value is None):
            return None
        key += (name, kind, value)
    return tuple(key)


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
