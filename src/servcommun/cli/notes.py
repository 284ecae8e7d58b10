"""What the commands tell the user on stderr — notes, refused options, usage errors — said
in the language in use; a module of no command, so that importing it registers none."""

from __future__ import annotations

import datetime as dt
import sys
from typing import NoReturn

import typer

from servcommun import language
from servcommun.message import Message


def say_note(message: Message) -> None:
    """A note for the user (a file written, a figure found), on stderr."""
    from servcommun.render.words import say

    print(say(message), file=sys.stderr)


def usage_error(message: Message) -> NoReturn:
    """A usage error the options' parser cannot see: said on stderr, exit 2."""
    from servcommun.render.words import say

    print(f"servcommun: {say(message)}", file=sys.stderr)
    raise typer.Exit(2)


def option_problem(option: str, code: str, message: Message | str) -> str:
    """A wrong option as ``fail`` reports it: ``--option: code message`` (a message said,
    or text already said)."""
    from servcommun.render.words import say

    said = say(message) if isinstance(message, Message) else message
    return f"{option}: {code} {said}"


def bad_parameter(message: Message) -> typer.BadParameter:
    """A value an option's parser refuses, its explanation said."""
    from servcommun.render.words import say

    return typer.BadParameter(say(message))


def day_option(value: str | None) -> dt.date | None:
    """``--date`` as a date (YYYY-MM-DD), or a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            language._("expected a date written YYYY-MM-DD, got {value}").format(value=value)
        ) from None
