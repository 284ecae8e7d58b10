"""Sentences as data: a message id and the values it speaks of.

The engine, the rules and the checks say what they found as a ``Message``: an English
template whose named fields say the kind of their value (``"{population:count}
inhabitants × {rate:amount}"``), and those values — never a finished sentence. A renderer
turns it into text in the reader's language, each value formatted for its kind
(``render.words``); JSON gives the values as they are.

Kinds: ``count`` (an integer), ``number`` (a quantity, trailing zeros dropped),
``amount`` (money), ``decimal`` (a figure as written: an index value), ``percent``,
``date``, ``periods`` (date spans); a field without a kind is text, or a ``Message``
said in its place (a tuple of them, one after another; None says nothing).
"""

from __future__ import annotations

from typing import NamedTuple


class Message(NamedTuple):
    """A sentence to say: its template (the message id) and the values of its fields, as
    (name, value) pairs (a tuple: the cheapest record a bill keeps for each of its
    lines)."""

    text: str
    values: tuple[tuple[str, object], ...]


def msg(text: str, /, **values: object) -> Message:
    """The message ``text`` with its fields' ``values``."""
    return Message(text, tuple(values.items()))


class Unsaid(ValueError):
    """An error whose explanation is a ``Message``, for the renderer to say."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text)
        self.message = message
