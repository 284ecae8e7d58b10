"""The words of the command-line framework, in the language in use.

Typer (and the Click it vendors, pinned in ``pyproject.toml``) writes its own words in
English: ``Usage:``, ``Options:``, ``Show this message and exit.``, ``[default: …]``,
the metavars, and its usage errors (``Missing option '--year'.``). The commands' own
help is a message id translated before the help is laid out (``translate``); the
framework's phrases are translated in the finished text (``help_text``) and its usage
errors matched against the templates below (``usage_error``): each phrase is an entry
of the catalogue like any other.
"""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperGroup

from servcommun.language import N_, _

# the framework's phrases in a help page, as Typer writes them
_HELP_PHRASES = (
    N_("Usage:"),
    N_("Options:"),
    N_("Commands:"),
    N_("Arguments:"),
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
    N_("Show this message and exit."),
    N_("default:"),
    N_("required"),
    N_("<int range>"),
    N_("<int>"),
    N_("<str>"),
    N_("<path>"),
    N_("<float>"),
    N_("<decimal>"),
    N_("<text>"),
)
_PHRASE = re.compile("|".join(re.escape(phrase) for phrase in _HELP_PHRASES))

# Click's usage errors: the English template (as a pattern) and its message id
_ERRORS = (
    (r"Missing option '(?P<option>[^']+)'\.", N_("Missing option '{option}'.")),
    (r"Missing argument '(?P<option>[^']+)'\.", N_("Missing argument '{option}'.")),
    (
        r"No such option: (?P<option>\S+) \(Possible options: (?P<others>.+)\)",
        N_("No such option: {option} (possible options: {others})"),
    ),
    (r"No such option: (?P<option>\S+)", N_("No such option: {option}")),
    (
        r"Invalid value for '(?P<option>[^']+)': (?P<value>.+) is not a valid (?P<kind>[a-z ]+)\.",
        N_("Invalid value for '{option}': {value} is not a valid {kind}."),
    ),
    (
        r"Invalid value for '(?P<option>[^']+)': (?P<value>.+) is not in the range "
        r"(?P<range>.+)\.",
        N_("Invalid value for '{option}': {value} is not in the range {range}."),
    ),
    (
        r"Invalid value for '(?P<option>[^']+)': (?P<value>.+) is not one of (?P<choices>.+)\.",
        N_("Invalid value for '{option}': {value} is not one of {choices}."),
    ),
    (
        r"Option '(?P<option>[^']+)' requires an argument\.",
        N_("Option '{option}' requires an argument."),
    ),
    (
        r"Got unexpected extra arguments? \((?P<extra>.*)\)",
        N_("Unexpected extra argument ({extra})."),
    ),
    (
        r"No such command '(?P<command>[^']+)'\. Did you mean (?P<suggestion>.+)\?",
        N_("No such command '{command}'. Did you mean {suggestion}?"),
    ),
    (r"No such command '(?P<command>[^']+)'\.", N_("No such command '{command}'.")),
    (r"Missing command\.", N_("Missing command.")),
)
_KINDS = {
    "int range": N_("integer"),
    "int": N_("integer"),
    "integer": N_("integer"),
    "float": N_("number"),
    "decimal": N_("number"),
    "date": N_("date"),
}


class LocalizedGroup(TyperGroup):
    """The application's command group: before it parses a command line, the help of
    every command and option is put in the language in use."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        translate(self)
        return super().make_context(*args, **kwargs)


def translate(command: Any) -> None:
    """Say the help of ``command``, its options and its subcommands in the language in
    use (their message ids are kept, so that a later call translates them again), and
    the framework's phrases of its help page."""
    if not hasattr(command, "_help_id"):
        page = command.get_help
        command.get_help = lambda context: help_text(page(context))
    for holder in [command, *getattr(command, "params", ())]:
        for name in ("help", "short_help"):
            original = getattr(holder, f"_{name}_id", None)
            if original is None:
                original = getattr(holder, name, None)
                setattr(holder, f"_{name}_id", original)
            if original:
                setattr(holder, name, _(original))
    for subcommand in getattr(command, "commands", {}).values():
        translate(subcommand)


def help_text(text: str) -> str:
    """A help page with the framework's phrases translated."""
    return _PHRASE.sub(lambda match: _(match.group(0)), text)


def usage_error(message: str) -> str:
    """One of Click's usage errors in the language in use (as written if unknown)."""
    for pattern, template in _ERRORS:
        match = re.fullmatch(pattern, message)
        if match:
            fields = match.groupdict()
            if "kind" in fields:
                fields["kind"] = _(_KINDS.get(fields["kind"], fields["kind"]))
            return _(template).format(**fields)
    return message
