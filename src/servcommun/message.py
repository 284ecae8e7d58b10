"""Sentences as data: a message id and the values it speaks of.

The engine, the rules and the checks say what they found as a ``Message``: an English
template — the message id of the catalogue — whose named fields say the kind of their
value (``"{population:count} inhabitants × {rate:amount}"``), and those values, never a
finished sentence. A renderer says it in the reader's language: the template translated
by gettext, each value formatted by Babel for its kind (``render.words``); JSON gives the
values as they are.

Kinds: ``count`` (an integer, grouped: « 2 163 »), ``year`` (an integer as is: 2026),
``number`` (a quantity, trailing zeros dropped), ``amount`` (money, with its sign),
``decimal`` (a figure as written: an index value), ``percent`` (a percentage, with its
sign: 12.5 → « 12,5 % »), ``date``, ``periods`` (date spans); a field without a kind is
text, or a ``Message`` said in its place (a tuple of them, one after another; None says
nothing).

A sentence whose words depend on a number has two templates, chosen by gettext's plural
rules for the value of the field ``n`` names (``msg_n``): « 1 commune », « 2 communes ».
"""

from __future__ import annotations

from typing import NamedTuple


class Message(NamedTuple):
    """A sentence to say: its template (the message id) and the values of its fields, as
    (name, value) pairs (a tuple: the cheapest record a bill keeps for each of its
    lines); a plural template and the field whose value chooses between them."""

    text: str
    values: tuple[tuple[str, object], ...]
    plural: str = ""
    n: str = ""


def msg(text: str, /, **values: object) -> Message:
    """The message ``text`` with its fields' ``values``."""
    return Message(text, tuple(values.items()))


def msg_n(singular: str, plural: str, /, *, n: str, **values: object) -> Message:
    """The message ``singular`` or ``plural``, as the value of field ``n`` asks."""
    return Message(singular, tuple(values.items()), plural, n)


class Unsaid(ValueError):
    """An error whose explanation is a ``Message``, for the renderer to say."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text)
        self.message = message
